//! Planning `INSERT`, `UPDATE` and `DELETE`: the rows addressed, the operations on their
//! columns and the `IF` conditions, with Cassandra's checks and messages
//! (`ModificationStatement`, `UpdateStatement`, `DeleteStatement`, `Operation`).

use std::sync::Arc;

use super::conditions::{prepare_conditions, Conditions};
use super::error::{invalid, CqlResult};
use super::restrict::{
    analyse, missing_clustering_error, ClusteringRestrictions, EqGroup, PartitionRestrictions, Restrictions,
    StatementType, TupleSet, TupleSource, ValueSet,
};
use super::table::TableInfo;
use super::vars::{prepare_parameter, prepare_term, PTerm, Vars};
use crate::ast::{
    Assignment, DeleteSelection, DeleteStatement, IfClause, InsertStatement, InsertValues, UpdateStatement, Using,
};
use crate::schema::ColumnKind;
use crate::term::Term;
use crate::types::CqlType;

/// One change to one column of the addressed rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Operation {
    /// `c = v`: a simple cell, or a whole collection or UDT (which replaces the old one).
    Set { column: usize, value: PTerm },
    /// `c.f = v` on a non-frozen UDT (field by position).
    SetField { column: usize, field: usize, value: PTerm },
    /// `m[k] = v`.
    SetMapEntry { column: usize, key: PTerm, value: PTerm },
    /// `l[i] = v` (reads the list).
    SetListIndex { column: usize, index: PTerm, value: PTerm },
    /// `l = l + v`.
    Append { column: usize, value: PTerm },
    /// `l = v + l`.
    Prepend { column: usize, value: PTerm },
    /// `s = s + v` on a set, `m = m + v` on a map.
    AddElements { column: usize, value: PTerm },
    /// `l = l - v` (reads the list).
    ListDiscard { column: usize, value: PTerm },
    /// `s = s - v` on a set; `m = m - v` (a set of keys) on a map.
    RemoveElements { column: usize, value: PTerm },
    /// `c = c + v` / `c = c - v` on a counter.
    CounterAdd { column: usize, value: PTerm, negate: bool },
    /// `DELETE c`.
    DeleteColumn { column: usize },
    /// `DELETE s[v]` / `DELETE m[k]`.
    DeleteElement { column: usize, key: PTerm },
    /// `DELETE l[i]` (reads the list).
    DeleteListIndex { column: usize, index: PTerm },
    /// `DELETE u.f` on a non-frozen UDT.
    DeleteField { column: usize, field: usize },
}

impl Operation {
    pub fn column(&self) -> usize {
        match self {
            Operation::Set { column, .. }
            | Operation::SetField { column, .. }
            | Operation::SetMapEntry { column, .. }
            | Operation::SetListIndex { column, .. }
            | Operation::Append { column, .. }
            | Operation::Prepend { column, .. }
            | Operation::AddElements { column, .. }
            | Operation::ListDiscard { column, .. }
            | Operation::RemoveElements { column, .. }
            | Operation::CounterAdd { column, .. }
            | Operation::DeleteColumn { column }
            | Operation::DeleteElement { column, .. }
            | Operation::DeleteListIndex { column, .. }
            | Operation::DeleteField { column, .. } => *column,
        }
    }

    /// Whether the operation reads the current value first (list operations by position).
    pub fn requires_read(&self) -> bool {
        matches!(
            self,
            Operation::SetListIndex { .. } | Operation::ListDiscard { .. } | Operation::DeleteListIndex { .. }
        )
    }
}

/// What kind of modification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModKind {
    Insert,
    Update,
    Delete,
}

/// A planned `INSERT`, `UPDATE` or `DELETE`.
#[derive(Debug, Clone)]
pub struct ModificationPlan {
    pub kind: ModKind,
    pub table: Arc<TableInfo>,
    pub restrictions: Restrictions,
    pub operations: Vec<Operation>,
    pub conditions: Conditions,
    pub timestamp: Option<PTerm>,
    pub ttl: Option<PTerm>,
    pub vars: Vars,
    /// Whether the statement writes clustering rows (else only the static row or deletions of
    /// whole partitions / ranges).
    pub updates_regular: bool,
    /// Whether some operation or condition concerns a static column.
    pub updates_static: bool,
}

impl ModificationPlan {
    pub fn requires_read(&self) -> bool {
        self.operations.iter().any(Operation::requires_read)
    }

    pub fn is_counter(&self) -> bool {
        self.table.is_counter()
    }

    pub fn has_conditions(&self) -> bool {
        !matches!(self.conditions, Conditions::None)
    }

    pub fn statement_type(&self) -> StatementType {
        match self.kind {
            ModKind::Insert => StatementType::Insert,
            ModKind::Update => StatementType::Update,
            ModKind::Delete => StatementType::Delete,
        }
    }
}

fn using_parameters(using: &Using, table: &TableInfo, vars: &mut Vars) -> CqlResult<(Option<PTerm>, Option<PTerm>)> {
    let timestamp = match &using.timestamp {
        Some(t) => Some(prepare_parameter(t, table.named_spec("[timestamp]", CqlType::Bigint), vars)?),
        None => None,
    };
    let ttl = match &using.ttl {
        Some(t) => Some(prepare_parameter(t, table.named_spec("[ttl]", CqlType::Int), vars)?),
        None => None,
    };
    Ok((timestamp, ttl))
}

fn check_attributes(table: &TableInfo, using: &Using, conditional: bool) -> CqlResult<()> {
    if conditional && table.is_counter() {
        return invalid("Conditional updates are not supported on counter tables");
    }
    if conditional && using.timestamp.is_some() {
        return invalid("Cannot provide custom timestamp for conditional updates");
    }
    if table.is_counter() && using.timestamp.is_some() {
        return invalid("Cannot provide custom timestamp for counter updates");
    }
    if table.is_counter() && using.ttl.is_some() {
        return invalid("Cannot provide custom TTL for counter updates");
    }
    Ok(())
}

/// Plans an `INSERT … VALUES`. (`INSERT JSON` goes through [`super::json`].)
pub fn plan_insert(s: &InsertStatement, table: Arc<TableInfo>) -> CqlResult<ModificationPlan> {
    if table.is_counter() {
        return invalid("INSERT statements are not allowed on counter tables, use UPDATE instead");
    }
    let InsertValues::Columns { columns, values } = &s.values else {
        return invalid("INSERT JSON is planned elsewhere");
    };
    let mut vars = Vars::default();
    let mut pairs = Vec::with_capacity(columns.len());
    if columns.is_empty() {
        return invalid("No columns provided to INSERT");
    }
    if columns.len() != values.len() {
        return invalid("Unmatched column names/values");
    }
    for (i, c) in columns.iter().enumerate() {
        if columns[..i].contains(c) {
            return invalid("The column names contains duplicates");
        }
        pairs.push((table.column_index(c)?, &values[i]));
    }
    let (ops, keys) = insert_operations(&pairs, &table, &mut vars)?;
    finish_insert(s.if_not_exists, &s.using, ops, keys, table, vars)
}

/// Plans an `INSERT JSON`: every column of the table takes its value from the JSON object
/// (absent ones are null, or left alone with `DEFAULT UNSET`).
pub fn plan_insert_json(s: &InsertStatement, table: Arc<TableInfo>) -> CqlResult<ModificationPlan> {
    if table.is_counter() {
        return invalid("INSERT statements are not allowed on counter tables, use UPDATE instead");
    }
    let InsertValues::Json { json, default_unset } = &s.values else {
        return invalid("not an INSERT JSON");
    };
    let mut vars = Vars::default();
    let names: Vec<String> = table.def.columns.iter().map(|c| c.name.clone()).collect();
    let mut terms: Vec<Option<PTerm>> = Vec::with_capacity(names.len());
    match json {
        Term::Literal(crate::term::Literal::String(text)) => {
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            for (idx, j) in super::json::json_columns(text, &refs)?.into_iter().enumerate() {
                let col = table.column(idx);
                terms.push(match j {
                    Some(j) => {
                        let v = super::json::json_value(&col.ty, &j, &col.name, &mut crate::value::NoEnv)?;
                        Some(PTerm::Const(if v.is_null() { None } else { Some(v.serialize(&col.ty)?) }))
                    }
                    None if *default_unset => None,
                    None => Some(PTerm::Const(None)),
                });
            }
        }
        Term::Bind(m) => {
            let marker = vars.add(m, table.named_spec("[json]", CqlType::Text));
            for (index, col) in table.def.columns.iter().enumerate() {
                terms.push(Some(PTerm::JsonColumn(Box::new(super::vars::JsonColumn {
                    marker,
                    names: names.clone(),
                    index,
                    ty: col.ty.clone(),
                    default_unset: *default_unset,
                }))));
            }
        }
        other => return invalid(format!("Invalid JSON value {}", crate::value::term_text(other))),
    }
    let mut ops = Vec::new();
    let mut keys = Vec::new();
    for (idx, t) in terms.into_iter().enumerate() {
        let col = table.column(idx);
        if col.is_primary_key() {
            keys.push((idx, t.unwrap_or(PTerm::Const(None))));
        } else if let Some(t) = t {
            ops.push(Operation::Set { column: idx, value: t });
        }
    }
    finish_insert(s.if_not_exists, &s.using, ops, keys, table, vars)
}

/// Key column values of an INSERT, by table column index.
pub(crate) type KeyValues = Vec<(usize, PTerm)>;

/// The operations and key values of `(column, value)` pairs, markers registered in order.
pub(crate) fn insert_operations(
    pairs: &[(usize, &Term)],
    table: &TableInfo,
    vars: &mut Vars,
) -> CqlResult<(Vec<Operation>, KeyValues)> {
    let mut ops = Vec::new();
    let mut keys = Vec::new();
    for (idx, value) in pairs {
        let col = table.column(*idx);
        let spec = table.spec(*idx);
        if col.is_primary_key() {
            keys.push((*idx, prepare_term(value, &spec, vars, table.pk_position(*idx))?));
        } else {
            ops.push(Operation::Set { column: *idx, value: prepare_term(value, &spec, vars, None)? });
        }
    }
    Ok((ops, keys))
}

/// Completes an INSERT plan from its operations and key values.
pub(crate) fn finish_insert(
    if_not_exists: bool,
    using: &Using,
    operations: Vec<Operation>,
    keys: KeyValues,
    table: Arc<TableInfo>,
    mut vars: Vars,
) -> CqlResult<ModificationPlan> {
    check_attributes(&table, using, if_not_exists)?;
    let (timestamp, ttl) = using_parameters(using, &table, &mut vars)?;
    let mut pk_sets = Vec::with_capacity(table.pk.len());
    let mut missing = Vec::new();
    for &i in &table.pk {
        match keys.iter().find(|(c, _)| *c == i) {
            Some((_, t)) => pk_sets.push(ValueSet::Eq(t.clone())),
            None => missing.push(table.quoted(i)),
        }
    }
    if !missing.is_empty() {
        return invalid(format!("Some partition key parts are missing: {}", missing.join(", ")));
    }
    let mut clustering = ClusteringRestrictions::default();
    let mut missing = Vec::new();
    for (p, &i) in table.ck.iter().enumerate() {
        match keys.iter().find(|(c, _)| *c == i) {
            Some((_, t)) if missing.is_empty() => clustering.eq.push(EqGroup {
                first: p,
                width: 1,
                values: TupleSet::Eq(TupleSource::Components(vec![t.clone()])),
            }),
            _ => missing.push(table.quoted(i)),
        }
    }
    let has_clustering = !clustering.eq.is_empty();
    let static_only = !has_clustering
        && !operations.is_empty()
        && operations.iter().all(|o| table.column(o.column()).kind == ColumnKind::Static);
    if !missing.is_empty() && !static_only {
        return invalid(format!("Some clustering keys are missing: {}", missing.join(", ")));
    }
    let updates_static = operations.iter().any(|o| table.column(o.column()).kind == ColumnKind::Static);
    let updates_regular = table.ck.is_empty() || has_clustering;
    let restrictions = Restrictions {
        partition: PartitionRestrictions::Keys(pk_sets),
        clustering,
        filters: Vec::new(),
        clustering_filtered: false,
        has_regular_filter: false,
    };
    let conditions = if if_not_exists { Conditions::IfNotExists } else { Conditions::None };
    Ok(ModificationPlan {
        kind: ModKind::Insert,
        table,
        restrictions,
        operations,
        conditions,
        timestamp,
        ttl,
        vars,
        updates_regular,
        updates_static,
    })
}

fn assignment_text(a: &Assignment) -> String {
    a.to_string()
}

/// Plans an `UPDATE`.
pub fn plan_update(s: &UpdateStatement, table: Arc<TableInfo>) -> CqlResult<ModificationPlan> {
    let mut vars = Vars::default();
    check_attributes(&table, &s.using, s.if_clause.is_some())?;
    let (timestamp, ttl) = using_parameters(&s.using, &table, &mut vars)?;
    let mut operations: Vec<Operation> = Vec::with_capacity(s.assignments.len());
    let mut kinds: Vec<(usize, &Assignment)> = Vec::new();
    for a in &s.assignments {
        let idx = table.column_index(a.column())?;
        let col = table.column(idx);
        if col.is_primary_key() {
            return invalid(format!("PRIMARY KEY part {} found in SET part", table.quoted(idx)));
        }
        for (other_idx, other) in &kinds {
            if *other_idx == idx && !compatible(a, other) {
                return invalid(format!("Multiple incompatible setting of column {}", table.quoted(idx)));
            }
        }
        kinds.push((idx, a));
        operations.push(update_operation(a, idx, &table, &mut vars)?);
    }
    let conditions = prepare_conditions(s.if_clause.as_ref(), &table, &mut vars)?;
    let restrictions = analyse(&s.where_clause, &table, StatementType::Update, &mut vars, false)?;
    finish_modification(ModKind::Update, table, restrictions, operations, conditions, timestamp, ttl, vars)
}

/// Cassandra's `RawUpdate.isCompatibleWith`.
fn compatible(a: &Assignment, b: &Assignment) -> bool {
    match (a, b) {
        (Assignment::Set { .. }, _) | (_, Assignment::Set { .. }) => false,
        (Assignment::SetField { field: f1, .. }, Assignment::SetField { field: f2, .. }) => f1 != f2,
        _ => true,
    }
}

fn update_operation(a: &Assignment, idx: usize, table: &TableInfo, vars: &mut Vars) -> CqlResult<Operation> {
    let col = table.column(idx);
    let ty = &col.ty;
    let spec = table.spec(idx);
    let name = table.quoted(idx);
    let text = assignment_text(a);
    let frozen_collection = ty.is_collection() && !ty.is_multi_cell();
    Ok(match a {
        Assignment::Set { value, .. } => {
            if ty.is_counter() {
                return invalid(format!(
                    "Cannot set the value of counter column {name} (counters can only be incremented/decremented, not set)"
                ));
            }
            Operation::Set { column: idx, value: prepare_term(value, &spec, vars, None)? }
        }
        Assignment::Add { value, .. } | Assignment::Subtract { value, .. } => {
            let adding = matches!(a, Assignment::Add { .. });
            if !ty.is_collection() {
                if !ty.is_counter() {
                    return invalid(format!("Invalid operation ({text}) for non counter column {name}"));
                }
                let value = prepare_term(value, &spec, vars, None)?;
                return Ok(Operation::CounterAdd { column: idx, value, negate: !adding });
            }
            if frozen_collection {
                return invalid(format!("Invalid operation ({text}) for frozen collection column {name}"));
            }
            match (ty, adding) {
                (CqlType::List { .. }, true) => {
                    Operation::Append { column: idx, value: prepare_term(value, &spec, vars, None)? }
                }
                (CqlType::List { .. }, false) => {
                    Operation::ListDiscard { column: idx, value: prepare_term(value, &spec, vars, None)? }
                }
                (_, true) => Operation::AddElements { column: idx, value: prepare_term(value, &spec, vars, None)? },
                (CqlType::Map { key, .. }, false) => {
                    let keys = spec.derived(spec.name.clone(), CqlType::Set { element: key.clone(), frozen: false });
                    Operation::RemoveElements { column: idx, value: prepare_term(value, &keys, vars, None)? }
                }
                (_, false) => Operation::RemoveElements { column: idx, value: prepare_term(value, &spec, vars, None)? },
            }
        }
        Assignment::Prepend { value, .. } => {
            let value = prepare_term(value, &spec, vars, None)?;
            if !matches!(ty, CqlType::List { .. }) {
                return invalid(format!("Invalid operation ({text}) for non list column {name}"));
            }
            if frozen_collection {
                return invalid(format!("Invalid operation ({text}) for frozen list column {name}"));
            }
            Operation::Prepend { column: idx, value }
        }
        Assignment::SetElement { key, value, .. } => {
            if !ty.is_collection() {
                return invalid(format!("Invalid operation ({text}) for non collection column {name}"));
            }
            if frozen_collection {
                return invalid(format!("Invalid operation ({text}) for frozen collection column {name}"));
            }
            match ty {
                CqlType::List { element, .. } => {
                    let index =
                        prepare_term(key, &spec.derived(format!("idx({})", col.name), CqlType::Int), vars, None)?;
                    let v = spec.derived(format!("value({})", col.name), (**element).clone());
                    Operation::SetListIndex { column: idx, index, value: prepare_term(value, &v, vars, None)? }
                }
                CqlType::Map { key: kt, value: vt, .. } => {
                    let key =
                        prepare_term(key, &spec.derived(format!("key({})", col.name), (**kt).clone()), vars, None)?;
                    let v = spec.derived(format!("value({})", col.name), (**vt).clone());
                    Operation::SetMapEntry { column: idx, key, value: prepare_term(value, &v, vars, None)? }
                }
                _ => return invalid(format!("Invalid operation ({text}) for set column {name}")),
            }
        }
        Assignment::SetField { field, value, .. } => {
            let CqlType::Udt { fields, .. } = ty else {
                return invalid(format!("Invalid operation ({text}) for non-UDT column {name}"));
            };
            if !ty.is_multi_cell() {
                return invalid(format!("Invalid operation ({text}) for frozen UDT column {name}"));
            }
            let Some(pos) = fields.iter().position(|(f, _)| f == field.as_str()) else {
                return invalid(format!("UDT column {name} does not have a field named {field}"));
            };
            let fspec = spec.derived(format!("{}.{}", col.name, field.as_str()), fields[pos].1.clone());
            Operation::SetField { column: idx, field: pos, value: prepare_term(value, &fspec, vars, None)? }
        }
    })
}

/// Plans a `DELETE`.
pub fn plan_delete(s: &DeleteStatement, table: Arc<TableInfo>) -> CqlResult<ModificationPlan> {
    let mut vars = Vars::default();
    let mut operations = Vec::with_capacity(s.selections.len());
    for sel in &s.selections {
        let column = match sel {
            DeleteSelection::Column(c) | DeleteSelection::Element(c, _) | DeleteSelection::Field(c, _) => c,
        };
        let idx = table.column_index(column)?;
        let col = table.column(idx);
        let name = table.quoted(idx);
        if col.is_primary_key() {
            return invalid(format!("Invalid identifier {name} for deletion (should not be a PRIMARY KEY part)"));
        }
        let spec = table.spec(idx);
        operations.push(match sel {
            DeleteSelection::Column(_) => Operation::DeleteColumn { column: idx },
            DeleteSelection::Element(_, t) => {
                if !col.ty.is_collection() {
                    return invalid(format!("Invalid deletion operation for non collection column {name}"));
                }
                if !col.ty.is_multi_cell() {
                    return invalid(format!("Invalid deletion operation for frozen collection column {name}"));
                }
                match &col.ty {
                    CqlType::List { .. } => {
                        let s = spec.derived(format!("idx({})", col.name), CqlType::Int);
                        Operation::DeleteListIndex { column: idx, index: prepare_term(t, &s, &mut vars, None)? }
                    }
                    CqlType::Set { element, .. } => {
                        let s = spec.derived(format!("value({})", col.name), (**element).clone());
                        Operation::DeleteElement { column: idx, key: prepare_term(t, &s, &mut vars, None)? }
                    }
                    CqlType::Map { key, .. } => {
                        let s = spec.derived(format!("key({})", col.name), (**key).clone());
                        Operation::DeleteElement { column: idx, key: prepare_term(t, &s, &mut vars, None)? }
                    }
                    _ => return invalid(format!("Invalid deletion operation for non collection column {name}")),
                }
            }
            DeleteSelection::Field(_, f) => {
                let CqlType::Udt { fields, .. } = &col.ty else {
                    return invalid(format!("Invalid field deletion operation for non-UDT column {name}"));
                };
                if !col.ty.is_multi_cell() {
                    return invalid(format!("Frozen UDT column {name} does not support field deletion"));
                }
                let Some(pos) = fields.iter().position(|(n, _)| n == f.as_str()) else {
                    return invalid(format!("UDT column {name} does not have a field named {f}"));
                };
                Operation::DeleteField { column: idx, field: pos }
            }
        });
    }
    let using = Using { timestamp: s.timestamp.clone(), ttl: None };
    check_attributes(&table, &using, s.if_clause.is_some())?;
    let (timestamp, _) = using_parameters(&using, &table, &mut vars)?;
    let conditions = prepare_conditions(s.if_clause.as_ref(), &table, &mut vars)?;
    let restrictions = analyse(&s.where_clause, &table, StatementType::Delete, &mut vars, false)?;
    finish_modification(ModKind::Delete, table, restrictions, operations, conditions, timestamp, None, vars)
}

#[allow(clippy::too_many_arguments)]
fn finish_modification(
    kind: ModKind,
    table: Arc<TableInfo>,
    restrictions: Restrictions,
    operations: Vec<Operation>,
    conditions: Conditions,
    timestamp: Option<PTerm>,
    ttl: Option<PTerm>,
    vars: Vars,
) -> CqlResult<ModificationPlan> {
    let is_static = |c: usize| table.column(c).kind == ColumnKind::Static;
    let ops_regular = operations.iter().any(|o| !is_static(o.column()));
    let ops_static = operations.iter().any(|o| is_static(o.column()));
    let cond_regular = conditions.columns().iter().any(|c| !is_static(*c));
    let cond_static = conditions.columns().iter().any(|c| is_static(*c));
    let static_only = !ops_regular && !cond_regular && (ops_static || cond_static);
    let has_ck = !restrictions.clustering.is_empty();
    let type_name = match kind {
        ModKind::Insert => "INSERT",
        ModKind::Update => "UPDATE",
        ModKind::Delete => "DELETE",
    };
    if static_only && has_ck {
        return invalid(format!(
            "Invalid restrictions on clustering columns since the {type_name} statement modifies only static columns"
        ));
    }
    let full_ck = restrictions.clustering.slice.is_none() && restrictions.clustering.eq_width() == table.ck.len();
    match kind {
        ModKind::Update | ModKind::Insert => {
            if !static_only && !full_ck {
                return Err(missing_clustering_error(&restrictions.clustering, &table));
            }
        }
        ModKind::Delete => {
            if ops_regular && !full_ck {
                return invalid("Range deletions are not supported for specific columns");
            }
        }
    }
    if !matches!(conditions, Conditions::None) {
        if restrictions.key_is_in() {
            let what = if kind == ModKind::Delete { "deletions" } else { "updates" };
            return invalid(format!("IN on the partition key is not supported with conditional {what}"));
        }
        if restrictions.clustering.has_in() {
            let what = if kind == ModKind::Delete { "deletions" } else { "updates" };
            return invalid(format!("IN on the clustering key columns is not supported with conditional {what}"));
        }
        if kind == ModKind::Delete && !full_ck {
            if ops_regular {
                return invalid("DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to delete non static columns");
            }
            if cond_regular {
                return invalid("DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to use IF condition on non static columns");
            }
        }
    }
    let updates_regular = table.ck.is_empty() || has_ck;
    Ok(ModificationPlan {
        kind,
        table,
        restrictions,
        operations,
        conditions,
        timestamp,
        ttl,
        vars,
        updates_regular,
        updates_static: ops_static || cond_static,
    })
}

/// Whether a plan's `IF` clause is `IF EXISTS`.
pub fn is_if_exists(c: &Option<IfClause>) -> bool {
    matches!(c, Some(IfClause::Exists))
}
