//! Text to value, as Cassandra's `fromString` methods read it: timestamps (the date-time
//! patterns of `TimestampSerializer`, read as commons-lang `DateUtils.parseDateStrictly` does),
//! dates (`ISO_LOCAL_DATE`, strict), times (`hh:mm:ss[.fffffffff]`), durations (`1h30m`, ISO
//! 8601 `P1DT2H`, `P2W`, `P0001-02-03T04:05:06`), inet addresses and Java-style numbers.
//!
//! Errors carry Cassandra's messages.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use num_bigint::BigInt;

use super::{ValueError, DATE_EPOCH, NANOS_PER_DAY};
use sibyl_common::calendar::{civil_from_days, days_from_civil, days_from_hybrid, is_valid_gregorian, MILLIS_PER_DAY};

fn invalid<T>(message: String) -> Result<T, ValueError> {
    Err(ValueError::Invalid(message))
}

/// Whether `s` is `-?\d+` (ASCII digits).
fn is_raw_integer(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Java's `Long.parseLong`: an optional sign and at least one ASCII digit, no overflow.
pub(crate) fn java_parse_i64(s: &str) -> Option<i64> {
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value: i64 = 0;
    for b in digits.bytes() {
        let d = i64::from(b - b'0');
        value = value.checked_mul(10)?;
        value = if negative { value.checked_sub(d)? } else { value.checked_add(d)? };
    }
    Some(value)
}

/// Java's `BigInteger(String)`: an optional sign and ASCII digits.
pub(crate) fn java_parse_bigint(s: &str) -> Option<BigInt> {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    BigInt::from_str(s).ok()
}

/// Java's `BigDecimal(String)`: the unscaled value and the scale.
pub(crate) fn java_parse_decimal(s: &str) -> Option<(BigInt, i32)> {
    let (negative, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty()) || !all_digits(int_part) || !all_digits(frac_part) {
        return None;
    }
    let exp = match exponent {
        Some(e) => java_parse_i64(e)?,
        None => 0,
    };
    let frac_len = i64::try_from(frac_part.len()).ok()?;
    let scale = i32::try_from(frac_len.checked_sub(exp)?).ok()?;
    let mut digits = String::with_capacity(int_part.len() + frac_part.len() + 1);
    if negative {
        digits.push('-');
    }
    digits.push_str(int_part);
    digits.push_str(frac_part);
    Some((BigInt::from_str(&digits).ok()?, scale))
}

/// Java's `Double.parseDouble` for decimal text (`NaN` and `[+-]Infinity` included).
pub(crate) fn java_parse_f64(s: &str) -> Option<f64> {
    match s {
        "NaN" | "+NaN" | "-NaN" => return Some(f64::NAN),
        "Infinity" | "+Infinity" => return Some(f64::INFINITY),
        "-Infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    java_parse_decimal(s)?;
    f64::from_str(s).ok()
}

/// Java's `Float.parseFloat` for decimal text (correctly rounded to `f32`).
pub(crate) fn java_parse_f32(s: &str) -> Option<f32> {
    match s {
        "NaN" | "+NaN" | "-NaN" => return Some(f32::NAN),
        "Infinity" | "+Infinity" => return Some(f32::INFINITY),
        "-Infinity" => return Some(f32::NEG_INFINITY),
        _ => {}
    }
    java_parse_decimal(s)?;
    f32::from_str(s).ok()
}

// ---------------------------------------------------------------------------------------------
// timestamp

/// Milliseconds since the epoch from a timestamp string, as `TimestampSerializer` reads it:
/// `now` (needs `now_millis`), an integer number of milliseconds, or a date and optional time
/// and zone (`2011-02-03`, `2011-02-03 04:05`, `2011-02-03T04:05:00.000+0000`,
/// `2011-02-03 04:05:00 UTC`, ...). A time without a zone is UTC.
pub fn parse_timestamp(text: &str, now_millis: Option<i64>) -> Result<i64, ValueError> {
    if text.eq_ignore_ascii_case("now") {
        return match now_millis {
            Some(now) => Ok(now),
            None => invalid("the current time is not available here".to_string()),
        };
    }
    if is_raw_integer(text) {
        return java_parse_i64(text)
            .ok_or_else(|| ValueError::Invalid(format!("Unable to make long (for date) from: '{text}'")));
    }
    parse_date_time(text)
        .ok_or_else(|| ValueError::Invalid(format!("Unable to coerce '{text}' to a formatted date (long)")))
}

/// Java's `Character.isWhitespace` for ASCII.
fn is_java_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | 0x1C..=0x1F)
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn lit(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.pos += 1)
    }

    fn rest(&self) -> &[u8] {
        self.s.get(self.pos..).unwrap_or_default()
    }

    /// A variable-width number field: leading whitespace skipped, then digits, as an `int`.
    fn number(&mut self) -> Option<i64> {
        while self.peek().is_some_and(is_java_whitespace) {
            self.pos += 1;
        }
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = std::str::from_utf8(self.s.get(start..self.pos)?).ok()?;
        let v = java_parse_i64(digits)?;
        i32::try_from(v).ok().map(i64::from)
    }
}

/// Offset in minutes of a Java custom zone `GMT±h[h][:]mm` (0 when out of range, as Java's
/// `TimeZone.getTimeZone` falls back to GMT).
fn custom_offset(negative: bool, hours: i64, minutes: i64) -> i64 {
    if hours > 23 || minutes > 59 {
        return 0;
    }
    let m = hours * 60 + minutes;
    if negative {
        -m
    } else {
        m
    }
}

fn digits_value(d: &[u8]) -> Option<i64> {
    if d.is_empty() || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    java_parse_i64(std::str::from_utf8(d).ok()?)
}

/// An ISO 8601 zone (`X`, `XX`, `XXX`) making up all of `z`: `Z`, `±hh`, `±hhmm`, `±hh:mm`.
fn iso_zone(z: &[u8]) -> Option<i64> {
    if z == b"Z" {
        return Some(0);
    }
    let (&sign, body) = z.split_first()?;
    if sign != b'+' && sign != b'-' {
        return None;
    }
    let (h, m) = match body.len() {
        2 => (body, &b"00"[..]),
        4 => (&body[..2], &body[2..]),
        5 if body[2] == b':' => (&body[..2], &body[3..]),
        _ => return None,
    };
    Some(custom_offset(sign == b'-', digits_value(h)?, digits_value(m)?))
}

/// A general time zone (`z`) making up all of `z`: `±hhmm`, `GMT±h:mm`, `UTC`, `GMT`, `UT`.
fn general_zone(z: &[u8]) -> Option<i64> {
    if let Some((&sign, body)) = z.split_first() {
        if (sign == b'+' || sign == b'-') && body.len() == 4 {
            return Some(custom_offset(sign == b'-', digits_value(&body[..2])?, digits_value(&body[2..])?));
        }
    }
    let upper = z.to_ascii_uppercase();
    match upper.as_slice() {
        b"UTC" | b"GMT" | b"UT" => return Some(0),
        _ => {}
    }
    let body = upper.strip_prefix(b"GMT").or_else(|| upper.strip_prefix(b"UTC"))?;
    let (&sign, body) = body.split_first()?;
    if sign != b'+' && sign != b'-' {
        return None;
    }
    let colon = body.iter().position(|&b| b == b':')?;
    let (h, m) = (&body[..colon], &body[colon + 1..]);
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    Some(custom_offset(sign == b'-', digits_value(h)?, digits_value(m)?))
}

/// A zone that makes up all of `rest`, written directly (`X`) or after a space (`z`); `Some(0)`
/// for an empty rest.
fn trailing_zone(rest: &[u8]) -> Option<i64> {
    if rest.is_empty() {
        return Some(0);
    }
    if let Some(offset) = iso_zone(rest) {
        return Some(offset);
    }
    general_zone(rest.strip_prefix(b" ")?)
}

fn parse_date_time(text: &str) -> Option<i64> {
    let mut c = Cursor { s: text.as_bytes(), pos: 0 };
    let year = c.number()?;
    c.lit(b'-')?;
    let month = c.number()?;
    c.lit(b'-')?;
    let day = c.number()?;
    let (mut hour, mut minute, mut second, mut milli) = (0, 0, 0, 0);
    let offset = match trailing_zone(c.rest()) {
        Some(offset) => offset,
        None => {
            if !matches!(c.peek(), Some(b' ' | b'T')) {
                return None;
            }
            c.pos += 1;
            hour = c.number()?;
            c.lit(b':')?;
            minute = c.number()?;
            if c.peek() == Some(b':') {
                c.pos += 1;
                second = c.number()?;
                if c.peek() == Some(b'.') {
                    c.pos += 1;
                    milli = c.number()?;
                }
            }
            trailing_zone(c.rest())?
        }
    };
    if year > 292_278_994 || hour > 23 || minute > 59 || second > 59 || milli > 999 {
        return None;
    }
    let days = days_from_hybrid(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)?;
    let millis = i128::from(days) * i128::from(MILLIS_PER_DAY)
        + i128::from(hour) * 3_600_000
        + i128::from(minute) * 60_000
        + i128::from(second) * 1000
        + i128::from(milli)
        - i128::from(offset) * 60_000;
    i64::try_from(millis).ok()
}

// ---------------------------------------------------------------------------------------------
// date

/// `ZonedDateTime.toString()` of midnight UTC on the day `days` after the epoch.
fn zoned_midnight(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    let year = if y > 9999 {
        format!("+{y}")
    } else if y < 0 {
        format!("-{:04}", -y)
    } else {
        format!("{y:04}")
    };
    format!("{year}-{m:02}-{d:02}T00:00Z")
}

/// A `date` (days, epoch at 2^31) from text as `SimpleDateSerializer` reads it: an unsigned
/// integer of days (epoch at 2147483648) or an ISO local date `yyyy-mm-dd` (strict).
pub fn parse_date(text: &str) -> Result<u32, ValueError> {
    if is_raw_integer(text) {
        return java_parse_i64(text)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| ValueError::Invalid(format!("Unable to make unsigned int (for date) from: '{text}'")));
    }
    let coerce = || ValueError::Invalid(format!("Unable to coerce '{text}' to a formatted date (long)"));
    let (y, m, d) = parse_iso_local_date(text).ok_or_else(coerce)?;
    if !is_valid_gregorian(y, m, d) {
        return Err(coerce());
    }
    let days = days_from_civil(y, m, d);
    if days < i64::from(i32::MIN) {
        return invalid(format!(
            "Input date {text} is less than min supported date {}",
            zoned_midnight(i64::from(i32::MIN))
        ));
    }
    if days > i64::from(i32::MAX) {
        return invalid(format!(
            "Input date {text} is greater than max supported date {}",
            zoned_midnight(i64::from(i32::MAX))
        ));
    }
    // `days` fits an i32, so adding 2^31 fits a u32.
    Ok((days + i64::from(DATE_EPOCH)) as u32)
}

/// `DateTimeFormatter.ISO_LOCAL_DATE` in strict mode: a year of 4 to 10 digits (a sign is
/// required past 4 digits, `+` only then), then `-MM-dd`.
fn parse_iso_local_date(text: &str) -> Option<(i64, u32, u32)> {
    let b = text.as_bytes();
    let (sign, body) = match b.first() {
        Some(b'+') => (Some(false), &b[1..]),
        Some(b'-') => (Some(true), &b[1..]),
        _ => (None, b),
    };
    let year_len = body.iter().take(10).take_while(|c| c.is_ascii_digit()).count();
    if year_len < 4 {
        return None;
    }
    let year = digits_value(&body[..year_len])?;
    match sign {
        Some(true) if year == 0 => return None,
        Some(false) if year_len <= 4 => return None,
        None if year_len > 4 => return None,
        _ => {}
    }
    let year = if sign == Some(true) { -year } else { year };
    if year.abs() > 999_999_999 {
        return None;
    }
    let rest = &body[year_len..];
    if rest.len() != 6 || rest[0] != b'-' || rest[3] != b'-' {
        return None;
    }
    let month = digits_value(&rest[1..3])?;
    let day = digits_value(&rest[4..6])?;
    Some((year, u32::try_from(month).ok()?, u32::try_from(day).ok()?))
}

// ---------------------------------------------------------------------------------------------
// time

/// Nanoseconds since midnight from text as `TimeSerializer` reads it: an integer of
/// nanoseconds, or `hh:mm:ss[.fffffffff]`.
pub fn parse_time(text: &str) -> Result<i64, ValueError> {
    if is_raw_integer(text) {
        return java_parse_i64(text)
            .filter(|v| (0..NANOS_PER_DAY).contains(v))
            .ok_or_else(|| ValueError::Invalid(format!("Unable to make long (for time) from: '{text}'")));
    }
    parse_time_strictly(text)
        .ok_or_else(|| ValueError::Invalid(format!("(TimeType) Unable to coerce '{text}' to a formatted time (long)")))
}

/// Java's `Integer.parseInt`.
fn java_parse_i32(s: &str) -> Option<i64> {
    java_parse_i64(s).filter(|v| i32::try_from(*v).is_ok())
}

fn parse_time_strictly(text: &str) -> Option<i64> {
    // Java's String.trim: strips every char <= ' ' at both ends.
    let s = text.trim_matches(|c: char| c <= ' ');
    let first = s.find(':').filter(|&i| i > 0)?;
    let second = first + 1 + s[first + 1..].find(':')?;
    if second >= s.len() - 1 {
        return None;
    }
    let hour = java_parse_i32(&s[..first]).filter(|h| (0..24).contains(h))?;
    let minute = java_parse_i32(&s[first + 1..second]).filter(|m| (0..60).contains(m))?;
    let after = &s[second + 1..];
    let (second_text, nanos) = match after.find('.') {
        Some(p) if p > 0 && p < after.len() - 1 => {
            let frac = &after[p + 1..];
            if frac.len() > 9 || !frac.as_bytes()[0].is_ascii_digit() {
                return None;
            }
            let padded = format!("{frac:0<9}");
            (&after[..p], java_parse_i32(&padded)?)
        }
        Some(_) => return None,
        None => (after, 0),
    };
    let second = java_parse_i32(second_text).filter(|s| (0..60).contains(s))?;
    Some(hour * 3_600_000_000_000 + minute * 60_000_000_000 + second * 1_000_000_000 + nanos)
}

// ---------------------------------------------------------------------------------------------
// duration

const NANOS_PER_MICRO: i64 = 1000;
const NANOS_PER_MILLI: i64 = 1000 * NANOS_PER_MICRO;
const NANOS_PER_SECOND: i64 = 1000 * NANOS_PER_MILLI;
const NANOS_PER_MINUTE: i64 = 60 * NANOS_PER_SECOND;
const NANOS_PER_HOUR: i64 = 60 * NANOS_PER_MINUTE;

const UNIT_NAMES: [&str; 11] = [
    "",
    "years",
    "months",
    "weeks",
    "days",
    "hours",
    "minutes",
    "seconds",
    "milliseconds",
    "microseconds",
    "nanoseconds",
];

/// Cassandra's `Duration.Builder`: units must come in order, totals must fit.
struct DurationBuilder {
    negative: bool,
    months: i64,
    days: i64,
    nanos: i64,
    unit: usize,
}

impl DurationBuilder {
    fn add(&mut self, unit: usize, n: i64) -> Result<(), ValueError> {
        if unit == self.unit {
            return invalid(format!("Invalid duration. The {} are specified multiple times", UNIT_NAMES[unit]));
        }
        if unit < self.unit {
            return invalid(format!(
                "Invalid duration. The {} should be after {}",
                UNIT_NAMES[self.unit], UNIT_NAMES[unit]
            ));
        }
        self.unit = unit;
        let (total, per_unit, max, name) = match unit {
            1 => (&mut self.months, 12, i64::from(i32::MAX), "months"),
            2 => (&mut self.months, 1, i64::from(i32::MAX), "months"),
            3 => (&mut self.days, 7, i64::from(i32::MAX), "days"),
            4 => (&mut self.days, 1, i64::from(i32::MAX), "days"),
            5 => (&mut self.nanos, NANOS_PER_HOUR, i64::MAX, "nanoseconds"),
            6 => (&mut self.nanos, NANOS_PER_MINUTE, i64::MAX, "nanoseconds"),
            7 => (&mut self.nanos, NANOS_PER_SECOND, i64::MAX, "nanoseconds"),
            8 => (&mut self.nanos, NANOS_PER_MILLI, i64::MAX, "nanoseconds"),
            9 => (&mut self.nanos, NANOS_PER_MICRO, i64::MAX, "nanoseconds"),
            _ => (&mut self.nanos, 1, i64::MAX, "nanoseconds"),
        };
        if n > (max - *total) / per_unit {
            return invalid(format!(
                "Invalid duration. The total number of {name} must be less or equal to {}",
                i32::MAX
            ));
        }
        *total += n * per_unit;
        Ok(())
    }

    fn build(self) -> (i32, i32, i64) {
        // The totals were kept within their ranges by `add`.
        let (m, d, n) = (self.months as i32, self.days as i32, self.nanos);
        if self.negative {
            (-m, -d, -n)
        } else {
            (m, d, n)
        }
    }
}

/// A duration (months, days, nanoseconds) from text as Cassandra's `Duration.from` reads it.
pub fn parse_duration(text: &str) -> Result<(i32, i32, i64), ValueError> {
    let negative = text.starts_with('-');
    let source = if negative { &text[1..] } else { text };
    let fail = || ValueError::Invalid(format!("Unable to convert '{source}' to a duration"));
    let mut b = DurationBuilder { negative, months: 0, days: 0, nanos: 0, unit: 0 };
    let num = |s: &str| java_parse_i64(s).filter(|_| s.bytes().all(|c| c.is_ascii_digit()));
    if let Some(iso) = source.strip_prefix('P') {
        if source.ends_with('W') {
            let weeks = iso.strip_suffix('W').and_then(num).ok_or_else(fail)?;
            b.add(3, weeks)?;
        } else if source.contains('-') {
            // P[YYYY]-[MM]-[DD]T[hh]:[mm]:[ss]
            let bytes = iso.as_bytes();
            let shape = bytes.len() == 19
                && bytes.iter().enumerate().all(|(i, c)| match i {
                    4 | 7 => *c == b'-',
                    10 => *c == b'T',
                    13 | 16 => *c == b':',
                    _ => c.is_ascii_digit(),
                });
            if !shape {
                return Err(fail());
            }
            for (unit, range) in [(1, 0..4), (2, 5..7), (4, 8..10), (5, 11..13), (6, 14..16), (7, 17..19)] {
                b.add(unit, num(&iso[range]).ok_or_else(fail)?)?;
            }
        } else {
            parse_iso_designators(iso, &mut b).ok_or_else(fail)??;
        }
        return Ok(b.build());
    }
    // \G(\d+)(y|mo|w|d|h|s|ms|us|µs|ns|m), case-insensitive units, first match in that order.
    let mut rest = source;
    if rest.is_empty() {
        return Err(fail());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(fail());
        }
        let n = num(&rest[..digits]).ok_or_else(fail)?;
        rest = &rest[digits..];
        let mut chars = rest.chars();
        let first = chars.next().ok_or_else(fail)?;
        let second = chars.next().map(|c| c.to_ascii_lowercase());
        let (unit, len) = match (first.to_ascii_lowercase(), second) {
            ('y', _) => (1, 1),
            ('m', Some('o')) => (2, 2),
            ('w', _) => (3, 1),
            ('d', _) => (4, 1),
            ('h', _) => (5, 1),
            ('s', _) => (7, 1),
            ('m', Some('s')) => (8, 2),
            ('u', Some('s')) => (9, 2),
            ('µ', Some('s')) => (9, 'µ'.len_utf8() + 1),
            ('n', Some('s')) => (10, 2),
            ('m', _) => (6, 1),
            _ => return Err(fail()),
        };
        b.add(unit, n)?;
        rest = &rest[len..];
    }
    Ok(b.build())
}

/// `P((\d+)Y)?((\d+)M)?((\d+)D)?(T((\d+)H)?((\d+)M)?((\d+)S)?)?` after the `P`; `None` when the
/// text does not match, `Some(Err)` when a builder check fails.
fn parse_iso_designators(iso: &str, b: &mut DurationBuilder) -> Option<Result<(), ValueError>> {
    let (date, time) = match iso.find('T') {
        Some(i) => (&iso[..i], Some(&iso[i + 1..])),
        None => (iso, None),
    };
    let mut steps: Vec<(usize, i64)> = Vec::new();
    let mut scan = |part: &str, units: &[(char, usize)]| -> Option<()> {
        let mut rest = part;
        let mut next = 0;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let designator = rest[digits..].chars().next()?;
            let pos = units.iter().skip(next).position(|(c, _)| *c == designator)? + next;
            if digits == 0 {
                return None;
            }
            steps.push((units[pos].1, java_parse_i64(&rest[..digits])?));
            next = pos + 1;
            rest = &rest[digits + 1..];
        }
        Some(())
    };
    scan(date, &[('Y', 1), ('M', 2), ('D', 4)])?;
    if let Some(time) = time {
        scan(time, &[('H', 5), ('M', 6), ('S', 7)])?;
    }
    Some(steps.into_iter().try_for_each(|(unit, n)| b.add(unit, n)))
}

// ---------------------------------------------------------------------------------------------
// inet

/// An address from text: IPv4 dotted quad or IPv6 (optionally in brackets); an IPv4-mapped
/// IPv6 address becomes IPv4, as Java's `InetAddress` does. `None` for the empty string
/// (Cassandra's empty value). Host names are not resolved.
pub fn parse_inet(text: &str) -> Result<Option<IpAddr>, ValueError> {
    if text.is_empty() {
        return Ok(None);
    }
    let unbracketed = text.strip_prefix('[').and_then(|t| t.strip_suffix(']'));
    let parsed = match unbracketed {
        Some(inner) => Ipv6Addr::from_str(inner).ok().map(IpAddr::V6),
        None => Ipv4Addr::from_str(text).ok().map(IpAddr::V4).or_else(|| Ipv6Addr::from_str(text).ok().map(IpAddr::V6)),
    };
    match parsed {
        Some(IpAddr::V6(v6)) => Ok(Some(match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        })),
        Some(v4) => Ok(Some(v4)),
        None => invalid(format!("Unable to make inet address from '{text}'")),
    }
}
