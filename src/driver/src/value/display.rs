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
use std::net::IpAddr;

use super::types::{civil_from_days, format_uuid};
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
        V::Timestamp(t) => quoted(out, quote, &cqlsh_timestamp(t.0)),
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

/// cqlsh's `format_value_text`: backslashes doubled, `'` doubled when quoted, tab, newline and
/// carriage return as `\t` `\n` `\r`, other control characters as `\xNN`.
fn display_text(s: &str, quote: bool, out: &mut String) {
    if quote {
        out.push('\'');
    }
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' if quote => out.push_str("''"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{a0}' => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    if quote {
        out.push('\'');
    }
}

/// Python's `timedelta(seconds=x)` rounding of a float number of seconds to microseconds
/// (round half to even on the leftover fraction), which the Python driver applies to
/// `ms / 1000.0`: far from 1970 the microseconds are not always `ms * 1000`.
fn python_seconds_to_micros(x: f64) -> i128 {
    let int_part = x.trunc();
    let frac = x - int_part;
    let mut total = (int_part as i128) * 1_000_000;
    if frac == 0.0 {
        return total;
    }
    let us = frac * 1e6;
    let us_int = us.trunc();
    let leftover = us - us_int;
    total += us_int as i128;
    let mut whole = leftover.round();
    if (whole - leftover).abs() == 0.5 {
        let odd = (total & 1) as f64;
        whole = 2.0 * ((leftover + odd) * 0.5).round() - odd;
    }
    total + whole as i128
}

/// A timestamp exactly as cqlsh prints it: `%Y-%m-%d %H:%M:%S.%f%z` in UTC of the Python
/// driver's `datetime` (float-second rounding included, and glibc's `%Y` unpadded), or the
/// milliseconds where `datetime` overflows (years outside 1..=9999).
fn cqlsh_timestamp(ms: i64) -> String {
    let micros = python_seconds_to_micros(ms as f64 / 1000.0);
    let days = micros.div_euclid(86_400_000_000);
    let rem = micros.rem_euclid(86_400_000_000);
    let Ok(days) = i64::try_from(days) else {
        return ms.to_string();
    };
    let (y, m, d) = civil_from_days(days);
    if !(1..=9999).contains(&y) {
        return ms.to_string();
    }
    let secs = rem / 1_000_000;
    let us = rem % 1_000_000;
    format!("{y}-{m:02}-{d:02} {:02}:{:02}:{:02}.{us:06}+0000", secs / 3600, secs / 60 % 60, secs % 60)
}

/// cqlsh's `format_floating_point_type`: `%.*g`, with the precision raised by the exponent when
/// `%g` would print the number without an exponent anyway.
pub(crate) fn cqlsh_float(v: f64, precision: usize) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    let mut precision = i64::try_from(precision).unwrap_or(i64::MAX);
    if v.abs() > f64::EPSILON {
        // Python's int() truncates toward zero; |log10| of a finite double is below 400.
        let exponent = v.abs().log10().trunc() as i64;
        if (-4..precision).contains(&exponent) {
            precision += exponent + 1;
        }
    }
    format_g(v, usize::try_from(precision.clamp(1, 1000)).unwrap_or(1))
}

/// C's `%.*g`.
fn format_g(v: f64, precision: usize) -> String {
    let p = precision.max(1);
    let sci = format!("{:.*e}", p - 1, v);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let x: i64 = exp.parse().unwrap_or(0);
    if x < -4 || x >= p as i64 {
        let mantissa = strip_fraction_zeros(mantissa);
        format!("{mantissa}e{}{:02}", if x < 0 { '-' } else { '+' }, x.abs())
    } else {
        let decimals = usize::try_from(p as i64 - 1 - x).unwrap_or(0);
        strip_fraction_zeros(&format!("{v:.decimals$}")).to_string()
    }
}

fn strip_fraction_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// An address as the Python driver prints it (glibc's `inet_ntop`: IPv4-compatible IPv6
/// addresses `::a.b.c.d` get a dotted quad, which Rust only gives IPv4-mapped ones).
fn inet_text(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => {
            let s = a.segments();
            let o = a.octets();
            if s[..6] == [0; 6] && s[6] != 0 {
                format!("::{}.{}.{}.{}", o[12], o[13], o[14], o[15])
            } else {
                a.to_string()
            }
        }
    }
}
