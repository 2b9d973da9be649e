//! Size-tiered compaction (Cassandra's `SizeTieredCompactionStrategy`, the default).
//!
//! SSTables are grouped into buckets of similar size: walking them from smallest to largest,
//! each joins the first bucket whose average it lies strictly between `bucket_low` and
//! `bucket_high` times of, or the first bucket whose average is below `min_sstable_size`
//! when it is too; otherwise it opens a new bucket. Buckets with at least `min_threshold`
//! SSTables qualify, each trimmed to its `max_threshold` smallest; the qualifying bucket with
//! the smallest average size is compacted. When none qualifies, the largest SSTable worth a
//! tombstone compaction is compacted alone.
//!
//! Differences from Cassandra 5.0: Cassandra ranks buckets by read "hotness" (reads per key
//! over two hours), which sibyl does not track, so every bucket has the same hotness. For
//! that case Cassandra's comment says the smallest SSTables go first, and that is what is
//! done here (its comparator, used with `Collections.max`, in fact picks the largest average
//! on a tie). Cassandra scans its buckets in hash-map order when placing an SSTable; here
//! they are scanned in creation order, so results are deterministic.

use super::strategy::{
    worth_dropping_tombstones, CompactionReason, CompactionTask, SizeTieredOptions, Snapshot, SstableInfo, StcsOptions,
};

pub(super) fn choose(o: &StcsOptions, snap: &Snapshot) -> Option<CompactionTask> {
    let candidates = snap.uncompacting();
    let buckets = buckets(candidates.clone(), &o.size_tiered);
    let chosen = most_interesting_bucket(buckets, o.common.min_threshold, o.common.max_threshold);
    if !chosen.is_empty() {
        let inputs = chosen.iter().map(|s| s.generation);
        return Some(CompactionTask::new(inputs, 0, None, CompactionReason::SizeTiered));
    }
    candidates
        .into_iter()
        .filter(|s| worth_dropping_tombstones(&o.common, s, snap))
        .max_by_key(|s| (s.size_bytes, std::cmp::Reverse(s.generation)))
        .map(|s| CompactionTask::new([s.generation], 0, None, CompactionReason::TombstoneRatio))
}

/// Group SSTables of similar size; each bucket lists its SSTables from smallest to largest.
pub(super) fn buckets<'a>(mut files: Vec<&'a SstableInfo>, o: &SizeTieredOptions) -> Vec<Vec<&'a SstableInfo>> {
    files.sort_by_key(|s| (s.size_bytes, s.generation));
    // (average size, members), as Cassandra keeps them: the average in integer bytes.
    let mut buckets: Vec<(u64, Vec<&SstableInfo>)> = Vec::new();
    for file in files {
        let size = file.size_bytes;
        let similar = |average: u64| {
            let (size_f, average_f) = (size as f64, average as f64);
            (size_f > average_f * o.bucket_low && size_f < average_f * o.bucket_high)
                || (size < o.min_sstable_size && average < o.min_sstable_size)
        };
        match buckets.iter_mut().find(|(average, _)| similar(*average)) {
            Some((average, members)) => {
                let n = members.len() as u128;
                *average = ((u128::from(*average) * n + u128::from(size)) / (n + 1)) as u64;
                members.push(file);
            }
            None => buckets.push((size, vec![file])),
        }
    }
    buckets.into_iter().map(|(_, members)| members).collect()
}

/// The bucket to compact: among buckets holding at least `min_threshold` SSTables once
/// trimmed to their `max_threshold` smallest, the one with the smallest average size.
/// Empty if none qualifies.
pub(super) fn most_interesting_bucket(
    buckets: Vec<Vec<&SstableInfo>>,
    min_threshold: u32,
    max_threshold: u32,
) -> Vec<&SstableInfo> {
    buckets
        .into_iter()
        .map(|mut bucket| {
            bucket.truncate(max_threshold as usize);
            bucket
        })
        .filter(|bucket| !bucket.is_empty() && bucket.len() >= min_threshold as usize)
        .min_by_key(|bucket| {
            let total: u128 = bucket.iter().map(|s| u128::from(s.size_bytes)).sum();
            (total / bucket.len() as u128, bucket[0].generation)
        })
        .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::strategy::test_util::*;
    use super::super::strategy::{CompactionStrategy, CompactionTask, StcsOptions};
    use super::*;
    use std::collections::HashSet;

    const MIB: u64 = 1024 * 1024;

    fn stcs() -> CompactionStrategy {
        CompactionStrategy::SizeTiered(StcsOptions::default())
    }

    fn sizes(gens_sizes: &[(u64, u64)]) -> Vec<SstableInfo> {
        gens_sizes.iter().map(|&(g, s)| sst(g, s)).collect()
    }

    fn task(inputs: &[u64], reason: CompactionReason) -> Option<CompactionTask> {
        Some(CompactionTask::new(inputs.iter().copied(), 0, None, reason))
    }

    #[test]
    fn small_sstables_share_one_bucket() {
        let tables = sizes(&[(1, 1), (2, 10 * MIB), (3, 49 * MIB), (4, 100)]);
        let refs: Vec<&SstableInfo> = tables.iter().collect();
        let b = buckets(refs, &SizeTieredOptions::default());
        assert_eq!(b.len(), 1);
        assert_eq!(stcs().choose(&tables, &none(), 0, 0), task(&[1, 2, 3, 4], CompactionReason::SizeTiered));
    }

    #[test]
    fn buckets_follow_bucket_low_and_high() {
        let tables = sizes(&[(1, 100 * MIB), (2, 120 * MIB), (3, 149 * MIB), (4, 400 * MIB), (5, 410 * MIB)]);
        let refs: Vec<&SstableInfo> = tables.iter().collect();
        let b = buckets(refs, &SizeTieredOptions::default());
        let gens: Vec<Vec<u64>> = b.iter().map(|b| b.iter().map(|s| s.generation).collect()).collect();
        assert_eq!(gens, vec![vec![1, 2, 3], vec![4, 5]]);
    }

    #[test]
    fn fewer_than_min_threshold_does_nothing() {
        let tables = sizes(&[(1, MIB), (2, MIB), (3, MIB)]);
        assert_eq!(stcs().choose(&tables, &none(), 0, 0), None);
    }

    #[test]
    fn smallest_qualifying_bucket_wins() {
        let mut tables = sizes(&[(1, 1000 * MIB), (2, 1001 * MIB), (3, 1002 * MIB), (4, 1003 * MIB)]);
        tables.extend(sizes(&[(5, 200 * MIB), (6, 201 * MIB), (7, 202 * MIB), (8, 203 * MIB)]));
        tables.extend(sizes(&[(9, 60 * MIB), (10, 61 * MIB)])); // too few
        assert_eq!(stcs().choose(&tables, &none(), 0, 0), task(&[5, 6, 7, 8], CompactionReason::SizeTiered));
    }

    #[test]
    fn trimmed_to_max_threshold_smallest_first() {
        let tables: Vec<SstableInfo> = (1..=40).map(|g| sst(g, (100 - g) * 1000)).collect();
        let t = stcs().choose(&tables, &none(), 0, 0).unwrap();
        assert_eq!(t.inputs, (9..=40).collect::<Vec<u64>>());
    }

    #[test]
    fn compacting_sstables_are_never_chosen() {
        let tables = sizes(&[(1, MIB), (2, MIB), (3, MIB), (4, MIB), (5, MIB)]);
        let compacting: HashSet<u64> = [2].into_iter().collect();
        assert_eq!(stcs().choose(&tables, &compacting, 0, 0), task(&[1, 3, 4, 5], CompactionReason::SizeTiered));
        let compacting: HashSet<u64> = [1, 2].into_iter().collect();
        assert_eq!(stcs().choose(&tables, &compacting, 0, 0), None);
    }

    fn tombstoned(generation: u64, size: u64, ratio_per_mille: u64) -> SstableInfo {
        let mut s = sst(generation, size);
        s.tombstone_count = ratio_per_mille;
        s.cell_count = 1000;
        s.max_local_deletion_time = 1_000;
        s.created_at = 0;
        s
    }

    #[test]
    fn tombstone_compaction_when_no_bucket_qualifies() {
        let now = 1_000 + 864_000 + 1;
        let tables = vec![tombstoned(1, MIB, 300), tombstoned(2, 2 * MIB, 300), tombstoned(3, MIB, 100)];
        let o = StcsOptions::default();
        let mut unchecked = o.clone();
        unchecked.common.unchecked_tombstone_compaction = true;
        let unchecked = CompactionStrategy::SizeTiered(unchecked);
        // The largest worthy SSTable goes first; 3 is under the 0.2 threshold.
        assert_eq!(unchecked.choose(&tables, &none(), now, 864_000), task(&[2], CompactionReason::TombstoneRatio));
        // Not yet past gc_grace_seconds: nothing is droppable.
        assert_eq!(unchecked.choose(&tables, &none(), now - 2, 864_000), None);
        // Checked: all three cover the same tokens, so no tombstone is expected to go.
        assert_eq!(stcs().choose(&tables, &none(), now, 864_000), None);
        // Checked, with the others elsewhere on the ring.
        let apart = vec![
            tombstoned(1, MIB, 300),
            with_tokens(tombstoned(2, 2 * MIB, 300), 5000, 6000),
            with_tokens(tombstoned(3, MIB, 100), 7000, 8000),
        ];
        assert_eq!(stcs().choose(&apart, &none(), now, 864_000), task(&[2], CompactionReason::TombstoneRatio));
    }

    #[test]
    fn tombstone_compaction_waits_for_the_interval() {
        let mut young = with_tokens(tombstoned(1, MIB, 500), 0, 10);
        young.created_at = 100_000;
        let tables = vec![young];
        assert_eq!(stcs().choose(&tables, &none(), 100_000 + 86_399, 0), None);
        assert_eq!(stcs().choose(&tables, &none(), 100_000 + 86_400, 0), task(&[1], CompactionReason::TombstoneRatio));
    }

    #[test]
    fn partial_overlap_scales_the_ratio() {
        // Half of 1's range is covered by 2, so the expected droppable share is 0.5 * ratio.
        let a = with_tokens(tombstoned(1, MIB, 500), 0, 99);
        let b = with_tokens(sst(2, MIB), 50, 200);
        let now = 100_000;
        assert_eq!(
            stcs().choose(&[a.clone(), b.clone()], &none(), now, 0),
            task(&[1], CompactionReason::TombstoneRatio)
        );
        let a = with_tokens(tombstoned(1, MIB, 300), 0, 99);
        assert_eq!(stcs().choose(&[a, b], &none(), now, 0), None);
    }

    #[test]
    fn fully_expired_sstable_is_worth_compacting_despite_overlap() {
        let mut dead = tombstoned(1, MIB, 300);
        dead.has_non_expiring_data = false;
        dead.min_timestamp = 100;
        dead.max_timestamp = 200;
        let mut newer = sst(2, MIB);
        newer.min_timestamp = 300;
        newer.max_timestamp = 400;
        let now = 100_000;
        assert_eq!(
            stcs().choose(&[dead.clone(), newer.clone()], &none(), now, 0),
            task(&[1], CompactionReason::TombstoneRatio)
        );
        newer.min_timestamp = 50; // older live data the tombstones may shadow
        assert_eq!(stcs().choose(&[dead, newer], &none(), now, 0), None);
    }
}
