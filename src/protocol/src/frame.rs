//! The 9-byte frame header (spec §2) and the check-then-parse frame decoder.

use crate::error::{ProtocolError, Result};

/// Bytes in a v3+ frame header.
pub const HEADER_LEN: usize = 9;
/// The only protocol version spoken.
pub const PROTOCOL_VERSION: u8 = 4;
/// Version byte of a v4 request frame.
pub const REQUEST_VERSION: u8 = 0x04;
/// Version byte of a v4 response frame (direction bit 0x80 set).
pub const RESPONSE_VERSION: u8 = 0x84;
/// The spec's frame body limit (256 MiB); servers usually configure less.
pub const SPEC_MAX_FRAME_BYTES: usize = 256 * 1024 * 1024;

const DIRECTION_BIT: u8 = 0x80;

/// The message type of a frame (spec §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Opcode {
    Error = 0x00,
    Startup = 0x01,
    Ready = 0x02,
    Authenticate = 0x03,
    Options = 0x05,
    Supported = 0x06,
    Query = 0x07,
    Result = 0x08,
    Prepare = 0x09,
    Execute = 0x0A,
    Register = 0x0B,
    Event = 0x0C,
    Batch = 0x0D,
    AuthChallenge = 0x0E,
    AuthResponse = 0x0F,
    AuthSuccess = 0x10,
}

impl Opcode {
    /// The 16 v4 opcodes.
    pub const ALL: [Opcode; 16] = [
        Opcode::Error,
        Opcode::Startup,
        Opcode::Ready,
        Opcode::Authenticate,
        Opcode::Options,
        Opcode::Supported,
        Opcode::Query,
        Opcode::Result,
        Opcode::Prepare,
        Opcode::Execute,
        Opcode::Register,
        Opcode::Event,
        Opcode::Batch,
        Opcode::AuthChallenge,
        Opcode::AuthResponse,
        Opcode::AuthSuccess,
    ];

    /// Whether clients send this opcode (as opposed to servers).
    pub fn is_request(self) -> bool {
        matches!(
            self,
            Opcode::Startup
                | Opcode::Options
                | Opcode::Query
                | Opcode::Prepare
                | Opcode::Execute
                | Opcode::Register
                | Opcode::Batch
                | Opcode::AuthResponse
        )
    }
}

impl TryFrom<u8> for Opcode {
    type Error = ProtocolError;

    fn try_from(opcode: u8) -> Result<Self> {
        Opcode::ALL.into_iter().find(|o| *o as u8 == opcode).ok_or(ProtocolError::UnknownOpcode { opcode })
    }
}

/// Who sent a frame: bit 0x80 of the version byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

impl Direction {
    /// The v4 version byte for this direction.
    pub fn version_byte(self) -> u8 {
        match self {
            Direction::Request => REQUEST_VERSION,
            Direction::Response => RESPONSE_VERSION,
        }
    }
}

/// The header flags byte. Unknown bits are kept but mean nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameFlags(pub u8);

impl FrameFlags {
    pub const COMPRESSION: u8 = 0x01;
    pub const TRACING: u8 = 0x02;
    pub const CUSTOM_PAYLOAD: u8 = 0x04;
    pub const WARNING: u8 = 0x08;

    pub fn contains(self, flag: u8) -> bool {
        self.0 & flag == flag
    }

    pub fn compression(self) -> bool {
        self.contains(Self::COMPRESSION)
    }

    pub fn tracing(self) -> bool {
        self.contains(Self::TRACING)
    }

    pub fn custom_payload(self) -> bool {
        self.contains(Self::CUSTOM_PAYLOAD)
    }

    pub fn warning(self) -> bool {
        self.contains(Self::WARNING)
    }
}

/// A decoded v4 frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub direction: Direction,
    pub flags: FrameFlags,
    pub stream: i16,
    /// The raw opcode byte: [`FrameHeader::opcode`] validates it.
    pub opcode: u8,
    /// Length of the body that follows the header.
    pub body_len: usize,
}

impl FrameHeader {
    /// The opcode, or [`ProtocolError::UnknownOpcode`].
    pub fn opcode(&self) -> Result<Opcode> {
        Opcode::try_from(self.opcode)
    }

    /// Header plus body.
    pub fn frame_len(&self) -> usize {
        HEADER_LEN + self.body_len
    }

    /// Writes the 9 header bytes.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        let len = i32::try_from(self.body_len).map_err(|_| ProtocolError::TooLong {
            what: "frame body",
            length: self.body_len,
            max: i32::MAX as usize,
        })?;
        out.push(self.direction.version_byte());
        out.push(self.flags.0);
        out.extend_from_slice(&self.stream.to_be_bytes());
        out.push(self.opcode);
        out.extend_from_slice(&len.to_be_bytes());
        Ok(())
    }
}

/// What [`decode_frame`] found at the start of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameStatus<'a> {
    /// Not a whole frame yet: at least `needed` more bytes must arrive.
    Incomplete { needed: usize },
    /// A whole frame: consume `frame_len` bytes from the buffer.
    Complete { header: FrameHeader, body: &'a [u8], frame_len: usize },
}

/// Decodes the frame at the start of `buf`, allocating nothing.
///
/// The header alone decides the errors, before any body byte is looked at:
/// a version other than 4 ([`ProtocolError::UnsupportedVersion`], reported as soon as the
/// stream id has arrived), a negative body length, or one above `max_frame_bytes`. All carry
/// the stream id so the caller can answer before closing the connection. Unknown flag bits are
/// ignored; the opcode is not checked here (see [`FrameHeader::opcode`]).
pub fn decode_frame(buf: &[u8], max_frame_bytes: usize) -> Result<FrameStatus<'_>> {
    let Some(&version) = buf.first() else {
        return Ok(FrameStatus::Incomplete { needed: HEADER_LEN });
    };
    if version & !DIRECTION_BIT != PROTOCOL_VERSION {
        return unsupported_version(buf, version);
    }
    let Some(header) = buf.first_chunk::<HEADER_LEN>() else {
        return Ok(FrameStatus::Incomplete { needed: HEADER_LEN - buf.len() });
    };
    let stream = i16::from_be_bytes([header[2], header[3]]);
    let length = i32::from_be_bytes([header[5], header[6], header[7], header[8]]);
    let Ok(body_len) = usize::try_from(length) else {
        return Err(ProtocolError::NegativeFrameLength { length_bytes: length, stream });
    };
    if body_len > max_frame_bytes {
        return Err(ProtocolError::FrameTooLarge { length_bytes: body_len, max_bytes: max_frame_bytes, stream });
    }
    let direction = if version & DIRECTION_BIT == 0 { Direction::Request } else { Direction::Response };
    let header = FrameHeader { direction, flags: FrameFlags(header[1]), stream, opcode: header[4], body_len };
    let frame_len = HEADER_LEN + body_len;
    match buf.get(HEADER_LEN..frame_len) {
        Some(body) => Ok(FrameStatus::Complete { header, body, frame_len }),
        None => Ok(FrameStatus::Incomplete { needed: frame_len - buf.len() }),
    }
}

/// A wrong version is reported once the stream id is readable: a 1-byte stream at offset 2
/// for v1/v2 headers, a 2-byte one for v3 and later.
fn unsupported_version(buf: &[u8], version: u8) -> Result<FrameStatus<'_>> {
    let old = matches!(version & !DIRECTION_BIT, 1 | 2);
    let stream = match (old, buf.get(2), buf.get(3)) {
        (true, Some(&s), _) => i16::from(s as i8),
        (false, Some(&hi), Some(&lo)) => i16::from_be_bytes([hi, lo]),
        _ => return Ok(FrameStatus::Incomplete { needed: if old { 3 } else { 4 } - buf.len() }),
    };
    Err(ProtocolError::UnsupportedVersion { version, stream })
}

#[cfg(test)]
#[path = "frame_tests.rs"]
mod tests;
