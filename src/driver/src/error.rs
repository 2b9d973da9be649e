//! The driver's one error type: every server error code of the protocol (spec §9) with its
//! fields, plus what can go wrong on the client side (connecting, I/O, timeouts, no host).

use std::net::SocketAddr;
use std::time::Duration;

use sibyl_protocol::{Consistency, ErrorBody, ErrorKind, ProtocolError, WriteType};

/// Everything a driver call can fail with.
///
/// Server errors mirror the protocol's ERROR codes one to one ([`DriverError::code`] gives the
/// code back) and keep the server's message. Client-side errors say which node and what to do.
/// The type is `Clone` because one broken connection fails every request in flight on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriverError {
    // ---- server errors (ERROR response) ----
    /// 0x0000: the server hit an unexpected error (a server bug).
    #[error("server error: {0}")]
    Server(String),
    /// 0x000A: the server could not understand a frame the driver sent (a driver bug).
    #[error("protocol error reported by the server: {0}")]
    Protocol(String),
    /// 0x0100: authentication failed (wrong user name or password).
    #[error("bad credentials: {0}")]
    BadCredentials(String),
    /// 0x1000: not enough replicas alive to reach the consistency level; nothing was applied.
    #[error("unavailable: {consistency} needs {required} replicas but {alive} are alive: {message}")]
    Unavailable { consistency: Consistency, required: i32, alive: i32, message: String },
    /// 0x1001: the coordinator is overloaded; retry later or on another node.
    #[error("overloaded: {0}")]
    Overloaded(String),
    /// 0x1002: the coordinator is still bootstrapping.
    #[error("node is bootstrapping: {0}")]
    IsBootstrapping(String),
    /// 0x1003: a TRUNCATE failed.
    #[error("truncate failed: {0}")]
    TruncateError(String),
    /// 0x1100: replicas did not acknowledge a write in time (the write may still be applied).
    #[error(
        "write timeout: {received} of {block_for} replicas acknowledged a {write_type:?} write \
         at {consistency}: {message}"
    )]
    WriteTimeout { consistency: Consistency, received: i32, block_for: i32, write_type: WriteType, message: String },
    /// 0x1200: replicas did not answer a read in time.
    #[error(
        "read timeout: {received} of {block_for} replicas answered at {consistency} \
         (data present: {data_present}): {message}"
    )]
    ReadTimeout { consistency: Consistency, received: i32, block_for: i32, data_present: bool, message: String },
    /// 0x1300: replicas failed a read (e.g. too many tombstones).
    #[error(
        "read failure: {num_failures} replicas failed, {received} of {block_for} answered at {consistency}: {message}"
    )]
    ReadFailure {
        consistency: Consistency,
        received: i32,
        block_for: i32,
        num_failures: i32,
        data_present: bool,
        message: String,
    },
    /// 0x1400: a user-defined function threw.
    #[error("function {keyspace}.{function}({}) failed: {message}", arg_types.join(", "))]
    FunctionFailure { keyspace: String, function: String, arg_types: Vec<String>, message: String },
    /// 0x1500: replicas failed a write.
    #[error(
        "write failure: {num_failures} replicas failed a {write_type:?} write, {received} of {block_for} \
         acknowledged at {consistency}: {message}"
    )]
    WriteFailure {
        consistency: Consistency,
        received: i32,
        block_for: i32,
        num_failures: i32,
        write_type: WriteType,
        message: String,
    },
    /// 0x2000: the statement is not valid CQL.
    #[error("syntax error: {0}")]
    Syntax(String),
    /// 0x2100: the logged-in user may not do this.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 0x2200: the statement is valid CQL but invalid (unknown table, wrong types...).
    #[error("invalid query: {0}")]
    Invalid(String),
    /// 0x2300: the statement conflicts with the configuration.
    #[error("configuration error: {0}")]
    Config(String),
    /// 0x2400: CREATE of a keyspace (`table` empty) or table that exists.
    #[error("already exists: {keyspace}{}{table}: {message}", if table.is_empty() { "" } else { "." })]
    AlreadyExists { keyspace: String, table: String, message: String },
    /// 0x2500: the node does not know this prepared id. The session re-prepares transparently
    /// once; seeing this means the re-prepare did not help.
    #[error("unprepared statement (id {}): {message}", hex(id))]
    Unprepared { id: Vec<u8>, message: String },
    /// An error code this driver does not know.
    #[error("server error code 0x{code:04X}: {message}")]
    OtherServerError { code: i32, message: String },

    // ---- client-side errors ----
    /// Opening a TCP connection failed.
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: SocketAddr, reason: String },
    /// Opening a connection (TCP and handshake) took longer than the connect timeout.
    #[error("connecting to {addr} timed out after {timeout:?}")]
    ConnectTimeout { addr: SocketAddr, timeout: Duration },
    /// The connection failed (I/O error, peer closed it, undecodable frame); every request in
    /// flight on it fails with this. The session reconnects on the next request.
    #[error("connection to {addr} broken: {reason}")]
    ConnectionBroken { addr: SocketAddr, reason: String },
    /// The connection failed before the request was handed to the socket: the node never saw
    /// it, so it may be sent again anywhere, idempotent or not.
    #[error("request not sent to {addr}: {reason}")]
    NotSent { addr: SocketAddr, reason: String },
    /// The connection was closed by this side (session or connection dropped).
    #[error("connection to {addr} closed")]
    ConnectionClosed { addr: SocketAddr },
    /// No response within the request timeout. The request may still be executed.
    #[error("request to {addr} timed out after {timeout:?}")]
    RequestTimeout { addr: SocketAddr, timeout: Duration },
    /// Every node of the query plan failed; one error per attempt, in order.
    #[error("no host available: {}", describe_attempts(errors))]
    NoHostAvailable { errors: Vec<(SocketAddr, DriverError)> },
    /// A contact point did not resolve to any address.
    #[error("cannot resolve {host}: {reason}")]
    Resolve { host: String, reason: String },
    /// The server asked for authentication but no credentials were configured.
    #[error("{addr} requires authentication with {authenticator}; set SessionBuilder::credentials")]
    AuthenticationRequired { addr: SocketAddr, authenticator: String },
    /// A frame could not be encoded or decoded.
    #[error("protocol codec error: {0}")]
    Codec(#[from] ProtocolError),
    /// The server answered with a message that makes no sense for the request.
    #[error("unexpected response to {request}: {response}")]
    UnexpectedResponse { request: &'static str, response: String },
    /// A caller-side mistake (wrong number of batch values, named values in a batch...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A query trace was not complete within the wait ([`Session::tracing_info`](crate::Session::tracing_info)).
    #[error("{0}")]
    TraceUnavailable(String),
    /// A row has no column of that name.
    #[error("no column named {name:?} in the result")]
    NoSuchColumn { name: String },
    /// A value could not be converted to or from its CQL type (the error names the column).
    #[error("{0}")]
    Value(#[from] crate::value::ValueError),
}

impl DriverError {
    /// The protocol error code for server errors, `None` for client-side errors.
    pub fn code(&self) -> Option<i32> {
        use DriverError as E;
        Some(match self {
            E::Server(_) => 0x0000,
            E::Protocol(_) => 0x000A,
            E::BadCredentials(_) => 0x0100,
            E::Unavailable { .. } => 0x1000,
            E::Overloaded(_) => 0x1001,
            E::IsBootstrapping(_) => 0x1002,
            E::TruncateError(_) => 0x1003,
            E::WriteTimeout { .. } => 0x1100,
            E::ReadTimeout { .. } => 0x1200,
            E::ReadFailure { .. } => 0x1300,
            E::FunctionFailure { .. } => 0x1400,
            E::WriteFailure { .. } => 0x1500,
            E::Syntax(_) => 0x2000,
            E::Unauthorized(_) => 0x2100,
            E::Invalid(_) => 0x2200,
            E::Config(_) => 0x2300,
            E::AlreadyExists { .. } => 0x2400,
            E::Unprepared { .. } => 0x2500,
            E::OtherServerError { code, .. } => *code,
            _ => return None,
        })
    }

    /// Whether the error is about the connection rather than the request: the request may be
    /// retried on another connection if it is idempotent.
    pub fn is_connection_error(&self) -> bool {
        matches!(
            self,
            DriverError::Connect { .. }
                | DriverError::ConnectTimeout { .. }
                | DriverError::ConnectionBroken { .. }
                | DriverError::ConnectionClosed { .. }
                | DriverError::NotSent { .. }
        )
    }
}

impl From<ErrorBody> for DriverError {
    fn from(body: ErrorBody) -> Self {
        let message = body.message;
        match body.kind {
            ErrorKind::Server => DriverError::Server(message),
            ErrorKind::Protocol => DriverError::Protocol(message),
            ErrorKind::BadCredentials => DriverError::BadCredentials(message),
            ErrorKind::Unavailable { consistency, required, alive } => {
                DriverError::Unavailable { consistency, required, alive, message }
            }
            ErrorKind::Overloaded => DriverError::Overloaded(message),
            ErrorKind::IsBootstrapping => DriverError::IsBootstrapping(message),
            ErrorKind::TruncateError => DriverError::TruncateError(message),
            ErrorKind::WriteTimeout { consistency, received, block_for, write_type } => {
                DriverError::WriteTimeout { consistency, received, block_for, write_type, message }
            }
            ErrorKind::ReadTimeout { consistency, received, block_for, data_present } => {
                DriverError::ReadTimeout { consistency, received, block_for, data_present, message }
            }
            ErrorKind::ReadFailure { consistency, received, block_for, num_failures, data_present } => {
                DriverError::ReadFailure { consistency, received, block_for, num_failures, data_present, message }
            }
            ErrorKind::FunctionFailure { keyspace, function, arg_types } => {
                DriverError::FunctionFailure { keyspace, function, arg_types, message }
            }
            ErrorKind::WriteFailure { consistency, received, block_for, num_failures, write_type } => {
                DriverError::WriteFailure { consistency, received, block_for, num_failures, write_type, message }
            }
            ErrorKind::Syntax => DriverError::Syntax(message),
            ErrorKind::Unauthorized => DriverError::Unauthorized(message),
            ErrorKind::Invalid => DriverError::Invalid(message),
            ErrorKind::Config => DriverError::Config(message),
            ErrorKind::AlreadyExists { keyspace, table } => DriverError::AlreadyExists { keyspace, table, message },
            ErrorKind::Unprepared { id } => DriverError::Unprepared { id, message },
            ErrorKind::Other { code } => DriverError::OtherServerError { code, message },
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn describe_attempts(errors: &[(SocketAddr, DriverError)]) -> String {
    if errors.is_empty() {
        return "no node was tried (is the contact point list empty?)".to_owned();
    }
    errors.iter().map(|(addr, e)| format!("[{addr}: {e}]")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_kind_maps_to_its_code() {
        let kinds = [
            ErrorKind::Server,
            ErrorKind::Protocol,
            ErrorKind::BadCredentials,
            ErrorKind::Unavailable { consistency: Consistency::Quorum, required: 2, alive: 1 },
            ErrorKind::Overloaded,
            ErrorKind::IsBootstrapping,
            ErrorKind::TruncateError,
            ErrorKind::WriteTimeout {
                consistency: Consistency::One,
                received: 0,
                block_for: 1,
                write_type: WriteType::Simple,
            },
            ErrorKind::ReadTimeout { consistency: Consistency::One, received: 0, block_for: 1, data_present: false },
            ErrorKind::ReadFailure {
                consistency: Consistency::One,
                received: 0,
                block_for: 1,
                num_failures: 1,
                data_present: false,
            },
            ErrorKind::FunctionFailure { keyspace: "ks".into(), function: "f".into(), arg_types: vec!["int".into()] },
            ErrorKind::WriteFailure {
                consistency: Consistency::One,
                received: 0,
                block_for: 1,
                num_failures: 1,
                write_type: WriteType::Batch,
            },
            ErrorKind::Syntax,
            ErrorKind::Unauthorized,
            ErrorKind::Invalid,
            ErrorKind::Config,
            ErrorKind::AlreadyExists { keyspace: "ks".into(), table: "t".into() },
            ErrorKind::Unprepared { id: vec![1, 2] },
            ErrorKind::Other { code: 0x7777 },
        ];
        for kind in kinds {
            let code = kind.code();
            let err = DriverError::from(ErrorBody::new(kind, "msg"));
            assert_eq!(err.code(), Some(code), "{err:?}");
            assert!(!err.is_connection_error());
        }
    }

    #[test]
    fn fields_are_kept() {
        let body = ErrorBody::new(ErrorKind::AlreadyExists { keyspace: "ks".into(), table: "t".into() }, "exists");
        assert_eq!(
            DriverError::from(body),
            DriverError::AlreadyExists { keyspace: "ks".into(), table: "t".into(), message: "exists".into() }
        );
        let body = ErrorBody::new(ErrorKind::Unavailable { consistency: Consistency::All, required: 3, alive: 1 }, "m");
        let err = DriverError::from(body);
        assert_eq!(err.to_string(), "unavailable: ALL needs 3 replicas but 1 are alive: m");
    }
}
