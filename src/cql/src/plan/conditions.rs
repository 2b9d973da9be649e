//! `IF` conditions of `UPDATE` and `DELETE` (and `IF [NOT] EXISTS`): planning, and evaluation
//! against the current values of a row, as Cassandra's `ColumnCondition` does.

use std::cmp::Ordering;

use super::error::{invalid, CqlResult};
use super::restrict::ValueSet;
use super::table::TableInfo;
use super::vars::{prepare_term, BindCtx, Bound, PTerm, Vars};
use crate::ast::{Condition, ConditionOp, ConditionTarget, IfClause, InValues, Operator};
use crate::types::CqlType;
use crate::value::{compare, CqlValue};

/// The conditions of a modification.
#[derive(Debug, Clone, PartialEq)]
pub enum Conditions {
    None,
    IfExists,
    IfNotExists,
    Columns(Vec<ColumnCondition>),
}

impl Conditions {
    /// The columns the conditions test, in `IF` order, without duplicates.
    pub fn columns(&self) -> Vec<usize> {
        let mut out = Vec::new();
        if let Conditions::Columns(cs) = self {
            for c in cs {
                if !out.contains(&c.column) {
                    out.push(c.column);
                }
            }
        }
        out
    }
}

/// What part of the column a condition tests.
#[derive(Debug, Clone, PartialEq)]
pub enum CondTarget {
    Whole,
    /// `l[i]` (an int) or `m[k]`.
    Element(PTerm),
    /// `u.f`, by field position.
    Field(usize),
}

/// The test.
#[derive(Debug, Clone, PartialEq)]
pub enum CondOp {
    Compare(Operator, PTerm),
    In(ValueSet),
    Contains(PTerm),
    ContainsKey(PTerm),
}

/// One condition on column `column`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnCondition {
    pub column: usize,
    pub target: CondTarget,
    pub op: CondOp,
    /// The type of the tested value (the column, the element or the field).
    pub value_type: CqlType,
}

/// Plans an `IF` clause.
pub fn prepare_conditions(clause: Option<&IfClause>, table: &TableInfo, vars: &mut Vars) -> CqlResult<Conditions> {
    let Some(clause) = clause else { return Ok(Conditions::None) };
    let conditions = match clause {
        IfClause::Exists => return Ok(Conditions::IfExists),
        IfClause::Conditions(cs) => cs,
    };
    let mut out = Vec::with_capacity(conditions.len());
    for c in conditions {
        out.push(prepare_condition(c, table, vars)?);
    }
    Ok(Conditions::Columns(out))
}

fn prepare_condition(c: &Condition, table: &TableInfo, vars: &mut Vars) -> CqlResult<ColumnCondition> {
    let idx = table.column_index(&c.column)?;
    let col = table.column(idx);
    let spec = table.spec(idx);
    let name = col.name.clone();
    let (target, value_spec) = match &c.target {
        ConditionTarget::Column => (CondTarget::Whole, spec.clone()),
        ConditionTarget::Element(t) => match &col.ty {
            CqlType::List { element, .. } => {
                let i = prepare_term(t, &spec.derived(format!("idx({name})"), CqlType::Int), vars, None)?;
                (CondTarget::Element(i), spec.derived(format!("value({name})"), (**element).clone()))
            }
            CqlType::Map { key, value, .. } => {
                let k = prepare_term(t, &spec.derived(format!("key({name})"), (**key).clone()), vars, None)?;
                (CondTarget::Element(k), spec.derived(format!("value({name})"), (**value).clone()))
            }
            CqlType::Set { .. } => {
                return invalid(format!("Invalid element access syntax for set column {}", table.quoted(idx)))
            }
            _ => {
                return invalid(format!(
                    "Invalid element access syntax for non-collection column {}",
                    table.quoted(idx)
                ))
            }
        },
        ConditionTarget::Field(f) => {
            let CqlType::Udt { fields, .. } = &col.ty else {
                return invalid(format!("Invalid field access for non-UDT column {}", table.quoted(idx)));
            };
            let Some(pos) = fields.iter().position(|(n, _)| n == f.as_str()) else {
                return invalid(format!("Unknown field {f} for column {}", table.quoted(idx)));
            };
            (CondTarget::Field(pos), spec.derived(format!("{name}.{}", f.as_str()), fields[pos].1.clone()))
        }
    };
    if col.is_primary_key() {
        return invalid(format!("PRIMARY KEY column '{name}' cannot have IF conditions"));
    }
    let op = match &c.op {
        ConditionOp::Compare(Operator::Contains, t) => {
            let element = match &value_spec.ty {
                CqlType::List { element, .. } | CqlType::Set { element, .. } => (**element).clone(),
                CqlType::Map { value, .. } => (**value).clone(),
                _ => return invalid(format!("Cannot use CONTAINS on non-collection column {name}")),
            };
            CondOp::Contains(prepare_term(t, &spec.derived(format!("value({name})"), element), vars, None)?)
        }
        ConditionOp::Compare(Operator::ContainsKey, t) => {
            let CqlType::Map { key, .. } = &value_spec.ty else {
                return invalid(format!("Cannot use CONTAINS KEY on non-map column {name}"));
            };
            let key = (**key).clone();
            CondOp::ContainsKey(prepare_term(t, &spec.derived(format!("key({name})"), key), vars, None)?)
        }
        ConditionOp::Compare(Operator::Like, _) => return invalid("LIKE is not supported in conditions"),
        ConditionOp::Compare(op, t) => CondOp::Compare(*op, prepare_term(t, &value_spec, vars, None)?),
        ConditionOp::In(InValues::Marker(m)) => {
            let list = CqlType::List { element: Box::new(value_spec.ty.clone()), frozen: false };
            CondOp::In(ValueSet::InMarker(vars.add(m, value_spec.derived(format!("in({name})"), list))))
        }
        ConditionOp::In(InValues::Terms(ts)) => {
            let mut out = Vec::with_capacity(ts.len());
            for t in ts {
                out.push(prepare_term(t, &value_spec, vars, None)?);
            }
            CondOp::In(ValueSet::In(out))
        }
    };
    Ok(ColumnCondition { column: idx, target, op, value_type: value_spec.ty })
}

/// The value a condition tests, given the column's current value (`None`: null).
fn target_value(
    c: &ColumnCondition,
    column_type: &CqlType,
    current: Option<&CqlValue>,
    ctx: &mut BindCtx<'_, '_>,
) -> CqlResult<Option<CqlValue>> {
    match &c.target {
        CondTarget::Whole => Ok(current.cloned()),
        CondTarget::Field(pos) => Ok(match current {
            Some(CqlValue::Udt(fields)) => fields.get(*pos).and_then(|(_, v)| v.clone()),
            _ => None,
        }),
        CondTarget::Element(t) => match column_type {
            CqlType::List { .. } => {
                let Some(CqlValue::Int(i)) = t.bind_value(&CqlType::Int, ctx)? else {
                    return invalid("Invalid null value for list index");
                };
                let items: &[CqlValue] = match current {
                    Some(CqlValue::List(items)) => items,
                    _ => &[],
                };
                if i < 0 {
                    return invalid(format!("Invalid negative list index {i}"));
                }
                Ok(items.get(i as usize).cloned())
            }
            CqlType::Map { key, .. } => {
                let Some(k) = t.bind_value(key, ctx)? else {
                    return invalid("Invalid null value for map key");
                };
                Ok(match current {
                    Some(CqlValue::Map(entries)) => {
                        entries.iter().find(|(ek, _)| compare(key, ek, &k).is_eq()).map(|(_, v)| v.clone())
                    }
                    _ => None,
                })
            }
            _ => Ok(None),
        },
    }
}

/// Whether condition `c` holds for the column's current value (`None`: null or missing).
pub fn condition_applies(
    c: &ColumnCondition,
    column_type: &CqlType,
    current: Option<&CqlValue>,
    ctx: &mut BindCtx<'_, '_>,
) -> CqlResult<bool> {
    let actual = target_value(c, column_type, current, ctx)?;
    let ty = &c.value_type;
    let empty_as_null = |v: Option<CqlValue>| match v {
        Some(CqlValue::List(ref x)) | Some(CqlValue::Set(ref x)) if x.is_empty() && ty.is_multi_cell() => None,
        Some(CqlValue::Map(ref x)) if x.is_empty() && ty.is_multi_cell() => None,
        other => other,
    };
    let actual = empty_as_null(actual);
    match &c.op {
        CondOp::Compare(op, t) => {
            let expected = empty_as_null(t.bind_value(ty, ctx)?);
            match op {
                Operator::Eq => Ok(eq(ty, actual.as_ref(), expected.as_ref())),
                Operator::Neq => Ok(!eq(ty, actual.as_ref(), expected.as_ref())),
                _ => {
                    let Some(expected) = expected else {
                        return invalid(format!("Invalid comparison with null for operator \"{op}\""));
                    };
                    let Some(actual) = actual else { return Ok(false) };
                    let o = compare(ty, &actual, &expected);
                    Ok(match op {
                        Operator::Lt => o == Ordering::Less,
                        Operator::Lte => o != Ordering::Greater,
                        Operator::Gt => o == Ordering::Greater,
                        Operator::Gte => o != Ordering::Less,
                        _ => false,
                    })
                }
            }
        }
        CondOp::In(set) => {
            let candidates: Vec<Option<CqlValue>> = match set {
                ValueSet::Eq(t) => vec![t.bind_value(ty, ctx)?],
                ValueSet::In(ts) => {
                    let mut out = Vec::with_capacity(ts.len());
                    for t in ts {
                        out.push(empty_as_null(t.bind_value(ty, ctx)?));
                    }
                    out
                }
                ValueSet::InMarker(i) => match ctx.marker(*i)? {
                    Bound::Bytes(b) => {
                        let list = CqlType::List { element: Box::new(ty.clone()), frozen: true };
                        match CqlValue::deserialize(&list, &b)? {
                            CqlValue::List(items) => {
                                items.into_iter().map(|v| if v.is_null() { None } else { Some(v) }).collect()
                            }
                            _ => Vec::new(),
                        }
                    }
                    _ => return invalid("Invalid null list in IN condition"),
                },
            };
            Ok(candidates.iter().any(|c| eq(ty, actual.as_ref(), c.as_ref())))
        }
        CondOp::Contains(t) => {
            let Some(needle) = t.bind_value(&element_type(ty, false), ctx)? else {
                return invalid("Invalid comparison with null for CONTAINS");
            };
            let et = element_type(ty, false);
            Ok(match actual {
                Some(CqlValue::List(items)) | Some(CqlValue::Set(items)) => {
                    items.iter().any(|v| compare(&et, v, &needle).is_eq())
                }
                Some(CqlValue::Map(entries)) => entries.iter().any(|(_, v)| compare(&et, v, &needle).is_eq()),
                _ => false,
            })
        }
        CondOp::ContainsKey(t) => {
            let kt = element_type(ty, true);
            let Some(needle) = t.bind_value(&kt, ctx)? else {
                return invalid("Invalid comparison with null for CONTAINS KEY");
            };
            Ok(match actual {
                Some(CqlValue::Map(entries)) => entries.iter().any(|(k, _)| compare(&kt, k, &needle).is_eq()),
                _ => false,
            })
        }
    }
}

fn element_type(ty: &CqlType, key: bool) -> CqlType {
    match ty {
        CqlType::List { element, .. } | CqlType::Set { element, .. } => (**element).clone(),
        CqlType::Map { key: k, value, .. } => {
            if key {
                (**k).clone()
            } else {
                (**value).clone()
            }
        }
        other => other.clone(),
    }
}

fn eq(ty: &CqlType, a: Option<&CqlValue>, b: Option<&CqlValue>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => compare(ty, x, y).is_eq(),
        _ => false,
    }
}
