//! Fuzzes the native-protocol codec with arbitrary bytes: frame headers, request and response
//! bodies (with every opcode), flag prefixes and LZ4/Snappy decompression. Nothing may panic,
//! decompression may never exceed its limit, and whatever decodes must re-encode to bytes
//! that decode to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sibyl_protocol::{
    decode_frame, decode_request_body, decode_response_body, encode_request_frame, encode_response_frame, Compression,
    FrameStatus, Opcode, Request, RequestFrame, Response, ResponseFrame,
};

/// Small, so that hostile lengths hit the limit often.
const MAX_FRAME_BYTES: usize = 64 * 1024;

fn request_round_trip(frame: &RequestFrame, compression: Option<Compression>) {
    let mut out = Vec::new();
    encode_request_frame(&mut out, frame.stream, &frame.extras, &frame.request, compression)
        .expect("a decoded request re-encodes");
    let again = match decode_frame(&out, usize::MAX) {
        Ok(FrameStatus::Complete { header, body, .. }) => decode_request_body(&header, body, compression, usize::MAX),
        other => panic!("re-encoded request frame does not decode: {other:?}"),
    };
    assert_eq!(again.as_ref(), Ok(frame), "request round trip");
}

fn response_round_trip(frame: &ResponseFrame, compression: Option<Compression>) {
    let mut out = Vec::new();
    encode_response_frame(&mut out, frame.stream, &frame.extras, &frame.response, compression)
        .expect("a decoded response re-encodes");
    let again = match decode_frame(&out, usize::MAX) {
        Ok(FrameStatus::Complete { header, body, .. }) => decode_response_body(&header, body, compression, usize::MAX),
        other => panic!("re-encoded response frame does not decode: {other:?}"),
    };
    assert_eq!(again.as_ref(), Ok(frame), "response round trip");
}

fn bodies(body: &[u8]) {
    for opcode in Opcode::ALL {
        if let Ok(req) = Request::decode(opcode, body) {
            let mut out = Vec::new();
            req.encode(&mut out).expect("a decoded request body re-encodes");
            assert_eq!(Request::decode(opcode, &out).as_ref(), Ok(&req));
        }
        if let Ok(resp) = Response::decode(opcode, body) {
            let mut out = Vec::new();
            resp.encode(&mut out).expect("a decoded response body re-encodes");
            assert_eq!(Response::decode(opcode, &out).as_ref(), Ok(&resp));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let compression = match mode & 0x03 {
        1 => Some(Compression::Lz4),
        2 => Some(Compression::Snappy),
        _ => None,
    };

    if let Some(c) = compression {
        let mut out = Vec::new();
        if c.decompress(rest, MAX_FRAME_BYTES, &mut out).is_ok() {
            assert!(out.len() <= MAX_FRAME_BYTES);
        }
        assert!(out.capacity() <= MAX_FRAME_BYTES.max(64), "decompression allocated {}", out.capacity());
    }

    // A stream of frames, as a connection would see it.
    let mut buf = rest;
    while let Ok(FrameStatus::Complete { header, body, frame_len }) = decode_frame(buf, MAX_FRAME_BYTES) {
        assert_eq!(frame_len, 9 + body.len());
        if let Ok(frame) = decode_request_body(&header, body, compression, MAX_FRAME_BYTES) {
            request_round_trip(&frame, compression);
        }
        if let Ok(frame) = decode_response_body(&header, body, compression, MAX_FRAME_BYTES) {
            response_round_trip(&frame, compression);
        }
        if mode & 0x04 != 0 {
            bodies(body);
        }
        let Some(next) = buf.get(frame_len..) else { break };
        buf = next;
    }

    // The raw bytes as a message body of every opcode.
    if mode & 0x08 != 0 {
        bodies(rest);
    }
});
