//! The body notations of spec §3: a bounds-checked [`Reader`] over `&[u8]` and a [`Writer`]
//! extension for `Vec<u8>`.
//!
//! Every read checks the remaining length first and never allocates more than the bytes it
//! consumes (a count is checked against the remaining bytes before any `Vec` is sized).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::consistency::Consistency;
use crate::error::{ProtocolError, Result};

/// A [string map].
pub type StringMap = BTreeMap<String, String>;
/// A [string multimap].
pub type StringMultimap = BTreeMap<String, Vec<String>>;
/// A [bytes map]; a `None` value is a null [bytes].
pub type BytesMap = BTreeMap<String, Option<Vec<u8>>>;

/// A bound [value]: set, null (-1) or not set (-2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    /// "Not set": leaves the existing value unchanged.
    Unset,
    Set(Vec<u8>),
}

/// A position in a body being decoded.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet consumed.
    pub fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unconsumed bytes.
    pub fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    /// Takes the next `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let remaining = self.remaining();
        let end = self.pos.checked_add(n).filter(|_| n <= remaining);
        match end.and_then(|end| self.buf.get(self.pos..end).map(|s| (s, end))) {
            Some((s, end)) => {
                self.pos = end;
                Ok(s)
            }
            None => Err(ProtocolError::Truncated { what, needed: n, remaining }),
        }
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N]> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// Checks that `count` elements of at least `min_bytes` each can fit in what remains, so a
    /// hostile count cannot make the caller pre-allocate or loop past the body.
    pub fn check_count(&self, what: &'static str, count: u64, min_bytes: u64) -> Result<usize> {
        let remaining = self.remaining();
        let fits = count.checked_mul(min_bytes.max(1)).is_some_and(|need| need <= remaining as u64);
        match usize::try_from(count) {
            Ok(n) if fits => Ok(n),
            _ => Err(ProtocolError::CountTooLarge { what, count, remaining }),
        }
    }

    pub fn read_byte(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    /// A [short] (unsigned).
    pub fn read_short(&mut self, what: &'static str) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array(what)?))
    }

    /// An [int].
    pub fn read_int(&mut self, what: &'static str) -> Result<i32> {
        Ok(i32::from_be_bytes(self.array(what)?))
    }

    /// A [long].
    pub fn read_long(&mut self, what: &'static str) -> Result<i64> {
        Ok(i64::from_be_bytes(self.array(what)?))
    }

    /// An [int] that must be >= 0.
    pub fn read_len(&mut self, what: &'static str) -> Result<usize> {
        let n = self.read_int(what)?;
        usize::try_from(n).map_err(|_| ProtocolError::NegativeLength { what, length: n })
    }

    fn utf8(bytes: &'a [u8], what: &'static str) -> Result<&'a str> {
        std::str::from_utf8(bytes).map_err(|_| ProtocolError::InvalidUtf8 { what })
    }

    /// A [string].
    pub fn read_string(&mut self, what: &'static str) -> Result<&'a str> {
        let n = self.read_short(what)?;
        Self::utf8(self.take(usize::from(n), what)?, what)
    }

    /// A [long string].
    pub fn read_long_string(&mut self, what: &'static str) -> Result<&'a str> {
        let n = self.read_len(what)?;
        Self::utf8(self.take(n, what)?, what)
    }

    /// A [uuid].
    pub fn read_uuid(&mut self, what: &'static str) -> Result<[u8; 16]> {
        self.array(what)
    }

    /// A [string list].
    pub fn read_string_list(&mut self, what: &'static str) -> Result<Vec<String>> {
        let n = self.read_short(what)?;
        let n = self.check_count(what, u64::from(n), 2)?;
        let mut list = Vec::with_capacity(n);
        for _ in 0..n {
            list.push(self.read_string(what)?.to_owned());
        }
        Ok(list)
    }

    /// A [bytes]: `None` when the length is negative (null).
    pub fn read_bytes(&mut self, what: &'static str) -> Result<Option<&'a [u8]>> {
        let n = self.read_int(what)?;
        match usize::try_from(n) {
            Ok(n) => Ok(Some(self.take(n, what)?)),
            Err(_) => Ok(None),
        }
    }

    /// A [value]: -1 null, -2 unset, below -2 an error.
    pub fn read_value(&mut self, what: &'static str) -> Result<Value> {
        let n = self.read_int(what)?;
        match n {
            -1 => Ok(Value::Null),
            -2 => Ok(Value::Unset),
            n if n < -2 => Err(ProtocolError::InvalidValueLength { length: n }),
            n => Ok(Value::Set(self.take(n.unsigned_abs() as usize, what)?.to_vec())),
        }
    }

    /// A [short bytes].
    pub fn read_short_bytes(&mut self, what: &'static str) -> Result<&'a [u8]> {
        let n = self.read_short(what)?;
        self.take(usize::from(n), what)
    }

    /// An [inetaddr]: one byte of address length (4 or 16) and the address.
    pub fn read_inetaddr(&mut self, what: &'static str) -> Result<IpAddr> {
        let n = self.read_byte(what)?;
        match n {
            4 => Ok(IpAddr::V4(Ipv4Addr::from(self.array::<4>(what)?))),
            16 => Ok(IpAddr::V6(Ipv6Addr::from(self.array::<16>(what)?))),
            length => Err(ProtocolError::InvalidInetLength { length }),
        }
    }

    /// An [inet]: an [inetaddr] and an [int] port.
    pub fn read_inet(&mut self, what: &'static str) -> Result<SocketAddr> {
        let ip = self.read_inetaddr(what)?;
        let port = self.read_int(what)?;
        // Ports are 16-bit; the [int] carries them unsigned, so keep the low half.
        Ok(SocketAddr::new(ip, port as u16))
    }

    /// A [consistency].
    pub fn read_consistency(&mut self, what: &'static str) -> Result<Consistency> {
        Consistency::try_from(self.read_short(what)?)
    }

    /// A [string map]. A repeated key keeps its last value.
    pub fn read_string_map(&mut self, what: &'static str) -> Result<StringMap> {
        let n = self.read_short(what)?;
        let n = self.check_count(what, u64::from(n), 4)?;
        let mut map = StringMap::new();
        for _ in 0..n {
            let k = self.read_string(what)?.to_owned();
            let v = self.read_string(what)?.to_owned();
            map.insert(k, v);
        }
        Ok(map)
    }

    /// A [string multimap].
    pub fn read_string_multimap(&mut self, what: &'static str) -> Result<StringMultimap> {
        let n = self.read_short(what)?;
        let n = self.check_count(what, u64::from(n), 4)?;
        let mut map = StringMultimap::new();
        for _ in 0..n {
            let k = self.read_string(what)?.to_owned();
            let v = self.read_string_list(what)?;
            map.insert(k, v);
        }
        Ok(map)
    }

    /// A [bytes map].
    pub fn read_bytes_map(&mut self, what: &'static str) -> Result<BytesMap> {
        let n = self.read_short(what)?;
        let n = self.check_count(what, u64::from(n), 6)?;
        let mut map = BytesMap::new();
        for _ in 0..n {
            let k = self.read_string(what)?.to_owned();
            let v = self.read_bytes(what)?.map(<[u8]>::to_vec);
            map.insert(k, v);
        }
        Ok(map)
    }
}

fn short_len(what: &'static str, len: usize) -> Result<u16> {
    u16::try_from(len).map_err(|_| ProtocolError::TooLong { what, length: len, max: usize::from(u16::MAX) })
}

fn int_len(what: &'static str, len: usize) -> Result<i32> {
    i32::try_from(len).map_err(|_| ProtocolError::TooLong { what, length: len, max: i32::MAX as usize })
}

/// Writes the notations of spec §3. Fallible only where a length does not fit its prefix.
pub trait Writer {
    fn write_byte(&mut self, v: u8);
    fn write_short(&mut self, v: u16);
    fn write_int(&mut self, v: i32);
    fn write_long(&mut self, v: i64);
    fn write_raw(&mut self, bytes: &[u8]);

    /// A [short] count or length, checked.
    fn write_short_len(&mut self, what: &'static str, len: usize) -> Result<()> {
        self.write_short(short_len(what, len)?);
        Ok(())
    }

    /// An [int] count or length, checked.
    fn write_int_len(&mut self, what: &'static str, len: usize) -> Result<()> {
        self.write_int(int_len(what, len)?);
        Ok(())
    }

    fn write_string(&mut self, s: &str) -> Result<()> {
        self.write_short_len("[string]", s.len())?;
        self.write_raw(s.as_bytes());
        Ok(())
    }

    fn write_long_string(&mut self, s: &str) -> Result<()> {
        self.write_int_len("[long string]", s.len())?;
        self.write_raw(s.as_bytes());
        Ok(())
    }

    fn write_uuid(&mut self, uuid: &[u8; 16]) {
        self.write_raw(uuid);
    }

    fn write_string_list(&mut self, list: &[String]) -> Result<()> {
        self.write_short_len("[string list]", list.len())?;
        list.iter().try_for_each(|s| self.write_string(s))
    }

    /// A [bytes]; `None` is written as null (-1).
    fn write_bytes(&mut self, bytes: Option<&[u8]>) -> Result<()> {
        match bytes {
            Some(b) => {
                self.write_int_len("[bytes]", b.len())?;
                self.write_raw(b);
            }
            None => self.write_int(-1),
        }
        Ok(())
    }

    fn write_value(&mut self, value: &Value) -> Result<()> {
        match value {
            Value::Null => self.write_int(-1),
            Value::Unset => self.write_int(-2),
            Value::Set(b) => {
                self.write_int_len("[value]", b.len())?;
                self.write_raw(b);
            }
        }
        Ok(())
    }

    fn write_short_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        self.write_short_len("[short bytes]", bytes.len())?;
        self.write_raw(bytes);
        Ok(())
    }

    fn write_inetaddr(&mut self, ip: &IpAddr) {
        match ip {
            IpAddr::V4(v4) => {
                self.write_byte(4);
                self.write_raw(&v4.octets());
            }
            IpAddr::V6(v6) => {
                self.write_byte(16);
                self.write_raw(&v6.octets());
            }
        }
    }

    fn write_inet(&mut self, addr: &SocketAddr) {
        self.write_inetaddr(&addr.ip());
        self.write_int(i32::from(addr.port()));
    }

    fn write_consistency(&mut self, cl: Consistency) {
        self.write_short(cl.code());
    }

    fn write_string_map(&mut self, map: &StringMap) -> Result<()> {
        self.write_short_len("[string map]", map.len())?;
        for (k, v) in map {
            self.write_string(k)?;
            self.write_string(v)?;
        }
        Ok(())
    }

    fn write_string_multimap(&mut self, map: &StringMultimap) -> Result<()> {
        self.write_short_len("[string multimap]", map.len())?;
        for (k, v) in map {
            self.write_string(k)?;
            self.write_string_list(v)?;
        }
        Ok(())
    }

    fn write_bytes_map(&mut self, map: &BytesMap) -> Result<()> {
        self.write_short_len("[bytes map]", map.len())?;
        for (k, v) in map {
            self.write_string(k)?;
            self.write_bytes(v.as_deref())?;
        }
        Ok(())
    }
}

impl Writer for Vec<u8> {
    fn write_byte(&mut self, v: u8) {
        self.push(v);
    }

    fn write_short(&mut self, v: u16) {
        self.extend_from_slice(&v.to_be_bytes());
    }

    fn write_int(&mut self, v: i32) {
        self.extend_from_slice(&v.to_be_bytes());
    }

    fn write_long(&mut self, v: i64) {
        self.extend_from_slice(&v.to_be_bytes());
    }

    fn write_raw(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

#[cfg(test)]
#[path = "primitives_tests.rs"]
mod tests;
