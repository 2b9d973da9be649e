//! Binding restrictions to keys: the serialized partition keys a statement addresses, its token
//! range, and its clustering slices as byte-comparable bounds.
//!
//! A partition key is the CQL serialization of its one column, or for several columns
//! Cassandra's `CompositeType` encoding: per component a 2-byte length, the bytes and a 0 byte.
//! That is what Murmur3 hashes, so tokens match what drivers compute for routing. Clustering
//! keys use `sibyl_common::clustering`; a slice becomes a range of encoded prefixes whose
//! bounds follow the storage engine's semantics (an inclusive end admits every key starting with
//! its prefix, an exclusive start skips them), or several disjoint ranges in storage order for a
//! tuple slice over columns of mixed ASC/DESC order.

use std::cmp::Ordering;

use sibyl_common::clustering::{encode_component, ClusteringError, Order};
use sibyl_common::limits::MAX_KEY_COMPONENT_BYTES;

use super::error::{invalid, CqlError, CqlResult};
use super::restrict::{ClusteringRestrictions, SliceBound, TupleSet, TupleSource, ValueSet};
use super::table::TableInfo;
use super::vars::{bound_bigint, BindCtx, Bound, PTerm};
use crate::value::{compare, CqlValue};

/// The partition key of serialized components (see the module documentation).
pub fn encode_partition_key(components: &[&[u8]]) -> Vec<u8> {
    if let [single] = components {
        return single.to_vec();
    }
    let mut out = Vec::with_capacity(components.iter().map(|c| c.len() + 3).sum());
    for c in components {
        // Components longer than a short were rejected before.
        out.extend_from_slice(&(c.len() as u16).to_be_bytes());
        out.extend_from_slice(c);
        out.push(0);
    }
    out
}

/// The components of a partition key of `n` columns; `None` if `key` is not such a key.
pub fn split_partition_key(key: &[u8], n: usize) -> Option<Vec<Vec<u8>>> {
    if n == 1 {
        return Some(vec![key.to_vec()]);
    }
    let mut out = Vec::with_capacity(n);
    let mut rest = key;
    for _ in 0..n {
        let len = usize::from(u16::from_be_bytes([*rest.first()?, *rest.get(1)?]));
        let bytes = rest.get(2..2 + len)?;
        if *rest.get(2 + len)? != 0 {
            return None;
        }
        out.push(bytes.to_vec());
        rest = rest.get(3 + len..)?;
    }
    rest.is_empty().then_some(out)
}

fn key_too_long(len: usize) -> CqlError {
    CqlError::invalid(format!("Key length of {len} is longer than maximum of {MAX_KEY_COMPONENT_BYTES}"))
}

/// The values of a single-column restriction (`=` or `IN`), each checked non-null.
fn bind_value_set(set: &ValueSet, name: &str, ctx: &mut BindCtx<'_, '_>) -> CqlResult<Vec<Vec<u8>>> {
    let one = |t: &PTerm, ctx: &mut BindCtx<'_, '_>| -> CqlResult<Vec<u8>> {
        let mut local = BindCtx { values: ctx.values, vars: ctx.vars, env: &mut *ctx.env };
        match t.bind(&mut local)? {
            Bound::Null => invalid(format!("Invalid null value in condition for column {name}")),
            Bound::Unset => invalid(format!("Invalid unset value for column {name}")),
            Bound::Bytes(b) => Ok(b.into_owned()),
        }
    };
    match set {
        ValueSet::Eq(t) => Ok(vec![one(t, ctx)?]),
        ValueSet::In(ts) => ts.iter().map(|t| one(t, ctx)).collect(),
        ValueSet::InMarker(i) => match ctx.marker(*i)? {
            Bound::Null => invalid(format!("Invalid null value for IN restriction on column {name}")),
            Bound::Unset => invalid(format!("Invalid unset value for column {name}")),
            Bound::Bytes(b) => {
                let items = read_collection(&b).ok_or_else(|| CqlError::invalid("Invalid list value for IN"))?;
                items
                    .into_iter()
                    .map(|i| {
                        i.ok_or_else(|| CqlError::invalid(format!("Invalid null value in condition for column {name}")))
                    })
                    .collect()
            }
        },
    }
}

/// Splits a serialized list (an `[int]` count then `[bytes]` elements).
fn read_collection(b: &[u8]) -> Option<Vec<Option<Vec<u8>>>> {
    let n = i32::from_be_bytes(b.get(..4)?.try_into().ok()?);
    let mut rest = b.get(4..)?;
    let mut out = Vec::new();
    for _ in 0..n.max(0) {
        let len = i32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
        rest = rest.get(4..)?;
        if len < 0 {
            out.push(None);
        } else {
            let len = usize::try_from(len).ok()?;
            out.push(Some(rest.get(..len)?.to_vec()));
            rest = rest.get(len..)?;
        }
    }
    Some(out)
}

/// Splits a serialized tuple into its components.
fn read_tuple(b: &[u8]) -> Option<Vec<Option<Vec<u8>>>> {
    let mut rest = b;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let len = i32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
        rest = rest.get(4..)?;
        if len < 0 {
            out.push(None);
        } else {
            let len = usize::try_from(len).ok()?;
            out.push(Some(rest.get(..len)?.to_vec()));
            rest = rest.get(len..)?;
        }
    }
    Some(out)
}

/// The serialized partition keys addressed, in Cassandra's order (by the key columns' values),
/// without duplicates.
pub fn bind_partition_keys(sets: &[ValueSet], table: &TableInfo, ctx: &mut BindCtx<'_, '_>) -> CqlResult<Vec<Vec<u8>>> {
    // The common case: one column, one value.
    if let [ValueSet::Eq(t)] = sets {
        let mut local = BindCtx { values: ctx.values, vars: ctx.vars, env: &mut *ctx.env };
        let key = match t.bind(&mut local)? {
            Bound::Null => {
                return invalid(format!("Invalid null value in condition for column {}", table.quoted(table.pk[0])))
            }
            Bound::Unset => return invalid(format!("Invalid unset value for column {}", table.quoted(table.pk[0]))),
            Bound::Bytes(b) => b.into_owned(),
        };
        if key.is_empty() {
            return invalid("Key may not be empty");
        }
        if key.len() > MAX_KEY_COMPONENT_BYTES {
            return Err(key_too_long(key.len()));
        }
        return Ok(vec![key]);
    }
    let mut per_column = Vec::with_capacity(sets.len());
    for (p, set) in sets.iter().enumerate() {
        let name = table.quoted(table.pk[p]);
        let values = bind_value_set(set, &name, ctx)?;
        for v in &values {
            if v.len() > MAX_KEY_COMPONENT_BYTES {
                return Err(key_too_long(v.len()));
            }
        }
        per_column.push(values);
    }
    let mut combos: Vec<Vec<Vec<u8>>> = vec![Vec::new()];
    for values in per_column {
        let mut next = Vec::with_capacity(combos.len() * values.len());
        for c in &combos {
            for v in &values {
                let mut n = c.clone();
                n.push(v.clone());
                next.push(n);
            }
        }
        combos = next;
    }
    if combos.len() > 1 {
        let types: Vec<&crate::types::CqlType> = table.pk.iter().map(|&i| &table.column(i).ty).collect();
        let decoded: Vec<Vec<Option<CqlValue>>> = combos
            .iter()
            .map(|c| c.iter().zip(&types).map(|(v, t)| CqlValue::deserialize(t, v).ok()).collect())
            .collect();
        let mut order: Vec<usize> = (0..combos.len()).collect();
        let cmp = |a: &usize, b: &usize| -> Ordering {
            for (k, t) in types.iter().enumerate() {
                let o = match (&decoded[*a][k], &decoded[*b][k]) {
                    (Some(x), Some(y)) => compare(t, x, y),
                    _ => combos[*a][k].cmp(&combos[*b][k]),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            Ordering::Equal
        };
        order.sort_by(cmp);
        order.dedup_by(|a, b| cmp(a, b) == Ordering::Equal);
        combos = order.into_iter().map(|i| std::mem::take(&mut combos[i])).collect();
    }
    let mut keys = Vec::with_capacity(combos.len());
    for c in combos {
        let refs: Vec<&[u8]> = c.iter().map(Vec::as_slice).collect();
        let key = encode_partition_key(&refs);
        if key.is_empty() {
            return invalid("Key may not be empty");
        }
        if key.len() > MAX_KEY_COMPONENT_BYTES {
            return Err(key_too_long(key.len()));
        }
        keys.push(key);
    }
    Ok(keys)
}

/// A token range `lower .. upper` (each bound inclusive or not; `None` is unbounded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenRange {
    pub lower: Option<(i64, bool)>,
    pub upper: Option<(i64, bool)>,
}

/// Binds token bounds; `None` when the range is empty (as Cassandra: never wrapping).
pub fn bind_token_range(
    lower: &Option<(PTerm, bool)>,
    upper: &Option<(PTerm, bool)>,
    ctx: &mut BindCtx<'_, '_>,
) -> CqlResult<Option<TokenRange>> {
    let mut one = |b: &Option<(PTerm, bool)>| -> CqlResult<Option<(i64, bool)>> {
        let Some((t, inc)) = b else { return Ok(None) };
        let mut local = BindCtx { values: ctx.values, vars: ctx.vars, env: &mut *ctx.env };
        let bound = t.bind(&mut local)?;
        match bound {
            Bound::Null | Bound::Unset => invalid("Invalid null token value"),
            b => Ok(Some((bound_bigint(&b).ok_or_else(|| CqlError::invalid("Invalid token value"))?, *inc))),
        }
    };
    let lower = one(lower)?;
    let mut upper = one(upper)?;
    // An end at the minimum token means the end of the ring.
    if upper.is_some_and(|(t, _)| t == i64::MIN) {
        upper = None;
    }
    if let (Some((s, si)), Some((e, ei))) = (lower, upper) {
        if s != i64::MIN && (s > e || (s == e && (!si || !ei))) {
            return Ok(None);
        }
    }
    Ok(Some(TokenRange { lower, upper }))
}

/// One bound of a clustering range: a prefix of the byte-comparable encoding (empty:
/// unbounded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CkBound {
    pub prefix: Vec<u8>,
    pub inclusive: bool,
}

impl CkBound {
    fn at(prefix: &[u8], inclusive: bool) -> CkBound {
        CkBound { prefix: prefix.to_vec(), inclusive }
    }
}

/// A range of clustering keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CkRange {
    pub start: CkBound,
    pub end: CkBound,
}

/// Bound clustering restrictions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundClustering {
    /// The encoded `=`/`IN` prefixes, in storage order, without duplicates (one empty prefix
    /// when there is no such restriction; none for an empty `IN`).
    pub prefixes: Vec<Vec<u8>>,
    /// The ranges read, in storage order.
    pub ranges: Vec<CkRange>,
    /// Whether each prefix is a whole clustering key (every column restricted by `=`/`IN`).
    pub full: bool,
}

fn clustering_error(e: ClusteringError) -> CqlError {
    match e {
        ClusteringError::TooLarge { len, .. } => key_too_long(len),
        other => CqlError::invalid(other.to_string()),
    }
}

/// The component tuples of an `=`/`IN` group on `width` columns starting at `first`.
fn bind_tuple_set(
    set: &TupleSet,
    first: usize,
    width: usize,
    table: &TableInfo,
    ctx: &mut BindCtx<'_, '_>,
) -> CqlResult<Vec<Vec<Vec<u8>>>> {
    match set {
        TupleSet::Eq(src) => Ok(vec![bind_tuple(src, first, width, table, ctx)?]),
        TupleSet::In(srcs) => srcs.iter().map(|s| bind_tuple(s, first, width, table, ctx)).collect(),
        TupleSet::InMarker(i) => {
            let name = table.quoted(table.ck[first]);
            let Bound::Bytes(b) = ctx.marker(*i)? else {
                return invalid(format!("Invalid null value for IN restriction on column {name}"));
            };
            let items = read_collection(&b).ok_or_else(|| CqlError::invalid("Invalid list value for IN"))?;
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let Some(item) = item else {
                    return invalid(format!("Invalid null value in condition for column {name}"));
                };
                if width == 1 {
                    out.push(vec![item]);
                } else {
                    out.push(tuple_components(&item, first, width, table)?);
                }
            }
            Ok(out)
        }
    }
}

fn tuple_components(bytes: &[u8], first: usize, width: usize, table: &TableInfo) -> CqlResult<Vec<Vec<u8>>> {
    let comps = read_tuple(bytes).ok_or_else(|| CqlError::invalid("Invalid tuple value"))?;
    if comps.len() != width {
        return invalid(format!("Expected {width} elements in value tuple, but got {}", comps.len()));
    }
    comps
        .into_iter()
        .enumerate()
        .map(|(k, c)| {
            c.ok_or_else(|| {
                CqlError::invalid(format!(
                    "Invalid null value in condition for column {}",
                    table.quoted(table.ck[first + k])
                ))
            })
        })
        .collect()
}

fn bind_tuple(
    src: &TupleSource,
    first: usize,
    width: usize,
    table: &TableInfo,
    ctx: &mut BindCtx<'_, '_>,
) -> CqlResult<Vec<Vec<u8>>> {
    match src {
        TupleSource::Components(terms) => {
            let mut out = Vec::with_capacity(terms.len());
            for (k, t) in terms.iter().enumerate() {
                let name = table.quoted(table.ck[first + k]);
                let mut local = BindCtx { values: ctx.values, vars: ctx.vars, env: &mut *ctx.env };
                match t.bind(&mut local)? {
                    Bound::Null => return invalid(format!("Invalid null value in condition for column {name}")),
                    Bound::Unset => return invalid(format!("Invalid unset value for column {name}")),
                    Bound::Bytes(b) => out.push(b.into_owned()),
                }
            }
            Ok(out)
        }
        TupleSource::Whole(t) => {
            let mut local = BindCtx { values: ctx.values, vars: ctx.vars, env: &mut *ctx.env };
            match t.bind(&mut local)? {
                Bound::Bytes(b) => tuple_components(&b, first, width, table),
                _ => invalid(format!("Invalid null value in condition for column {}", table.quoted(table.ck[first]))),
            }
        }
    }
}

/// Appends the encodings of `values` for clustering columns `first ..`.
fn encode_from(table: &TableInfo, first: usize, values: &[Vec<u8>], out: &mut Vec<u8>) -> CqlResult<()> {
    for (k, v) in values.iter().enumerate() {
        let Some((ty, order)) = table.ck_types.get(first + k) else {
            return invalid("Too many clustering values");
        };
        encode_component(ty, *order, v, out).map_err(clustering_error)?;
    }
    Ok(())
}

/// The full encoded clustering key of `values` (one per clustering column, or a prefix).
pub fn encode_clustering(table: &TableInfo, values: &[Vec<u8>]) -> CqlResult<Vec<u8>> {
    let mut out = Vec::new();
    encode_from(table, 0, values, &mut out)?;
    Ok(out)
}

/// Binds clustering restrictions.
pub fn bind_clustering(
    r: &ClusteringRestrictions,
    table: &TableInfo,
    ctx: &mut BindCtx<'_, '_>,
) -> CqlResult<BoundClustering> {
    let mut prefixes: Vec<Vec<u8>> = vec![Vec::new()];
    for g in &r.eq {
        let tuples = bind_tuple_set(&g.values, g.first, g.width, table, ctx)?;
        let mut next = Vec::with_capacity(prefixes.len() * tuples.len());
        for p in &prefixes {
            for t in &tuples {
                let mut n = p.clone();
                encode_from(table, g.first, t, &mut n)?;
                next.push(n);
            }
        }
        prefixes = next;
    }
    prefixes.sort();
    prefixes.dedup();
    let full = r.slice.is_none() && r.eq_width() == table.ck.len();
    let mut ranges = Vec::with_capacity(prefixes.len());
    match &r.slice {
        None => {
            for p in &prefixes {
                ranges.push(CkRange {
                    start: CkBound { prefix: p.clone(), inclusive: true },
                    end: CkBound { prefix: p.clone(), inclusive: true },
                });
            }
        }
        Some(slice) => {
            let lower = slice.lower.as_ref().map(|b| bind_slice_bound(b, slice.first, table, ctx)).transpose()?;
            let upper = slice.upper.as_ref().map(|b| bind_slice_bound(b, slice.first, table, ctx)).transpose()?;
            for p in &prefixes {
                ranges.extend(slice_ranges(table, p, slice.first, lower.as_ref(), upper.as_ref())?);
            }
        }
    }
    Ok(BoundClustering { prefixes, ranges, full })
}

/// A slice bound's values and inclusiveness.
fn bind_slice_bound(
    b: &SliceBound,
    first: usize,
    table: &TableInfo,
    ctx: &mut BindCtx<'_, '_>,
) -> CqlResult<(Vec<Vec<u8>>, bool)> {
    Ok((bind_tuple(&b.value, first, b.width, table, ctx)?, b.inclusive))
}

/// The storage ranges, in storage order, of the keys starting with `prefix` whose clustering
/// columns from `first` on lie between the CQL bounds `lower` (`>`/`>=`) and `upper`
/// (`<`/`<=`), each a tuple of values compared lexicographically in CQL order.
///
/// A tuple bound over columns of one order is one range. Over columns of mixed ASC/DESC order
/// it is a union of ranges, one per run of columns of the same order (as Cassandra splits such
/// a slice, CASSANDRA-7281): `(a, b) > (1, 2)` is `a > 1`, or `a = 1 AND b > 2`, each a range
/// in its column's direction. The two bounds' unions are intersected range by range.
fn slice_ranges(
    table: &TableInfo,
    prefix: &[u8],
    first: usize,
    lower: Option<&(Vec<Vec<u8>>, bool)>,
    upper: Option<&(Vec<Vec<u8>>, bool)>,
) -> CqlResult<Vec<CkRange>> {
    let whole = || vec![CkRange { start: CkBound::at(prefix, true), end: CkBound::at(prefix, true) }];
    let lower = match lower {
        Some((values, inclusive)) => bound_ranges(table, prefix, first, values, *inclusive, true)?,
        None => whole(),
    };
    let upper = match upper {
        Some((values, inclusive)) => bound_ranges(table, prefix, first, values, *inclusive, false)?,
        None => whole(),
    };
    let mut out = Vec::with_capacity(lower.len().max(upper.len()));
    for l in &lower {
        for u in &upper {
            let start = match compare_positions(position(&l.start, true), position(&u.start, true)) {
                Ordering::Less => &u.start,
                _ => &l.start,
            };
            let end = match compare_positions(position(&l.end, false), position(&u.end, false)) {
                Ordering::Greater => &u.end,
                _ => &l.end,
            };
            if !range_is_empty(start, end) {
                out.push(CkRange { start: start.clone(), end: end.clone() });
            }
        }
    }
    // Both unions are disjoint, so are their intersections: ordering them by start orders them.
    out.sort_by(|a, b| compare_positions(position(&a.start, true), position(&b.start, true)));
    Ok(out)
}

/// The disjoint ranges of keys (starting with `prefix`) on the `is_lower` side of the tuple
/// bound `values` on columns `first ..`: one per run of columns of the same clustering order.
fn bound_ranges(
    table: &TableInfo,
    prefix: &[u8],
    first: usize,
    values: &[Vec<u8>],
    inclusive: bool,
    is_lower: bool,
) -> CqlResult<Vec<CkRange>> {
    let order_of = |k: usize| table.ck_types.get(first + k).map(|(_, o)| *o).unwrap_or(Order::Asc);
    let mut out = Vec::new();
    // `equal`: the keys equal to the bound on the columns before the current run.
    let mut equal = prefix.to_vec();
    let mut k = 0;
    while k < values.len() {
        let order = order_of(k);
        let mut end = k + 1;
        while end < values.len() && order_of(end) == order {
            end += 1;
        }
        let mut at = equal.clone();
        encode_from(table, first + k, &values[k..end], &mut at)?;
        // Only the last run admits keys equal to the bound, and only for `>=` / `<=`.
        let admits_equal = end == values.len() && inclusive;
        let outer = CkBound { prefix: equal.clone(), inclusive: true };
        let inner = CkBound { prefix: at.clone(), inclusive: admits_equal };
        // The keys after the bound in storage order: those greater in CQL order on an ascending
        // run, smaller on a descending one.
        let after = is_lower == (order == Order::Asc);
        out.push(if after { CkRange { start: inner, end: outer } } else { CkRange { start: outer, end: inner } });
        equal = at;
        k = end;
    }
    Ok(out)
}

/// A bound's position in key space: its prefix, then before (-1) or after (+1) every key
/// starting with it.
fn position(b: &CkBound, is_start: bool) -> (&[u8], i8) {
    let after = if is_start { !b.inclusive } else { b.inclusive };
    (&b.prefix, if after { 1 } else { -1 })
}

fn compare_positions(a: (&[u8], i8), b: (&[u8], i8)) -> Ordering {
    let n = a.0.len().min(b.0.len());
    match a.0[..n].cmp(&b.0[..n]) {
        Ordering::Equal => {}
        o => return o,
    }
    match a.0.len().cmp(&b.0.len()) {
        Ordering::Equal => a.1.cmp(&b.1),
        // `a` is a proper prefix of `b`: it sorts by its sign around all of `b`'s keys.
        Ordering::Less => {
            if a.1 > 0 {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        Ordering::Greater => {
            if b.1 > 0 {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
    }
}

/// Whether no key lies between `start` and `end`.
pub fn range_is_empty(start: &CkBound, end: &CkBound) -> bool {
    compare_positions(position(start, true), position(end, false)) != Ordering::Less
}

/// Narrows `ranges` (in storage order) to keys after `last` (before it when `reversed`): how
/// a paged read resumes inside a partition.
pub fn ranges_after(ranges: &[CkRange], last: &[u8], reversed: bool) -> Vec<CkRange> {
    let key = CkBound { prefix: last.to_vec(), inclusive: true };
    let mut out = Vec::with_capacity(ranges.len());
    for r in ranges {
        // Positions of the key itself: just before and just after it.
        let before = (last, -1i8);
        let after = (last, 1i8);
        if !reversed {
            // Keep what is strictly after `last`.
            if compare_positions(position(&r.end, false), after) != Ordering::Greater {
                continue;
            }
            let start = if compare_positions(position(&r.start, true), after) == Ordering::Less {
                CkBound { prefix: key.prefix.clone(), inclusive: false }
            } else {
                r.start.clone()
            };
            out.push(CkRange { start, end: r.end.clone() });
        } else {
            if compare_positions(position(&r.start, true), before) != Ordering::Less {
                continue;
            }
            let end = if compare_positions(position(&r.end, false), before) == Ordering::Greater {
                CkBound { prefix: key.prefix.clone(), inclusive: false }
            } else {
                r.end.clone()
            };
            out.push(CkRange { start: r.start.clone(), end });
        }
    }
    out
}
