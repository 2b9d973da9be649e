//! UUIDs: their text form, and version-1 (time-based) UUIDs as Cassandra builds and reads them
//! (`utils/TimeUUID`).
//!
//! A timeuuid's 60-bit timestamp counts 100 ns ticks since 1582-10-15T00:00Z. `now()` combines
//! the current time with a per-node clock sequence and node id; `minTimeuuid(t)` and
//! `maxTimeuuid(t)` use Cassandra's own lowest and highest clock-sequence-and-node values
//! (`0x8080808080808080` and `0x7f7f7f7f7f7f7f7f`: Cassandra compares those 8 bytes as signed
//! bytes), giving the smallest and largest timeuuids of a millisecond. Nothing here reads a
//! clock: the time is always an argument.

/// Unix milliseconds of the UUID epoch, 1582-10-15T00:00Z.
pub const UUID_EPOCH_UNIX_MILLIS: i64 = -12_219_292_800_000;
/// 100 ns ticks per millisecond.
pub const TICKS_PER_MILLI: i64 = 10_000;
/// Least significant half of the smallest timeuuid of a timestamp.
pub const MIN_CLOCK_SEQ_AND_NODE: u64 = 0x8080_8080_8080_8080;
/// Least significant half of the largest timeuuid of a timestamp.
pub const MAX_CLOCK_SEQ_AND_NODE: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// The UUID with these two halves.
pub fn from_halves(msb: u64, lsb: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&msb.to_be_bytes());
    out[8..].copy_from_slice(&lsb.to_be_bytes());
    out
}

/// The two halves of a UUID.
pub fn halves(uuid: &[u8; 16]) -> (u64, u64) {
    let mut msb = [0u8; 8];
    let mut lsb = [0u8; 8];
    msb.copy_from_slice(&uuid[..8]);
    lsb.copy_from_slice(&uuid[8..]);
    (u64::from_be_bytes(msb), u64::from_be_bytes(lsb))
}

/// The version nibble of a UUID.
pub fn version(uuid: &[u8; 16]) -> u8 {
    uuid[6] >> 4
}

/// The 100 ns tick count since the UUID epoch of `unix_millis` plus `ticks` (Cassandra's
/// `unixMillisToRawTimestamp`), wrapping as Java's `long` arithmetic does.
pub fn raw_timestamp(unix_millis: i64, ticks: i64) -> i64 {
    unix_millis
        .wrapping_mul(TICKS_PER_MILLI)
        .wrapping_sub(UUID_EPOCH_UNIX_MILLIS.wrapping_mul(TICKS_PER_MILLI))
        .wrapping_add(ticks)
}

/// The most significant half of a version-1 UUID with this raw timestamp: `time_low`,
/// `time_mid`, then version 1 and `time_hi` (only the low 60 bits of `raw` are kept).
pub fn msb_from_raw_timestamp(raw: i64) -> u64 {
    let raw = raw as u64;
    ((raw & 0xFFFF_FFFF) << 32) | ((raw & 0xFFFF_0000_0000) >> 16) | ((raw >> 48) & 0x0FFF) | 0x1000
}

/// The raw 60-bit timestamp of a version-1 UUID.
pub fn raw_timestamp_of(uuid: &[u8; 16]) -> u64 {
    let (msb, _) = halves(uuid);
    ((msb & 0x0FFF) << 48) | (((msb >> 16) & 0xFFFF) << 32) | (msb >> 32)
}

/// Unix milliseconds of a version-1 UUID's timestamp (Cassandra's `TimeUUID.unixMillis`).
pub fn unix_millis(uuid: &[u8; 16]) -> i64 {
    // The raw timestamp has 60 bits, so it fits an i64.
    (raw_timestamp_of(uuid) as i64) / TICKS_PER_MILLI + UUID_EPOCH_UNIX_MILLIS
}

/// Unix microseconds of a version-1 UUID's timestamp (rounded down).
pub fn unix_micros(uuid: &[u8; 16]) -> i64 {
    (raw_timestamp_of(uuid) as i64) / 10 + UUID_EPOCH_UNIX_MILLIS * 1000
}

/// The least significant half of a generated timeuuid: variant bits, the 14-bit clock sequence
/// and the 48-bit node.
pub fn clock_seq_and_node(clock_seq: u16, node: u64) -> u64 {
    (u64::from(clock_seq & 0x3FFF) << 48) | 0x8000_0000_0000_0000 | (node & 0xFFFF_FFFF_FFFF)
}

/// A timeuuid for `now()`: `unix_millis` plus `ticks` (0..10000, the 100 ns ticks that make
/// several uuids of one millisecond distinct), with this clock sequence and node.
pub fn timeuuid_at(unix_millis: i64, ticks: u16, clock_seq: u16, node: u64) -> [u8; 16] {
    let raw = raw_timestamp(unix_millis, i64::from(ticks));
    from_halves(msb_from_raw_timestamp(raw), clock_seq_and_node(clock_seq, node))
}

/// `minTimeuuid(t)`: the smallest timeuuid of millisecond `unix_millis`.
pub fn min_timeuuid(unix_millis: i64) -> [u8; 16] {
    from_halves(msb_from_raw_timestamp(raw_timestamp(unix_millis, 0)), MIN_CLOCK_SEQ_AND_NODE)
}

/// `maxTimeuuid(t)`: the largest timeuuid of millisecond `unix_millis`.
pub fn max_timeuuid(unix_millis: i64) -> [u8; 16] {
    let raw = raw_timestamp(unix_millis.wrapping_add(1), 0).wrapping_sub(1);
    from_halves(msb_from_raw_timestamp(raw), MAX_CLOCK_SEQ_AND_NODE)
}

/// The canonical text form: lower-case hex, `8-4-4-4-12`.
pub fn format_uuid(uuid: &[u8; 16]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, b) in uuid.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xF)]));
    }
    s
}

/// Parses `8-4-4-4-12` hex (any case).
pub fn parse_uuid(text: &str) -> Option<[u8; 16]> {
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut nibbles = 0usize;
    for (i, &c) in bytes.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let v = char::from(c).to_digit(16)? as u8;
        let slot = out.get_mut(nibbles / 2)?;
        *slot = (*slot << 4) | v;
        nibbles += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn min_and_max_bracket_a_millisecond() {
        let t = 1_296_705_900_000; // 2011-02-03T04:05:00Z
        let min = min_timeuuid(t);
        let max = max_timeuuid(t);
        assert_eq!(version(&min), 1);
        assert_eq!(version(&max), 1);
        assert_eq!(unix_millis(&min), t);
        assert_eq!(unix_millis(&max), t);
        assert_eq!(raw_timestamp_of(&max) - raw_timestamp_of(&min), 9_999);
        assert_eq!(halves(&min).1, MIN_CLOCK_SEQ_AND_NODE);
        assert_eq!(halves(&max).1, MAX_CLOCK_SEQ_AND_NODE);
        assert_eq!(unix_millis(&min_timeuuid(t + 1)), t + 1);
    }

    #[test]
    fn generated_uuid_layout() {
        let u = timeuuid_at(0, 5, 0x1234, 0xAABB_CCDD_EEFF);
        assert_eq!(version(&u), 1);
        assert_eq!(unix_millis(&u), 0);
        assert_eq!(raw_timestamp_of(&u), (-UUID_EPOCH_UNIX_MILLIS * TICKS_PER_MILLI + 5) as u64);
        assert_eq!(halves(&u).1, 0x9234_AABB_CCDD_EEFF);
        assert_eq!(unix_micros(&u), 0);
    }

    #[test]
    fn known_uuid() {
        // 2011-02-03T04:05:00Z as a version-1 uuid (Python's uuid module agrees).
        let u = parse_uuid("C4FB3E00-2F4A-11E0-8000-000000000000");
        let u = u.unwrap_or_default();
        assert_eq!(format_uuid(&u), "c4fb3e00-2f4a-11e0-8000-000000000000");
        assert_eq!(unix_millis(&u), 1_296_705_900_000);
        assert_eq!(min_timeuuid(1_296_705_900_000)[..8], u[..8]);
        assert_eq!(parse_uuid("a4a70900-2f5a-11e0-8000-00000000000"), None);
        assert_eq!(parse_uuid("a4a70900x2f5a-11e0-8000-000000000000"), None);
        assert_eq!(parse_uuid("g4a70900-2f5a-11e0-8000-000000000000"), None);
    }
}
