//! Bloom filter over partition keys, sized from `bloom_filter_fp_chance`.
//!
//! Hashes are the two halves of Cassandra's Murmur3 x64/128 of the key combined by double
//! hashing (`h1 + i * h2`), so building the filter costs one hash per key.

use sibyl_common::token::murmur3_x64_128_cassandra;

pub struct BloomFilter {
    bits: Vec<u64>,
    num_bits: u64,
    num_hashes: u32,
}

impl BloomFilter {
    /// A filter for `expected` keys at false-positive chance `fp_chance`.
    pub fn new(expected: usize, fp_chance: f64) -> Self {
        let n = expected.max(1) as f64;
        let p = fp_chance.clamp(1e-6, 0.999);
        let ln2 = std::f64::consts::LN_2;
        let num_bits = ((-n * p.ln()) / (ln2 * ln2)).ceil().max(64.0) as u64;
        let num_hashes = ((num_bits as f64 / n) * ln2).round().clamp(1.0, 20.0) as u32;
        let words = num_bits.div_ceil(64) as usize;
        BloomFilter { bits: vec![0; words], num_bits: words as u64 * 64, num_hashes }
    }

    fn positions(&self, key: &[u8]) -> impl Iterator<Item = u64> + '_ {
        let (h1, h2) = murmur3_x64_128_cassandra(key);
        (0..u64::from(self.num_hashes)).map(move |i| h1.wrapping_add(i.wrapping_mul(h2)) % self.num_bits)
    }

    pub fn insert(&mut self, key: &[u8]) {
        let (h1, h2) = murmur3_x64_128_cassandra(key);
        for i in 0..u64::from(self.num_hashes) {
            let p = h1.wrapping_add(i.wrapping_mul(h2)) % self.num_bits;
            self.bits[(p / 64) as usize] |= 1 << (p % 64);
        }
    }

    pub fn may_contain(&self, key: &[u8]) -> bool {
        self.positions(key).all(|p| self.bits.get((p / 64) as usize).is_some_and(|w| w & (1 << (p % 64)) != 0))
    }

    pub fn serialize(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12 + self.bits.len() * 8);
        out.extend_from_slice(&self.num_hashes.to_le_bytes());
        out.extend_from_slice(&(self.bits.len() as u64).to_le_bytes());
        for w in &self.bits {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }

    pub fn deserialize(data: &[u8]) -> Option<Self> {
        let num_hashes = u32::from_le_bytes(data.get(0..4)?.try_into().ok()?);
        let words = u64::from_le_bytes(data.get(4..12)?.try_into().ok()?) as usize;
        let body = data.get(12..)?;
        if body.len() != words.checked_mul(8)? || words == 0 || num_hashes == 0 || num_hashes > 64 {
            return None;
        }
        let bits = body
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
            .collect();
        Some(BloomFilter { bits, num_bits: words as u64 * 64, num_hashes })
    }

    pub fn size_bytes(&self) -> usize {
        self.bits.len() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_false_negatives_and_bounded_false_positives() {
        let mut f = BloomFilter::new(10_000, 0.01);
        for i in 0..10_000u32 {
            f.insert(&i.to_be_bytes());
        }
        assert!((0..10_000u32).all(|i| f.may_contain(&i.to_be_bytes())));
        let fp = (10_000..110_000u32).filter(|i| f.may_contain(&i.to_be_bytes())).count();
        assert!(fp < 2_000, "false positives {fp} of 100000");
        let g = BloomFilter::deserialize(&f.serialize()).expect("round trip");
        assert!((0..10_000u32).all(|i| g.may_contain(&i.to_be_bytes())));
    }
}
