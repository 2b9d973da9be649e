//! Executing `SELECT`: reading partitions (a list of keys or a token range scan), walking
//! their rows in clustering order (reversed on demand), filtering, selecting, limiting, folding
//! aggregates and groups, and paging.
//!
//! Paging counts CQL rows. A page stops after `page_size` rows; the paging state records the
//! last row's partition and clustering keys and what remains of `LIMIT` and `PER PARTITION
//! LIMIT`, and is returned only when another row is known to follow (so the last page never
//! comes back empty).
//!
//! `GROUP BY` queries count groups, as Cassandra's `CQLGroupByLimits` and
//! `AggregationQueryPager` do: `page_size`, `LIMIT` and `PER PARTITION LIMIT` are numbers of
//! groups (result rows). A group is complete when a row of another group (or the end of the
//! data) is read; a page ends with its last complete group, and its paging state is the position
//! of that group's last row, so the next page starts with the next group. An aggregate without
//! `GROUP BY` folds every row into one result row whatever the page size (the paging is
//! internal, as in Cassandra) and returns no paging state.

use bytes::Bytes;
use sibyl_cql::plan::error::{invalid, CqlResult};
use sibyl_cql::plan::keys::{bind_clustering, bind_partition_keys, bind_token_range, ranges_after, CkBound, CkRange};
use sibyl_cql::plan::paging::PagingState;
use sibyl_cql::plan::restrict::PartitionRestrictions;
use sibyl_cql::plan::select::SelectPlan;
use sibyl_cql::plan::vars::BindCtx;
use sibyl_cql::plan::CqlError;
use sibyl_cql::value::{compare, CqlValue};
use sibyl_storage::{
    ClusteringBound, ClusteringRange, EpochSeconds, KeyRange, PartitionData, PartitionKey, RangePoint, Slice,
};

use crate::mapping::{self, storage_error};
use crate::processor::Inner;
use crate::result::{Rows, Value};
use crate::rowview::{decode_clustering, BoundFilter, RowView};
use crate::trace::{trace, Tracer};
use sibyl_cql::plan::json;

fn to_storage_bound(b: &CkBound) -> ClusteringBound {
    ClusteringBound { prefix: Bytes::copy_from_slice(&b.prefix), inclusive: b.inclusive }
}

fn to_slice(ranges: &[CkRange], reversed: bool) -> Slice {
    Slice {
        ranges: ranges
            .iter()
            .map(|r| ClusteringRange { start: to_storage_bound(&r.start), end: to_storage_bound(&r.end) })
            .collect(),
        reversed,
    }
}

/// Where partitions come from.
enum Source {
    Keys(Vec<Vec<u8>>),
    Range(KeyRange),
    Empty,
}

/// The walk over rows of one execution.
struct Walk<'p, 'c, 'v, 'e> {
    inner: &'p Inner,
    plan: &'p SelectPlan,
    ctx: &'c mut BindCtx<'v, 'e>,
    filters: Vec<BoundFilter>,
    now: EpochSeconds,
    page_size: Option<u32>,
    /// Rows the LIMIT still allows (`None`: no limit).
    limit: Option<u32>,
    ppl: Option<u32>,
    rows: Vec<Vec<Value>>,
    page_full: bool,
    stop: bool,
    has_more: bool,
    /// The last row emitted.
    last: Option<LastRow>,
    /// Aggregation: the open group and the groups of the current partition.
    groups: Option<Groups>,
}

/// Where the last emitted row was, for the paging state.
struct LastRow {
    key: Vec<u8>,
    clustering: Option<Vec<u8>>,
    /// Whether its partition is finished.
    done: bool,
    /// What PER PARTITION LIMIT still allows in it.
    budget: Option<u32>,
}

struct Groups {
    current: Option<OpenGroup>,
    /// The partition being walked.
    partition: Vec<u8>,
    /// Groups opened in it (for PER PARTITION LIMIT).
    opened: u32,
    /// PER PARTITION LIMIT refused a group in it: its remaining rows are skipped.
    partition_full: bool,
}

/// A group still receiving rows.
struct OpenGroup {
    key: Vec<Vec<u8>>,
    state: sibyl_cql::plan::selection::GroupState,
    partition: Vec<u8>,
    /// The clustering key of its last row (`None`: a partition's static row).
    clustering: Option<Vec<u8>>,
    /// Its number among the groups of its partition (1 for the first).
    ordinal: u32,
}

/// Runs a `SELECT`.
pub fn execute_select(
    inner: &Inner,
    plan: &SelectPlan,
    ctx: &mut BindCtx<'_, '_>,
    now: EpochSeconds,
    page_size: Option<i32>,
    paging_state: Option<&[u8]>,
    t: &mut Tracer<'_>,
) -> CqlResult<Rows> {
    let table = &plan.table;
    let table_id = mapping::table_id(&table.def);
    let aggregate = plan.is_aggregate() || plan.group_by.is_some();
    let aggregate_everything = aggregate && plan.group_by.is_none();
    let mut page_size = page_size.filter(|p| *p > 0).map(|p| p as u32);
    if !plan.post_order.is_empty() && page_size.is_some() {
        return invalid("Cannot page queries with both ORDER BY and a IN restriction on the partition key; you must either remove the ORDER BY or the IN and sort client side, or disable paging for this query");
    }
    if aggregate_everything {
        page_size = None;
    }
    let state = match paging_state {
        Some(b) if !b.is_empty() && page_size.is_some() => Some(PagingState::decode(b)?),
        _ => None,
    };
    let user_limit = plan.bind_limit(ctx)?;
    let ppl = plan.bind_per_partition_limit(ctx)?;
    let mut filters = Vec::with_capacity(plan.restrictions.filters.len());
    for f in &plan.restrictions.filters {
        filters.push(BoundFilter::bind(f, table, ctx)?);
    }
    let source = match &plan.restrictions.partition {
        PartitionRestrictions::Keys(sets) => Source::Keys(bind_partition_keys(sets, table, ctx)?),
        PartitionRestrictions::Token { lower, upper } => match bind_token_range(lower, upper, ctx)? {
            None => Source::Empty,
            Some(r) => {
                let start = match r.lower {
                    None => RangePoint::Unbounded,
                    Some((t, true)) => RangePoint::BeforeToken(sibyl_common::Token(t)),
                    Some((t, false)) => RangePoint::AfterToken(sibyl_common::Token(t)),
                };
                let end = match r.upper {
                    None => RangePoint::Unbounded,
                    Some((t, true)) => RangePoint::AfterToken(sibyl_common::Token(t)),
                    Some((t, false)) => RangePoint::BeforeToken(sibyl_common::Token(t)),
                };
                Source::Range(KeyRange { start, end })
            }
        },
        PartitionRestrictions::Unrestricted => Source::Range(KeyRange::all()),
    };
    // Cassandra's client warnings for aggregates over more than one partition.
    let mut warnings = Vec::new();
    if plan.is_aggregate() {
        match &source {
            Source::Range(_) => warnings.push("Aggregation query used without partition key".to_string()),
            Source::Keys(keys) if keys.len() > 1 => {
                warnings.push("Aggregation query used on multiple partition keys (IN restriction)".to_string())
            }
            _ => {}
        }
    }
    let ranges: Vec<CkRange> = if plan.distinct {
        vec![CkRange {
            start: CkBound { prefix: Vec::new(), inclusive: true },
            end: CkBound { prefix: Vec::new(), inclusive: true },
        }]
    } else {
        bind_clustering(&plan.restrictions.clustering, table, ctx)?.ranges
    };
    let limit = match &state {
        Some(s) if s.remaining != u32::MAX => Some(s.remaining),
        Some(_) => None,
        None if !plan.post_order.is_empty() || aggregate_everything => None,
        None => user_limit,
    };
    let mut walk = Walk {
        inner,
        plan,
        ctx,
        filters,
        now,
        page_size,
        limit,
        ppl,
        rows: Vec::new(),
        page_full: false,
        stop: false,
        has_more: false,
        last: None,
        groups: aggregate.then(|| Groups { current: None, partition: Vec::new(), opened: 0, partition_full: false }),
    };
    let clock = &*inner.clock;
    // What a traced read saw: live rows and tombstones (only counted when traced).
    let mut seen = ReadCounts::default();
    if !ranges.is_empty() && limit != Some(0) {
        let slice = to_slice(&ranges, plan.reversed);
        match source {
            Source::Empty => {}
            Source::Keys(keys) => {
                let mut start = 0;
                if let Some(s) = &state {
                    let Some(i) = keys.iter().position(|k| *k == s.partition_key) else {
                        return invalid("Invalid value for the paging state");
                    };
                    start = i;
                    if !s.partition_done {
                        walk.resume_partition(table_id, s, &ranges)?;
                    }
                    start += 1;
                }
                for key in keys.iter().skip(start) {
                    if walk.stop {
                        break;
                    }
                    let pk = PartitionKey::new(key.clone());
                    trace(clock, t, || format!("Executing single-partition query on {}", table.name()));
                    let data = inner.engine.read(table_id, &pk, &slice).map_err(storage_error)?;
                    if let Some(mut d) = data {
                        if t.is_some() {
                            seen.add(&d, now);
                        }
                        mapping::hide_dropped(&table.def, &mut d);
                        walk.partition(key, &d, None)?;
                    }
                }
            }
            Source::Range(mut range) => {
                if let Some(s) = &state {
                    let pk = PartitionKey::new(s.partition_key.clone());
                    if !range.admits_start(&pk) || !range.admits_end(&pk) {
                        return invalid("Invalid value for the paging state");
                    }
                    if !s.partition_done {
                        walk.resume_partition(table_id, s, &ranges)?;
                    }
                    range.start = RangePoint::Excluding(pk);
                }
                if !walk.stop {
                    trace(clock, t, || "Computing ranges to query".into());
                    trace(clock, t, || "Submitting range requests on 1 ranges with a concurrency of 1".into());
                    let scan = inner.engine.scan(table_id, range, slice).map_err(storage_error)?;
                    for item in scan {
                        let (pk, mut data) = item.map_err(storage_error)?;
                        if t.is_some() {
                            seen.add(&data, now);
                        }
                        mapping::hide_dropped(&table.def, &mut data);
                        walk.partition(&pk.key, &data, None)?;
                        if walk.stop {
                            break;
                        }
                    }
                }
            }
        }
    }
    let mut rows = walk.finish()?;
    rows.warnings = warnings;
    trace(clock, t, || format!("Read {} live rows and {} tombstone cells", seen.live_rows, seen.tombstones));
    Ok(rows)
}

/// Live rows and tombstones of the partitions a traced read went through.
#[derive(Default)]
struct ReadCounts {
    live_rows: u64,
    tombstones: u64,
}

impl ReadCounts {
    fn add(&mut self, data: &PartitionData, now: EpochSeconds) {
        let deletions = u64::from(data.partition_deletion.is_some()) + data.range_tombstones.len() as u64;
        self.tombstones += deletions;
        for row in data.static_row.iter().chain(data.rows.iter().map(|(_, r)| r)) {
            if row.is_live(now) {
                self.live_rows += 1;
            }
            self.tombstones += u64::from(row.deletion.is_some()) + row.complex_deletions.len() as u64;
            self.tombstones += row.cells.values().filter(|c| c.live_value(now).is_none()).count() as u64;
        }
    }
}

impl Walk<'_, '_, '_, '_> {
    /// Reads the rest of the partition a paging state stopped in.
    fn resume_partition(
        &mut self,
        table_id: sibyl_storage::TableId,
        s: &PagingState,
        ranges: &[CkRange],
    ) -> CqlResult<()> {
        let narrowed = match &s.clustering {
            Some(ck) => ranges_after(ranges, ck, self.plan.reversed),
            None => return Ok(()),
        };
        if narrowed.is_empty() {
            return Ok(());
        }
        let pk = PartitionKey::new(s.partition_key.clone());
        let slice = to_slice(&narrowed, self.plan.reversed);
        if let Some(mut d) = self.inner.engine.read(table_id, &pk, &slice).map_err(storage_error)? {
            mapping::hide_dropped(&self.plan.table.def, &mut d);
            let budget = (s.remaining_in_partition != u32::MAX).then_some(s.remaining_in_partition);
            self.partition(&s.partition_key, &d, Some(budget))?;
        }
        Ok(())
    }

    /// Walks one partition. `resumed` carries the partition budget left when continuing a
    /// partition from a paging state (its static-only row was already considered).
    fn partition(&mut self, key: &[u8], data: &PartitionData, resumed: Option<Option<u32>>) -> CqlResult<()> {
        let table = &self.plan.table;
        let Some(pk) = sibyl_cql::plan::keys::split_partition_key(key, table.pk.len()) else {
            return Err(CqlError::Server("corrupt partition key".into()));
        };
        let static_row = data.static_row.as_ref().filter(|r| r.is_live(self.now));
        let mut budget = match resumed {
            Some(b) => b,
            None => self.ppl,
        };
        if self.groups.is_some() {
            // PER PARTITION LIMIT counts groups, not rows.
            budget = None;
            self.start_group_partition(key, resumed.flatten())?;
            if self.stop {
                return Ok(());
            }
        }
        let mut emitted_any = resumed.is_some();
        if self.plan.distinct {
            let has_rows = data.rows.iter().any(|(_, r)| r.is_live(self.now));
            if has_rows || static_row.is_some() {
                let view = RowView { table, pk: &pk, ck: None, static_row, row: None, now: self.now };
                if self.passes(&view)? {
                    self.emit(&view, key, None, true, budget)?;
                }
            }
            return Ok(());
        }
        for (ck, row) in &data.rows {
            if self.stop {
                return Ok(());
            }
            if !row.is_live(self.now) {
                continue;
            }
            let comps = decode_clustering(table, ck)?;
            let view = RowView { table, pk: &pk, ck: Some(&comps), static_row, row: Some(row), now: self.now };
            if !self.passes(&view)? {
                continue;
            }
            if budget == Some(0) {
                break;
            }
            let remaining = budget.map(|b| b - 1);
            let done = remaining == Some(0) || table.ck.is_empty();
            emitted_any = true;
            self.emit(&view, key, Some(ck.as_ref()), done, remaining)?;
            if self.stop {
                return Ok(());
            }
            budget = remaining;
            if done || self.groups.as_ref().is_some_and(|g| g.partition_full) {
                break;
            }
        }
        if !emitted_any && !self.stop && self.plan.queries_full_partitions {
            if let Some(s) = static_row {
                let has_live_rows = data.rows.iter().any(|(_, r)| r.is_live(self.now));
                if !has_live_rows && s.is_live(self.now) && budget != Some(0) {
                    let view = RowView { table, pk: &pk, ck: None, static_row, row: None, now: self.now };
                    if self.passes(&view)? {
                        self.emit(&view, key, None, true, budget)?;
                    }
                }
            }
        }
        if let Some(last) = &mut self.last {
            if last.key == key && !self.stop {
                last.done = true;
            }
        }
        Ok(())
    }

    fn passes(&self, view: &RowView<'_>) -> CqlResult<bool> {
        for f in &self.filters {
            if !f.matches(view)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Emits a row (or folds it into its group).
    fn emit(
        &mut self,
        view: &RowView<'_>,
        key: &[u8],
        ck: Option<&[u8]>,
        done: bool,
        budget: Option<u32>,
    ) -> CqlResult<()> {
        if self.groups.is_some() {
            return self.fold(view, key, ck);
        }
        if self.page_full {
            self.has_more = true;
            self.stop = true;
            return Ok(());
        }
        let row = self.plan.selection.row(view, self.ctx)?;
        self.rows.push(row);
        self.last = Some(LastRow { key: key.to_vec(), clustering: ck.map(<[u8]>::to_vec), done, budget });
        if let Some(l) = &mut self.limit {
            *l -= 1;
            if *l == 0 {
                self.stop = true;
                return Ok(());
            }
        }
        if let Some(p) = self.page_size {
            if self.rows.len() as u32 >= p {
                self.page_full = true;
            }
        }
        Ok(())
    }

    /// Enters partition `key` of a grouping query: a group of another partition is complete
    /// (`GROUP BY` keys include the whole partition key). `left` is what PER PARTITION LIMIT
    /// still allows in it when resuming from a paging state.
    fn start_group_partition(&mut self, key: &[u8], left: Option<u32>) -> CqlResult<()> {
        let grouped = self.plan.group_by.is_some();
        let Some(groups) = self.groups.as_mut() else { return Ok(()) };
        if groups.partition == key {
            return Ok(());
        }
        groups.partition = key.to_vec();
        groups.opened = match (self.ppl, left) {
            (Some(p), Some(l)) => p.saturating_sub(l),
            _ => 0,
        };
        groups.partition_full = false;
        if grouped && groups.current.as_ref().is_some_and(|g| g.partition != key) {
            self.close_group(true)?;
        }
        Ok(())
    }

    /// Folds a row into its group: a row with another group key completes the open group and
    /// opens the next one, unless PER PARTITION LIMIT refuses it, or the page is full (the row
    /// then only shows that more follows).
    fn fold(&mut self, view: &RowView<'_>, partition: &[u8], ck: Option<&[u8]>) -> CqlResult<()> {
        let group_key: Vec<Vec<u8>> = match self.plan.group_by {
            None => Vec::new(),
            Some(n) => {
                let mut k: Vec<Vec<u8>> = view.pk.to_vec();
                if let Some(ck) = view.ck {
                    k.extend(ck.iter().take(n).cloned());
                }
                k
            }
        };
        let Some(groups) = self.groups.as_ref() else { return Ok(()) };
        let same = groups.current.as_ref().is_some_and(|g| g.key == group_key);
        if !same {
            if groups.current.is_some() {
                self.close_group(false)?;
                if self.stop {
                    return Ok(());
                }
            }
            let Some(groups) = self.groups.as_mut() else { return Ok(()) };
            if self.plan.group_by.is_some() && self.ppl.is_some_and(|p| groups.opened >= p) {
                groups.partition_full = true;
                return Ok(());
            }
            if self.page_full {
                self.has_more = true;
                self.stop = true;
                return Ok(());
            }
            groups.opened += 1;
            groups.current = Some(OpenGroup {
                key: group_key,
                state: self.plan.selection.new_group(),
                partition: partition.to_vec(),
                clustering: None,
                ordinal: groups.opened,
            });
        }
        let paging = self.page_size.is_some();
        let Some(open) = self.groups.as_mut().and_then(|g| g.current.as_mut()) else { return Ok(()) };
        self.plan.selection.add_to_group(&mut open.state, view, self.ctx)?;
        // Where the group ends matters only to a paging state.
        if paging {
            match ck {
                Some(ck) => {
                    let c = open.clustering.get_or_insert_with(Vec::new);
                    c.clear();
                    c.extend_from_slice(ck);
                }
                None => open.clustering = None,
            }
        }
        Ok(())
    }

    /// Completes the open group: its row is emitted and counted against LIMIT and the page.
    /// `partition_done`: no row of its partition follows.
    fn close_group(&mut self, partition_done: bool) -> CqlResult<()> {
        let Some(open) = self.groups.as_mut().and_then(|g| g.current.take()) else { return Ok(()) };
        self.rows.push(self.plan.selection.finish_group(open.state)?);
        self.last = Some(LastRow {
            key: open.partition,
            clustering: open.clustering,
            done: partition_done,
            budget: self.ppl.map(|p| p.saturating_sub(open.ordinal)),
        });
        if let Some(l) = &mut self.limit {
            *l = l.saturating_sub(1);
            if *l == 0 {
                self.stop = true;
                return Ok(());
            }
        }
        if self.page_size.is_some_and(|p| self.rows.len() as u32 >= p) {
            self.page_full = true;
        }
        Ok(())
    }

    fn finish(mut self) -> CqlResult<Rows> {
        let plan = self.plan;
        if self.groups.is_some() {
            // The end of the data completes the open group (a stop leaves none open).
            self.close_group(true)?;
            if plan.group_by.is_none() && self.rows.is_empty() {
                self.rows.push(plan.selection.finish_group(plan.selection.new_group())?);
            }
        }
        if !plan.post_order.is_empty() {
            let order = &plan.post_order;
            let decoded: Vec<Vec<Option<CqlValue>>> = self
                .rows
                .iter()
                .map(|r| {
                    order
                        .iter()
                        .map(|(i, ty, _)| r.get(*i).cloned().flatten().and_then(|b| CqlValue::deserialize(ty, &b).ok()))
                        .collect()
                })
                .collect();
            let mut idx: Vec<usize> = (0..self.rows.len()).collect();
            idx.sort_by(|a, b| {
                for (k, (_, ty, desc)) in order.iter().enumerate() {
                    let o = match (&decoded[*a][k], &decoded[*b][k]) {
                        (Some(x), Some(y)) => compare(ty, x, y),
                        (None, Some(_)) => std::cmp::Ordering::Less,
                        (Some(_), None) => std::cmp::Ordering::Greater,
                        (None, None) => std::cmp::Ordering::Equal,
                    };
                    let o = if *desc { o.reverse() } else { o };
                    if o.is_ne() {
                        return o;
                    }
                }
                std::cmp::Ordering::Equal
            });
            let mut rows: Vec<Option<Vec<Value>>> = self.rows.into_iter().map(Some).collect();
            self.rows = idx.into_iter().filter_map(|i| rows[i].take()).collect();
            let limit = plan.bind_limit(self.ctx)?;
            if let Some(l) = limit {
                self.rows.truncate(l as usize);
            }
        }
        let visible = plan.selection.visible;
        for r in &mut self.rows {
            r.truncate(visible);
        }
        if plan.json {
            let specs = &plan.selection.specs[..visible];
            let mut out = Vec::with_capacity(self.rows.len());
            for r in &self.rows {
                out.push(vec![Some(json::row_to_json(specs, r)?.into_bytes())]);
            }
            self.rows = out;
        }
        let paging_state = if self.has_more {
            self.last.map(|last| {
                PagingState {
                    partition_key: last.key,
                    clustering: last.clustering,
                    partition_done: last.done,
                    remaining: self.limit.unwrap_or(u32::MAX),
                    remaining_in_partition: last.budget.unwrap_or(u32::MAX),
                }
                .encode()
            })
        } else {
            None
        };
        Ok(Rows { metadata: plan.result_specs.clone(), rows: self.rows, paging_state, warnings: Vec::new() })
    }
}
