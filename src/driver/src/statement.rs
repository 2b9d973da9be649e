//! What a caller runs: a [`Statement`] (CQL text), a [`PreparedStatement`] (a server-side id
//! with its bind-marker and result metadata) and a [`Batch`] of either; each with per-statement
//! options ([`StatementOptions`]) that override the session defaults.

use std::sync::Arc;
use std::time::Duration;

use sibyl_protocol::{BatchType, ColumnSpec, Consistency, PreparedMetadata, RowsMetadata, Value, Values};

/// Options a statement carries; `None` means "the session's default".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementOptions {
    pub consistency: Option<Consistency>,
    /// SERIAL or LOCAL_SERIAL, for conditional (LWT) statements.
    pub serial_consistency: Option<Consistency>,
    /// Client-side write timestamp in microseconds since the epoch (USING TIMESTAMP for the
    /// whole statement); `None` lets the server assign it.
    pub timestamp: Option<i64>,
    /// Rows per page. For `query`/`execute` `None` means unpaged (every row in one result);
    /// for `query_iter`/`execute_iter`/`*_paged` it means the session default page size.
    pub page_size: Option<i32>,
    /// Ask the server to trace the request; the trace id is in `QueryResult::tracing_id`.
    pub tracing: bool,
    /// The statement may safely run twice: the session then retries it on another connection
    /// (or a fresh one) after a connection error.
    pub idempotent: bool,
    /// Overrides the session's request timeout.
    pub request_timeout: Option<Duration>,
}

/// Builder methods shared by [`Statement`], [`PreparedStatement`] and [`Batch`].
macro_rules! option_setters {
    ($ty:ty) => {
        impl $ty {
            /// The options this statement carries.
            pub fn options(&self) -> &StatementOptions {
                &self.options
            }

            /// The options, to change in place.
            pub fn options_mut(&mut self) -> &mut StatementOptions {
                &mut self.options
            }

            /// Sets the consistency level.
            pub fn with_consistency(mut self, consistency: Consistency) -> Self {
                self.options.consistency = Some(consistency);
                self
            }

            /// Sets the serial consistency level (SERIAL or LOCAL_SERIAL).
            pub fn with_serial_consistency(mut self, consistency: Consistency) -> Self {
                self.options.serial_consistency = Some(consistency);
                self
            }

            /// Sets the write timestamp in microseconds since the epoch.
            pub fn with_timestamp(mut self, timestamp_micros: i64) -> Self {
                self.options.timestamp = Some(timestamp_micros);
                self
            }

            /// Sets the page size (rows per page).
            pub fn with_page_size(mut self, page_size: i32) -> Self {
                self.options.page_size = Some(page_size);
                self
            }

            /// Turns server-side tracing on or off.
            pub fn with_tracing(mut self, tracing: bool) -> Self {
                self.options.tracing = tracing;
                self
            }

            /// Marks the statement idempotent (safe to retry after a connection error).
            pub fn with_idempotent(mut self, idempotent: bool) -> Self {
                self.options.idempotent = idempotent;
                self
            }

            /// Overrides the session's request timeout.
            pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
                self.options.request_timeout = Some(timeout);
                self
            }
        }
    };
}

/// A CQL statement sent as text (QUERY), optionally with bound values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub text: String,
    options: StatementOptions,
}

impl Statement {
    pub fn new(text: impl Into<String>) -> Self {
        Statement { text: text.into(), options: StatementOptions::default() }
    }
}

option_setters!(Statement);

impl From<&str> for Statement {
    fn from(text: &str) -> Self {
        Statement::new(text)
    }
}

impl From<String> for Statement {
    fn from(text: String) -> Self {
        Statement::new(text)
    }
}

impl From<&String> for Statement {
    fn from(text: &String) -> Self {
        Statement::new(text.as_str())
    }
}

/// What the server said about a prepared statement (shared by all clones).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PreparedInner {
    pub(crate) text: String,
    /// The keyspace the session was using when it prepared (unqualified names resolve in it).
    pub(crate) keyspace: Option<String>,
    pub(crate) id: Vec<u8>,
    pub(crate) metadata: PreparedMetadata,
    /// The result columns EXECUTE returns (empty for statements without rows).
    pub(crate) result_columns: Arc<[ColumnSpec]>,
}

/// A statement prepared on the server: its id, the specs of its bind markers, which markers
/// form the partition key (for token-aware routing) and the columns its rows will have.
///
/// Cheap to clone (the server metadata is shared); each clone has its own options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedStatement {
    pub(crate) inner: Arc<PreparedInner>,
    options: StatementOptions,
}

impl PreparedStatement {
    pub(crate) fn new(
        text: String,
        keyspace: Option<String>,
        id: Vec<u8>,
        metadata: PreparedMetadata,
        result_metadata: RowsMetadata,
    ) -> Self {
        let result_columns = result_metadata.columns.unwrap_or_default().into();
        PreparedStatement {
            inner: Arc::new(PreparedInner { text, keyspace, id, metadata, result_columns }),
            options: StatementOptions::default(),
        }
    }

    /// The CQL text that was prepared.
    pub fn text(&self) -> &str {
        &self.inner.text
    }

    /// The server's id for the statement (MD5 of keyspace and text in Cassandra).
    pub fn id(&self) -> &[u8] {
        &self.inner.id
    }

    /// One spec per bind marker, in order: the marker's name if named, else the column's.
    pub fn bind_specs(&self) -> &[ColumnSpec] {
        &self.inner.metadata.columns
    }

    /// For each partition-key column in key order, the index of its bind marker; empty when
    /// the key is not fully bound by plain markers. The routing key for token-aware load
    /// balancing is built from these values.
    pub fn pk_indexes(&self) -> &[u16] {
        &self.inner.metadata.pk_indexes
    }

    /// The columns EXECUTE returns rows with (empty for statements without rows).
    pub fn result_specs(&self) -> &[ColumnSpec] {
        &self.inner.result_columns
    }

    /// The keyspace of the bound table, when the server reported one.
    pub fn keyspace(&self) -> Option<&str> {
        self.inner.metadata.columns.first().map(|c| c.keyspace.as_str()).or(self.inner.keyspace.as_deref())
    }

    /// The table of the bind markers, when the statement has any.
    pub fn table(&self) -> Option<&str> {
        self.inner.metadata.columns.first().map(|c| c.table.as_str())
    }
}

option_setters!(PreparedStatement);

/// Values bound to one statement, already serialized to their CQL wire form: a big-endian
/// `int` is `7i32.to_be_bytes()`, `text` is its UTF-8 bytes.
///
/// Extension point: the typed value layer (`crate::value`, in progress) adds conversions from
/// Rust values (tuples of `SerializeCql` types, structs) into `BoundValues`; every session call
/// takes `impl Into<BoundValues>`, so they will work unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoundValues(pub(crate) Values);

impl BoundValues {
    /// No values.
    pub fn new() -> Self {
        BoundValues(Values::None)
    }

    /// Positional values, one per bind marker.
    pub fn positional(values: Vec<Value>) -> Self {
        BoundValues(Values::Positional(values))
    }

    /// Values by bind-marker name (not allowed in batches).
    pub fn named(values: Vec<(String, Value)>) -> Self {
        BoundValues(Values::Named(values))
    }

    /// Appends a positional value (turning `new()` into positional values).
    pub fn push(&mut self, value: Value) {
        match &mut self.0 {
            Values::Positional(v) => v.push(value),
            Values::None => self.0 = Values::Positional(vec![value]),
            Values::Named(v) => v.push((String::new(), value)),
        }
    }

    /// Appends serialized bytes as a positional value.
    pub fn with(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.push(Value::Set(bytes.into()));
        self
    }

    /// Appends a null.
    pub fn with_null(mut self) -> Self {
        self.push(Value::Null);
        self
    }

    /// Appends "not set" (leaves the column unchanged).
    pub fn with_unset(mut self) -> Self {
        self.push(Value::Unset);
        self
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The protocol form.
    pub fn as_values(&self) -> &Values {
        &self.0
    }

    pub(crate) fn into_positional(self) -> Result<Vec<Value>, crate::DriverError> {
        match self.0 {
            Values::None => Ok(Vec::new()),
            Values::Positional(v) => Ok(v),
            Values::Named(_) => {
                Err(crate::DriverError::InvalidArgument("batch statements take positional values only".into()))
            }
        }
    }
}

impl From<()> for BoundValues {
    fn from((): ()) -> Self {
        BoundValues::new()
    }
}

impl From<Vec<Value>> for BoundValues {
    fn from(values: Vec<Value>) -> Self {
        BoundValues::positional(values)
    }
}

impl From<Vec<Vec<u8>>> for BoundValues {
    fn from(values: Vec<Vec<u8>>) -> Self {
        BoundValues::positional(values.into_iter().map(Value::Set).collect())
    }
}

impl<const N: usize> From<[Vec<u8>; N]> for BoundValues {
    fn from(values: [Vec<u8>; N]) -> Self {
        BoundValues::positional(values.into_iter().map(Value::Set).collect())
    }
}

impl From<Values> for BoundValues {
    fn from(values: Values) -> Self {
        BoundValues(values)
    }
}

/// One statement of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchStatement {
    Query(String),
    Prepared(PreparedStatement),
}

impl From<&str> for BatchStatement {
    fn from(text: &str) -> Self {
        BatchStatement::Query(text.to_owned())
    }
}

impl From<String> for BatchStatement {
    fn from(text: String) -> Self {
        BatchStatement::Query(text)
    }
}

impl From<PreparedStatement> for BatchStatement {
    fn from(p: PreparedStatement) -> Self {
        BatchStatement::Prepared(p)
    }
}

impl From<&PreparedStatement> for BatchStatement {
    fn from(p: &PreparedStatement) -> Self {
        BatchStatement::Prepared(p.clone())
    }
}

/// A BATCH: statements applied together (logged: atomically through the batch log).
/// Values are given per statement when the batch runs (`Session::batch`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub batch_type: BatchType,
    pub statements: Vec<BatchStatement>,
    options: StatementOptions,
}

impl Batch {
    pub fn new(batch_type: BatchType) -> Self {
        Batch { batch_type, statements: Vec::new(), options: StatementOptions::default() }
    }

    pub fn logged() -> Self {
        Batch::new(BatchType::Logged)
    }

    pub fn unlogged() -> Self {
        Batch::new(BatchType::Unlogged)
    }

    pub fn counter() -> Self {
        Batch::new(BatchType::Counter)
    }

    /// Appends a statement (text or prepared).
    pub fn append(&mut self, statement: impl Into<BatchStatement>) {
        self.statements.push(statement.into());
    }

    /// Appends a statement, builder style.
    pub fn with_statement(mut self, statement: impl Into<BatchStatement>) -> Self {
        self.append(statement);
        self
    }

    pub fn len(&self) -> usize {
        self.statements.len()
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }
}

option_setters!(Batch);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_values_build_positional_values() {
        let v = BoundValues::new().with(1i32.to_be_bytes()).with_null().with_unset().with("x");
        assert_eq!(
            v.as_values(),
            &Values::Positional(vec![
                Value::Set(vec![0, 0, 0, 1]),
                Value::Null,
                Value::Unset,
                Value::Set(b"x".to_vec())
            ])
        );
        assert_eq!(BoundValues::from(()).as_values(), &Values::None);
        assert!(BoundValues::named(vec![("a".into(), Value::Null)]).into_positional().is_err());
    }

    #[test]
    fn options_are_per_clone() {
        let s = Statement::new("SELECT 1").with_page_size(10).with_consistency(Consistency::One);
        let t = s.clone().with_page_size(20).with_tracing(true);
        assert_eq!(s.options().page_size, Some(10));
        assert_eq!(t.options().page_size, Some(20));
        assert!(t.options().tracing && !s.options().tracing);
        assert_eq!(t.options().consistency, Some(Consistency::One));
    }
}
