//! Planning `SELECT`: selection, restrictions, ordering, grouping, limits, `DISTINCT` and
//! `JSON`, with Cassandra's rules and messages (`SelectStatement.RawStatement.prepare`).

use std::sync::Arc;

use super::error::{invalid, CqlResult};
use super::restrict::{analyse, Restrictions, StatementType};
use super::selection::{plan_selection, Selection};
use super::table::TableInfo;
use super::vars::{prepare_parameter, BindCtx, Bound, ColumnSpec, PTerm, Vars};
use crate::ast::{Direction, SelectStatement, Selectable};
use crate::schema::ColumnKind;
use crate::types::CqlType;

/// A planned `SELECT`.
#[derive(Debug, Clone)]
pub struct SelectPlan {
    pub table: Arc<TableInfo>,
    pub selection: Selection,
    pub restrictions: Restrictions,
    pub distinct: bool,
    pub json: bool,
    /// Read clustering in reverse storage order.
    pub reversed: bool,
    /// `IN` on the partition key with `ORDER BY`: sort the rows by these result columns
    /// (index, type, descending) after reading.
    pub post_order: Vec<(usize, CqlType, bool)>,
    pub limit: Option<PTerm>,
    pub per_partition_limit: Option<PTerm>,
    /// `GROUP BY`: how many clustering columns the group key has (after the partition key).
    pub group_by: Option<usize>,
    pub vars: Vars,
    /// The selection reads static and partition key columns only.
    pub only_static: bool,
    /// A partition with only static content yields a row (no clustering or regular restriction).
    pub queries_full_partitions: bool,
    /// The result metadata (`[json]` for `SELECT JSON`).
    pub result_specs: Vec<ColumnSpec>,
}

impl SelectPlan {
    /// Whether rows are folded (aggregates or `GROUP BY`).
    pub fn is_aggregate(&self) -> bool {
        self.selection.is_aggregate()
    }

    /// The bound `LIMIT` (`None`: no limit).
    pub fn bind_limit(&self, ctx: &mut BindCtx<'_, '_>) -> CqlResult<Option<u32>> {
        bind_limit(self.limit.as_ref(), "limit", "LIMIT", ctx)
    }

    /// The bound `PER PARTITION LIMIT`.
    pub fn bind_per_partition_limit(&self, ctx: &mut BindCtx<'_, '_>) -> CqlResult<Option<u32>> {
        bind_limit(self.per_partition_limit.as_ref(), "per partition limit", "PER PARTITION LIMIT", ctx)
    }
}

fn bind_limit(t: Option<&PTerm>, what: &str, keyword: &str, ctx: &mut BindCtx<'_, '_>) -> CqlResult<Option<u32>> {
    let Some(t) = t else { return Ok(None) };
    let mut local = BindCtx { values: ctx.values, vars: ctx.vars, env: &mut *ctx.env };
    match t.bind(&mut local)? {
        Bound::Null => invalid(format!("Invalid null value of {what}")),
        Bound::Unset => Ok(None),
        Bound::Bytes(b) => {
            let Ok(bytes) = <[u8; 4]>::try_from(b.as_ref()) else {
                return invalid(format!("Invalid {what} value"));
            };
            let n = i32::from_be_bytes(bytes);
            if n <= 0 {
                return invalid(format!("{keyword} must be strictly positive"));
            }
            Ok(Some(n as u32))
        }
    }
}

/// Plans a `SELECT` on `table`.
pub fn plan_select(s: &SelectStatement, table: Arc<TableInfo>) -> CqlResult<SelectPlan> {
    let mut vars = Vars::default();
    let mut selection = plan_selection(&s.selection, &table, &mut vars)?;
    let restrictions = analyse(&s.where_clause, &table, StatementType::Select, &mut vars, s.allow_filtering)?;
    let only_static = selection.only_static(&table);
    if only_static && restrictions.has_clustering_restrictions() {
        return invalid("Cannot restrict clustering columns when selecting only static columns");
    }
    if s.distinct {
        if s.per_partition_limit.is_some() {
            return invalid("PER PARTITION LIMIT is not allowed with SELECT DISTINCT queries");
        }
        validate_distinct(&selection, &restrictions, &table)?;
    }
    let group_by = plan_group_by(s, &table, &restrictions)?;
    let aggregate_everything = selection.is_aggregate() && group_by.is_none();
    if aggregate_everything && s.per_partition_limit.is_some() {
        return invalid("PER PARTITION LIMIT is not allowed with aggregate queries.");
    }

    let mut reversed = false;
    let mut post_order = Vec::new();
    if !s.order_by.is_empty() {
        if restrictions.is_key_range() {
            return invalid("ORDER BY is only supported when the partition key is restricted by an EQ or an IN.");
        }
        let mut agreed: Option<bool> = None;
        for (i, o) in s.order_by.iter().enumerate() {
            if o.ann_of.is_some() {
                return invalid("ANN ordering is not supported by sibyl");
            }
            let idx = table.column_index(&o.column)?;
            let Some(pos) = table.ck_position(idx) else {
                return invalid(format!(
                    "Order by is currently only supported on the clustered columns of the PRIMARY KEY, got {}",
                    table.quoted(idx)
                ));
            };
            if pos != i {
                return invalid(
                    "Order by currently only support the ordering of columns following their declared order in the PRIMARY KEY",
                );
            }
            let column_desc = table.column(idx).order == crate::schema::ClusteringOrder::Desc;
            let r = (o.direction == Direction::Desc) != column_desc;
            match agreed {
                None => agreed = Some(r),
                Some(a) if a != r => return invalid("Unsupported order by relation"),
                _ => {}
            }
        }
        reversed = agreed.unwrap_or(false);
        if restrictions.key_is_in() {
            for o in &s.order_by {
                let idx = table.column_index(&o.column)?;
                let ri = selection.ensure_column(idx, &table);
                post_order.push((ri, table.column(idx).ty.clone(), o.direction == Direction::Desc));
            }
        }
    }

    // PER PARTITION LIMIT comes first in the text, so its marker does too.
    let per_partition_limit = match &s.per_partition_limit {
        Some(t) => Some(prepare_parameter(t, table.named_spec("[per_partition_limit]", CqlType::Int), &mut vars)?),
        None => None,
    };
    let limit = match &s.limit {
        Some(t) => Some(prepare_parameter(t, table.named_spec("[limit]", CqlType::Int), &mut vars)?),
        None => None,
    };
    let result_specs = if s.json {
        vec![table.named_spec("[json]", CqlType::Text)]
    } else {
        selection.specs[..selection.visible].to_vec()
    };
    let queries_full_partitions = !restrictions.has_clustering_restrictions() && !restrictions.has_regular_filter;
    Ok(SelectPlan {
        table,
        selection,
        restrictions,
        distinct: s.distinct,
        json: s.json,
        reversed,
        post_order,
        limit,
        per_partition_limit,
        group_by,
        vars,
        only_static,
        queries_full_partitions,
        result_specs,
    })
}

fn validate_distinct(selection: &Selection, restrictions: &Restrictions, table: &TableInfo) -> CqlResult<()> {
    let non_static_filter = restrictions
        .filters
        .iter()
        .any(|f| !matches!(table.column(f.column).kind, ColumnKind::Static | ColumnKind::PartitionKey));
    if restrictions.has_clustering_restrictions() || non_static_filter {
        return invalid(
            "SELECT DISTINCT with WHERE clause only supports restriction by partition key and/or static columns.",
        );
    }
    let columns: Vec<usize> = if selection.wildcard { table.select_order.clone() } else { selection.columns.clone() };
    for c in &columns {
        let col = table.column(*c);
        if !matches!(col.kind, ColumnKind::PartitionKey | ColumnKind::Static) {
            return invalid(format!(
                "SELECT DISTINCT queries must only request partition key columns and/or static columns (not {})",
                table.quoted(*c)
            ));
        }
    }
    if restrictions.is_key_range() {
        for pk in &table.pk {
            if !columns.contains(pk) {
                return invalid(format!(
                    "SELECT DISTINCT queries must request all the partition key columns (missing {})",
                    table.quoted(*pk)
                ));
            }
        }
    }
    Ok(())
}

fn plan_group_by(s: &SelectStatement, table: &TableInfo, restrictions: &Restrictions) -> CqlResult<Option<usize>> {
    if s.group_by.is_empty() {
        return Ok(None);
    }
    let order_msg =
        "Group by currently only support groups of columns following their declared order in the PRIMARY KEY";
    let pk_columns: Vec<usize> = table.pk.iter().chain(&table.ck).copied().collect();
    let mut next = 0usize;
    let mut clustering_prefix = 0usize;
    let eq_width = restrictions.clustering.eq_width();
    let pk_eq = matches!(&restrictions.partition, super::restrict::PartitionRestrictions::Keys(_));
    for g in &s.group_by {
        let Selectable::Column(c) = g else {
            return invalid("Group by is only supported on columns of the PRIMARY KEY");
        };
        let idx = table.column_index(c)?;
        let col = table.column(idx);
        if !col.is_primary_key() {
            return invalid(format!(
                "Group by is currently only supported on the columns of the PRIMARY KEY, got {}",
                table.quoted(idx)
            ));
        }
        loop {
            let Some(&pk_col) = pk_columns.get(next) else { return invalid(order_msg) };
            next += 1;
            if let Some(p) = table.ck_position(pk_col) {
                clustering_prefix = p + 1;
            }
            if pk_col == idx {
                break;
            }
            let restricted_by_eq = match table.ck_position(pk_col) {
                Some(p) => p < eq_width,
                None => pk_eq,
            };
            if !restricted_by_eq {
                return invalid(order_msg);
            }
        }
    }
    if next < table.pk.len() {
        return invalid("Group by is not supported on only a part of the partition key");
    }
    if clustering_prefix > 0 && s.distinct {
        return invalid("Grouping on clustering columns is not allowed for SELECT DISTINCT queries");
    }
    Ok(Some(clustering_prefix))
}
