//! Benchmark helpers shared by the criterion benches (`benches/`) and the `engine-bench`
//! driver (`src/bin/engine_bench.rs`): db_bench-compatible keys and values, one-row
//! mutations, and process measurements (peak RSS, bytes on disk).

use bytes::Bytes;
use rand::{Rng, RngCore};
use sibyl_storage::{Cell, CellKey, LivenessInfo, Mutation, PartitionKey, Row, TableId};
use std::path::Path;

/// The column every benchmark row writes its value to.
pub const VALUE_COLUMN: u32 = 1;

/// Writes db_bench's key for `k` into `out` (resized to `key_size`): the big-endian bytes of
/// `k` (its low `min(key_size, 8)` bytes), then `'0'` padding, as `GenerateKeyFromInt` does
/// without a prefix.
pub fn db_bench_key(k: u64, key_size: usize, out: &mut Vec<u8>) {
    out.clear();
    let n = key_size.min(8);
    for i in 0..n {
        out.push((k >> (8 * (n - i - 1))) as u8);
    }
    out.resize(key_size, b'0');
}

/// db_bench's `RandomGenerator`: a ~1 MiB buffer of 100-byte pieces, each a random printable
/// string of `100 * compression_ratio` bytes repeated to 100 bytes, so values compress to
/// about `compression_ratio`. [`ValueGenerator::next`] hands out consecutive slices, wrapping
/// to the start, exactly as db_bench's `Generate(len)` does.
pub struct ValueGenerator {
    data: Vec<u8>,
    pos: usize,
}

impl ValueGenerator {
    pub fn new(rng: &mut impl RngCore, compression_ratio: f64, value_size: usize) -> Self {
        let mut data = Vec::new();
        let target = (1024 * 1024).max(value_size);
        while data.len() < target {
            let raw_len = ((100.0 * compression_ratio) as usize).max(1);
            let raw: Vec<u8> = (0..raw_len).map(|_| b' ' + rng.gen_range(0..95u8)).collect();
            let start = data.len();
            while data.len() - start < 100 {
                let take = raw.len().min(100 - (data.len() - start));
                data.extend_from_slice(&raw[..take]);
            }
        }
        ValueGenerator { data, pos: 0 }
    }

    /// The next `len` bytes of the buffer.
    pub fn next(&mut self, len: usize) -> &[u8] {
        if self.pos + len > self.data.len() {
            self.pos = 0;
        }
        let at = self.pos;
        self.pos += len;
        &self.data[at..at + len]
    }
}

/// A CQL-style `INSERT` of one row without clustering columns: row marker plus one cell.
pub fn one_row_mutation(table: TableId, key: &[u8], value: &[u8], timestamp: i64) -> Mutation {
    let mut m = Mutation::new(table, PartitionKey::new(Bytes::copy_from_slice(key)));
    let mut row = Row { marker: Some(LivenessInfo { timestamp, expiry: None }), ..Default::default() };
    row.cells.insert(CellKey::simple(VALUE_COLUMN), Cell::live(timestamp, Bytes::copy_from_slice(value)));
    m.rows.push((Bytes::new(), row));
    m
}

/// Microseconds since the Unix epoch (a CQL write timestamp).
pub fn now_micros() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

/// Peak resident set size of this process in KiB (`VmHWM`), if the kernel reports it.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Apparent size in bytes of every file under `dir` (what `du -sb` counts, less directory
/// entries themselves).
pub fn dir_bytes(dir: &Path) -> std::io::Result<u64> {
    let mut total = 0;
    for ent in std::fs::read_dir(dir)? {
        let ent = ent?;
        let meta = ent.metadata()?;
        total += if meta.is_dir() { dir_bytes(&ent.path())? } else { meta.len() };
    }
    Ok(total)
}

/// Whether a criterion bench binary runs as a test (`cargo test --all-targets`, or
/// `cargo bench -- --test`): then each benchmark runs once, so setup should be small.
pub fn criterion_test_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--test")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn keys_match_db_bench() {
        let mut k = Vec::new();
        db_bench_key(0x0102, 16, &mut k);
        assert_eq!(k, b"\0\0\0\0\0\0\x01\x0200000000");
        db_bench_key(0x0102, 4, &mut k);
        assert_eq!(k, b"\0\0\x01\x02");
    }

    #[test]
    fn values_compress_to_about_half() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        let mut g = ValueGenerator::new(&mut rng, 0.5, 100);
        let v = g.next(100).to_vec();
        assert_eq!(v.len(), 100);
        assert_eq!(v[..50], v[50..]);
        assert!(v.iter().all(|b| (b' '..=b'~').contains(b)));
        assert_ne!(g.next(100), &v[..]);
    }
}
