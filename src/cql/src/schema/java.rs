//! Small reproductions of Java behaviour that Cassandra's schema output depends on: how a
//! `double` prints (`Double.toString`), the iteration order of a `java.util.HashMap` of strings,
//! name-based (MD5) UUIDs (`UUID.nameUUIDFromBytes`), and UUID text.

use md5::{Digest, Md5};

/// `Double.toString(v)`: plain notation with at least one fractional digit for magnitudes in
/// `[1e-3, 1e7)`, `d.dddE±n` otherwise; the digits are the shortest that read back as `v`.
pub(crate) fn double_to_string(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    let abs = v.abs();
    if (1e-3..1e7).contains(&abs) {
        let s = format!("{v}");
        return if s.contains('.') { s } else { format!("{s}.0") };
    }
    // Rust's `{:e}` gives the shortest digits as `d.ddde-n` (or `de7`).
    let s = format!("{v:e}");
    let (mantissa, exponent) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let mantissa = if mantissa.contains('.') { mantissa.to_string() } else { format!("{mantissa}.0") };
    format!("{mantissa}E{exponent}")
}

/// Java's `String.hashCode()`: over UTF-16 code units.
fn string_hash(s: &str) -> i32 {
    let mut h: i32 = 0;
    for unit in s.encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(i32::from(unit));
    }
    h
}

/// The order in which a `java.util.HashMap` copied (`new HashMap<>(m)`) from a map of
/// `copied_size` entries iterates `keys` (inserted in the given order): by bucket, then by
/// insertion. `copied_size` may exceed `keys.len()` when entries were removed after the copy.
pub(crate) fn hashmap_order<'a>(keys: &[&'a str], copied_size: usize) -> Vec<&'a str> {
    // HashMap(Map m): threshold = tableSizeFor(size / 0.75 + 1), the first table that size.
    let wanted = (copied_size as f64 / 0.75 + 1.0) as usize;
    let mut capacity = wanted.max(1).next_power_of_two();
    // Each insert beyond 0.75 × capacity doubles the table.
    while keys.len() as f64 > capacity as f64 * 0.75 {
        capacity *= 2;
    }
    let bucket = |k: &str| {
        let h = string_hash(k);
        let spread = h ^ ((h as u32) >> 16) as i32;
        (spread as u32 as usize) & (capacity - 1)
    };
    let mut indexed: Vec<(usize, usize, &'a str)> = keys.iter().enumerate().map(|(i, k)| (bucket(k), i, *k)).collect();
    indexed.sort();
    indexed.into_iter().map(|(_, _, k)| k).collect()
}

/// `UUID.nameUUIDFromBytes(bytes)`: the MD5 digest stamped as a version-3, IETF-variant UUID.
pub(crate) fn name_uuid_from_bytes(bytes: &[u8]) -> [u8; 16] {
    let digest = Md5::digest(bytes);
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest);
    out[6] = (out[6] & 0x0f) | 0x30;
    out[8] = (out[8] & 0x3f) | 0x80;
    out
}

/// The canonical text form of a UUID (lower-case, dashed).
#[cfg(test)]
pub(crate) fn uuid_to_string(u: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (any case).
pub(crate) fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let bytes = s.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut hex = s.chars().filter(|c| *c != '-');
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) != (*b == b'-') {
            return None;
        }
    }
    for byte in out.iter_mut() {
        let hi = hex.next()?.to_digit(16)?;
        let lo = hex.next()?.to_digit(16)?;
        *byte = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_like_java() {
        assert_eq!(double_to_string(0.01), "0.01");
        assert_eq!(double_to_string(1.0), "1.0");
        assert_eq!(double_to_string(0.1), "0.1");
        assert_eq!(double_to_string(1e-4), "1.0E-4");
        assert_eq!(double_to_string(6.710808136638059E-5), "6.710808136638059E-5");
        assert_eq!(double_to_string(1.5e7), "1.5E7");
        assert_eq!(double_to_string(1234567.0), "1234567.0");
        assert_eq!(double_to_string(0.0), "0.0");
    }

    #[test]
    fn java_string_hash() {
        assert_eq!(string_hash("dc1"), 99_218);
        assert_eq!(string_hash("hello"), 99_162_322);
    }

    #[test]
    fn hashmap_order_follows_buckets() {
        // "dc1" hashes to 99218, spread 99219: bucket 3 of 8; "dc2" to bucket 2.
        assert_eq!(hashmap_order(&["dc1", "dc2"], 3), vec!["dc2", "dc1"]);
    }

    #[test]
    fn md5_name_uuid_matches_java() {
        // UUID.nameUUIDFromBytes("".getBytes()) = d41d8cd9-8f00-3204-a980-0998ecf8427e
        assert_eq!(uuid_to_string(&name_uuid_from_bytes(b"")), "d41d8cd9-8f00-3204-a980-0998ecf8427e");
    }

    #[test]
    fn uuid_text_round_trip() {
        let u = name_uuid_from_bytes(b"x");
        assert_eq!(parse_uuid(&uuid_to_string(&u)), Some(u));
        assert_eq!(parse_uuid("nope"), None);
    }
}
