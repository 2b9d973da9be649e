//! Bind markers and prepared terms.
//!
//! Planning gives every bind marker an index in the order it appears in the statement text and
//! a specification (Cassandra's `ColumnSpecification`: keyspace, table, name, type) named after
//! its receiver: the column itself, or `value(c)`, `key(c)`, `idx(c)`, `in(c)`, `c.field`,
//! `c[0]` (a tuple component), `[limit]`, `[per_partition_limit]`, `[timestamp]`, `[ttl]`,
//! `partition key token`; a named marker (`:name`) takes its own name. A term becomes a
//! [`PTerm`]: a constant serialized once at planning, a marker, or an expression evaluated at
//! each execution (a collection literal holding markers, `now()`).
//!
//! Binding checks each value as Cassandra does: the number of values, and that each is a valid
//! serialization of its marker's type (the serializer's message, as an Invalid error).

use std::borrow::Cow;

use super::error::{invalid, CqlError, CqlResult};
use crate::term::{BindMarker, Literal, Term};
use crate::types::CqlType;
use crate::value::{from_term, CqlValue, NoEnv, TermEnv};

/// What a bind marker (or a result column) is: Cassandra's `ColumnSpecification`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    pub keyspace: String,
    pub table: String,
    pub name: String,
    pub ty: CqlType,
}

impl ColumnSpec {
    pub fn new(keyspace: &str, table: &str, name: impl Into<String>, ty: CqlType) -> Self {
        ColumnSpec { keyspace: keyspace.to_string(), table: table.to_string(), name: name.into(), ty }
    }

    /// The same column under another name (`value(c)`, `key(c)`...), with another type.
    pub fn derived(&self, name: impl Into<String>, ty: CqlType) -> Self {
        ColumnSpec { keyspace: self.keyspace.clone(), table: self.table.clone(), name: name.into(), ty }
    }
}

/// A value bound to a marker, as the native protocol carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoundValue {
    Value(Vec<u8>),
    Null,
    /// Protocol v4 "unset": leave the column as it is (or use the default).
    Unset,
}

/// The markers of a statement being planned.
///
/// Planning registers markers in whatever order it meets them (the `USING` clause before the
/// assignments, conditions before the `WHERE` clause...), each getting a registration id
/// (what [`PTerm::Marker`] holds); the bind index of a marker (its place among the values a
/// client sends, and in the prepared metadata) is its rank in the statement text, as Cassandra
/// numbers them. The same marker registered again (same text offset) shares its bind index.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    /// By bind index: what each marker is.
    specs: Vec<ColumnSpec>,
    /// By bind index: the marker's name when written `:name`.
    names: Vec<Option<String>>,
    /// By bind index: for markers whose receiver is a partition key column itself, its position.
    pk_target: Vec<Option<usize>>,
    /// By bind index: the marker's offset in the text (`None` for markers built by code, which
    /// come after every other marker registered before them).
    offsets: Vec<Option<usize>>,
    /// By registration id: the bind index.
    slots: Vec<usize>,
}

impl Vars {
    /// Registers a marker; returns its registration id.
    pub fn add(&mut self, marker: &BindMarker, spec: ColumnSpec) -> usize {
        self.add_target(marker, spec, None)
    }

    /// Registers a marker whose receiver is the partition key column at `pk_position`; returns
    /// its registration id.
    pub fn add_target(&mut self, marker: &BindMarker, mut spec: ColumnSpec, pk_position: Option<usize>) -> usize {
        let id = self.slots.len();
        if let Some(at) = marker.offset {
            if let Some(slot) = self.offsets.iter().position(|o| *o == Some(at)) {
                self.slots.push(slot);
                return id;
            }
        }
        if let Some(n) = &marker.name {
            spec.name = n.clone();
        }
        let slot = match marker.offset {
            Some(at) => self.offsets.iter().position(|o| o.is_none_or(|o| o > at)).unwrap_or(self.offsets.len()),
            None => self.offsets.len(),
        };
        for s in &mut self.slots {
            if *s >= slot {
                *s += 1;
            }
        }
        self.specs.insert(slot, spec);
        self.names.insert(slot, marker.name.clone());
        self.pk_target.insert(slot, pk_position);
        self.offsets.insert(slot, marker.offset);
        self.slots.push(slot);
        id
    }

    /// Appends the markers of `other` (a later statement of the same text, e.g. of a batch)
    /// after these, without their partition key targets. Their registration ids are not valid
    /// here: `other` binds its own values.
    pub fn append(&mut self, other: &Vars) {
        self.specs.extend(other.specs.iter().cloned());
        self.names.extend(other.names.iter().cloned());
        self.pk_target.extend(other.pk_target.iter().map(|_| None));
        self.offsets.extend(other.offsets.iter().copied());
    }

    /// The markers' specifications, by bind index.
    pub fn specs(&self) -> &[ColumnSpec] {
        &self.specs
    }

    /// The markers' names (`:name`), by bind index.
    pub fn names(&self) -> &[Option<String>] {
        &self.names
    }

    /// The number of values the statement binds.
    pub fn len(&self) -> usize {
        self.specs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// The bind index of the marker registered as `id`.
    pub fn slot(&self, id: usize) -> Option<usize> {
        self.slots.get(id).copied()
    }

    /// The bind indexes of the partition key columns, in key order, when every one has a marker
    /// (what drivers use for token-aware routing); empty otherwise.
    pub fn partition_key_indexes(&self, pk_columns: usize) -> Vec<u16> {
        let mut out: Vec<Option<u16>> = vec![None; pk_columns];
        for (i, target) in self.pk_target.iter().enumerate() {
            if let (Some(p), Ok(i)) = (target, u16::try_from(i)) {
                if let Some(slot) = out.get_mut(*p) {
                    *slot = Some(i);
                }
            }
        }
        out.into_iter().collect::<Option<Vec<u16>>>().unwrap_or_default()
    }
}

/// A term prepared for its receiver.
#[derive(Debug, Clone, PartialEq)]
pub enum PTerm {
    /// Known at planning: the serialization, `None` for null.
    Const(Option<Vec<u8>>),
    /// A bind marker, by index.
    Marker(usize),
    /// Evaluated at each execution.
    Expr(Box<ExprTerm>),
    /// One column of the value bound to `INSERT JSON ?`.
    JsonColumn(Box<JsonColumn>),
}

/// A column of an `INSERT JSON ?` value.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonColumn {
    pub marker: usize,
    /// The table's column names (the JSON object's keys are matched against them).
    pub names: Vec<String>,
    pub index: usize,
    pub ty: CqlType,
    /// `DEFAULT UNSET`: a column absent from the object is left alone (else set to null).
    pub default_unset: bool,
}

/// A term evaluated at execution: a literal holding markers, or a function call.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprTerm {
    pub term: Term,
    pub ty: CqlType,
    pub receiver: String,
    /// Marker indexes in the order the term holds them.
    pub markers: Vec<usize>,
}

/// A term's value at execution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound<'a> {
    Null,
    Unset,
    Bytes(Cow<'a, [u8]>),
}

impl Bound<'_> {
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Bound::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

/// What binding needs: the values (by bind index), the statement's markers and the execution
/// environment.
pub struct BindCtx<'a, 'e> {
    pub values: &'a [BoundValue],
    pub vars: &'a Vars,
    pub env: &'e mut dyn TermEnv,
}

impl<'a> BindCtx<'a, '_> {
    /// The value of the marker registered as `id`, checked against its type.
    pub fn marker(&self, id: usize) -> CqlResult<Bound<'a>> {
        let values: &'a [BoundValue] = self.values;
        let index = self.vars.slot(id).ok_or_else(|| CqlError::invalid("Invalid amount of bind variables"))?;
        let value = values.get(index).ok_or_else(|| CqlError::invalid("Invalid amount of bind variables"))?;
        match value {
            BoundValue::Null => Ok(Bound::Null),
            BoundValue::Unset => Ok(Bound::Unset),
            BoundValue::Value(bytes) => {
                if let Some(spec) = self.vars.specs.get(index) {
                    if !quick_valid(&spec.ty, bytes) {
                        CqlValue::validate(&spec.ty, bytes).map_err(|e| CqlError::invalid(e.message()))?;
                    }
                }
                Ok(Bound::Bytes(Cow::Borrowed(bytes.as_slice())))
            }
        }
    }
}

/// Whether `bytes` is certainly a valid value of `ty`, checked without decoding it (common
/// fixed-size types and text); `false` means "check the slow way", which also words the error.
fn quick_valid(ty: &CqlType, bytes: &[u8]) -> bool {
    match ty {
        CqlType::Int | CqlType::Float | CqlType::Date => bytes.len() == 4,
        CqlType::Bigint | CqlType::Counter | CqlType::Double | CqlType::Timestamp => bytes.len() == 8,
        CqlType::Text => std::str::from_utf8(bytes).is_ok(),
        CqlType::Ascii => bytes.is_ascii(),
        CqlType::Blob => true,
        CqlType::Uuid => bytes.len() == 16,
        CqlType::Boolean | CqlType::Tinyint => bytes.len() == 1,
        CqlType::Smallint => bytes.len() == 2,
        _ => false,
    }
}

impl PTerm {
    /// Binds the term: its serialized value, null or unset.
    pub fn bind<'a>(&'a self, ctx: &mut BindCtx<'a, '_>) -> CqlResult<Bound<'a>> {
        match self {
            PTerm::Const(None) => Ok(Bound::Null),
            PTerm::Const(Some(b)) => Ok(Bound::Bytes(Cow::Borrowed(b.as_slice()))),
            PTerm::Marker(i) => ctx.marker(*i),
            PTerm::Expr(e) => {
                let mut markers = e.markers.iter();
                let v = eval(&e.ty, &e.term, &e.receiver, &mut markers, ctx)?;
                match v {
                    Evaluated::Unset => Ok(Bound::Unset),
                    Evaluated::Value(CqlValue::Null) => Ok(Bound::Null),
                    Evaluated::Value(v) => Ok(Bound::Bytes(Cow::Owned(v.serialize(&e.ty)?))),
                }
            }
            PTerm::JsonColumn(j) => {
                let text = match ctx.marker(j.marker)? {
                    Bound::Bytes(b) => String::from_utf8(b.into_owned())
                        .map_err(|_| CqlError::invalid("Invalid JSON value: not UTF-8"))?,
                    _ => return invalid("Got null for INSERT JSON values"),
                };
                let names: Vec<&str> = j.names.iter().map(String::as_str).collect();
                let receiver = j.names.get(j.index).map(String::as_str).unwrap_or_default();
                match super::json::json_column_bytes(&text, &names, j.index, &j.ty, receiver)? {
                    None if j.default_unset => Ok(Bound::Unset),
                    None | Some(None) => Ok(Bound::Null),
                    Some(Some(b)) => Ok(Bound::Bytes(Cow::Owned(b))),
                }
            }
        }
    }

    /// Binds the term and reads it as a value of `ty` (`None` for null or unset).
    pub fn bind_value(&self, ty: &CqlType, ctx: &mut BindCtx<'_, '_>) -> CqlResult<Option<CqlValue>> {
        // A shorter borrow than `bind` needs: re-borrow the context.
        let mut local = BindCtx { values: ctx.values, vars: ctx.vars, env: &mut *ctx.env };
        match self.bind(&mut local)? {
            Bound::Null | Bound::Unset => Ok(None),
            Bound::Bytes(b) => Ok(Some(CqlValue::deserialize(ty, &b)?)),
        }
    }

    /// Whether the term is a marker or holds one.
    pub fn has_markers(&self) -> bool {
        match self {
            PTerm::Const(_) => false,
            PTerm::Marker(_) => true,
            PTerm::Expr(e) => !e.markers.is_empty(),
            PTerm::JsonColumn(_) => true,
        }
    }
}

enum Evaluated {
    Value(CqlValue),
    Unset,
}

fn eval<'a>(
    ty: &CqlType,
    term: &Term,
    receiver: &str,
    markers: &mut std::slice::Iter<'_, usize>,
    ctx: &mut BindCtx<'a, '_>,
) -> CqlResult<Evaluated> {
    if !has_bind(term) {
        return Ok(Evaluated::Value(from_term(ty, term, receiver, &mut *ctx.env)?));
    }
    let mut element = |t: &CqlType, term: &Term, name: &str, ctx: &mut BindCtx<'a, '_>| -> CqlResult<CqlValue> {
        match eval(t, term, name, markers, ctx)? {
            Evaluated::Value(v) => Ok(v),
            Evaluated::Unset => invalid(format!("Invalid unset value for {name}")),
        }
    };
    let v = match (term, ty) {
        (Term::Bind(_), _) => {
            let Some(i) = markers.next() else { return invalid("Invalid amount of bind variables") };
            return Ok(match ctx.marker(*i)? {
                Bound::Null => Evaluated::Value(CqlValue::Null),
                Bound::Unset => Evaluated::Unset,
                Bound::Bytes(b) => Evaluated::Value(CqlValue::deserialize(ty, &b)?),
            });
        }
        (Term::List(items), CqlType::List { element: e, .. }) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let v = element(e, item, &format!("value({receiver})"), ctx)?;
                if v.is_null() {
                    return invalid("null is not supported inside collections");
                }
                out.push(v);
            }
            CqlValue::List(out)
        }
        (Term::Set(items), CqlType::Set { element: e, .. }) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let v = element(e, item, &format!("value({receiver})"), ctx)?;
                if v.is_null() {
                    return invalid("null is not supported inside collections");
                }
                out.push(v);
            }
            CqlValue::set(e, out)
        }
        (Term::Map(entries), CqlType::Map { key, value, .. }) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let k = element(key, k, &format!("key({receiver})"), ctx)?;
                let v = element(value, v, &format!("value({receiver})"), ctx)?;
                if k.is_null() || v.is_null() {
                    return invalid("null is not supported inside collections");
                }
                out.push((k, v));
            }
            CqlValue::map(key, out)
        }
        (Term::Tuple(items), CqlType::Tuple(types)) => {
            if items.len() > types.len() {
                return invalid(format!(
                    "Invalid tuple literal for {receiver}: too many elements. Type {ty} expects {} but got {}",
                    types.len(),
                    items.len()
                ));
            }
            let mut out = Vec::with_capacity(types.len());
            for (i, t) in types.iter().enumerate() {
                match items.get(i) {
                    Some(item) => {
                        let v = element(t, item, &format!("{receiver}[{i}]"), ctx)?;
                        out.push(if v.is_null() { None } else { Some(v) });
                    }
                    None => out.push(None),
                }
            }
            CqlValue::Tuple(out)
        }
        (Term::Udt(fields), CqlType::Udt { name, fields: types, .. }) => {
            if let Some((unknown, _)) = fields.iter().find(|(f, _)| !types.iter().any(|(t, _)| t == f)) {
                return invalid(format!("Unknown field '{unknown}' in value of user defined type {name}"));
            }
            let mut out = Vec::with_capacity(types.len());
            for (field, t) in types {
                let v = match fields.iter().rev().find(|(f, _)| f == field) {
                    Some((_, term)) => Some(element(t, term, &format!("{receiver}.{field}"), ctx)?),
                    None => None,
                };
                out.push((field.clone(), v.filter(|v| !v.is_null())));
            }
            CqlValue::Udt(out)
        }
        (Term::TypeHint { term: inner, .. }, _) => return eval(ty, inner, receiver, markers, ctx),
        _ => {
            return invalid(format!(
                "Invalid {} literal for {receiver} of type {ty}",
                match term {
                    Term::List(_) => "list",
                    Term::Set(_) => "set",
                    Term::Map(_) => "map",
                    Term::Tuple(_) => "tuple",
                    Term::Udt(_) => "user type",
                    _ => "bind marker in a function call or",
                }
            ))
        }
    };
    Ok(Evaluated::Value(v))
}

/// Whether `term` is or holds a bind marker.
pub fn has_bind(term: &Term) -> bool {
    match term {
        Term::Bind(_) => true,
        Term::Literal(_) => false,
        Term::List(items) | Term::Set(items) | Term::Tuple(items) => items.iter().any(has_bind),
        Term::Map(entries) => entries.iter().any(|(k, v)| has_bind(k) || has_bind(v)),
        Term::Udt(fields) => fields.iter().any(|(_, v)| has_bind(v)),
        Term::Function { args, .. } => args.iter().any(has_bind),
        Term::TypeHint { term, .. } | Term::Negate(term) => has_bind(term),
    }
}

/// Whether `term` calls a function (whose value may change between executions).
fn has_function(term: &Term) -> bool {
    match term {
        Term::Function { .. } => true,
        Term::Bind(_) | Term::Literal(_) => false,
        Term::List(items) | Term::Set(items) | Term::Tuple(items) => items.iter().any(has_function),
        Term::Map(entries) => entries.iter().any(|(k, v)| has_function(k) || has_function(v)),
        Term::Udt(fields) => fields.iter().any(|(_, v)| has_function(v)),
        Term::TypeHint { term, .. } | Term::Negate(term) => has_function(term),
    }
}

/// Prepares `term` for a receiver described by `spec` (its type and name); markers are
/// registered in `vars`. `pk_position` marks a receiver that is a partition key column.
pub fn prepare_term(term: &Term, spec: &ColumnSpec, vars: &mut Vars, pk_position: Option<usize>) -> CqlResult<PTerm> {
    if let Term::Bind(m) = term {
        return Ok(PTerm::Marker(vars.add_target(m, spec.clone(), pk_position)));
    }
    if !has_bind(term) && !has_function(term) {
        let v = from_term(&spec.ty, term, &spec.name, &mut NoEnv)?;
        if v.is_null() {
            return Ok(PTerm::Const(None));
        }
        return Ok(PTerm::Const(Some(v.serialize(&spec.ty)?)));
    }
    let mut markers = Vec::new();
    collect_markers(term, spec, vars, &mut markers)?;
    Ok(PTerm::Expr(Box::new(ExprTerm {
        term: term.clone(),
        ty: spec.ty.clone(),
        receiver: spec.name.clone(),
        markers,
    })))
}

fn collect_markers(term: &Term, spec: &ColumnSpec, vars: &mut Vars, out: &mut Vec<usize>) -> CqlResult<()> {
    if !has_bind(term) {
        return Ok(());
    }
    let name = &spec.name;
    match (term, &spec.ty) {
        (Term::Bind(m), _) => out.push(vars.add(m, spec.clone())),
        (Term::List(items), CqlType::List { element, .. }) => {
            let s = spec.derived(format!("value({name})"), (**element).clone());
            for item in items {
                collect_markers(item, &s, vars, out)?;
            }
        }
        (Term::Set(items), CqlType::Set { element, .. }) => {
            let s = spec.derived(format!("value({name})"), (**element).clone());
            for item in items {
                collect_markers(item, &s, vars, out)?;
            }
        }
        (Term::Map(entries), CqlType::Map { key, value, .. }) => {
            let ks = spec.derived(format!("key({name})"), (**key).clone());
            let vs = spec.derived(format!("value({name})"), (**value).clone());
            for (k, v) in entries {
                collect_markers(k, &ks, vars, out)?;
                collect_markers(v, &vs, vars, out)?;
            }
        }
        (Term::Tuple(items), CqlType::Tuple(types)) => {
            for (i, (item, t)) in items.iter().zip(types).enumerate() {
                collect_markers(item, &spec.derived(format!("{name}[{i}]"), t.clone()), vars, out)?;
            }
        }
        (Term::Udt(fields), CqlType::Udt { fields: types, .. }) => {
            // Markers are met in the literal's order.
            for (field, v) in fields {
                let t = types.iter().find(|(f, _)| f == field).map(|(_, t)| t.clone()).unwrap_or(CqlType::Blob);
                collect_markers(v, &spec.derived(format!("{name}.{field}"), t), vars, out)?;
            }
        }
        (Term::TypeHint { term, .. }, _) => collect_markers(term, spec, vars, out)?,
        (Term::Function { name: f, .. }, _) => {
            return invalid(format!("Bind markers are not supported as arguments of function {f} here"))
        }
        _ => return invalid(format!("Invalid literal for {name} of type {}", spec.ty)),
    }
    Ok(())
}

/// The integer literal or marker of `LIMIT`, `USING TTL`... as a term of type `ty`.
pub fn prepare_parameter(term: &Term, spec: ColumnSpec, vars: &mut Vars) -> CqlResult<PTerm> {
    if let Term::Literal(Literal::Null) = term {
        return Ok(PTerm::Const(None));
    }
    prepare_term(term, &spec, vars, None)
}

/// Reads a bound `int`.
pub fn bound_int(b: &Bound<'_>) -> Option<i32> {
    let bytes: [u8; 4] = b.bytes()?.try_into().ok()?;
    Some(i32::from_be_bytes(bytes))
}

/// Reads a bound `bigint`.
pub fn bound_bigint(b: &Bound<'_>) -> Option<i64> {
    let bytes: [u8; 8] = b.bytes()?.try_into().ok()?;
    Some(i64::from_be_bytes(bytes))
}
