//! `COPY ... TO`: the table read with a paged SELECT, each row written as a CSV record.

use std::io::Write;
use std::time::{Duration, Instant};

use sibyl_driver::{DriverError, Statement};

use super::{describe_interval, expand_home, protect, Context, CopyError, CopyOptions, RateMeter, Target};
use crate::shell::out;

/// Whether a failed request may succeed when sent again (timeouts, overload, lost
/// connections); syntax and validation errors never do.
pub fn retryable(e: &DriverError) -> bool {
    use DriverError as E;
    matches!(
        e,
        E::Server(_)
            | E::Unavailable { .. }
            | E::Overloaded(_)
            | E::IsBootstrapping(_)
            | E::WriteTimeout { .. }
            | E::ReadTimeout { .. }
            | E::ConnectionBroken { .. }
            | E::ConnectionClosed { .. }
            | E::RequestTimeout { .. }
            | E::NoHostAvailable { .. }
    )
}

/// cqlsh's exponential backoff between attempts, capped.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(100u64.saturating_mul(1 << attempt.min(6)))
}

enum Dest {
    File(std::fs::File, String),
    Stdout,
}

impl Dest {
    fn write(&mut self, text: &str) -> Result<(), CopyError> {
        match self {
            Dest::File(f, path) => {
                f.write_all(text.as_bytes()).map_err(|e| CopyError::Write { path: path.clone(), reason: e.to_string() })
            }
            Dest::Stdout => {
                out(text);
                Ok(())
            }
        }
    }
}

pub async fn run(
    ctx: &Context,
    target: &Target,
    opts: &CopyOptions,
    printerr: &mut dyn FnMut(&str),
) -> Result<(), CopyError> {
    let start = Instant::now();
    // cqlsh is silent when exporting to STDOUT, so the CSV is all there is.
    let show = target.file.is_some();
    let mut dest = match &target.file {
        Some(path) => {
            let path = expand_home(path);
            let file = std::fs::File::create(&path).map_err(|e| CopyError::Open {
                path: path.clone(),
                mode: "writing",
                reason: crate::shell::python_io_error(&e, &path),
            })?;
            Dest::File(file, path)
        }
        None => Dest::Stdout,
    };
    if opts.header {
        let mut header = String::new();
        opts.dialect.write_record(&target.columns, &mut header);
        dest.write(&header)?;
    }
    if show {
        out(&format!(
            "\nStarting copy of {}.{} with columns [{}].\n",
            target.keyspace,
            target.table,
            target.columns.join(", ")
        ));
    }
    let cols: Vec<String> = target.columns.iter().map(|c| protect(c)).collect();
    let select = format!("SELECT {} FROM {}", cols.join(", "), target.qualified());
    tracing::debug!(%select, page_size = opts.page_size, "COPY TO");
    let stmt = Statement::new(select).with_consistency(ctx.consistency).with_page_size(opts.page_size);
    let mut meter = RateMeter::new(opts.report_frequency_s, show);
    let mut state = None;
    let mut rows_done = 0u64;
    let mut complete = true;
    loop {
        let mut attempt = 1;
        let (page, next) = loop {
            match ctx.session.query_paged(stmt.clone(), (), state.clone()).await {
                Ok(r) => break r,
                Err(e) if attempt < opts.max_attempts && retryable(&e) => {
                    printerr(&format!(
                        "Error for ({}.{}): {} (will try again later attempt {attempt} of {})",
                        target.keyspace,
                        target.table,
                        crate::format::error_text(&e),
                        opts.max_attempts
                    ));
                    tokio::time::sleep(backoff(attempt)).await;
                    attempt += 1;
                }
                Err(e) => {
                    printerr(&format!(
                        "Error for ({}.{}): {} (permanently given up after {rows_done} rows and {attempt} attempts)",
                        target.keyspace,
                        target.table,
                        crate::format::error_text(&e)
                    ));
                    complete = false;
                    break (Default::default(), None);
                }
            }
        };
        if !complete {
            break;
        }
        let mut text = String::new();
        let mut fields = Vec::with_capacity(page.columns.len());
        for row in page.rows() {
            fields.clear();
            for (i, col) in page.columns.iter().enumerate() {
                fields.push(opts.conversion.format_cell(&col.ty, row.raw(i)));
            }
            opts.dialect.write_record(&fields, &mut text);
        }
        dest.write(&text)?;
        let n = page.rows().len() as u64;
        rows_done += n;
        meter.increment(n);
        match next {
            Some(s) => state = Some(s),
            None => break,
        }
    }
    if let Dest::File(f, path) = &mut dest {
        f.flush().map_err(|e| CopyError::Write { path: path.clone(), reason: e.to_string() })?;
    }
    if !complete {
        printerr("Exported 0 ranges out of 1 total ranges, some records might be missing");
    }
    let total = meter.finish();
    if show {
        out(&format!("\n{total} rows exported to 1 files in {}.\n", describe_interval(start.elapsed().as_secs_f64())));
    }
    Ok(())
}
