//! Compaction: strategies decide (pure functions in [`strategy`]), the worker here executes.
//!
//! A task merges its input SSTables partition by partition, turns expired cells into
//! tombstones, drops tombstones older than `gc_grace_seconds` that shadow nothing outside the
//! compaction, and writes new SSTables at a limited rate. The outputs are made durable, then
//! published in the manifest and the view in one step, and only then are the inputs deleted.

mod lcs;
mod stcs;
pub mod strategy;
mod twcs;

use crate::engine::EngineInner;
use crate::error::Result;
use crate::manifest::{self, SstableEntry};
use crate::merge::{gc_partition, merge_partitions, GcParams};
use crate::model::*;
use crate::sstable::reader::{SstableReader, SstableScanner};
use crate::sstable::writer::{now_secs, SstableWriter, WriterOptions};
use crate::sstable::Descriptor;
use crate::table::{Table, View};
use std::collections::HashSet;
use std::ops::Bound;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use strategy::{CompactionTask, SstableInfo};

pub(crate) fn compaction_loop(inner: &EngineInner) {
    loop {
        {
            let mut wake = inner.compaction_wake.lock();
            if !*wake && !inner.shutdown.load(Ordering::Acquire) {
                inner.compaction_cv.wait_for(&mut wake, Duration::from_secs(1));
            }
            *wake = false;
        }
        if inner.shutdown.load(Ordering::Acquire) || inner.poison.is_poisoned() {
            return;
        }
        let tables: Vec<Arc<Table>> = inner.tables.read().values().cloned().collect();
        for t in tables {
            if inner.shutdown.load(Ordering::Acquire) {
                return;
            }
            match run_one(inner, &t) {
                Ok(true) => {
                    *inner.compaction_wake.lock() = true;
                }
                Ok(false) => {}
                Err(e) => tracing::error!(table = %t.settings().options.name, error = %e, "compaction failed"),
            }
        }
    }
}

fn infos(view: &View) -> Vec<SstableInfo> {
    view.sstables
        .iter()
        .map(|s| SstableInfo {
            generation: s.generation(),
            size_bytes: s.disk_bytes(),
            level: s.stats.level,
            min_token: sibyl_common::Token(s.stats.min_token),
            max_token: sibyl_common::Token(s.stats.max_token),
            min_timestamp: s.stats.min_timestamp,
            max_timestamp: s.stats.max_timestamp,
            max_local_deletion_time: s.stats.max_local_deletion_time,
            has_non_expiring_data: s.stats.has_non_expiring_data,
            tombstone_count: s.stats.tombstone_count,
            cell_count: s.stats.cell_count,
            partition_count: s.stats.partition_count,
            created_at: s.stats.created_at,
        })
        .collect()
}

/// Runs the next background compaction the table's strategy chooses. Returns whether one ran.
pub(crate) fn run_one(inner: &EngineInner, t: &Arc<Table>) -> Result<bool> {
    let view = t.view();
    let task = {
        let compacting = t.compacting.lock();
        let settings = t.settings();
        settings.strategy.choose(&infos(&view), &compacting, now_secs() as u32, settings.options.gc_grace_seconds)
    };
    // Fully expired SSTables can be dropped only if no memtable holds older data they may
    // shadow (Cassandra counts memtables' minimum timestamp too). Otherwise the rewrite keeps
    // every tombstone and the strategy would choose the same SSTables again, forever.
    if let Some(task) = task.as_ref().filter(|t| t.reason == strategy::CompactionReason::Expired) {
        let mem_min = std::iter::once(&view.memtable).chain(view.flushing.iter()).map(|m| m.min_timestamp()).min();
        let inputs_max =
            view.sstables.iter().filter(|s| task.inputs.contains(&s.generation())).map(|s| s.stats.max_timestamp).max();
        if mem_min.zip(inputs_max).is_some_and(|(mem, inputs)| mem <= inputs) {
            return Ok(false);
        }
    }
    match task {
        Some(task) => {
            execute(inner, t, task)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Major compaction: all SSTables, as the strategy groups them.
pub(crate) fn major_compaction(inner: &EngineInner, t: &Arc<Table>) -> Result<()> {
    let view = t.view();
    let tasks = {
        let compacting = t.compacting.lock();
        t.settings().strategy.choose_major(&infos(&view), &compacting)
    };
    for task in tasks {
        execute(inner, t, task)?;
    }
    Ok(())
}

struct Reservation<'a> {
    t: &'a Table,
    gens: Vec<u64>,
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        let mut c = self.t.compacting.lock();
        for g in &self.gens {
            c.remove(g);
        }
    }
}

fn execute(inner: &EngineInner, t: &Arc<Table>, task: CompactionTask) -> Result<()> {
    inner.poison.check()?;
    let _reservation = {
        let mut c = t.compacting.lock();
        if task.inputs.iter().any(|g| c.contains(g)) {
            return Ok(());
        }
        c.extend(task.inputs.iter().copied());
        Reservation { t, gens: task.inputs.clone() }
    };
    // Read before the view: a truncate between the two would otherwise go unnoticed.
    let epoch = t.truncations.load(Ordering::Acquire);
    let view = t.view();
    let wanted: HashSet<u64> = task.inputs.iter().copied().collect();
    let inputs: Vec<Arc<SstableReader>> =
        view.sstables.iter().filter(|s| wanted.contains(&s.generation())).cloned().collect();
    if inputs.len() != wanted.len() || inputs.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    let input_bytes: u64 = inputs.iter().map(|s| s.disk_bytes()).sum();
    let outputs = write_outputs(inner, t, &view, &inputs, &task)?;

    let output_gens: Vec<u64> = outputs.iter().map(|r| r.generation()).collect();
    let _publish = t.publish_lock.lock();
    if t.truncations.load(Ordering::Acquire) != epoch || t.dropped.load(Ordering::Acquire) {
        for o in &outputs {
            o.desc.delete_files();
        }
        return Ok(());
    }
    {
        let mut m = inner.manifest.lock();
        if let Some(e) = m.tables.get_mut(&manifest::table_key(t.id)) {
            e.sstables.retain(|s| !wanted.contains(&s.generation));
            for r in &outputs {
                e.sstables.push(SstableEntry { generation: r.generation(), level: r.stats.level });
            }
        }
        m.next_generation = m.next_generation.max(inner.next_generation.load(Ordering::Acquire));
        if let Err(err) = m.store(&inner.cfg.data_dir) {
            inner.poison.poison(format!("manifest write failed: {err}"));
            return Err(err);
        }
    }
    t.publish(|v| {
        let mut sstables: Vec<Arc<SstableReader>> =
            v.sstables.iter().filter(|s| !wanted.contains(&s.generation())).cloned().collect();
        sstables.extend(outputs.iter().cloned());
        View { memtable: Arc::clone(&v.memtable), flushing: v.flushing.clone(), sstables }
    });
    for s in &inputs {
        s.desc.delete_files();
    }
    let output_bytes: u64 = outputs.iter().map(|s| s.disk_bytes()).sum();
    tracing::info!(
        table = %t.settings().options.name,
        reason = ?task.reason,
        inputs = ?task.inputs,
        outputs = ?output_gens,
        input_bytes,
        output_bytes,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "compacted"
    );
    Ok(())
}

fn write_outputs(
    inner: &EngineInner,
    t: &Table,
    view: &View,
    inputs: &[Arc<SstableReader>],
    task: &CompactionTask,
) -> Result<Vec<Arc<SstableReader>>> {
    let now = now_secs() as u32;
    let settings = t.settings();
    let options = &settings.options;
    let gc_before = now.saturating_sub(options.gc_grace_seconds);
    let input_gens: HashSet<u64> = inputs.iter().map(|s| s.generation()).collect();
    let others: Vec<&Arc<SstableReader>> =
        view.sstables.iter().filter(|s| !input_gens.contains(&s.generation())).collect();
    let expected: u64 = inputs.iter().map(|s| s.stats.partition_count).sum();
    let mut scanners: Vec<(SstableScanner, Option<(PartitionKey, PartitionData)>)> = Vec::new();
    for s in inputs {
        scanners.push((s.scan_from(Bound::Unbounded)?, None));
    }
    let mut limiter = RateLimiter::new(inner.cfg.compaction_throughput_bytes_per_sec);
    let mut outputs = Vec::new();
    let mut writer: Option<SstableWriter> = None;
    let new_writer = |inner: &EngineInner| -> Result<SstableWriter> {
        SstableWriter::create(
            Descriptor::new(&t.dir, inner.allocate_generation()),
            WriterOptions {
                compression: options.compression,
                block_size_bytes: options.block_size_bytes,
                bloom_fp_chance: options.bloom_filter_fp_chance,
                expected_partitions: expected as usize,
                level: task.output_level,
                commitlog_upper_bound: None,
            },
        )
    };
    loop {
        for (scan, head) in scanners.iter_mut() {
            if head.is_none() {
                if let Some(r) = scan.next() {
                    *head = Some(r?);
                }
            }
        }
        let Some(min) = scanners.iter().filter_map(|(_, h)| h.as_ref().map(|(k, _)| k)).min().cloned() else {
            break;
        };
        let mut parts = Vec::new();
        for (_, head) in scanners.iter_mut() {
            if head.as_ref().is_some_and(|(k, _)| *k == min) {
                if let Some((_, p)) = head.take() {
                    parts.push(p);
                }
            }
        }
        let mut merged = merge_partitions(parts);
        let can_purge = |ts: TimestampMicros| {
            !others.iter().any(|s| s.stats.min_timestamp <= ts && s.may_contain(&min))
                && std::iter::once(&view.memtable)
                    .chain(view.flushing.iter())
                    .all(|m| m.min_timestamp() > ts || !m.contains(&min))
        };
        gc_partition(&mut merged, &GcParams { now, gc_before, can_purge: &can_purge });
        if merged.is_empty() {
            continue;
        }
        if writer.is_none() {
            writer = Some(new_writer(inner)?);
        }
        if let Some(w) = writer.as_mut() {
            let before = w.data_bytes();
            w.add(&min, &merged)?;
            limiter.consume(w.data_bytes().saturating_sub(before));
            if task.max_output_bytes.is_some_and(|max| w.data_bytes() >= max) {
                if let Some(w) = writer.take() {
                    finish_into(w, &t.dir, &mut outputs)?;
                }
            }
        }
        if inner.shutdown.load(Ordering::Acquire) {
            // Abandon: the inputs stay live; temporary outputs are removed.
            if let Some(w) = writer.take() {
                let gen = w.generation();
                drop(w);
                Descriptor::new(&t.dir, gen).delete_files();
            }
            for o in &outputs {
                o.desc.delete_files();
            }
            return Err(crate::error::StorageError::ShuttingDown);
        }
    }
    if let Some(w) = writer.take() {
        finish_into(w, &t.dir, &mut outputs)?;
    }
    Ok(outputs)
}

fn finish_into(w: SstableWriter, dir: &std::path::Path, outputs: &mut Vec<Arc<SstableReader>>) -> Result<()> {
    let gen = w.generation();
    if w.finish()?.is_some() {
        outputs.push(Arc::new(SstableReader::open(Descriptor::new(dir, gen))?));
    }
    Ok(())
}

/// Limits compaction's write rate (`compaction_throughput`).
struct RateLimiter {
    bytes_per_sec: u64,
    started: Instant,
    consumed: u64,
}

impl RateLimiter {
    fn new(bytes_per_sec: u64) -> Self {
        RateLimiter { bytes_per_sec, started: Instant::now(), consumed: 0 }
    }

    fn consume(&mut self, bytes: u64) {
        if self.bytes_per_sec == 0 {
            return;
        }
        self.consumed += bytes;
        let due = Duration::from_secs_f64(self.consumed as f64 / self.bytes_per_sec as f64);
        let elapsed = self.started.elapsed();
        if due > elapsed + Duration::from_millis(5) {
            std::thread::sleep(due - elapsed);
        }
    }
}
