//! Values as text: what cqlsh prints ([`CqlValue::to_display`]) and CQL literals
//! ([`CqlValue::to_cql_literal`]).
//!
//! The display form follows cqlsh 5.0 (`cqlshlib/formatting.py` over the Python driver's
//! types) with its default settings: timestamps `2011-02-03 04:05:00.000000+0000` in UTC (or
//! milliseconds when Python's `datetime` cannot hold them), dates `2011-02-03`, times
//! `04:05:00.000000000`, durations `1h30m`, floats with `%g` at the display precision (5), text
//! bare with backslashes doubled and control characters escaped, blobs `0x...`, booleans
//! `True`/`False`, the empty value as nothing and null as `null`. Inside collections, text,
//! timestamps and inet addresses are quoted; sets and maps are listed in Python's order.

use std::cmp::Ordering;
use std::fmt::Write;

use num_bigint::BigInt;
use num_traits::Signed;

use super::compare::{compare, java_float_order};
use super::timeuuid::format_uuid;
use super::{hex, CqlValue, DATE_EPOCH, NANOS_PER_DAY};
use crate::types::{maybe_quote, CqlType};
use sibyl_common::calendar::{civil_from_days, MILLIS_PER_DAY};
pub(crate) use sibyl_common::cqlsh_text::{cqlsh_float, duration_text};
use sibyl_common::cqlsh_text::{escape_text as display_text, inet_text, time_text, timestamp_text as python_timestamp};

/// cqlsh's display settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayOptions {
    /// `float_precision` of cqlshrc: significant digits for floats (and any floating value
    /// inside a collection).
    pub float_precision: usize,
    /// `double_precision` of cqlshrc: significant digits for a top-level double.
    pub double_precision: usize,
    /// What null prints as.
    pub null: String,
}

impl Default for DisplayOptions {
    /// cqlsh's defaults (`DEFAULT_FLOAT_PRECISION` and `DEFAULT_DOUBLE_PRECISION` are both 5).
    fn default() -> Self {
        DisplayOptions { float_precision: 5, double_precision: 5, null: "null".to_string() }
    }
}

impl CqlValue {
    /// The value as cqlsh prints it with its default settings.
    pub fn to_display(&self) -> String {
        self.to_display_with(&DisplayOptions::default())
    }

    /// The value as cqlsh prints it with these settings.
    pub fn to_display_with(&self, options: &DisplayOptions) -> String {
        let mut out = String::new();
        display(self, options, false, true, &mut out);
        out
    }

    /// The value as a CQL literal that reads back as the same value (for generated `INSERT`s
    /// and `DESCRIBE`): strings quoted with `''` escaping, blobs `0x...`, timestamps
    /// `'2011-02-03T04:05:00.000Z'` (integer milliseconds before 1582-10-15 and after 9999), dates,
    /// times and inet addresses quoted, durations bare (`1h30m`), uuids bare, collections,
    /// tuples and UDT values in CQL syntax.
    pub fn to_cql_literal(&self) -> String {
        let mut out = String::new();
        literal(self, &mut out);
        out
    }
}

// ---------------------------------------------------------------------------------------------
// cqlsh display

fn display(v: &CqlValue, o: &DisplayOptions, quote: bool, top: bool, out: &mut String) {
    use CqlValue as V;
    match v {
        V::Null => out.push_str(&o.null),
        V::Empty => {}
        V::Ascii(s) | V::Text(s) => display_text(s, quote, out),
        V::Blob(b) => {
            out.push_str("0x");
            out.push_str(&hex(b));
        }
        V::Boolean(b) => out.push_str(if *b { "True" } else { "False" }),
        V::Tinyint(i) => push(out, i),
        V::Smallint(i) => push(out, i),
        V::Int(i) => push(out, i),
        V::Bigint(i) | V::Counter(i) => push(out, i),
        V::Varint(i) => push(out, i),
        V::Decimal { unscaled, scale } => out.push_str(&python_decimal(unscaled, *scale)),
        V::Float(f) => out.push_str(&cqlsh_float(f64::from(*f), o.float_precision)),
        V::Double(f) => {
            let precision = if top { o.double_precision } else { o.float_precision };
            out.push_str(&cqlsh_float(*f, precision));
        }
        V::Timestamp(ms) => {
            let text = python_timestamp(*ms).unwrap_or_else(|| ms.to_string());
            if quote {
                let _ = write!(out, "'{text}'");
            } else {
                out.push_str(&text);
            }
        }
        V::Date(d) => {
            let days = i64::from(*d) - i64::from(DATE_EPOCH);
            let (y, m, day) = civil_from_days(days);
            if (1..=9999).contains(&y) {
                let _ = write!(out, "{y:04}-{m:02}-{day:02}");
            } else {
                push(out, days);
            }
        }
        V::Time(ns) => out.push_str(&time_text(*ns)),
        V::Duration { months, days, nanos } => out.push_str(&duration_text(*months, *days, *nanos)),
        V::Uuid(u) | V::Timeuuid(u) => out.push_str(&format_uuid(u)),
        V::Inet(ip) => {
            let text = inet_text(ip);
            if quote {
                let _ = write!(out, "'{text}'");
            } else {
                out.push_str(&text);
            }
        }
        V::List(items) => display_seq(items.iter(), "[", "]", o, out),
        V::Set(items) => {
            let mut sorted: Vec<&CqlValue> = items.iter().collect();
            sorted.sort_by(|a, b| python_order(a, b));
            display_seq(sorted.into_iter(), "{", "}", o, out);
        }
        V::Map(entries) => {
            let mut sorted: Vec<&(CqlValue, CqlValue)> = entries.iter().collect();
            sorted.sort_by(|a, b| python_order(&a.0, &b.0));
            out.push('{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                display(k, o, true, false, out);
                out.push_str(": ");
                display(v, o, true, false, out);
            }
            out.push('}');
        }
        V::Tuple(items) => {
            out.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                display(item.as_ref().unwrap_or(&V::Null), o, true, false, out);
            }
            out.push(')');
        }
        V::Udt(fields) => {
            out.push('{');
            for (i, (name, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                display_text(name, false, out);
                out.push_str(": ");
                display(item.as_ref().unwrap_or(&V::Null), o, true, false, out);
            }
            out.push('}');
        }
    }
}

fn push(out: &mut String, v: impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

fn display_seq<'a>(
    items: impl Iterator<Item = &'a CqlValue>,
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
        display(item, o, true, false, out);
    }
    out.push_str(close);
}

/// The order in which cqlsh lists set elements and map keys: Python's `sorted` over the
/// driver's values. UUIDs compare as 128-bit integers, inet addresses as strings; the rest
/// as Cassandra orders them.
fn python_order(a: &CqlValue, b: &CqlValue) -> Ordering {
    use CqlValue as V;
    match (a, b) {
        (V::Uuid(x) | V::Timeuuid(x), V::Uuid(y) | V::Timeuuid(y)) => x.cmp(y),
        (V::Inet(x), V::Inet(y)) => inet_text(x).cmp(&inet_text(y)),
        (V::List(x) | V::Set(x), V::List(y) | V::Set(y)) => {
            for (p, q) in x.iter().zip(y) {
                let c = python_order(p, q);
                if c.is_ne() {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (V::Tuple(x), V::Tuple(y)) => {
            for (p, q) in x.iter().zip(y) {
                let c = match (p, q) {
                    (Some(p), Some(q)) => python_order(p, q),
                    (p, q) => p.is_some().cmp(&q.is_some()),
                };
                if c.is_ne() {
                    return c;
                }
            }
            x.len().cmp(&y.len())
        }
        (V::Float(x), V::Float(y)) => java_float_order(f64::from(*x), f64::from(*y)),
        _ => compare(&CqlType::Blob, a, b),
    }
}

/// Python's `str(Decimal)` of `unscaled × 10^-scale` (scientific notation for a positive
/// exponent or a small adjusted exponent).
pub(crate) fn python_decimal(unscaled: &BigInt, scale: i32) -> String {
    let digits = unscaled.abs().to_string();
    let exp = -i64::from(scale);
    let n = digits.len() as i64;
    let left = exp + n;
    let dot = if exp <= 0 && left > -6 { left } else { 1 };
    let mut s = String::new();
    if unscaled.is_negative() {
        s.push('-');
    }
    if dot <= 0 {
        s.push_str("0.");
        s.extend(std::iter::repeat_n('0', usize::try_from(-dot).unwrap_or(0)));
        s.push_str(&digits);
    } else if dot >= n {
        s.push_str(&digits);
        s.extend(std::iter::repeat_n('0', usize::try_from(dot - n).unwrap_or(0)));
    } else {
        let split = usize::try_from(dot).unwrap_or(0);
        s.push_str(&digits[..split]);
        s.push('.');
        s.push_str(&digits[split..]);
    }
    if left != dot {
        let _ = write!(s, "E{:+}", left - dot);
    }
    s
}

// ---------------------------------------------------------------------------------------------
// CQL literals

/// 1582-10-15T00:00Z, from when Java's calendar (hence Cassandra's timestamp parsing) is
/// Gregorian.
const GREGORIAN_CUTOVER_MILLIS: i64 = -12_219_292_800_000;

fn literal(v: &CqlValue, out: &mut String) {
    use CqlValue as V;
    match v {
        V::Null | V::Empty => out.push_str("null"),
        V::Ascii(s) | V::Text(s) => quote_string(s, out),
        V::Blob(b) => {
            out.push_str("0x");
            out.push_str(&hex(b));
        }
        V::Boolean(b) => push(out, b),
        V::Tinyint(i) => push(out, i),
        V::Smallint(i) => push(out, i),
        V::Int(i) => push(out, i),
        V::Bigint(i) | V::Counter(i) => push(out, i),
        V::Varint(i) => push(out, i),
        V::Decimal { unscaled, scale } => out.push_str(&java_decimal_literal(unscaled, *scale)),
        V::Float(f) => out.push_str(&java_float_text(f64::from(*f), &format!("{f:e}"))),
        V::Double(f) => out.push_str(&java_float_text(*f, &format!("{f:e}"))),
        V::Timestamp(ms) => {
            let days = ms.div_euclid(MILLIS_PER_DAY);
            let rem = ms.rem_euclid(MILLIS_PER_DAY);
            let (y, m, d) = civil_from_days(days);
            // Before the Gregorian cutover Cassandra reads dates as Julian: use milliseconds.
            if *ms >= GREGORIAN_CUTOVER_MILLIS && y <= 9999 {
                let _ = write!(
                    out,
                    "'{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z'",
                    rem / 3_600_000,
                    rem / 60_000 % 60,
                    rem / 1000 % 60,
                    rem % 1000
                );
            } else {
                push(out, ms);
            }
        }
        V::Date(d) => {
            let (y, m, day) = civil_from_days(i64::from(*d) - i64::from(DATE_EPOCH));
            let year = if y > 9999 {
                format!("+{y}")
            } else if y < 0 {
                format!("-{:04}", -y)
            } else {
                format!("{y:04}")
            };
            let _ = write!(out, "'{year}-{m:02}-{day:02}'");
        }
        V::Time(ns) => {
            if (0..NANOS_PER_DAY).contains(ns) {
                let _ = write!(out, "'{}'", time_text(*ns));
            } else {
                push(out, ns);
            }
        }
        V::Duration { months, days, nanos } => {
            let text = duration_text(*months, *days, *nanos);
            out.push_str(if text.is_empty() { "0s" } else { &text });
        }
        V::Uuid(u) | V::Timeuuid(u) => out.push_str(&format_uuid(u)),
        V::Inet(ip) => {
            let _ = write!(out, "'{ip}'");
        }
        V::List(items) => literal_seq(items.iter(), "[", "]", out),
        V::Set(items) => literal_seq(items.iter(), "{", "}", out),
        V::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                literal(k, out);
                out.push_str(": ");
                literal(v, out);
            }
            out.push('}');
        }
        V::Tuple(items) => {
            out.push('(');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                literal(item.as_ref().unwrap_or(&V::Null), out);
            }
            out.push(')');
        }
        V::Udt(fields) => {
            out.push('{');
            for (i, (name, item)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&maybe_quote(name));
                out.push_str(": ");
                literal(item.as_ref().unwrap_or(&V::Null), out);
            }
            out.push('}');
        }
    }
}

fn literal_seq<'a>(items: impl Iterator<Item = &'a CqlValue>, open: &str, close: &str, out: &mut String) {
    out.push_str(open);
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        literal(item, out);
    }
    out.push_str(close);
}

fn quote_string(s: &str, out: &mut String) {
    out.push('\'');
    out.push_str(&s.replace('\'', "''"));
    out.push('\'');
}

/// Java's `Double.toString`/`Float.toString` from Rust's shortest round-trip digits `sci`
/// (`d.ddde±x`): plain for `1e-3 <= |v| < 1e7`, else `d.dddE±x`; `NaN`, `Infinity`.
pub(crate) fn java_float_text(v: f64, sci: &str) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    let (negative, body) = match sci.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, sci),
    };
    let (mantissa, exp) = body.split_once('e').unwrap_or((body, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = if digits.is_empty() { "0".to_string() } else { digits };
    let sign = if negative { "-" } else { "" };
    if v == 0.0 {
        return format!("{sign}0.0");
    }
    if (-3..7).contains(&exp) {
        if exp >= 0 {
            let int_len = usize::try_from(exp + 1).unwrap_or(1);
            let int_part: String = digits.chars().chain(std::iter::repeat('0')).take(int_len).collect();
            let frac = digits.get(int_len..).filter(|f| !f.is_empty()).unwrap_or("0");
            format!("{sign}{int_part}.{frac}")
        } else {
            let zeros = "0".repeat(usize::try_from(-exp - 1).unwrap_or(0));
            format!("{sign}0.{zeros}{digits}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exp}")
    }
}

/// A decimal literal: plain digits when short, else Java's `BigDecimal.toString` scientific
/// form (`1.5E+300`), which CQL reads back with the same scale.
fn java_decimal_literal(unscaled: &BigInt, scale: i32) -> String {
    let digits = unscaled.abs().to_string();
    let sign = if unscaled.is_negative() { "-" } else { "" };
    let n = digits.len() as i64;
    let scale = i64::from(scale);
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    if scale > 0 && scale <= 64 + n {
        // Plain: digits with a point `scale` places from the right (toPlainString).
        return if scale >= n {
            format!("{sign}0.{}{digits}", "0".repeat(usize::try_from(scale - n).unwrap_or(0)))
        } else {
            let split = usize::try_from(n - scale).unwrap_or(0);
            format!("{sign}{}.{}", &digits[..split], &digits[split..])
        };
    }
    // Scientific: one digit before the point, exponent adjusted; the scale is preserved as
    // (number of fraction digits) - exponent.
    let adjusted = n - 1 - scale;
    let (first, rest) = digits.split_at(1);
    let point = if rest.is_empty() { String::new() } else { format!(".{rest}") };
    format!("{sign}{first}{point}E{adjusted:+}")
}
