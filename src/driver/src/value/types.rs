//! Small value types for the CQL types Rust's standard library lacks: [`CqlVarint`],
//! [`CqlDecimal`], [`CqlTimestamp`], [`CqlDate`], [`CqlTime`], [`CqlDuration`], plus UUID text
//! helpers ([`format_uuid`], [`parse_uuid`]). No external crates: conversions to and from
//! integers, strings, calendar dates (with `sibyl_common::calendar`) and
//! [`std::time::SystemTime`] are here.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sibyl_common::calendar::{civil_from_days, days_from_civil, is_valid_gregorian, MILLIS_PER_DAY};
use sibyl_common::cqlsh_text::{duration_text, time_text};
pub use sibyl_common::timeuuid::{format_uuid, parse_uuid, version as uuid_version};
use sibyl_protocol::ColumnType;

use super::ValueError;

/// `date` values count days with 1970-01-01 at 2^31.
pub const DATE_EPOCH: u32 = 1 << 31;
/// Nanoseconds in a day: `time` values are in `0..NANOS_PER_DAY`.
pub const NANOS_PER_DAY: i64 = 86_400_000_000_000;

// ---------------------------------------------------------------------------------------------
// varint

/// A `varint`: an arbitrary-precision integer as its big-endian two's complement bytes (the
/// wire form). Equality and hashing compare the numbers, so `[0x00, 0x01]` equals `[0x01]`.
///
/// ```
/// use sibyl_driver::value::CqlVarint;
/// let v: CqlVarint = "-129".parse().unwrap();
/// assert_eq!(v.as_bytes(), &[0xFF, 0x7F]);
/// assert_eq!(v.to_i64(), Some(-129));
/// assert_eq!(CqlVarint::from(u64::MAX).to_string(), "18446744073709551615");
/// ```
#[derive(Clone, Default)]
pub struct CqlVarint(pub Vec<u8>);

impl CqlVarint {
    /// The number with these two's complement bytes (empty is zero).
    pub fn from_be_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        CqlVarint(bytes.into())
    }

    /// The bytes as given (not necessarily minimal).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The shortest two's complement bytes of the number (`[0]` for zero, also when empty).
    pub fn canonical(&self) -> &[u8] {
        canonical(&self.0)
    }

    pub fn is_negative(&self) -> bool {
        self.0.first().is_some_and(|b| b & 0x80 != 0)
    }

    /// The number as an `i128`, if it fits.
    pub fn to_i128(&self) -> Option<i128> {
        let b = self.canonical();
        if b.len() > 16 {
            return None;
        }
        let fill = if self.is_negative() { 0xFF } else { 0 };
        let mut buf = [fill; 16];
        buf[16 - b.len()..].copy_from_slice(b);
        Some(i128::from_be_bytes(buf))
    }

    /// The number as an `i64`, if it fits.
    pub fn to_i64(&self) -> Option<i64> {
        self.to_i128().and_then(|v| i64::try_from(v).ok())
    }

    /// Sign and big-endian magnitude.
    fn sign_magnitude(&self) -> (bool, Vec<u8>) {
        let negative = self.is_negative();
        let mut mag = self.canonical().to_vec();
        if negative {
            negate_in_place(&mut mag);
        }
        (negative, mag)
    }

    fn from_sign_magnitude(negative: bool, magnitude: &[u8]) -> Self {
        let mut bytes = Vec::with_capacity(magnitude.len() + 1);
        bytes.push(0);
        bytes.extend_from_slice(magnitude);
        if negative {
            negate_in_place(&mut bytes);
        }
        CqlVarint(canonical(&bytes).to_vec())
    }
}

/// Strips leading bytes that only repeat the sign.
fn canonical(b: &[u8]) -> &[u8] {
    if b.is_empty() {
        return &[0];
    }
    let mut i = 0;
    while i + 1 < b.len() && ((b[i] == 0 && b[i + 1] & 0x80 == 0) || (b[i] == 0xFF && b[i + 1] & 0x80 != 0)) {
        i += 1;
    }
    &b[i..]
}

/// Two's complement negation of a big-endian number in place (invert, add one).
fn negate_in_place(b: &mut [u8]) {
    let mut carry = true;
    for byte in b.iter_mut().rev() {
        let (v, c) = (!*byte).overflowing_add(u8::from(carry));
        *byte = v;
        carry = c;
    }
}

/// Big-endian magnitude bytes to little-endian base-2^32 limbs.
fn limbs_from_be(mag: &[u8]) -> Vec<u32> {
    mag.rchunks(4).map(|c| c.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b))).collect()
}

fn be_from_limbs(limbs: &[u32]) -> Vec<u8> {
    let mut out: Vec<u8> = limbs.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
    let first = out.iter().position(|&b| b != 0).unwrap_or(out.len());
    out.drain(..first);
    out
}

/// The decimal digits of a magnitude.
fn magnitude_to_decimal(mag: &[u8]) -> String {
    let mut limbs = limbs_from_be(mag);
    let mut chunks = Vec::new();
    while limbs.iter().any(|&l| l != 0) {
        let mut rem = 0u64;
        for l in limbs.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*l);
            // cur / 1e9 < 2^32 because rem < 1e9.
            *l = (cur / 1_000_000_000) as u32;
            rem = cur % 1_000_000_000;
        }
        chunks.push(rem);
        while limbs.last() == Some(&0) {
            limbs.pop();
        }
    }
    let Some((last, rest)) = chunks.split_last() else {
        return "0".to_string();
    };
    let mut s = last.to_string();
    for c in rest.iter().rev() {
        s.push_str(&format!("{c:09}"));
    }
    s
}

/// The big-endian magnitude of a string of ASCII digits (`None` if any is not a digit).
fn decimal_to_magnitude(digits: &str) -> Option<Vec<u8>> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut limbs: Vec<u32> = Vec::new();
    for chunk in digits.as_bytes().chunks(9) {
        let mul = 10u64.pow(chunk.len() as u32);
        let add = chunk.iter().fold(0u64, |acc, &b| acc * 10 + u64::from(b - b'0'));
        let mut carry = add;
        for l in limbs.iter_mut() {
            let cur = u64::from(*l) * mul + carry;
            *l = cur as u32;
            carry = cur >> 32;
        }
        if carry != 0 {
            limbs.push(carry as u32);
        }
    }
    Some(be_from_limbs(&limbs))
}

impl PartialEq for CqlVarint {
    fn eq(&self, other: &Self) -> bool {
        self.canonical() == other.canonical()
    }
}

impl Eq for CqlVarint {}

impl Hash for CqlVarint {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.canonical().hash(state);
    }
}

impl fmt::Display for CqlVarint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (negative, mag) = self.sign_magnitude();
        if negative {
            f.write_str("-")?;
        }
        f.write_str(&magnitude_to_decimal(&mag))
    }
}

impl fmt::Debug for CqlVarint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CqlVarint({self})")
    }
}

impl FromStr for CqlVarint {
    type Err = ValueError;

    /// Decimal digits with an optional sign.
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let (negative, digits) = split_sign(s);
        let mag = decimal_to_magnitude(digits)
            .ok_or_else(|| ValueError::invalid(&ColumnType::Varint, format!("not an integer: {s:?}")))?;
        Ok(CqlVarint::from_sign_magnitude(negative, &mag))
    }
}

fn split_sign(s: &str) -> (bool, &str) {
    match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    }
}

macro_rules! varint_from_signed {
    ($($t:ty),*) => {$(
        impl From<$t> for CqlVarint {
            fn from(v: $t) -> Self {
                CqlVarint(canonical(&v.to_be_bytes()).to_vec())
            }
        }
    )*};
}
varint_from_signed!(i8, i16, i32, i64, i128);

macro_rules! varint_from_unsigned {
    ($($t:ty),*) => {$(
        impl From<$t> for CqlVarint {
            fn from(v: $t) -> Self {
                let mut bytes = vec![0];
                bytes.extend_from_slice(&v.to_be_bytes());
                CqlVarint(canonical(&bytes).to_vec())
            }
        }
    )*};
}
varint_from_unsigned!(u8, u16, u32, u64, u128);

// ---------------------------------------------------------------------------------------------
// decimal

/// A `decimal`: `unscaled × 10^-scale`.
///
/// ```
/// use sibyl_driver::value::CqlDecimal;
/// let d: CqlDecimal = "-1.50".parse().unwrap();
/// assert_eq!((d.unscaled.to_i64(), d.scale), (Some(-150), 2));
/// assert_eq!(d.to_string(), "-1.50");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CqlDecimal {
    pub unscaled: CqlVarint,
    pub scale: i32,
}

impl CqlDecimal {
    pub fn new(unscaled: impl Into<CqlVarint>, scale: i32) -> Self {
        CqlDecimal { unscaled: unscaled.into(), scale }
    }
}

impl fmt::Display for CqlDecimal {
    /// Python's `str(Decimal)`, as cqlsh prints decimals: plain digits, or scientific
    /// notation for a positive exponent or a very small number (`1E+3`, `1.5E-7`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (negative, mag) = self.unscaled.sign_magnitude();
        let digits = magnitude_to_decimal(&mag);
        let exp = -i64::from(self.scale);
        let n = digits.len() as i64;
        let left = exp + n;
        let dot = if exp <= 0 && left > -6 { left } else { 1 };
        if negative {
            f.write_str("-")?;
        }
        if dot <= 0 {
            f.write_str("0.")?;
            for _ in 0..-dot {
                f.write_str("0")?;
            }
            f.write_str(&digits)?;
        } else if dot >= n {
            f.write_str(&digits)?;
            for _ in 0..dot - n {
                f.write_str("0")?;
            }
        } else {
            // 0 < dot < n = digits.len(), and the digits are ASCII.
            let (int, frac) = digits.split_at(dot as usize);
            write!(f, "{int}.{frac}")?;
        }
        if left != dot {
            write!(f, "E{:+}", left - dot)?;
        }
        Ok(())
    }
}

impl FromStr for CqlDecimal {
    type Err = ValueError;

    /// `[-+]digits[.digits][(e|E)[-+]digits]`.
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let bad = || ValueError::invalid(&ColumnType::Decimal, format!("not a decimal: {s:?}"));
        let (negative, body) = split_sign(s);
        let (mantissa, exp) = match body.find(['e', 'E']) {
            Some(i) => (&body[..i], body[i + 1..].parse::<i64>().map_err(|_| bad())?),
            None => (body, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(bad());
        }
        let digits = format!("{int}{frac}");
        let mag = decimal_to_magnitude(&digits).ok_or_else(bad)?;
        let scale = i64::try_from(frac.len()).map_err(|_| bad())? - exp;
        let scale = i32::try_from(scale).map_err(|_| bad())?;
        Ok(CqlDecimal { unscaled: CqlVarint::from_sign_magnitude(negative, &mag), scale })
    }
}

// ---------------------------------------------------------------------------------------------
// timestamp

/// A `timestamp`: milliseconds since 1970-01-01T00:00Z.
///
/// ```
/// use sibyl_driver::value::CqlTimestamp;
/// let t = CqlTimestamp::from_ymd_hms_milli(2024, 1, 1, 0, 0, 0, 0).unwrap();
/// assert_eq!(t.0, 1_704_067_200_000);
/// assert_eq!(t.to_string(), "2024-01-01 00:00:00.000000+0000");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct CqlTimestamp(pub i64);

impl CqlTimestamp {
    pub fn from_unix_millis(ms: i64) -> Self {
        CqlTimestamp(ms)
    }

    pub fn unix_millis(self) -> i64 {
        self.0
    }

    /// The UTC instant `y-m-d h:mi:s.ms` (proleptic Gregorian), if valid and representable.
    pub fn from_ymd_hms_milli(y: i64, m: u32, d: u32, h: u32, mi: u32, s: u32, ms: u32) -> Option<Self> {
        // i64 milliseconds span about ±292 million years.
        if !is_valid_gregorian(y, m, d)
            || !(-300_000_000..=300_000_000).contains(&y)
            || h > 23
            || mi > 59
            || s > 59
            || ms > 999
        {
            return None;
        }
        let day_ms = i64::from(((h * 60 + mi) * 60 + s) * 1000 + ms);
        days_from_civil(y, m, d).checked_mul(MILLIS_PER_DAY)?.checked_add(day_ms).map(CqlTimestamp)
    }

    /// `(year, month, day, hour, minute, second, millisecond)` in UTC.
    pub fn to_ymd_hms_milli(self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let (y, m, d) = civil_from_days(self.0.div_euclid(MILLIS_PER_DAY));
        // 0 <= rem < 86_400_000 fits a u32.
        let rem = self.0.rem_euclid(MILLIS_PER_DAY) as u32;
        (y, m, d, rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000)
    }

    /// The same instant as a `SystemTime`, if the platform can hold it.
    pub fn to_system_time(self) -> Option<SystemTime> {
        let d = Duration::from_millis(self.0.unsigned_abs());
        if self.0 >= 0 {
            UNIX_EPOCH.checked_add(d)
        } else {
            UNIX_EPOCH.checked_sub(d)
        }
    }
}

impl From<SystemTime> for CqlTimestamp {
    /// Truncated to the millisecond (toward the past), saturating at `i64` milliseconds.
    fn from(t: SystemTime) -> Self {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => CqlTimestamp(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            Err(e) => {
                let d = e.duration();
                let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
                let partial = d.as_nanos() % 1_000_000 != 0;
                CqlTimestamp(ms.saturating_neg().saturating_sub(i64::from(partial)))
            }
        }
    }
}

impl fmt::Display for CqlTimestamp {
    /// `2024-01-01 00:00:00.000000+0000` (UTC, cqlsh's layout), or the milliseconds when the
    /// year is outside 1..=9999 (as cqlsh). Exact to the millisecond, with a 4-digit year;
    /// a [`CqlValue`](super::CqlValue) prints cqlsh's exact text, which can differ far from
    /// 1970 (Python's float rounding) and before year 1000 (unpadded).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d, h, mi, s, ms) = self.to_ymd_hms_milli();
        if !(1..=9999).contains(&y) {
            return write!(f, "{}", self.0);
        }
        write!(f, "{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{s:02}.{:06}+0000", ms * 1000)
    }
}

// ---------------------------------------------------------------------------------------------
// date

/// A `date`: days with 1970-01-01 at 2^31 ([`DATE_EPOCH`]), the wire form.
///
/// ```
/// use sibyl_driver::value::CqlDate;
/// let d = CqlDate::from_ymd(1970, 1, 2).unwrap();
/// assert_eq!(d.0, (1 << 31) + 1);
/// assert_eq!(d.days_since_epoch(), 1);
/// assert_eq!(d.to_string(), "1970-01-02");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CqlDate(pub u32);

impl Default for CqlDate {
    fn default() -> Self {
        CqlDate(DATE_EPOCH)
    }
}

impl CqlDate {
    pub fn from_days_since_epoch(days: i32) -> Self {
        // days + 2^31 always fits a u32.
        CqlDate((i64::from(days) + i64::from(DATE_EPOCH)) as u32)
    }

    pub fn days_since_epoch(self) -> i32 {
        // self.0 - 2^31 always fits an i32.
        (i64::from(self.0) - i64::from(DATE_EPOCH)) as i32
    }

    /// The proleptic Gregorian date `y-m-d`, if valid and within the type's range.
    pub fn from_ymd(y: i64, m: u32, d: u32) -> Option<Self> {
        if !is_valid_gregorian(y, m, d) || !(-10_000_000..=10_000_000).contains(&y) {
            return None;
        }
        i32::try_from(days_from_civil(y, m, d)).ok().map(CqlDate::from_days_since_epoch)
    }

    /// `(year, month, day)`, proleptic Gregorian.
    pub fn to_ymd(self) -> (i64, u32, u32) {
        civil_from_days(i64::from(self.days_since_epoch()))
    }
}

impl fmt::Display for CqlDate {
    /// `yyyy-mm-dd`, or (as cqlsh) the days since the epoch when the year is outside 1..=9999.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.to_ymd();
        if (1..=9999).contains(&y) {
            write!(f, "{y:04}-{m:02}-{d:02}")
        } else {
            write!(f, "{}", self.days_since_epoch())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// time

/// A `time`: nanoseconds since midnight, in `0..NANOS_PER_DAY` ([`NANOS_PER_DAY`]).
///
/// ```
/// use sibyl_driver::value::CqlTime;
/// let t = CqlTime::from_hms_nano(13, 30, 0, 5).unwrap();
/// assert_eq!(t.to_string(), "13:30:00.000000005");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct CqlTime(pub i64);

impl CqlTime {
    pub fn from_hms_nano(h: u32, m: u32, s: u32, nanos: u32) -> Option<Self> {
        if h > 23 || m > 59 || s > 59 || nanos > 999_999_999 {
            return None;
        }
        Some(CqlTime((i64::from(h) * 3600 + i64::from(m) * 60 + i64::from(s)) * 1_000_000_000 + i64::from(nanos)))
    }

    pub fn nanos(self) -> i64 {
        self.0
    }

    pub fn is_valid(self) -> bool {
        (0..NANOS_PER_DAY).contains(&self.0)
    }
}

impl fmt::Display for CqlTime {
    /// `hh:mm:ss.nnnnnnnnn` (the Python driver's form); the raw number when outside the day.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.is_valid() {
            return write!(f, "{}", self.0);
        }
        f.write_str(&time_text(self.0))
    }
}

// ---------------------------------------------------------------------------------------------
// duration

/// A `duration`: months, days and nanoseconds, all of the same sign.
///
/// ```
/// use sibyl_driver::value::CqlDuration;
/// assert_eq!(CqlDuration::new(14, 3, 90 * 60 * 1_000_000_000).to_string(), "1y2mo3d1h30m");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CqlDuration {
    pub months: i32,
    pub days: i32,
    pub nanos: i64,
}

impl CqlDuration {
    pub fn new(months: i32, days: i32, nanos: i64) -> Self {
        CqlDuration { months, days, nanos }
    }

    /// Whether the three parts agree in sign, as Cassandra requires.
    pub fn is_valid(&self) -> bool {
        let (m, d, n) = (self.months, self.days, self.nanos);
        (m >= 0 && d >= 0 && n >= 0) || (m <= 0 && d <= 0 && n <= 0)
    }

    /// Cassandra's `Duration.toString` (and cqlsh's): `-1y2mo3d4h5m6s7ms8us9ns`, empty for zero.
    pub(crate) fn cassandra_text(&self) -> String {
        duration_text(self.months, self.days, self.nanos)
    }
}

impl fmt::Display for CqlDuration {
    /// Cassandra's text form (`1y2mo3d1h30m`); a zero duration is `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.cassandra_text();
        f.write_str(if text.is_empty() { "0s" } else { &text })
    }
}

impl PartialOrd for CqlVarint {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CqlVarint {
    /// Numeric order.
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.canonical(), other.canonical());
        match (self.is_negative(), other.is_negative()) {
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            // Same sign: a longer canonical form is further from zero.
            (negative, _) => {
                let by_len = a.len().cmp(&b.len());
                let by_len = if negative { by_len.reverse() } else { by_len };
                by_len.then_with(|| a.cmp(b))
            }
        }
    }
}
