//! The ERROR response body (spec §4.2.1, codes and extra fields of §9).

use crate::consistency::Consistency;
use crate::error::{unsupported_version_message, Result};
use crate::primitives::{Reader, Writer};

/// The kind of write that timed out or failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteType {
    Simple,
    Batch,
    UnloggedBatch,
    Counter,
    BatchLog,
    Cas,
    View,
    Cdc,
    /// A name this crate does not know, kept as sent.
    Other(String),
}

impl WriteType {
    pub fn as_str(&self) -> &str {
        match self {
            WriteType::Simple => "SIMPLE",
            WriteType::Batch => "BATCH",
            WriteType::UnloggedBatch => "UNLOGGED_BATCH",
            WriteType::Counter => "COUNTER",
            WriteType::BatchLog => "BATCH_LOG",
            WriteType::Cas => "CAS",
            WriteType::View => "VIEW",
            WriteType::Cdc => "CDC",
            WriteType::Other(s) => s,
        }
    }

    pub fn parse(s: &str) -> WriteType {
        match s {
            "SIMPLE" => WriteType::Simple,
            "BATCH" => WriteType::Batch,
            "UNLOGGED_BATCH" => WriteType::UnloggedBatch,
            "COUNTER" => WriteType::Counter,
            "BATCH_LOG" => WriteType::BatchLog,
            "CAS" => WriteType::Cas,
            "VIEW" => WriteType::View,
            "CDC" => WriteType::Cdc,
            other => WriteType::Other(other.to_owned()),
        }
    }
}

/// An error code with the extra fields it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// 0x0000
    Server,
    /// 0x000A
    Protocol,
    /// 0x0100
    BadCredentials,
    /// 0x1000
    Unavailable { consistency: Consistency, required: i32, alive: i32 },
    /// 0x1001
    Overloaded,
    /// 0x1002
    IsBootstrapping,
    /// 0x1003
    TruncateError,
    /// 0x1100
    WriteTimeout { consistency: Consistency, received: i32, block_for: i32, write_type: WriteType },
    /// 0x1200
    ReadTimeout { consistency: Consistency, received: i32, block_for: i32, data_present: bool },
    /// 0x1300
    ReadFailure { consistency: Consistency, received: i32, block_for: i32, num_failures: i32, data_present: bool },
    /// 0x1400
    FunctionFailure { keyspace: String, function: String, arg_types: Vec<String> },
    /// 0x1500
    WriteFailure { consistency: Consistency, received: i32, block_for: i32, num_failures: i32, write_type: WriteType },
    /// 0x2000
    Syntax,
    /// 0x2100
    Unauthorized,
    /// 0x2200
    Invalid,
    /// 0x2300
    Config,
    /// 0x2400: `table` is empty when a keyspace already exists.
    AlreadyExists { keyspace: String, table: String },
    /// 0x2500
    Unprepared { id: Vec<u8> },
    /// A code outside spec §9 (decoding only; e.g. a newer server's), without extra fields.
    Other { code: i32 },
}

impl ErrorKind {
    /// The wire code.
    pub fn code(&self) -> i32 {
        match self {
            ErrorKind::Server => 0x0000,
            ErrorKind::Protocol => 0x000A,
            ErrorKind::BadCredentials => 0x0100,
            ErrorKind::Unavailable { .. } => 0x1000,
            ErrorKind::Overloaded => 0x1001,
            ErrorKind::IsBootstrapping => 0x1002,
            ErrorKind::TruncateError => 0x1003,
            ErrorKind::WriteTimeout { .. } => 0x1100,
            ErrorKind::ReadTimeout { .. } => 0x1200,
            ErrorKind::ReadFailure { .. } => 0x1300,
            ErrorKind::FunctionFailure { .. } => 0x1400,
            ErrorKind::WriteFailure { .. } => 0x1500,
            ErrorKind::Syntax => 0x2000,
            ErrorKind::Unauthorized => 0x2100,
            ErrorKind::Invalid => 0x2200,
            ErrorKind::Config => 0x2300,
            ErrorKind::AlreadyExists { .. } => 0x2400,
            ErrorKind::Unprepared { .. } => 0x2500,
            ErrorKind::Other { code } => *code,
        }
    }
}

/// An ERROR response: `<code><message>` and the code's extra fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorBody {
    pub kind: ErrorKind,
    pub message: String,
}

impl ErrorBody {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ErrorBody { kind, message: message.into() }
    }

    /// The protocol error that answers a frame with an unsupported version (send it in a v4
    /// response header on the offending frame's stream).
    pub fn unsupported_version(version: u8) -> Self {
        ErrorBody::new(ErrorKind::Protocol, unsupported_version_message(version))
    }

    pub fn decode(r: &mut Reader<'_>) -> Result<ErrorBody> {
        let code = r.read_int("error code")?;
        let message = r.read_string("error message")?.to_owned();
        let cl = |r: &mut Reader<'_>| r.read_consistency("error consistency");
        let int = |r: &mut Reader<'_>, what| r.read_int(what);
        let flag = |r: &mut Reader<'_>| r.read_byte("data present").map(|b| b != 0);
        let write_type = |r: &mut Reader<'_>| r.read_string("write type").map(WriteType::parse);
        let kind = match code {
            0x0000 => ErrorKind::Server,
            0x000A => ErrorKind::Protocol,
            0x0100 => ErrorKind::BadCredentials,
            0x1000 => {
                ErrorKind::Unavailable { consistency: cl(r)?, required: int(r, "required")?, alive: int(r, "alive")? }
            }
            0x1001 => ErrorKind::Overloaded,
            0x1002 => ErrorKind::IsBootstrapping,
            0x1003 => ErrorKind::TruncateError,
            0x1100 => ErrorKind::WriteTimeout {
                consistency: cl(r)?,
                received: int(r, "received")?,
                block_for: int(r, "block for")?,
                write_type: write_type(r)?,
            },
            0x1200 => ErrorKind::ReadTimeout {
                consistency: cl(r)?,
                received: int(r, "received")?,
                block_for: int(r, "block for")?,
                data_present: flag(r)?,
            },
            0x1300 => ErrorKind::ReadFailure {
                consistency: cl(r)?,
                received: int(r, "received")?,
                block_for: int(r, "block for")?,
                num_failures: int(r, "failures")?,
                data_present: flag(r)?,
            },
            0x1400 => ErrorKind::FunctionFailure {
                keyspace: r.read_string("keyspace")?.to_owned(),
                function: r.read_string("function")?.to_owned(),
                arg_types: r.read_string_list("argument types")?,
            },
            0x1500 => ErrorKind::WriteFailure {
                consistency: cl(r)?,
                received: int(r, "received")?,
                block_for: int(r, "block for")?,
                num_failures: int(r, "failures")?,
                write_type: write_type(r)?,
            },
            0x2000 => ErrorKind::Syntax,
            0x2100 => ErrorKind::Unauthorized,
            0x2200 => ErrorKind::Invalid,
            0x2300 => ErrorKind::Config,
            0x2400 => ErrorKind::AlreadyExists {
                keyspace: r.read_string("keyspace")?.to_owned(),
                table: r.read_string("table")?.to_owned(),
            },
            0x2500 => ErrorKind::Unprepared { id: r.read_short_bytes("prepared id")?.to_vec() },
            code => ErrorKind::Other { code },
        };
        Ok(ErrorBody { kind, message })
    }

    /// Writes the body. A message longer than a [string] allows is cut at a character boundary
    /// rather than failing the error response itself.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        out.write_int(self.kind.code());
        out.write_string(truncate_utf8(&self.message, usize::from(u16::MAX)))?;
        match &self.kind {
            ErrorKind::Unavailable { consistency, required, alive } => {
                out.write_consistency(*consistency);
                out.write_int(*required);
                out.write_int(*alive);
            }
            ErrorKind::WriteTimeout { consistency, received, block_for, write_type } => {
                out.write_consistency(*consistency);
                out.write_int(*received);
                out.write_int(*block_for);
                out.write_string(write_type.as_str())?;
            }
            ErrorKind::ReadTimeout { consistency, received, block_for, data_present } => {
                out.write_consistency(*consistency);
                out.write_int(*received);
                out.write_int(*block_for);
                out.write_byte(u8::from(*data_present));
            }
            ErrorKind::ReadFailure { consistency, received, block_for, num_failures, data_present } => {
                out.write_consistency(*consistency);
                out.write_int(*received);
                out.write_int(*block_for);
                out.write_int(*num_failures);
                out.write_byte(u8::from(*data_present));
            }
            ErrorKind::FunctionFailure { keyspace, function, arg_types } => {
                out.write_string(keyspace)?;
                out.write_string(function)?;
                out.write_string_list(arg_types)?;
            }
            ErrorKind::WriteFailure { consistency, received, block_for, num_failures, write_type } => {
                out.write_consistency(*consistency);
                out.write_int(*received);
                out.write_int(*block_for);
                out.write_int(*num_failures);
                out.write_string(write_type.as_str())?;
            }
            ErrorKind::AlreadyExists { keyspace, table } => {
                out.write_string(keyspace)?;
                out.write_string(table)?;
            }
            ErrorKind::Unprepared { id } => out.write_short_bytes(id)?,
            _ => {}
        }
        Ok(())
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn truncate_utf8(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}
