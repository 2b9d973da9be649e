//! Engine and per-table configuration, named after `cassandra.yaml` and CQL table options.

use crate::commitlog::SyncMode;
use crate::sstable::block::Compression;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// `data_file_directories` (the first one).
    pub data_dir: PathBuf,
    /// `commitlog_directory`.
    pub commitlog_dir: PathBuf,
    /// `commitlog_sync` with its period or window.
    pub commitlog_sync: SyncMode,
    /// `commitlog_segment_size`.
    pub commitlog_segment_size_bytes: usize,
    /// `max_mutation_size`: larger mutations are rejected before anything is written.
    pub max_mutation_size_bytes: usize,
    /// `memtable_heap_space`: all memtables together (live and flushing); writers wait when
    /// it is exhausted, so memory stays bounded.
    pub memtable_space_bytes: usize,
    /// `memtable_cleanup_threshold`: a table's memtable is flushed when it holds this share of
    /// `memtable_space_bytes`.
    pub memtable_cleanup_threshold: f64,
    /// `compaction_throughput` in bytes per second; 0 means unthrottled.
    pub compaction_throughput_bytes_per_sec: u64,
    /// Skip corrupt commitlog entries at start-up instead of refusing to start. Data in them
    /// is lost; off by default (Cassandra's `cassandra.commitlog.ignorereplayerrors`).
    pub commitlog_ignore_replay_errors: bool,
    /// `auto_snapshot`: snapshot a table before TRUNCATE or DROP.
    pub auto_snapshot: bool,
    /// Run background flush and compaction threads (tests may drive them by hand).
    pub background_compaction: bool,
}

impl EngineConfig {
    /// Cassandra's defaults, with data under `root/data` and the log under `root/commitlog`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        let root = root.into();
        EngineConfig {
            data_dir: root.join("data"),
            commitlog_dir: root.join("commitlog"),
            commitlog_sync: SyncMode::Periodic { period: Duration::from_secs(10) },
            commitlog_segment_size_bytes: sibyl_common::limits::DEFAULT_COMMITLOG_SEGMENT_SIZE_BYTES,
            max_mutation_size_bytes: sibyl_common::limits::DEFAULT_MAX_MUTATION_SIZE_BYTES,
            memtable_space_bytes: 256 * 1024 * 1024,
            memtable_cleanup_threshold: 0.25,
            compaction_throughput_bytes_per_sec: 64 * 1024 * 1024,
            commitlog_ignore_replay_errors: false,
            auto_snapshot: true,
            background_compaction: true,
        }
    }
}

/// The storage-relevant options of a table, persisted in the engine's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableOptions {
    pub keyspace: String,
    pub name: String,
    pub compression: Compression,
    /// `compression = {'chunk_length_in_kb': ..}`, in bytes.
    pub block_size_bytes: usize,
    pub bloom_filter_fp_chance: f64,
    pub gc_grace_seconds: u32,
    /// `compaction = {'class': ..., ...}` as given.
    pub compaction: BTreeMap<String, String>,
}

impl TableOptions {
    pub fn new(keyspace: impl Into<String>, name: impl Into<String>) -> Self {
        TableOptions {
            keyspace: keyspace.into(),
            name: name.into(),
            compression: Compression::Zstd,
            block_size_bytes: 16 * 1024,
            bloom_filter_fp_chance: 0.01,
            gc_grace_seconds: sibyl_common::limits::DEFAULT_GC_GRACE_SECONDS,
            compaction: BTreeMap::from([("class".to_string(), "SizeTieredCompactionStrategy".to_string())]),
        }
    }
}
