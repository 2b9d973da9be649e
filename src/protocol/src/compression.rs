//! Frame body compression (spec §5): LZ4 and Snappy, with bounded decompression.
//!
//! LZ4 bodies are a 4-byte big-endian uncompressed length followed by a raw LZ4 block; Snappy
//! bodies are a raw Snappy block (whose own header states the length). Decompression checks
//! the stated length against the caller's limit and against what the input could possibly
//! expand to before allocating anything, so a small hostile body cannot claim a huge buffer.

use crate::error::{ProtocolError, Result};
use crate::primitives::StringMap;

/// The most an LZ4 block can expand: a match costs at least one input byte per 255 output
/// bytes (its length extension bytes).
const LZ4_MAX_RATIO: u64 = 255;
/// The most a Snappy block can expand: a 3-byte copy op emits at most 64 bytes.
const SNAPPY_MAX_RATIO: u64 = 22;
/// Slack for the tiny inputs where headers dominate.
const RATIO_SLACK_BYTES: u64 = 64;

/// A negotiated frame compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    Lz4,
    Snappy,
}

impl Compression {
    /// The STARTUP / SUPPORTED name.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::Lz4 => "lz4",
            Compression::Snappy => "snappy",
        }
    }

    /// Parses a STARTUP `COMPRESSION` value (case-insensitive, as Cassandra).
    pub fn from_name(name: &str) -> Result<Compression> {
        match name.to_ascii_lowercase().as_str() {
            "lz4" => Ok(Compression::Lz4),
            "snappy" => Ok(Compression::Snappy),
            _ => Err(ProtocolError::UnknownCompression { name: name.to_owned() }),
        }
    }

    /// The compression a STARTUP asks for: `None` without a `COMPRESSION` option.
    pub fn from_startup(options: &StringMap) -> Result<Option<Compression>> {
        options.get("COMPRESSION").map(|name| Compression::from_name(name)).transpose()
    }

    /// Appends the compressed form of `input` to `out`.
    pub fn compress(self, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        let start = out.len();
        let failed = |reason: String| ProtocolError::Decompression { algorithm: self.as_str(), reason };
        match self {
            Compression::Lz4 => {
                let len = u32::try_from(input.len()).map_err(|_| ProtocolError::TooLong {
                    what: "lz4 body",
                    length: input.len(),
                    max: u32::MAX as usize,
                })?;
                out.extend_from_slice(&len.to_be_bytes());
                let at = out.len();
                out.resize(at + lz4_flex::block::get_maximum_output_size(input.len()), 0);
                let dst = out.get_mut(at..).unwrap_or_default();
                match lz4_flex::block::compress_into(input, dst) {
                    Ok(n) => out.truncate(at + n),
                    Err(e) => {
                        out.truncate(start);
                        return Err(failed(e.to_string()));
                    }
                }
            }
            Compression::Snappy => {
                out.resize(start + snap::raw::max_compress_len(input.len()), 0);
                let dst = out.get_mut(start..).unwrap_or_default();
                match snap::raw::Encoder::new().compress(input, dst) {
                    Ok(n) => out.truncate(start + n),
                    Err(e) => {
                        out.truncate(start);
                        return Err(failed(e.to_string()));
                    }
                }
            }
        }
        Ok(())
    }

    /// Replaces `out`'s contents with the decompressed `input`, refusing any body that states
    /// (or would produce) more than `max_bytes`.
    pub fn decompress(self, input: &[u8], max_bytes: usize, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        let corrupt = |reason: String| ProtocolError::Decompression { algorithm: self.as_str(), reason };
        let (stated, block, ratio) = match self {
            Compression::Lz4 => {
                let Some((len, block)) = input.split_first_chunk::<4>() else {
                    return Err(ProtocolError::Truncated {
                        what: "lz4 uncompressed length",
                        needed: 4,
                        remaining: input.len(),
                    });
                };
                (u64::from(u32::from_be_bytes(*len)), block, LZ4_MAX_RATIO)
            }
            Compression::Snappy => {
                let len = snap::raw::decompress_len(input).map_err(|e| corrupt(e.to_string()))?;
                (len as u64, input, SNAPPY_MAX_RATIO)
            }
        };
        if stated > max_bytes as u64 {
            return Err(ProtocolError::DecompressedTooLarge { length_bytes: stated, max_bytes });
        }
        let possible = (block.len() as u64).saturating_mul(ratio).saturating_add(RATIO_SLACK_BYTES);
        if stated > possible {
            return Err(corrupt(format!(
                "states {stated} bytes but {} compressed bytes cannot produce that",
                block.len()
            )));
        }
        // Bounded by max_bytes and by the input's size above.
        out.resize(stated as usize, 0);
        let written = match self {
            Compression::Lz4 => lz4_flex::block::decompress_into(block, out).map_err(|e| corrupt(e.to_string())),
            Compression::Snappy => snap::raw::Decoder::new().decompress(block, out).map_err(|e| corrupt(e.to_string())),
        };
        match written {
            Ok(n) if n as u64 == stated => Ok(()),
            Ok(n) => {
                out.clear();
                Err(corrupt(format!("decompressed to {n} bytes but {stated} were stated")))
            }
            Err(e) => {
                out.clear();
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const MAX: usize = 1 << 20;

    fn sample() -> Vec<u8> {
        (0..10_000u32).flat_map(|i| (i % 251).to_be_bytes()).collect()
    }

    #[test]
    fn both_algorithms_round_trip() {
        for c in [Compression::Lz4, Compression::Snappy] {
            for input in [Vec::new(), b"x".to_vec(), sample(), vec![0u8; 100_000]] {
                let mut compressed = vec![0xAA];
                c.compress(&input, &mut compressed).unwrap();
                let mut out = vec![1, 2, 3];
                c.decompress(&compressed[1..], MAX, &mut out).unwrap();
                assert_eq!(out, input, "{c:?}");
            }
        }
    }

    #[test]
    fn lz4_body_starts_with_big_endian_length() {
        let mut out = Vec::new();
        Compression::Lz4.compress(&[7u8; 300], &mut out).unwrap();
        assert_eq!(&out[..4], &[0, 0, 1, 44]);
        assert_eq!(lz4_flex::block::decompress(&out[4..], 300).unwrap(), vec![7u8; 300]);
    }

    #[test]
    fn stated_length_over_the_limit_is_refused_before_allocating() {
        // Claims 4 GiB.
        let bomb = [0xFF, 0xFF, 0xFF, 0xFF, 0x00];
        let mut out = Vec::new();
        assert_eq!(
            Compression::Lz4.decompress(&bomb, MAX, &mut out),
            Err(ProtocolError::DecompressedTooLarge { length_bytes: 0xFFFF_FFFF, max_bytes: MAX })
        );
        assert_eq!(out.capacity(), 0);
        // A real 2 MiB body against a 1 MiB limit.
        for c in [Compression::Lz4, Compression::Snappy] {
            let mut compressed = Vec::new();
            c.compress(&vec![0u8; 2 * MAX], &mut compressed).unwrap();
            let err = c.decompress(&compressed, MAX, &mut out).unwrap_err();
            assert_eq!(err, ProtocolError::DecompressedTooLarge { length_bytes: 2 * MAX as u64, max_bytes: MAX });
            assert_eq!(out.capacity(), 0, "{c:?}");
        }
    }

    #[test]
    fn stated_length_the_input_cannot_produce_is_refused() {
        // 1 MiB claimed from 1 byte of LZ4 block, within the limit.
        let bomb = [0x00, 0x10, 0x00, 0x00, 0x00];
        let mut out = Vec::new();
        assert!(matches!(Compression::Lz4.decompress(&bomb, MAX, &mut out), Err(ProtocolError::Decompression { .. })));
        assert_eq!(out.capacity(), 0);
        // Snappy: varint 1 MiB header and nothing else.
        let bomb = [0x80, 0x80, 0x40];
        assert!(matches!(
            Compression::Snappy.decompress(&bomb, MAX, &mut out),
            Err(ProtocolError::Decompression { .. })
        ));
        assert_eq!(out.capacity(), 0);
    }

    #[test]
    fn corrupt_and_truncated_bodies_are_errors() {
        for c in [Compression::Lz4, Compression::Snappy] {
            let mut compressed = Vec::new();
            c.compress(&sample(), &mut compressed).unwrap();
            let mut out = Vec::new();
            for cut in 0..compressed.len() {
                assert!(c.decompress(&compressed[..cut], MAX, &mut out).is_err(), "{c:?} cut at {cut}");
            }
        }
        // Stated length larger than what the block yields.
        let mut compressed = Vec::new();
        Compression::Lz4.compress(b"hello", &mut compressed).unwrap();
        compressed[3] = 6;
        assert!(Compression::Lz4.decompress(&compressed, MAX, &mut Vec::new()).is_err());
    }

    #[test]
    fn startup_option_parsing() {
        let mut m = StringMap::new();
        assert_eq!(Compression::from_startup(&m), Ok(None));
        m.insert("COMPRESSION".into(), "LZ4".into());
        assert_eq!(Compression::from_startup(&m), Ok(Some(Compression::Lz4)));
        m.insert("COMPRESSION".into(), "snappy".into());
        assert_eq!(Compression::from_startup(&m), Ok(Some(Compression::Snappy)));
        m.insert("COMPRESSION".into(), "zstd".into());
        assert_eq!(Compression::from_startup(&m), Err(ProtocolError::UnknownCompression { name: "zstd".into() }));
    }
}
