//! The commitlog: segmented, memory-mapped, shared by all tables.
//!
//! `append` copies a CRC'd entry into the active segment's mapping and returns the position
//! after it; the write is then in the kernel's hands. How `wait_durable` behaves is the
//! `commitlog_sync` mode: `periodic` returns at once (a background thread msyncs every
//! period), `batch` waits for an msync that starts after the write, `group` waits for the next
//! msync, which runs at most once per window. A failed msync poisons the engine.
//!
//! Each segment remembers, per table, the offset of the last entry it holds for that table.
//! When a table's memtable is durable in an SSTable up to a position, `mark_clean` forgets the
//! table in older segments; a sealed segment with no dirty table is deleted.

pub mod replay;
pub mod segment;

use crate::error::{Result, StorageError};
use crate::model::TableId;
use crate::poison::Poison;
use parking_lot::{Condvar, Mutex};
use segment::{Segment, SegmentSyncer, ENTRY_OVERHEAD_BYTES, HEADER_BYTES};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A position in the log: segment id, byte offset within the segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct Position {
    pub segment: u64,
    pub offset: u32,
}

/// `commitlog_sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncMode {
    /// Acknowledge after the kernel has the entry; msync every `period`.
    Periodic { period: Duration },
    /// Acknowledge after an msync covering the entry.
    Batch,
    /// Acknowledge after the next group msync; at most one per `window`.
    Group { window: Duration },
}

impl SyncMode {
    fn waits(&self) -> bool {
        !matches!(self, SyncMode::Periodic { .. })
    }
}

#[derive(Debug, Clone)]
pub struct CommitLogConfig {
    pub dir: PathBuf,
    pub segment_size_bytes: usize,
    pub sync: SyncMode,
}

struct SealedSegment {
    id: u64,
    path: PathBuf,
    dirty: HashMap<TableId, u32>,
    syncer: SegmentSyncer,
    synced_to: usize,
    written_to: usize,
}

struct Active {
    segment: Segment,
    write_pos: usize,
    synced_to: usize,
    dirty: HashMap<TableId, u32>,
}

struct Inner {
    active: Active,
    sealed: Vec<SealedSegment>,
    next_id: u64,
    /// Set by `retire_if_clean`: the log is closed.
    retired: bool,
}

struct SyncState {
    /// Everything before this position is durable.
    synced: Position,
    /// Highest position a writer waits for.
    requested: Position,
    shutdown: bool,
}

struct Shared {
    cfg: CommitLogConfig,
    inner: Mutex<Inner>,
    sync: Mutex<SyncState>,
    synced_cv: Condvar,
    request_cv: Condvar,
    poison: Arc<Poison>,
}

pub struct CommitLog {
    shared: Arc<Shared>,
    syncer: Option<std::thread::JoinHandle<()>>,
}

impl CommitLog {
    /// Starts a fresh active segment with id `next_id` (replay has already consumed older ones).
    pub fn open(cfg: CommitLogConfig, next_id: u64, poison: Arc<Poison>) -> Result<CommitLog> {
        std::fs::create_dir_all(&cfg.dir).map_err(|e| StorageError::io(&cfg.dir, e))?;
        let segment = Segment::create(&cfg.dir, next_id, cfg.segment_size_bytes)?;
        let start = Position { segment: next_id, offset: HEADER_BYTES as u32 };
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                active: Active { segment, write_pos: HEADER_BYTES, synced_to: HEADER_BYTES, dirty: HashMap::new() },
                sealed: Vec::new(),
                next_id: next_id + 1,
                retired: false,
            }),
            sync: Mutex::new(SyncState { synced: start, requested: start, shutdown: false }),
            synced_cv: Condvar::new(),
            request_cv: Condvar::new(),
            poison,
            cfg,
        });
        let s2 = Arc::clone(&shared);
        let syncer = std::thread::Builder::new()
            .name("commitlog-sync".into())
            .spawn(move || sync_loop(&s2))
            .map_err(|e| StorageError::io("commitlog-sync thread", e))?;
        Ok(CommitLog { shared, syncer: Some(syncer) })
    }

    /// Largest payload one entry can carry.
    pub fn max_payload_bytes(&self) -> usize {
        self.shared.cfg.segment_size_bytes - HEADER_BYTES - ENTRY_OVERHEAD_BYTES - 8
    }

    /// Appends one entry for `table`; returns the position just after it.
    pub fn append(&self, table: TableId, payload: &[u8]) -> Result<Position> {
        self.shared.poison.check()?;
        let total = payload.len() + ENTRY_OVERHEAD_BYTES;
        if payload.len() > self.max_payload_bytes() {
            return Err(StorageError::MutationTooLarge { size: payload.len(), limit: self.max_payload_bytes() });
        }
        let len = payload.len() as u32;
        let mut head = [0u8; 8];
        head[..4].copy_from_slice(&len.to_le_bytes());
        let len_crc = crc32c::crc32c(&len.to_le_bytes());
        head[4..].copy_from_slice(&len_crc.to_le_bytes());
        let crc = crc32c::crc32c(payload).to_le_bytes();

        let mut inner = self.shared.inner.lock();
        if inner.retired {
            return Err(StorageError::ShuttingDown);
        }
        // Keep 8 zero bytes after the last entry so a reader always finds a terminator.
        if inner.active.write_pos + total + 8 > inner.active.segment.capacity() {
            self.roll(&mut inner)?;
        }
        let a = &mut inner.active;
        let at = a.write_pos;
        a.segment.reserve(at + total + 8)?;
        a.segment.write_at(at, &head);
        a.segment.write_at(at + 8, payload);
        a.segment.write_at(at + 8 + payload.len(), &crc);
        a.segment.release_written_pages(at);
        a.write_pos = at + total;
        a.dirty.insert(table, at as u32);
        Ok(Position { segment: a.segment.id, offset: a.write_pos as u32 })
    }

    fn roll(&self, inner: &mut Inner) -> Result<()> {
        let id = inner.next_id;
        let fresh = Segment::create(&self.shared.cfg.dir, id, self.shared.cfg.segment_size_bytes)?;
        inner.next_id += 1;
        let old = std::mem::replace(
            &mut inner.active,
            Active { segment: fresh, write_pos: HEADER_BYTES, synced_to: HEADER_BYTES, dirty: HashMap::new() },
        );
        old.segment.release_resident_pages();
        inner.sealed.push(SealedSegment {
            id: old.segment.id,
            path: old.segment.path.clone(),
            syncer: old.segment.syncer(),
            dirty: old.dirty,
            synced_to: old.synced_to,
            written_to: old.write_pos,
        });
        self.shared.request_cv.notify_one();
        Ok(())
    }

    /// Blocks until `pos` is durable if the sync mode requires it.
    pub fn wait_durable(&self, pos: Position) -> Result<()> {
        if !self.shared.cfg.sync.waits() {
            return Ok(());
        }
        let mut st = self.shared.sync.lock();
        if st.requested < pos {
            st.requested = pos;
            self.shared.request_cv.notify_one();
        }
        while st.synced < pos {
            self.shared.poison.check()?;
            if st.shutdown {
                return Err(StorageError::ShuttingDown);
            }
            self.shared.synced_cv.wait(&mut st);
        }
        Ok(())
    }

    /// The position the next entry will be written at.
    pub fn current_position(&self) -> Position {
        let inner = self.shared.inner.lock();
        Position { segment: inner.active.segment.id, offset: inner.active.write_pos as u32 }
    }

    /// Forgets `table`'s entries before `upto` (they are durable elsewhere) and deletes
    /// sealed segments nothing depends on any more.
    pub fn mark_clean(&self, table: TableId, upto: Position) {
        let mut doomed = Vec::new();
        {
            let mut inner = self.shared.inner.lock();
            let clean = |id: u64, dirty: &mut HashMap<TableId, u32>| {
                if id < upto.segment || (id == upto.segment && dirty.get(&table).is_some_and(|off| *off < upto.offset))
                {
                    dirty.remove(&table);
                }
            };
            for s in inner.sealed.iter_mut() {
                clean(s.id, &mut s.dirty);
            }
            let id = inner.active.segment.id;
            clean(id, &mut inner.active.dirty);
            inner.sealed.retain(|s| {
                if s.dirty.is_empty() {
                    doomed.push(s.path.clone());
                    false
                } else {
                    true
                }
            });
        }
        for p in doomed {
            match std::fs::remove_file(&p) {
                Ok(()) => tracing::debug!(path = %p.display(), "deleted clean commitlog segment"),
                Err(e) => tracing::warn!(path = %p.display(), error = %e, "could not delete commitlog segment"),
            }
        }
    }

    /// After a graceful shutdown made every table durable in SSTables: deletes the last
    /// segment if nothing in the log is still needed, and refuses appends from then on.
    /// Returns whether the log is now empty.
    pub fn retire_if_clean(&self) -> bool {
        let mut inner = self.shared.inner.lock();
        if !inner.sealed.is_empty() || !inner.active.dirty.is_empty() {
            return false;
        }
        inner.retired = true;
        match std::fs::remove_file(&inner.active.segment.path) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(path = %inner.active.segment.path.display(), error = %e, "could not delete clean commitlog segment");
                false
            }
        }
    }

    /// Number of segment files currently held (sealed and active).
    pub fn segment_count(&self) -> usize {
        self.shared.inner.lock().sealed.len() + 1
    }

    /// Syncs everything written so far.
    pub fn sync_now(&self) -> Result<()> {
        sync_all(&self.shared)
    }
}

impl Drop for CommitLog {
    fn drop(&mut self) {
        {
            let mut st = self.shared.sync.lock();
            st.shutdown = true;
        }
        self.shared.request_cv.notify_all();
        if let Some(h) = self.syncer.take() {
            let _ = h.join();
        }
        if let Err(e) = sync_all(&self.shared) {
            tracing::error!(error = %e, "final commitlog sync failed");
        }
        self.shared.synced_cv.notify_all();
    }
}

fn sync_loop(shared: &Shared) {
    let mut last_sync = Instant::now();
    loop {
        {
            let mut st = shared.sync.lock();
            if st.shutdown {
                return;
            }
            match shared.cfg.sync {
                SyncMode::Periodic { period } => {
                    let deadline = last_sync + period;
                    while !st.shutdown && Instant::now() < deadline {
                        shared.request_cv.wait_until(&mut st, deadline);
                    }
                }
                SyncMode::Batch => {
                    while !st.shutdown && st.requested <= st.synced {
                        shared.request_cv.wait(&mut st);
                    }
                }
                SyncMode::Group { window } => {
                    while !st.shutdown && st.requested <= st.synced {
                        shared.request_cv.wait(&mut st);
                    }
                    let deadline = last_sync + window;
                    while !st.shutdown && Instant::now() < deadline {
                        shared.request_cv.wait_until(&mut st, deadline);
                    }
                }
            }
            if st.shutdown {
                return;
            }
        }
        last_sync = Instant::now();
        if let Err(e) = sync_all(shared) {
            tracing::error!(error = %e, "commitlog sync failed; poisoning the engine");
            shared.poison.poison(e.to_string());
            shared.synced_cv.notify_all();
            return;
        }
    }
}

/// msyncs every written, unsynced range and advances the synced position.
fn sync_all(shared: &Shared) -> Result<()> {
    shared.poison.check()?;
    let (jobs, upto, active_id) = {
        let inner = shared.inner.lock();
        let mut jobs: Vec<(SegmentSyncer, usize, usize)> = inner
            .sealed
            .iter()
            .filter(|s| s.synced_to < s.written_to)
            .map(|s| (s.syncer.clone(), s.synced_to, s.written_to))
            .collect();
        let a = &inner.active;
        jobs.push((a.segment.syncer(), a.synced_to, a.write_pos));
        (jobs, Position { segment: a.segment.id, offset: a.write_pos as u32 }, a.segment.id)
    };
    for (syncer, from, to) in &jobs {
        if let Err(e) = syncer.sync(*from, *to) {
            shared.poison.poison(e.to_string());
            return Err(e);
        }
    }
    {
        let mut inner = shared.inner.lock();
        for s in inner.sealed.iter_mut() {
            if let Some((_, _, to)) = jobs.iter().find(|(j, _, _)| j.path == s.path) {
                s.synced_to = s.synced_to.max(*to);
            }
        }
        if inner.active.segment.id == active_id {
            inner.active.synced_to = inner.active.synced_to.max(upto.offset as usize);
        }
    }
    let mut st = shared.sync.lock();
    if st.synced < upto {
        st.synced = upto;
    }
    drop(st);
    shared.synced_cv.notify_all();
    Ok(())
}
