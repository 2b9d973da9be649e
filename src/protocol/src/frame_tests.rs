#![allow(clippy::unwrap_used)]

use super::*;
use crate::{
    encode_request_frame, encode_response_frame, unsupported_version_message, ErrorBody, Request, RequestExtras,
    Response, ResponseExtras,
};

const MAX: usize = 1 << 20;

#[test]
fn options_request_frame_is_byte_exact() {
    // Spec §2: version 0x04, flags 0, stream 1, opcode OPTIONS 0x05, length 0.
    let expected = [0x04, 0x00, 0x00, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00];
    let mut out = Vec::new();
    encode_request_frame(&mut out, 1, &RequestExtras::NONE, &Request::Options, None).unwrap();
    assert_eq!(out, expected);
    let FrameStatus::Complete { header, body, frame_len } = decode_frame(&expected, MAX).unwrap() else {
        panic!("complete frame expected");
    };
    assert_eq!(
        header,
        FrameHeader { direction: Direction::Request, flags: FrameFlags(0), stream: 1, opcode: 0x05, body_len: 0 }
    );
    assert_eq!(header.opcode().unwrap(), Opcode::Options);
    assert!(body.is_empty());
    assert_eq!(frame_len, 9);
}

#[test]
fn ready_response_frame_is_byte_exact() {
    let mut out = Vec::new();
    encode_response_frame(&mut out, 0x0102, &ResponseExtras::NONE, &Response::Ready, None).unwrap();
    assert_eq!(out, [0x84, 0x00, 0x01, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00]);
}

#[test]
fn startup_request_frame_is_byte_exact() {
    let mut options = crate::StringMap::new();
    options.insert("CQL_VERSION".into(), "3.0.0".into());
    let mut out = Vec::new();
    encode_request_frame(&mut out, 0, &RequestExtras::NONE, &Request::Startup(options), None).unwrap();
    let mut expected = vec![0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x16];
    expected.extend_from_slice(&[0x00, 0x01, 0x00, 0x0B]);
    expected.extend_from_slice(b"CQL_VERSION");
    expected.extend_from_slice(&[0x00, 0x05]);
    expected.extend_from_slice(b"3.0.0");
    assert_eq!(out, expected);
}

#[test]
fn every_prefix_is_incomplete_with_the_missing_count() {
    let frame = [0x04, 0x00, 0x00, 0x07, 0x09, 0x00, 0x00, 0x00, 0x03, 0xAA, 0xBB, 0xCC];
    for len in 0..frame.len() {
        // Until the header is in, only the header's missing bytes are known.
        let needed = if len < HEADER_LEN { HEADER_LEN - len } else { frame.len() - len };
        assert_eq!(decode_frame(&frame[..len], MAX).unwrap(), FrameStatus::Incomplete { needed });
    }
    // Extra bytes after the frame belong to the next one.
    let mut two = frame.to_vec();
    two.extend_from_slice(&[0x04, 0x00]);
    let FrameStatus::Complete { body, frame_len, .. } = decode_frame(&two, MAX).unwrap() else { panic!() };
    assert_eq!(body, &[0xAA, 0xBB, 0xCC]);
    assert_eq!(frame_len, 12);
}

#[test]
fn other_versions_are_refused_with_the_stream_echoed() {
    for version in [0x42u8, 0x41, 0x05, 0x85, 0x03, 0x83, 0x00, 0x7F, 0xFF, 0xC4, 0x44] {
        let frame = [version, 0x00, 0x12, 0x34, 0x05, 0x00, 0x00, 0x00, 0x00];
        assert_eq!(
            decode_frame(&frame, MAX),
            Err(ProtocolError::UnsupportedVersion { version, stream: 0x1234 }),
            "version {version:#x}"
        );
        // Decided as soon as the stream id has arrived, before the rest of the header.
        assert_eq!(decode_frame(&frame[..4], MAX), Err(ProtocolError::UnsupportedVersion { version, stream: 0x1234 }));
        assert_eq!(decode_frame(&frame[..3], MAX), Ok(FrameStatus::Incomplete { needed: 1 }));
    }
    // v1/v2 headers have a one-byte stream at offset 2.
    let v2 = [0x02, 0x00, 0x05, 0x05, 0x00, 0x00, 0x00, 0x00];
    assert_eq!(decode_frame(&v2, MAX), Err(ProtocolError::UnsupportedVersion { version: 2, stream: 5 }));
    let v1 = [0x01, 0x00, 0xFF, 0x05];
    assert_eq!(decode_frame(&v1, MAX), Err(ProtocolError::UnsupportedVersion { version: 1, stream: -1 }));
}

#[test]
fn unsupported_version_reply_is_a_v4_protocol_error_on_the_same_stream() {
    let err = decode_frame(&[0x42, 0x00, 0x00, 0x09, 0x05, 0, 0, 0, 0], MAX).unwrap_err();
    let ProtocolError::UnsupportedVersion { version, stream } = err else { panic!() };
    let body = ErrorBody::unsupported_version(version);
    assert_eq!(body.message, "Invalid or unsupported protocol version (66); supported versions are (4/v4)");
    assert!(body.message.contains("unsupported protocol version"));
    assert_eq!(err.to_string(), body.message);
    let mut out = Vec::new();
    encode_response_frame(&mut out, stream, &ResponseExtras::NONE, &Response::Error(body), None).unwrap();
    assert_eq!(&out[..5], &[0x84, 0x00, 0x00, 0x09, 0x00]);
    assert_eq!(&out[9..13], &[0x00, 0x00, 0x00, 0x0A]);
    let v5 = unsupported_version_message(0x05);
    assert_eq!(v5, "Invalid or unsupported protocol version (5); supported versions are (4/v4)");
}

#[test]
fn negative_and_oversize_lengths_are_refused_from_the_header() {
    let negative = [0x04, 0x00, 0x00, 0x03, 0x07, 0xFF, 0xFF, 0xFF, 0xFE];
    assert_eq!(decode_frame(&negative, MAX), Err(ProtocolError::NegativeFrameLength { length_bytes: -2, stream: 3 }));
    let huge = [0x04, 0x00, 0x00, 0x03, 0x07, 0x7F, 0xFF, 0xFF, 0xFF];
    assert_eq!(
        decode_frame(&huge, MAX),
        Err(ProtocolError::FrameTooLarge { length_bytes: 0x7FFF_FFFF, max_bytes: MAX, stream: 3 })
    );
    assert_eq!(decode_frame(&huge, MAX).unwrap_err().stream(), Some(3));
    // Exactly the maximum is allowed (and only waits for the body).
    let at_max = [0x04, 0x00, 0x00, 0x03, 0x07, 0x00, 0x10, 0x00, 0x00];
    assert_eq!(decode_frame(&at_max, MAX), Ok(FrameStatus::Incomplete { needed: MAX }));
    let over = [0x04, 0x00, 0x00, 0x03, 0x07, 0x00, 0x10, 0x00, 0x01];
    assert!(matches!(decode_frame(&over, MAX), Err(ProtocolError::FrameTooLarge { .. })));
}

#[test]
fn unknown_flag_bits_are_ignored_and_response_direction_is_read() {
    let frame = [0x84, 0xF0, 0xFF, 0xFF, 0x0C, 0x00, 0x00, 0x00, 0x00];
    let FrameStatus::Complete { header, .. } = decode_frame(&frame, MAX).unwrap() else { panic!() };
    assert_eq!(header.direction, Direction::Response);
    assert_eq!(header.stream, -1);
    assert!(!header.flags.compression() && !header.flags.tracing());
    assert!(!header.flags.custom_payload() && !header.flags.warning());
    assert_eq!(header.opcode(), Ok(Opcode::Event));
}

#[test]
fn opcodes_match_the_spec() {
    let codes = [0x00u8, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10];
    for (op, code) in Opcode::ALL.iter().zip(codes) {
        assert_eq!(*op as u8, code);
        assert_eq!(Opcode::try_from(code), Ok(*op));
    }
    let requests = Opcode::ALL.iter().filter(|o| o.is_request()).count();
    assert_eq!(requests, 8);
    for bad in [0x04u8, 0x11, 0xFF] {
        assert_eq!(Opcode::try_from(bad), Err(ProtocolError::UnknownOpcode { opcode: bad }));
    }
}

#[test]
fn header_round_trips() {
    let header = FrameHeader {
        direction: Direction::Response,
        flags: FrameFlags(FrameFlags::WARNING | FrameFlags::TRACING),
        stream: -32768,
        opcode: Opcode::Result as u8,
        body_len: 3,
    };
    let mut out = Vec::new();
    header.encode(&mut out).unwrap();
    out.extend_from_slice(&[1, 2, 3]);
    let FrameStatus::Complete { header: back, body, .. } = decode_frame(&out, MAX).unwrap() else { panic!() };
    assert_eq!(back, header);
    assert_eq!(body, &[1, 2, 3]);
    assert_eq!(header.frame_len(), 12);
}
