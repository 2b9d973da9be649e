//! sibyl's single-node LSM storage engine.
//!
//! What it is: durable, crash-safe storage for Cassandra-model data (partitions of rows of
//! cells with timestamps, TTLs and tombstones): a shared memory-mapped commitlog, concurrent
//! skip-list memtables, immutable checksummed SSTables, and background compaction
//! (size-tiered, leveled, time-window). What it is not: schema-aware. Keys arrive as bytes
//! (the serialized partition key and the byte-comparable clustering key); the CQL layer above
//! owns types and names.
//!
//! Limits: a mutation is at most `max_mutation_size` (16 MiB by default); a partition is
//! stored whole inside one data block, so very large partitions make large blocks.

pub mod commitlog;
pub mod compaction;
pub mod config;
pub mod encoding;
pub mod engine;
pub mod error;
mod flush;
pub mod fsutil;
pub mod manifest;
pub mod memtable;
pub mod merge;
pub mod model;
pub mod poison;
pub mod sstable;
pub mod table;

pub use commitlog::SyncMode;
pub use config::{EngineConfig, TableOptions};
pub use engine::Engine;
pub use error::{Result, StorageError};
pub use model::*;
pub use sstable::block::Compression;
pub use table::{KeyRange, PartitionScan, RangePoint};
