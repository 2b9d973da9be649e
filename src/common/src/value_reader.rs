//! A bounds-checked reader of the native protocol's value encodings (§6): the `[int]` counts
//! and `[bytes]` elements that collections, tuples and UDT values are made of. Every read
//! checks what remains first and reports truncation as `None`; nothing is sized from a length
//! before that length is known to fit.

/// A position in a serialized value.
#[derive(Debug, Clone)]
pub struct ValueReader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> ValueReader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        ValueReader { buf, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn byte(&mut self) -> Option<u8> {
        let b = *self.buf.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    /// A big-endian `[int]`.
    pub fn int(&mut self) -> Option<i32> {
        let b = self.buf.get(self.pos..self.pos.checked_add(4)?)?;
        self.pos += 4;
        Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A `[bytes]`: `None` when truncated (nothing consumed), `Some(None)` for null (any
    /// negative length).
    pub fn bytes(&mut self) -> Option<Option<&'a [u8]>> {
        let save = self.pos;
        let n = self.int()?;
        let Ok(n) = usize::try_from(n) else {
            return Some(None);
        };
        match self.buf.get(self.pos..self.pos.checked_add(n)?) {
            Some(b) => {
                self.pos += n;
                Some(Some(b))
            }
            None => {
                self.pos = save;
                None
            }
        }
    }

    /// Cassandra's signed vint (see [`write_vint`]); `None` when truncated.
    pub fn vint(&mut self) -> Option<i64> {
        let first = self.byte()?;
        let extra = first.leading_ones();
        let mut z = if extra >= 8 { 0 } else { u64::from(first & (0xFF >> extra)) };
        for _ in 0..extra {
            z = (z << 8) | u64::from(self.byte()?);
        }
        Some(((z >> 1) as i64) ^ -((z & 1) as i64))
    }
}

/// Cassandra's signed vint: zig-zag, then an unsigned vint whose first byte's leading one bits
/// count the extra bytes (1 to 9 bytes in all).
pub fn write_vint(v: i64, out: &mut Vec<u8>) {
    let z = ((v << 1) ^ (v >> 63)) as u64;
    let magnitude = (z | 1).leading_zeros() as usize;
    let size = (639 - magnitude * 9) >> 6;
    if size >= 9 {
        out.push(0xFF);
        out.extend_from_slice(&z.to_be_bytes());
        return;
    }
    let bytes = z.to_be_bytes();
    let start = out.len();
    out.extend_from_slice(&bytes[8 - size..]);
    out[start] |= !(0xFFu8 >> (size - 1));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_bounds() {
        let buf = [0, 0, 0, 2, 7, 8, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 9, 1];
        let mut r = ValueReader::new(&buf);
        assert_eq!(r.bytes(), Some(Some(&[7u8, 8][..])));
        assert_eq!(r.bytes(), Some(None));
        assert_eq!(r.remaining(), 5);
        // Length 9 with 1 byte left: truncated, and nothing consumed.
        assert_eq!(r.bytes(), None);
        assert_eq!(r.remaining(), 5);
        assert_eq!(r.int(), Some(9));
        assert_eq!(r.byte(), Some(1));
        assert_eq!(r.byte(), None);
        assert_eq!(r.int(), None);
    }

    #[test]
    fn vints_round_trip() {
        for v in [0i64, 1, -1, 63, -64, 64, 1 << 20, -(1 << 40), i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            write_vint(v, &mut out);
            let mut r = ValueReader::new(&out);
            assert_eq!(r.vint(), Some(v));
            assert_eq!(r.remaining(), 0);
        }
        assert_eq!(ValueReader::new(&[0xFF, 0]).vint(), None);
    }
}
