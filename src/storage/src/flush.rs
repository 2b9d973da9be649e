//! Memtable flush: switch the memtable under the write barrier, write it to an SSTable, make
//! the SSTable durable, publish it in the manifest and the view, then let the commitlog forget
//! what it covered.

use crate::engine::EngineInner;
use crate::error::Result;
use crate::manifest::{self, SstableEntry};
use crate::memtable::Memtable;
use crate::sstable::reader::SstableReader;
use crate::sstable::writer::{SstableWriter, WriterOptions};
use crate::sstable::Descriptor;
use crate::table::{Table, View};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

pub(crate) fn flush_loop(inner: &EngineInner) {
    loop {
        let next = {
            let mut q = inner.flush_queue.lock();
            while q.is_empty() && !inner.shutdown.load(Ordering::Acquire) {
                inner.flush_cv.wait_for(&mut q, Duration::from_millis(500));
            }
            if inner.shutdown.load(Ordering::Acquire) {
                return;
            }
            q.remove(0)
        };
        let Ok(t) = inner.table(next) else { continue };
        t.flush_requested.store(false, Ordering::Release);
        if let Err(e) = flush_table(inner, &t) {
            tracing::error!(table = %t.settings().options.name, error = %e, "memtable flush failed");
            if matches!(e, crate::error::StorageError::Io { .. }) {
                inner.poison.poison(format!("flush failed: {e}"));
            }
        }
    }
}

/// Flushes `t`'s current memtable; returns once it is durable and published.
pub(crate) fn flush_table(inner: &EngineInner, t: &Arc<Table>) -> Result<()> {
    inner.poison.check()?;
    let _serial = t.flush_lock.lock();
    if t.dropped.load(Ordering::Acquire) {
        return Ok(());
    }
    let (mem, upto) = {
        let _barrier = t.write_barrier.write();
        let view = t.view();
        if view.memtable.is_empty() {
            return Ok(());
        }
        let upto = inner.commitlog.current_position();
        let mem = Arc::clone(&view.memtable);
        t.publish(|v| {
            let mut flushing = vec![Arc::clone(&mem)];
            flushing.extend(v.flushing.iter().cloned());
            View { memtable: Arc::new(Memtable::new()), flushing, sstables: v.sstables.clone() }
        });
        (mem, upto)
    };
    let result = write_memtable(inner, t, &mem, upto);
    match result {
        Ok(reader) => {
            {
                let mut m = inner.manifest.lock();
                if let Some(e) = m.tables.get_mut(&manifest::table_key(t.id)) {
                    if let Some(r) = &reader {
                        e.sstables.push(SstableEntry { generation: r.generation(), level: 0 });
                    }
                    e.replay_from = upto;
                }
                m.next_generation = m.next_generation.max(inner.next_generation.load(Ordering::Acquire));
                if let Err(err) = m.store(&inner.cfg.data_dir) {
                    inner.poison.poison(format!("manifest write failed: {err}"));
                    return Err(err);
                }
            }
            *t.replay_from.lock() = upto;
            t.publish(|v| {
                let flushing = v.flushing.iter().filter(|m| !Arc::ptr_eq(m, &mem)).cloned().collect();
                let mut sstables = v.sstables.clone();
                if let Some(r) = &reader {
                    sstables.push(Arc::clone(r));
                }
                View { memtable: Arc::clone(&v.memtable), flushing, sstables }
            });
            inner.release_memory(mem.size_bytes());
            inner.commitlog.mark_clean(t.id, upto);
            *inner.compaction_wake.lock() = true;
            inner.compaction_cv.notify_one();
            Ok(())
        }
        Err(e) => {
            // The memtable stays in `flushing` so its data remains readable; the commitlog
            // still holds it. The failure poisons the engine: we cannot know what is on disk.
            inner.poison.poison(format!("flush of {} failed: {e}", t.settings().options.name));
            Err(e)
        }
    }
}

fn write_memtable(
    inner: &EngineInner,
    t: &Table,
    mem: &Memtable,
    upto: crate::commitlog::Position,
) -> Result<Option<Arc<SstableReader>>> {
    let gen = inner.allocate_generation();
    let desc = Descriptor::new(&t.dir, gen);
    let settings = t.settings();
    let options = &settings.options;
    let mut w = SstableWriter::create(
        desc.clone(),
        WriterOptions {
            compression: options.compression,
            block_size_bytes: options.block_size_bytes,
            bloom_fp_chance: options.bloom_filter_fp_chance,
            expected_partitions: mem.partition_count(),
            level: 0,
            commitlog_upper_bound: Some(upto),
        },
    )?;
    mem.for_each_raw(|k, p| w.add_raw(k, p))?;
    match w.finish()? {
        Some(_) => Ok(Some(Arc::new(SstableReader::open(desc)?))),
        None => Ok(None),
    }
}
