//! Conditional writes (`IF NOT EXISTS`, `IF EXISTS`, `IF <conditions>`), executed locally as
//! read-check-write under one lock, with Cassandra's `[applied]` result: `true` alone, or
//! `false` with the current values (the whole row for `IF [NOT] EXISTS`, the tested columns
//! otherwise; nothing more when the row does not exist).

use bytes::Bytes;
use sibyl_cql::plan::conditions::{condition_applies, Conditions};
use sibyl_cql::plan::error::{invalid, CqlResult};
use sibyl_cql::plan::modify::{ModKind, ModificationPlan};
use sibyl_cql::plan::selection::RowSource;
use sibyl_cql::plan::vars::BindCtx;
use sibyl_cql::plan::ColumnSpec;
use sibyl_cql::schema::ColumnKind;
use sibyl_cql::types::CqlType;
use sibyl_storage::{EpochSeconds, Mutation, PartitionData, PartitionKey, Row, Slice};

use crate::mapping::{self, storage_error};
use crate::processor::Inner;
use crate::result::{QueryResult, Rows, Value};
use crate::rowview::{decode_clustering, RowView};
use crate::write::{bind_attributes, bind_target, build_mutations, rows_slice, BoundTarget, WriteParams};

/// One statement of a conditional request, bound.
pub struct CasItem<'p> {
    pub plan: &'p ModificationPlan,
    pub target: BoundTarget,
    pub params: WriteParams,
}

/// The row a statement's conditions are checked against: its clustering key (`None`: the
/// partition as a whole / its static row).
fn checked_row(item: &CasItem<'_>) -> CqlResult<Option<Vec<u8>>> {
    match &item.target.clustering {
        None if item.plan.table.ck.is_empty() => Ok(Some(Vec::new())),
        None => Ok(None),
        Some(c) if c.full && c.prefixes.len() == 1 => Ok(c.prefixes.first().cloned()),
        Some(c) if c.prefixes.len() > 1 => {
            let what = if item.plan.kind == ModKind::Delete { "deletions" } else { "updates" };
            invalid(format!("IN on the clustering key columns is not supported with conditional {what}"))
        }
        Some(_) => Ok(None),
    }
}

fn applied_spec(plan: &ModificationPlan) -> ColumnSpec {
    plan.table.named_spec("[applied]", CqlType::Boolean)
}

/// Executes conditional statements (one, or a batch on one partition).
pub fn execute_cas<'a>(
    inner: &Inner,
    items: Vec<CasItem<'a>>,
    ctxs: &mut [BindCtx<'a, '_>],
    now: EpochSeconds,
    is_batch: bool,
) -> CqlResult<QueryResult> {
    let Some(first) = items.first() else { return Ok(QueryResult::Void) };
    let plan0 = first.plan;
    let table_id = mapping::table_id(&plan0.table.def);
    let key = match first.target.keys.as_slice() {
        [k] => k.clone(),
        _ => {
            return invalid(if is_batch {
                "Batch with conditions cannot span multiple partitions"
            } else {
                "IN on the partition key is not supported with conditional updates"
            })
        }
    };
    for it in &items {
        if it.target.keys.len() != 1 || it.target.keys[0] != key {
            return invalid("Batch with conditions cannot span multiple partitions");
        }
    }
    let _guard = inner.lwt.lock();
    let pk = PartitionKey::new(key.clone());
    let mut rows_needed = Vec::new();
    let mut whole = false;
    for it in &items {
        match checked_row(it)? {
            Some(ck) => rows_needed.push(ck),
            None => whole = true,
        }
    }
    let slice = if whole || plan0.table.ck.is_empty() { Slice::all() } else { rows_slice(&rows_needed) };
    let mut current = inner.engine.read(table_id, &pk, &slice).map_err(storage_error)?;
    if let Some(d) = &mut current {
        mapping::hide_dropped(&plan0.table.def, d);
    }

    let mut applies = true;
    let mut checked: Vec<(Option<Vec<u8>>, &ModificationPlan)> = Vec::new();
    for (it, ctx) in items.iter().zip(ctxs.iter_mut()) {
        let row_key = checked_row(it)?;
        let ok = check(it.plan, current.as_ref(), row_key.as_deref(), ctx, now)?;
        if !matches!(it.plan.conditions, Conditions::None) {
            checked.push((row_key, it.plan));
        }
        applies &= ok;
    }
    if applies {
        let mut mutations: Vec<Mutation> = Vec::new();
        for (it, ctx) in items.iter().zip(ctxs.iter_mut()) {
            mutations.extend(build_mutations(inner, it.plan, &it.target, &it.params, ctx)?);
        }
        for m in crate::write::merge_mutations(mutations) {
            inner.engine.apply(&m).map_err(storage_error)?;
        }
        return Ok(QueryResult::Rows(Rows {
            metadata: vec![applied_spec(plan0)],
            rows: vec![vec![Some(vec![1])]],
            paging_state: None,
            warnings: Vec::new(),
        }));
    }
    Ok(QueryResult::Rows(failure(plan0, current.as_ref(), &checked, &pk.key, now, is_batch)?))
}

fn live_row<'a>(p: Option<&'a PartitionData>, ck: &[u8], now: EpochSeconds) -> Option<&'a Row> {
    p?.rows.iter().find(|(k, r)| k.as_ref() == ck && r.is_live(now)).map(|(_, r)| r)
}

fn live_static(p: Option<&PartitionData>, now: EpochSeconds) -> Option<&Row> {
    p?.static_row.as_ref().filter(|r| r.is_live(now))
}

/// Whether a statement's conditions hold.
fn check(
    plan: &ModificationPlan,
    current: Option<&PartitionData>,
    row_key: Option<&[u8]>,
    ctx: &mut BindCtx<'_, '_>,
    now: EpochSeconds,
) -> CqlResult<bool> {
    let row = row_key.and_then(|ck| live_row(current, ck, now));
    let statics = live_static(current, now);
    let exists = match row_key {
        Some(_) if plan.updates_regular => row.is_some(),
        // Static-only statements and partition-level ones: any live content.
        _ => statics.is_some() || current.is_some_and(|p| p.rows.iter().any(|(_, r)| r.is_live(now))),
    };
    match &plan.conditions {
        Conditions::None => Ok(true),
        Conditions::IfExists => Ok(exists),
        Conditions::IfNotExists => Ok(!exists),
        Conditions::Columns(cs) => {
            for c in cs {
                let def = plan.table.column(c.column);
                let source = if def.kind == ColumnKind::Static { statics } else { row };
                let value = mapping::column_cql_value(source, def, now)?;
                let ty = if def.ty.is_multi_cell() { def.ty.freeze() } else { def.ty.clone() };
                if !condition_applies(c, &ty, value.as_ref(), ctx)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
    }
}

/// The `[applied] = false` result with the current values.
fn failure(
    plan: &ModificationPlan,
    current: Option<&PartitionData>,
    checked: &[(Option<Vec<u8>>, &ModificationPlan)],
    key: &Bytes,
    now: EpochSeconds,
    is_batch: bool,
) -> CqlResult<Rows> {
    let table = &plan.table;
    let wildcard = checked.iter().any(|(_, p)| matches!(p.conditions, Conditions::IfExists | Conditions::IfNotExists));
    let mut columns: Vec<usize> = Vec::new();
    if wildcard {
        columns = table.select_order.clone();
    } else {
        if is_batch {
            columns.extend(table.pk.iter().chain(&table.ck).copied());
        }
        for (_, p) in checked {
            for c in p.conditions.columns() {
                if !columns.contains(&c) {
                    columns.push(c);
                }
            }
        }
    }
    let mut metadata = vec![applied_spec(plan)];
    metadata.extend(columns.iter().map(|c| table.spec(*c)));
    let pk = sibyl_cql::plan::keys::split_partition_key(key, table.pk.len()).unwrap_or_default();
    let statics = live_static(current, now);
    let mut rows = Vec::new();
    let mut seen: Vec<Option<Vec<u8>>> = Vec::new();
    for (row_key, _) in checked {
        if seen.contains(row_key) {
            continue;
        }
        seen.push(row_key.clone());
        let (ck, row) = match row_key.as_deref().and_then(|ck| live_row(current, ck, now).map(|r| (ck, r))) {
            Some((ck, r)) => (Some(decode_clustering(table, ck)?), Some(r)),
            None => (None, None),
        };
        if row.is_none() && statics.is_none() {
            continue;
        }
        let view = RowView { table, pk: &pk, ck: ck.as_deref(), static_row: statics, row, now };
        let mut values: Vec<Value> = vec![Some(vec![0])];
        values.extend(columns.iter().map(|c| view.value(*c)));
        rows.push(values);
    }
    if rows.is_empty() {
        return Ok(Rows {
            metadata: vec![applied_spec(plan)],
            rows: vec![vec![Some(vec![0])]],
            paging_state: None,
            warnings: Vec::new(),
        });
    }
    Ok(Rows { metadata, rows, paging_state: None, warnings: Vec::new() })
}

/// Binds a conditional statement.
pub fn bind_item<'p>(
    plan: &'p ModificationPlan,
    ctx: &mut BindCtx<'_, '_>,
    default_ts: i64,
    now: EpochSeconds,
) -> CqlResult<CasItem<'p>> {
    let params = bind_attributes(plan, ctx, default_ts, now)?;
    let target = bind_target(plan, ctx)?;
    Ok(CasItem { plan, target, params })
}
