//! Terms to values: [`from_term`] types a parsed term for a receiver (a column, a collection
//! element, a field) as Cassandra's `Term.Raw.prepare` does, with its assignment rules
//! (`Constants`, `Lists`, `Sets`, `Maps`, `Tuples`, `UserTypes`, `TypeCast`) and messages.
//!
//! A few pure functions are evaluated (`now`, `uuid`, `currentTimestamp` and friends,
//! `minTimeuuid`, `maxTimeuuid`, `toTimestamp`, `toDate`, `toUnixTimestamp`, `<type>AsBlob`,
//! `blobAs<type>`); the clock, random uuids and user types come from a [`TermEnv`].

use super::parse::{
    java_parse_bigint, java_parse_decimal, java_parse_f32, java_parse_f64, java_parse_i64, parse_date, parse_duration,
    parse_inet, parse_time, parse_timestamp,
};
use super::timeuuid::{self, format_uuid};
use super::{hex, CqlValue, ValueError, DATE_EPOCH, NANOS_PER_DAY};
use crate::term::{BindMarker, Literal, Term};
use crate::types::CqlType;
use sibyl_common::calendar::MILLIS_PER_DAY;

/// What converting a term may need from outside: the clock, fresh uuids, user types. Every
/// method has a default that says "not available".
pub trait TermEnv {
    /// The current time in milliseconds since the epoch (for `'now'`, `currentTimestamp()`...).
    fn now_millis(&self) -> Option<i64> {
        None
    }
    /// A fresh version-1 uuid for `now()` (see [`timeuuid::timeuuid_at`]).
    fn next_timeuuid(&mut self) -> Option<[u8; 16]> {
        None
    }
    /// A fresh random (version 4) uuid for `uuid()`.
    fn random_uuid(&mut self) -> Option<[u8; 16]> {
        None
    }
    /// The user type `name` (in `keyspace` if qualified), for type hints: a [`CqlType::Udt`].
    fn resolve_udt(&self, _keyspace: Option<&str>, _name: &str) -> Option<CqlType> {
        None
    }
}

/// An environment with nothing: no clock, no uuids, no user types.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoEnv;

impl TermEnv for NoEnv {}

/// An environment with a fixed clock whose `now()` uuids count up 100 ns ticks from it.
#[derive(Debug, Clone)]
pub struct FixedClock {
    pub now_millis: i64,
    pub clock_seq: u16,
    pub node: u64,
    ticks: u16,
}

impl FixedClock {
    pub fn new(now_millis: i64, clock_seq: u16, node: u64) -> Self {
        FixedClock { now_millis, clock_seq, node, ticks: 0 }
    }
}

impl TermEnv for FixedClock {
    fn now_millis(&self) -> Option<i64> {
        Some(self.now_millis)
    }

    fn next_timeuuid(&mut self) -> Option<[u8; 16]> {
        if self.ticks >= 10_000 {
            return None;
        }
        let u = timeuuid::timeuuid_at(self.now_millis, self.ticks, self.clock_seq, self.node);
        self.ticks += 1;
        Some(u)
    }
}

fn invalid<T>(message: String) -> Result<T, ValueError> {
    Err(ValueError::Invalid(message))
}

/// The value of `term` for a receiver of type `ty` named `receiver` (the name appears in
/// messages, e.g. `Invalid STRING constant (foo) for "c" of type int`).
pub fn from_term(ty: &CqlType, term: &Term, receiver: &str, env: &mut dyn TermEnv) -> Result<CqlValue, ValueError> {
    match term {
        Term::Literal(Literal::Null) => {
            if ty.is_counter() {
                return invalid("Invalid null value for counter increment/decrement".to_string());
            }
            Ok(CqlValue::Null)
        }
        Term::Literal(lit) => literal_value(ty, lit, receiver, env),
        Term::Negate(inner) => match negate(inner) {
            Some(t) => from_term(ty, &t, receiver, env),
            None => invalid(format!("Invalid negation of {} for \"{receiver}\"", term_text(inner))),
        },
        Term::Bind(_) => invalid(format!("Bind marker {} for \"{receiver}\" has no value here", term_text(term))),
        Term::List(items) => list_value(ty, items, receiver, env),
        Term::Set(items) => set_value(ty, items, receiver, env),
        Term::Map(entries) => map_value(ty, entries, receiver, env),
        Term::Tuple(items) => tuple_value(ty, items, receiver, env),
        Term::Udt(fields) => udt_value(ty, fields, receiver, env),
        Term::TypeHint { cql_type, term: inner } => {
            let hint = parse_hint(cql_type, env)?;
            if !is_assignable(&hint, inner) {
                return invalid(format!("Cannot cast value {} to type {cql_type}", term_text(inner)));
            }
            if !same_type(&hint, ty) && !value_compatible(ty, &hint) {
                return invalid(format!("Cannot assign value {} to {receiver} of type {ty}", term_text(term)));
            }
            let v = from_term(&hint, inner, receiver, env)?;
            reinterpret(&hint, ty, v)
        }
        Term::Function { keyspace, name, args } => {
            let (ret, v) = call_function(keyspace.as_deref(), name, args, receiver, env)?;
            if same_type(&ret, ty) || value_compatible(ty, &ret) {
                reinterpret(&ret, ty, v)
            } else {
                invalid(format!(
                    "Type error: cannot assign result of function system.{} (type {ret}) to {receiver} (type {ty})",
                    name.to_ascii_lowercase()
                ))
            }
        }
    }
}

/// The CQL text of a term, as Cassandra writes terms in messages (`getText`).
pub fn term_text(term: &Term) -> String {
    let join = |items: &mut dyn Iterator<Item = String>| items.collect::<Vec<_>>().join(", ");
    match term {
        Term::Literal(Literal::String(s)) => format!("'{s}'"),
        Term::Literal(lit) => literal_text(lit),
        Term::Bind(BindMarker { name: None, .. }) => "?".to_string(),
        Term::Bind(BindMarker { name: Some(n), .. }) => format!(":{n}"),
        Term::List(items) => format!("[{}]", join(&mut items.iter().map(term_text))),
        Term::Set(items) => format!("{{{}}}", join(&mut items.iter().map(term_text))),
        Term::Map(entries) => {
            format!("{{{}}}", join(&mut entries.iter().map(|(k, v)| format!("{}: {}", term_text(k), term_text(v)))))
        }
        Term::Tuple(items) => format!("({})", join(&mut items.iter().map(term_text))),
        Term::Udt(fields) => {
            format!("{{{}}}", join(&mut fields.iter().map(|(k, v)| format!("{k}: {}", term_text(v)))))
        }
        Term::Function { keyspace, name, args } => {
            let prefix = keyspace.as_ref().map(|k| format!("{k}.")).unwrap_or_default();
            format!("{prefix}{name}({})", join(&mut args.iter().map(term_text)))
        }
        Term::TypeHint { cql_type, term } => format!("({cql_type}){}", term_text(term)),
        Term::Negate(inner) => format!("-{}", term_text(inner)),
    }
}

/// A literal's text as Cassandra's `Constants.Literal` holds it (strings unquoted).
fn literal_text(lit: &Literal) -> String {
    match lit {
        Literal::String(s) => s.clone(),
        Literal::Integer(t) | Literal::Float(t) | Literal::Duration(t) => t.clone(),
        Literal::NaN => "NaN".to_string(),
        Literal::Infinity { negative: false } => "Infinity".to_string(),
        Literal::Infinity { negative: true } => "-Infinity".to_string(),
        Literal::Boolean(b) => b.to_string(),
        Literal::Blob(b) => format!("0x{}", hex(b)),
        Literal::Uuid(u) => format_uuid(u),
        Literal::Null => "NULL".to_string(),
    }
}

/// Cassandra's constant kinds (`Constants.Type`), for messages.
fn literal_kind(lit: &Literal) -> &'static str {
    match lit {
        Literal::String(_) => "STRING",
        Literal::Integer(_) => "INTEGER",
        Literal::Float(_) | Literal::NaN | Literal::Infinity { .. } => "FLOAT",
        Literal::Boolean(_) => "BOOLEAN",
        Literal::Blob(_) => "HEX",
        Literal::Uuid(_) => "UUID",
        Literal::Duration(_) => "DURATION",
        Literal::Null => "NULL",
    }
}

/// `-term` for a numeric or duration literal.
fn negate(term: &Term) -> Option<Term> {
    let flip = |t: &str| match t.strip_prefix('-') {
        Some(rest) => rest.to_string(),
        None => format!("-{t}"),
    };
    Some(Term::Literal(match term {
        Term::Literal(Literal::Integer(t)) => Literal::Integer(flip(t)),
        Term::Literal(Literal::Float(t)) => Literal::Float(flip(t)),
        Term::Literal(Literal::Duration(t)) => Literal::Duration(flip(t)),
        Term::Literal(Literal::NaN) => Literal::NaN,
        Term::Literal(Literal::Infinity { negative }) => Literal::Infinity { negative: !negative },
        Term::Negate(inner) => {
            return match &**inner {
                Term::Literal(_) => Some((**inner).clone()),
                _ => None,
            }
        }
        _ => return None,
    }))
}

/// `Constants.Literal.testAssignment`: which receiver types a literal kind may be.
fn literal_assignable(ty: &CqlType, lit: &Literal) -> bool {
    use CqlType as T;
    match lit {
        Literal::String(_) => matches!(ty, T::Ascii | T::Text | T::Inet | T::Date | T::Time | T::Timestamp),
        Literal::Integer(_) => matches!(
            ty,
            T::Bigint
                | T::Counter
                | T::Date
                | T::Decimal
                | T::Double
                | T::Duration
                | T::Float
                | T::Int
                | T::Smallint
                | T::Time
                | T::Timestamp
                | T::Tinyint
                | T::Varint
        ),
        Literal::Uuid(_) => matches!(ty, T::Uuid | T::Timeuuid),
        Literal::Float(_) | Literal::NaN | Literal::Infinity { .. } => {
            matches!(ty, T::Decimal | T::Double | T::Float)
        }
        Literal::Boolean(_) => *ty == T::Boolean,
        // A hex constant's "preferred type" is tinyint (ByteType), so it is assignable there too.
        Literal::Blob(_) => matches!(ty, T::Blob | T::Tinyint),
        Literal::Duration(_) => *ty == T::Duration,
        Literal::Null => !ty.is_counter(),
    }
}

fn literal_value(ty: &CqlType, lit: &Literal, receiver: &str, env: &mut dyn TermEnv) -> Result<CqlValue, ValueError> {
    use CqlType as T;
    use CqlValue as V;
    let text = literal_text(lit);
    if !literal_assignable(ty, lit) {
        return invalid(format!("Invalid {} constant ({text}) for \"{receiver}\" of type {ty}", literal_kind(lit)));
    }
    let unable = |what: &str| ValueError::Invalid(format!("Unable to make {what} from '{text}'"));
    let int = |min: i64, max: i64, what: &str| {
        java_parse_i64(&text).filter(|v| (min..=max).contains(v)).ok_or_else(|| unable(what))
    };
    Ok(match (ty, lit) {
        (T::Ascii, Literal::String(s)) => match s.chars().find(|c| !c.is_ascii()) {
            Some(c) => {
                return invalid(format!(
                    "Invalid ASCII character in string literal: \
                     java.nio.charset.UnmappableCharacterException: Input length = {}",
                    c.len_utf16()
                ))
            }
            None => V::Ascii(s.clone()),
        },
        (T::Text, Literal::String(s)) => V::Text(s.clone()),
        (T::Inet, Literal::String(s)) => match parse_inet(s)? {
            Some(ip) => V::Inet(ip),
            None => V::Empty,
        },
        (T::Timestamp, Literal::String(s)) if s.is_empty() => V::Empty,
        (T::Timestamp, _) => V::Timestamp(parse_timestamp(&text, env.now_millis())?),
        (T::Date, _) => V::Date(parse_date(&text)?),
        (T::Time, _) => V::Time(parse_time(&text)?),
        (T::Tinyint, Literal::Blob(b)) => match b.as_slice() {
            [byte] => V::Tinyint(*byte as i8),
            _ => return invalid(format!("Expected 1 byte for a tinyint ({})", b.len())),
        },
        // The casts cannot truncate: `int` checked the range.
        (T::Tinyint, _) => V::Tinyint(int(i64::from(i8::MIN), i64::from(i8::MAX), "byte")? as i8),
        (T::Smallint, _) => V::Smallint(int(i64::from(i16::MIN), i64::from(i16::MAX), "short")? as i16),
        (T::Int, _) => V::Int(int(i64::from(i32::MIN), i64::from(i32::MAX), "int")? as i32),
        (T::Bigint, _) => V::Bigint(int(i64::MIN, i64::MAX, "long")?),
        (T::Counter, _) => V::Counter(int(i64::MIN, i64::MAX, "long")?),
        (T::Varint, _) => V::Varint(
            java_parse_bigint(&text).ok_or_else(|| ValueError::Invalid(format!("unable to make int from '{text}'")))?,
        ),
        (T::Decimal, _) => {
            let (unscaled, scale) = java_parse_decimal(&text)
                .ok_or_else(|| ValueError::Invalid(format!("unable to make BigDecimal from '{text}'")))?;
            V::Decimal { unscaled, scale }
        }
        (T::Float, _) => V::Float(java_parse_f32(&text).ok_or_else(|| unable("float"))?),
        (T::Double, _) => V::Double(java_parse_f64(&text).ok_or_else(|| unable("double"))?),
        (T::Duration, _) => {
            let (months, days, nanos) = parse_duration(&text)?;
            V::Duration { months, days, nanos }
        }
        (T::Boolean, Literal::Boolean(b)) => V::Boolean(*b),
        (T::Blob, Literal::Blob(b)) => V::Blob(b.clone()),
        (T::Uuid, Literal::Uuid(u)) => V::Uuid(*u),
        (T::Timeuuid, Literal::Uuid(u)) => {
            if timeuuid::version(u) != 1 {
                return invalid("TimeUUID supports only version 1 UUIDs".to_string());
            }
            V::Timeuuid(*u)
        }
        _ => {
            return invalid(format!("Invalid {} constant ({text}) for \"{receiver}\" of type {ty}", literal_kind(lit)))
        }
    })
}

/// `testAssignment` of a term to a receiver type: `false` is Cassandra's `NOT_ASSIGNABLE`.
fn is_assignable(ty: &CqlType, term: &Term) -> bool {
    match term {
        Term::Literal(lit) => {
            (!(ty.is_collection() || ty.is_udt() || matches!(ty, CqlType::Tuple(_))) && literal_assignable(ty, lit))
                || (matches!(lit, Literal::Null) && !ty.is_counter())
        }
        Term::Negate(inner) => negate(inner).is_some_and(|t| is_assignable(ty, &t)),
        Term::Bind(_) | Term::Function { .. } => true,
        Term::List(items) => match ty {
            CqlType::List { element, .. } => items.iter().all(|t| is_assignable(element, t)),
            _ => false,
        },
        Term::Set(items) => match ty {
            CqlType::Set { element, .. } => items.iter().all(|t| is_assignable(element, t)),
            CqlType::Map { .. } => items.is_empty(),
            _ => false,
        },
        Term::Map(entries) => match ty {
            CqlType::Map { key, value, .. } => {
                entries.iter().all(|(k, v)| is_assignable(key, k) && is_assignable(value, v))
            }
            CqlType::Set { .. } => entries.is_empty(),
            _ => false,
        },
        Term::Tuple(items) => match component_types(ty) {
            Some(types) => items.len() <= types.len() && items.iter().zip(types).all(|(t, ct)| is_assignable(ct, t)),
            None => false,
        },
        Term::Udt(fields) => match ty {
            CqlType::Udt { fields: types, .. } => fields
                .iter()
                .all(|(name, t)| types.iter().find(|(f, _)| f == name).is_none_or(|(_, ft)| is_assignable(ft, t))),
            _ => false,
        },
        Term::TypeHint { cql_type, .. } => {
            CqlType::parse(cql_type).is_ok_and(|hint| same_type(&hint, ty) || value_compatible(ty, &hint))
        }
    }
}

/// The component types of a tuple, or of a UDT (a tuple literal may be a UDT value).
fn component_types(ty: &CqlType) -> Option<Vec<&CqlType>> {
    match ty {
        CqlType::Tuple(types) => Some(types.iter().collect()),
        CqlType::Udt { fields, .. } => Some(fields.iter().map(|(_, t)| t).collect()),
        _ => None,
    }
}

fn element_of(
    ty: &CqlType,
    term: &Term,
    receiver: &str,
    spec: &str,
    env: &mut dyn TermEnv,
) -> Result<CqlValue, ValueError> {
    if let Term::Bind(_) = term {
        return invalid(format!(
            "Invalid collection literal for {receiver}: bind variables are not supported inside collection literals"
        ));
    }
    let v = from_term(ty, term, spec, env)?;
    if v.is_null() {
        return invalid("null is not supported inside collections".to_string());
    }
    Ok(v)
}

fn list_value(ty: &CqlType, items: &[Term], receiver: &str, env: &mut dyn TermEnv) -> Result<CqlValue, ValueError> {
    let CqlType::List { element, .. } = ty else {
        return invalid(format!("Invalid list literal for {receiver} of type {ty}"));
    };
    for item in items {
        if !is_assignable(element, item) {
            return invalid(format!(
                "Invalid list literal for {receiver}: value {} is not of type {element}",
                term_text(item)
            ));
        }
    }
    let spec = format!("value({receiver})");
    let values =
        items.iter().map(|item| element_of(element, item, receiver, &spec, env)).collect::<Result<Vec<_>, _>>()?;
    Ok(CqlValue::List(values))
}

fn set_value(ty: &CqlType, items: &[Term], receiver: &str, env: &mut dyn TermEnv) -> Result<CqlValue, ValueError> {
    let element = match ty {
        CqlType::Set { element, .. } => element,
        CqlType::Map { .. } if items.is_empty() => return Ok(CqlValue::Map(Vec::new())),
        _ => return invalid(format!("Invalid set literal for {receiver} of type {ty}")),
    };
    for item in items {
        if !is_assignable(element, item) {
            return invalid(format!(
                "Invalid set literal for {receiver}: value {} is not of type {element}",
                term_text(item)
            ));
        }
    }
    let spec = format!("value({receiver})");
    let values =
        items.iter().map(|item| element_of(element, item, receiver, &spec, env)).collect::<Result<Vec<_>, _>>()?;
    Ok(CqlValue::set(element, values))
}

fn map_value(
    ty: &CqlType,
    entries: &[(Term, Term)],
    receiver: &str,
    env: &mut dyn TermEnv,
) -> Result<CqlValue, ValueError> {
    if entries.is_empty() {
        // `{}` is an empty set literal to Cassandra, assignable to sets and maps.
        return match ty {
            CqlType::Map { .. } => Ok(CqlValue::Map(Vec::new())),
            _ => set_value(ty, &[], receiver, env),
        };
    }
    let CqlType::Map { key, value, .. } = ty else {
        return invalid(format!("Invalid map literal for {receiver} of type {ty}"));
    };
    for (k, v) in entries {
        if !is_assignable(key, k) {
            return invalid(format!("Invalid map literal for {receiver}: key {} is not of type {key}", term_text(k)));
        }
        if !is_assignable(value, v) {
            return invalid(format!(
                "Invalid map literal for {receiver}: value {} is not of type {value}",
                term_text(v)
            ));
        }
    }
    let (key_spec, value_spec) = (format!("key({receiver})"), format!("value({receiver})"));
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let k = element_of(key, k, receiver, &key_spec, env)?;
        let v = element_of(value, v, receiver, &value_spec, env)?;
        out.push((k, v));
    }
    Ok(CqlValue::map(key, out))
}

fn tuple_value(ty: &CqlType, items: &[Term], receiver: &str, env: &mut dyn TermEnv) -> Result<CqlValue, ValueError> {
    let Some(types) = component_types(ty) else {
        return invalid(format!("Invalid tuple type literal for {receiver} of type {ty}"));
    };
    if items.len() > types.len() {
        return invalid(format!(
            "Invalid tuple literal for {receiver}: too many elements. Type {ty} expects {} but got {}",
            types.len(),
            items.len()
        ));
    }
    for (i, (item, t)) in items.iter().zip(&types).enumerate() {
        if !is_assignable(t, item) {
            return invalid(format!("Invalid tuple literal for {receiver}: component {i} is not of type {t}"));
        }
    }
    let mut values = Vec::with_capacity(types.len());
    for (i, t) in types.iter().enumerate() {
        values.push(match items.get(i) {
            Some(item) => Some(from_term(t, item, &format!("{receiver}[{i}]"), env)?).filter(|v| !v.is_null()),
            None => None,
        });
    }
    Ok(match ty {
        CqlType::Udt { fields, .. } => CqlValue::Udt(fields.iter().map(|(n, _)| n.clone()).zip(values).collect()),
        _ => CqlValue::Tuple(values),
    })
}

fn udt_value(
    ty: &CqlType,
    fields: &[(String, Term)],
    receiver: &str,
    env: &mut dyn TermEnv,
) -> Result<CqlValue, ValueError> {
    let CqlType::Udt { name, fields: types, .. } = ty else {
        return invalid(format!("Invalid user type literal for {receiver} of type {ty}"));
    };
    for (field, t) in types {
        if let Some((_, term)) = fields.iter().find(|(f, _)| f == field) {
            if !is_assignable(t, term) {
                return invalid(format!("Invalid user type literal for {receiver}: field {field} is not of type {t}"));
            }
        }
    }
    if let Some((unknown, _)) = fields.iter().find(|(f, _)| !types.iter().any(|(t, _)| t == f)) {
        return invalid(format!("Unknown field '{unknown}' in value of user defined type {name}"));
    }
    let mut values = Vec::with_capacity(types.len());
    for (field, t) in types {
        let v = match fields.iter().rev().find(|(f, _)| f == field) {
            Some((_, term)) => Some(from_term(t, term, &format!("{receiver}.{field}"), env)?),
            None => None,
        };
        values.push((field.clone(), v.filter(|v| !v.is_null())));
    }
    Ok(CqlValue::Udt(values))
}

fn parse_hint(text: &str, env: &dyn TermEnv) -> Result<CqlType, ValueError> {
    CqlType::parse_with(text, &|ks, name| env.resolve_udt(ks, name)).map_err(|e| ValueError::Invalid(e.to_string()))
}

/// Equal types, frozen-ness aside.
fn same_type(a: &CqlType, b: &CqlType) -> bool {
    a == b || a.freeze() == b.freeze()
}

/// Whether a value of type `source` is, byte for byte, a valid value of `receiver`
/// (Cassandra's `isValueCompatibleWith`, for the native types).
fn value_compatible(receiver: &CqlType, source: &CqlType) -> bool {
    use CqlType as T;
    matches!(
        (receiver, source),
        (T::Blob, _)
            | (T::Text, T::Ascii)
            | (T::Varint, T::Int | T::Bigint)
            | (T::Bigint, T::Timestamp)
            | (T::Timestamp, T::Bigint)
            | (T::Uuid, T::Timeuuid)
    ) && !source.is_multi_cell()
}

/// `v`, a value of type `from`, as a value of type `to`.
fn reinterpret(from: &CqlType, to: &CqlType, v: CqlValue) -> Result<CqlValue, ValueError> {
    if same_type(from, to) || v.is_null() {
        return Ok(v);
    }
    let bytes = v.serialize(from)?;
    CqlValue::deserialize(to, &bytes)
}

fn call_function(
    keyspace: Option<&str>,
    name: &str,
    args: &[Term],
    receiver: &str,
    env: &mut dyn TermEnv,
) -> Result<(CqlType, CqlValue), ValueError> {
    let lower = name.to_ascii_lowercase();
    let unknown = || {
        ValueError::Invalid(format!(
            "Unknown function {}{name} called",
            keyspace.map(|k| format!("{k}.")).unwrap_or_default()
        ))
    };
    if keyspace.is_some_and(|k| !k.eq_ignore_ascii_case("system")) {
        return Err(unknown());
    }
    let arity = |n: usize| -> Result<(), ValueError> {
        if args.len() == n {
            Ok(())
        } else {
            invalid(format!(
                "Invalid number of arguments in call to function system.{lower}: {n} required but {} provided",
                args.len()
            ))
        }
    };
    let now = |env: &dyn TermEnv| {
        env.now_millis().ok_or_else(|| ValueError::Invalid("the current time is not available here".into()))
    };
    let arg_spec = format!("{lower}(arg)");
    match lower.as_str() {
        "now" | "currenttimeuuid" => {
            arity(0)?;
            let u =
                env.next_timeuuid().ok_or_else(|| ValueError::Invalid(format!("{lower}() is not available here")))?;
            Ok((CqlType::Timeuuid, CqlValue::Timeuuid(u)))
        }
        "uuid" => {
            arity(0)?;
            let u = env.random_uuid().ok_or_else(|| ValueError::Invalid("uuid() is not available here".into()))?;
            Ok((CqlType::Uuid, CqlValue::Uuid(u)))
        }
        "currenttimestamp" => {
            arity(0)?;
            Ok((CqlType::Timestamp, CqlValue::Timestamp(now(env)?)))
        }
        "currentdate" => {
            arity(0)?;
            Ok((CqlType::Date, CqlValue::Date(millis_to_date(now(env)?))))
        }
        "currenttime" => {
            arity(0)?;
            let ms = now(env)?.rem_euclid(MILLIS_PER_DAY);
            Ok((CqlType::Time, CqlValue::Time(ms * 1_000_000 % NANOS_PER_DAY)))
        }
        "mintimeuuid" | "maxtimeuuid" => {
            arity(1)?;
            let ms = match from_term(&CqlType::Timestamp, &args[0], &arg_spec, env)? {
                CqlValue::Timestamp(ms) => ms,
                _ => return Ok((CqlType::Timeuuid, CqlValue::Null)),
            };
            let u = if lower == "mintimeuuid" { timeuuid::min_timeuuid(ms) } else { timeuuid::max_timeuuid(ms) };
            Ok((CqlType::Timeuuid, CqlValue::Timeuuid(u)))
        }
        "totimestamp" | "todate" | "tounixtimestamp" => {
            arity(1)?;
            let ms = match typed_argument(&args[0], &lower, receiver, env)? {
                CqlValue::Timeuuid(u) => timeuuid::unix_millis(&u),
                CqlValue::Timestamp(ms) => ms,
                CqlValue::Date(d) => (i64::from(d) - i64::from(DATE_EPOCH)) * MILLIS_PER_DAY,
                CqlValue::Null | CqlValue::Empty => {
                    let ret = if lower == "todate" { CqlType::Date } else { CqlType::Timestamp };
                    return Ok((ret, CqlValue::Null));
                }
                other => {
                    return invalid(format!("Function system.{lower} does not accept a {} argument", other.kind()))
                }
            };
            Ok(match lower.as_str() {
                "totimestamp" => (CqlType::Timestamp, CqlValue::Timestamp(ms)),
                "todate" => (CqlType::Date, CqlValue::Date(millis_to_date(ms))),
                _ => (CqlType::Bigint, CqlValue::Bigint(ms)),
            })
        }
        _ => {
            if let Some(type_name) = lower.strip_suffix("asblob") {
                let t = CqlType::native(type_name).ok_or_else(unknown)?;
                arity(1)?;
                let v = from_term(&t, &args[0], &arg_spec, env)?;
                let out = if v.is_null() { CqlValue::Null } else { CqlValue::Blob(v.serialize(&t)?) };
                return Ok((CqlType::Blob, out));
            }
            if let Some(type_name) = lower.strip_prefix("blobas") {
                let t = CqlType::native(type_name).ok_or_else(unknown)?;
                arity(1)?;
                return match from_term(&CqlType::Blob, &args[0], &arg_spec, env)? {
                    CqlValue::Blob(b) => Ok((t.clone(), CqlValue::deserialize(&t, &b)?)),
                    _ => Ok((t, CqlValue::Null)),
                };
            }
            Err(unknown())
        }
    }
}

/// The value of a function argument whose type the argument itself must say (a function call
/// or a type hint): the time conversion functions are overloaded.
fn typed_argument(arg: &Term, function: &str, receiver: &str, env: &mut dyn TermEnv) -> Result<CqlValue, ValueError> {
    match arg {
        Term::Function { keyspace, name, args } => Ok(call_function(keyspace.as_deref(), name, args, receiver, env)?.1),
        Term::TypeHint { cql_type, term } => {
            let hint = parse_hint(cql_type, env)?;
            from_term(&hint, term, &format!("{function}(arg)"), env)
        }
        Term::Literal(Literal::Null) => Ok(CqlValue::Null),
        other => invalid(format!(
            "Ambiguous call to function system.{function}: use a type cast on argument {}",
            term_text(other)
        )),
    }
}

/// The `date` of the day containing `ms`.
fn millis_to_date(ms: i64) -> u32 {
    let days = ms.div_euclid(MILLIS_PER_DAY);
    // Days of an i64 of milliseconds fit well within ±2^31... not always: wrap as Cassandra's
    // int arithmetic does.
    (days.wrapping_add(i64::from(DATE_EPOCH))) as u32
}
