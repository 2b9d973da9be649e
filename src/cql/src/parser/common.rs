//! Statement dispatch and the shared pieces: identifiers, names, types, terms, properties.

use nom::combinator::opt;
use nom::multi::separated_list1;
use nom::sequence::preceded;

use super::{is_kw, is_sym, kind, kw, nested, skw, ssym, sym, Expect, Input, PResult};
use crate::ast::{
    FunctionName, Ident, NativeType, Property, PropertyValue, QualifiedName, RawType, Statement, UserTypeName,
};
use crate::keywords::{self, RESERVED_TYPE_NAMES};
use crate::lexer::{TokKind, Token};
use crate::term::{BindMarker, Literal, Term};

/// Any statement.
pub(crate) fn statement(i: Input<'_>) -> PResult<'_, Statement> {
    let t = i.tok();
    let word = if t.kind == TokKind::Word { t.upper.as_str() } else { "" };
    match word {
        "SELECT" => super::select::select_statement(i),
        "INSERT" => nom::combinator::map(super::dml::insert_statement, Statement::Insert)(i),
        "UPDATE" => nom::combinator::map(super::dml::update_statement, Statement::Update)(i),
        "DELETE" => nom::combinator::map(super::dml::delete_statement, Statement::Delete)(i),
        "BEGIN" => super::dml::batch_statement(i),
        "USE" => {
            let (i, _) = kw("USE")(i)?;
            let (i, ks) = keyspace_name(i)?;
            Ok((i, Statement::Use(ks)))
        }
        "TRUNCATE" => {
            let (i, _) = kw("TRUNCATE")(i)?;
            let (i, _) = opt(skw("COLUMNFAMILY"))(i)?;
            let (i, name) = table_name(i)?;
            Ok((i, Statement::Truncate(name)))
        }
        "CREATE" => super::ddl::create_statement(i),
        "ALTER" => super::ddl::alter_statement(i),
        "DROP" => super::ddl::drop_statement(i),
        "GRANT" | "REVOKE" => super::auth::grant_revoke(i),
        "LIST" => super::auth::list_statement(i),
        "ADD" => super::auth::add_identity(i),
        "DESCRIBE" | "DESC" => super::auth::describe_statement(i),
        _ => {
            for k in [
                "SELECT", "INSERT", "UPDATE", "DELETE", "BEGIN", "USE", "TRUNCATE", "CREATE", "ALTER", "DROP", "GRANT",
                "REVOKE", "LIST", "ADD", "DESCRIBE", "DESC",
            ] {
                i.expected(Expect::Kw(k), true);
            }
            Err(nom::Err::Error(super::PErr))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------------

/// Whether `t` can be read as a general identifier (`ident`).
pub(crate) fn is_ident_tok(t: &Token) -> bool {
    match t.kind {
        TokKind::Word => keywords::word_is_ident(&t.text),
        TokKind::Quoted => true,
        _ => false,
    }
}

/// An identifier: unquoted word that is not reserved (lower-cased), or `"quoted"`.
pub(crate) fn ident(i: Input<'_>) -> PResult<'_, Ident> {
    ident_h(true)(i)
}

/// `ident`, recorded as an optional probe when it fails.
pub(crate) fn ident_h<'a>(hard: bool) -> impl Fn(Input<'a>) -> PResult<'a, Ident> {
    move |i: Input<'a>| {
        let t = i.tok();
        match t.kind {
            TokKind::Word if keywords::word_is_ident(&t.text) => Ok((i.advance(), Ident::unquoted(&t.text))),
            TokKind::Quoted => Ok((i.advance(), Ident::new(t.text.clone()))),
            _ => i.fail(Expect::Many, hard),
        }
    }
}

/// A column identifier in DML: `ident` or the empty quoted name `""`.
pub(crate) fn cident(i: Input<'_>) -> PResult<'_, Ident> {
    if i.tok().kind == TokKind::EmptyQuoted {
        return Ok((i.advance(), Ident::new("")));
    }
    ident(i)
}

/// Refuses a bind marker used as a name (Cassandra's wording), else fails like `ident`.
fn name_or_marker<'a>(i: Input<'a>, what: &str) -> PResult<'a, Ident> {
    if is_sym(i.tok(), "?") {
        return i.refuse(format!("Bind variables cannot be used for {what} names"));
    }
    ident(i)
}

/// A keyspace name.
pub(crate) fn keyspace_name(i: Input<'_>) -> PResult<'_, Ident> {
    name_or_marker(i, "keyspace")
}

/// `[ks.]name` for tables and views.
pub(crate) fn table_name(i: Input<'_>) -> PResult<'_, QualifiedName> {
    qualified(i, "table")
}

/// `[ks.]name` for indexes.
pub(crate) fn index_name(i: Input<'_>) -> PResult<'_, QualifiedName> {
    qualified(i, "index")
}

fn qualified<'a>(i: Input<'a>, what: &str) -> PResult<'a, QualifiedName> {
    if is_sym(i.peek(1), ".") && (is_ident_tok(i.tok()) || is_sym(i.tok(), "?")) {
        let (i, ks) = keyspace_name(i)?;
        let (i, _) = sym(".")(i)?;
        let (i, name) = name_or_marker(i, what)?;
        return Ok((i, QualifiedName { keyspace: Some(ks), name }));
    }
    let (i, name) = name_or_marker(i, what)?;
    Ok((i, QualifiedName { keyspace: None, name }))
}

/// Whether `t` can be a function name (`allowedFunctionName`).
pub(crate) fn is_function_name_tok(t: &Token) -> bool {
    match t.kind {
        TokKind::Word => keywords::word_is_function_name(&t.text),
        TokKind::Quoted => true,
        _ => false,
    }
}

fn function_name_part(i: Input<'_>) -> PResult<'_, Ident> {
    let t = i.tok();
    match t.kind {
        TokKind::Word if keywords::word_is_function_name(&t.text) => Ok((i.advance(), Ident::unquoted(&t.text))),
        TokKind::Quoted => Ok((i.advance(), Ident::new(t.text.clone()))),
        _ => i.fail(Expect::Many, true),
    }
}

/// `[ks.]fn` (keyspace: any identifier; name: `allowedFunctionName`).
pub(crate) fn function_name(i: Input<'_>) -> PResult<'_, FunctionName> {
    if is_sym(i.peek(1), ".") && is_ident_tok(i.tok()) {
        let (i, ks) = keyspace_name(i)?;
        let (i, _) = sym(".")(i)?;
        let (i, name) = function_name_part(i)?;
        return Ok((i, FunctionName { keyspace: Some(ks), name }));
    }
    let (i, name) = function_name_part(i)?;
    Ok((i, FunctionName { keyspace: None, name }))
}

/// A function name without keyspace (`SFUNC`, `FINALFUNC`).
pub(crate) fn bare_function_name(i: Input<'_>) -> PResult<'_, Ident> {
    function_name_part(i)
}

/// Whether the tokens at `i` start a function call: `name (` or `ks . name (`.
pub(crate) fn starts_function_call(i: Input<'_>) -> bool {
    (is_function_name_tok(i.tok()) && is_sym(i.peek(1), "("))
        || (is_ident_tok(i.tok())
            && is_sym(i.peek(1), ".")
            && is_function_name_tok(i.peek(2))
            && is_sym(i.peek(3), "("))
}

fn type_name_part(i: Input<'_>) -> PResult<'_, Ident> {
    let t = i.tok();
    match t.kind {
        TokKind::Word if keywords::word_is_type_name(&t.text) => {
            let lower = t.text.to_ascii_lowercase();
            if !keywords::is_keyword(&t.text) && RESERVED_TYPE_NAMES.contains(&lower.as_str()) {
                return i.refuse(format!("Invalid (reserved) user type name {}", t.text));
            }
            Ok((i.advance(), Ident::new(lower)))
        }
        TokKind::Quoted => Ok((i.advance(), Ident::new(t.text.clone()))),
        _ => i.fail(Expect::Many, true),
    }
}

/// `[ks.]type` naming a user type.
pub(crate) fn user_type_name(i: Input<'_>) -> PResult<'_, UserTypeName> {
    if is_sym(i.peek(1), ".") && is_ident_tok(i.tok()) {
        let (i, ks) = ident(i)?;
        let (i, _) = sym(".")(i)?;
        let (i, name) = type_name_part(i)?;
        return Ok((i, UserTypeName { keyspace: Some(ks), name }));
    }
    let (i, name) = type_name_part(i)?;
    Ok((i, UserTypeName { keyspace: None, name }))
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/// A native type keyword.
pub(crate) fn native_type(i: Input<'_>) -> PResult<'_, NativeType> {
    let t = i.tok();
    if t.kind == TokKind::Word {
        if let Some(n) = NativeType::from_word(&t.text) {
            return Ok((i.advance(), n));
        }
    }
    i.fail(Expect::Many, true)
}

/// A type (`comparatorType`).
pub(crate) fn raw_type(i: Input<'_>) -> PResult<'_, RawType> {
    nested(raw_type_inner)(i)
}

fn raw_type_inner(i: Input<'_>) -> PResult<'_, RawType> {
    let t = i.tok();
    if t.kind == TokKind::Str {
        return Ok((i.advance(), RawType::Custom(t.text.clone())));
    }
    if t.kind == TokKind::Word && is_sym(i.peek(1), "<") {
        let after = i.advance().advance();
        match t.upper.as_str() {
            "FROZEN" => {
                let (r, inner) = raw_type(after)?;
                let (r, _) = sym(">")(r)?;
                return Ok((r, RawType::Frozen(Box::new(inner))));
            }
            "LIST" | "SET" => {
                let (r, inner) = raw_type(after)?;
                let (r, _) = sym(">")(r)?;
                let b = Box::new(inner);
                let ty = if t.upper == "LIST" { RawType::List(b) } else { RawType::Set(b) };
                return Ok((r, ty));
            }
            "MAP" => {
                let (r, k) = raw_type(after)?;
                let (r, _) = sym(",")(r)?;
                let (r, v) = raw_type(r)?;
                let (r, _) = sym(">")(r)?;
                return Ok((r, RawType::Map(Box::new(k), Box::new(v))));
            }
            "TUPLE" => {
                let (r, types) = separated_list1(ssym(","), raw_type)(after)?;
                let (r, _) = sym(">")(r)?;
                return Ok((r, RawType::Tuple(types)));
            }
            "VECTOR" => {
                let (r, elem) = raw_type(after)?;
                let (r, _) = sym(",")(r)?;
                let (r2, dim) = kind(TokKind::Integer)(r)?;
                let Ok(n) = dim.text.parse::<i32>() else {
                    return r.refuse(format!("Invalid vector dimension {}", dim.text));
                };
                let (r2, _) = sym(">")(r2)?;
                return Ok((r2, RawType::Vector(Box::new(elem), n)));
            }
            _ => {}
        }
    }
    if t.kind == TokKind::Word && !is_sym(i.peek(1), ".") {
        if let Some(n) = NativeType::from_word(&t.text) {
            return Ok((i.advance(), RawType::Native(n)));
        }
    }
    let (i, name) = user_type_name(i)?;
    Ok((i, RawType::UserDefined(name)))
}

// ---------------------------------------------------------------------------------------------
// Terms
// ---------------------------------------------------------------------------------------------

/// A constant (`constant` in the grammar): string, number, boolean, duration, UUID, blob, NaN,
/// Infinity. `None` (without consuming) when the token is not one.
pub(crate) fn constant(i: Input<'_>) -> Result<Option<(Input<'_>, Literal)>, nom::Err<super::PErr>> {
    let t = i.tok();
    let lit = match t.kind {
        TokKind::Str => Literal::String(t.text.clone()),
        TokKind::Integer => Literal::Integer(t.text.clone()),
        TokKind::Float => Literal::Float(t.text.clone()),
        TokKind::Boolean => Literal::Boolean(t.text.eq_ignore_ascii_case("true")),
        TokKind::Duration => Literal::Duration(t.text.clone()),
        TokKind::Uuid => Literal::Uuid(decode_uuid(&t.text)),
        TokKind::Hex => match decode_hex(&t.text[2..]) {
            Some(b) => Literal::Blob(b),
            None => return Err(i.refusal(format!("Invalid hex string: {}", t.text))),
        },
        TokKind::NegNaN => Literal::NaN,
        TokKind::NegInfinity => Literal::Infinity { negative: true },
        TokKind::Word if t.upper == "NAN" => Literal::NaN,
        TokKind::Word if t.upper == "INFINITY" => Literal::Infinity { negative: false },
        _ => return Ok(None),
    };
    Ok(Some((i.advance(), lit)))
}

fn decode_hex(h: &str) -> Option<Vec<u8>> {
    if h.len() & 1 != 0 {
        return None;
    }
    let bytes = h.as_bytes();
    let mut out = Vec::with_capacity(h.len() / 2);
    for pair in bytes.chunks(2) {
        let s = std::str::from_utf8(pair).ok()?;
        out.push(u8::from_str_radix(s, 16).ok()?);
    }
    Some(out)
}

fn decode_uuid(text: &str) -> [u8; 16] {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    let mut out = [0u8; 16];
    if let Some(bytes) = decode_hex(&hex) {
        for (o, b) in out.iter_mut().zip(bytes) {
            *o = b;
        }
    }
    out
}

/// A bind marker `?` or `:name`, if present.
pub(crate) fn marker(i: Input<'_>) -> PResult<'_, BindMarker> {
    let at = i.tok().start;
    if is_sym(i.tok(), "?") {
        return Ok((i.advance(), BindMarker::anonymous().at(at)));
    }
    if is_sym(i.tok(), ":") {
        let (r, name) = ident(i.advance())?;
        return Ok((r, BindMarker::named(name.into_string()).at(at)));
    }
    i.fail(Expect::Many, true)
}

/// Applies a unary minus to a parsed term: folded into a numeric/duration literal, else
/// `Negate`.
pub(crate) fn negate_term(t: Term) -> Term {
    match t {
        Term::Literal(Literal::Integer(s)) if !s.starts_with('-') => Term::Literal(Literal::Integer(format!("-{s}"))),
        Term::Literal(Literal::Float(s)) if !s.starts_with('-') => Term::Literal(Literal::Float(format!("-{s}"))),
        Term::Literal(Literal::Duration(s)) if !s.starts_with('-') => Term::Literal(Literal::Duration(format!("-{s}"))),
        Term::Literal(Literal::Infinity { negative: false }) => Term::Literal(Literal::Infinity { negative: true }),
        Term::Literal(Literal::NaN) => Term::Literal(Literal::NaN),
        other => Term::Negate(Box::new(other)),
    }
}

/// A term: `-`? simple term.
pub(crate) fn term(i: Input<'_>) -> PResult<'_, Term> {
    if is_sym(i.tok(), "-") {
        let (r, t) = nested(simple_term)(i.advance())?;
        return Ok((r, negate_term(t)));
    }
    simple_term(i)
}

fn simple_term(i: Input<'_>) -> PResult<'_, Term> {
    nested(simple_term_inner)(i)
}

fn term_list<'a>(open: Input<'a>, close: &'static str) -> PResult<'a, Vec<Term>> {
    if is_sym(open.tok(), close) {
        return Ok((open.advance(), Vec::new()));
    }
    let (r, items) = separated_list1(ssym(","), term)(open)?;
    let (r, _) = sym(close)(r)?;
    Ok((r, items))
}

fn simple_term_inner(i: Input<'_>) -> PResult<'_, Term> {
    if let Some((r, lit)) = constant(i)? {
        return Ok((r, Term::Literal(lit)));
    }
    let t = i.tok();
    if is_kw(t, "NULL") {
        return Ok((i.advance(), Term::Literal(Literal::Null)));
    }
    if is_sym(t, "?") || is_sym(t, ":") {
        let (r, m) = marker(i)?;
        return Ok((r, Term::Bind(m)));
    }
    if is_sym(t, "[") {
        let (r, items) = term_list(i.advance(), "]")?;
        return Ok((r, Term::List(items)));
    }
    if is_sym(t, "{") {
        return brace_term(i.advance());
    }
    if is_sym(t, "(") {
        // `(type) term` when a type and `)` follow; a tuple otherwise. A type is never a
        // valid tuple element, so committing after `(type)` is safe.
        if let Ok((r, ty)) = raw_type(i.advance()) {
            if is_sym(r.tok(), ")") && can_start_simple_term(r.advance()) {
                let (r, inner) = simple_term(r.advance())?;
                return Ok((r, Term::TypeHint { cql_type: ty.to_string(), term: Box::new(inner) }));
            }
        }
        let (r, items) = separated_list1(ssym(","), term)(i.advance())?;
        let (r, _) = sym(")")(r)?;
        return Ok((r, Term::Tuple(items)));
    }
    if is_kw(t, "CAST") && is_sym(i.peek(1), "(") {
        let (r, inner) = simple_term(i.advance().advance())?;
        let (r, _) = kw("AS")(r)?;
        let (r, ty) = native_type(r)?;
        let (r, _) = sym(")")(r)?;
        return Ok((r, Term::Function { keyspace: None, name: format!("cast_as_{ty}"), args: vec![inner] }));
    }
    if starts_function_call(i) {
        let (r, name) = function_name(i)?;
        let (r, _) = sym("(")(r)?;
        let (r, args) = term_list(r, ")")?;
        return Ok((
            r,
            Term::Function { keyspace: name.keyspace.map(Ident::into_string), name: name.name.into_string(), args },
        ));
    }
    i.fail(Expect::Many, true)
}

/// Whether a simple term can start at `i` (decides `(type) term` against a tuple).
pub(crate) fn can_start_simple_term(i: Input<'_>) -> bool {
    let t = i.tok();
    matches!(
        t.kind,
        TokKind::Str
            | TokKind::Integer
            | TokKind::Float
            | TokKind::Boolean
            | TokKind::Duration
            | TokKind::Uuid
            | TokKind::Hex
            | TokKind::NegNaN
            | TokKind::NegInfinity
    ) || is_kw(t, "NULL")
        || is_kw(t, "NAN")
        || is_kw(t, "INFINITY")
        || ["?", "[", "{", "("].iter().any(|s| is_sym(t, s))
        || starts_named_marker(i)
        || (is_kw(t, "CAST") && is_sym(i.peek(1), "("))
        || starts_function_call(i)
}

/// Whether `:name` at `i` is a bind marker rather than a map's `:` followed by a value
/// (`{('x'): now()}`): the name must not be followed by `(` or `.`.
pub(crate) fn starts_named_marker(i: Input<'_>) -> bool {
    is_sym(i.tok(), ":") && is_ident_tok(i.peek(1)) && !is_sym(i.peek(2), "(") && !is_sym(i.peek(2), ".")
}

/// After `{`: `}` (empty map), a UDT literal `{field: t, …}`, a map or a set.
fn brace_term(i: Input<'_>) -> PResult<'_, Term> {
    if is_sym(i.tok(), "}") {
        return Ok((i.advance(), Term::Map(Vec::new())));
    }
    if is_ident_tok(i.tok()) && is_sym(i.peek(1), ":") {
        let field = |i| {
            let (i, name) = ident(i)?;
            let (i, _) = sym(":")(i)?;
            let (i, v) = term(i)?;
            Ok((i, (name.into_string(), v)))
        };
        let (r, fields) = separated_list1(ssym(","), field)(i)?;
        let (r, _) = sym("}")(r)?;
        return Ok((r, Term::Udt(fields)));
    }
    let (r, first) = term(i)?;
    if is_sym(r.tok(), ":") {
        let (r, v) = term(r.advance())?;
        let mut entries = vec![(first, v)];
        let entry = |i| {
            let (i, k) = term(i)?;
            let (i, _) = sym(":")(i)?;
            let (i, v) = term(i)?;
            Ok((i, (k, v)))
        };
        let (r, rest) = nom::multi::many0(preceded(ssym(","), entry))(r)?;
        entries.extend(rest);
        let (r, _) = sym("}")(r)?;
        return Ok((r, Term::Map(entries)));
    }
    let (r, rest) = nom::multi::many0(preceded(ssym(","), term))(r)?;
    let (r, _) = sym("}")(r)?;
    let mut items = vec![first];
    items.extend(rest);
    Ok((r, Term::Set(items)))
}

/// An integer literal or a bind marker (`intValue`: LIMIT, TTL, TIMESTAMP).
pub(crate) fn int_value(i: Input<'_>) -> PResult<'_, Term> {
    let t = i.tok();
    if t.kind == TokKind::Integer {
        return Ok((i.advance(), Term::Literal(Literal::Integer(t.text.clone()))));
    }
    if is_sym(t, "?") || is_sym(t, ":") {
        let (r, m) = marker(i)?;
        return Ok((r, Term::Bind(m)));
    }
    i.fail(Expect::Many, true)
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

fn literal_of(i: Input<'_>, t: &Term, what: &str) -> Result<Literal, nom::Err<super::PErr>> {
    match t {
        Term::Literal(l) if *l != Literal::Null => Ok(l.clone()),
        Term::Bind(_) => Err(i.refusal(format!("{what} (bind variables are not supported in DDL queries)"))),
        _ => Err(i.refusal(what.to_string())),
    }
}

/// The raw text Cassandra uses for a constant in messages.
pub(crate) fn raw_text(l: &Literal) -> String {
    match l {
        Literal::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `{k: v, …}` whose keys and values are constants (`fullMapLiteral` converted to a property
/// map, with Cassandra's checks).
pub(crate) fn constant_map(i: Input<'_>) -> PResult<'_, Vec<(Literal, Literal)>> {
    let start = i;
    let (r, _) = sym("{")(i)?;
    let entry = |i| {
        let (i, k) = term(i)?;
        let (i, _) = sym(":")(i)?;
        let (i, v) = term(i)?;
        Ok((i, (k, v)))
    };
    let (r, entries) = if is_sym(r.tok(), "}") { (r, Vec::new()) } else { separated_list1(ssym(","), entry)(r)? };
    let (r, _) = sym("}")(r)?;
    let mut out: Vec<(Literal, Literal)> = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let key = literal_of(start, &k, &format!("Invalid property name: {k}"))?;
        let value = literal_of(start, &v, &format!("Invalid property value: {v} for property: {k}"))?;
        if out.iter().any(|(ok, _)| raw_text(ok) == raw_text(&key)) {
            return start.refuse(format!("Multiple definition for property {}", raw_text(&key)));
        }
        out.push((key, value));
    }
    Ok((r, out))
}

/// `name = constant | keyword | {map}`.
pub(crate) fn property(i: Input<'_>) -> PResult<'_, Property> {
    let (i, name) = ident(i)?;
    let (i, _) = sym("=")(i)?;
    if is_sym(i.tok(), "{") {
        let (i, m) = constant_map(i)?;
        return Ok((i, Property { name, value: PropertyValue::Map(m) }));
    }
    if let Some((r, lit)) = constant(i)? {
        return Ok((r, Property { name, value: PropertyValue::Constant(lit) }));
    }
    let t = i.tok();
    if t.kind == TokKind::Word && keywords::is_keyword(&t.text) && !keywords::is_reserved(&t.text) {
        return Ok((i.advance(), Property { name, value: PropertyValue::Keyword(t.text.clone()) }));
    }
    i.fail(Expect::Many, true)
}

/// Checks a new property name against those already seen (Cassandra refuses duplicates).
pub(crate) fn check_duplicate<'a>(i: Input<'a>, seen: &[&Ident], name: &Ident) -> Result<(), nom::Err<super::PErr>> {
    if seen.contains(&name) {
        return Err(i.refusal(format!("Multiple definition for property {}", name.as_str())));
    }
    Ok(())
}

/// `property (AND property)*` with the duplicate check.
pub(crate) fn properties(i: Input<'_>) -> PResult<'_, Vec<Property>> {
    let mut out: Vec<Property> = Vec::new();
    let mut i = i;
    loop {
        let start = i;
        let (r, p) = property(i)?;
        let seen: Vec<&Ident> = out.iter().map(|p| &p.name).collect();
        check_duplicate(start, &seen, &p.name)?;
        out.push(p);
        match skw("AND")(r) {
            Ok((r2, _)) => i = r2,
            Err(_) => return Ok((r, out)),
        }
    }
}

/// `IF NOT EXISTS` (optional).
pub(crate) fn if_not_exists(i: Input<'_>) -> PResult<'_, bool> {
    if is_kw(i.tok(), "IF") {
        let (r, _) = kw("IF")(i)?;
        let (r, _) = kw("NOT")(r)?;
        let (r, _) = kw("EXISTS")(r)?;
        return Ok((r, true));
    }
    i.expected(Expect::Kw("IF"), false);
    Ok((i, false))
}

/// `IF EXISTS` (optional).
pub(crate) fn if_exists(i: Input<'_>) -> PResult<'_, bool> {
    if is_kw(i.tok(), "IF") {
        let (r, _) = kw("EXISTS")(i.advance())?;
        return Ok((r, true));
    }
    i.expected(Expect::Kw("IF"), false);
    Ok((i, false))
}

/// A comma-separated list in parentheses: `( p, … )`, at least one.
pub(crate) fn paren_list1<'a, O>(
    p: impl FnMut(Input<'a>) -> PResult<'a, O>,
) -> impl FnMut(Input<'a>) -> PResult<'a, Vec<O>> {
    let mut inner = separated_list1(ssym(","), p);
    move |i: Input<'a>| {
        let (i, _) = sym("(")(i)?;
        let (i, v) = inner(i)?;
        let (i, _) = sym(")")(i)?;
        Ok((i, v))
    }
}

/// Optional: `p` when the next token is keyword `word` (probed softly), else `None`.
pub(crate) fn opt_kw<'a, O>(
    word: &'static str,
    mut p: impl FnMut(Input<'a>) -> PResult<'a, O>,
) -> impl FnMut(Input<'a>) -> PResult<'a, Option<O>> {
    move |i: Input<'a>| {
        if is_kw(i.tok(), word) {
            let (r, v) = p(i.advance())?;
            Ok((r, Some(v)))
        } else {
            i.expected(Expect::Kw(word), false);
            Ok((i, None))
        }
    }
}
