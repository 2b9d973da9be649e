//! Checksummed, compressed blocks: the unit of SSTable I/O.
//!
//! Layout: `[stored_len u32][uncompressed_len u32][codec u8][crc32c u32][stored bytes]`,
//! little-endian; the CRC covers the uncompressed length, the codec byte and the stored bytes,
//! so every byte of the block is verified before it is decompressed or parsed.

use serde::{Deserialize, Serialize};

pub const BLOCK_HEADER_BYTES: usize = 13;
/// No block decompresses to more than this; larger claims are corruption, not allocation.
pub const MAX_BLOCK_BYTES: usize = 256 * 1024 * 1024;

/// Block compression, per table (`compression = {'class': ...}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Compression {
    #[default]
    Zstd,
    Lz4,
    None,
}

impl Compression {
    fn codec(self) -> u8 {
        match self {
            Compression::None => 0,
            Compression::Lz4 => 1,
            Compression::Zstd => 2,
        }
    }
}

thread_local! {
    static ZSTD_C: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> = const { std::cell::RefCell::new(None) };
    static ZSTD_D: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { std::cell::RefCell::new(None) };
}

/// Zstandard level used for SSTable blocks (Cassandra's ZstdCompressor default is 3;
/// level 1 keeps flushes cheap at nearly the same ratio for row data).
const ZSTD_LEVEL: i32 = 1;

/// Encodes `raw` as a block appended to `out`.
pub fn encode_block(raw: &[u8], compression: Compression, out: &mut Vec<u8>) -> std::io::Result<()> {
    let stored: std::borrow::Cow<'_, [u8]> = match compression {
        Compression::None => raw.into(),
        Compression::Lz4 => lz4_flex::block::compress(raw).into(),
        Compression::Zstd => ZSTD_C
            .with(|c| -> std::io::Result<Vec<u8>> {
                let mut c = c.borrow_mut();
                if c.is_none() {
                    *c = Some(zstd::bulk::Compressor::new(ZSTD_LEVEL)?);
                }
                match c.as_mut() {
                    Some(c) => c.compress(raw),
                    None => Err(std::io::Error::other("zstd compressor unavailable")),
                }
            })?
            .into(),
    };
    let (codec, stored) = if stored.len() >= raw.len() && compression != Compression::None {
        (Compression::None.codec(), std::borrow::Cow::Borrowed(raw))
    } else {
        (compression.codec(), stored)
    };
    let ulen = (raw.len() as u32).to_le_bytes();
    let mut crc = crc32c::crc32c(&ulen);
    crc = crc32c::crc32c_append(crc, &[codec]);
    crc = crc32c::crc32c_append(crc, &stored);
    out.extend_from_slice(&(stored.len() as u32).to_le_bytes());
    out.extend_from_slice(&ulen);
    out.push(codec);
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&stored);
    Ok(())
}

/// Why a block could not be decoded.
#[derive(Debug)]
pub enum BlockError {
    Checksum { expected: u32, got: u32 },
    Malformed(&'static str),
}

/// Stored length of the block starting with this header.
pub fn stored_len(header: &[u8]) -> Option<usize> {
    Some(u32::from_le_bytes(header.get(0..4)?.try_into().ok()?) as usize)
}

/// Verifies and decompresses one whole block (header included).
pub fn decode_block(block: &[u8]) -> Result<Vec<u8>, BlockError> {
    let h = block.get(..BLOCK_HEADER_BYTES).ok_or(BlockError::Malformed("block shorter than its header"))?;
    let stored_len = u32::from_le_bytes([h[0], h[1], h[2], h[3]]) as usize;
    let ulen = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
    let codec = h[8];
    let expected = u32::from_le_bytes([h[9], h[10], h[11], h[12]]);
    let stored = block.get(BLOCK_HEADER_BYTES..).ok_or(BlockError::Malformed("block truncated"))?;
    if stored.len() != stored_len {
        return Err(BlockError::Malformed("block length mismatch"));
    }
    let mut got = crc32c::crc32c(&h[4..8]);
    got = crc32c::crc32c_append(got, &[codec]);
    got = crc32c::crc32c_append(got, stored);
    if got != expected {
        return Err(BlockError::Checksum { expected, got });
    }
    if ulen > MAX_BLOCK_BYTES {
        return Err(BlockError::Malformed("block claims an oversized uncompressed length"));
    }
    let out = match codec {
        0 => stored.to_vec(),
        1 => {
            lz4_flex::block::decompress(stored, ulen).map_err(|_| BlockError::Malformed("lz4 decompression failed"))?
        }
        2 => ZSTD_D.with(|d| {
            let mut d = d.borrow_mut();
            if d.is_none() {
                *d = zstd::bulk::Decompressor::new().ok();
            }
            match d.as_mut() {
                Some(d) => d.decompress(stored, ulen).map_err(|_| BlockError::Malformed("zstd decompression failed")),
                None => Err(BlockError::Malformed("zstd decompressor unavailable")),
            }
        })?,
        _ => return Err(BlockError::Malformed("unknown block codec")),
    };
    if out.len() != ulen {
        return Err(BlockError::Malformed("decompressed length mismatch"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_detects_any_flipped_bit() {
        let raw: Vec<u8> = (0..4000u32).flat_map(|i| (i % 97).to_le_bytes()).collect();
        for c in [Compression::Zstd, Compression::Lz4, Compression::None] {
            let mut b = Vec::new();
            encode_block(&raw, c, &mut b).expect("encode");
            assert_eq!(decode_block(&b).expect("decode"), raw);
            for bit in (0..b.len() * 8).step_by(7) {
                let mut bad = b.clone();
                bad[bit / 8] ^= 1 << (bit % 8);
                assert!(decode_block(&bad).is_err(), "flip of bit {bit} undetected with {c:?}");
            }
        }
    }
}
