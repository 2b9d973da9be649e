//! Result text exactly as cqlsh 6.2 prints it without a tty (`cqlshmain.py`
//! `print_formatted_result`, `print_formatted_result_vertically`, `cmd.Cmd.columnize`) and the
//! Python driver's error text.

use sibyl_driver::value::{CqlValue, DisplayOptions};
use sibyl_driver::{ColumnType, DriverError};

/// The display width of a cell (characters; cqlsh uses wcwidth).
fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad_right(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', w.saturating_sub(width(s))));
    out
}

fn pad_left(s: &str, w: usize) -> String {
    let mut out: String = std::iter::repeat_n(' ', w.saturating_sub(width(s))).collect();
    out.push_str(s);
    out
}

/// One cell as cqlsh prints it: `null` for a null, the driver's cqlsh display otherwise, the
/// bytes in hex when they do not decode.
pub fn cell(ty: &ColumnType, bytes: Option<&[u8]>, options: &DisplayOptions) -> String {
    match bytes {
        None => "null".to_string(),
        Some(b) => match CqlValue::deserialize(ty, b) {
            Ok(v) => v.to_cqlsh_string(options),
            Err(_) => format!("0x{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
        },
    }
}

/// A horizontal table: the header (left-aligned names, unless `with_header` is false), the
/// `-+-` rule, the right-aligned rows; with `rows == None` the header and a blank line.
pub fn table(names: &[String], rows: Option<&[Vec<String>]>, with_header: bool, out: &mut String) {
    let mut widths: Vec<usize> = names.iter().map(|n| width(n)).collect();
    for row in rows.unwrap_or_default() {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(c));
        }
    }
    if with_header {
        let header: Vec<String> = names.iter().zip(&widths).map(|(n, w)| pad_right(n, *w)).collect();
        out.push(' ');
        out.push_str(header.join(" | ").trim_end());
        out.push('\n');
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        out.push_str(&format!("-{}-\n", rule.join("-+-")));
    }
    let Some(rows) = rows else {
        out.push('\n');
        return;
    };
    for row in rows {
        let line: Vec<String> = row.iter().zip(&widths).map(|(c, w)| pad_left(c, *w)).collect();
        out.push(' ');
        out.push_str(&line.join(" | "));
        out.push('\n');
    }
}

/// `EXPAND ON` output: an `@ Row n` block per row, numbered from `offset + 1`.
pub fn vertical(names: &[String], rows: &[Vec<String>], offset: usize, out: &mut String) {
    let name_w = names.iter().map(|n| width(n)).max().unwrap_or(0);
    let value_w = rows.iter().flatten().map(|c| width(c)).max().unwrap_or(0);
    for (i, row) in rows.iter().enumerate() {
        out.push_str(&format!("@ Row {}\n", offset + i + 1));
        out.push_str(&format!("-{}-+-{}-\n", "-".repeat(name_w), "-".repeat(value_w)));
        for (n, c) in names.iter().zip(row) {
            out.push_str(&format!(" {} | {}\n", pad_right(n, name_w), c));
        }
        out.push('\n');
    }
}

/// Python's `cmd.Cmd.columnize` (80 columns for DESCRIBE listings): names filled column by
/// column.
pub fn columnize(list: &[String], display_width: usize, out: &mut String) {
    if list.is_empty() {
        out.push_str("<empty>\n");
        return;
    }
    let size = list.len();
    if size == 1 {
        out.push_str(&list[0]);
        out.push('\n');
        return;
    }
    let mut layout = None;
    for nrows in 1..size {
        let ncols = size.div_ceil(nrows);
        let mut colwidths = Vec::new();
        let mut total: isize = -2;
        for col in 0..ncols {
            let w = (0..nrows).map(|r| r + nrows * col).take_while(|i| *i < size).map(|i| width(&list[i])).max();
            let w = w.unwrap_or(0);
            colwidths.push(w);
            total += w as isize + 2;
            if total > display_width as isize {
                break;
            }
        }
        if total <= display_width as isize {
            layout = Some((nrows, ncols, colwidths));
            break;
        }
    }
    let (nrows, ncols, colwidths) = layout.unwrap_or((size, 1, vec![0]));
    for row in 0..nrows {
        let mut texts: Vec<&str> =
            (0..ncols).map(|col| list.get(row + nrows * col).map(String::as_str).unwrap_or("")).collect();
        while texts.last().is_some_and(|t| t.is_empty()) {
            texts.pop();
        }
        let padded: Vec<String> = texts.iter().zip(&colwidths).map(|(t, w)| pad_right(t, *w)).collect();
        out.push_str(&padded.join("  "));
        out.push('\n');
    }
}

/// The Python driver's exception class for a server error code, and the summary when the
/// driver turns the error into an exception printed as `Error from server: code=... [summary]
/// message="..."` (`None`: cqlsh prints the bare server message).
fn error_kind(code: i32) -> (&'static str, Option<&'static str>) {
    match code {
        0x0000 => ("ServerError", None),
        0x000A => ("ProtocolException", None),
        0x0100 => ("BadCredentials", None),
        0x1000 => ("Unavailable", Some("Unavailable exception")),
        0x1001 => ("OverloadedErrorMessage", None),
        0x1002 => ("IsBootstrappingErrorMessage", None),
        0x1003 => ("TruncateError", None),
        0x1100 => ("WriteTimeout", Some("Coordinator node timed out waiting for replica nodes' responses")),
        0x1200 => ("ReadTimeout", Some("Coordinator node timed out waiting for replica nodes' responses")),
        0x1300 => ("ReadFailure", Some("Replica(s) failed to execute read")),
        0x1400 => ("FunctionFailure", Some("User Defined Function failure")),
        0x1500 => ("WriteFailure", Some("Replica(s) failed to execute write")),
        0x1600 => ("CDCWriteException", None),
        0x2000 => ("SyntaxException", None),
        0x2100 => ("Unauthorized", Some("Unauthorized")),
        0x2200 => ("InvalidRequest", Some("Invalid query")),
        0x2300 => ("ConfigurationException", None),
        0x2500 => ("PreparedQueryNotFound", None),
        _ => ("ErrorMessage", None),
    }
}

/// The server's message inside an error.
pub fn server_message(e: &DriverError) -> String {
    use DriverError as E;
    match e {
        E::Server(m)
        | E::Protocol(m)
        | E::BadCredentials(m)
        | E::Overloaded(m)
        | E::IsBootstrapping(m)
        | E::TruncateError(m)
        | E::Syntax(m)
        | E::Unauthorized(m)
        | E::Invalid(m)
        | E::Config(m) => m.clone(),
        E::Unavailable { message, .. }
        | E::WriteTimeout { message, .. }
        | E::ReadTimeout { message, .. }
        | E::ReadFailure { message, .. }
        | E::FunctionFailure { message, .. }
        | E::WriteFailure { message, .. }
        | E::AlreadyExists { message, .. }
        | E::Unprepared { message, .. }
        | E::OtherServerError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// An error as cqlsh prints it (`ClassName: text`): e.g.
/// `InvalidRequest: Error from server: code=2200 [Invalid query] message="..."`, or
/// `SyntaxException: line 1:0 ...` for the errors the Python driver keeps as raw messages.
pub fn error_text(e: &DriverError) -> String {
    use DriverError as E;
    let Some(code) = e.code() else {
        return match e {
            E::RequestTimeout { .. } => "OperationTimedOut: errors={}, last_host=None".to_string(),
            E::NoHostAvailable { .. } | E::ConnectionBroken { .. } | E::ConnectionClosed { .. } => {
                format!("NoHostAvailable: ('Unable to complete the operation against any hosts', {{{e}}})")
            }
            other => format!("{other}"),
        };
    };
    if let E::AlreadyExists { keyspace, table, .. } = e {
        return if table.is_empty() {
            format!("AlreadyExists: Keyspace '{keyspace}' already exists")
        } else {
            format!("AlreadyExists: Table '{keyspace}.{table}' already exists")
        };
    }
    let (class, summary) = error_kind(code);
    let Some(summary) = summary else {
        return format!("{class}: {}", server_message(e));
    };
    let mut text = format!("{class}: Error from server: code={code:04x} [{summary}] message=\"{}\"", server_message(e));
    let py_bool = |b: bool| if b { "True" } else { "False" };
    match e {
        E::Unavailable { consistency, required, alive, .. } => text.push_str(&format!(
            " info={{'consistency': '{consistency}', 'required_replicas': {required}, 'alive_replicas': {alive}}}"
        )),
        E::WriteTimeout { consistency, received, block_for, write_type, .. } => text.push_str(&format!(
            " info={{'consistency': '{consistency}', 'required_responses': {block_for}, 'received_responses': {received}, 'write_type': '{}'}}",
            write_type.as_str()
        )),
        E::ReadTimeout { consistency, received, block_for, data_present, .. } => text.push_str(&format!(
            " info={{'consistency': '{consistency}', 'required_responses': {block_for}, 'received_responses': {received}, 'data_retrieved': {}}}",
            py_bool(*data_present)
        )),
        E::ReadFailure { consistency, received, block_for, num_failures, .. }
        | E::WriteFailure { consistency, received, block_for, num_failures, .. } => text.push_str(&format!(
            " info={{'consistency': '{consistency}', 'required_responses': {block_for}, 'received_responses': {received}, 'failures': {num_failures}}}"
        )),
        _ => {}
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn table_like_cqlsh() {
        let mut out = String::new();
        let rows = vec![s(&["1", "one"]), s(&["3", "three"])];
        table(&s(&["k", "v"]), Some(&rows), true, &mut out);
        assert_eq!(out, " k | v\n---+-------\n 1 |   one\n 3 | three\n");
        let mut out = String::new();
        table(&s(&["k", "v"]), None, true, &mut out);
        assert_eq!(out, " k | v\n---+---\n\n");
    }

    #[test]
    fn vertical_like_cqlsh() {
        let mut out = String::new();
        vertical(&s(&["k", "du"]), &[s(&["1", "1h30m"])], 0, &mut out);
        assert_eq!(out, "@ Row 1\n----+-------\n k  | 1\n du | 1h30m\n\n");
    }

    #[test]
    fn columnize_like_python() {
        let mut out = String::new();
        columnize(&s(&["apple", "\"MixedCase\"", "zebra"]), 80, &mut out);
        assert_eq!(out, "apple  \"MixedCase\"  zebra\n");
        let names: Vec<String> = (0..30).map(|i| format!("keyspace_{i:02}")).collect();
        let mut out = String::new();
        columnize(&names, 80, &mut out);
        let first = out.lines().next().unwrap_or_default().to_string();
        assert!(first.starts_with("keyspace_00  keyspace_05"), "{out}");
        assert!(out.lines().all(|l| l.len() <= 80));
    }

    #[test]
    fn errors_like_the_python_driver() {
        let e = DriverError::Invalid("Keyspace 'x' does not exist".into());
        assert_eq!(
            error_text(&e),
            "InvalidRequest: Error from server: code=2200 [Invalid query] message=\"Keyspace 'x' does not exist\""
        );
        let e = DriverError::AlreadyExists { keyspace: "ks".into(), table: "t".into(), message: String::new() };
        assert_eq!(error_text(&e), "AlreadyExists: Table 'ks.t' already exists");
        let e = DriverError::Syntax("line 1:0 no viable alternative at input 'SELEKT'".into());
        assert_eq!(error_text(&e), "SyntaxException: line 1:0 no viable alternative at input 'SELEKT'");
    }
}
