//! The CQL native protocol, version 4: frames, messages and compression as plain bytes.
//!
//! What it is: a codec shared by sibyl's server and a future client driver. It decodes and
//! encodes the 9-byte frame header ([`decode_frame`], [`FrameHeader`]), every request
//! ([`Request`]: STARTUP, OPTIONS, QUERY, PREPARE, EXECUTE, REGISTER, BATCH, AUTH_RESPONSE)
//! and every response ([`Response`]: ERROR with all §9 codes, READY, AUTHENTICATE, SUPPORTED,
//! RESULT of every kind, EVENT, AUTH_CHALLENGE, AUTH_SUCCESS), the frame flags' body prefixes
//! (tracing id, warnings, custom payload) and LZ4 / Snappy body compression.
//!
//! What it is not: it does no I/O, owns no socket, spawns nothing and reads no clock. The
//! caller reads bytes, asks [`decode_frame`] whether a whole frame is there, and writes what
//! the encoders append to its buffer. It speaks v4 only: any other version is reported with
//! the stream id so the server can answer "unsupported protocol version" in a v4 header (the
//! Python driver then steps down to v4 by itself); v5 framing (segments with CRCs) is not here.
//! It does not interpret values: cells and bound values are opaque serialized bytes.
//!
//! Limits, all enforced before allocating:
//! * a frame body longer than the caller's `max_frame_bytes` (the spec's ceiling is
//!   [`SPEC_MAX_FRAME_BYTES`]) is refused from its header;
//! * every length and element count is checked against the bytes that remain in the body, so a
//!   hostile count (e.g. 2^31 rows) cannot pre-allocate or loop past the body;
//! * column types nest at most [`MAX_TYPE_DEPTH`] deep;
//! * decompression refuses a stated size above the caller's limit, or one the compressed
//!   input could not produce.
//!
//! Decoding never panics on any input (fuzzed: `fuzz/fuzz_targets/frame_decoder.rs`).
//! Decoders ignore trailing bytes after a message, as the spec asks of implementations.
//!
//! Typical server loop, per connection:
//! ```
//! use sibyl_protocol::*;
//! let mut inbound = vec![0x04, 0x00, 0x00, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00]; // OPTIONS, stream 1
//! let mut outbound = Vec::new();
//! match decode_frame(&inbound, 1 << 20) {
//!     Ok(FrameStatus::Complete { header, body, frame_len }) => {
//!         let frame = decode_request_body(&header, body, None, 1 << 20).expect("valid");
//!         assert_eq!(frame.request, Request::Options);
//!         let supported = Response::Supported(Default::default());
//!         encode_response_frame(&mut outbound, frame.stream, &ResponseExtras::NONE, &supported, None)
//!             .expect("encodable");
//!         inbound.drain(..frame_len);
//!     }
//!     Ok(FrameStatus::Incomplete { .. }) => { /* read more */ }
//!     Err(e) => {
//!         // e.stream() is known for header errors: answer e.to_error_body(), then close.
//!     }
//! }
//! ```

mod batch;
mod compression;
mod consistency;
mod envelope;
mod error;
mod error_body;
mod event;
mod frame;
pub mod primitives;
mod query_params;
mod request;
mod response;
mod result;
mod rows;
mod types;

pub use batch::{Batch, BatchQuery, BatchStatement, BatchType};
pub use compression::Compression;
pub use consistency::Consistency;
pub use envelope::{
    begin_frame, decode_request_body, decode_response_body, encode_request_frame, encode_response_frame, FrameStart,
    RequestExtras, RequestFrame, ResponseExtras, ResponseFrame,
};
pub use error::{unsupported_version_message, ProtocolError, Result};
pub use error_body::{ErrorBody, ErrorKind, WriteType};
pub use event::{
    Event, EventType, SchemaChange, SchemaChangeTarget, SchemaChangeType, StatusChangeType, TopologyChangeType,
};
pub use frame::{
    decode_frame, Direction, FrameFlags, FrameHeader, FrameStatus, Opcode, HEADER_LEN, PROTOCOL_VERSION,
    REQUEST_VERSION, RESPONSE_VERSION, SPEC_MAX_FRAME_BYTES,
};
pub use primitives::{BytesMap, Reader, StringMap, StringMultimap, Value, Writer};
pub use query_params::{QueryParameters, Values};
pub use request::Request;
pub use response::Response;
pub use result::{Prepared, PreparedMetadata, ResultBody};
pub use rows::{encode_rows_content, ColumnSpec, Row, Rows, RowsMetadata, RowsWriter, MAX_EMPTY_ROWS};
pub use types::{ColumnType, MAX_TYPE_DEPTH};

/// Flag constants of `<query_parameters>` and of rows metadata.
pub mod flags {
    pub use crate::query_params::flags as query;
    pub use crate::rows::flags as rows;
}

#[cfg(test)]
mod messages_tests;
