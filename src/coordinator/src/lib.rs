//! sibyl's query processor: executes CQL statements on the local storage engine.
//!
//! What it is: the single-node execution of planned statements (`sibyl_cql::plan`): `INSERT`
//! (also `IF NOT EXISTS`), `UPDATE` and `DELETE` with every collection, counter, UDT and static
//! column operation, conditional writes, batches, and `SELECT` with filtering, ordering,
//! aggregates, grouping, `DISTINCT`, `JSON` and paging; prepared statements with their bind
//! metadata. What it is not (yet): replication, consistency levels, or networking: one engine,
//! one node.
//!
//! Entry point: [`QueryProcessor`]. The table layout in the engine is described in [`mapping`].

pub mod cas;
pub mod clock;
pub mod ddl;
pub mod describe;
pub mod local;
pub mod mapping;
pub mod prepared_cache;
pub mod processor;
pub mod read;
pub mod result;
pub mod rowview;
pub mod schema_store;
pub mod trace;
pub mod virtual_tables;
pub mod write;

pub use clock::{Clock, ManualClock, SystemClock};
pub use describe::{ClusterInfo, RingToken};
pub use processor::{expect_rows, BatchItem, Prepared, QueryProcessor};
pub use result::{QueryOptions, QueryResult, Rows, Value};
pub use sibyl_cql::plan::{BoundValue, ColumnSpec, CqlError, CqlResult};
pub use trace::{Trace, TraceEvent, TraceSession};
