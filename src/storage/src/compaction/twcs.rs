//! Time-window compaction (Cassandra's `TimeWindowCompactionStrategy`).
//!
//! Each SSTable belongs to the time window holding its largest write timestamp: windows are
//! `compaction_window_size` units long and aligned to the epoch. Windows are considered from
//! the newest: in the newest window, SSTables are size-tiered (`min_threshold`, the STCS
//! bucket options); any older window with at least 2 SSTables is compacted whole (its
//! `max_threshold` smallest), so that each past window ends as one SSTable. The first window
//! found eligible, newest first, is compacted. SSTables whose every cell has expired past
//! `gc_grace_seconds`, and that shadow no older live data, are added to whatever is chosen
//! (alone if nothing else is: [`CompactionReason::Expired`]) so the worker can drop them.
//! Tombstone compactions of single SSTables (the smallest worthy one) run only if the option
//! map names `tombstone_threshold` or `tombstone_compaction_interval`, as in Cassandra.
//!
//! Stateless differences: Cassandra's "newest window" is the highest window it has ever seen;
//! here it is the highest window among all live SSTables, compacting ones included. Cassandra
//! looks for expired SSTables at most every `expired_sstable_check_frequency_seconds`; here on
//! every call. Major compaction gives one task per window (newest first), where Cassandra
//! merges all windows into a single SSTable.

use super::stcs;
use super::strategy::{
    error, fully_expired, java_decimal, parse_integer, parse_strict_bool, worth_dropping_tombstones, CommonOptions,
    CompactionReason, CompactionTask, OptionReader, SizeTieredOptions, Snapshot, SstableInfo, StrategyError,
    TimestampResolution, TwcsOptions, WindowUnit,
};
use std::collections::BTreeMap;

const RESOLUTIONS: [(&str, TimestampResolution); 4] = [
    ("SECONDS", TimestampResolution::Seconds),
    ("MILLISECONDS", TimestampResolution::Milliseconds),
    ("MICROSECONDS", TimestampResolution::Microseconds),
    ("NANOSECONDS", TimestampResolution::Nanoseconds),
];
const UNITS: [(&str, WindowUnit); 3] =
    [("MINUTES", WindowUnit::Minutes), ("HOURS", WindowUnit::Hours), ("DAYS", WindowUnit::Days)];

/// Java `TimeUnit` names are case-sensitive.
fn named<T: Copy>(names: &[(&str, T)], key: &str, value: &str) -> Result<T, StrategyError> {
    names
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, v)| *v)
        .ok_or_else(|| error(format!("{value} is not valid for {key}")))
}

fn name_of<T: PartialEq>(names: &[(&'static str, T)], value: &T) -> &'static str {
    names.iter().find(|(_, v)| v == value).map_or("", |(name, _)| name)
}

impl TwcsOptions {
    pub(super) fn parse(common: CommonOptions, r: &mut OptionReader) -> Result<Self, StrategyError> {
        let mut o = TwcsOptions { common, ..TwcsOptions::default() };
        if let Some(v) = r.take("timestamp_resolution") {
            o.timestamp_resolution = named(&RESOLUTIONS, "timestamp_resolution", &v)?;
        }
        if let Some(v) = r.take("compaction_window_unit") {
            o.compaction_window_unit = named(&UNITS, "compaction_window_unit", &v)?;
        }
        if let Some(v) = r.take("compaction_window_size") {
            let n: i32 = parse_integer("compaction_window_size", &v)?;
            o.compaction_window_size = u32::try_from(n)
                .ok()
                .filter(|&n| n >= 1)
                .ok_or_else(|| error(format!("{n} must be greater than 1 for compaction_window_size")))?;
        }
        if let Some(v) = r.take("expired_sstable_check_frequency_seconds") {
            let n: i64 = parse_integer("expired_sstable_check_frequency_seconds", &v)?;
            o.expired_sstable_check_frequency_seconds = u64::try_from(n).map_err(|_| {
                error(format!("expired_sstable_check_frequency_seconds must not be negative, but was {n}"))
            })?;
        }
        if let Some(v) = r.take("unsafe_aggressive_sstable_expiration") {
            o.unsafe_aggressive_sstable_expiration = parse_strict_bool(&v)
                .ok_or_else(|| error(format!("unsafe_aggressive_sstable_expiration is not 'true' or 'false' ({v})")))?;
        }
        o.size_tiered = SizeTieredOptions::parse(r)?;
        Ok(o)
    }

    pub(super) fn write(&self, map: &mut BTreeMap<String, String>) {
        self.common.write(map);
        let tombstone_keys = ["tombstone_threshold", "tombstone_compaction_interval"];
        if self.tombstone_compactions && !tombstone_keys.iter().any(|k| map.contains_key(*k)) {
            // Naming the option at its default value is what turns these compactions on.
            map.insert("tombstone_threshold".into(), java_decimal(self.common.tombstone_threshold));
        }
        let d = TwcsOptions::default();
        if self.compaction_window_unit != d.compaction_window_unit {
            map.insert("compaction_window_unit".into(), name_of(&UNITS, &self.compaction_window_unit).into());
        }
        if self.compaction_window_size != d.compaction_window_size {
            map.insert("compaction_window_size".into(), self.compaction_window_size.to_string());
        }
        if self.timestamp_resolution != d.timestamp_resolution {
            map.insert("timestamp_resolution".into(), name_of(&RESOLUTIONS, &self.timestamp_resolution).into());
        }
        if self.expired_sstable_check_frequency_seconds != d.expired_sstable_check_frequency_seconds {
            let seconds = self.expired_sstable_check_frequency_seconds.to_string();
            map.insert("expired_sstable_check_frequency_seconds".into(), seconds);
        }
        if self.unsafe_aggressive_sstable_expiration {
            map.insert("unsafe_aggressive_sstable_expiration".into(), "true".into());
        }
        self.size_tiered.write(map);
    }
}

pub(super) fn choose(o: &TwcsOptions, snap: &Snapshot) -> Option<CompactionTask> {
    let uncompacting = snap.uncompacting();
    let expired = expired(o, snap, &uncompacting);
    let live: Vec<&SstableInfo> =
        uncompacting.into_iter().filter(|s| !expired.iter().any(|e| e.generation == s.generation)).collect();
    let chosen = newest_window(o, snap, &live).or_else(|| tombstone(o, snap, &live));
    let expired_inputs = expired.iter().map(|s| s.generation);
    match chosen {
        Some(mut task) => {
            task.inputs.extend(expired_inputs);
            Some(CompactionTask::new(task.inputs, 0, None, task.reason))
        }
        None if !expired.is_empty() => Some(CompactionTask::new(expired_inputs, 0, None, CompactionReason::Expired)),
        None => None,
    }
}

pub(super) fn choose_major(o: &TwcsOptions, candidates: &[&SstableInfo]) -> Vec<CompactionTask> {
    windows(o, candidates)
        .into_values()
        .rev()
        .map(|window| CompactionTask::new(window.iter().map(|s| s.generation), 0, None, CompactionReason::Major))
        .collect()
}

/// Fully expired SSTables among those not compacting, judged against the compacting ones
/// that overlap them (and one another).
fn expired<'a>(o: &TwcsOptions, snap: &Snapshot, uncompacting: &[&'a SstableInfo]) -> Vec<&'a SstableInfo> {
    let overlapping: Vec<&SstableInfo> =
        snap.all.iter().filter(|s| snap.is_compacting(s) && uncompacting.iter().any(|u| u.overlaps(s))).collect();
    fully_expired(uncompacting, &overlapping, snap.gc_before, o.unsafe_aggressive_sstable_expiration, &o.common)
}

/// The start of the window holding `timestamp`, in milliseconds since the epoch.
pub(super) fn window_start_millis(o: &TwcsOptions, timestamp: i64) -> i64 {
    let millis = match o.timestamp_resolution {
        TimestampResolution::Seconds => timestamp.saturating_mul(1000),
        TimestampResolution::Milliseconds => timestamp,
        TimestampResolution::Microseconds => timestamp / 1000,
        TimestampResolution::Nanoseconds => timestamp / 1_000_000,
    };
    let unit: i64 = match o.compaction_window_unit {
        WindowUnit::Minutes => 60,
        WindowUnit::Hours => 3600,
        WindowUnit::Days => 86_400,
    };
    let seconds = millis / 1000;
    let window = unit * i64::from(o.compaction_window_size);
    (seconds - seconds % window).saturating_mul(1000)
}

/// SSTables by window start, oldest window first.
fn windows<'a>(o: &TwcsOptions, sstables: &[&'a SstableInfo]) -> BTreeMap<i64, Vec<&'a SstableInfo>> {
    let mut windows: BTreeMap<i64, Vec<&SstableInfo>> = BTreeMap::new();
    for s in sstables {
        windows.entry(window_start_millis(o, s.max_timestamp)).or_default().push(s);
    }
    windows
}

fn newest_window(o: &TwcsOptions, snap: &Snapshot, live: &[&SstableInfo]) -> Option<CompactionTask> {
    let newest = snap.all.iter().map(|s| window_start_millis(o, s.max_timestamp)).max()?;
    let (min_threshold, max_threshold) = (o.common.min_threshold, o.common.max_threshold);
    for (start, mut window) in windows(o, live).into_iter().rev() {
        let chosen = if start >= newest {
            if window.len() < min_threshold as usize {
                continue;
            }
            let buckets = stcs::buckets(window, &o.size_tiered);
            stcs::most_interesting_bucket(buckets, min_threshold, max_threshold)
        } else if window.len() >= 2 {
            window.sort_by_key(|s| (s.size_bytes, s.generation));
            window.truncate(max_threshold as usize);
            window
        } else {
            continue;
        };
        if !chosen.is_empty() {
            let inputs = chosen.iter().map(|s| s.generation);
            return Some(CompactionTask::new(inputs, 0, None, CompactionReason::TimeWindow));
        }
    }
    None
}

fn tombstone(o: &TwcsOptions, snap: &Snapshot, live: &[&SstableInfo]) -> Option<CompactionTask> {
    if !o.tombstone_compactions {
        return None;
    }
    live.iter()
        .filter(|s| worth_dropping_tombstones(&o.common, s, snap))
        .min_by_key(|s| (s.size_bytes, s.generation))
        .map(|s| CompactionTask::new([s.generation], 0, None, CompactionReason::TombstoneRatio))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::strategy::test_util::*;
    use super::super::strategy::{CompactionStrategy, CompactionTask, TwcsOptions};
    use super::*;
    use std::collections::HashSet;

    const HOUR_MICROS: i64 = 3_600_000_000;
    const MIB: u64 = 1024 * 1024;

    fn hourly() -> TwcsOptions {
        TwcsOptions { compaction_window_unit: WindowUnit::Hours, ..TwcsOptions::default() }
    }

    /// An SSTable whose newest write is `minutes` after the epoch.
    fn written(generation: u64, size: u64, minutes: i64) -> SstableInfo {
        let mut s = sst(generation, size);
        s.max_timestamp = minutes * 60_000_000;
        s.min_timestamp = s.max_timestamp - 1;
        s
    }

    fn choose(o: TwcsOptions, tables: &[SstableInfo], compacting: &HashSet<u64>) -> Option<CompactionTask> {
        CompactionStrategy::TimeWindow(o).choose(tables, compacting, 0, 0)
    }

    fn window(inputs: &[u64]) -> Option<CompactionTask> {
        Some(CompactionTask::new(inputs.iter().copied(), 0, None, CompactionReason::TimeWindow))
    }

    #[test]
    fn windows_are_floored_max_timestamps() {
        let o = hourly();
        assert_eq!(window_start_millis(&o, 0), 0);
        assert_eq!(window_start_millis(&o, HOUR_MICROS - 1), 0);
        assert_eq!(window_start_millis(&o, HOUR_MICROS), 3_600_000);
        let two_days = TwcsOptions { compaction_window_size: 2, ..TwcsOptions::default() };
        assert_eq!(window_start_millis(&two_days, 3 * 86_400_000_000), 2 * 86_400_000);
        let seconds = TwcsOptions { timestamp_resolution: TimestampResolution::Seconds, ..hourly() };
        assert_eq!(window_start_millis(&seconds, 7199), 3_600_000);
        let minutes =
            TwcsOptions { compaction_window_unit: WindowUnit::Minutes, compaction_window_size: 5, ..hourly() };
        assert_eq!(window_start_millis(&minutes, 7 * 60_000_000), 300_000);
    }

    #[test]
    fn newest_window_is_size_tiered() {
        let tables: Vec<SstableInfo> = (1..=3).map(|g| written(g, MIB, 10 * g as i64)).collect();
        assert_eq!(choose(hourly(), &tables, &none()), None);
        let tables: Vec<SstableInfo> = (1..=4).map(|g| written(g, MIB, 10 * g as i64)).collect();
        assert_eq!(choose(hourly(), &tables, &none()), window(&[1, 2, 3, 4]));
        // Four SSTables, but of different sizes: no STCS bucket of 4.
        let mut tables: Vec<SstableInfo> = (1..=3).map(|g| written(g, 100 * MIB, 10)).collect();
        tables.push(written(4, 400 * MIB, 20));
        assert_eq!(choose(hourly(), &tables, &none()), None);
    }

    #[test]
    fn old_windows_are_compacted_whole_from_two_sstables() {
        let tables = vec![
            written(1, 100 * MIB, 10), // window 0
            written(2, 900 * MIB, 20), // window 0, a very different size
            written(3, MIB, 70),       // window 1
            written(4, MIB, 130),      // window 2, the newest
        ];
        assert_eq!(choose(hourly(), &tables, &none()), window(&[1, 2]));
    }

    #[test]
    fn newest_eligible_window_first() {
        let mut tables = vec![written(1, MIB, 10), written(2, MIB, 20)]; // window 0
        tables.extend([written(3, MIB, 70), written(4, MIB, 80)]); // window 1
        tables.push(written(5, MIB, 130)); // window 2
        assert_eq!(choose(hourly(), &tables, &none()), window(&[3, 4]));
        let compacting: HashSet<u64> = [3].into_iter().collect();
        assert_eq!(choose(hourly(), &tables, &compacting), window(&[1, 2]));
    }

    #[test]
    fn old_window_keeps_max_threshold_smallest() {
        let mut o = hourly();
        o.common.max_threshold = 3;
        let mut tables: Vec<SstableInfo> = (1..=5).map(|g| written(g, (10 - g) * MIB, 10)).collect();
        tables.push(written(9, MIB, 200));
        assert_eq!(choose(o, &tables, &none()), window(&[3, 4, 5]));
    }

    #[test]
    fn compacting_newest_window_still_counts_as_newest() {
        let mut tables: Vec<SstableInfo> = (1..=4).map(|g| written(g, MIB, 70)).collect();
        tables.extend([written(5, MIB, 10), written(6, MIB, 20)]);
        let compacting: HashSet<u64> = [1, 2, 3, 4].into_iter().collect();
        assert_eq!(choose(hourly(), &tables, &compacting), window(&[5, 6]));
        let compacting: HashSet<u64> = [1].into_iter().collect();
        assert_eq!(choose(hourly(), &tables, &compacting), window(&[5, 6]));
    }

    fn expiring(generation: u64, minutes: i64, deletion_time: u32) -> SstableInfo {
        let mut s = written(generation, MIB, minutes);
        s.has_non_expiring_data = false;
        s.max_local_deletion_time = deletion_time;
        s.tombstone_count = s.cell_count;
        s
    }

    #[test]
    fn fully_expired_sstables_are_added() {
        let tables = vec![expiring(1, 10, 1000), written(2, MIB, 130)];
        let strategy = CompactionStrategy::TimeWindow(hourly());
        let expired = CompactionTask::new([1], 0, None, CompactionReason::Expired);
        assert_eq!(strategy.choose(&tables, &none(), 1001 + 60, 60), Some(expired));
        assert_eq!(strategy.choose(&tables, &none(), 1000 + 60, 60), None);
        // With a window to compact, the expired SSTable rides along.
        let mut tables = tables;
        tables.extend((3..=5).map(|g| written(g, MIB, 130)));
        let task = strategy.choose(&tables, &none(), 2000, 0).unwrap();
        assert_eq!((task.inputs, task.reason), (vec![1, 2, 3, 4, 5], CompactionReason::TimeWindow));
    }

    #[test]
    fn expiry_waits_for_older_overlapping_data() {
        let mut older = written(2, MIB, 130);
        older.min_timestamp = 0; // older than the expired SSTable's data, and live
        let tables = vec![expiring(1, 10, 1000), older];
        let strategy = CompactionStrategy::TimeWindow(hourly());
        assert_eq!(strategy.choose(&tables, &none(), 5000, 0), None);
        let aggressive = TwcsOptions { unsafe_aggressive_sstable_expiration: true, ..hourly() };
        let task = CompactionStrategy::TimeWindow(aggressive).choose(&tables, &none(), 5000, 0);
        assert_eq!(task.map(|t| t.inputs), Some(vec![1]));
    }

    #[test]
    fn tombstone_compactions_only_when_asked_for() {
        let mut s = written(1, MIB, 10);
        s.tombstone_count = 500;
        s.max_local_deletion_time = 10;
        let tables = vec![s, with_tokens(written(2, 2 * MIB, 10), 5000, 6000)];
        // Two SSTables in the only (newest) window: below min_threshold.
        let now = 100_000;
        assert_eq!(CompactionStrategy::TimeWindow(hourly()).choose(&tables, &none(), now, 0), None);
        let map = map(&[("class", "TimeWindowCompactionStrategy"), ("tombstone_threshold", "0.2")]);
        let strategy = CompactionStrategy::from_options(&map).unwrap();
        let task = strategy.choose(&tables, &none(), now, 0);
        assert_eq!(task, Some(CompactionTask::new([1], 0, None, CompactionReason::TombstoneRatio)));
    }

    #[test]
    fn major_is_one_task_per_window() {
        let tables = vec![written(1, MIB, 10), written(2, MIB, 20), written(3, MIB, 70), written(4, MIB, 130)];
        let compacting: HashSet<u64> = [4].into_iter().collect();
        let tasks = CompactionStrategy::TimeWindow(hourly()).choose_major(&tables, &compacting);
        let inputs: Vec<Vec<u64>> = tasks.iter().map(|t| t.inputs.clone()).collect();
        assert_eq!(inputs, vec![vec![3], vec![1, 2]]);
        assert!(tasks.iter().all(|t| t.reason == CompactionReason::Major && t.max_output_bytes.is_none()));
    }
}
