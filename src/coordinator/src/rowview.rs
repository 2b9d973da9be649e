//! A CQL row over storage data ([`RowView`]), and the row filters of `ALLOW FILTERING` queries
//! bound to their values ([`BoundFilter`]).

use sibyl_common::clustering::decode_key;
use sibyl_cql::ast::Operator;
use sibyl_cql::plan::error::{invalid, CqlResult};
use sibyl_cql::plan::restrict::{Filter, FilterOp, ValueSet};
use sibyl_cql::plan::selection::RowSource;
use sibyl_cql::plan::vars::{BindCtx, Bound};
use sibyl_cql::plan::{CqlError, TableInfo};
use sibyl_cql::schema::ColumnKind;
use sibyl_cql::types::CqlType;
use sibyl_cql::value::{compare, CqlValue};
use sibyl_storage::{EpochSeconds, Row};

use crate::mapping;

/// One CQL row: partition key components, clustering components (absent for a partition's
/// static-only row), the static row and the clustering row.
pub struct RowView<'a> {
    pub table: &'a TableInfo,
    pub pk: &'a [Vec<u8>],
    pub ck: Option<&'a [Vec<u8>]>,
    pub static_row: Option<&'a Row>,
    pub row: Option<&'a Row>,
    pub now: EpochSeconds,
}

impl RowView<'_> {
    fn row_of(&self, column: usize) -> Option<&Row> {
        match self.table.column(column).kind {
            ColumnKind::Static => self.static_row,
            _ => self.row,
        }
    }
}

impl RowSource for RowView<'_> {
    fn value(&self, column: usize) -> Option<Vec<u8>> {
        let def = self.table.column(column);
        match def.kind {
            ColumnKind::PartitionKey => self.table.pk_position(column).and_then(|p| self.pk.get(p).cloned()),
            ColumnKind::Clustering => {
                self.table.ck_position(column).and_then(|p| self.ck.and_then(|ck| ck.get(p).cloned()))
            }
            _ => mapping::column_value(self.row_of(column)?, def, self.now),
        }
    }

    fn writetime(&self, column: usize) -> Option<i64> {
        mapping::writetime(self.row_of(column)?, self.table.column(column), self.now)
    }

    fn ttl(&self, column: usize) -> Option<i32> {
        mapping::ttl(self.row_of(column)?, self.table.column(column), self.now)
    }
}

/// The components of an encoded clustering key.
pub fn decode_clustering(table: &TableInfo, ck: &[u8]) -> CqlResult<Vec<Vec<u8>>> {
    decode_key(&table.ck_types, ck).map_err(|e| CqlError::Server(format!("corrupt clustering key: {e}")))
}

/// A filter with its values bound.
pub struct BoundFilter {
    column: usize,
    /// The type values of the column are read as (frozen for collections).
    ty: CqlType,
    op: BoundOp,
}

enum BoundOp {
    Compare(Operator, CqlValue),
    In(Vec<CqlValue>),
    Contains(CqlValue),
    ContainsKey(CqlValue),
    MapEntry(CqlValue, CqlValue),
}

fn value_type(ty: &CqlType) -> CqlType {
    if ty.is_multi_cell() {
        ty.freeze()
    } else if ty.is_counter() {
        CqlType::Bigint
    } else {
        ty.clone()
    }
}

fn bind_one(
    t: &sibyl_cql::plan::vars::PTerm,
    ty: &CqlType,
    name: &str,
    ctx: &mut BindCtx<'_, '_>,
) -> CqlResult<CqlValue> {
    match t.bind_value(ty, ctx)? {
        Some(v) => Ok(v),
        None => invalid(format!("Unsupported null value for column {name}")),
    }
}

impl BoundFilter {
    pub fn bind(f: &Filter, table: &TableInfo, ctx: &mut BindCtx<'_, '_>) -> CqlResult<BoundFilter> {
        let def = table.column(f.column);
        let ty = value_type(&def.ty);
        let name = table.quoted(f.column);
        let element = |key: bool| match &ty {
            CqlType::List { element, .. } | CqlType::Set { element, .. } => (**element).clone(),
            CqlType::Map { key: k, value, .. } => {
                if key {
                    (**k).clone()
                } else {
                    (**value).clone()
                }
            }
            other => other.clone(),
        };
        let op = match &f.op {
            FilterOp::Compare(op, t) => BoundOp::Compare(*op, bind_one(t, &ty, &name, ctx)?),
            FilterOp::In(set) => {
                let values = match set {
                    ValueSet::Eq(t) => vec![bind_one(t, &ty, &name, ctx)?],
                    ValueSet::In(ts) => {
                        let mut out = Vec::with_capacity(ts.len());
                        for t in ts {
                            out.push(bind_one(t, &ty, &name, ctx)?);
                        }
                        out
                    }
                    ValueSet::InMarker(i) => match ctx.marker(*i)? {
                        Bound::Bytes(b) => {
                            let list = CqlType::List { element: Box::new(ty.clone()), frozen: true };
                            match CqlValue::deserialize(&list, &b)? {
                                CqlValue::List(items) => items.into_iter().filter(|v| !v.is_null()).collect(),
                                _ => Vec::new(),
                            }
                        }
                        _ => return invalid(format!("Invalid null value for IN restriction on column {name}")),
                    },
                };
                BoundOp::In(values)
            }
            FilterOp::Contains(t) => BoundOp::Contains(bind_one(t, &element(false), &name, ctx)?),
            FilterOp::ContainsKey(t) => BoundOp::ContainsKey(bind_one(t, &element(true), &name, ctx)?),
            FilterOp::MapEntry { key, value } => BoundOp::MapEntry(
                bind_one(key, &element(true), &name, ctx)?,
                bind_one(value, &element(false), &name, ctx)?,
            ),
        };
        Ok(BoundFilter { column: f.column, ty, op })
    }

    /// Whether the row passes the filter.
    pub fn matches(&self, row: &RowView<'_>) -> CqlResult<bool> {
        let Some(bytes) = row.value(self.column) else { return Ok(false) };
        if bytes.is_empty() && !matches!(self.ty, CqlType::Text | CqlType::Ascii | CqlType::Blob) {
            return Ok(matches!(&self.op, BoundOp::Compare(Operator::Eq, CqlValue::Empty)));
        }
        let v = CqlValue::deserialize(&self.ty, &bytes)?;
        let ty = &self.ty;
        Ok(match &self.op {
            BoundOp::Compare(op, x) => {
                let o = compare(ty, &v, x);
                match op {
                    Operator::Eq => o.is_eq(),
                    Operator::Lt => o.is_lt(),
                    Operator::Lte => o.is_le(),
                    Operator::Gt => o.is_gt(),
                    Operator::Gte => o.is_ge(),
                    Operator::Neq => o.is_ne(),
                    _ => false,
                }
            }
            BoundOp::In(xs) => xs.iter().any(|x| compare(ty, &v, x).is_eq()),
            BoundOp::Contains(x) => match (&v, ty) {
                (
                    CqlValue::List(items) | CqlValue::Set(items),
                    CqlType::List { element, .. } | CqlType::Set { element, .. },
                ) => items.iter().any(|i| compare(element, i, x).is_eq()),
                (CqlValue::Map(entries), CqlType::Map { value, .. }) => {
                    entries.iter().any(|(_, i)| compare(value, i, x).is_eq())
                }
                _ => false,
            },
            BoundOp::ContainsKey(x) => match (&v, ty) {
                (CqlValue::Map(entries), CqlType::Map { key, .. }) => {
                    entries.iter().any(|(k, _)| compare(key, k, x).is_eq())
                }
                _ => false,
            },
            BoundOp::MapEntry(k, x) => match (&v, ty) {
                (CqlValue::Map(entries), CqlType::Map { key, value, .. }) => {
                    entries.iter().any(|(ek, ev)| compare(key, ek, k).is_eq() && compare(value, ev, x).is_eq())
                }
                _ => false,
            },
        })
    }
}
