//! Result text exactly as cqlsh 6.2 prints it without a tty (`cqlshmain.py`
//! `print_formatted_result`, `print_formatted_result_vertically`, `cmd.Cmd.columnize`) and the
//! Python driver's error text.

use sibyl_driver::value::{CqlValue, DisplayOptions};
use sibyl_driver::{ColumnType, DriverError};

/// The display width of a cell as cqlsh measures it (wcwidth): East Asian wide and
/// full-width characters take two columns, combining marks none.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

fn char_width(c: char) -> usize {
    let c = c as u32;
    const ZERO: &[(u32, u32)] = &[
        (0x0300, 0x036F),
        (0x0483, 0x0489),
        (0x0591, 0x05BD),
        (0x0610, 0x061A),
        (0x064B, 0x065F),
        (0x200B, 0x200F),
        (0x20D0, 0x20FF),
        (0xFE00, 0xFE0F),
        (0xFE20, 0xFE2F),
    ];
    const WIDE: &[(u32, u32)] = &[
        (0x1100, 0x115F),
        (0x2329, 0x232A),
        (0x2E80, 0x303E),
        (0x3041, 0x33FF),
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),
        (0xA000, 0xA4CF),
        (0xAC00, 0xD7A3),
        (0xF900, 0xFAFF),
        (0xFE10, 0xFE19),
        (0xFE30, 0xFE6F),
        (0xFF00, 0xFF60),
        (0xFFE0, 0xFFE6),
        (0x1F300, 0x1F64F),
        (0x1F900, 0x1F9FF),
        (0x20000, 0x2FFFD),
        (0x30000, 0x3FFFD),
    ];
    let within = |ranges: &[(u32, u32)]| ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c));
    if within(ZERO) {
        0
    } else if within(WIDE) {
        2
    } else {
        1
    }
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
            Ok(v) => display(&v, options),
            Err(_) => format!("0x{}", b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
        },
    }
}

/// Stands for a null component while the driver renders a value (control characters in text
/// are escaped by the display, so data cannot contain it).
const NULL_MARK: &str = "\u{1}\u{2}null\u{2}\u{1}";

/// The driver's cqlsh display, except that cqlsh prints a null tuple component as `None`
/// (Python's `str(None)`) where a null UDT field is `null`: nulls are rendered as a mark, then
/// replaced in the order a pre-order walk of the value meets them.
fn display(v: &CqlValue, options: &DisplayOptions) -> String {
    let mut kinds = Vec::new();
    null_kinds(v, &mut kinds);
    if kinds.is_empty() {
        return v.to_cqlsh_string(options);
    }
    let marked = DisplayOptions { null: NULL_MARK.to_string(), ..options.clone() };
    let text = v.to_cqlsh_string(&marked);
    let mut parts = text.split(NULL_MARK);
    let mut out = parts.next().unwrap_or_default().to_string();
    for (i, part) in parts.enumerate() {
        out.push_str(if kinds.get(i).copied().unwrap_or(false) { "None" } else { &options.null });
        out.push_str(part);
    }
    out
}

/// For each null component of `v`, in pre-order: whether it is a tuple's (`true`) or a UDT's.
fn null_kinds(v: &CqlValue, kinds: &mut Vec<bool>) {
    match v {
        CqlValue::List(items) | CqlValue::Set(items) => items.iter().for_each(|i| null_kinds(i, kinds)),
        CqlValue::Map(entries) => {
            for (k, val) in entries {
                null_kinds(k, kinds);
                null_kinds(val, kinds);
            }
        }
        CqlValue::Tuple(items) => {
            for item in items {
                match item {
                    Some(i) => null_kinds(i, kinds),
                    None => kinds.push(true),
                }
            }
        }
        CqlValue::Udt { fields, .. } => {
            for (_, field) in fields {
                match field {
                    Some(f) => null_kinds(f, kinds),
                    None => kinds.push(false),
                }
            }
        }
        _ => {}
    }
}

/// A horizontal table: the header (left-aligned names, unless `with_header` is false), the
/// `-+-` rule, the right-aligned rows (and a blank line on a tty); with `rows == None` the
/// header and a blank line.
pub fn table(names: &[String], rows: Option<&[Vec<String>]>, with_header: bool, tty: bool, out: &mut String) {
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
    if tty {
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
            // Python's len(): code points, not display columns.
            let w =
                (0..nrows).map(|r| r + nrows * col).take_while(|i| *i < size).map(|i| list[i].chars().count()).max();
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
        let padded: Vec<String> = texts.iter().zip(&colwidths).map(|(t, w)| format!("{t:<w$}", w = *w)).collect();
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
        table(&s(&["k", "v"]), Some(&rows), true, false, &mut out);
        assert_eq!(out, " k | v\n---+-------\n 1 |   one\n 3 | three\n");
        let mut out = String::new();
        table(&s(&["k", "v"]), None, true, false, &mut out);
        assert_eq!(out, " k | v\n---+---\n\n");
    }

    #[test]
    fn tuple_nulls_are_none_udt_nulls_are_null() {
        let udt = CqlValue::Udt {
            keyspace: "ks".into(),
            name: "u".into(),
            fields: vec![("a".into(), None), ("b".into(), Some(CqlValue::Text("x".into())))],
        };
        let v = CqlValue::Tuple(vec![None, Some(udt)]);
        assert_eq!(display(&v, &DisplayOptions::default()), "(None, {a: null, b: 'x'})");
        let v = CqlValue::List(vec![CqlValue::Tuple(vec![Some(CqlValue::Int(1)), None])]);
        assert_eq!(display(&v, &DisplayOptions::default()), "[(1, None)]");
        assert_eq!(width("Ünïcödé 日本"), 12);
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
