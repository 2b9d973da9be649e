//! Values as cqlsh shows them (the Python driver's types formatted by cqlsh's
//! `formatting.py`), for the pieces that do not depend on a value type: text escaping,
//! floating point, timestamps, times, durations and addresses. The server's value display and
//! the driver's both build on these, so the two cannot drift apart.

use std::fmt::Write;
use std::net::IpAddr;

use crate::calendar::civil_from_days;

/// cqlsh's `format_value_text`: backslashes doubled, `'` doubled when quoted, tab, newline and
/// carriage return as `\t` `\n` `\r`, then the characters of its control-character class
/// (`[\x00-\x31\x7f-\xa0]`, which Python's `repr` writes as `\xNN`).
pub fn escape_text(s: &str, quote: bool, out: &mut String) {
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

/// cqlsh's `format_floating_point_type`: `%.*g`, with the precision raised by the exponent when
/// `%g` would print the number without an exponent anyway.
pub fn cqlsh_float(v: f64, precision: usize) -> String {
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
pub fn format_g(v: f64, precision: usize) -> String {
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

/// A timestamp (milliseconds since the epoch) as cqlsh prints it: `%Y-%m-%d %H:%M:%S.%f%z` in
/// UTC of the Python driver's `datetime` (float-second rounding included, and glibc's `%Y`
/// unpadded); `None` where `datetime` overflows (years outside 1..=9999: cqlsh then prints
/// the milliseconds).
pub fn timestamp_text(ms: i64) -> Option<String> {
    let micros = python_seconds_to_micros(ms as f64 / 1000.0);
    let days = micros.div_euclid(86_400_000_000);
    let rem = micros.rem_euclid(86_400_000_000);
    let (y, m, d) = civil_from_days(i64::try_from(days).ok()?);
    if !(1..=9999).contains(&y) {
        return None;
    }
    let secs = rem / 1_000_000;
    let us = rem % 1_000_000;
    Some(format!("{y}-{m:02}-{d:02} {:02}:{:02}:{:02}.{us:06}+0000", secs / 3600, secs / 60 % 60, secs % 60))
}

/// The Python driver's `Time.__str__` of nanoseconds since midnight: `hh:mm:ss.nnnnnnnnn`.
pub fn time_text(ns: i64) -> String {
    let (h, rem) = (ns.div_euclid(3_600_000_000_000), ns.rem_euclid(3_600_000_000_000));
    let (m, rem) = (rem / 60_000_000_000, rem % 60_000_000_000);
    let (s, n) = (rem / 1_000_000_000, rem % 1_000_000_000);
    format!("{h:02}:{m:02}:{s:02}.{n:09}")
}

/// Cassandra's `Duration.toString` (and cqlsh's `duration_as_str`): `-1y2mo3d4h5m6s7ms8us9ns`,
/// the empty string for a zero duration.
pub fn duration_text(months: i32, days: i32, nanos: i64) -> String {
    let mut s = String::new();
    if months < 0 || days < 0 || nanos < 0 {
        s.push('-');
    }
    let mut append = |dividend: u64, divisor: u64, unit: &str| -> u64 {
        if dividend == 0 || dividend < divisor {
            return dividend;
        }
        let _ = write!(s, "{}{unit}", dividend / divisor);
        dividend % divisor
    };
    let rest = append(u64::from(months.unsigned_abs()), 12, "y");
    append(rest, 1, "mo");
    append(u64::from(days.unsigned_abs()), 1, "d");
    let mut rest = nanos.unsigned_abs();
    for (divisor, unit) in [
        (3_600_000_000_000, "h"),
        (60_000_000_000, "m"),
        (1_000_000_000, "s"),
        (1_000_000, "ms"),
        (1000, "us"),
        (1, "ns"),
    ] {
        rest = append(rest, divisor, unit);
    }
    s
}

/// An address as the Python driver prints it (glibc's `inet_ntop`: IPv4-compatible IPv6
/// addresses `::a.b.c.d` get a dotted quad, which Rust only gives IPv4-mapped ones).
pub fn inet_text(ip: &IpAddr) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_as_cqlsh() {
        let mut out = String::new();
        escape_text("a'b\\c\td\u{1}\u{a0}é", true, &mut out);
        assert_eq!(out, "'a''b\\\\c\\td\\x01\\xa0é'");
        out.clear();
        escape_text("it's", false, &mut out);
        assert_eq!(out, "it's");
    }

    #[test]
    fn floats_timestamps_times_durations_addresses() {
        assert_eq!(cqlsh_float(1.5, 5), "1.5");
        assert_eq!(cqlsh_float(123456.789, 5), "1.2346e+05");
        assert_eq!(cqlsh_float(f64::NAN, 5), "NaN");
        assert_eq!(timestamp_text(0).as_deref(), Some("1970-01-01 00:00:00.000000+0000"));
        assert_eq!(timestamp_text(i64::MAX), None);
        assert_eq!(time_text(3_723_000_000_004), "01:02:03.000000004");
        assert_eq!(duration_text(14, 3, 3_600_000_000_001), "1y2mo3d1h1ns");
        assert_eq!(duration_text(0, 0, 0), "");
        assert_eq!(duration_text(0, -1, 0), "-1d");
        assert_eq!(inet_text(&"::1.2.3.4".parse().unwrap_or(IpAddr::from([0; 4]))), "::1.2.3.4");
        assert_eq!(inet_text(&"::1".parse().unwrap_or(IpAddr::from([0; 4]))), "::1");
    }
}
