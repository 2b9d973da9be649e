#![allow(clippy::unwrap_used)]

use super::*;
use crate::messages_tests::{sample_requests, sample_responses};
use crate::{decode_frame, ColumnSpec, ColumnType, FrameStatus, ResultBody, RowsMetadata, RowsWriter};

const MAX: usize = 1 << 20;

fn split(buf: &[u8]) -> (FrameHeader, &[u8]) {
    match decode_frame(buf, MAX).unwrap() {
        FrameStatus::Complete { header, body, frame_len } => {
            assert_eq!(frame_len, buf.len());
            (header, body)
        }
        FrameStatus::Incomplete { needed } => panic!("incomplete, {needed} more"),
    }
}

fn payload() -> BytesMap {
    let mut m = BytesMap::new();
    m.insert("k".into(), Some(vec![1, 2]));
    m.insert("null".into(), None);
    m
}

#[test]
fn request_frames_round_trip_with_every_compression_and_extras() {
    let extras = [RequestExtras::NONE, RequestExtras { tracing: true, custom_payload: Some(payload()) }];
    for compression in [None, Some(Compression::Lz4), Some(Compression::Snappy)] {
        for extras in &extras {
            for req in sample_requests() {
                let mut out = Vec::new();
                encode_request_frame(&mut out, 77, extras, &req, compression).unwrap();
                let (header, body) = split(&out);
                let compressed = compression.is_some() && !matches!(req, Request::Startup(_) | Request::Options);
                assert_eq!(header.flags.compression(), compressed, "{req:?}");
                let frame = decode_request_body(&header, body, compression, MAX).unwrap();
                assert_eq!(frame, RequestFrame { stream: 77, extras: extras.clone(), request: req });
            }
        }
    }
}

#[test]
fn response_frames_round_trip_with_every_compression_and_extras() {
    let extras = [
        ResponseExtras::NONE,
        ResponseExtras {
            tracing_id: Some([3; 16]),
            warnings: vec!["Aggregation query used without partition key".into()],
            custom_payload: Some(payload()),
        },
        ResponseExtras { tracing_id: None, warnings: vec!["w".into()], custom_payload: None },
    ];
    for compression in [None, Some(Compression::Lz4), Some(Compression::Snappy)] {
        for extras in &extras {
            for resp in sample_responses() {
                let mut out = Vec::new();
                encode_response_frame(&mut out, -1, extras, &resp, compression).unwrap();
                let (header, body) = split(&out);
                assert_eq!(header.flags.compression(), compression.is_some());
                let frame = decode_response_body(&header, body, compression, MAX).unwrap();
                assert_eq!(frame, ResponseFrame { stream: -1, extras: extras.clone(), response: resp });
            }
        }
    }
}

#[test]
fn warning_flag_layout_is_byte_exact() {
    let extras = ResponseExtras { tracing_id: None, warnings: vec!["w".into()], custom_payload: None };
    let mut out = Vec::new();
    encode_response_frame(&mut out, 2, &extras, &Response::Ready, None).unwrap();
    assert_eq!(out, [0x84, 0x08, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 0x00, 0x01, b'w']);
}

#[test]
fn compressed_frame_without_negotiation_is_an_error() {
    let mut out = Vec::new();
    let req = Request::Prepare { query: "SELECT 1".into() };
    encode_request_frame(&mut out, 1, &RequestExtras::NONE, &req, Some(Compression::Lz4)).unwrap();
    let (header, body) = split(&out);
    assert_eq!(decode_request_body(&header, body, None, MAX), Err(ProtocolError::CompressionNotNegotiated));
}

#[test]
fn decompression_is_bounded_by_the_frame_limit() {
    let req = Request::Query { query: "x".repeat(4096), params: crate::QueryParameters::new(crate::Consistency::One) };
    let mut out = Vec::new();
    encode_request_frame(&mut out, 1, &RequestExtras::NONE, &req, Some(Compression::Lz4)).unwrap();
    let (header, body) = split(&out);
    assert!(body.len() < 1000);
    let err = decode_request_body(&header, body, Some(Compression::Lz4), 1024).unwrap_err();
    assert!(matches!(err, ProtocolError::DecompressedTooLarge { max_bytes: 1024, .. }));
}

#[test]
fn wrong_direction_and_unknown_opcode_are_errors() {
    let mut out = Vec::new();
    encode_response_frame(&mut out, 1, &ResponseExtras::NONE, &Response::Ready, None).unwrap();
    let (header, body) = split(&out);
    assert_eq!(
        decode_request_body(&header, body, None, MAX),
        Err(ProtocolError::WrongDirection { expected: Direction::Request })
    );
    let bad = [0x04, 0x00, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00];
    let (header, body) = split(&bad);
    assert_eq!(decode_request_body(&header, body, None, MAX), Err(ProtocolError::UnknownOpcode { opcode: 4 }));
}

#[test]
fn rows_streamed_into_a_frame_equal_the_owned_response() {
    let md = RowsMetadata::new(vec![ColumnSpec::new("ks", "t", "v", ColumnType::Blob)]);
    let rows: Vec<Vec<Option<Vec<u8>>>> = (0..100u8).map(|i| vec![Some(vec![i; usize::from(i)])]).collect();
    let resp = Response::Result(ResultBody::Rows(crate::Rows { metadata: md.clone(), rows: rows.clone() }));
    for compression in [None, Some(Compression::Lz4), Some(Compression::Snappy)] {
        let mut expected = vec![9, 9];
        encode_response_frame(&mut expected, 5, &ResponseExtras::NONE, &resp, compression).unwrap();
        let mut out = vec![9, 9];
        let frame = begin_frame(&mut out, Direction::Response, 5, Opcode::Result, FrameFlags::default());
        let mut w = RowsWriter::begin(&mut out, &md).unwrap();
        for row in &rows {
            w.push_row(row.iter().map(Option::as_deref)).unwrap();
        }
        w.finish();
        frame.finish(&mut out, compression).unwrap();
        assert_eq!(out, expected);
        let (header, body) = split(&out[2..]);
        assert_eq!(decode_response_body(&header, body, compression, MAX).unwrap().response, resp);
    }
}

#[test]
fn failed_encoding_leaves_the_buffer_unchanged() {
    let mut out = vec![1, 2, 3];
    let req = Request::Startup([("k".to_string(), "v".repeat(70_000))].into_iter().collect());
    assert!(encode_request_frame(&mut out, 1, &RequestExtras::NONE, &req, None).is_err());
    assert_eq!(out, [1, 2, 3]);
}

#[test]
fn truncated_frames_never_decode() {
    for resp in sample_responses() {
        let mut out = Vec::new();
        encode_response_frame(&mut out, 3, &ResponseExtras::NONE, &resp, Some(Compression::Lz4)).unwrap();
        for cut in 0..out.len() {
            assert!(matches!(decode_frame(&out[..cut], MAX), Ok(FrameStatus::Incomplete { .. })));
        }
        // A body cut short but relabelled as complete must fail cleanly too.
        let (header, body) = split(&out);
        for cut in 0..body.len() {
            let short = FrameHeader { body_len: cut, ..header };
            assert!(decode_response_body(&short, &body[..cut], Some(Compression::Lz4), MAX).is_err());
        }
    }
}
