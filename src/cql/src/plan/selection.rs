//! The selection of a `SELECT`: selectors planned against the table (columns, `WRITETIME`,
//! `TTL`, native functions, `CAST`, field and element access, terms, aggregates), their result
//! metadata with Cassandra's column names, and their evaluation on rows.
//!
//! Rows come in through [`RowSource`]: serialized column values plus write time and TTL, so the
//! evaluation knows nothing of storage. Aggregates fold rows group by group ([`GroupState`]);
//! non-aggregate selectors of an aggregate query take the group's first row, as in Cassandra.

use super::aggregate::{AggFn, AggState};
use super::error::{invalid, CqlResult};
use super::functions::{cast, cast_allowed, ScalarFn};
use super::table::TableInfo;
use super::vars::{prepare_term, BindCtx, Bound, ColumnSpec, PTerm, Vars};
use crate::ast::{Selectable, Selection as AstSelection, Selector, WriteTimeKind};
use crate::schema::ColumnKind;
use crate::term::{Literal, Term};
use crate::types::CqlType;
use crate::value::{compare, CqlValue};

/// What a row gives a selection.
pub trait RowSource {
    /// The serialized value of column `column` (collections serialized whole); `None` if null.
    fn value(&self, column: usize) -> Option<Vec<u8>>;
    /// The write time (microseconds) of a simple column's cell.
    fn writetime(&self, column: usize) -> Option<i64>;
    /// The remaining TTL (seconds) of a simple column's cell.
    fn ttl(&self, column: usize) -> Option<i32>;
}

/// A planned selector.
#[derive(Debug, Clone, PartialEq)]
pub enum Sel {
    Column(usize),
    WriteTime(usize),
    Ttl(usize),
    Term(PTerm),
    Call {
        f: ScalarFn,
        args: Vec<Sel>,
        arg_types: Vec<CqlType>,
    },
    Cast {
        arg: Box<Sel>,
        from: CqlType,
        to: CqlType,
    },
    Field {
        arg: Box<Sel>,
        udt: CqlType,
        index: usize,
    },
    Element {
        arg: Box<Sel>,
        collection: CqlType,
        key: PTerm,
    },
    /// An aggregate; `slot` indexes the group's states.
    Agg {
        f: AggFn,
        arg: Option<Box<Sel>>,
        slot: usize,
    },
}

/// A planned selection.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub exprs: Vec<Sel>,
    /// Result metadata; columns past `visible` are fetched for post-query ordering only.
    pub specs: Vec<ColumnSpec>,
    pub visible: usize,
    pub aggregates: Vec<(AggFn, CqlType)>,
    /// Table columns the selection reads.
    pub columns: Vec<usize>,
    pub wildcard: bool,
}

impl Selection {
    pub fn is_aggregate(&self) -> bool {
        !self.aggregates.is_empty()
    }

    /// Whether it selects static columns and nothing else but partition key columns.
    pub fn only_static(&self, table: &TableInfo) -> bool {
        !self.wildcard
            && self.columns.iter().any(|c| table.column(*c).kind == ColumnKind::Static)
            && self
                .columns
                .iter()
                .all(|c| matches!(table.column(*c).kind, ColumnKind::Static | ColumnKind::PartitionKey))
    }

    /// Whether it reads a non-frozen collection (or UDT).
    pub fn has_complex_column(&self, table: &TableInfo) -> bool {
        self.columns.iter().any(|c| table.column(*c).ty.is_multi_cell())
    }

    /// Adds column `column` (for `ORDER BY`) unless selected; returns its result index.
    pub fn ensure_column(&mut self, column: usize, table: &TableInfo) -> usize {
        if let Some(i) = self.exprs.iter().position(|e| *e == Sel::Column(column)) {
            return i;
        }
        self.exprs.push(Sel::Column(column));
        self.specs.push(table.spec(column));
        if !self.columns.contains(&column) {
            self.columns.push(column);
        }
        self.exprs.len() - 1
    }

    /// The selected values of one row (non-aggregate selections).
    pub fn row(&self, src: &dyn RowSource, ctx: &mut BindCtx<'_, '_>) -> CqlResult<Vec<Option<Vec<u8>>>> {
        let mut out = Vec::with_capacity(self.exprs.len());
        for e in &self.exprs {
            out.push(eval(e, src, ctx)?);
        }
        Ok(out)
    }

    pub fn new_group(&self) -> GroupState {
        GroupState { states: self.aggregates.iter().map(|(f, t)| AggState::new(*f, t)).collect(), first: None }
    }

    /// Folds one row into a group.
    pub fn add_to_group(&self, g: &mut GroupState, src: &dyn RowSource, ctx: &mut BindCtx<'_, '_>) -> CqlResult<()> {
        if g.first.is_none() {
            let mut first = Vec::with_capacity(self.exprs.len());
            for e in &self.exprs {
                first.push(if matches!(e, Sel::Agg { .. }) { None } else { eval(e, src, ctx)? });
            }
            g.first = Some(first);
        }
        for e in &self.exprs {
            if let Sel::Agg { f, arg, slot } = e {
                let value = match arg {
                    Some(a) => eval(a, src, ctx)?,
                    None => None,
                };
                if let Some(state) = g.states.get_mut(*slot) {
                    state.add(*f, value.as_deref())?;
                }
            }
        }
        Ok(())
    }

    /// The row of a finished group.
    pub fn finish_group(&self, g: GroupState) -> CqlResult<Vec<Option<Vec<u8>>>> {
        let mut first = g.first.unwrap_or_else(|| vec![None; self.exprs.len()]);
        let mut states = g.states.into_iter();
        for (i, e) in self.exprs.iter().enumerate() {
            if let Sel::Agg { .. } = e {
                if let Some(s) = states.next() {
                    first[i] = s.result()?;
                }
            }
        }
        Ok(first)
    }
}

/// The aggregation state of one group.
#[derive(Debug, Clone)]
pub struct GroupState {
    states: Vec<AggState>,
    first: Option<Vec<Option<Vec<u8>>>>,
}

fn eval(e: &Sel, src: &dyn RowSource, ctx: &mut BindCtx<'_, '_>) -> CqlResult<Option<Vec<u8>>> {
    Ok(match e {
        Sel::Column(c) => src.value(*c),
        Sel::WriteTime(c) => src.writetime(*c).map(|t| t.to_be_bytes().to_vec()),
        Sel::Ttl(c) => src.ttl(*c).map(|t| t.to_be_bytes().to_vec()),
        Sel::Term(t) => {
            let mut local = BindCtx { values: ctx.values, vars: ctx.vars, env: &mut *ctx.env };
            match t.bind(&mut local)? {
                Bound::Bytes(b) => Some(b.into_owned()),
                _ => None,
            }
        }
        Sel::Call { f, args, arg_types } => {
            let mut values = Vec::with_capacity(args.len());
            for a in args {
                values.push(eval(a, src, ctx)?);
            }
            f.apply(&values, arg_types, &mut *ctx.env)?
        }
        Sel::Cast { arg, from, to } => cast(eval(arg, src, ctx)?.as_deref(), from, to)?,
        Sel::Field { arg, udt, index } => {
            let Some(b) = eval(arg, src, ctx)? else { return Ok(None) };
            match CqlValue::deserialize(udt, &b)? {
                CqlValue::Udt(fields) => match (fields.get(*index), udt) {
                    (Some((_, Some(v))), CqlType::Udt { fields: types, .. }) => Some(v.serialize(&types[*index].1)?),
                    _ => None,
                },
                _ => None,
            }
        }
        Sel::Element { arg, collection, key } => {
            let Some(b) = eval(arg, src, ctx)? else { return Ok(None) };
            element(collection, &b, key, ctx)?
        }
        Sel::Agg { .. } => None,
    })
}

fn element(collection: &CqlType, bytes: &[u8], key: &PTerm, ctx: &mut BindCtx<'_, '_>) -> CqlResult<Option<Vec<u8>>> {
    let v = CqlValue::deserialize(collection, bytes)?;
    Ok(match (collection, v) {
        (CqlType::Map { key: kt, value: vt, .. }, CqlValue::Map(entries)) => {
            let Some(k) = key.bind_value(kt, ctx)? else { return Ok(None) };
            match entries.into_iter().find(|(ek, _)| compare(kt, ek, &k).is_eq()) {
                Some((_, v)) => Some(v.serialize(vt)?),
                None => None,
            }
        }
        (CqlType::Set { element: et, .. }, CqlValue::Set(items)) => {
            let Some(k) = key.bind_value(et, ctx)? else { return Ok(None) };
            match items.into_iter().find(|e| compare(et, e, &k).is_eq()) {
                Some(e) => Some(e.serialize(et)?),
                None => None,
            }
        }
        (CqlType::List { element: et, .. }, CqlValue::List(items)) => {
            let Some(CqlValue::Int(i)) = key.bind_value(&CqlType::Int, ctx)? else { return Ok(None) };
            match usize::try_from(i).ok().and_then(|i| items.get(i)) {
                Some(e) => Some(e.serialize(et)?),
                None => None,
            }
        }
        _ => None,
    })
}

/// A selector being planned: the expression, its type and its result column name.
struct Planned {
    sel: Sel,
    ty: CqlType,
    name: String,
}

struct Planner<'a> {
    table: &'a TableInfo,
    vars: &'a mut Vars,
    aggregates: Vec<(AggFn, CqlType)>,
    columns: Vec<usize>,
}

/// Plans the selection of a `SELECT`.
pub fn plan_selection(selection: &AstSelection, table: &TableInfo, vars: &mut Vars) -> CqlResult<Selection> {
    let selectors: &[Selector] = match selection {
        AstSelection::Wildcard => {
            let exprs: Vec<Sel> = table.select_order.iter().map(|c| Sel::Column(*c)).collect();
            let specs: Vec<ColumnSpec> = table.select_order.iter().map(|c| table.spec(*c)).collect();
            let visible = specs.len();
            return Ok(Selection {
                exprs,
                specs,
                visible,
                aggregates: Vec::new(),
                columns: table.select_order.clone(),
                wildcard: true,
            });
        }
        AstSelection::Selectors(s) => s,
    };
    let mut p = Planner { table, vars, aggregates: Vec::new(), columns: Vec::new() };
    let mut exprs = Vec::with_capacity(selectors.len());
    let mut specs = Vec::with_capacity(selectors.len());
    for s in selectors {
        let planned = p.plan(&s.selectable, true)?;
        let name = s.alias.as_ref().map(|a| a.as_str().to_string()).unwrap_or(planned.name);
        specs.push(table.named_spec(name, planned.ty));
        exprs.push(planned.sel);
    }
    let visible = specs.len();
    Ok(Selection { exprs, specs, visible, aggregates: p.aggregates, columns: p.columns, wildcard: false })
}

impl Planner<'_> {
    fn use_column(&mut self, c: usize) {
        if !self.columns.contains(&c) {
            self.columns.push(c);
        }
    }

    fn plan(&mut self, s: &Selectable, top: bool) -> CqlResult<Planned> {
        match s {
            Selectable::Column(c) => {
                let idx = self.table.column_index(c)?;
                self.use_column(idx);
                let col = self.table.column(idx);
                Ok(Planned { sel: Sel::Column(idx), ty: col.ty.clone(), name: col.name.clone() })
            }
            Selectable::Parenthesized(inner) => self.plan(inner, top),
            Selectable::CountRows => {
                if !top {
                    return invalid("Aggregate functions are only supported as top-level selectors");
                }
                let slot = self.aggregates.len();
                self.aggregates.push((AggFn::CountRows, CqlType::Bigint));
                Ok(Planned {
                    sel: Sel::Agg { f: AggFn::CountRows, arg: None, slot },
                    ty: CqlType::Bigint,
                    name: "count".into(),
                })
            }
            Selectable::WriteTime { kind, column } => {
                let Selectable::Column(c) = &**column else {
                    return invalid("WRITETIME and TTL are only supported on columns");
                };
                let idx = self.table.column_index(c)?;
                self.use_column(idx);
                let col = self.table.column(idx);
                let (fname, label) = match kind {
                    WriteTimeKind::WriteTime => ("writeTime", "writetime"),
                    WriteTimeKind::MaxWriteTime => ("maxWritetime", "maxwritetime"),
                    WriteTimeKind::Ttl => ("ttl", "ttl"),
                };
                if col.is_primary_key() {
                    return invalid(format!(
                        "Cannot use selection function {fname} on PRIMARY KEY part {}",
                        self.table.quoted(idx)
                    ));
                }
                if col.ty.is_multi_cell() || col.ty.is_counter() {
                    let what = if col.ty.is_counter() { "counters" } else { "non-frozen collections" };
                    return invalid(format!("Cannot use selection function {fname} on {what}"));
                }
                let (sel, ty) = match kind {
                    WriteTimeKind::Ttl => (Sel::Ttl(idx), CqlType::Int),
                    _ => (Sel::WriteTime(idx), CqlType::Bigint),
                };
                Ok(Planned { sel, ty, name: format!("{label}({})", col.name) })
            }
            Selectable::Cast { selectable, to } => {
                let inner = self.plan(selectable, false)?;
                let to_ty = CqlType::native(to.as_str()).unwrap_or(CqlType::Text);
                if !cast_allowed(&inner.ty, &to_ty) {
                    return invalid(format!("{} cannot be cast to {to_ty}", inner.ty));
                }
                Ok(Planned {
                    name: format!("cast({} as {})", inner.name, to.as_str()),
                    sel: Sel::Cast { arg: Box::new(inner.sel), from: inner.ty, to: to_ty.clone() },
                    ty: to_ty,
                })
            }
            Selectable::Field { selectable, field } => {
                let inner = self.plan(selectable, false)?;
                let CqlType::Udt { fields, .. } = &inner.ty else {
                    return invalid(format!(
                        "Invalid field selection: {} of type {} is not a user type",
                        inner.name, inner.ty
                    ));
                };
                let Some(index) = fields.iter().position(|(f, _)| f == field.as_str()) else {
                    return invalid(format!("{} of type {} has no field {}", inner.name, inner.ty, field.as_str()));
                };
                let ty = fields[index].1.clone();
                Ok(Planned {
                    name: format!("{}.{}", inner.name, field.as_str()),
                    sel: Sel::Field { arg: Box::new(inner.sel), udt: inner.ty.clone(), index },
                    ty,
                })
            }
            Selectable::Element { selectable, element } => {
                let inner = self.plan(selectable, false)?;
                let (key_ty, ty) = match &inner.ty {
                    CqlType::Map { key, value, .. } => ((**key).clone(), (**value).clone()),
                    CqlType::Set { element, .. } => ((**element).clone(), (**element).clone()),
                    CqlType::List { element, .. } => (CqlType::Int, (**element).clone()),
                    other => {
                        return invalid(format!(
                            "Invalid element selection: {} is of type {other} is not a collection",
                            inner.name
                        ))
                    }
                };
                let spec = self.table.named_spec(format!("key({})", inner.name), key_ty);
                let key = prepare_term(element, &spec, self.vars, None)?;
                Ok(Planned {
                    name: format!("{}[{}]", inner.name, element),
                    sel: Sel::Element { arg: Box::new(inner.sel), collection: inner.ty.clone(), key },
                    ty,
                })
            }
            Selectable::Term(t) => self.plan_term(t, None),
            Selectable::TypeHint { cql_type, selectable } => {
                let ty = CqlType::parse_with(&cql_type.to_string(), &|ks, name| resolve_udt(self.table, ks, name))
                    .map_err(|e| super::error::CqlError::invalid(e.to_string()))?;
                match &**selectable {
                    Selectable::Term(t) => self.plan_term(t, Some(ty)),
                    other => {
                        let inner = self.plan(other, false)?;
                        Ok(Planned { ty, ..inner })
                    }
                }
            }
            Selectable::Function { name, args } => self.plan_function(name, args, top),
            _ => invalid(format!("Selector {s} is not supported by sibyl")),
        }
    }

    fn plan_term(&mut self, t: &Term, hint: Option<CqlType>) -> CqlResult<Planned> {
        let ty = match hint {
            Some(t) => t,
            None => match t {
                Term::Literal(Literal::Integer(_)) => CqlType::Int,
                Term::Literal(Literal::Float(_) | Literal::NaN | Literal::Infinity { .. }) => CqlType::Double,
                Term::Literal(Literal::String(_)) => CqlType::Text,
                Term::Literal(Literal::Boolean(_)) => CqlType::Boolean,
                Term::Literal(Literal::Uuid(_)) => CqlType::Uuid,
                Term::Literal(Literal::Blob(_)) => CqlType::Blob,
                Term::Literal(Literal::Duration(_)) => CqlType::Duration,
                _ => {
                    return invalid(format!(
                        "Cannot infer type for term {} in selection clause (try using a cast to force a type)",
                        crate::value::term_text(t)
                    ))
                }
            },
        };
        let spec = self.table.named_spec(crate::value::term_text(t), ty.clone());
        let term = prepare_term(t, &spec, self.vars, None)?;
        Ok(Planned { sel: Sel::Term(term), ty, name: crate::value::term_text(t) })
    }

    fn plan_function(&mut self, name: &crate::ast::FunctionName, args: &[Selectable], top: bool) -> CqlResult<Planned> {
        let fname = name.name.as_str().to_ascii_lowercase();
        if name.keyspace.as_ref().is_some_and(|k| k.as_str() != "system") {
            return invalid(format!("Unknown function '{name}'"));
        }
        if let Some(f) = AggFn::from_name(&fname) {
            if !top {
                return invalid("Aggregate functions are only supported as top-level selectors");
            }
            let [arg] = args else {
                return invalid(format!(
                    "Invalid number of arguments in call to function system.{fname}: 1 required but {} provided",
                    args.len()
                ));
            };
            // count(1) / count(<constant>) counts rows.
            if f == AggFn::Count && matches!(arg, Selectable::Term(Term::Literal(l)) if *l != Literal::Null) {
                let slot = self.aggregates.len();
                self.aggregates.push((AggFn::CountRows, CqlType::Bigint));
                return Ok(Planned {
                    sel: Sel::Agg { f: AggFn::CountRows, arg: None, slot },
                    ty: CqlType::Bigint,
                    name: "count".into(),
                });
            }
            let inner = self.plan(arg, false)?;
            let ty = f.result_type(&inner.ty)?;
            let slot = self.aggregates.len();
            self.aggregates.push((f, inner.ty.clone()));
            return Ok(Planned {
                name: format!("system.{fname}({})", inner.name),
                sel: Sel::Agg { f, arg: Some(Box::new(inner.sel)), slot },
                ty,
            });
        }
        let mut planned = Vec::with_capacity(args.len());
        for a in args {
            planned.push(self.plan(a, false)?);
        }
        let arg_types: Vec<CqlType> = planned.iter().map(|p| p.ty.clone()).collect();
        let (f, ty) = ScalarFn::resolve(&fname, &arg_types)?;
        if f == ScalarFn::Token {
            let cols: Vec<Option<usize>> = planned
                .iter()
                .map(|p| match p.sel {
                    Sel::Column(c) => Some(c),
                    _ => None,
                })
                .collect();
            let expected: Vec<Option<usize>> = self.table.pk.iter().map(|c| Some(*c)).collect();
            if cols != expected {
                let names: Vec<String> = self.table.pk.iter().map(|c| self.table.quoted(*c)).collect();
                return invalid(format!(
                    "Invalid arguments for function system.token: token() must be applied to the partition key columns ({}) in order",
                    names.join(", ")
                ));
            }
        }
        let names: Vec<String> = planned.iter().map(|p| p.name.clone()).collect();
        Ok(Planned {
            name: format!("system.{fname}({})", names.join(", ")),
            sel: Sel::Call { f, args: planned.into_iter().map(|p| p.sel).collect(), arg_types },
            ty,
        })
    }
}

/// Resolves a user type of the table's keyspace (for type hints in selectors).
fn resolve_udt(_table: &TableInfo, _ks: Option<&str>, _name: &str) -> Option<CqlType> {
    None
}
