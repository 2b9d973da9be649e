//! Leveled compaction (Cassandra's `LeveledCompactionStrategy` and `LeveledManifest`).
//!
//! Flushed SSTables land in L0, where they may overlap. Every other level holds
//! non-overlapping SSTables of about `sstable_size_in_mb`, and level n should hold at most
//! `sstable_size * fanout^n` bytes; its score is its bytes (not counting those compacting)
//! over that. One decision, in Cassandra's order:
//!
//! 1. Levels from the highest down: the first whose score exceeds 1.001 is compacted, one
//!    SSTable of it together with every SSTable of the next level its token range overlaps,
//!    into the next level. (Higher levels first, not the highest score: Cassandra's choice,
//!    so a backlog in L0 does not keep rewriting L1.) The top level, L8, is never compacted
//!    upward. Before such a compaction, if L0 holds more than 32 SSTables, size-tiering
//!    inside L0 (`min_threshold`/`max_threshold`) goes first.
//! 2. Otherwise L0: from the oldest SSTable (by max timestamp), gather it and the L0 SSTables
//!    it overlaps, up to 32, skipping any that touch an L0 compaction under way. If they add
//!    up to more than one `sstable_size`, the L1 SSTables overlapping their combined range
//!    join them and the output goes to L1; a smaller set is compacted and stays in L0. At
//!    least 2 SSTables are needed; failing that, size-tiering in L0 as in step 1.
//! 3. Otherwise a tombstone compaction: from the highest level down, the SSTable with the
//!    largest droppable-tombstone ratio over `tombstone_threshold`, rewritten in place.
//!
//! Which SSTable of level n to take: Cassandra goes round-robin over the level in token
//! order, remembering where it stopped. Stateless here: the position is derived the way
//! Cassandra itself derives it at start-up, from the newest SSTable of level n+1 (the last
//! output of the previous compaction into it, ties broken by the highest token): the first
//! SSTable of level n starting after that one's last token, wrapping around. SSTables
//! overlapping anything compacting are passed over.
//!
//! Not replicated: Cassandra's "starved level" counter (after 25 rounds without compacting a
//! high level it pulls one of its SSTables into a lower compaction), which needs state.

use super::stcs;
use super::strategy::{
    droppable_tombstone_ratio, error, parse_integer, worth_dropping_tombstones, CommonOptions, CompactionReason,
    CompactionTask, LcsOptions, OptionReader, SizeTieredOptions, Snapshot, SstableInfo, StrategyError,
};
use sibyl_common::Token;
use std::collections::BTreeMap;

/// Levels Cassandra allocates; SSTables claiming a higher level are treated as in the top one.
const MAX_LEVEL_COUNT: usize = 9;
/// Most L0 SSTables compacted together; more than this in L0 and L0 is size-tiered.
const MAX_COMPACTING_L0: usize = 32;

pub(super) fn choose(o: &LcsOptions, snap: &Snapshot) -> Option<CompactionTask> {
    let levels = levels(snap.all);
    leveled(o, snap, &levels).or_else(|| tombstone(o, snap, &levels))
}

fn level_of(s: &SstableInfo) -> usize {
    (s.level as usize).min(MAX_LEVEL_COUNT - 1)
}

/// SSTables by level, each level in token order.
fn levels(all: &[SstableInfo]) -> Vec<Vec<&SstableInfo>> {
    let mut levels = vec![Vec::new(); MAX_LEVEL_COUNT];
    for s in all {
        levels[level_of(s)].push(s);
    }
    for level in &mut levels {
        level.sort_by_key(|s| (s.min_token, s.generation));
    }
    levels
}

fn leveled(o: &LcsOptions, snap: &Snapshot, levels: &[Vec<&SstableInfo>]) -> Option<CompactionTask> {
    for n in (1..MAX_LEVEL_COUNT).rev() {
        let level = &levels[n];
        let remaining = total_bytes(level.iter().filter(|s| !snap.is_compacting(s)));
        let score = remaining as f64 / o.max_bytes_for_level(n as u32) as f64;
        if level.is_empty() || score <= 1.001 || n == MAX_LEVEL_COUNT - 1 {
            continue;
        }
        if let Some(task) = size_tiered_l0(o, snap, &levels[0]) {
            return Some(task);
        }
        if let Some(candidates) = level_candidates(snap, level, &levels[n + 1]) {
            return Some(leveled_task(o, &candidates));
        }
    }
    if levels[0].is_empty() {
        return None;
    }
    match l0_candidates(o, snap, &levels[0], &levels[1]) {
        Some(candidates) => Some(leveled_task(o, &candidates)),
        None => size_tiered_l0(o, snap, &levels[0]),
    }
}

/// Cassandra's `getNextLevel`: one level up from where the inputs are, except that a small
/// set of L0 SSTables stays in L0.
fn leveled_task(o: &LcsOptions, candidates: &[&SstableInfo]) -> CompactionTask {
    let min = candidates.iter().map(|s| level_of(s)).min().unwrap_or(0);
    let max = candidates.iter().map(|s| level_of(s)).max().unwrap_or(0);
    let total = total_bytes(candidates);
    let output = if max == 0 && total < o.max_sstable_bytes() {
        0
    } else if min == max {
        max + 1
    } else {
        max
    };
    let inputs = candidates.iter().map(|s| s.generation);
    CompactionTask::new(inputs, output as u32, Some(o.max_sstable_bytes()), CompactionReason::Leveled)
}

/// One SSTable of `level` (round-robin, see the module doc) with its overlaps in `next`.
fn level_candidates<'a>(
    snap: &Snapshot,
    level: &[&'a SstableInfo],
    next: &[&'a SstableInfo],
) -> Option<Vec<&'a SstableInfo>> {
    let last_compacted = next.iter().max_by_key(|s| (s.created_at, s.max_token, s.generation));
    let start = last_compacted.and_then(|last| level.iter().position(|s| s.min_token > last.max_token)).unwrap_or(0);
    (0..level.len()).find_map(|k| {
        let s = level[(start + k) % level.len()];
        let mut candidates = vec![s];
        candidates.extend(next.iter().filter(|n| n.overlaps(s)));
        candidates.iter().all(|c| !snap.is_compacting(c)).then_some(candidates)
    })
}

fn total_bytes<'a>(sstables: impl IntoIterator<Item = &'a &'a SstableInfo>) -> u64 {
    sstables.into_iter().fold(0, |sum, s| sum.saturating_add(s.size_bytes))
}

/// The token range from the smallest first token to the largest last token.
fn span(sstables: &[&SstableInfo]) -> Option<(Token, Token)> {
    let min = sstables.iter().map(|s| s.min_token).min()?;
    let max = sstables.iter().map(|s| s.max_token).max()?;
    Some((min, max))
}

fn in_span(s: &SstableInfo, span: Option<(Token, Token)>) -> bool {
    span.is_some_and(|(min, max)| s.min_token <= max && min <= s.max_token)
}

fn l0_candidates<'a>(
    o: &LcsOptions,
    snap: &Snapshot,
    l0: &[&'a SstableInfo],
    l1: &[&'a SstableInfo],
) -> Option<Vec<&'a SstableInfo>> {
    let compacting_l0: Vec<&SstableInfo> = l0.iter().copied().filter(|s| snap.is_compacting(s)).collect();
    let compacting_span = span(&compacting_l0);
    let mut by_age = l0.to_vec();
    by_age.sort_by_key(|s| (s.max_timestamp, s.generation));
    let mut remaining = by_age.clone();
    let mut candidates: Vec<&SstableInfo> = Vec::new();
    let contains = |set: &[&SstableInfo], s: &SstableInfo| set.iter().any(|c| c.generation == s.generation);
    for &s in &by_age {
        if contains(&candidates, s) {
            continue;
        }
        let mut overlapped = vec![s];
        overlapped.extend(remaining.iter().filter(|r| r.generation != s.generation && r.overlaps(s)));
        if overlapped.iter().any(|c| snap.is_compacting(c)) {
            continue;
        }
        for c in overlapped {
            if !in_span(c, compacting_span) && !contains(&candidates, c) {
                candidates.push(c);
            }
            remaining.retain(|r| r.generation != c.generation);
        }
        if candidates.len() > MAX_COMPACTING_L0 {
            candidates.sort_by_key(|s| (s.max_timestamp, s.generation));
            candidates.truncate(MAX_COMPACTING_L0);
            break;
        }
    }
    if total_bytes(&candidates) > o.max_sstable_bytes() {
        let range = span(&candidates);
        let l1_overlapping: Vec<&SstableInfo> = l1.iter().copied().filter(|s| in_span(s, range)).collect();
        if l1_overlapping.iter().any(|s| snap.is_compacting(s)) || compacting_l0.iter().any(|s| in_span(s, range)) {
            return None;
        }
        candidates.extend(l1_overlapping);
    }
    (candidates.len() >= 2).then_some(candidates)
}

/// Size-tiering inside L0 once it holds more than 32 SSTables.
fn size_tiered_l0(o: &LcsOptions, snap: &Snapshot, l0: &[&SstableInfo]) -> Option<CompactionTask> {
    if l0.len() <= MAX_COMPACTING_L0 {
        return None;
    }
    let candidates = l0.iter().copied().filter(|s| !snap.is_compacting(s)).collect();
    let buckets = stcs::buckets(candidates, &o.size_tiered);
    let chosen = stcs::most_interesting_bucket(buckets, o.common.min_threshold, o.common.max_threshold);
    if chosen.is_empty() {
        return None;
    }
    let inputs = chosen.iter().map(|s| s.generation);
    Some(CompactionTask::new(inputs, 0, None, CompactionReason::L0SizeTiered))
}

fn tombstone(o: &LcsOptions, snap: &Snapshot, levels: &[Vec<&SstableInfo>]) -> Option<CompactionTask> {
    let threshold = f64::from(o.common.tombstone_threshold);
    for level in levels.iter().rev() {
        let mut by_ratio: Vec<(f64, &SstableInfo)> =
            level.iter().map(|s| (droppable_tombstone_ratio(s, snap.gc_before), *s)).collect();
        by_ratio.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.generation.cmp(&b.1.generation)));
        for (ratio, s) in by_ratio {
            if ratio <= threshold {
                break;
            }
            if !snap.is_compacting(s) && worth_dropping_tombstones(&o.common, s, snap) {
                let max_bytes = Some(o.max_sstable_bytes());
                return Some(CompactionTask::new([s.generation], s.level, max_bytes, CompactionReason::TombstoneRatio));
            }
        }
    }
    None
}

impl LcsOptions {
    pub(super) fn parse(common: CommonOptions, r: &mut OptionReader) -> Result<Self, StrategyError> {
        let mut o = LcsOptions { common, ..LcsOptions::default() };
        for (key, field) in [("sstable_size_in_mb", &mut o.sstable_size_in_mb), ("fanout_size", &mut o.fanout_size)] {
            if let Some(v) = r.take(key) {
                let n: i32 = parse_integer(key, &v)?;
                *field = u32::try_from(n)
                    .ok()
                    .filter(|&n| n >= 1)
                    .ok_or_else(|| error(format!("{key} must be larger than 0, but was {n}")))?;
            }
        }
        if let Some(v) = r.take("single_sstable_uplevel") {
            o.single_sstable_uplevel = v.eq_ignore_ascii_case("true");
        }
        o.size_tiered = SizeTieredOptions::parse(r)?;
        Ok(o)
    }

    pub(super) fn write(&self, map: &mut BTreeMap<String, String>) {
        self.common.write(map);
        let d = LcsOptions::default();
        if self.sstable_size_in_mb != d.sstable_size_in_mb {
            map.insert("sstable_size_in_mb".into(), self.sstable_size_in_mb.to_string());
        }
        if self.fanout_size != d.fanout_size {
            map.insert("fanout_size".into(), self.fanout_size.to_string());
        }
        if self.single_sstable_uplevel != d.single_sstable_uplevel {
            map.insert("single_sstable_uplevel".into(), self.single_sstable_uplevel.to_string());
        }
        self.size_tiered.write(map);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::strategy::test_util::*;
    use super::super::strategy::{CompactionStrategy, CompactionTask, LcsOptions};
    use super::*;
    use std::collections::HashSet;

    const MIB: u64 = 1024 * 1024;

    /// 1 MiB SSTables, fanout 10: L1 holds 10 MiB, L2 100 MiB.
    fn lcs() -> CompactionStrategy {
        CompactionStrategy::Leveled(LcsOptions { sstable_size_in_mb: 1, ..LcsOptions::default() })
    }

    fn at(generation: u64, level: u32, size: u64, min: i64, max: i64) -> SstableInfo {
        let mut s = with_tokens(sst(generation, size), min, max);
        s.level = level;
        s.max_timestamp = generation as i64;
        s
    }

    /// `count` disjoint 1.1 MiB SSTables in `level`, 100 tokens each from `first_token`.
    fn full_level(first_gen: u64, level: u32, count: u64, first_token: i64) -> Vec<SstableInfo> {
        (0..count)
            .map(|i| {
                let min = first_token + 100 * i as i64;
                at(first_gen + i, level, MIB + MIB / 10, min, min + 99)
            })
            .collect()
    }

    fn choose(tables: &[SstableInfo], compacting: &HashSet<u64>) -> Option<CompactionTask> {
        lcs().choose(tables, compacting, 0, 0)
    }

    fn leveled(inputs: &[u64], level: u32) -> Option<CompactionTask> {
        Some(CompactionTask::new(inputs.iter().copied(), level, Some(MIB), CompactionReason::Leveled))
    }

    #[test]
    fn small_l0_sets_stay_in_l0() {
        let one = vec![at(1, 0, 1000, 0, 100)];
        assert_eq!(choose(&one, &none()), None);
        let two = vec![at(1, 0, 1000, 0, 100), at(2, 0, 1000, 50, 150)];
        assert_eq!(choose(&two, &none()), leveled(&[1, 2], 0));
    }

    #[test]
    fn big_l0_sets_go_to_l1_with_their_l1_overlaps() {
        let mut tables: Vec<SstableInfo> = (1..=4).map(|g| at(g, 0, MIB / 2, 0, 500)).collect();
        tables.push(at(10, 1, MIB, -300, -1)); // outside the L0 range
        tables.push(at(11, 1, MIB, 0, 200));
        tables.push(at(12, 1, MIB, 201, 600));
        assert_eq!(choose(&tables, &none()), leveled(&[1, 2, 3, 4, 11, 12], 1));
    }

    #[test]
    fn l0_takes_at_most_32_oldest() {
        let tables: Vec<SstableInfo> = (1..=40).map(|g| at(g, 0, 1000, 0, 100)).collect();
        let task = choose(&tables, &none()).unwrap();
        assert_eq!(task.inputs, (1..=32).collect::<Vec<u64>>());
    }

    #[test]
    fn l0_skips_sstables_touching_a_running_l0_compaction() {
        let tables = vec![
            at(1, 0, 1000, 0, 100),
            at(2, 0, 1000, 50, 150),
            at(3, 0, 1000, 1000, 1100),
            at(4, 0, 1000, 1050, 1200),
        ];
        let compacting: HashSet<u64> = [1].into_iter().collect();
        assert_eq!(choose(&tables, &compacting), leveled(&[3, 4], 0));
        let compacting: HashSet<u64> = [1, 3].into_iter().collect();
        assert_eq!(choose(&tables, &compacting), None);
    }

    #[test]
    fn l0_to_l1_waits_for_busy_l1() {
        let mut tables: Vec<SstableInfo> = (1..=4).map(|g| at(g, 0, MIB / 2, 0, 500)).collect();
        tables.push(at(11, 1, MIB, 0, 200));
        let compacting: HashSet<u64> = [11].into_iter().collect();
        assert_eq!(choose(&tables, &compacting), None);
    }

    #[test]
    fn over_full_level_compacts_one_sstable_into_the_next() {
        let mut tables = full_level(100, 1, 10, 0); // 11 MiB > 10 MiB
        tables.push(at(200, 2, MIB, 50, 120)); // overlaps L1 tokens 0..=99 and 100..=199
        tables.push(at(201, 2, MIB, 150, 160));
        let task = choose(&tables, &none());
        // Both L2 SSTables are equally new, so the one ending last (201, at token 160) marks
        // where the previous compaction stopped: take the first L1 SSTable starting after it.
        assert_eq!(task, leveled(&[102], 2));
    }

    #[test]
    fn round_robin_follows_newest_output_of_next_level() {
        let mut tables = full_level(100, 1, 10, 0);
        let mut newest = at(200, 2, MIB, 400, 499);
        newest.created_at = 50;
        tables.push(newest);
        tables.push(at(201, 2, MIB, 600, 699));
        assert_eq!(choose(&tables, &none()), leveled(&[105], 2));
        // Wraps around past the end of the level.
        let mut tables = full_level(100, 1, 10, 0);
        tables.push(at(200, 2, MIB, 950, 999));
        assert_eq!(choose(&tables, &none()), leveled(&[100], 2));
    }

    #[test]
    fn compacting_sstables_are_passed_over() {
        let mut tables = full_level(100, 1, 12, 0); // 13.2 MiB: still over without two
        tables.push(at(200, 2, MIB, 150, 160)); // overlaps L1 101 (tokens 100..=199)
        let mut newest = at(201, 2, MIB, 50, 60);
        newest.created_at = 10;
        tables.push(newest); // round-robin resumes after token 60: at 101
        assert_eq!(choose(&tables, &none()), leveled(&[101, 200], 2));
        let compacting: HashSet<u64> = [101, 102].into_iter().collect();
        assert_eq!(choose(&tables, &compacting), leveled(&[103], 2));
        let compacting: HashSet<u64> = [200].into_iter().collect();
        assert_eq!(choose(&tables, &compacting), leveled(&[102], 2));
    }

    #[test]
    fn higher_levels_go_first() {
        let mut tables = full_level(100, 1, 20, 0); // L1 score 2.2
        tables.extend(full_level(300, 2, 92, 10_000)); // L2: 101.2 MiB, score 1.012
        let task = choose(&tables, &none()).unwrap();
        assert_eq!(task.output_level, 3);
        assert_eq!(task.inputs.len(), 1);
    }

    #[test]
    fn score_ignores_compacting_sstables() {
        let tables = full_level(100, 1, 10, 0);
        let compacting: HashSet<u64> = [105].into_iter().collect();
        assert_eq!(choose(&tables, &compacting), None);
    }

    #[test]
    fn top_level_is_never_compacted_upward() {
        let mut tables = full_level(100, 8, 3, 0);
        for t in &mut tables {
            t.size_bytes = 100_000_000 * MIB; // L8 holds 10^8 MiB; this is 3 times that
        }
        assert_eq!(choose(&tables, &none()), None);
    }

    #[test]
    fn l0_backlog_is_size_tiered_before_higher_levels() {
        let mut tables = full_level(100, 1, 10, 0);
        tables.extend((1..=33).map(|g| at(g, 0, 1000, 0, 100)));
        let task = choose(&tables, &none()).unwrap();
        assert_eq!(task.reason, CompactionReason::L0SizeTiered);
        assert_eq!((task.output_level, task.max_output_bytes), (0, None));
        assert_eq!(task.inputs, (1..=32).collect::<Vec<u64>>());
    }

    #[test]
    fn l0_backlog_without_regular_candidates_is_size_tiered() {
        // All 34 L0 SSTables overlap the one compacting, so no regular L0 compaction.
        let mut tables: Vec<SstableInfo> = (1..=34).map(|g| at(g, 0, 1000, 0, 100)).collect();
        tables.push(at(99, 0, 1000, -10, 200));
        let compacting: HashSet<u64> = [99].into_iter().collect();
        let task = choose(&tables, &compacting).unwrap();
        assert_eq!(task.reason, CompactionReason::L0SizeTiered);
        assert!(!task.inputs.contains(&99));
    }

    #[test]
    fn tombstone_compaction_keeps_the_level() {
        let mut s = at(7, 2, MIB, 0, 100);
        s.tombstone_count = 500;
        s.max_local_deletion_time = 10;
        let strategy = CompactionStrategy::Leveled(LcsOptions::default());
        let task = strategy.choose(&[s.clone()], &none(), 100_000, 0);
        let expected = CompactionTask::new([7], 2, Some(160 * MIB), CompactionReason::TombstoneRatio);
        assert_eq!(task, Some(expected));
        let compacting: HashSet<u64> = [7].into_iter().collect();
        assert_eq!(strategy.choose(&[s], &compacting, 100_000, 0), None);
    }
}
