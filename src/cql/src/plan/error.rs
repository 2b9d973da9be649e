//! The one error type of query processing, with the native protocol error classes.
//!
//! Every refusal carries Cassandra's error class and message: a client (or its driver) reacts
//! to the class (`code()`), a user reads the message. Classes follow section 9 of the native
//! protocol v4 spec.

use crate::error::ParseError;
use crate::value::ValueError;

/// Why a request failed: Cassandra's error class and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CqlError {
    /// `Server error` (0x0000): something went wrong inside the node (storage failure).
    #[error("{0}")]
    Server(String),
    /// `Protocol error` (0x000A).
    #[error("{0}")]
    Protocol(String),
    /// `Unavailable` (0x1000): not enough live replicas for the consistency level.
    #[error("Cannot achieve consistency level {consistency}")]
    Unavailable { consistency: String, required: i32, alive: i32 },
    /// `Overloaded` (0x1001).
    #[error("{0}")]
    Overloaded(String),
    /// `Truncate error` (0x1003).
    #[error("{0}")]
    Truncate(String),
    /// `Write timeout` (0x1100).
    #[error("Operation timed out - received only {received} responses.")]
    WriteTimeout { consistency: String, received: i32, block_for: i32, write_type: String },
    /// `Read timeout` (0x1200).
    #[error("Operation timed out - received only {received} responses.")]
    ReadTimeout { consistency: String, received: i32, block_for: i32, data_present: bool },
    /// `Function failure` (0x1400).
    #[error("{0}")]
    FunctionFailure(String),
    /// `Syntax error` (0x2000).
    #[error("{0}")]
    Syntax(String),
    /// `Unauthorized` (0x2100).
    #[error("{0}")]
    Unauthorized(String),
    /// `Invalid` (0x2200): Cassandra's `InvalidRequestException`.
    #[error("{0}")]
    Invalid(String),
    /// `Config error` (0x2300).
    #[error("{0}")]
    Config(String),
    /// `Already exists` (0x2400); `table` is empty for a keyspace.
    #[error("{message}")]
    AlreadyExists { keyspace: String, table: String, message: String },
    /// `Unprepared` (0x2500): the prepared statement id is unknown.
    #[error("{message}")]
    Unprepared { id: Vec<u8>, message: String },
}

impl CqlError {
    /// An `Invalid` error.
    pub fn invalid(message: impl Into<String>) -> CqlError {
        CqlError::Invalid(message.into())
    }

    /// The native protocol error code.
    pub fn code(&self) -> i32 {
        match self {
            CqlError::Server(_) => 0x0000,
            CqlError::Protocol(_) => 0x000A,
            CqlError::Unavailable { .. } => 0x1000,
            CqlError::Overloaded(_) => 0x1001,
            CqlError::Truncate(_) => 0x1003,
            CqlError::WriteTimeout { .. } => 0x1100,
            CqlError::ReadTimeout { .. } => 0x1200,
            CqlError::FunctionFailure(_) => 0x1400,
            CqlError::Syntax(_) => 0x2000,
            CqlError::Unauthorized(_) => 0x2100,
            CqlError::Invalid(_) => 0x2200,
            CqlError::Config(_) => 0x2300,
            CqlError::AlreadyExists { .. } => 0x2400,
            CqlError::Unprepared { .. } => 0x2500,
        }
    }

    /// The message as the client sees it.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

impl From<ParseError> for CqlError {
    fn from(e: ParseError) -> Self {
        CqlError::Syntax(e.to_string())
    }
}

impl From<ValueError> for CqlError {
    fn from(e: ValueError) -> Self {
        CqlError::Invalid(e.message().to_string())
    }
}

impl From<crate::schema::ddl::DdlError> for CqlError {
    fn from(e: crate::schema::ddl::DdlError) -> Self {
        use crate::schema::ddl::DdlError as D;
        match e {
            D::Invalid(m) => CqlError::Invalid(m),
            D::AlreadyExists { keyspace, table, message } => CqlError::AlreadyExists { keyspace, table, message },
            D::Syntax(m) => CqlError::Syntax(m),
            D::ConfigurationError(m) => CqlError::Config(m),
            D::Unauthorized(m) => CqlError::Unauthorized(m),
        }
    }
}

/// `Err(CqlError::Invalid(..))`.
pub fn invalid<T>(message: impl Into<String>) -> Result<T, CqlError> {
    Err(CqlError::Invalid(message.into()))
}

/// The result type of planning and execution.
pub type CqlResult<T> = Result<T, CqlError>;
