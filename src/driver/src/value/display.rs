//! [`CqlValue`] as cqlsh prints it (`cqlshlib/formatting.py` over the Python driver's types,
//! default settings): text with cqlsh's escapes (quoted with `''` inside collections), blobs
//! `0x...`, booleans `True`/`False`, floats with `%g` at 5 significant digits (plus one per
//! integer digit below 10^5), timestamps `2024-01-01 00:00:00.000000+0000` in UTC (with the Python driver's
//! float rounding of far-off instants and an unpadded year), dates `2024-01-01`, times
//! `12:00:00.000000000`, durations `1h30m`, uuids hyphenated, collections, tuples and UDTs in
//! CQL syntax with `null` for null components. Inside collections text, timestamps and inet
//! addresses are quoted, as cqlsh does. Sets and maps print in the order they hold (the
//! server's order).

use std::fmt::{self, Write};

pub(crate) use sibyl_common::cqlsh_text::cqlsh_float;
use sibyl_common::cqlsh_text::{escape_text as display_text, inet_text, timestamp_text};

use super::types::format_uuid;
use super::CqlValue;

/// cqlsh's display settings (`cqlshrc` `[ui]` section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayOptions {
    /// Significant digits for floats, and for doubles inside collections (`float_precision`).
    pub float_precision: usize,
    /// Significant digits for a top-level double (`double_precision`).
    pub double_precision: usize,
    /// What a null prints as, inside collections and tuples.
    pub null: String,
}

impl Default for DisplayOptions {
    /// cqlsh's defaults: 5 and 5 digits, `null`.
    fn default() -> Self {
        DisplayOptions { float_precision: 5, double_precision: 5, null: "null".to_string() }
    }
}

impl CqlValue {
    /// The value exactly as cqlsh prints it in a result cell: a top-level string unquoted.
    ///
    /// ```
    /// use sibyl_driver::value::{CqlValue, DisplayOptions};
    /// let v = CqlValue::Text("it's".into());
    /// assert_eq!(v.to_cqlsh_string(&DisplayOptions::default()), "it's");
    /// assert_eq!(v.to_string(), "'it''s'");
    /// let list = CqlValue::List(vec![v, CqlValue::Double(3.14159265)]);
    /// assert_eq!(list.to_cqlsh_string(&DisplayOptions::default()), "['it''s', 3.14159]");
    /// ```
    pub fn to_cqlsh_string(&self, options: &DisplayOptions) -> String {
        let mut out = String::new();
        display(self, options, false, true, &mut out);
        out
    }
}

impl fmt::Display for CqlValue {
    /// cqlsh's form with string values quoted; `{:#}` leaves a top-level string unquoted
    /// (exactly cqlsh's cell).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        let options = DisplayOptions::default();
        if !f.alternate() && matches!(self, CqlValue::Ascii(_) | CqlValue::Text(_)) {
            display(self, &options, true, false, &mut out);
        } else {
            display(self, &options, false, true, &mut out);
        }
        f.write_str(&out)
    }
}

/// Writes `v`; `quote` quotes text, timestamps and inet addresses (inside collections), `top`
/// selects the top-level double precision.
fn display(v: &CqlValue, o: &DisplayOptions, quote: bool, top: bool, out: &mut String) {
    use CqlValue as V;
    match v {
        V::Empty => {}
        V::Ascii(s) | V::Text(s) => display_text(s, quote, out),
        V::Blob(b) | V::Custom { bytes: b, .. } => {
            out.push_str("0x");
            for byte in b {
                let _ = write!(out, "{byte:02x}");
            }
        }
        V::Boolean(b) => out.push_str(if *b { "True" } else { "False" }),
        V::Tinyint(i) => push(out, i),
        V::Smallint(i) => push(out, i),
        V::Int(i) => push(out, i),
        V::Bigint(i) | V::Counter(i) => push(out, i),
        V::Varint(i) => push(out, i),
        V::Decimal(d) => push(out, d),
        V::Float(x) => out.push_str(&cqlsh_float(f64::from(*x), o.float_precision)),
        V::Double(x) => {
            let precision = if top { o.double_precision } else { o.float_precision };
            out.push_str(&cqlsh_float(*x, precision));
        }
        V::Timestamp(t) => quoted(out, quote, &timestamp_text(t.0).unwrap_or_else(|| t.0.to_string())),
        V::Date(d) => push(out, d),
        V::Time(t) => push(out, t),
        V::Duration(d) => out.push_str(&d.cassandra_text()),
        V::Uuid(u) | V::Timeuuid(u) => out.push_str(&format_uuid(u)),
        V::Inet(ip) => quoted(out, quote, &inet_text(ip)),
        V::List(items) => display_seq(items.iter().map(Some), "[", "]", o, out),
        V::Set(items) => display_seq(items.iter().map(Some), "{", "}", o, out),
        V::Tuple(items) => display_seq(items.iter().map(Option::as_ref), "(", ")", o, out),
        V::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                display(k, o, true, false, out);
                out.push_str(": ");
                display(v, o, true, false, out);
            }
            out.push('}');
        }
        V::Udt { fields, .. } => {
            out.push('{');
            for (i, (name, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                display_text(name, false, out);
                out.push_str(": ");
                match item {
                    Some(v) => display(v, o, true, false, out),
                    None => out.push_str(&o.null),
                }
            }
            out.push('}');
        }
    }
}

fn push(out: &mut String, v: impl fmt::Display) {
    let _ = write!(out, "{v}");
}

fn quoted(out: &mut String, quote: bool, text: &str) {
    if quote {
        out.push('\'');
        out.push_str(text);
        out.push('\'');
    } else {
        out.push_str(text);
    }
}

fn display_seq<'a>(
    items: impl Iterator<Item = Option<&'a CqlValue>>,
    open: &str,
    close: &str,
    o: &DisplayOptions,
    out: &mut String,
) {
    out.push_str(open);
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        match item {
            Some(v) => display(v, o, true, false, out),
            None => out.push_str(&o.null),
        }
    }
    out.push_str(close);
}
