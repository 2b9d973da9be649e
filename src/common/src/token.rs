//! Murmur3 partitioner tokens, bit-for-bit as Cassandra's `Murmur3Partitioner` computes them.
//!
//! Cassandra hashes the serialized partition key with its own port of MurmurHash3 x64/128
//! (seed 0) and takes the first 64-bit half as the token. Its port differs from the reference
//! algorithm in one place: tail bytes are Java `byte`s, so they are sign-extended before being
//! shifted into the tail word. The minimum `i64` is reserved, so a hash equal to it maps to
//! `i64::MAX`.

/// A position on the ring: a signed 64-bit Murmur3 token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Token(pub i64);

impl Token {
    /// The smallest token; Cassandra's `Murmur3Partitioner.MINIMUM`, never a key's token.
    pub const MIN: Token = Token(i64::MIN);
    /// The largest token.
    pub const MAX: Token = Token(i64::MAX);
}

impl std::fmt::Display for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

const C1: u64 = 0x87c3_7b91_1142_53d5;
const C2: u64 = 0x4cf5_ad43_2745_937f;

#[inline]
fn fmix(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

/// Cassandra's MurmurHash3 x64/128 with seed 0, returning both halves `(h1, h2)`.
pub fn murmur3_x64_128_cassandra(key: &[u8]) -> (u64, u64) {
    let len = key.len();
    let nblocks = len / 16;
    let mut h1: u64 = 0;
    let mut h2: u64 = 0;

    for i in 0..nblocks {
        let b = &key[i * 16..i * 16 + 16];
        let mut k1 = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        let mut k2 = u64::from_le_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]]);

        k1 = k1.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
        h1 ^= k1;
        h1 = h1.rotate_left(27).wrapping_add(h2);
        h1 = h1.wrapping_mul(5).wrapping_add(0x52dc_e729);

        k2 = k2.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1);
        h2 ^= k2;
        h2 = h2.rotate_left(31).wrapping_add(h1);
        h2 = h2.wrapping_mul(5).wrapping_add(0x3849_5ab5);
    }

    let tail = &key[nblocks * 16..];
    // Java bytes are signed: each tail byte is sign-extended to 64 bits before shifting.
    let sx = |i: usize| tail[i] as i8 as i64 as u64;
    let mut k1: u64 = 0;
    let mut k2: u64 = 0;
    let rem = tail.len();
    if rem > 8 {
        for i in (8..rem).rev() {
            k2 ^= sx(i) << ((i - 8) * 8);
        }
        k2 = k2.wrapping_mul(C2).rotate_left(33).wrapping_mul(C1);
        h2 ^= k2;
    }
    if rem > 0 {
        for i in (0..rem.min(8)).rev() {
            k1 ^= sx(i) << (i * 8);
        }
        k1 = k1.wrapping_mul(C1).rotate_left(31).wrapping_mul(C2);
        h1 ^= k1;
    }

    h1 ^= len as u64;
    h2 ^= len as u64;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (h1, h2)
}

/// The Murmur3Partitioner token of a serialized partition key.
pub fn murmur3_token(key: &[u8]) -> Token {
    let (h1, _) = murmur3_x64_128_cassandra(key);
    let t = h1 as i64;
    Token(if t == i64::MIN { i64::MAX } else { t })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_vectors_from_clients_md() {
        // int 1 and bigint 1, as CLIENTS.md gives them.
        assert_eq!(murmur3_token(&1i32.to_be_bytes()).0, -4_069_959_284_402_364_209);
        assert_eq!(murmur3_token(&1i64.to_be_bytes()).0, 6_292_367_497_774_912_474);
    }
}
