//! `Statistics.db`: what compaction, reads and operators need to know about an SSTable
//! without reading it.

use crate::commitlog::Position;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SstableStats {
    pub partition_count: u64,
    pub row_count: u64,
    pub cell_count: u64,
    /// Cell, row, range, collection and partition tombstones.
    pub tombstone_count: u64,
    /// Cells and row markers with a TTL.
    pub ttl_count: u64,
    /// Whether anything never expires on its own: a live cell or row marker without a TTL.
    /// Only an SSTable without such data can expire as a whole (TWCS drops those).
    pub has_non_expiring_data: bool,
    pub min_timestamp: i64,
    pub max_timestamp: i64,
    /// Latest local deletion time among tombstones and expiring cells (`u32::MAX` if none).
    pub max_local_deletion_time: u32,
    pub min_token: i64,
    pub max_token: i64,
    /// Smallest and largest clustering keys, hex-encoded byte-comparable form.
    pub min_clustering: Option<String>,
    pub max_clustering: Option<String>,
    pub data_size_bytes: u64,
    pub uncompressed_size_bytes: u64,
    pub block_count: u64,
    pub level: u32,
    /// Commitlog position up to which the flushed memtable covered writes (flushes only).
    pub commitlog_upper_bound: Option<Position>,
    /// Seconds since the epoch when written.
    pub created_at: u64,
    pub compression: super::block::Compression,
}
