//! The engine: tables, the write path, reads, and start-up recovery.
//!
//! Start-up order: load the manifest, open every listed SSTable (and delete files no manifest
//! names: leftovers of a crash mid-flush or mid-compaction), replay the commitlog into
//! memtables, flush them, delete the replayed segments, then start a fresh segment and the
//! background flush and compaction threads.

use crate::commitlog::replay::{self, ReplaySummary};
use crate::commitlog::{CommitLog, CommitLogConfig, Position};
use crate::compaction::strategy::CompactionStrategy;
use crate::config::{EngineConfig, TableOptions};
use crate::encoding::{get_mutation, put_mutation};
use crate::error::{IoContext, Result, StorageError};
use crate::manifest::{self, Manifest, TableEntry};
use crate::memtable::Memtable;
use crate::model::*;
use crate::poison::Poison;
use crate::sstable::reader::SstableReader;
use crate::sstable::Descriptor;
use crate::table::{KeyRange, PartitionScan, Table, TableSettings, View};
use parking_lot::{Condvar, Mutex, RwLock};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct EngineInner {
    pub cfg: EngineConfig,
    pub commitlog: CommitLog,
    pub tables: RwLock<HashMap<TableId, Arc<Table>>>,
    pub manifest: Mutex<Manifest>,
    pub poison: Arc<Poison>,
    /// Bytes in all memtables, live and flushing.
    pub memtable_bytes: AtomicUsize,
    pub memory_lock: Mutex<()>,
    pub memory_cv: Condvar,
    pub next_generation: AtomicU64,
    pub shutdown: AtomicBool,
    pub flush_queue: Mutex<Vec<TableId>>,
    pub flush_cv: Condvar,
    pub compaction_wake: Mutex<bool>,
    pub compaction_cv: Condvar,
}

/// The single-node LSM storage engine.
pub struct Engine {
    pub(crate) inner: Arc<EngineInner>,
    workers: Vec<std::thread::JoinHandle<()>>,
    pub replay_summary: ReplaySummary,
}

impl Engine {
    /// Opens (or creates) the engine under `cfg`'s directories and recovers.
    pub fn open(cfg: EngineConfig) -> Result<Engine> {
        if cfg.max_mutation_size_bytes > cfg.commitlog_segment_size_bytes / 2 {
            return Err(StorageError::Config(
                "max_mutation_size must be at most half of commitlog_segment_size".into(),
            ));
        }
        std::fs::create_dir_all(&cfg.data_dir).ctx(&cfg.data_dir)?;
        std::fs::create_dir_all(&cfg.commitlog_dir).ctx(&cfg.commitlog_dir)?;
        let mut manifest = Manifest::load(&cfg.data_dir)?;
        let poison = Arc::new(Poison::default());

        let mut tables = HashMap::new();
        let mut max_gen = manifest.next_generation.saturating_sub(1);
        for (key, entry) in &manifest.tables {
            let id = manifest::parse_table_key(key)
                .ok_or_else(|| StorageError::corrupt(cfg.data_dir.join(manifest::FILE_NAME), 0, "bad table id"))?;
            let dir = manifest::table_dir(&cfg.data_dir, id, &entry.options);
            std::fs::create_dir_all(&dir).ctx(&dir)?;
            let live: HashSet<u64> = entry.sstables.iter().map(|s| s.generation).collect();
            max_gen = max_gen.max(remove_unlisted_files(&dir, &live)?);
            let mut readers = Vec::new();
            for s in &entry.sstables {
                readers.push(Arc::new(SstableReader::open(Descriptor::new(&dir, s.generation))?));
            }
            let table = new_table(id, dir, entry.options.clone(), readers, entry.replay_from)?;
            tables.insert(id, Arc::new(table));
        }
        manifest.next_generation = max_gen + 1;

        // Replay.
        let mut replayed: HashSet<TableId> = HashSet::new();
        let summary = replay::replay(&cfg.commitlog_dir, cfg.commitlog_ignore_replay_errors, |e| {
            let Some(id_bytes) = e.payload.get(..16) else {
                return Err(StorageError::CommitlogReplay {
                    path: e.path.clone(),
                    offset: e.offset,
                    reason: "entry too short".into(),
                });
            };
            let mut b = [0u8; 16];
            b.copy_from_slice(id_bytes);
            let id = TableId(u128::from_le_bytes(b));
            let Some(t) = tables.get(&id) else { return Ok(()) };
            if e.end <= *t.replay_from.lock() {
                return Ok(());
            }
            let m = get_mutation(&e.payload).map_err(|d| StorageError::CommitlogReplay {
                path: e.path.clone(),
                offset: e.offset,
                reason: format!("undecodable mutation: {}", d.reason),
            })?;
            t.view().memtable.apply(&m);
            replayed.insert(id);
            Ok(())
        })?;
        if let Some((p, off)) = &summary.torn_tail {
            tracing::warn!(path = %p.display(), offset = off, "commitlog ended with a torn entry (expected after a crash)");
        }
        // Segment ids only grow: past every segment on disk and every position a table's
        // replay bound names (even if the log directory was emptied by hand).
        let referenced = manifest.tables.values().map(|e| e.replay_from.segment + 1).max().unwrap_or(1);
        let next_segment = manifest.next_segment_id.max(summary.max_segment_id.map_or(1, |m| m + 1)).max(referenced);
        manifest.next_segment_id = next_segment + 1;
        manifest.store(&cfg.data_dir)?;

        let commitlog = CommitLog::open(
            CommitLogConfig {
                dir: cfg.commitlog_dir.clone(),
                segment_size_bytes: cfg.commitlog_segment_size_bytes,
                sync: cfg.commitlog_sync,
            },
            next_segment,
            Arc::clone(&poison),
        )?;
        let next_generation = AtomicU64::new(manifest.next_generation);
        let inner = Arc::new(EngineInner {
            cfg,
            commitlog,
            tables: RwLock::new(tables),
            manifest: Mutex::new(manifest),
            poison,
            memtable_bytes: AtomicUsize::new(0),
            memory_lock: Mutex::new(()),
            memory_cv: Condvar::new(),
            next_generation,
            shutdown: AtomicBool::new(false),
            flush_queue: Mutex::new(Vec::new()),
            flush_cv: Condvar::new(),
            compaction_wake: Mutex::new(false),
            compaction_cv: Condvar::new(),
        });
        // Make replayed data durable in SSTables, then forget the old segments.
        for id in &replayed {
            let t = inner.tables.read().get(id).cloned();
            if let Some(t) = t {
                let size = t.view().memtable.size_bytes();
                inner.memtable_bytes.fetch_add(size, Ordering::Relaxed);
                crate::flush::flush_table(&inner, &t)?;
            }
        }
        {
            let mut m = inner.manifest.lock();
            let from = Position { segment: next_segment, offset: 0 };
            for entry in m.tables.values_mut() {
                if entry.replay_from < from {
                    entry.replay_from = from;
                }
            }
            m.store(&inner.cfg.data_dir)?;
            for t in inner.tables.read().values() {
                *t.replay_from.lock() = from;
            }
        }
        for p in &summary.segments {
            if let Err(e) = std::fs::remove_file(p) {
                tracing::warn!(path = %p.display(), error = %e, "could not delete replayed segment");
            }
        }
        let mut workers = Vec::new();
        {
            let i = Arc::clone(&inner);
            workers.push(
                std::thread::Builder::new()
                    .name("memtable-flush".into())
                    .spawn(move || {
                        lower_thread_priority(FLUSH_THREAD_NICE);
                        crate::flush::flush_loop(&i)
                    })
                    .map_err(|e| StorageError::io("flush thread", e))?,
            );
        }
        if inner.cfg.background_compaction {
            let i = Arc::clone(&inner);
            workers.push(
                std::thread::Builder::new()
                    .name("compaction".into())
                    .spawn(move || {
                        lower_thread_priority(COMPACTION_THREAD_NICE);
                        crate::compaction::compaction_loop(&i)
                    })
                    .map_err(|e| StorageError::io("compaction thread", e))?,
            );
        }
        Ok(Engine { inner, workers, replay_summary: summary })
    }

    pub fn config(&self) -> &EngineConfig {
        &self.inner.cfg
    }

    /// Creates a table. Creating an existing id with the same options is a no-op.
    pub fn create_table(&self, id: TableId, options: TableOptions) -> Result<()> {
        CompactionStrategy::from_options(&options.compaction).map_err(|e| StorageError::Config(e.to_string()))?;
        let mut tables = self.inner.tables.write();
        if let Some(t) = tables.get(&id) {
            return if t.settings().options == options { Ok(()) } else { Err(StorageError::TableExists(id)) };
        }
        let dir = manifest::table_dir(&self.inner.cfg.data_dir, id, &options);
        std::fs::create_dir_all(&dir).ctx(&dir)?;
        if let Some(parent) = dir.parent() {
            crate::fsutil::fsync_dir(parent)?;
        }
        let from = self.inner.commitlog.current_position();
        {
            let mut m = self.inner.manifest.lock();
            m.tables.insert(
                manifest::table_key(id),
                TableEntry { options: options.clone(), sstables: Vec::new(), replay_from: from },
            );
            m.store(&self.inner.cfg.data_dir)?;
        }
        tables.insert(id, Arc::new(new_table(id, dir, options, Vec::new(), from)?));
        Ok(())
    }

    /// Drops a table and deletes its files (after a snapshot if `auto_snapshot`).
    pub fn drop_table(&self, id: TableId) -> Result<()> {
        let t = self.table(id)?;
        if self.inner.cfg.auto_snapshot {
            self.snapshot_table(&t, &format!("dropped-{}-{}", now_millis(), t.settings().options.name))?;
        }
        let _flush = t.flush_lock.lock();
        let _publish = t.publish_lock.lock();
        t.dropped.store(true, Ordering::Release);
        {
            let mut m = self.inner.manifest.lock();
            m.tables.remove(&manifest::table_key(id));
            m.store(&self.inner.cfg.data_dir)?;
        }
        self.inner.tables.write().remove(&id);
        let view = t.view();
        let freed = view.memtable.size_bytes() + view.flushing.iter().map(|m| m.size_bytes()).sum::<usize>();
        self.inner.release_memory(freed);
        for s in &view.sstables {
            s.desc.delete_files();
        }
        self.inner.commitlog.mark_clean(id, self.inner.commitlog.current_position());
        Ok(())
    }

    /// Removes all data of a table (after a snapshot if `auto_snapshot`).
    pub fn truncate_table(&self, id: TableId) -> Result<()> {
        let t = self.table(id)?;
        if self.inner.cfg.auto_snapshot {
            self.snapshot_table(&t, &format!("truncated-{}-{}", now_millis(), t.settings().options.name))?;
        }
        let _flush = t.flush_lock.lock();
        // Compactions running now must not publish what they read from before the truncate.
        let _publish = t.publish_lock.lock();
        let (old, pos) = {
            let _w = t.write_barrier.write();
            let pos = self.inner.commitlog.current_position();
            let old = t.view();
            t.publish(|_| View { memtable: Arc::new(Memtable::new()), flushing: Vec::new(), sstables: Vec::new() });
            (old, pos)
        };
        // After the empty view is out: a compaction reads the count before its view, so it
        // either saw the old count (and aborts when publishing) or finds its inputs gone.
        t.truncations.fetch_add(1, Ordering::AcqRel);
        {
            let mut m = self.inner.manifest.lock();
            if let Some(e) = m.tables.get_mut(&manifest::table_key(id)) {
                e.sstables.clear();
                e.replay_from = pos;
            }
            m.store(&self.inner.cfg.data_dir)?;
        }
        *t.replay_from.lock() = pos;
        self.inner
            .release_memory(old.memtable.size_bytes() + old.flushing.iter().map(|m| m.size_bytes()).sum::<usize>());
        for s in &old.sstables {
            s.desc.delete_files();
        }
        self.inner.commitlog.mark_clean(id, pos);
        Ok(())
    }

    pub fn table_ids(&self) -> Vec<TableId> {
        self.inner.tables.read().keys().copied().collect()
    }

    pub fn table_options(&self, id: TableId) -> Result<TableOptions> {
        Ok(self.table(id)?.settings().options.clone())
    }

    /// Changes the options of an existing table (CQL `ALTER TABLE ... WITH`): persisted in the
    /// manifest like `create_table`'s, used by every flush and compaction that starts afterwards
    /// (existing SSTables keep their compression and bloom filters until compacted). The
    /// keyspace and table names cannot change: the table's directory is named after them.
    pub fn alter_table(&self, id: TableId, options: TableOptions) -> Result<()> {
        let strategy =
            CompactionStrategy::from_options(&options.compaction).map_err(|e| StorageError::Config(e.to_string()))?;
        let t = self.table(id)?;
        if t.settings().options == options {
            return Ok(());
        }
        // One alteration at a time, and none while the table is dropped.
        let _publish = t.publish_lock.lock();
        if t.dropped.load(Ordering::Acquire) {
            return Err(StorageError::UnknownTable(id));
        }
        let current = t.settings();
        if current.options == options {
            return Ok(());
        }
        if current.options.keyspace != options.keyspace || current.options.name != options.name {
            return Err(StorageError::Config(format!(
                "cannot rename table {}.{} to {}.{}",
                current.options.keyspace, current.options.name, options.keyspace, options.name
            )));
        }
        {
            let mut m = self.inner.manifest.lock();
            let Some(entry) = m.tables.get_mut(&manifest::table_key(id)) else {
                return Err(StorageError::UnknownTable(id));
            };
            entry.options = options.clone();
            m.store(&self.inner.cfg.data_dir)?;
        }
        *t.settings.write() = Arc::new(TableSettings { options, strategy });
        Ok(())
    }

    pub(crate) fn table(&self, id: TableId) -> Result<Arc<Table>> {
        self.inner.table(id)
    }

    /// Applies a mutation durably (per `commitlog_sync`) and atomically within its partition.
    pub fn apply(&self, m: &Mutation) -> Result<()> {
        self.inner.poison.check()?;
        let limit = self.inner.cfg.max_mutation_size_bytes;
        thread_local! {
            static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let t = self.table(m.table)?;
        BUF.with(|b| {
            let mut buf = b.borrow_mut();
            buf.clear();
            put_mutation(&mut buf, m);
            if buf.len() > limit {
                return Err(StorageError::MutationTooLarge { size: buf.len(), limit });
            }
            self.inner.wait_for_memory(&t)?;
            let _shared = t.write_barrier.read();
            let pos = self.inner.commitlog.append(m.table, &buf)?;
            self.inner.commitlog.wait_durable(pos)?;
            let view = t.view();
            let accounted = view.memtable.apply(m);
            self.inner.memtable_bytes.fetch_add(accounted, Ordering::Relaxed);
            if view.memtable.size_bytes() > self.inner.table_flush_threshold() {
                self.inner.request_flush(&t);
            }
            Ok(())
        })
    }

    /// Reads one partition restricted to `slice`. Deletions are included in the result.
    pub fn read(&self, table: TableId, key: &PartitionKey, slice: &Slice) -> Result<Option<PartitionData>> {
        self.table(table)?.read(key, slice)
    }

    /// Scans partitions in `range` in token order.
    pub fn scan(&self, table: TableId, range: KeyRange, slice: Slice) -> Result<PartitionScan> {
        self.table(table)?.scan(range, slice)
    }

    /// Flushes a table's memtable to an SSTable and waits for it.
    pub fn flush(&self, table: TableId) -> Result<()> {
        let t = self.table(table)?;
        crate::flush::flush_table(&self.inner, &t)
    }

    pub fn flush_all(&self) -> Result<()> {
        for id in self.table_ids() {
            self.flush(id)?;
        }
        Ok(())
    }

    /// Major compaction (`nodetool compact`), waiting for it.
    pub fn compact(&self, table: TableId) -> Result<()> {
        let t = self.table(table)?;
        crate::compaction::major_compaction(&self.inner, &t)
    }

    /// Runs background compactions of a table until its strategy has nothing to do.
    pub fn compact_pending(&self, table: TableId) -> Result<usize> {
        let t = self.table(table)?;
        let mut n = 0;
        while crate::compaction::run_one(&self.inner, &t)? {
            n += 1;
        }
        Ok(n)
    }

    /// Live SSTable generations of a table with their levels and sizes (for tools and tests).
    pub fn sstables(&self, table: TableId) -> Result<Vec<(u64, u32, u64)>> {
        Ok(self.table(table)?.view().sstables.iter().map(|s| (s.generation(), s.stats.level, s.disk_bytes())).collect())
    }

    /// Flushes and hard-links every live SSTable of every table into
    /// `<table dir>/snapshots/<tag>/` (`nodetool snapshot`).
    pub fn snapshot(&self, tag: &str) -> Result<Vec<std::path::PathBuf>> {
        if tag.is_empty() || tag.contains('/') || tag.starts_with('.') {
            return Err(StorageError::Config(format!("invalid snapshot name {tag:?}")));
        }
        let mut out = Vec::new();
        for id in self.table_ids() {
            let t = self.table(id)?;
            crate::flush::flush_table(&self.inner, &t)?;
            out.push(self.snapshot_table(&t, tag)?);
        }
        Ok(out)
    }

    fn snapshot_table(&self, t: &Table, tag: &str) -> Result<std::path::PathBuf> {
        let dir = t.dir.join("snapshots").join(tag);
        std::fs::create_dir_all(&dir).ctx(&dir)?;
        let view = t.view();
        let mut files = Vec::new();
        for s in &view.sstables {
            for c in crate::sstable::Component::ALL {
                let src = s.desc.path(c);
                let name = src.file_name().map(|n| n.to_os_string()).unwrap_or_default();
                let dst = dir.join(&name);
                match std::fs::hard_link(&src, &dst) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(StorageError::io(&dst, e)),
                }
                files.push(name.to_string_lossy().into_owned());
            }
        }
        let listing = serde_json::json!({ "files": files }).to_string();
        crate::fsutil::write_atomic(&dir.join("manifest.json"), listing.as_bytes())?;
        Ok(dir)
    }

    /// Total bytes in memtables (live and flushing).
    pub fn memtable_bytes(&self) -> usize {
        self.inner.memtable_bytes.load(Ordering::Relaxed)
    }

    pub fn commitlog_segments(&self) -> usize {
        self.inner.commitlog.segment_count()
    }

    pub fn is_poisoned(&self) -> bool {
        self.inner.poison.is_poisoned()
    }

    /// Marks the engine failed (used when a caller's own fsync failed, and by tests).
    pub fn poison(&self, cause: &str) {
        self.inner.poison.poison(cause);
    }

    /// Flushes every memtable and stops background work (graceful shutdown, `nodetool drain`).
    pub fn shutdown(mut self) -> Result<()> {
        let r = if self.inner.poison.is_poisoned() { Ok(()) } else { self.flush_all() };
        self.stop_workers();
        if r.is_ok() && !self.inner.poison.is_poisoned() {
            // Everything is in SSTables: the next start has nothing to replay.
            self.inner.commitlog.retire_if_clean();
        }
        r
    }

    fn stop_workers(&mut self) {
        self.inner.shutdown.store(true, Ordering::Release);
        self.inner.flush_cv.notify_all();
        self.inner.compaction_cv.notify_all();
        self.inner.memory_cv.notify_all();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// The CPU priority (nice) of the flush thread: below request threads, so a flush competes
/// gently with client requests, but close enough that it keeps up with sustained writes
/// (writers wait for memtable space when it does not).
const FLUSH_THREAD_NICE: i32 = 5;
/// The CPU priority (nice) of the compaction thread: background work, like Cassandra's
/// low-priority compaction executor.
const COMPACTION_THREAD_NICE: i32 = 10;

/// Lowers the calling thread's CPU priority (Linux: per thread). Best effort.
fn lower_thread_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid and setpriority take no pointers; they only read their arguments.
        let r = unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            libc::setpriority(libc::PRIO_PROCESS, tid, nice)
        };
        if r != 0 {
            tracing::debug!(nice, "could not lower a background thread's priority");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.stop_workers();
    }
}

impl EngineInner {
    pub fn table(&self, id: TableId) -> Result<Arc<Table>> {
        self.tables.read().get(&id).cloned().ok_or(StorageError::UnknownTable(id))
    }

    pub fn table_flush_threshold(&self) -> usize {
        ((self.cfg.memtable_space_bytes as f64) * self.cfg.memtable_cleanup_threshold) as usize
    }

    pub fn request_flush(&self, t: &Table) {
        if !t.flush_requested.swap(true, Ordering::AcqRel) {
            self.flush_queue.lock().push(t.id);
            self.flush_cv.notify_one();
        }
    }

    pub fn release_memory(&self, bytes: usize) {
        let _ =
            self.memtable_bytes.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| Some(v.saturating_sub(bytes)));
        let _g = self.memory_lock.lock();
        self.memory_cv.notify_all();
    }

    /// Back-pressure: waits while memtables use all of `memtable_space_bytes`, asking for the
    /// largest memtable to be flushed.
    fn wait_for_memory(&self, t: &Table) -> Result<()> {
        if self.memtable_bytes.load(Ordering::Relaxed) < self.cfg.memtable_space_bytes {
            return Ok(());
        }
        let largest = {
            let tables = self.tables.read();
            tables.values().max_by_key(|x| x.view().memtable.size_bytes()).cloned()
        };
        if let Some(l) = largest {
            if !l.view().memtable.is_empty() {
                self.request_flush(&l);
            }
        } else {
            self.request_flush(t);
        }
        let mut g = self.memory_lock.lock();
        while self.memtable_bytes.load(Ordering::Relaxed) >= self.cfg.memtable_space_bytes {
            self.poison.check()?;
            if self.shutdown.load(Ordering::Acquire) {
                return Err(StorageError::ShuttingDown);
            }
            self.memory_cv.wait_for(&mut g, Duration::from_millis(100));
        }
        Ok(())
    }

    pub fn allocate_generation(&self) -> u64 {
        self.next_generation.fetch_add(1, Ordering::AcqRel)
    }
}

fn new_table(
    id: TableId,
    dir: std::path::PathBuf,
    options: TableOptions,
    sstables: Vec<Arc<SstableReader>>,
    replay_from: Position,
) -> Result<Table> {
    let strategy =
        CompactionStrategy::from_options(&options.compaction).map_err(|e| StorageError::Config(e.to_string()))?;
    Ok(Table {
        id,
        dir,
        settings: RwLock::new(Arc::new(TableSettings { options, strategy })),
        write_barrier: RwLock::new(()),
        view: RwLock::new(Arc::new(View { memtable: Arc::new(Memtable::new()), flushing: Vec::new(), sstables })),
        flush_lock: Mutex::new(()),
        publish_lock: Mutex::new(()),
        truncations: std::sync::atomic::AtomicU64::new(0),
        flush_requested: AtomicBool::new(false),
        compacting: Mutex::new(HashSet::new()),
        replay_from: Mutex::new(replay_from),
        dropped: AtomicBool::new(false),
    })
}

/// Deletes SSTable files in `dir` whose generation the manifest does not list (a crash
/// between writing an SSTable and publishing it, or after publishing a compaction but before
/// deleting its inputs). Returns the largest generation seen.
fn remove_unlisted_files(dir: &std::path::Path, live: &HashSet<u64>) -> Result<u64> {
    let mut max_gen = live.iter().copied().max().unwrap_or(0);
    for ent in std::fs::read_dir(dir).ctx(dir)? {
        let ent = ent.ctx(dir)?;
        let name = ent.file_name().to_string_lossy().into_owned();
        let gen = Descriptor::parse_generation(name.strip_prefix("tmp-").unwrap_or(&name));
        if let Some(g) = gen {
            max_gen = max_gen.max(g);
            if name.starts_with("tmp-") || !live.contains(&g) {
                tracing::info!(file = %name, "removing sstable file not in the manifest");
                if let Err(e) = std::fs::remove_file(ent.path()) {
                    tracing::warn!(file = %name, error = %e, "could not remove stray sstable file");
                }
            }
        }
    }
    Ok(max_gen)
}

pub fn now_millis() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0)
}
