//! The crate's one error type.

/// Everything that can go wrong while decoding or encoding native-protocol bytes.
///
/// Variants carry the facts (what was read, what was allowed) so the message alone tells a
/// client author what to fix. The server maps them to an ERROR response once, through
/// [`ProtocolError::to_error_body`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// The frame header carries a protocol version other than 4. Answer with
    /// [`crate::ErrorBody::unsupported_version`] in a v4 response header on `stream`.
    #[error("{}", unsupported_version_message(*.version))]
    UnsupportedVersion { version: u8, stream: i16 },

    /// The header's body length is negative.
    #[error("invalid frame body length {length_bytes} (negative) on stream {stream}")]
    NegativeFrameLength { length_bytes: i32, stream: i16 },

    /// The header's body length is larger than the configured maximum.
    #[error(
        "frame body of {length_bytes} bytes on stream {stream} exceeds the maximum frame size of {max_bytes} bytes"
    )]
    FrameTooLarge { length_bytes: usize, max_bytes: usize, stream: i16 },

    /// The opcode byte is not one of the 16 v4 opcodes.
    #[error("unknown opcode 0x{opcode:02X}")]
    UnknownOpcode { opcode: u8 },

    /// A valid opcode where the other direction's message was expected (e.g. READY sent to a server).
    #[error("opcode {opcode:?} is not a {expected}")]
    UnexpectedOpcode { opcode: crate::Opcode, expected: &'static str },

    /// A request where a response was expected, or the reverse (bit 0x80 of the version byte).
    #[error("frame has the wrong direction: expected a {expected:?} frame")]
    WrongDirection { expected: crate::Direction },

    /// The body ends before a field does.
    #[error("truncated body: {what} needs {needed} bytes but only {remaining} remain")]
    Truncated { what: &'static str, needed: usize, remaining: usize },

    /// A length or count that must not be negative is.
    #[error("negative length {length} for {what}")]
    NegativeLength { what: &'static str, length: i32 },

    /// A [value] length below -2 (-1 is null, -2 is unset).
    #[error("invalid [value] length {length}: must be >= -2")]
    InvalidValueLength { length: i32 },

    /// An element count that cannot fit in the bytes that remain.
    #[error("{what} count {count} cannot fit in the {remaining} remaining bytes")]
    CountTooLarge { what: &'static str, count: u64, remaining: usize },

    /// Bytes that must be UTF-8 are not.
    #[error("{what} is not valid UTF-8")]
    InvalidUtf8 { what: &'static str },

    #[error("unknown consistency level code 0x{code:04X}")]
    InvalidConsistency { code: u16 },

    /// An [inet]/[inetaddr] address length other than 4 or 16.
    #[error("invalid inet address length {length}: must be 4 or 16")]
    InvalidInetLength { length: u8 },

    #[error("unknown column type option id 0x{id:04X}")]
    UnknownTypeOption { id: u16 },

    /// A column type nested deeper than the decoder allows.
    #[error("column type nested deeper than {max_depth} levels")]
    TypeNestingTooDeep { max_depth: usize },

    #[error("unknown RESULT kind 0x{kind:04X}")]
    UnknownResultKind { kind: i32 },

    #[error("unknown batch type {kind}: must be 0 (logged), 1 (unlogged) or 2 (counter)")]
    UnknownBatchType { kind: u8 },

    #[error("unknown batch statement kind {kind}: must be 0 (query string) or 1 (prepared id)")]
    UnknownBatchStatementKind { kind: u8 },

    #[error("default timestamp {timestamp} is out of range")]
    InvalidTimestamp { timestamp: i64 },

    /// A string field (event type, change type, target...) with a value the spec does not define.
    #[error("invalid {what} '{value}'")]
    UnknownName { what: &'static str, value: String },

    /// Rows metadata whose column specs do not match its column count.
    #[error("rows metadata declares {columns_count} columns but carries {specs} column specs")]
    InconsistentMetadata { columns_count: usize, specs: usize },

    /// A row with a different number of cells than the metadata's column count.
    #[error("row has {cells} cells but the metadata declares {columns_count} columns")]
    RowWidthMismatch { cells: usize, columns_count: usize },

    /// A field too long for its length prefix (encoding only).
    #[error("{what} of {length} is longer than the maximum {max}")]
    TooLong { what: &'static str, length: usize, max: usize },

    #[error("unknown compression algorithm '{name}': supported are lz4 and snappy")]
    UnknownCompression { name: String },

    /// The compression flag is set on a frame but no compression was negotiated.
    #[error("frame has the compression flag but no compression was negotiated in STARTUP")]
    CompressionNotNegotiated,

    /// A body would decompress to more than the caller's limit (decompression bomb guard).
    #[error("decompressed body of {length_bytes} bytes exceeds the limit of {max_bytes} bytes")]
    DecompressedTooLarge { length_bytes: u64, max_bytes: usize },

    #[error("corrupt {algorithm} compressed body: {reason}")]
    Decompression { algorithm: &'static str, reason: String },
}

/// Cassandra's wording for an unsupported protocol version. The Python driver looks for the
/// lower-case text `unsupported protocol version` to step down to v4.
pub fn unsupported_version_message(version: u8) -> String {
    format!("Invalid or unsupported protocol version ({}); supported versions are (4/v4)", version & 0x7F)
}

impl ProtocolError {
    /// The ERROR response that answers this error: always code 0x000A (protocol error) with
    /// this error's text.
    pub fn to_error_body(&self) -> crate::ErrorBody {
        crate::ErrorBody::new(crate::ErrorKind::Protocol, self.to_string())
    }

    /// The stream the failing frame came on, when the header was readable.
    pub fn stream(&self) -> Option<i16> {
        match self {
            ProtocolError::UnsupportedVersion { stream, .. }
            | ProtocolError::NegativeFrameLength { stream, .. }
            | ProtocolError::FrameTooLarge { stream, .. } => Some(*stream),
            _ => None,
        }
    }
}

pub type Result<T, E = ProtocolError> = std::result::Result<T, E>;
