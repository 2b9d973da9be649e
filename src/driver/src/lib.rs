//! `sibyl-driver`: an async Rust client for sibyl and Apache Cassandra (CQL native protocol v4).
//!
//! What it is: a [`Session`] that connects to the contact points, keeps a pool of connections
//! per node (`SessionBuilder::pool_size`, the least loaded one carries each request),
//! multiplexes many requests over each connection (up to 32768 in flight, one stream id
//! each), runs simple statements, prepared statements (cached by text, prepared on every node
//! that is up, re-prepared transparently when a node forgets them), batches and paged queries
//! (one page at a time, or as a [`RowStream`] of rows), with per-statement consistency, serial
//! consistency, timestamp, page size and tracing. Broken connections are reopened on the next
//! request, with exponential backoff after failures; a request whose connection failed
//! before it was written is sent again, idempotent or not.
//! Errors are one typed enum, [`DriverError`], mirroring the protocol's error codes.
//!
//! Cluster: after connecting, the session reads `system.local`, `system.peers_v2` (or
//! `system.peers` on older servers) and `system_schema.keyspaces` into a
//! [`policy::Topology`] (refreshed on TOPOLOGY, STATUS and SCHEMA events and after DDL, which
//! also waits for schema agreement), connects to discovered nodes on first use, and sends each
//! request along its load-balancing policy's plan (default: token-aware over DC-aware round
//! robin; text statements are token-aware when given a routing key,
//! [`Statement::with_routing_key`]), with its retry policy and optional speculative
//! executions ([`policy`]).
//!
//! Values: every CQL type maps to Rust types ([`value`]); bound values are typed Rust values
//! ([`BoundValues::typed`], serialized with the prepared statement's marker types) or raw
//! serialized bytes, and rows read by column ([`Row::get`]) or into structs ([`impl_from_row!`]).
//! It speaks protocol v4 only, through `sibyl-protocol` (no second codec).
//!
//! # Guide
//!
//! Connect, create a keyspace and a table:
//!
//! ```no_run
//! use sibyl_driver::{DriverError, SessionBuilder};
//!
//! # async fn demo() -> Result<(), DriverError> {
//! let session = SessionBuilder::new().known_node("127.0.0.1:9042").build().await?;
//! session
//!     .query(
//!         "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
//!         (),
//!     )
//!     .await?;
//! session.use_keyspace("ks").await?;
//! session.query("CREATE TABLE IF NOT EXISTS t (k int PRIMARY KEY, v text)", ()).await?;
//! # Ok(()) }
//! ```
//!
//! Insert with bound values: `CqlValue`s on a simple statement (each carries its type), or
//! raw serialized bytes (an `int` is 4 big-endian bytes, `text` its UTF-8 bytes):
//!
//! ```no_run
//! # use sibyl_driver::{BoundValues, DriverError, Session};
//! use sibyl_driver::value::CqlValue;
//! # async fn demo(session: Session) -> Result<(), DriverError> {
//! let values = vec![CqlValue::Int(1), CqlValue::Text("one".into())];
//! session.query("INSERT INTO ks.t (k, v) VALUES (?, ?)", values).await?;
//! let raw = BoundValues::new().with(2i32.to_be_bytes()).with("two");
//! session.query("INSERT INTO ks.t (k, v) VALUES (?, ?)", raw).await?;
//! # Ok(()) }
//! ```
//!
//! Prepared statements with typed values (serialized with the markers' types: `Option` binds
//! null, [`value::Unset`] leaves a column alone), per-statement options, and typed rows:
//!
//! ```no_run
//! # use sibyl_driver::{BoundValues, Consistency, DriverError, Session};
//! # async fn demo(session: Session) -> Result<(), DriverError> {
//! let insert = session.prepare("INSERT INTO ks.t (k, v) VALUES (?, ?)").await?;
//! for k in 0..10i32 {
//!     session.execute(&insert, BoundValues::typed((k, format!("v{k}")))).await?;
//! }
//! session.execute(&insert, BoundValues::typed((10i32, None::<String>))).await?;
//!
//! let select = session.prepare("SELECT k, v FROM ks.t WHERE k = ?").await?.with_consistency(Consistency::One);
//! let result = session.execute(&select, BoundValues::typed((3i32,))).await?;
//! let row = result.first_row().expect("a row");
//! assert_eq!(row.get::<String>("v")?, "v3");
//! assert_eq!(row.get::<Option<String>>("v")?.as_deref(), Some("v3"));
//!
//! // Rows into structs by column name (or into tuples by position).
//! #[derive(Debug)]
//! struct Kv {
//!     k: i32,
//!     v: Option<String>,
//! }
//! sibyl_driver::impl_from_row!(Kv { k, v });
//! let kvs: Vec<Kv> = result.rows_typed().collect::<Result<_, _>>()?;
//! let pairs: Vec<(i32, Option<String>)> = result.into_rows_typed()?;
//! assert_eq!((kvs[0].k, pairs[0].0), (3, 3));
//! # Ok(()) }
//! ```
//!
//! Paging: as a stream of rows fetched page by page, or one page at a time with the state:
//!
//! ```no_run
//! # use sibyl_driver::{DriverError, Session};
//! use futures_util::StreamExt;
//!
//! # async fn demo(session: Session) -> Result<(), DriverError> {
//! let select = session.prepare("SELECT k, v FROM ks.t").await?.with_page_size(100);
//! let mut rows = session.execute_iter(&select, ());
//! while let Some(row) = rows.next().await {
//!     let (k, v): (i32, Option<String>) = row?.into_typed()?;
//!     println!("{k}: {v:?}");
//! }
//!
//! let mut state = None;
//! loop {
//!     let (page, next) = session.execute_paged(&select, (), state).await?;
//!     println!("{} rows", page.rows().len());
//!     match next {
//!         Some(next) => state = Some(next),
//!         None => break,
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! Batches and errors:
//!
//! ```no_run
//! # use sibyl_driver::{Batch, BoundValues, DriverError, Session};
//! # async fn demo(session: Session) -> Result<(), DriverError> {
//! let insert = session.prepare("INSERT INTO ks.t (k, v) VALUES (?, ?)").await?;
//! let batch = Batch::logged().with_statement(&insert).with_statement("DELETE FROM ks.t WHERE k = 0");
//! let values = vec![BoundValues::typed((100i32, "hundred")), BoundValues::new()];
//! session.batch(&batch, values).await?;
//!
//! match session.query("CREATE TABLE ks.t (k int PRIMARY KEY)", ()).await {
//!     Err(DriverError::AlreadyExists { keyspace, table, .. }) => println!("{keyspace}.{table} exists"),
//!     other => println!("{other:?}"),
//! }
//! # Ok(()) }
//! ```
//!
//! Policies: routing, retries and speculative executions are pluggable.
//!
//! ```no_run
//! use std::time::Duration;
//! use sibyl_driver::policy::{ConstantSpeculativeExecution, DcAwareRoundRobin, DefaultRetryPolicy, TokenAware};
//! use sibyl_driver::{DriverError, SessionBuilder};
//!
//! # async fn demo() -> Result<(), DriverError> {
//! let session = SessionBuilder::new()
//!     .known_node("127.0.0.1:9042")
//!     .load_balancing(TokenAware::new(DcAwareRoundRobin::new(Some("dc1".into()))))
//!     .retry_policy(DefaultRetryPolicy)
//!     .speculative_execution(ConstantSpeculativeExecution::new(2, Duration::from_millis(100)))
//!     .build()
//!     .await?;
//! println!("{} nodes", session.topology().nodes().len());
//! session.await_schema_agreement().await?;
//! # Ok(()) }
//! ```
//!
//! Limits: [`MAX_STREAMS_PER_CONNECTION`] requests in flight per connection (more wait for a
//! free stream id), frames up to [`connection::MAX_FRAME_BYTES`], [`MAX_PREPARED_CACHE_ENTRIES`]
//! cached prepared statements.

pub mod builder;
pub mod cluster;
pub mod connection;
mod discovery;
pub mod error;
pub mod paging;
pub mod row;
pub mod session;
pub mod statement;
mod stream_ids;
/// Query traces read back from `system_traces` ([`Session::tracing_info`]).
pub mod tracing;

/// Load balancing (token-aware, DC-aware), retry and speculative-execution policies as pure
/// decisions over a [`policy::Topology`]. The session discovers the topology (`system.local`,
/// `system.peers`, `system_schema.keyspaces`, refreshed on events and DDL) and routes every
/// request with its load-balancing and retry policies ([`SessionBuilder::load_balancing`],
/// [`SessionBuilder::retry_policy`]).
pub mod policy;
/// CQL values and Rust types: [`value::CqlValue`] for every CQL type, `SerializeValue` /
/// `FromCql` / `SerializeRow` / `FromRow` conversions with typed errors, used by [`Row::get`],
/// [`Row::into_typed`], [`QueryResult::rows_typed`] and [`BoundValues::typed`].
pub mod value;

pub use builder::{SessionBuilder, SessionConfig, DEFAULT_PAGE_SIZE, MAX_PREPARED_CACHE_ENTRIES};
pub use cluster::{Cluster, NodeConnections};
pub use connection::{Connection, ConnectionConfig};
pub use error::DriverError;
pub use paging::RowStream;
pub use row::{PagingState, QueryResult, Row};
pub use session::Session;
pub use sibyl_protocol::{BatchType, ColumnSpec, ColumnType, Compression, Consistency, Event, Value};
pub use statement::{Batch, BatchStatement, BoundValues, PreparedStatement, Statement, StatementOptions};
pub use stream_ids::MAX_STREAMS_PER_CONNECTION;
pub use tracing::{TracingEvent, TracingInfo};
