//! `COPY ... TO` and `COPY ... FROM`, as cqlsh 6.2 (`cqlshlib/copyutil.py`) does them, with
//! one process and the same text: CSV in cqlsh's dialect and cell formats, cqlsh's messages
//! (`Starting copy of ks.t with columns [...]`, `Processed: ...`, `N rows exported to 1 files in
//! ...`, `N rows imported from 1 files in ... (0 skipped).`, `Failed to import ...`).
//!
//! Differences from cqlsh: COPY TO reads the table with one paged SELECT (cqlsh splits it by
//! token range over several processes), COPY FROM sends one prepared INSERT per row, at most
//! [`MAX_INSERTS_IN_FLIGHT`] at a time (cqlsh sends UNLOGGED batches); files are read whole and
//! only in UTF-8; file patterns are comma-separated names, not globs; counter tables and
//! `duration` columns cannot be imported.

pub mod csv;
mod export;
mod import;
pub mod options;
pub mod values;

use std::time::Duration;

use sibyl_driver::{Consistency, DriverError, Session, Statement};

pub use options::{parse_command, CopyOptions, Direction};

/// The most INSERTs COPY FROM keeps in flight (cqlsh's default MAXBATCHSIZE 20 times
/// MAXREQUESTS 6 is 120 rows per worker).
pub const MAX_INSERTS_IN_FLIGHT: usize = 256;

/// Why a COPY could not start or stopped, in cqlsh's words.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("Improper COPY command.")]
    Syntax,
    #[error("Not in any keyspace.")]
    NoKeyspace,
    #[error("Keyspace '{0}' not found.")]
    KeyspaceNotFound(String),
    #[error("Column family {0} not found")]
    TableNotFound(String),
    #[error("Invalid column name {0}")]
    InvalidColumn(String),
    #[error("No column specified")]
    NoColumns,
    #[error("No valid column specified")]
    NoValidColumns,
    #[error("Primary key column '{0}' missing or skipped")]
    PrimaryKeyMissing(String),
    #[error("Unrecognized COPY {direction} options: {names}")]
    UnrecognizedOptions { direction: &'static str, names: String },
    #[error("{0}")]
    BadOption(String),
    #[error("Unsupported encoding '{0}': sibyl-cqlsh reads and writes UTF-8 only (ENCODING='utf8')")]
    Encoding(String),
    #[error("Can't open '{path}' for {mode}: {reason}")]
    Open { path: String, mode: &'static str, reason: String },
    #[error("Error writing '{path}': {reason}")]
    Write { path: String, reason: String },
    #[error("{0}")]
    Driver(String),
    #[error("Counter tables cannot be imported by sibyl-cqlsh's COPY FROM")]
    Counter,
}

impl From<DriverError> for CopyError {
    fn from(e: DriverError) -> Self {
        CopyError::Driver(crate::format::error_text(&e))
    }
}

/// What a COPY runs with: the shell's session and settings.
pub struct Context {
    pub session: Session,
    pub consistency: Consistency,
    pub keyspace: Option<String>,
    /// For `COPY ... FROM STDIN` in a script: the lines that followed it (cqlsh reads them from
    /// its input); `None` reads the process's stdin.
    pub stdin_data: Option<String>,
}

/// Whether `text` is a `COPY ... FROM STDIN`.
pub fn is_copy_from_stdin(text: &str) -> bool {
    crate::split::first_word(text) == "COPY"
        && parse_command(text.trim()).is_ok_and(|c| c.direction == Direction::From && c.file.is_none())
}

/// Takes the data of each `COPY ... FROM STDIN` out of a script, as cqlsh reads it from the
/// script's own lines: the lines after the command up to one holding only `.` (or `\.`). They
/// are replaced by empty lines, so that later statements keep their line numbers.
pub fn take_stdin_data(script: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(script.len());
    let mut data = Vec::new();
    let mut lines = script.split_inclusive('\n');
    while let Some(line) = lines.next() {
        let before = out.len();
        out.push_str(line);
        if crate::split::first_word(line) != "COPY" || !is_copy_from_stdin(line) {
            continue;
        }
        // Only a command that starts a statement (not text inside one).
        if !crate::split::split(&out[..before]).1.trim().is_empty() {
            continue;
        }
        let mut text = String::new();
        for next in lines.by_ref() {
            out.push('\n');
            let bare = next.trim_end_matches(['\r', '\n']);
            if bare == "." || bare == "\\." {
                break;
            }
            text.push_str(bare);
            text.push('\n');
        }
        data.push(text);
    }
    (out, data)
}

/// A column of the table.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// `partition_key`, `clustering`, `regular` or `static`.
    pub kind: String,
    /// The CQL type, as system_schema writes it.
    pub ty: String,
}

/// The table's columns in cqlsh's order (partition key, clustering, then the others by name).
pub async fn table_columns(ctx: &Context, keyspace: &str, table: &str) -> Result<Vec<Column>, CopyError> {
    let lit = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let q = format!(
        "SELECT column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = {} AND table_name = {}",
        lit(keyspace),
        lit(table)
    );
    let stmt = Statement::new(q).with_consistency(Consistency::One).with_page_size(5000);
    let page = ctx.session.query(stmt, ()).await?;
    let mut cols: Vec<(u8, i32, String, Column)> = Vec::new();
    for row in page.rows() {
        let text = |name: &str| {
            row.column_index(name).and_then(|i| row.raw(i)).map(|b| String::from_utf8_lossy(b).into_owned())
        };
        let (Some(name), Some(kind)) = (text("column_name"), text("kind")) else { continue };
        let position = row
            .column_index("position")
            .and_then(|i| row.raw(i))
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(i32::from_be_bytes)
            .unwrap_or(-1);
        let ty = text("type").unwrap_or_default();
        let rank = match kind.as_str() {
            "partition_key" => 0,
            "clustering" => 1,
            _ => 2,
        };
        let order = if rank < 2 { position } else { 0 };
        cols.push((rank, order, name.clone(), Column { name, kind, ty }));
    }
    if cols.is_empty() {
        let q = format!("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = {}", lit(keyspace));
        let ks = ctx.session.query(Statement::new(q).with_consistency(Consistency::One), ()).await?;
        return Err(if ks.rows().is_empty() {
            CopyError::KeyspaceNotFound(keyspace.to_string())
        } else {
            CopyError::TableNotFound(table.to_string())
        });
    }
    cols.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    Ok(cols.into_iter().map(|c| c.3).collect())
}

/// A path with `~/` for the home directory, as Python's `os.path.expanduser`.
pub fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => path.to_string(),
    }
}

/// A name as CQL needs it (quoted unless lower-case alphanumeric).
pub fn protect(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// Runs one `COPY` statement; errors of single rows go to `printerr` as they happen.
pub async fn run(ctx: &Context, text: &str, printerr: &mut dyn FnMut(&str)) -> Result<(), CopyError> {
    let cmd = parse_command(text)?;
    let keyspace = cmd.keyspace.clone().or_else(|| ctx.keyspace.clone()).ok_or(CopyError::NoKeyspace)?;
    let columns = table_columns(ctx, &keyspace, &cmd.table).await?;
    if cmd.file.is_some() || cmd.direction == Direction::From {
        crate::shell::out("Using 1 child processes\n");
    }
    let opts = CopyOptions::parse(&cmd, &keyspace)?;
    let names: Vec<String> = match &cmd.columns {
        Some(c) => c.clone(),
        None => columns.iter().map(|c| c.name.clone()).collect(),
    };
    if names.is_empty() {
        return Err(CopyError::NoColumns);
    }
    if let Some(bad) = names.iter().find(|n| !columns.iter().any(|c| &c.name == *n)) {
        return Err(CopyError::InvalidColumn(bad.clone()));
    }
    let target = Target { keyspace, table: cmd.table.clone(), columns: names, all: columns, file: cmd.file.clone() };
    match cmd.direction {
        Direction::To => export::run(ctx, &target, &opts, printerr).await,
        Direction::From => import::run(ctx, &target, &opts, printerr).await,
    }
}

/// The table and columns a COPY works on.
pub struct Target {
    pub keyspace: String,
    pub table: String,
    /// The columns copied, in the file's order.
    pub columns: Vec<String>,
    /// All the table's columns.
    pub all: Vec<Column>,
    /// `None`: STDOUT / STDIN.
    pub file: Option<String>,
}

impl Target {
    fn qualified(&self) -> String {
        format!("{}.{}", protect(&self.keyspace), protect(&self.table))
    }
}

/// cqlsh's `describe_interval`, including its Python 3 quirk: `int(seconds) / length` is a
/// float division, so from one second on every unit is shown (`0 day, 0 hour, 0 minute, and
/// 1.234 seconds`).
pub fn describe_interval(seconds: f64) -> String {
    let mut desc = Vec::new();
    let mut rest = seconds;
    for (length, unit) in [(86400.0, "day"), (3600.0, "hour"), (60.0, "minute")] {
        let num = rest.trunc() / length;
        if num > 0.0 {
            let mut part = format!("{} {unit}", num.trunc() as i64);
            if num > 1.0 {
                part.push('s');
            }
            desc.push(part);
        }
        rest %= length;
    }
    let words = format!("{rest:.3} seconds");
    match desc.len() {
        0 => words,
        1 => format!("{} and {words}", desc[0]),
        _ => format!("{}, and {words}", desc.join(", ")),
    }
}

/// cqlsh's `RateMeter`: a `Processed: ...` line at most every `interval`, and a last one.
pub struct RateMeter {
    start: std::time::Instant,
    last: std::time::Instant,
    interval: Duration,
    current_rate: f64,
    current: u64,
    total: u64,
    show: bool,
}

impl RateMeter {
    pub fn new(interval_s: f64, show: bool) -> RateMeter {
        let now = std::time::Instant::now();
        RateMeter {
            start: now,
            last: now,
            interval: Duration::from_secs_f64(interval_s.clamp(0.0, 3600.0)),
            current_rate: 0.0,
            current: 0,
            total: 0,
            show,
        }
    }

    pub fn increment(&mut self, n: u64) {
        self.current += n;
        if self.current > 0 && self.last.elapsed() >= self.interval {
            self.update();
            self.log();
        }
    }

    fn update(&mut self) {
        let now = std::time::Instant::now();
        let dt = now.duration_since(self.last).as_secs_f64();
        if dt >= 1e-9 {
            let rate = self.current as f64 / dt;
            self.current_rate = if self.current_rate == 0.0 { rate } else { (self.current_rate + rate) / 2.0 };
        }
        self.last = now;
        self.total += self.current;
        self.current = 0;
    }

    fn log(&self) {
        if !self.show {
            return;
        }
        let dt = self.start.elapsed().as_secs_f64();
        let avg = if dt >= 1e-9 { self.total as f64 / dt } else { 0.0 };
        crate::shell::out(&format!(
            "Processed: {} rows; Rate: {:>7.0} rows/s; Avg. rate: {:>7.0} rows/s\r\r",
            self.total, self.current_rate, avg
        ));
    }

    /// The total, after logging the last line.
    pub fn finish(&mut self) -> u64 {
        self.update();
        self.log();
        self.total
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn intervals_like_cqlsh() {
        assert_eq!(describe_interval(0.023), "0.023 seconds");
        assert_eq!(describe_interval(1.5), "0 day, 0 hour, 0 minute, and 1.500 seconds");
        assert_eq!(describe_interval(90.0), "0 day, 0 hour, 1 minutes, and 30.000 seconds");
    }

    #[test]
    fn stdin_data_comes_from_the_script() {
        let script = "COPY t FROM STDIN\n1,a\n2,b\n.\nSELECT 1;\nCOPY t (k) FROM STDIN;\n3\n";
        let (rest, data) = take_stdin_data(script);
        assert_eq!(rest, "COPY t FROM STDIN\n\n\n\nSELECT 1;\nCOPY t (k) FROM STDIN;\n\n");
        assert_eq!(data, vec!["1,a\n2,b\n".to_string(), "3\n".to_string()]);
        let (rest, data) = take_stdin_data("INSERT INTO t (k, v) VALUES (1, '\nCOPY t FROM STDIN\n');\n");
        assert!(data.is_empty());
        assert!(rest.contains("COPY t FROM STDIN"));
    }

    #[test]
    fn names() {
        assert_eq!(protect("abc_1"), "abc_1");
        assert_eq!(protect("Abc"), "\"Abc\"");
    }
}
