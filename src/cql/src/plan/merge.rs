//! Merging the restrictions of a `WHERE` clause column by column (Cassandra's
//! `RestrictionSet.mergeWith` and the prefix rules of `StatementRestrictions`), with their
//! messages: the partition key's and the clustering columns'.

use super::error::{invalid, CqlResult};
use super::restrict::{
    ClusteringRestrictions, EqGroup, Filter, FilterOp, Multi, PartitionRestrictions, Single, SliceBound, SliceGroup,
    StatementType, TupleSet, TupleSource, ValueSet, REQUIRES_ALLOW_FILTERING,
};
use super::table::TableInfo;
use super::vars::PTerm;
use crate::ast::Operator;

/// Merges one column's single restrictions.
fn merge_single(mut rs: Vec<Single>, name: &str) -> CqlResult<Option<Merged>> {
    if rs.is_empty() {
        return Ok(None);
    }
    if rs.len() > 1 {
        if rs.iter().any(|r| matches!(r, Single::Eq(_))) {
            return invalid(format!("{name} cannot be restricted by more than one relation if it includes an Equal"));
        }
        if rs.iter().any(|r| matches!(r, Single::In(_))) {
            return invalid(format!("{name} cannot be restricted by more than one relation if it includes a IN"));
        }
    }
    let first = rs.remove(0);
    match first {
        Single::Eq(t) => Ok(Some(Merged::Eq(ValueSet::Eq(t)))),
        Single::In(s) => Ok(Some(Merged::Eq(s))),
        first => {
            let mut lower = None;
            let mut upper = None;
            for r in std::iter::once(first).chain(rs) {
                let (slot, which) = match r {
                    Single::Lower(t, inc) => (lower.replace((t, inc)), "start"),
                    Single::Upper(t, inc) => (upper.replace((t, inc)), "end"),
                    _ => (None, ""),
                };
                if slot.is_some() {
                    return invalid(format!("More than one restriction was found for the {which} bound on {name}"));
                }
            }
            Ok(Some(Merged::Slice(lower, upper)))
        }
    }
}

enum Merged {
    Eq(ValueSet),
    Slice(Option<(PTerm, bool)>, Option<(PTerm, bool)>),
}

pub(super) fn partition_restrictions(
    pk: Vec<Vec<Single>>,
    token: Vec<(Operator, PTerm)>,
    table: &TableInfo,
    kind: StatementType,
    allow_filtering: bool,
    filters: &mut Vec<Filter>,
) -> CqlResult<PartitionRestrictions> {
    let restricted: Vec<bool> = pk.iter().map(|r| !r.is_empty()).collect();
    if !token.is_empty() {
        if kind != StatementType::Select {
            return invalid(format!(
                "The token function cannot be used in WHERE clauses for {} statements",
                kind.name()
            ));
        }
        if restricted.iter().any(|r| *r) {
            let names: Vec<String> = table.pk.iter().map(|&i| table.column(i).name.clone()).collect();
            return invalid(format!(
                "Columns \"{}\" cannot be restricted by both a normal relation and a token relation",
                names.join(", ")
            ));
        }
        let mut lower: Option<(PTerm, bool)> = None;
        let mut upper: Option<(PTerm, bool)> = None;
        let mut has_eq = false;
        for (op, t) in token {
            if has_eq {
                return invalid(
                    "partition key token cannot be restricted by more than one relation if it includes an Equal",
                );
            }
            match op {
                Operator::Eq => {
                    if lower.is_some() || upper.is_some() {
                        return invalid("partition key token cannot be restricted by more than one relation if it includes an Equal");
                    }
                    has_eq = true;
                    lower = Some((t.clone(), true));
                    upper = Some((t, true));
                }
                Operator::Gt | Operator::Gte => {
                    if lower.replace((t, op == Operator::Gte)).is_some() {
                        return invalid(
                            "More than one restriction was found for the start bound on partition key token",
                        );
                    }
                }
                _ => {
                    if upper.replace((t, op == Operator::Lte)).is_some() {
                        return invalid("More than one restriction was found for the end bound on partition key token");
                    }
                }
            }
        }
        return Ok(PartitionRestrictions::Token { lower, upper });
    }
    let mut merged = Vec::with_capacity(pk.len());
    for (p, rs) in pk.into_iter().enumerate() {
        let name = table.quoted(table.pk[p]);
        merged.push(merge_single(rs, &name)?);
    }
    let all_eq = merged.iter().all(|m| matches!(m, Some(Merged::Eq(_))));
    if all_eq {
        let sets = merged.into_iter().filter_map(|m| match m {
            Some(Merged::Eq(s)) => Some(s),
            _ => None,
        });
        return Ok(PartitionRestrictions::Keys(sets.collect()));
    }
    let any = merged.iter().any(Option::is_some);
    if kind != StatementType::Select {
        if merged.iter().any(|m| matches!(m, Some(Merged::Slice(..)))) {
            return invalid(format!(
                "Only EQ and IN relation are supported on the partition key (unless you use the token() function) for {} statements",
                kind.name()
            ));
        }
        let missing: Vec<String> =
            merged.iter().enumerate().filter(|(_, m)| m.is_none()).map(|(p, _)| table.quoted(table.pk[p])).collect();
        return invalid(format!("Some partition key parts are missing: {}", missing.join(", ")));
    }
    if !any {
        return Ok(PartitionRestrictions::Unrestricted);
    }
    if !allow_filtering {
        return invalid(REQUIRES_ALLOW_FILTERING);
    }
    for (p, m) in merged.into_iter().enumerate() {
        let column = table.pk[p];
        match m {
            None => {}
            Some(Merged::Eq(ValueSet::Eq(t))) => {
                filters.push(Filter { column, op: FilterOp::Compare(Operator::Eq, t) })
            }
            Some(Merged::Eq(_)) => {
                return invalid("IN restrictions are not supported when the query involves filtering")
            }
            Some(Merged::Slice(lower, upper)) => push_slice_filters(column, lower, upper, filters),
        }
    }
    Ok(PartitionRestrictions::Unrestricted)
}

fn push_slice_filters(
    column: usize,
    lower: Option<(PTerm, bool)>,
    upper: Option<(PTerm, bool)>,
    filters: &mut Vec<Filter>,
) {
    if let Some((t, inc)) = lower {
        let op = if inc { Operator::Gte } else { Operator::Gt };
        filters.push(Filter { column, op: FilterOp::Compare(op, t) });
    }
    if let Some((t, inc)) = upper {
        let op = if inc { Operator::Lte } else { Operator::Lt };
        filters.push(Filter { column, op: FilterOp::Compare(op, t) });
    }
}

pub(super) fn clustering_restrictions(
    ck: Vec<Vec<Single>>,
    multi: Vec<(usize, usize, Multi)>,
    table: &TableInfo,
    kind: StatementType,
    allow_filtering: bool,
    filters: &mut Vec<Filter>,
) -> CqlResult<(ClusteringRestrictions, bool)> {
    let nck = ck.len();
    if !multi.is_empty() && ck.iter().any(|r| !r.is_empty()) {
        return invalid(
            "Mixing single column relations and multi column relations on clustering columns is not allowed",
        );
    }
    let mut out = ClusteringRestrictions::default();
    if !multi.is_empty() {
        let mut lower: Option<(usize, SliceBound)> = None;
        let mut upper: Option<(usize, SliceBound)> = None;
        let mut next = 0;
        for (first, width, m) in multi {
            match m {
                Multi::Eq(values) => {
                    if lower.is_some() || upper.is_some() || out.eq.iter().any(|g| g.first == first) {
                        return invalid(format!(
                            "{} cannot be restricted by more than one relation if it includes an Equal",
                            table.quoted(table.ck[first])
                        ));
                    }
                    if first != next {
                        return prefix_error(table, first, next);
                    }
                    next = first + width;
                    out.eq.push(EqGroup { first, width, values });
                }
                Multi::Lower(b) => {
                    if lower.replace((first, b)).is_some() {
                        return invalid(format!(
                            "More than one restriction was found for the start bound on {}",
                            table.quoted(table.ck[first])
                        ));
                    }
                }
                Multi::Upper(b) => {
                    if upper.replace((first, b)).is_some() {
                        return invalid(format!(
                            "More than one restriction was found for the end bound on {}",
                            table.quoted(table.ck[first])
                        ));
                    }
                }
            }
        }
        if lower.is_some() || upper.is_some() {
            let first = lower.as_ref().or(upper.as_ref()).map(|(f, _)| *f).unwrap_or(0);
            if !out.eq.is_empty() || upper.as_ref().is_some_and(|(f, _)| *f != first) {
                return invalid(format!(
                    "Column \"{}\" cannot be restricted by both an equality and an inequality relation",
                    table.quoted(table.ck[first])
                ));
            }
            if first != 0 {
                return prefix_error(table, first, 0);
            }
            out.slice = Some(SliceGroup { first, lower: lower.map(|(_, b)| b), upper: upper.map(|(_, b)| b) });
        }
        check_modification_clustering(&out, nck, table, kind)?;
        return Ok((out, false));
    }

    let mut merged = Vec::with_capacity(nck);
    for (p, rs) in ck.into_iter().enumerate() {
        merged.push(merge_single(rs, &table.quoted(table.ck[p]))?);
    }
    let mut filtered = false;
    let mut p = 0;
    // The usable prefix.
    while p < nck {
        match merged[p].take() {
            Some(Merged::Eq(set)) => {
                let values = match set {
                    ValueSet::Eq(t) => TupleSet::Eq(TupleSource::Components(vec![t])),
                    ValueSet::In(ts) => {
                        TupleSet::In(ts.into_iter().map(|t| TupleSource::Components(vec![t])).collect())
                    }
                    ValueSet::InMarker(m) => TupleSet::InMarker(m),
                };
                out.eq.push(EqGroup { first: p, width: 1, values });
                p += 1;
            }
            Some(Merged::Slice(lower, upper)) => {
                let bound = |b: Option<(PTerm, bool)>| {
                    b.map(|(t, inclusive)| SliceBound { width: 1, value: TupleSource::Components(vec![t]), inclusive })
                };
                out.slice = Some(SliceGroup { first: p, lower: bound(lower), upper: bound(upper) });
                p += 1;
                break;
            }
            None => break,
        }
    }
    // What remains restricted is not usable as a slice.
    let stop = p;
    for (q, m) in merged.into_iter().enumerate().skip(stop) {
        let Some(m) = m else { continue };
        if !allow_filtering || kind != StatementType::Select {
            if out.slice.is_some() && stop > 0 {
                return invalid(format!(
                    "Clustering column \"{}\" cannot be restricted (preceding column \"{}\" is restricted by a non-EQ relation)",
                    table.quoted(table.ck[q]),
                    table.quoted(table.ck[stop - 1])
                ));
            }
            return prefix_error(table, q, stop);
        }
        filtered = true;
        let column = table.ck[q];
        match m {
            Merged::Eq(ValueSet::Eq(t)) => filters.push(Filter { column, op: FilterOp::Compare(Operator::Eq, t) }),
            Merged::Eq(set) => filters.push(Filter { column, op: FilterOp::In(set) }),
            Merged::Slice(lower, upper) => push_slice_filters(column, lower, upper, filters),
        }
    }
    check_modification_clustering(&out, nck, table, kind)?;
    Ok((out, filtered))
}

fn prefix_error<T>(table: &TableInfo, restricted: usize, missing: usize) -> CqlResult<T> {
    invalid(format!(
        "PRIMARY KEY column \"{}\" cannot be restricted as preceding column \"{}\" is not restricted",
        table.quoted(table.ck[restricted]),
        table.quoted(table.ck[missing])
    ))
}

fn check_modification_clustering(
    out: &ClusteringRestrictions,
    nck: usize,
    table: &TableInfo,
    kind: StatementType,
) -> CqlResult<()> {
    if matches!(kind, StatementType::Update | StatementType::Insert) && out.slice.is_some() {
        return invalid(format!(
            "Slice restrictions are not supported on the clustering columns in {} statements",
            kind.name()
        ));
    }
    let _ = (nck, table);
    Ok(())
}
