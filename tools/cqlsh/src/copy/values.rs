//! Cell text for COPY: values written as cqlsh's `COPY TO` writes them (its cell display,
//! with `DOUBLEPRECISION`, `DATETIMEFORMAT` timestamps to the millisecond and `NULL` for
//! nulls), and CSV text parsed back into typed values as `COPY FROM` does (`copyutil.py`
//! `ImportConversion`): top-level text is taken verbatim, collections, tuples and UDTs in CQL
//! literal syntax, timestamps in the `DATETIMEFORMAT`, a CQL form or milliseconds.

use std::net::IpAddr;
use std::str::FromStr;

use sibyl_driver::value::{
    parse_uuid, CqlDate, CqlDecimal, CqlTime, CqlTimestamp, CqlValue, CqlVarint, DisplayOptions,
};
use sibyl_driver::ColumnType;

/// How values are written and read.
#[derive(Debug, Clone)]
pub struct Conversion {
    pub display: DisplayOptions,
    /// `DATETIMEFORMAT`, a strftime format (`%Y %m %d %H %M %S %f %z %Z %%`).
    pub datetime_format: String,
    /// `NULL`.
    pub nullval: String,
    /// `BOOLSTYLE`: the texts of true and false.
    pub bool_style: (String, String),
}

impl Default for Conversion {
    fn default() -> Self {
        Conversion {
            display: DisplayOptions { float_precision: 5, double_precision: 12, null: "null".to_string() },
            datetime_format: DEFAULT_DATETIME_FORMAT.to_string(),
            nullval: String::new(),
            bool_style: ("True".to_string(), "False".to_string()),
        }
    }
}

/// cqlsh's timestamp format (COPY writes it to the millisecond).
pub const DEFAULT_DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S.%f%z";

impl Conversion {
    /// One cell of `COPY TO`.
    pub fn format_cell(&self, ty: &ColumnType, bytes: Option<&[u8]>) -> String {
        let Some(bytes) = bytes else {
            return self.nullval.clone();
        };
        match CqlValue::deserialize(ty, bytes) {
            Ok(CqlValue::Empty) => self.nullval.clone(),
            Ok(v) => {
                let mut out = String::new();
                self.format(&v, true, &mut out);
                out
            }
            Err(_) => format!("0x{}", hex(bytes)),
        }
    }

    fn format(&self, v: &CqlValue, top: bool, out: &mut String) {
        let seq = |items: &mut dyn Iterator<Item = Option<&CqlValue>>, open: &str, close: &str, out: &mut String| {
            out.push_str(open);
            for (i, item) in items.enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                match item {
                    Some(v) => self.format(v, false, out),
                    None => out.push_str("null"),
                }
            }
            out.push_str(close);
        };
        match v {
            CqlValue::Timestamp(ts) => {
                let text = self.format_timestamp(*ts);
                if top {
                    out.push_str(&text);
                } else {
                    out.push('\'');
                    out.push_str(&text);
                    out.push('\'');
                }
            }
            CqlValue::Boolean(b) if top => {
                out.push_str(if *b { &self.bool_style.0 } else { &self.bool_style.1 });
            }
            CqlValue::List(items) => seq(&mut items.iter().map(Some), "[", "]", out),
            CqlValue::Set(items) => seq(&mut items.iter().map(Some), "{", "}", out),
            CqlValue::Tuple(items) => seq(&mut items.iter().map(Option::as_ref), "(", ")", out),
            CqlValue::Map(entries) => {
                out.push('{');
                for (i, (k, val)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.format(k, false, out);
                    out.push_str(": ");
                    self.format(val, false, out);
                }
                out.push('}');
            }
            CqlValue::Udt { fields, .. } => {
                out.push('{');
                for (i, (name, val)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    // The driver's display of a UDT quotes field names as cqlsh does.
                    let one = CqlValue::Udt {
                        keyspace: String::new(),
                        name: String::new(),
                        fields: vec![(name.clone(), None)],
                    };
                    let shown = one.to_cqlsh_string(&self.display);
                    let shown_name = shown.trim_start_matches('{').split(": ").next().unwrap_or(name);
                    out.push_str(shown_name);
                    out.push_str(": ");
                    match val {
                        Some(v) => self.format(v, false, out),
                        None => out.push_str("null"),
                    }
                }
                out.push('}');
            }
            leaf if top => out.push_str(&leaf.to_cqlsh_string(&self.display)),
            leaf => {
                // The nested form (quoted strings, collection precision): as a list's element.
                let shown = CqlValue::List(vec![leaf.clone()]).to_cqlsh_string(&self.display);
                out.push_str(shown.get(1..shown.len().saturating_sub(1)).unwrap_or_default());
            }
        }
    }

    /// A timestamp in `DATETIMEFORMAT` (UTC), or its milliseconds when the year is outside
    /// 1..=9999, as cqlsh.
    pub fn format_timestamp(&self, ts: CqlTimestamp) -> String {
        let (y, mo, d, h, mi, s, ms) = ts.to_ymd_hms_milli();
        if !(1..=9999).contains(&y) {
            return ts.0.to_string();
        }
        let mut out = String::new();
        let mut chars = self.datetime_format.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('Y') => out.push_str(&format!("{y:04}")),
                Some('y') => out.push_str(&format!("{:02}", y % 100)),
                Some('m') => out.push_str(&format!("{mo:02}")),
                Some('d') => out.push_str(&format!("{d:02}")),
                Some('H') => out.push_str(&format!("{h:02}")),
                Some('M') => out.push_str(&format!("{mi:02}")),
                Some('S') => out.push_str(&format!("{s:02}")),
                Some('f') => out.push_str(&format!("{ms:03}")),
                Some('z') => out.push_str("+0000"),
                Some('Z') => out.push_str("UTC"),
                Some('%') => out.push('%'),
                Some(other) => {
                    out.push('%');
                    out.push(other);
                }
                None => out.push('%'),
            }
        }
        out
    }

    /// A CSV field as the value of a column of type `ty`: `Ok(None)` for a null (`NULL`, or an
    /// empty field that does not convert). The error is cqlsh's `Failed to parse ...` text.
    pub fn parse_field(&self, ty: &ColumnType, text: &str) -> Result<Option<CqlValue>, String> {
        if text == self.nullval {
            return Ok(None);
        }
        match self.parse(ty, text) {
            Ok(v) => Ok(Some(v)),
            Err(_) if text.is_empty() => Ok(None),
            Err(e) => Err(format!("Failed to parse {text} : {e}")),
        }
    }

    /// A component of a collection, tuple or UDT: dequoted; a null only where `nullable`.
    fn parse_component(&self, ty: &ColumnType, text: &str, nullable: bool) -> Result<Option<CqlValue>, String> {
        let text = dequote(text);
        if nullable && (text == self.nullval || text.eq_ignore_ascii_case("null")) {
            return Ok(None);
        }
        if text == self.nullval && !matches!(ty, ColumnType::Varchar) {
            return Err("Empty values are not allowed".to_string());
        }
        self.parse(ty, &text).map(Some)
    }

    fn parse(&self, ty: &ColumnType, v: &str) -> Result<CqlValue, String> {
        use ColumnType as T;
        Ok(match ty {
            T::Ascii => CqlValue::Ascii(v.to_string()),
            T::Varchar => CqlValue::Text(v.to_string()),
            T::Blob => {
                let digits = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")).ok_or("a blob starts with 0x")?;
                CqlValue::Blob(unhex(digits).ok_or("non-hexadecimal number found in fromhex() arg")?)
            }
            T::Boolean => CqlValue::Boolean(v.eq_ignore_ascii_case(&self.bool_style.0)),
            T::Tinyint => CqlValue::Tinyint(int_in_range(v)?),
            T::Smallint => CqlValue::Smallint(int_in_range(v)?),
            T::Int => CqlValue::Int(int_in_range(v)?),
            T::Bigint => CqlValue::Bigint(int_in_range(v)?),
            T::Counter => CqlValue::Counter(int_in_range(v)?),
            T::Varint => {
                python_int(v)?;
                CqlValue::Varint(CqlVarint::from_str(v.trim()).map_err(|_| int_error(v))?)
            }
            T::Float => CqlValue::Float(python_float(v)? as f32),
            T::Double => CqlValue::Double(python_float(v)?),
            T::Decimal => CqlValue::Decimal(
                CqlDecimal::from_str(v.trim()).map_err(|_| format!("[<class 'decimal.ConversionSyntax'>]: '{v}'"))?,
            ),
            T::Uuid | T::Timeuuid => {
                let u = parse_uuid(v.trim()).ok_or("badly formed hexadecimal UUID string")?;
                if matches!(ty, T::Uuid) {
                    CqlValue::Uuid(u)
                } else {
                    CqlValue::Timeuuid(u)
                }
            }
            T::Inet => {
                CqlValue::Inet(IpAddr::from_str(v.trim()).map_err(|_| format!("illegal IP address string: '{v}'"))?)
            }
            T::Timestamp => CqlValue::Timestamp(self.parse_timestamp(v)?),
            T::Date => CqlValue::Date(parse_date(v)?),
            T::Time => CqlValue::Time(parse_time(v)?),
            T::List(inner) => {
                let items = split(v, ',')?;
                CqlValue::List(items.iter().map(|i| self.parse_required(inner, i)).collect::<Result<_, _>>()?)
            }
            T::Set(inner) => {
                let items = split(v, ',')?;
                CqlValue::Set(items.iter().map(|i| self.parse_required(inner, i)).collect::<Result<_, _>>()?)
            }
            T::Map(kt, vt) => {
                let mut entries = Vec::new();
                for item in split(v, ',')? {
                    let (k, val) = key_value(&item)?;
                    let key = self.parse_required(kt, &k)?;
                    let value = self.parse_component(vt, &val, true)?.ok_or("null map values are not allowed")?;
                    entries.push((key, value));
                }
                CqlValue::Map(entries)
            }
            T::Tuple(types) => {
                let items = split(v, ',')?;
                let parts = types
                    .iter()
                    .zip(&items)
                    .map(|(t, i)| self.parse_component(t, i, true))
                    .collect::<Result<_, _>>()?;
                CqlValue::Tuple(parts)
            }
            T::Udt { keyspace, name, fields } => {
                let mut given = Vec::new();
                for item in split(v, ',')? {
                    let (k, val) = key_value(&item)?;
                    given.push((dequote_name(&k), val));
                }
                let mut out = Vec::new();
                for (field, fty) in fields {
                    let value = match given.iter().find(|(n, _)| n == field) {
                        Some((_, text)) => self.parse_component(fty, text, true)?,
                        None => None,
                    };
                    out.push((field.clone(), value));
                }
                CqlValue::Udt { keyspace: keyspace.clone(), name: name.clone(), fields: out }
            }
            T::Duration | T::Custom(_) => {
                return Err(format!("values of type {} cannot be imported", sibyl_driver::value::type_name(ty)));
            }
        })
    }

    fn parse_required(&self, ty: &ColumnType, text: &str) -> Result<CqlValue, String> {
        self.parse_component(ty, text, false)?.ok_or_else(|| "Empty values are not allowed".to_string())
    }

    /// `DATETIMEFORMAT` first, then the CQL forms (`2024-01-02[ T]03:04[:05[.678]][+0000]`),
    /// then milliseconds since the epoch.
    pub fn parse_timestamp(&self, v: &str) -> Result<CqlTimestamp, String> {
        if let Some(ts) = strptime(v, &self.datetime_format) {
            return Ok(ts);
        }
        if let Some(ts) = cql_timestamp(v) {
            return Ok(ts);
        }
        v.trim()
            .parse::<i64>()
            .map(CqlTimestamp)
            .map_err(|_| format!("can't interpret '{v}' as a date with format {} or as int", self.datetime_format))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(digits: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = digits.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

fn int_error(v: &str) -> String {
    format!("invalid literal for int() with base 10: '{v}'")
}

/// Python's `int(v)`: surrounding whitespace, a sign, digits with single `_` between them.
fn python_int(v: &str) -> Result<i128, String> {
    let t = v.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return Err(int_error(v));
    }
    let clean: String = t.chars().filter(|c| *c != '_').collect();
    if !clean.trim_start_matches(['+', '-']).bytes().all(|b| b.is_ascii_digit()) {
        return Err(int_error(v));
    }
    clean.parse::<i128>().map_err(|_| format!("{v} is out of range"))
}

fn int_in_range<T: TryFrom<i128>>(v: &str) -> Result<T, String> {
    let n = python_int(v)?;
    T::try_from(n).map_err(|_| format!("{n} is out of range for the column type"))
}

/// Python's `float(v)`.
fn python_float(v: &str) -> Result<f64, String> {
    let t = v.trim();
    let lower = t.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    let ok_word = matches!(unsigned, "inf" | "infinity" | "nan");
    if !ok_word && !t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-' | b'_')) {
        return Err(format!("could not convert string to float: '{v}'"));
    }
    t.replace('_', "").parse::<f64>().map_err(|_| format!("could not convert string to float: '{v}'"))
}

fn parse_date(v: &str) -> Result<CqlDate, String> {
    let t = v.trim();
    if let Ok(days) = t.parse::<i64>() {
        let days = i32::try_from(days).map_err(|_| format!("date {t} is out of range"))?;
        return Ok(CqlDate::from_days_since_epoch(days));
    }
    let mut parts = t.splitn(3, '-');
    let fields = (parts.next(), parts.next(), parts.next());
    if let (Some(y), Some(m), Some(d)) = fields {
        if let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i64>(), m.parse::<u32>(), d.parse::<u32>()) {
            if let Some(date) = CqlDate::from_ymd(y, m, d) {
                return Ok(date);
            }
        }
    }
    Err(format!("Invalid date string: '{v}'"))
}

fn parse_time(v: &str) -> Result<CqlTime, String> {
    let t = v.trim();
    if let Ok(nanos) = t.parse::<i64>() {
        let time = CqlTime(nanos);
        return if time.is_valid() { Ok(time) } else { Err(format!("time {t} is out of range")) };
    }
    let err = || format!("Timestamp string '{v}' does not match format HH:MM:SS[.fffffffff]");
    let (hms, frac) = t.split_once('.').unwrap_or((t, ""));
    let mut parts = hms.split(':');
    let mut next = || parts.next().and_then(|p| p.parse::<u32>().ok());
    let (h, m, s) = (next().ok_or_else(err)?, next().ok_or_else(err)?, next().ok_or_else(err)?);
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err());
    }
    let nanos = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse::<u32>().map_err(|_| err())? };
    CqlTime::from_hms_nano(h, m, s, nanos).ok_or_else(err)
}

/// A strftime format read as Python's strptime would (`%f`: 1 to 6 digits; `%z`: `+HHMM`,
/// `+HH:MM` or `Z`). `None` when the text does not match.
fn strptime(v: &str, format: &str) -> Option<CqlTimestamp> {
    let mut s = v;
    let (mut y, mut mo, mut d, mut h, mut mi, mut sec, mut micros, mut offset_s) =
        (1900i64, 1u32, 1u32, 0u32, 0u32, 0u32, 0u32, 0i64);
    let mut fmt = format.chars();
    let take_num = |s: &mut &str, max: usize| -> Option<i64> {
        let n = s.bytes().take(max).take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        let (num, rest) = s.split_at(n);
        *s = rest;
        num.parse().ok()
    };
    while let Some(c) = fmt.next() {
        if c != '%' {
            s = s.strip_prefix(c)?;
            continue;
        }
        match fmt.next()? {
            'Y' => y = take_num(&mut s, 4)?,
            'm' => mo = u32::try_from(take_num(&mut s, 2)?).ok()?,
            'd' => d = u32::try_from(take_num(&mut s, 2)?).ok()?,
            'H' => h = u32::try_from(take_num(&mut s, 2)?).ok()?,
            'M' => mi = u32::try_from(take_num(&mut s, 2)?).ok()?,
            'S' => sec = u32::try_from(take_num(&mut s, 2)?).ok()?,
            'f' => {
                let n = s.bytes().take(6).take_while(u8::is_ascii_digit).count();
                let digits = s.get(..n)?;
                micros = format!("{digits:0<6}").parse().ok()?;
                s = &s[n..];
            }
            'z' => {
                if let Some(rest) = s.strip_prefix('Z') {
                    s = rest;
                } else {
                    let sign = if s.starts_with('-') {
                        -1
                    } else if s.starts_with('+') {
                        1
                    } else {
                        return None;
                    };
                    s = &s[1..];
                    let hh = take_num(&mut s, 2)?;
                    s = s.strip_prefix(':').unwrap_or(s);
                    let mm = take_num(&mut s, 2)?;
                    offset_s = sign * (hh * 3600 + mm * 60);
                }
            }
            'Z' => s = s.strip_prefix("UTC").or_else(|| s.strip_prefix("GMT"))?,
            '%' => s = s.strip_prefix('%')?,
            _ => return None,
        }
    }
    if !s.is_empty() {
        return None;
    }
    let base = CqlTimestamp::from_ymd_hms_milli(y, mo, d, h, mi, sec, 0)?;
    base.0.checked_sub(offset_s * 1000)?.checked_add(i64::from(micros / 1000)).map(CqlTimestamp)
}

/// cqlsh's fallback: `YYYY-MM-DD[ |T][HH:MM[:SS[.ffffff]]][(+|-)HH[:]MM]`, UTC without an
/// offset.
fn cql_timestamp(v: &str) -> Option<CqlTimestamp> {
    let t = v.trim();
    let date = t.get(..10)?;
    let rest = &t[10..];
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let mo: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    let rest = rest.strip_prefix(['T', ' ']).unwrap_or(rest);
    let (clock, zone) = match rest.find(['+', '-', 'Z']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (mut h, mut mi, mut sec, mut ms) = (0, 0, 0, 0);
    if !clock.is_empty() {
        let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
        let mut p = hms.split(':');
        h = p.next()?.parse().ok()?;
        mi = p.next()?.parse().ok()?;
        sec = p.next().map(|x| x.parse().ok()).unwrap_or(Some(0))?;
        if !frac.is_empty() {
            if frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            ms = format!("{frac:0<6}").parse::<u32>().ok()? / 1000;
        }
    }
    let offset_s: i64 = match zone {
        "" | "Z" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let hh: i64 = digits[..2].parse().ok()?;
            let mm: i64 = digits[2..].parse().ok()?;
            sign * (hh * 3600 + mm * 60)
        }
    };
    let base = CqlTimestamp::from_ymd_hms_milli(y, mo, d, h, mi, sec, ms)?;
    base.0.checked_sub(offset_s * 1000).map(CqlTimestamp)
}

/// cqlsh's `split`: the items between the outer brackets, split on `sep` at depth 1 outside
/// single quotes.
fn split(val: &str, sep: char) -> Result<Vec<String>, String> {
    let chars: Vec<char> = val.trim().chars().collect();
    let matching = |a: char, b: char| matches!((a, b), ('{', '}') | ('[', ']') | ('(', ')'));
    if chars.len() < 2 || !matching(chars[0], chars[chars.len() - 1]) {
        return Err(format!("Invalid composite string, it should start and end with matching parentheses: {val}"));
    }
    let mut items = Vec::new();
    let (mut last, mut level, mut quote) = (1, 0i32, false);
    for (i, c) in chars.iter().enumerate() {
        match c {
            '\'' => quote = !quote,
            '{' | '[' | '(' if !quote => level += 1,
            '}' | ']' | ')' if !quote => level -= 1,
            c if *c == sep && !quote && level == 1 => {
                items.push(chars[last..i].iter().collect());
                last = i + 1;
            }
            _ => {}
        }
    }
    if last < chars.len() - 1 {
        items.push(chars[last..chars.len() - 1].iter().collect());
    }
    Ok(items)
}

/// `k: v` of a map entry or UDT field (split as cqlsh does, on `:` outside quotes and brackets).
fn key_value(item: &str) -> Result<(String, String), String> {
    let parts = split(&format!("{{{item}}}"), ':')?;
    match parts.as_slice() {
        [k, v] => Ok((k.clone(), v.clone())),
        _ => Err(format!("Invalid map or user type entry: {}", item.trim())),
    }
}

/// cqlsh's `dequote_value`: trimmed, and a `'...'` string unquoted.
fn dequote(text: &str) -> String {
    let t = text.trim();
    match t.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')) {
        Some(inner) if t.len() >= 2 => inner.replace("''", "'"),
        _ => t.to_string(),
    }
}

fn dequote_name(text: &str) -> String {
    let t = dequote(text);
    match t.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(inner) if t.len() >= 2 => inner.replace("\"\"", "\""),
        _ => t,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn list(t: ColumnType) -> ColumnType {
        ColumnType::List(Box::new(t))
    }

    #[test]
    fn timestamps_both_ways() {
        let c = Conversion::default();
        let ts = CqlTimestamp::from_ymd_hms_milli(2024, 1, 2, 3, 4, 5, 678).unwrap();
        assert_eq!(c.format_timestamp(ts), "2024-01-02 03:04:05.678+0000");
        for text in ["2024-01-02 03:04:05.678+0000", "2024-01-02T03:04:05.678Z", "2024-01-02 04:04:05.678+01:00"] {
            assert_eq!(c.parse_timestamp(text), Ok(ts), "{text}");
        }
        assert_eq!(c.parse_timestamp(&ts.0.to_string()), Ok(ts));
        assert_eq!(
            c.parse_timestamp("2024-01-02"),
            Ok(CqlTimestamp::from_ymd_hms_milli(2024, 1, 2, 0, 0, 0, 0).unwrap())
        );
        assert!(c.parse_timestamp("yesterday").is_err());
        let custom = Conversion { datetime_format: "%d/%m/%Y %H:%M".into(), ..Conversion::default() };
        let ts = CqlTimestamp::from_ymd_hms_milli(2024, 1, 2, 3, 4, 0, 0).unwrap();
        assert_eq!(custom.format_timestamp(ts), "02/01/2024 03:04");
        assert_eq!(custom.parse_timestamp("02/01/2024 03:04"), Ok(ts));
    }

    #[test]
    fn composites_parse_like_cqlsh() {
        let c = Conversion::default();
        let v = c.parse(&list(ColumnType::Int), "[1, 2, 3]").unwrap();
        assert_eq!(v, CqlValue::List(vec![CqlValue::Int(1), CqlValue::Int(2), CqlValue::Int(3)]));
        let set = ColumnType::Set(Box::new(ColumnType::Varchar));
        let v = c.parse(&set, "{'it''s', 'x,y'}").unwrap();
        assert_eq!(v, CqlValue::Set(vec![CqlValue::Text("it's".into()), CqlValue::Text("x,y".into())]));
        let map = ColumnType::Map(Box::new(ColumnType::Varchar), Box::new(ColumnType::Int));
        let v = c.parse(&map, "{'k''q': 5, 'a:b': 6}").unwrap();
        assert_eq!(
            v,
            CqlValue::Map(vec![
                (CqlValue::Text("k'q".into()), CqlValue::Int(5)),
                (CqlValue::Text("a:b".into()), CqlValue::Int(6))
            ])
        );
        let tuple = ColumnType::Tuple(vec![ColumnType::Int, ColumnType::Varchar]);
        assert_eq!(c.parse(&tuple, "(2, null)").unwrap(), CqlValue::Tuple(vec![Some(CqlValue::Int(2)), None]));
        let udt = ColumnType::Udt {
            keyspace: "ks".into(),
            name: "addr".into(),
            fields: vec![("street".into(), ColumnType::Varchar), ("zip".into(), ColumnType::Int)],
        };
        let v = c.parse(&udt, "{zip: 12345, street: 'Main St'}").unwrap();
        let mut out = String::new();
        c.format(&v, true, &mut out);
        assert_eq!(out, "{street: 'Main St', zip: 12345}");
        assert!(c.parse(&list(ColumnType::Int), "1, 2").is_err());
        assert_eq!(
            c.parse_field(&ColumnType::Int, "x"),
            Err("Failed to parse x : invalid literal for int() with base 10: 'x'".into())
        );
        assert_eq!(c.parse_field(&ColumnType::Int, ""), Ok(None));
        assert_eq!(c.parse_field(&ColumnType::Int, " 7 "), Ok(Some(CqlValue::Int(7))));
        assert!(c.parse_field(&ColumnType::Tinyint, "300").is_err());
        assert_eq!(c.parse_field(&ColumnType::Blob, "0xcafe"), Ok(Some(CqlValue::Blob(vec![0xca, 0xfe]))));
        assert!(c.parse_field(&ColumnType::Blob, "0xcaf").is_err());
    }

    /// Arbitrary text (a fixed pseudo-random sequence over characters that matter to the
    /// parsers, multi-byte ones included) never panics any conversion or the CSV reader.
    #[test]
    fn arbitrary_text_never_panics() {
        let alphabet: Vec<char> = "0123456789-+:.TZ ,'\"[]{}()xé日\\\n\r;|eE_nulNUL".chars().collect();
        let udt =
            ColumnType::Udt { keyspace: "k".into(), name: "u".into(), fields: vec![("a".into(), ColumnType::Int)] };
        let types = [
            ColumnType::Int,
            ColumnType::Tinyint,
            ColumnType::Varint,
            ColumnType::Decimal,
            ColumnType::Double,
            ColumnType::Blob,
            ColumnType::Uuid,
            ColumnType::Inet,
            ColumnType::Timestamp,
            ColumnType::Date,
            ColumnType::Time,
            ColumnType::Boolean,
            list(ColumnType::Timestamp),
            ColumnType::Map(Box::new(ColumnType::Varchar), Box::new(list(ColumnType::Int))),
            ColumnType::Tuple(vec![ColumnType::Int, udt.clone()]),
            udt,
        ];
        let c = Conversion { datetime_format: "%Y%m%d %H:%M:%S.%f%z %Z %%".into(), ..Conversion::default() };
        let mut seed: u64 = 0x5eed;
        for _ in 0..20_000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let len = (seed >> 58) as usize;
            let text: String =
                (0..len).map(|i| alphabet[((seed >> (i % 50)) as usize + i * 7) % alphabet.len()]).collect();
            for ty in &types {
                let _ = c.parse_field(ty, &text);
            }
            let _ = c.parse_timestamp(&text);
            let _: Vec<_> = super::super::csv::Dialect::default().reader(&text).collect();
        }
    }

    #[test]
    fn cells_format_like_cqlsh_copy() {
        let c = Conversion::default();
        let cell = |v: CqlValue| {
            let ty = v.column_type();
            c.format_cell(&ty, Some(&v.serialize(&ty).unwrap()))
        };
        assert_eq!(cell(CqlValue::Double(std::f64::consts::PI)), "3.14159265359");
        assert_eq!(cell(CqlValue::Boolean(true)), "True");
        assert_eq!(cell(CqlValue::Text("back\\slash".into())), "back\\\\slash");
        let ts = CqlTimestamp::from_ymd_hms_milli(2024, 1, 2, 3, 4, 5, 678).unwrap();
        assert_eq!(cell(CqlValue::List(vec![CqlValue::Timestamp(ts)])), "['2024-01-02 03:04:05.678+0000']");
        assert_eq!(c.format_cell(&ColumnType::Int, None), "");
    }
}
