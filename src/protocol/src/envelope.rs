//! Whole frames: header, flag-driven body prefixes (tracing id, warnings, custom payload) and
//! compression, around a [`Request`] or [`Response`].

use crate::compression::Compression;
use crate::error::{ProtocolError, Result};
use crate::frame::{Direction, FrameFlags, FrameHeader, Opcode, HEADER_LEN};
use crate::primitives::{BytesMap, Reader, Writer};
use crate::request::Request;
use crate::response::Response;

/// What a request frame carries besides its message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestExtras {
    /// The client asks the server to trace the request.
    pub tracing: bool,
    pub custom_payload: Option<BytesMap>,
}

impl RequestExtras {
    pub const NONE: RequestExtras = RequestExtras { tracing: false, custom_payload: None };
}

/// What a response frame carries besides its message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseExtras {
    pub tracing_id: Option<[u8; 16]>,
    /// Server warnings; empty means no warning flag.
    pub warnings: Vec<String>,
    pub custom_payload: Option<BytesMap>,
}

impl ResponseExtras {
    pub const NONE: ResponseExtras = ResponseExtras { tracing_id: None, warnings: Vec::new(), custom_payload: None };
}

/// A decoded request frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFrame {
    pub stream: i16,
    pub extras: RequestExtras,
    pub request: Request,
}

/// A decoded response frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseFrame {
    pub stream: i16,
    pub extras: ResponseExtras,
    pub response: Response,
}

fn expect_direction(header: &FrameHeader, expected: Direction) -> Result<()> {
    if header.direction == expected {
        Ok(())
    } else {
        Err(ProtocolError::WrongDirection { expected })
    }
}

/// Decompresses `body` into `scratch` when the header's compression flag is set.
fn plain_body<'a>(
    header: &FrameHeader,
    body: &'a [u8],
    compression: Option<Compression>,
    max_frame_bytes: usize,
    scratch: &'a mut Vec<u8>,
) -> Result<&'a [u8]> {
    if !header.flags.compression() {
        return Ok(body);
    }
    let c = compression.ok_or(ProtocolError::CompressionNotNegotiated)?;
    c.decompress(body, max_frame_bytes, scratch)?;
    Ok(scratch)
}

/// Decodes the body of a complete request frame (from [`crate::decode_frame`]): checks the
/// direction and opcode, decompresses if flagged (output bounded by `max_frame_bytes`), and
/// reads the custom payload before the message.
pub fn decode_request_body(
    header: &FrameHeader,
    body: &[u8],
    compression: Option<Compression>,
    max_frame_bytes: usize,
) -> Result<RequestFrame> {
    expect_direction(header, Direction::Request)?;
    let opcode = header.opcode()?;
    let mut scratch = Vec::new();
    let body = plain_body(header, body, compression, max_frame_bytes, &mut scratch)?;
    let mut r = Reader::new(body);
    let custom_payload = if header.flags.custom_payload() { Some(r.read_bytes_map("custom payload")?) } else { None };
    let request = Request::decode(opcode, r.rest())?;
    Ok(RequestFrame {
        stream: header.stream,
        extras: RequestExtras { tracing: header.flags.tracing(), custom_payload },
        request,
    })
}

/// Decodes the body of a complete response frame: direction, opcode, decompression, then the
/// tracing id, warnings and custom payload the flags announce, then the message.
pub fn decode_response_body(
    header: &FrameHeader,
    body: &[u8],
    compression: Option<Compression>,
    max_frame_bytes: usize,
) -> Result<ResponseFrame> {
    expect_direction(header, Direction::Response)?;
    let opcode = header.opcode()?;
    let mut scratch = Vec::new();
    let body = plain_body(header, body, compression, max_frame_bytes, &mut scratch)?;
    let mut r = Reader::new(body);
    let flags = header.flags;
    let tracing_id = if flags.tracing() { Some(r.read_uuid("tracing id")?) } else { None };
    let warnings = if flags.warning() { r.read_string_list("warnings")? } else { Vec::new() };
    let custom_payload = if flags.custom_payload() { Some(r.read_bytes_map("custom payload")?) } else { None };
    let response = Response::decode(opcode, r.rest())?;
    Ok(ResponseFrame {
        stream: header.stream,
        extras: ResponseExtras { tracing_id, warnings, custom_payload },
        response,
    })
}

/// A frame being written: its header is in the buffer with a placeholder length.
#[derive(Debug)]
#[must_use = "finish() writes the frame length"]
pub struct FrameStart {
    at: usize,
}

/// Writes a frame header with a placeholder length at the end of `out`; write the body after
/// it (e.g. with [`crate::RowsWriter`]) and call [`FrameStart::finish`].
pub fn begin_frame(
    out: &mut Vec<u8>,
    direction: Direction,
    stream: i16,
    opcode: Opcode,
    flags: FrameFlags,
) -> FrameStart {
    let at = out.len();
    let flags = FrameFlags(flags.0 & !FrameFlags::COMPRESSION);
    // body_len 0 always fits; finish() patches it.
    let header = FrameHeader { direction, flags, stream, opcode: opcode as u8, body_len: 0 };
    if header.encode(out).is_err() {
        out.truncate(at);
    }
    FrameStart { at }
}

impl FrameStart {
    /// Where the body starts in the buffer.
    pub fn body_start(&self) -> usize {
        self.at + HEADER_LEN
    }

    /// Compresses the body if asked (setting the flag) and patches the length. On error the
    /// whole frame is removed from `out`.
    pub fn finish(self, out: &mut Vec<u8>, compression: Option<Compression>) -> Result<()> {
        let result = self.try_finish(out, compression);
        if result.is_err() {
            out.truncate(self.at);
        }
        result
    }

    fn try_finish(&self, out: &mut Vec<u8>, compression: Option<Compression>) -> Result<()> {
        let body_start = self.body_start();
        if let Some(c) = compression {
            let body = out.split_off(body_start.min(out.len()));
            c.compress(&body, out)?;
            if let Some(flags) = out.get_mut(self.at + 1) {
                *flags |= FrameFlags::COMPRESSION;
            }
        }
        let body_len = out.len().saturating_sub(body_start);
        let len = i32::try_from(body_len).map_err(|_| ProtocolError::TooLong {
            what: "frame body",
            length: body_len,
            max: i32::MAX as usize,
        })?;
        if let Some(slot) = out.get_mut(self.at + 5..body_start) {
            slot.copy_from_slice(&len.to_be_bytes());
        }
        Ok(())
    }

    /// Removes the partly written frame.
    pub fn abandon(self, out: &mut Vec<u8>) {
        out.truncate(self.at);
    }
}

/// Appends a whole request frame. STARTUP and OPTIONS are never compressed (the spec forbids
/// it: compression is not negotiated yet).
pub fn encode_request_frame(
    out: &mut Vec<u8>,
    stream: i16,
    extras: &RequestExtras,
    request: &Request,
    compression: Option<Compression>,
) -> Result<()> {
    let mut flags = 0;
    if extras.tracing {
        flags |= FrameFlags::TRACING;
    }
    if extras.custom_payload.is_some() {
        flags |= FrameFlags::CUSTOM_PAYLOAD;
    }
    let frame = begin_frame(out, Direction::Request, stream, request.opcode(), FrameFlags(flags));
    let body = (|| {
        if let Some(payload) = &extras.custom_payload {
            out.write_bytes_map(payload)?;
        }
        request.encode(out)
    })();
    if let Err(e) = body {
        frame.abandon(out);
        return Err(e);
    }
    let compression = compression.filter(|_| !matches!(request, Request::Startup(_) | Request::Options));
    frame.finish(out, compression)
}

/// Appends a whole response frame (use stream -1 for events).
pub fn encode_response_frame(
    out: &mut Vec<u8>,
    stream: i16,
    extras: &ResponseExtras,
    response: &Response,
    compression: Option<Compression>,
) -> Result<()> {
    let mut flags = 0;
    if extras.tracing_id.is_some() {
        flags |= FrameFlags::TRACING;
    }
    if !extras.warnings.is_empty() {
        flags |= FrameFlags::WARNING;
    }
    if extras.custom_payload.is_some() {
        flags |= FrameFlags::CUSTOM_PAYLOAD;
    }
    let frame = begin_frame(out, Direction::Response, stream, response.opcode(), FrameFlags(flags));
    let body = (|| {
        if let Some(id) = &extras.tracing_id {
            out.write_uuid(id);
        }
        if !extras.warnings.is_empty() {
            out.write_string_list(&extras.warnings)?;
        }
        if let Some(payload) = &extras.custom_payload {
            out.write_bytes_map(payload)?;
        }
        response.encode(out)
    })();
    if let Err(e) = body {
        frame.abandon(out);
        return Err(e);
    }
    frame.finish(out, compression)
}

#[cfg(test)]
#[path = "envelope_tests.rs"]
mod tests;
