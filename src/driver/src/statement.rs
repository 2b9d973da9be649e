//! What a caller runs: a [`Statement`] (CQL text), a [`PreparedStatement`] (a server-side id
//! with its bind-marker and result metadata) and a [`Batch`] of either; each with per-statement
//! options ([`StatementOptions`]) that override the session defaults.

use std::sync::Arc;
use std::time::Duration;

use sibyl_protocol::{BatchType, ColumnSpec, ColumnType, Consistency, PreparedMetadata, RowsMetadata, Value, Values};

use crate::error::DriverError;
use crate::value::{CqlValue, SerializeRow};

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
///
/// The driver cannot see which values form the partition key of a text statement, so it is
/// routed token-aware only when given its routing key (as the Python driver's
/// `SimpleStatement(routing_key=...)`):
///
/// ```
/// use sibyl_driver::Statement;
/// // A table with PRIMARY KEY ((a, b), c): the serialized a and b, in key order.
/// let s = Statement::new("SELECT * FROM ks.t WHERE a = 1 AND b = 'x'")
///     .with_routing_key([1i32.to_be_bytes().to_vec(), b"x".to_vec()])
///     .with_routing_keyspace("ks");
/// assert!(s.routing_token().is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub text: String,
    options: StatementOptions,
    routing_key: Option<Vec<Vec<u8>>>,
    routing_keyspace: Option<String>,
}

impl Statement {
    pub fn new(text: impl Into<String>) -> Self {
        Statement { text: text.into(), options: StatementOptions::default(), routing_key: None, routing_keyspace: None }
    }

    /// The serialized partition-key values (one per key column, in key order) the statement
    /// is routed by.
    pub fn with_routing_key<I, B>(mut self, components: I) -> Self
    where
        I: IntoIterator<Item = B>,
        B: Into<Vec<u8>>,
    {
        self.routing_key = Some(components.into_iter().map(Into::into).collect());
        self
    }

    /// The keyspace whose replicas the routing key is looked up in (default: the session's).
    pub fn with_routing_keyspace(mut self, keyspace: impl Into<String>) -> Self {
        self.routing_keyspace = Some(keyspace.into());
        self
    }

    /// The keyspace set by [`Statement::with_routing_keyspace`].
    pub fn routing_keyspace(&self) -> Option<&str> {
        self.routing_keyspace.as_deref()
    }

    /// The partition token of the routing key, when one was given.
    pub fn routing_token(&self) -> Option<sibyl_common::Token> {
        let key = self.routing_key.as_ref()?;
        let indexes: Vec<u16> = (0..key.len()).filter_map(|i| u16::try_from(i).ok()).collect();
        crate::policy::routing_token(&indexes, |i| key.get(i).map(Vec::as_slice))
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

    /// Serializes `values` now, against this statement's bind markers: like
    /// [`BoundValues::typed`] but for values that borrow (`&str`, slices of
    /// `&dyn SerializeValue`), and failing here rather than when the statement runs.
    ///
    /// ```no_run
    /// # use sibyl_driver::{DriverError, Session};
    /// # async fn demo(session: Session, name: &str) -> Result<(), DriverError> {
    /// let insert = session.prepare("INSERT INTO ks.users (id, name) VALUES (?, ?)").await?;
    /// session.execute(&insert, insert.bind(&(7i32, name))?).await?;
    /// # Ok(()) }
    /// ```
    pub fn bind(&self, values: &(impl SerializeRow + ?Sized)) -> Result<BoundValues, DriverError> {
        let values = values.serialize_row(self.bind_specs())?;
        Ok(if values.is_empty() { BoundValues::new() } else { BoundValues::positional(values) })
    }

    /// The table of the bind markers, when the statement has any.
    pub fn table(&self) -> Option<&str> {
        self.inner.metadata.columns.first().map(|c| c.table.as_str())
    }
}

option_setters!(PreparedStatement);

/// Values bound to one statement: either already serialized to their CQL wire form (a
/// big-endian `int` is `7i32.to_be_bytes()`, `text` its UTF-8 bytes), or typed Rust values
/// ([`BoundValues::typed`], `Vec<CqlValue>`) that the session serializes against the prepared
/// statement's bind-marker types right before sending.
///
/// Every session call takes `impl Into<BoundValues>`.
///
/// ```
/// use sibyl_driver::value::{CqlValue, Unset};
/// use sibyl_driver::{BoundValues, ColumnSpec, ColumnType, Value};
///
/// let markers = [ColumnSpec::new("ks", "t", "k", ColumnType::Int), ColumnSpec::new("ks", "t", "v", ColumnType::Bigint)];
/// // Tuples, structs with `impl_serialize_row!`, named values...: serialized by marker type.
/// let typed = BoundValues::typed((7i32, Some(8i64)));
/// let values = typed.into_protocol(Some(&markers)).unwrap();
/// assert_eq!(values.len(), 2);
/// // Unset leaves a column as it is; None writes a null.
/// let keep = BoundValues::typed((7i32, Unset)).into_protocol(Some(&markers)).unwrap();
/// let none = BoundValues::typed((7i32, None::<i64>)).into_protocol(Some(&markers)).unwrap();
/// assert_ne!(keep, none);
/// // CqlValues also bind to unprepared statements: each has its natural type.
/// let cql = BoundValues::from(vec![CqlValue::Int(7), CqlValue::Text("x".into())]);
/// assert_eq!(
///     cql.into_protocol(None).unwrap(),
///     sibyl_driver::BoundValues::positional(vec![Value::Set(vec![0, 0, 0, 7]), Value::Set(b"x".to_vec())])
///         .into_protocol(None)
///         .unwrap()
/// );
/// ```
#[derive(Clone, Default)]
pub struct BoundValues(pub(crate) Values, Option<TypedValues>);

/// Typed values waiting for bind specs: the row, and for `CqlValue`s the specs their own
/// types give (used when the statement has no prepared metadata).
#[derive(Clone)]
struct TypedValues {
    row: Arc<dyn SerializeRow + Send + Sync>,
    inferred: Option<Arc<[ColumnSpec]>>,
}

impl BoundValues {
    /// No values.
    pub fn new() -> Self {
        BoundValues(Values::None, None)
    }

    /// Positional values, one per bind marker.
    pub fn positional(values: Vec<Value>) -> Self {
        BoundValues(Values::Positional(values), None)
    }

    /// Values by bind-marker name (not allowed in batches).
    pub fn named(values: Vec<(String, Value)>) -> Self {
        BoundValues(Values::Named(values), None)
    }

    /// Typed values, serialized with the prepared statement's bind-marker types when the
    /// statement runs: a tuple (by position, `Option` for null, [`Unset`](crate::value::Unset)
    /// to leave a column alone), a struct with [`impl_serialize_row!`](crate::impl_serialize_row)
    /// or named values (by marker name), `Vec<CqlValue>`... Conversion errors are
    /// [`DriverError::Value`](crate::DriverError::Value) naming the marker.
    ///
    /// Only prepared statements (alone or in a batch) have marker types; a simple statement
    /// takes serialized values or `CqlValue`s (`BoundValues::from(vec![CqlValue::Int(1)])`).
    pub fn typed(row: impl SerializeRow + Send + Sync + 'static) -> Self {
        BoundValues(Values::None, Some(TypedValues { row: Arc::new(row), inferred: None }))
    }

    /// `CqlValue`s: serialized with the marker types of a prepared statement, or with their
    /// own types ([`CqlValue::column_type`]) for a simple statement (`None` binds null).
    pub fn cql(values: Vec<Option<CqlValue>>) -> Self {
        let inferred = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                ColumnSpec::new("", "", format!("[{i}]"), v.as_ref().map_or(ColumnType::Blob, CqlValue::column_type))
            })
            .collect();
        BoundValues(Values::None, Some(TypedValues { row: Arc::new(values), inferred: Some(inferred) }))
    }

    /// Whether these are typed values not yet serialized (see [`BoundValues::resolve`]).
    pub fn is_typed(&self) -> bool {
        self.1.is_some()
    }

    /// Appends a positional value (turning `new()` into positional values). Typed values
    /// cannot be extended: sending typed values with pushed ones fails.
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

    /// The number of serialized values (0 for typed values not yet serialized).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty() && self.1.is_none()
    }

    /// The protocol form of serialized values (`Values::None` for typed values not yet
    /// serialized: see [`BoundValues::into_protocol`]).
    pub fn as_values(&self) -> &Values {
        &self.0
    }

    /// Serializes typed values against `specs`, the statement's bind markers (`None` for a
    /// simple statement: only `CqlValue`s, which carry their types, can then be bound).
    /// Serialized values are returned as they are.
    pub fn resolve(self, specs: Option<&[ColumnSpec]>) -> Result<BoundValues, DriverError> {
        let Some(typed) = self.1 else { return Ok(self) };
        if !self.0.is_empty() {
            return Err(DriverError::InvalidArgument("typed values cannot be mixed with serialized ones".into()));
        }
        let specs = specs.or(typed.inferred.as_deref()).ok_or_else(|| {
            DriverError::InvalidArgument(
                "typed values need a prepared statement (bind-marker types); bind serialized values or CqlValues \
                 to a simple statement"
                    .into(),
            )
        })?;
        let values = typed.row.serialize_row(specs)?;
        Ok(if values.is_empty() { BoundValues::new() } else { BoundValues::positional(values) })
    }

    /// The protocol values, typed ones serialized against `specs` (see [`BoundValues::resolve`]).
    pub fn into_protocol(self, specs: Option<&[ColumnSpec]>) -> Result<Values, DriverError> {
        Ok(self.resolve(specs)?.0)
    }

    pub(crate) fn into_positional(self) -> Result<Vec<Value>, crate::DriverError> {
        match self.into_protocol(None)? {
            Values::None => Ok(Vec::new()),
            Values::Positional(v) => Ok(v),
            Values::Named(_) => {
                Err(crate::DriverError::InvalidArgument("batch statements take positional values only".into()))
            }
        }
    }
}

impl std::fmt::Debug for BoundValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.1 {
            None => f.debug_tuple("BoundValues").field(&self.0).finish(),
            Some(_) => f.debug_tuple("BoundValues").field(&format_args!("<typed>")).field(&self.0).finish(),
        }
    }
}

/// Serialized values compare by value; typed values are equal only to clones of themselves.
impl PartialEq for BoundValues {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
            && match (&self.1, &other.1) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(&a.row, &b.row),
                _ => false,
            }
    }
}

impl Eq for BoundValues {}

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
        BoundValues(values, None)
    }
}

/// See [`BoundValues::cql`].
impl From<Vec<CqlValue>> for BoundValues {
    fn from(values: Vec<CqlValue>) -> Self {
        BoundValues::cql(values.into_iter().map(Some).collect())
    }
}

/// See [`BoundValues::cql`].
impl From<Vec<Option<CqlValue>>> for BoundValues {
    fn from(values: Vec<Option<CqlValue>>) -> Self {
        BoundValues::cql(values)
    }
}

/// One statement of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchStatement {
    Query(String),
    Prepared(PreparedStatement),
}

impl BatchStatement {
    /// The bind-marker specs of a prepared statement (`None` for a simple one).
    pub fn bind_specs(&self) -> Option<&[ColumnSpec]> {
        match self {
            BatchStatement::Query(_) => None,
            BatchStatement::Prepared(p) => Some(p.bind_specs()),
        }
    }
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
    fn typed_values_serialize_against_specs() {
        use crate::value::{CqlValue, Unset, ValueError};
        let specs =
            vec![ColumnSpec::new("ks", "t", "k", ColumnType::Int), ColumnSpec::new("ks", "t", "v", ColumnType::Bigint)];
        let v = BoundValues::typed((1i32, None::<i64>));
        assert!(v.is_typed() && !v.is_empty() && v.clone() == v);
        assert_eq!(
            v.clone().into_protocol(Some(&specs)),
            Ok(Values::Positional(vec![Value::Set(vec![0, 0, 0, 1]), Value::Null]))
        );
        assert!(matches!(v.into_protocol(None), Err(DriverError::InvalidArgument(_))));
        let unset = BoundValues::typed((1i32, Unset)).resolve(Some(&specs)).expect("unset");
        assert_eq!(unset.as_values(), &Values::Positional(vec![Value::Set(vec![0, 0, 0, 1]), Value::Unset]));
        match BoundValues::typed((1i32, "x")).into_protocol(Some(&specs)) {
            Err(DriverError::Value(e @ ValueError::TypeMismatch { .. })) => assert_eq!(e.column(), Some("v")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            BoundValues::typed((1i32,)).into_protocol(Some(&specs)),
            Err(DriverError::Value(ValueError::ColumnCountMismatch { expected: 2, got: 1 }))
        ));
        // CqlValues: the statement's types when prepared, else their own.
        let cql = BoundValues::from(vec![CqlValue::Int(1), CqlValue::Bigint(2)]);
        assert_eq!(
            cql.clone().into_protocol(None),
            Ok(Values::Positional(vec![Value::Set(vec![0, 0, 0, 1]), Value::Set(2i64.to_be_bytes().to_vec())]))
        );
        assert_eq!(cql.into_protocol(Some(&specs)).expect("cql").len(), 2);
        let nulls = BoundValues::from(vec![None, Some(CqlValue::Text("a".into()))]).into_protocol(None);
        assert_eq!(nulls, Ok(Values::Positional(vec![Value::Null, Value::Set(b"a".to_vec())])));
        assert_eq!(BoundValues::typed(()).into_protocol(Some(&[])), Ok(Values::None));
        // Serialized values pass through; mixing is refused.
        let raw = BoundValues::new().with(vec![1]);
        assert_eq!(raw.clone().resolve(Some(&specs)), Ok(raw));
        let mut mixed = BoundValues::typed((1i32, 2i64));
        mixed.push(Value::Null);
        assert!(mixed.into_protocol(Some(&specs)).is_err());
    }

    #[test]
    fn prepared_statements_bind_borrowed_values() {
        use crate::value::{SerializeValue, ValueError};
        let metadata = PreparedMetadata {
            columns: vec![
                ColumnSpec::new("ks", "t", "k", ColumnType::Int),
                ColumnSpec::new("ks", "t", "v", ColumnType::Varchar),
            ],
            pk_indexes: vec![0],
        };
        let p = PreparedStatement::new("INSERT".into(), None, vec![1], metadata, RowsMetadata::new(Vec::new()));
        let name = String::from("ann");
        let bound = p.bind(&(7i32, name.as_str())).expect("bind");
        assert_eq!(
            bound.as_values(),
            &Values::Positional(vec![Value::Set(vec![0, 0, 0, 7]), Value::Set(b"ann".to_vec())])
        );
        let named: &[(&str, &dyn SerializeValue)] = &[("v", &name), ("k", &7i32)];
        assert_eq!(p.bind(named), Ok(bound));
        assert!(matches!(p.bind(&(name.as_str(), 7i32)), Err(DriverError::Value(ValueError::TypeMismatch { .. }))));
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
