//! JSON for `SELECT JSON` and `INSERT JSON`: values to Cassandra's JSON forms
//! (`AbstractType.toJSONString`) and JSON back to values (`fromJSONObject`), with a small
//! strict JSON parser (no dependency, depth-limited).

use super::error::{invalid, CqlError, CqlResult};
use super::vars::ColumnSpec;
use crate::term::{Literal, Term};
use crate::types::CqlType;
use crate::value::timeuuid::parse_uuid;
use crate::value::{from_term, CqlValue, NoEnv, TermEnv};

/// A parsed JSON value. Numbers keep their text.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

const MAX_DEPTH: usize = 64;

/// Parses a JSON document.
pub fn parse_json(text: &str) -> CqlResult<Json> {
    let mut p = Parser { s: text.as_bytes(), pos: 0 };
    let v = p.value(0)?;
    p.ws();
    if p.pos != p.s.len() {
        return p.err();
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err<T>(&self) -> CqlResult<T> {
        invalid(format!("Could not decode JSON string: unexpected character at position {}", self.pos))
    }

    fn ws(&mut self) {
        while self.s.get(self.pos).is_some_and(|c| c.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.s[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> CqlResult<Json> {
        if depth > MAX_DEPTH {
            return invalid("Could not decode JSON string: nested too deeply");
        }
        self.ws();
        match self.s.get(self.pos) {
            Some(b'n') if self.eat("null") => Ok(Json::Null),
            Some(b't') if self.eat("true") => Ok(Json::Bool(true)),
            Some(b'f') if self.eat("false") => Ok(Json::Bool(false)),
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.eat("]") {
                    return Ok(Json::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("]") {
                        return Ok(Json::Array(items));
                    }
                    return self.err();
                }
            }
            Some(b'{') => {
                self.pos += 1;
                let mut entries = Vec::new();
                self.ws();
                if self.eat("}") {
                    return Ok(Json::Object(entries));
                }
                loop {
                    self.ws();
                    if self.s.get(self.pos) != Some(&b'"') {
                        return self.err();
                    }
                    let k = self.string()?;
                    self.ws();
                    if !self.eat(":") {
                        return self.err();
                    }
                    entries.push((k, self.value(depth + 1)?));
                    self.ws();
                    if self.eat(",") {
                        continue;
                    }
                    if self.eat("}") {
                        return Ok(Json::Object(entries));
                    }
                    return self.err();
                }
            }
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                let start = self.pos;
                while self.s.get(self.pos).is_some_and(|c| c.is_ascii_digit() || b"+-.eE".contains(c)) {
                    self.pos += 1;
                }
                let text = std::str::from_utf8(&self.s[start..self.pos]).map_err(|_| CqlError::invalid("bad JSON"))?;
                Ok(Json::Number(text.to_string()))
            }
            Some(b'N') if self.eat("NaN") => Ok(Json::Number("NaN".into())),
            _ => self.err(),
        }
    }

    fn string(&mut self) -> CqlResult<String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else { return self.err() };
            self.pos += 1;
            match c {
                b'"' => return Ok(out),
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos) else { return self.err() };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let mut code = self.hex4()?;
                            if (0xD800..0xDC00).contains(&code) && self.eat("\\u") {
                                let low = self.hex4()?;
                                code = 0x10000 + ((code - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
                            }
                            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        }
                        _ => return self.err(),
                    }
                }
                _ => {
                    // Copy the UTF-8 sequence starting here.
                    let start = self.pos - 1;
                    let mut end = self.pos;
                    while self.s.get(end).is_some_and(|b| b & 0xC0 == 0x80) {
                        end += 1;
                    }
                    let chunk = std::str::from_utf8(&self.s[start..end]).map_err(|_| CqlError::invalid("bad JSON"))?;
                    out.push_str(chunk);
                    self.pos = end;
                }
            }
        }
    }

    fn hex4(&mut self) -> CqlResult<u32> {
        let h = self.s.get(self.pos..self.pos + 4).ok_or_else(|| CqlError::invalid("bad JSON escape"))?;
        self.pos += 4;
        let text = std::str::from_utf8(h).map_err(|_| CqlError::invalid("bad JSON escape"))?;
        u32::from_str_radix(text, 16).map_err(|_| CqlError::invalid("bad JSON escape"))
    }
}

/// A JSON string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn unquoted_literal(v: &CqlValue) -> String {
    let lit = v.to_cql_literal();
    lit.trim_matches('\'').to_string()
}

/// The JSON form of a value of type `ty`.
pub fn value_to_json(ty: &CqlType, v: &CqlValue) -> String {
    match (v, ty) {
        (CqlValue::Null, _) => "null".into(),
        (CqlValue::Empty, _) => "\"\"".into(),
        (CqlValue::Text(s) | CqlValue::Ascii(s), _) => quote(s),
        (CqlValue::Boolean(b), _) => b.to_string(),
        (
            CqlValue::Tinyint(_)
            | CqlValue::Smallint(_)
            | CqlValue::Int(_)
            | CqlValue::Bigint(_)
            | CqlValue::Counter(_)
            | CqlValue::Varint(_)
            | CqlValue::Float(_)
            | CqlValue::Double(_)
            | CqlValue::Decimal { .. },
            _,
        ) => v.to_cql_literal(),
        (CqlValue::Timestamp(_), _) => quote(&unquoted_literal(v).replacen('T', " ", 1)),
        (CqlValue::List(items), CqlType::List { element, .. })
        | (CqlValue::Set(items), CqlType::Set { element, .. }) => {
            let parts: Vec<String> = items.iter().map(|i| value_to_json(element, i)).collect();
            format!("[{}]", parts.join(", "))
        }
        (CqlValue::Map(entries), CqlType::Map { key, value, .. }) => {
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| {
                    let ks = match k {
                        CqlValue::Text(s) | CqlValue::Ascii(s) => quote(s),
                        other => quote(&value_to_json(key, other)),
                    };
                    format!("{ks}: {}", value_to_json(value, v))
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        (CqlValue::Tuple(items), CqlType::Tuple(types)) => {
            let parts: Vec<String> = items
                .iter()
                .zip(types)
                .map(|(i, t)| i.as_ref().map_or_else(|| "null".to_string(), |v| value_to_json(t, v)))
                .collect();
            format!("[{}]", parts.join(", "))
        }
        (CqlValue::Udt(fields), CqlType::Udt { fields: types, .. }) => {
            let parts: Vec<String> = fields
                .iter()
                .zip(types)
                .map(|((n, v), (_, t))| {
                    let v = v.as_ref().map_or_else(|| "null".to_string(), |v| value_to_json(t, v));
                    format!("{}: {v}", quote(&json_name(n)))
                })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        _ => quote(&unquoted_literal(v)),
    }
}

/// A column or field name as a JSON key: quoted CQL-style when not all lower case.
fn json_name(name: &str) -> String {
    if name == name.to_lowercase() {
        name.to_string()
    } else {
        format!("\"{name}\"")
    }
}

/// The JSON object of one result row.
pub fn row_to_json(specs: &[ColumnSpec], row: &[Option<Vec<u8>>]) -> CqlResult<String> {
    let mut parts = Vec::with_capacity(specs.len());
    for (spec, v) in specs.iter().zip(row) {
        let text = match v {
            None => "null".to_string(),
            Some(b) => {
                let ty = if spec.ty.is_multi_cell() { spec.ty.freeze() } else { spec.ty.clone() };
                value_to_json(&ty, &CqlValue::deserialize(&ty, b)?)
            }
        };
        parts.push(format!("{}: {text}", quote(&json_name(&spec.name))));
    }
    Ok(format!("{{{}}}", parts.join(", ")))
}

fn string_type(ty: &CqlType) -> bool {
    matches!(ty, CqlType::Text | CqlType::Ascii)
}

/// The term a JSON value stands for, for a receiver of type `ty`.
fn json_term(ty: &CqlType, j: &Json, receiver: &str) -> CqlResult<Term> {
    let bad = || {
        CqlError::invalid(format!("Error decoding JSON value for {receiver}: Expected a value of type {ty}, got {j:?}"))
    };
    let lit = |l: Literal| Ok(Term::Literal(l));
    match (ty, j) {
        (_, Json::Null) => lit(Literal::Null),
        (CqlType::Text | CqlType::Ascii, Json::String(s)) => lit(Literal::String(s.clone())),
        (CqlType::Boolean, Json::Bool(b)) => lit(Literal::Boolean(*b)),
        (CqlType::Boolean, Json::String(s)) => match s.to_ascii_lowercase().as_str() {
            "true" => lit(Literal::Boolean(true)),
            "false" => lit(Literal::Boolean(false)),
            _ => Err(bad()),
        },
        (CqlType::Blob, Json::String(s)) => {
            let hex = s.strip_prefix("0x").ok_or_else(bad)?;
            if hex.len() % 2 != 0 {
                return Err(bad());
            }
            let mut bytes = Vec::with_capacity(hex.len() / 2);
            for i in (0..hex.len()).step_by(2) {
                bytes.push(u8::from_str_radix(hex.get(i..i + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?);
            }
            lit(Literal::Blob(bytes))
        }
        (CqlType::Uuid | CqlType::Timeuuid, Json::String(s)) => lit(Literal::Uuid(parse_uuid(s).ok_or_else(bad)?)),
        (
            CqlType::Tinyint | CqlType::Smallint | CqlType::Int | CqlType::Bigint | CqlType::Varint | CqlType::Counter,
            Json::Number(n) | Json::String(n),
        ) => lit(Literal::Integer(n.trim().to_string())),
        (CqlType::Float | CqlType::Double | CqlType::Decimal, Json::Number(n) | Json::String(n)) => {
            let n = n.trim();
            if n.contains(['.', 'e', 'E']) || n == "NaN" {
                lit(Literal::Float(n.to_string()))
            } else {
                lit(Literal::Integer(n.to_string()))
            }
        }
        (CqlType::Timestamp | CqlType::Date | CqlType::Time, Json::Number(n)) => lit(Literal::Integer(n.clone())),
        (CqlType::Timestamp | CqlType::Date | CqlType::Time | CqlType::Inet, Json::String(s)) => {
            lit(Literal::String(s.clone()))
        }
        (CqlType::Duration, Json::String(s)) => lit(Literal::Duration(s.clone())),
        (CqlType::List { element, .. }, Json::Array(items)) => {
            Ok(Term::List(items.iter().map(|i| json_term(element, i, receiver)).collect::<CqlResult<_>>()?))
        }
        (CqlType::Set { element, .. }, Json::Array(items)) => {
            Ok(Term::Set(items.iter().map(|i| json_term(element, i, receiver)).collect::<CqlResult<_>>()?))
        }
        (CqlType::Map { key, value, .. }, Json::Object(entries)) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let kj = if string_type(key) {
                    Json::String(k.clone())
                } else {
                    parse_json(k).unwrap_or(Json::String(k.clone()))
                };
                out.push((json_term(key, &kj, receiver)?, json_term(value, v, receiver)?));
            }
            Ok(Term::Map(out))
        }
        (CqlType::Tuple(types), Json::Array(items)) => {
            if items.len() > types.len() {
                return Err(bad());
            }
            Ok(Term::Tuple(items.iter().zip(types).map(|(i, t)| json_term(t, i, receiver)).collect::<CqlResult<_>>()?))
        }
        (CqlType::Udt { fields, name, .. }, Json::Object(entries)) => {
            let mut out = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let field = match k.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
                    Some(quoted) => quoted.to_string(),
                    None => k.to_lowercase(),
                };
                let Some((_, t)) = fields.iter().find(|(f, _)| *f == field) else {
                    return invalid(format!("Unknown field '{field}' in value of user defined type {name}"));
                };
                out.push((field, json_term(t, v, receiver)?));
            }
            Ok(Term::Udt(out))
        }
        _ => Err(bad()),
    }
}

/// The value of a JSON value for a receiver of type `ty`.
pub fn json_value(ty: &CqlType, j: &Json, receiver: &str, env: &mut dyn TermEnv) -> CqlResult<CqlValue> {
    let term = json_term(ty, j, receiver)?;
    Ok(from_term(ty, &term, receiver, env)?)
}

/// The columns of an `INSERT JSON` object, matched to `names` (the table's columns): for each
/// table column, its JSON value if present. Unknown keys are refused.
pub fn json_columns(text: &str, names: &[&str]) -> CqlResult<Vec<Option<Json>>> {
    let Json::Object(entries) = parse_json(text)? else {
        return invalid("Could not decode JSON string: expected a JSON object");
    };
    let mut out: Vec<Option<Json>> = vec![None; names.len()];
    for (k, v) in entries {
        let name = match k.strip_prefix('"').and_then(|k| k.strip_suffix('"')) {
            Some(quoted) => quoted.to_string(),
            None => k.to_lowercase(),
        };
        let Some(i) = names.iter().position(|n| *n == name) else {
            return invalid(format!("JSON values map contains unrecognized column: {name}"));
        };
        out[i] = Some(v);
    }
    Ok(out)
}

/// The serialization of one column of an `INSERT JSON` value (`None`: absent from the object).
pub fn json_column_bytes(
    text: &str,
    names: &[&str],
    index: usize,
    ty: &CqlType,
    receiver: &str,
) -> CqlResult<Option<Option<Vec<u8>>>> {
    let cols = json_columns(text, names)?;
    match cols.into_iter().nth(index).flatten() {
        None => Ok(None),
        Some(j) => {
            let v = json_value(ty, &j, receiver, &mut NoEnv)?;
            Ok(Some(if v.is_null() { None } else { Some(v.serialize(ty)?) }))
        }
    }
}
