//! `COPY ... FROM`: CSV records parsed into the typed values of a prepared INSERT (the types
//! of its bind markers), sent concurrently with a bound on the INSERTs in flight; a row that
//! does not parse or insert is reported with its line, counted, and written to the ERRFILE.

use std::io::BufRead;
use std::time::Instant;

use sibyl_driver::{BoundValues, DriverError, PreparedStatement, Session, Statement, Value};
use tokio::task::JoinSet;

use super::csv::{Record, StreamChars};
use super::export::{backoff, retryable};
use super::{describe_interval, expand_home, protect, Context, CopyError, CopyOptions, RateMeter, Target};
use crate::shell::out;

/// One row ready to insert, and where it came from.
struct Pending {
    values: Vec<Value>,
    fields: Vec<String>,
    line: usize,
    source: String,
}

type InsertResult = (Pending, Result<(), (DriverError, u32)>);

/// The running import: counters and the failed rows.
struct Import<'a> {
    opts: &'a CopyOptions,
    imported: u64,
    parse_errors: i64,
    insert_errors: i64,
    failed: Vec<Vec<String>>,
    meter: RateMeter,
    stop: bool,
}

impl Import<'_> {
    fn parse_failed(
        &mut self,
        fields: Vec<String>,
        line: usize,
        source: &str,
        msg: &str,
        printerr: &mut dyn FnMut(&str),
    ) {
        printerr(&format!(
            "Failed to import 1 rows: ParseError - {msg},  given up without retries (line {line} of {source})"
        ));
        self.parse_errors += 1;
        self.failed.push(fields);
        self.meter.increment(1);
        if self.opts.max_parse_errors >= 0 && self.parse_errors > self.opts.max_parse_errors {
            printerr(&format!("Exceeded maximum number of parse errors {}", self.opts.max_parse_errors));
            self.stop = true;
        }
    }

    fn inserted(&mut self, result: InsertResult, printerr: &mut dyn FnMut(&str)) {
        let (row, outcome) = result;
        match outcome {
            Ok(()) => self.imported += 1,
            Err((e, attempts)) => {
                let text = crate::format::error_text(&e);
                let (class, msg) = text.split_once(": ").unwrap_or(("Error", text.as_str()));
                printerr(&format!(
                    "Failed to import 1 rows: {class} - {msg},  given up after {attempts} attempts (line {} of {})",
                    row.line, row.source
                ));
                self.insert_errors += 1;
                self.failed.push(row.fields);
                if self.opts.max_insert_errors >= 0 && self.insert_errors > self.opts.max_insert_errors {
                    printerr(&format!("Exceeded maximum number of insert errors {}", self.opts.max_insert_errors));
                    self.stop = true;
                }
            }
        }
        self.meter.increment(1);
    }
}

async fn insert(session: Session, prepared: PreparedStatement, row: Pending, max_attempts: u32) -> InsertResult {
    let mut attempt = 1;
    loop {
        match session.execute(&prepared, BoundValues::positional(row.values.clone())).await {
            Ok(_) => return (row, Ok(())),
            Err(e) if attempt < max_attempts && retryable(&e) => {
                tracing::debug!(line = row.line, attempt, error = %e, "COPY FROM: retrying an INSERT");
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            Err(e) => return (row, Err((e, attempt))),
        }
    }
}

/// One input of a COPY FROM.
enum Source {
    /// The lines typed (or the script's lines) up to `.`.
    Stdin(String),
    /// A file, opened and read as the import goes.
    File(String),
}

/// The inputs: each file of the comma-separated list, or the lines typed on stdin up to `.`.
fn sources(file: Option<&str>, stdin_data: Option<&str>) -> Vec<Source> {
    let Some(list) = file else {
        out("[Use . on a line by itself to end input]\n");
        if let Some(data) = stdin_data {
            return vec![Source::Stdin(data.to_string())];
        }
        let mut text = String::new();
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if line == "." || line == "\\." {
                break;
            }
            text.push_str(&line);
            text.push('\n');
        }
        return vec![Source::Stdin(text)];
    };
    list.split(',').map(str::trim).filter(|p| !p.is_empty()).map(|p| Source::File(expand_home(p))).collect()
}

/// A source's name and its bytes, read as needed.
fn open(source: Source) -> Result<(String, Box<dyn BufRead>), CopyError> {
    match source {
        Source::Stdin(text) => Ok(("<stdin>".to_string(), Box::new(std::io::Cursor::new(text.into_bytes())))),
        Source::File(path) => match std::fs::File::open(&path) {
            Ok(f) => Ok((path, Box::new(std::io::BufReader::new(f)))),
            Err(e) => {
                let reason = if e.kind() == std::io::ErrorKind::NotFound {
                    "no matching file found".to_string()
                } else {
                    crate::shell::python_io_error(&e, &path)
                };
                Err(CopyError::Open { path, mode: "reading", reason })
            }
        },
    }
}

pub async fn run(
    ctx: &Context,
    target: &Target,
    opts: &CopyOptions,
    printerr: &mut dyn FnMut(&str),
) -> Result<(), CopyError> {
    let start = Instant::now();
    if target.all.iter().any(|c| c.ty == "counter") {
        return Err(CopyError::Counter);
    }
    let valid: Vec<&String> = target.columns.iter().filter(|c| !opts.skip_cols.contains(c)).collect();
    if valid.is_empty() {
        return Err(CopyError::NoValidColumns);
    }
    for key in target.all.iter().filter(|c| c.kind == "partition_key" || c.kind == "clustering") {
        if !valid.contains(&&key.name) {
            return Err(CopyError::PrimaryKeyMissing(key.name.clone()));
        }
    }
    let kept: Vec<bool> = target.columns.iter().map(|c| !opts.skip_cols.contains(c)).collect();
    let names: Vec<String> = valid.iter().map(|c| c.to_string()).collect();
    out(&format!("\nStarting copy of {}.{} with columns [{}].\n", target.keyspace, target.table, names.join(", ")));
    let protected: Vec<String> = names.iter().map(|c| protect(c)).collect();
    let markers = vec!["?"; names.len()].join(", ");
    let ttl = if opts.ttl > 0 { format!(" USING TTL {}", opts.ttl) } else { String::new() };
    let cql = format!("INSERT INTO {} ({}) VALUES ({markers}){ttl}", target.qualified(), protected.join(", "));
    tracing::debug!(%cql, in_flight = opts.max_in_flight, "COPY FROM");
    let prepared = ctx.session.prepare(Statement::new(cql).with_consistency(ctx.consistency)).await?;
    let types: Vec<_> = prepared.bind_specs().iter().map(|s| s.ty.clone()).collect();
    if types.len() != names.len() {
        return Err(CopyError::Driver(format!("the INSERT has {} bind markers, not {}", types.len(), names.len())));
    }
    let key_index: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| {
            target.all.iter().any(|c| &c.name == *n && (c.kind == "partition_key" || c.kind == "clustering"))
        })
        .map(|(i, _)| i)
        .collect();

    let mut import = Import {
        opts,
        imported: 0,
        parse_errors: 0,
        insert_errors: 0,
        failed: Vec::new(),
        meter: RateMeter::new(opts.report_frequency_s, true),
        stop: false,
    };
    let mut in_flight: JoinSet<InsertResult> = JoinSet::new();
    let mut num_sources = 0;
    let mut num_read: i64 = 0;
    'sources: for source in sources(target.file.as_deref(), ctx.stdin_data.as_deref()) {
        let (source, input) = match open(source) {
            Ok(opened) => opened,
            Err(e) => {
                printerr(&format!("Failed to import 0 rows: OSError - {e},  given up after 1 attempts"));
                continue;
            }
        };
        num_sources += 1;
        let mut records = opts.dialect.reader_from(StreamChars::new(input));
        if opts.header {
            records.next();
        }
        let mut chunk: Vec<Record> = Vec::new();
        let mut exhausted = false;
        while !exhausted {
            // A chunk of records is parsed, then its rows are sent.
            chunk.clear();
            while chunk.len() < opts.chunk_size {
                let Some(record) = records.next() else {
                    exhausted = true;
                    break;
                };
                num_read += 1;
                if opts.max_rows >= 0 && num_read > opts.max_rows {
                    exhausted = true;
                    break;
                }
                if num_read > opts.skip_rows as i64 {
                    chunk.push(record);
                }
            }
            for record in chunk.drain(..) {
                if import.stop {
                    break 'sources;
                }
                if let Some(msg) = &record.error {
                    import.parse_failed(record.fields, record.line, &source, msg, printerr);
                    continue;
                }
                let fields: Vec<String> = record
                    .fields
                    .iter()
                    .zip(kept.iter().chain(std::iter::repeat(&true)))
                    .filter(|(_, k)| **k)
                    .map(|(f, _)| f.clone())
                    .collect();
                let values = match convert(opts, &names, &types, &key_index, &fields) {
                    Ok(v) => v,
                    Err(msg) => {
                        import.parse_failed(record.fields, record.line, &source, &msg, printerr);
                        continue;
                    }
                };
                while in_flight.len() >= opts.max_in_flight {
                    if let Some(Ok(done)) = in_flight.join_next().await {
                        import.inserted(done, printerr);
                    }
                }
                let row = Pending { values, fields: record.fields, line: record.line, source: source.clone() };
                in_flight.spawn(insert(ctx.session.clone(), prepared.clone(), row, opts.max_attempts));
            }
        }
        if let Some(e) = records.source().error() {
            let reason = if e.kind() == std::io::ErrorKind::InvalidData {
                "not valid UTF-8 (only ENCODING='utf8' is supported)".to_string()
            } else {
                e.to_string()
            };
            printerr(&format!("Failed to import the rest of {source} from line {}: {reason}", records.line()));
        }
    }
    while let Some(done) = in_flight.join_next().await {
        match done {
            Ok(done) => import.inserted(done, printerr),
            Err(e) => tracing::warn!(error = %e, "COPY FROM: an INSERT task failed"),
        }
    }
    if !import.failed.is_empty() {
        let mut text = String::new();
        for row in &import.failed {
            opts.dialect.write_record(row, &mut text);
        }
        let path = expand_home(&opts.err_file);
        if let Err(e) = std::fs::write(&path, text) {
            printerr(&format!("Can't write the failed rows to '{path}': {e}"));
        }
        printerr(&format!("Failed to process {} rows; failed rows written to {}", import.failed.len(), opts.err_file));
    }
    import.meter.finish();
    out(&format!(
        "\n{} rows imported from {num_sources} files in {} ({} skipped).\n",
        import.imported,
        describe_interval(start.elapsed().as_secs_f64()),
        opts.skip_rows
    ));
    Ok(())
}

/// One record's fields as bound values, as cqlsh's `ImportConversion.convert_row`.
fn convert(
    opts: &CopyOptions,
    names: &[String],
    types: &[sibyl_driver::ColumnType],
    key_index: &[usize],
    fields: &[String],
) -> Result<Vec<Value>, String> {
    let conv = &opts.conversion;
    if fields.len() != types.len() {
        return Err(format!("Invalid row length {} should be {}", fields.len(), types.len()));
    }
    for &i in key_index {
        if fields[i] == conv.nullval {
            let mut msg = format!("Cannot insert null value for primary key column '{}'.", names[i]);
            if conv.nullval.is_empty() {
                msg.push_str(
                    " If you want to insert empty strings, consider using the WITH NULL=<marker> option for COPY.",
                );
            }
            return Err(msg);
        }
    }
    fields
        .iter()
        .zip(types)
        .map(|(field, ty)| match conv.parse_field(ty, field)? {
            None => Ok(Value::Null),
            Some(v) => v.serialize(ty).map(Value::Set).map_err(|e| format!("Failed to parse {field} : {e}")),
        })
        .collect()
}
