//! Executing `INSERT`, `UPDATE` and `DELETE`: a bound plan becomes storage mutations (see
//! [`crate::mapping`] for the layout), reading first when a list operation needs positions.

use std::collections::BTreeMap;

use bytes::Bytes;
use sibyl_cql::plan::error::{invalid, CqlResult};
use sibyl_cql::plan::keys::{bind_clustering, bind_partition_keys, BoundClustering};
use sibyl_cql::plan::modify::{ModKind, ModificationPlan, Operation};
use sibyl_cql::plan::restrict::PartitionRestrictions;
use sibyl_cql::plan::vars::{bound_bigint, bound_int, BindCtx, Bound};
use sibyl_cql::plan::CqlError;
use sibyl_cql::schema::ColumnKind;
use sibyl_cql::types::CqlType;
use sibyl_storage::{
    Cell, CellKey, ClusteringBound, ClusteringRange, DeletionTime, EpochSeconds, Expiry, LivenessInfo, Mutation,
    PartitionData, PartitionKey, RangeTombstone, Row, Slice,
};

use crate::mapping::{
    self, counter_path, list_append_path, list_prepend_path, split_collection, split_fields, udt_field_path,
};
use crate::processor::Inner;

/// Cassandra's largest TTL (20 years).
pub const MAX_TTL: i32 = 20 * 365 * 24 * 60 * 60;

/// Timestamp and expiry of one statement's writes.
#[derive(Debug, Clone, Copy)]
pub struct WriteParams {
    pub timestamp: i64,
    /// Seconds to live; 0: none.
    pub ttl: u32,
    pub now: EpochSeconds,
}

impl WriteParams {
    fn expiry(&self) -> Option<Expiry> {
        (self.ttl > 0).then(|| Expiry { ttl_seconds: self.ttl, expires_at: self.now.saturating_add(self.ttl) })
    }

    fn live(&self, value: Bytes) -> Cell {
        match self.expiry() {
            Some(e) => Cell::expiring(self.timestamp, value, e),
            None => Cell::live(self.timestamp, value),
        }
    }

    fn tombstone(&self) -> Cell {
        Cell::tombstone(self.timestamp, self.now)
    }

    fn deletion(&self) -> DeletionTime {
        DeletionTime { timestamp: self.timestamp, local_deletion_time: self.now }
    }
}

/// The statement's timestamp and TTL (`default_ts` when no `USING TIMESTAMP`). Every client
/// write is bound here first, so a write to a virtual table is refused here.
pub fn bind_attributes(
    plan: &ModificationPlan,
    ctx: &mut BindCtx<'_, '_>,
    default_ts: i64,
    now: EpochSeconds,
) -> CqlResult<WriteParams> {
    crate::virtual_tables::check_writable(plan)?;
    let timestamp = match &plan.timestamp {
        None => default_ts,
        Some(t) => {
            let mut local = BindCtx { values: ctx.values, vars: ctx.vars, env: &mut *ctx.env };
            match t.bind(&mut local)? {
                Bound::Null => return invalid("Invalid null value of timestamp"),
                Bound::Unset => default_ts,
                b => bound_bigint(&b).ok_or_else(|| CqlError::invalid("Invalid timestamp value"))?,
            }
        }
    };
    let default_ttl = plan.table.def.params.default_time_to_live.max(0);
    let ttl = match &plan.ttl {
        None => default_ttl,
        Some(t) => {
            let mut local = BindCtx { values: ctx.values, vars: ctx.vars, env: &mut *ctx.env };
            match t.bind(&mut local)? {
                Bound::Null => 0,
                Bound::Unset => default_ttl,
                Bound::Bytes(b) if b.is_empty() => 0,
                b => {
                    let ttl = bound_int(&b).ok_or_else(|| CqlError::invalid("Invalid TTL value"))?;
                    if ttl < 0 {
                        return invalid(format!("A TTL must be greater or equal to 0, but was {ttl}"));
                    }
                    if ttl > MAX_TTL {
                        return invalid(format!("ttl is too large. requested ({ttl}) maximum ({MAX_TTL})"));
                    }
                    ttl
                }
            }
        }
    };
    Ok(WriteParams { timestamp, ttl: ttl as u32, now })
}

/// The partition keys and clustering of a bound modification.
pub struct BoundTarget {
    pub keys: Vec<Vec<u8>>,
    pub clustering: Option<BoundClustering>,
}

pub fn bind_target(plan: &ModificationPlan, ctx: &mut BindCtx<'_, '_>) -> CqlResult<BoundTarget> {
    let PartitionRestrictions::Keys(sets) = &plan.restrictions.partition else {
        return invalid("Some partition key parts are missing");
    };
    let keys = bind_partition_keys(sets, &plan.table, ctx)?;
    let clustering = if plan.restrictions.clustering.is_empty() {
        None
    } else {
        Some(bind_clustering(&plan.restrictions.clustering, &plan.table, ctx)?)
    };
    Ok(BoundTarget { keys, clustering })
}

/// The slice covering exactly `rows` (full clustering keys).
pub fn rows_slice(rows: &[Vec<u8>]) -> Slice {
    Slice { ranges: rows.iter().map(|r| ClusteringRange::prefix(Bytes::copy_from_slice(r))).collect(), reversed: false }
}

/// Builds the mutations of a bound modification (reading first if a list operation needs it).
pub fn build_mutations<'a>(
    inner: &Inner,
    plan: &'a ModificationPlan,
    target: &BoundTarget,
    params: &WriteParams,
    ctx: &mut BindCtx<'a, '_>,
) -> CqlResult<Vec<Mutation>> {
    let table = &plan.table;
    let table_id = mapping::table_id(&table.def);
    let rows: Vec<Vec<u8>> = match &target.clustering {
        None => vec![Vec::new()],
        Some(c) => {
            if c.prefixes.is_empty() {
                return Ok(Vec::new());
            }
            c.prefixes.clone()
        }
    };
    let mut out = Vec::with_capacity(target.keys.len());
    for key in &target.keys {
        let pk = PartitionKey::new(key.clone());
        let mut m = Mutation::new(table_id, pk.clone());
        let existing = if plan.requires_read() {
            let slice = if table.ck.is_empty() { Slice::all() } else { rows_slice(&rows) };
            let mut data = inner.engine.read(table_id, &pk, &slice).map_err(mapping::storage_error)?;
            if let Some(d) = &mut data {
                mapping::hide_dropped(&table.def, d);
            }
            data
        } else {
            None
        };
        let is_static = |o: &Operation| table.column(o.column()).kind == ColumnKind::Static;
        match plan.kind {
            ModKind::Insert | ModKind::Update => {
                if plan.updates_regular {
                    for ck in &rows {
                        let mut row = Row::default();
                        if plan.kind == ModKind::Insert {
                            row.marker = Some(LivenessInfo { timestamp: params.timestamp, expiry: params.expiry() });
                        }
                        let before = existing_row(existing.as_ref(), ck);
                        for op in plan.operations.iter().filter(|o| !is_static(o)) {
                            apply_op(inner, plan, op, &mut row, before, params, ctx)?;
                        }
                        if !row.is_empty() {
                            m.rows.push((Bytes::copy_from_slice(ck), row));
                        }
                    }
                }
                let mut srow = Row::default();
                let before = existing.as_ref().and_then(|p| p.static_row.as_ref());
                for op in plan.operations.iter().filter(|o| is_static(o)) {
                    apply_op(inner, plan, op, &mut srow, before, params, ctx)?;
                }
                if !srow.is_empty() {
                    m.static_row = Some(srow);
                }
            }
            ModKind::Delete => {
                if plan.operations.is_empty() {
                    match &target.clustering {
                        None => m.partition_deletion = Some(params.deletion()),
                        Some(c) if c.full => {
                            for ck in &c.prefixes {
                                let row = Row { deletion: Some(params.deletion()), ..Default::default() };
                                m.rows.push((Bytes::copy_from_slice(ck), row));
                            }
                        }
                        Some(c) => {
                            for r in &c.ranges {
                                let bound = |b: &sibyl_cql::plan::keys::CkBound| ClusteringBound {
                                    prefix: Bytes::copy_from_slice(&b.prefix),
                                    inclusive: b.inclusive,
                                };
                                m.range_tombstones.push(RangeTombstone {
                                    range: ClusteringRange { start: bound(&r.start), end: bound(&r.end) },
                                    deletion: params.deletion(),
                                });
                            }
                        }
                    }
                } else {
                    if plan.operations.iter().any(|o| !is_static(o)) {
                        for ck in &rows {
                            let mut row = Row::default();
                            let before = existing_row(existing.as_ref(), ck);
                            for op in plan.operations.iter().filter(|o| !is_static(o)) {
                                apply_op(inner, plan, op, &mut row, before, params, ctx)?;
                            }
                            if !row.is_empty() {
                                m.rows.push((Bytes::copy_from_slice(ck), row));
                            }
                        }
                    }
                    let mut srow = Row::default();
                    let before = existing.as_ref().and_then(|p| p.static_row.as_ref());
                    for op in plan.operations.iter().filter(|o| is_static(o)) {
                        apply_op(inner, plan, op, &mut srow, before, params, ctx)?;
                    }
                    if !srow.is_empty() {
                        m.static_row = Some(srow);
                    }
                }
            }
        }
        if m.partition_deletion.is_some()
            || !m.rows.is_empty()
            || m.static_row.is_some()
            || !m.range_tombstones.is_empty()
        {
            out.push(m);
        }
    }
    Ok(out)
}

fn existing_row<'a>(p: Option<&'a PartitionData>, ck: &[u8]) -> Option<&'a Row> {
    p?.rows.iter().find(|(k, _)| k.as_ref() == ck).map(|(_, r)| r)
}

/// The live elements (path, value) of list column `id`, seeing the statement's own earlier
/// changes on top of what was read.
fn list_elements(before: Option<&Row>, pending: &Row, id: u32, now: EpochSeconds) -> Vec<(Bytes, Bytes)> {
    let mut view = before.cloned().unwrap_or_default();
    view.merge(pending.clone());
    mapping::live_cells(&view, id, now).map(|(p, v)| (p.clone(), v.clone())).collect()
}

fn bind_op<'a>(t: &'a sibyl_cql::plan::vars::PTerm, ctx: &mut BindCtx<'a, '_>) -> CqlResult<Bound<'a>> {
    t.bind(ctx)
}

fn list_index<'a>(t: &'a sibyl_cql::plan::vars::PTerm, ctx: &mut BindCtx<'a, '_>) -> CqlResult<i32> {
    match bind_op(t, ctx)? {
        Bound::Bytes(b) => {
            let b: [u8; 4] = b.as_ref().try_into().map_err(|_| CqlError::invalid("Invalid list index"))?;
            Ok(i32::from_be_bytes(b))
        }
        _ => invalid("Invalid null value for list index"),
    }
}

#[allow(clippy::too_many_arguments)]
fn apply_op<'a>(
    inner: &Inner,
    plan: &'a ModificationPlan,
    op: &'a Operation,
    row: &mut Row,
    before: Option<&Row>,
    params: &WriteParams,
    ctx: &mut BindCtx<'a, '_>,
) -> CqlResult<()> {
    let def = plan.table.column(op.column());
    let id = def.storage_id();
    let key = |path: Bytes| CellKey { column: id, path };
    let overwrite = |row: &mut Row| {
        row.complex_deletions
            .insert(id, DeletionTime { timestamp: params.timestamp - 1, local_deletion_time: params.now });
    };
    match op {
        Operation::Set { value, .. } => {
            let b = bind_op(value, ctx)?;
            if !def.ty.is_multi_cell() {
                match b {
                    Bound::Unset => {}
                    Bound::Null => {
                        row.cells.insert(CellKey::simple(id), params.tombstone());
                    }
                    Bound::Bytes(v) => {
                        row.cells.insert(CellKey::simple(id), params.live(Bytes::copy_from_slice(&v)));
                    }
                }
                return Ok(());
            }
            match b {
                Bound::Unset => {}
                Bound::Null => overwrite(row),
                Bound::Bytes(v) => {
                    overwrite(row);
                    add_elements(inner, &def.ty, id, &v, row, params, false)?;
                }
            }
        }
        Operation::SetField { field, value, .. } => match bind_op(value, ctx)? {
            Bound::Unset => {}
            Bound::Null => {
                row.cells.insert(key(udt_field_path(*field)), params.tombstone());
            }
            Bound::Bytes(v) => {
                row.cells.insert(key(udt_field_path(*field)), params.live(Bytes::copy_from_slice(&v)));
            }
        },
        Operation::SetMapEntry { key: k, value, .. } => {
            let k = match bind_op(k, ctx)? {
                Bound::Bytes(k) => Bytes::copy_from_slice(&k),
                Bound::Unset => return invalid("Invalid unset map key"),
                Bound::Null => return invalid("Invalid null map key"),
            };
            match bind_op(value, ctx)? {
                Bound::Unset => {}
                Bound::Null => {
                    row.cells.insert(key(k), params.tombstone());
                }
                Bound::Bytes(v) => {
                    row.cells.insert(key(k), params.live(Bytes::copy_from_slice(&v)));
                }
            }
        }
        Operation::SetListIndex { index, value, .. } => {
            let idx = list_index(index, ctx)?;
            let elements = list_elements(before, row, id, params.now);
            if elements.is_empty() {
                return invalid("Attempted to set an element on a list which is null");
            }
            let Some((path, _)) = usize::try_from(idx).ok().and_then(|i| elements.get(i)) else {
                return invalid(format!("List index {idx} out of bound, list has size {}", elements.len()));
            };
            let path = path.clone();
            match bind_op(value, ctx)? {
                Bound::Unset => {}
                Bound::Null => {
                    row.cells.insert(key(path), params.tombstone());
                }
                Bound::Bytes(v) => {
                    row.cells.insert(key(path), params.live(Bytes::copy_from_slice(&v)));
                }
            }
        }
        Operation::Append { value, .. } | Operation::AddElements { value, .. } => {
            if let Bound::Bytes(v) = bind_op(value, ctx)? {
                add_elements(inner, &def.ty, id, &v, row, params, false)?;
            }
        }
        Operation::Prepend { value, .. } => {
            if let Bound::Bytes(v) = bind_op(value, ctx)? {
                add_elements(inner, &def.ty, id, &v, row, params, true)?;
            }
        }
        Operation::ListDiscard { value, .. } => {
            let Bound::Bytes(v) = bind_op(value, ctx)? else { return Ok(()) };
            let discard = split_collection(&v, false).ok_or_else(|| CqlError::invalid("Invalid list value"))?;
            let discard: Vec<Vec<u8>> = discard.into_iter().filter_map(|(e, _)| e).collect();
            for (path, value) in list_elements(before, row, id, params.now) {
                if discard.iter().any(|d| d.as_slice() == value.as_ref()) {
                    row.cells.insert(key(path), params.tombstone());
                }
            }
        }
        Operation::RemoveElements { value, .. } => {
            let Bound::Bytes(v) = bind_op(value, ctx)? else { return Ok(()) };
            let items = split_collection(&v, false).ok_or_else(|| CqlError::invalid("Invalid set value"))?;
            for (e, _) in items {
                if let Some(e) = e {
                    row.cells.insert(key(Bytes::from(e)), params.tombstone());
                }
            }
        }
        Operation::CounterAdd { value, negate, .. } => {
            let delta = match bind_op(value, ctx)? {
                Bound::Bytes(b) => {
                    let b: [u8; 8] = b.as_ref().try_into().map_err(|_| CqlError::invalid("Invalid counter value"))?;
                    i64::from_be_bytes(b)
                }
                Bound::Null => return invalid("Invalid null value for counter increment"),
                Bound::Unset => return Ok(()),
            };
            let delta = if *negate { delta.wrapping_neg() } else { delta };
            let path = counter_path(inner.node_id, inner.sequencer.next_id());
            row.cells.insert(key(path), Cell::live(params.timestamp, Bytes::copy_from_slice(&delta.to_be_bytes())));
        }
        Operation::DeleteColumn { .. } => {
            if def.ty.is_multi_cell() || def.ty.is_counter() {
                row.complex_deletions.insert(id, params.deletion());
            } else {
                row.cells.insert(CellKey::simple(id), params.tombstone());
            }
        }
        Operation::DeleteElement { key: k, .. } => match bind_op(k, ctx)? {
            Bound::Bytes(k) => {
                row.cells.insert(key(Bytes::copy_from_slice(&k)), params.tombstone());
            }
            Bound::Unset => return invalid("Invalid unset value for collection element"),
            Bound::Null => return invalid("Invalid null value for collection element"),
        },
        Operation::DeleteListIndex { index, .. } => {
            let idx = list_index(index, ctx)?;
            let elements = list_elements(before, row, id, params.now);
            if elements.is_empty() {
                return invalid("Attempted to delete an element from a list which is null");
            }
            let Some((path, _)) = usize::try_from(idx).ok().and_then(|i| elements.get(i)) else {
                return invalid(format!("List index {idx} out of bound, list has size {}", elements.len()));
            };
            row.cells.insert(key(path.clone()), params.tombstone());
        }
        Operation::DeleteField { field, .. } => {
            row.cells.insert(key(udt_field_path(*field)), params.tombstone());
        }
    }
    Ok(())
}

/// Writes the elements of a serialized collection (or the fields of a UDT value) as cells.
fn add_elements(
    inner: &Inner,
    ty: &CqlType,
    id: u32,
    value: &[u8],
    row: &mut Row,
    params: &WriteParams,
    prepend: bool,
) -> CqlResult<()> {
    let key = |path: Bytes| CellKey { column: id, path };
    let malformed = || CqlError::invalid(format!("Invalid value for type {ty}"));
    match ty {
        CqlType::List { .. } => {
            let items = split_collection(value, false).ok_or_else(malformed)?;
            for (e, _) in items {
                let Some(e) = e else { return invalid("null is not supported inside collections") };
                let seq = inner.sequencer.next_id();
                let path = if prepend {
                    list_prepend_path(params.timestamp, seq)
                } else {
                    list_append_path(params.timestamp, seq)
                };
                row.cells.insert(key(path), params.live(Bytes::from(e)));
            }
        }
        CqlType::Set { .. } => {
            for (e, _) in split_collection(value, false).ok_or_else(malformed)? {
                let Some(e) = e else { return invalid("null is not supported inside collections") };
                row.cells.insert(key(Bytes::from(e)), params.live(Bytes::new()));
            }
        }
        CqlType::Map { .. } => {
            for (k, v) in split_collection(value, true).ok_or_else(malformed)? {
                let (Some(k), Some(v)) = (k, v) else { return invalid("null is not supported inside collections") };
                row.cells.insert(key(Bytes::from(k)), params.live(Bytes::from(v)));
            }
        }
        CqlType::Udt { .. } => {
            for (pos, f) in split_fields(value).ok_or_else(malformed)?.into_iter().enumerate() {
                if let Some(f) = f {
                    row.cells.insert(key(udt_field_path(pos)), params.live(Bytes::from(f)));
                }
            }
        }
        _ => return invalid(format!("Invalid collection operation on type {ty}")),
    }
    Ok(())
}

/// Merges mutations of the same partition of the same table (a batch applies each partition
/// atomically).
pub fn merge_mutations(mutations: Vec<Mutation>) -> Vec<Mutation> {
    let mut by_key: BTreeMap<(sibyl_storage::TableId, PartitionKey), Mutation> = BTreeMap::new();
    let mut order = Vec::new();
    for m in mutations {
        let k = (m.table, m.key.clone());
        match by_key.get_mut(&k) {
            None => {
                order.push(k.clone());
                by_key.insert(k, m);
            }
            Some(cur) => merge_into(cur, m),
        }
    }
    order.into_iter().filter_map(|k| by_key.remove(&k)).collect()
}

fn merge_into(cur: &mut Mutation, m: Mutation) {
    cur.partition_deletion = DeletionTime::max(cur.partition_deletion, m.partition_deletion);
    cur.range_tombstones.extend(m.range_tombstones);
    if let Some(s) = m.static_row {
        match &mut cur.static_row {
            Some(c) => c.merge(s),
            None => cur.static_row = Some(s),
        }
    }
    let mut rows: BTreeMap<Bytes, Row> = std::mem::take(&mut cur.rows).into_iter().collect();
    for (ck, r) in m.rows {
        match rows.get_mut(&ck) {
            Some(c) => c.merge(r),
            None => {
                rows.insert(ck, r);
            }
        }
    }
    cur.rows = rows.into_iter().collect();
}
