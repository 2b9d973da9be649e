//! The opaque paging state handed to clients: where a paged read stopped and what remains of
//! its limits.
//!
//! Layout (big-endian): magic `b"SP"`, version 1, flags (bit 0: a clustering key follows, bit 1:
//! the partition is finished), the partition key as `[u16 length][bytes]`, the clustering key as
//! `[u32 length][bytes]` when flagged, the remaining `LIMIT` and `PER PARTITION LIMIT` rows as
//! u32 (`u32::MAX`: none), the rows already counted in the current group, then an FNV-1a 64
//! checksum of everything before it. Anything else is refused with an Invalid error: a client
//! cannot make the server read past a buffer or loop.

use super::error::{invalid, CqlResult};

const MAGIC: &[u8; 2] = b"SP";
const VERSION: u8 = 1;

/// Where a paged read resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagingState {
    /// The serialized partition key of the last partition read.
    pub partition_key: Vec<u8>,
    /// The encoded clustering key of the last row returned in it (`None`: its static row).
    pub clustering: Option<Vec<u8>>,
    /// Whether that partition is finished (resume at the next one).
    pub partition_done: bool,
    /// Rows the `LIMIT` still allows (`u32::MAX`: no limit).
    pub remaining: u32,
    /// Rows `PER PARTITION LIMIT` still allows in that partition (`u32::MAX`: no limit).
    pub remaining_in_partition: u32,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

impl PagingState {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.partition_key.len() + 32);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        let flags = u8::from(self.clustering.is_some()) | (u8::from(self.partition_done) << 1);
        out.push(flags);
        let pk_len = u16::try_from(self.partition_key.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&pk_len.to_be_bytes());
        out.extend_from_slice(&self.partition_key[..usize::from(pk_len)]);
        if let Some(ck) = &self.clustering {
            let len = u32::try_from(ck.len()).unwrap_or(u32::MAX);
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(ck);
        }
        out.extend_from_slice(&self.remaining.to_be_bytes());
        out.extend_from_slice(&self.remaining_in_partition.to_be_bytes());
        let sum = fnv1a(&out);
        out.extend_from_slice(&sum.to_be_bytes());
        out
    }

    /// Decodes a state from a client; any malformed input is an Invalid error.
    pub fn decode(bytes: &[u8]) -> CqlResult<PagingState> {
        decode(bytes).map_or_else(|| invalid("Invalid value for the paging state"), Ok)
    }
}

fn decode(bytes: &[u8]) -> Option<PagingState> {
    let body_len = bytes.len().checked_sub(8)?;
    let (body, sum) = bytes.split_at(body_len);
    if fnv1a(body) != u64::from_be_bytes(sum.try_into().ok()?) {
        return None;
    }
    let mut r = Reader { b: body, pos: 0 };
    if r.take(2)? != MAGIC || r.u8()? != VERSION {
        return None;
    }
    let flags = r.u8()?;
    if flags & !0b11 != 0 {
        return None;
    }
    let pk_len = usize::from(u16::from_be_bytes(r.take(2)?.try_into().ok()?));
    let partition_key = r.take(pk_len)?.to_vec();
    let clustering = if flags & 1 != 0 {
        let len = usize::try_from(r.u32()?).ok()?;
        Some(r.take(len)?.to_vec())
    } else {
        None
    };
    let remaining = r.u32()?;
    let remaining_in_partition = r.u32()?;
    if r.pos != body.len() {
        return None;
    }
    Some(PagingState { partition_key, clustering, partition_done: flags & 2 != 0, remaining, remaining_in_partition })
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.b.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_damage() {
        let s = PagingState {
            partition_key: vec![1, 2, 3],
            clustering: Some(vec![9, 9]),
            partition_done: false,
            remaining: 10,
            remaining_in_partition: u32::MAX,
        };
        let b = s.encode();
        assert_eq!(PagingState::decode(&b), Ok(s.clone()));
        for i in 0..b.len() {
            let mut bad = b.clone();
            bad[i] ^= 0x40;
            assert!(PagingState::decode(&bad).is_err(), "flipped byte {i}");
            assert!(PagingState::decode(&b[..i]).is_err(), "truncated at {i}");
        }
        let mut longer = b.clone();
        longer.push(0);
        assert!(PagingState::decode(&longer).is_err());
        let none = PagingState { clustering: None, partition_done: true, ..s };
        assert_eq!(PagingState::decode(&none.encode()), Ok(none));
    }
}
