//! `WHERE` clause analysis: which partitions and clustering slices a statement addresses, and
//! what must be filtered, with Cassandra's rules (`StatementRestrictions`) and messages.
//!
//! The partition key is either fully restricted by `=`/`IN` (a list of keys), restricted by
//! `token(…)` bounds (a token range), or not usable (a full scan, then filtered). Clustering
//! columns form an `=`/`IN` prefix, optionally followed by one slice; anything else is a filter
//! (allowed with `ALLOW FILTERING` only). Non-primary-key restrictions are filters.

use super::error::{invalid, CqlError, CqlResult};
use super::merge::{clustering_restrictions, partition_restrictions};
use super::table::TableInfo;
use super::vars::{prepare_term, ColumnSpec, PTerm, Vars};
use crate::ast::{InValues, Operator, Relation};
use crate::schema::ColumnKind;
use crate::term::Term;
use crate::types::CqlType;

/// Cassandra's message when a query would need `ALLOW FILTERING`.
pub const REQUIRES_ALLOW_FILTERING: &str = "Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING";

/// The statement whose `WHERE` clause is analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementType {
    Select,
    Insert,
    Update,
    Delete,
}

impl StatementType {
    pub fn name(self) -> &'static str {
        match self {
            StatementType::Select => "SELECT",
            StatementType::Insert => "INSERT",
            StatementType::Update => "UPDATE",
            StatementType::Delete => "DELETE",
        }
    }
}

/// The values a single column is restricted to.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueSet {
    Eq(PTerm),
    In(Vec<PTerm>),
    /// `IN ?`: one marker holding a list.
    InMarker(usize),
}

/// A tuple of values for consecutive clustering columns.
#[derive(Debug, Clone, PartialEq)]
pub enum TupleSource {
    /// One term per column.
    Components(Vec<PTerm>),
    /// One term of the tuple type (a marker).
    Whole(PTerm),
}

/// The values of an `=`/`IN` restriction on one or more consecutive clustering columns.
#[derive(Debug, Clone, PartialEq)]
pub enum TupleSet {
    Eq(TupleSource),
    In(Vec<TupleSource>),
    /// `IN ?` (a list of values, or of tuples for several columns).
    InMarker(usize),
}

/// `=`/`IN` on clustering columns `first .. first + width`.
#[derive(Debug, Clone, PartialEq)]
pub struct EqGroup {
    pub first: usize,
    pub width: usize,
    pub values: TupleSet,
}

/// One bound of a clustering slice, on columns `first .. first + width`.
#[derive(Debug, Clone, PartialEq)]
pub struct SliceBound {
    pub width: usize,
    pub value: TupleSource,
    pub inclusive: bool,
}

/// A slice on the clustering column at `first` (or a tuple starting there), in CQL order.
#[derive(Debug, Clone, PartialEq)]
pub struct SliceGroup {
    pub first: usize,
    /// `>` / `>=`.
    pub lower: Option<SliceBound>,
    /// `<` / `<=`.
    pub upper: Option<SliceBound>,
}

/// Usable clustering restrictions: an `=`/`IN` prefix then at most one slice.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClusteringRestrictions {
    pub eq: Vec<EqGroup>,
    pub slice: Option<SliceGroup>,
}

impl ClusteringRestrictions {
    /// Clustering columns covered by the `=`/`IN` prefix.
    pub fn eq_width(&self) -> usize {
        self.eq.iter().map(|g| g.width).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.eq.is_empty() && self.slice.is_none()
    }

    pub fn has_in(&self) -> bool {
        self.eq.iter().any(|g| !matches!(g.values, TupleSet::Eq(_)))
    }
}

/// How partitions are selected.
#[derive(Debug, Clone, PartialEq)]
pub enum PartitionRestrictions {
    /// Every partition key column restricted by `=` or `IN` (by key position).
    Keys(Vec<ValueSet>),
    /// `token(…)` bounds; an `=` sets both, inclusive.
    Token { lower: Option<(PTerm, bool)>, upper: Option<(PTerm, bool)> },
    /// No usable restriction: every partition (filters may apply).
    Unrestricted,
}

/// A filter applied to each row read.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterOp {
    /// `c op v` (`=`, `<`, `<=`, `>`, `>=`).
    Compare(Operator, PTerm),
    /// `c IN (…)`.
    In(ValueSet),
    /// `c CONTAINS v`.
    Contains(PTerm),
    /// `c CONTAINS KEY k`.
    ContainsKey(PTerm),
    /// `m[k] = v`.
    MapEntry { key: PTerm, value: PTerm },
}

/// A filter on column `column` (an index into the table's columns).
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub column: usize,
    pub op: FilterOp,
}

/// The analysed `WHERE` clause.
#[derive(Debug, Clone, PartialEq)]
pub struct Restrictions {
    pub partition: PartitionRestrictions,
    pub clustering: ClusteringRestrictions,
    pub filters: Vec<Filter>,
    /// Whether a clustering restriction could not be used as a slice (it is among the filters).
    pub clustering_filtered: bool,
    /// Whether any restriction on a regular (non-static) column exists.
    pub has_regular_filter: bool,
}

impl Restrictions {
    /// Whether the query reads a range of partitions rather than a list of keys.
    pub fn is_key_range(&self) -> bool {
        !matches!(self.partition, PartitionRestrictions::Keys(_))
    }

    pub fn has_clustering_restrictions(&self) -> bool {
        !self.clustering.is_empty() || self.clustering_filtered
    }

    pub fn key_is_in(&self) -> bool {
        match &self.partition {
            PartitionRestrictions::Keys(v) => v.iter().any(|s| !matches!(s, ValueSet::Eq(_))),
            _ => false,
        }
    }
}

/// One single-column restriction before merging.
#[derive(Debug)]
pub(super) enum Single {
    Eq(PTerm),
    In(ValueSet),
    Lower(PTerm, bool),
    Upper(PTerm, bool),
}

/// A multi-column restriction before merging.
#[derive(Debug)]
pub(super) enum Multi {
    Eq(TupleSet),
    Lower(SliceBound),
    Upper(SliceBound),
}

/// Analyses `relations` for a statement of type `kind`; markers are registered in `vars`.
pub fn analyse(
    relations: &[Relation],
    table: &TableInfo,
    kind: StatementType,
    vars: &mut Vars,
    allow_filtering: bool,
) -> CqlResult<Restrictions> {
    let nck = table.ck.len();
    let npk = table.pk.len();
    let mut pk: Vec<Vec<Single>> = (0..npk).map(|_| Vec::new()).collect();
    let mut ck: Vec<Vec<Single>> = (0..nck).map(|_| Vec::new()).collect();
    let mut multi: Vec<(usize, usize, Multi)> = Vec::new();
    let mut token: Vec<(Operator, PTerm)> = Vec::new();
    let mut filters: Vec<Filter> = Vec::new();
    let mut has_regular_filter = false;

    for rel in relations {
        match rel {
            Relation::Simple { column, op, value } => {
                let idx = table.column_index(column)?;
                let col = table.column(idx);
                let spec = table.spec(idx);
                match col.kind {
                    ColumnKind::PartitionKey | ColumnKind::Clustering => {
                        let single = single_restriction(rel, *op, value, &spec, table, idx, vars)?;
                        match table.pk_position(idx) {
                            Some(p) => pk[p].push(single),
                            None => {
                                if let Some(p) = table.ck_position(idx) {
                                    ck[p].push(single);
                                }
                            }
                        }
                    }
                    ColumnKind::Static | ColumnKind::Regular => {
                        has_regular_filter |= col.kind == ColumnKind::Regular;
                        filters.push(filter_restriction(rel, *op, value, &spec, idx, vars)?);
                    }
                }
            }
            Relation::In { column, values } => {
                let idx = table.column_index(column)?;
                let col = table.column(idx);
                let spec = table.spec(idx);
                if col.ty.is_multi_cell() && col.ty.is_collection() {
                    return invalid(format!(
                        "Collection column '{}' ({}) cannot be restricted by a 'IN' relation",
                        col.name, col.ty
                    ));
                }
                let set = in_values(values, &spec, table.pk_position(idx), vars)?;
                match col.kind {
                    ColumnKind::PartitionKey => pk[table.pk_position(idx).unwrap_or(0)].push(Single::In(set)),
                    ColumnKind::Clustering => ck[table.ck_position(idx).unwrap_or(0)].push(Single::In(set)),
                    _ => {
                        has_regular_filter |= col.kind == ColumnKind::Regular;
                        filters.push(Filter { column: idx, op: FilterOp::In(set) });
                    }
                }
            }
            Relation::MultiColumn { columns, op, value } => {
                let (first, width, specs) = multi_columns(columns, table)?;
                let m = match op {
                    Operator::Eq => Multi::Eq(TupleSet::Eq(tuple_source(value, &specs, table, vars)?)),
                    Operator::Gt | Operator::Gte => Multi::Lower(SliceBound {
                        width,
                        value: tuple_source(value, &specs, table, vars)?,
                        inclusive: *op == Operator::Gte,
                    }),
                    Operator::Lt | Operator::Lte => Multi::Upper(SliceBound {
                        width,
                        value: tuple_source(value, &specs, table, vars)?,
                        inclusive: *op == Operator::Lte,
                    }),
                    _ => return invalid(format!("Unsupported \"{op}\" relation: {rel}")),
                };
                multi.push((first, width, m));
            }
            Relation::MultiColumnIn { columns, values } => {
                let (first, width, specs) = multi_columns(columns, table)?;
                let set = match values {
                    InValues::Marker(m) => {
                        let tuple = tuple_type(&specs);
                        let name = format!("in({})", tuple_name(&specs));
                        let spec = table.named_spec(name, CqlType::List { element: Box::new(tuple), frozen: false });
                        TupleSet::InMarker(vars.add(m, spec))
                    }
                    InValues::Terms(terms) => {
                        let mut out = Vec::with_capacity(terms.len());
                        for t in terms {
                            out.push(tuple_source(t, &specs, table, vars)?);
                        }
                        TupleSet::In(out)
                    }
                };
                multi.push((first, width, Multi::Eq(set)));
            }
            Relation::Token { columns, op, value } => {
                let mut idxs = Vec::with_capacity(columns.len());
                for c in columns {
                    let i = table.column_index(c)?;
                    if table.pk_position(i).is_none() {
                        return invalid(format!(
                            "The token() function is only supported on the partition key, found on {}",
                            table.quoted(i)
                        ));
                    }
                    idxs.push(i);
                }
                if idxs != table.pk {
                    let names: Vec<String> = table.pk.iter().map(|&i| table.quoted(i)).collect();
                    if idxs.len() != table.pk.len() {
                        return invalid(
                            "The token() function must be applied to all partition key components or none of them",
                        );
                    }
                    return invalid(format!(
                        "The token function arguments must be in the partition key order: {}",
                        names.join(", ")
                    ));
                }
                if !matches!(op, Operator::Eq | Operator::Lt | Operator::Lte | Operator::Gt | Operator::Gte) {
                    return invalid(format!("Unsupported \"{op}\" relation: {rel}"));
                }
                let spec = table.named_spec("partition key token", CqlType::Bigint);
                token.push((*op, prepare_term(value, &spec, vars, None)?));
            }
            Relation::MapElement { column, key, op, value } => {
                let idx = table.column_index(column)?;
                let col = table.column(idx);
                let CqlType::Map { key: kt, value: vt, .. } = &col.ty else {
                    return invalid(format!("Column {} cannot be used as a map", table.quoted(idx)));
                };
                if col.is_primary_key() {
                    return invalid(format!("Invalid restriction on primary key column {}", table.quoted(idx)));
                }
                if *op != Operator::Eq {
                    return invalid(format!("Unsupported \"{op}\" relation: {rel}"));
                }
                let spec = table.spec(idx);
                let key = prepare_term(key, &spec.derived(format!("key({})", col.name), (**kt).clone()), vars, None)?;
                let value =
                    prepare_term(value, &spec.derived(format!("value({})", col.name), (**vt).clone()), vars, None)?;
                has_regular_filter |= col.kind == ColumnKind::Regular;
                filters.push(Filter { column: idx, op: FilterOp::MapEntry { key, value } });
            }
            Relation::IsNotNull { .. } => return invalid(format!("Unsupported restriction: {rel}")),
            Relation::CustomIndex { .. } => {
                if kind == StatementType::Select {
                    return invalid(
                        "Secondary indexes are not supported by sibyl: custom index expressions cannot be used",
                    );
                }
                return invalid(
                    "Custom index expressions cannot be used in WHERE clauses for UPDATE or DELETE statements",
                );
            }
        }
    }

    if kind != StatementType::Select && !filters.is_empty() {
        let names: Vec<String> = filters.iter().map(|f| table.quoted(f.column)).collect();
        return invalid(format!("Non PRIMARY KEY columns found in where clause: {} ", names.join(", ")));
    }

    let partition = partition_restrictions(pk, token, table, kind, allow_filtering, &mut filters)?;
    let (clustering, clustering_filtered) =
        clustering_restrictions(ck, multi, table, kind, allow_filtering, &mut filters)?;

    let restrictions = Restrictions { partition, clustering, filters, clustering_filtered, has_regular_filter };
    if kind == StatementType::Select && !allow_filtering {
        let non_key_filters = restrictions.filters.iter().any(|f| !table.column(f.column).is_primary_key());
        if non_key_filters || (restrictions.is_key_range() && restrictions.has_clustering_restrictions()) {
            return invalid(REQUIRES_ALLOW_FILTERING);
        }
    }
    Ok(restrictions)
}

fn single_restriction(
    rel: &Relation,
    op: Operator,
    value: &Term,
    spec: &ColumnSpec,
    table: &TableInfo,
    idx: usize,
    vars: &mut Vars,
) -> CqlResult<Single> {
    let pk_pos = table.pk_position(idx);
    let term = |vars: &mut Vars| prepare_term(value, spec, vars, pk_pos);
    Ok(match op {
        Operator::Eq => Single::Eq(term(vars)?),
        Operator::Gt | Operator::Gte => Single::Lower(term(vars)?, op == Operator::Gte),
        Operator::Lt | Operator::Lte => Single::Upper(term(vars)?, op == Operator::Lte),
        Operator::Contains | Operator::ContainsKey => {
            if !spec.ty.is_collection() {
                let what = if op == Operator::Contains { "CONTAINS" } else { "CONTAINS KEY" };
                return invalid(format!("Cannot use {what} on non-collection column {}", table.quoted(idx)));
            }
            return invalid(
                "Clustering columns can only be restricted with CONTAINS with a secondary index or filtering",
            );
        }
        Operator::Like => {
            return invalid(format!(
                "LIKE restriction is only supported on properly indexed columns. {rel} is not valid."
            ))
        }
        Operator::Neq => return invalid(format!("Unsupported \"!=\" relation: {rel}")),
    })
}

fn filter_restriction(
    rel: &Relation,
    op: Operator,
    value: &Term,
    spec: &ColumnSpec,
    idx: usize,
    vars: &mut Vars,
) -> CqlResult<Filter> {
    let name = &spec.name;
    let ty = &spec.ty;
    let op = match op {
        Operator::Eq | Operator::Lt | Operator::Lte | Operator::Gt | Operator::Gte => {
            if ty.is_multi_cell() && ty.is_collection() {
                return invalid(format!("Collection column '{name}' ({ty}) cannot be restricted by a '{op}' relation"));
            }
            FilterOp::Compare(op, prepare_term(value, spec, vars, None)?)
        }
        Operator::Contains => {
            let element = match ty {
                CqlType::List { element, .. } | CqlType::Set { element, .. } => (**element).clone(),
                CqlType::Map { value, .. } => (**value).clone(),
                _ => return invalid(format!("Cannot use CONTAINS on non-collection column {name}")),
            };
            FilterOp::Contains(prepare_term(value, &spec.derived(format!("value({name})"), element), vars, None)?)
        }
        Operator::ContainsKey => {
            let CqlType::Map { key, .. } = ty else {
                return invalid(format!("Cannot use CONTAINS KEY on non-map column {name}"));
            };
            let key = (**key).clone();
            FilterOp::ContainsKey(prepare_term(value, &spec.derived(format!("key({name})"), key), vars, None)?)
        }
        Operator::Like => {
            return invalid(format!(
                "LIKE restriction is only supported on properly indexed columns. {rel} is not valid."
            ))
        }
        Operator::Neq => return invalid(format!("Unsupported \"!=\" relation: {rel}")),
    };
    Ok(Filter { column: idx, op })
}

fn in_values(values: &InValues, spec: &ColumnSpec, pk_pos: Option<usize>, vars: &mut Vars) -> CqlResult<ValueSet> {
    Ok(match values {
        InValues::Marker(m) => {
            let list = CqlType::List { element: Box::new(spec.ty.clone()), frozen: false };
            ValueSet::InMarker(vars.add(m, spec.derived(format!("in({})", spec.name), list)))
        }
        InValues::Terms(terms) => {
            let mut out = Vec::with_capacity(terms.len());
            for t in terms {
                out.push(prepare_term(t, spec, vars, pk_pos)?);
            }
            ValueSet::In(out)
        }
    })
}

/// The clustering positions and specs of a multi-column relation's columns.
fn multi_columns(columns: &[crate::ast::Ident], table: &TableInfo) -> CqlResult<(usize, usize, Vec<ColumnSpec>)> {
    let mut positions = Vec::with_capacity(columns.len());
    let mut specs = Vec::with_capacity(columns.len());
    for c in columns {
        let i = table.column_index(c)?;
        let Some(p) = table.ck_position(i) else {
            return invalid(format!(
                "Multi-column relations can only be applied to clustering columns but was applied to: {}",
                table.quoted(i)
            ));
        };
        if positions.contains(&p) {
            return invalid(format!("Column \"{}\" appeared twice in a relation", table.quoted(i)));
        }
        positions.push(p);
        specs.push(table.spec(i));
    }
    let first = positions.first().copied().unwrap_or(0);
    if positions.iter().enumerate().any(|(k, p)| *p != first + k) {
        let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
        return invalid(format!(
            "Clustering columns must appear in the PRIMARY KEY order in multi-column relations: ({})",
            names.join(", ")
        ));
    }
    Ok((first, positions.len(), specs))
}

fn tuple_type(specs: &[ColumnSpec]) -> CqlType {
    CqlType::Tuple(specs.iter().map(|s| s.ty.clone()).collect())
}

fn tuple_name(specs: &[ColumnSpec]) -> String {
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    format!("({})", names.join(","))
}

fn tuple_source(term: &Term, specs: &[ColumnSpec], table: &TableInfo, vars: &mut Vars) -> CqlResult<TupleSource> {
    match term {
        Term::Tuple(items) => {
            if items.len() != specs.len() {
                return invalid(format!(
                    "Expected {} elements in value tuple, but got {}: {}",
                    specs.len(),
                    items.len(),
                    crate::value::term_text(term)
                ));
            }
            let mut out = Vec::with_capacity(items.len());
            for (t, s) in items.iter().zip(specs) {
                out.push(prepare_term(t, s, vars, None)?);
            }
            Ok(TupleSource::Components(out))
        }
        Term::Bind(m) if specs.len() > 1 => {
            let spec = table.named_spec(tuple_name(specs), tuple_type(specs));
            Ok(TupleSource::Whole(PTerm::Marker(vars.add(m, spec))))
        }
        _ if specs.len() == 1 => Ok(TupleSource::Components(vec![prepare_term(term, &specs[0], vars, None)?])),
        _ => invalid(format!("Invalid multi-column relation value {}", crate::value::term_text(term))),
    }
}

/// The clustering columns not restricted by `=`/`IN` (for "Some clustering keys are missing").
pub fn missing_clustering(r: &ClusteringRestrictions, table: &TableInfo) -> Vec<String> {
    let width = r.eq_width();
    table.ck.iter().skip(width).map(|&i| table.quoted(i)).collect()
}

/// An `Invalid` error for a statement that needs every clustering column.
pub fn missing_clustering_error(r: &ClusteringRestrictions, table: &TableInfo) -> CqlError {
    CqlError::invalid(format!("Some clustering keys are missing: {}", missing_clustering(r, table).join(", ")))
}
