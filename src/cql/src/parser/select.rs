//! `SELECT`, selectors and `WHERE` relations.

use nom::branch::alt;
use nom::combinator::opt;
use nom::multi::{many0, separated_list1};
use nom::sequence::preceded;

use super::common::{
    cident, constant, function_name, ident, int_value, is_ident_tok, marker, native_type, negate_term, raw_type,
    starts_function_call, table_name, term,
};
use super::{is_kw, is_sym, kw, nested, skw, ssym, sym, Expect, Input, PResult};
use crate::ast::{
    ArithmeticOp, Direction, InValues, Operator, Ordering, Relation, SelectStatement, Selectable, Selection, Selector,
    Statement, WriteTimeKind,
};
use crate::lexer::TokKind;
use crate::term::{Literal, Term};

/// `SELECT …` (the `JSON` and `DISTINCT` words are also column names: each reading is tried).
pub(crate) fn select_statement(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, _) = kw("SELECT")(i)?;
    let (i, s) = alt((preceded(skw("JSON"), |i| select_distinct(i, true)), |i| select_distinct(i, false)))(i)?;
    Ok((i, Statement::Select(s)))
}

fn select_distinct(i: Input<'_>, json: bool) -> PResult<'_, SelectStatement> {
    alt((preceded(skw("DISTINCT"), |i| select_rest(i, json, true)), |i| select_rest(i, json, false)))(i)
}

fn select_rest(i: Input<'_>, json: bool, distinct: bool) -> PResult<'_, SelectStatement> {
    let (i, selection) = selection(i)?;
    let (i, _) = kw("FROM")(i)?;
    let (i, table) = table_name(i)?;
    let (i, where_clause) = opt_where(i)?;
    let (i, group_by) = if is_kw(i.tok(), "GROUP") {
        let (i, _) = kw("GROUP")(i)?;
        let (i, _) = kw("BY")(i)?;
        separated_list1(ssym(","), unaliased)(i)?
    } else {
        i.expected(Expect::Kw("GROUP"), false);
        (i, Vec::new())
    };
    let (i, order_by) = if is_kw(i.tok(), "ORDER") {
        let (i, _) = kw("ORDER")(i)?;
        let (i, _) = kw("BY")(i)?;
        separated_list1(ssym(","), ordering)(i)?
    } else {
        i.expected(Expect::Kw("ORDER"), false);
        (i, Vec::new())
    };
    let (i, per_partition_limit) = if is_kw(i.tok(), "PER") {
        let (i, _) = kw("PER")(i)?;
        let (i, _) = kw("PARTITION")(i)?;
        let (i, _) = kw("LIMIT")(i)?;
        let (i, l) = int_value(i)?;
        (i, Some(l))
    } else {
        i.expected(Expect::Kw("PER"), false);
        (i, None)
    };
    let (i, limit) = opt(preceded(skw("LIMIT"), int_value))(i)?;
    let (i, allow_filtering) = if is_kw(i.tok(), "ALLOW") {
        let (i, _) = kw("ALLOW")(i)?;
        let (i, _) = kw("FILTERING")(i)?;
        (i, true)
    } else {
        i.expected(Expect::Kw("ALLOW"), false);
        (i, false)
    };
    Ok((
        i,
        SelectStatement {
            json,
            distinct,
            selection,
            table,
            where_clause,
            group_by,
            order_by,
            per_partition_limit,
            limit,
            allow_filtering,
        },
    ))
}

/// `*` or `selector, …`.
pub(crate) fn selection(i: Input<'_>) -> PResult<'_, Selection> {
    if is_sym(i.tok(), "*") {
        return Ok((i.advance(), Selection::Wildcard));
    }
    let (i, s) = separated_list1(ssym(","), selector)(i)?;
    Ok((i, Selection::Selectors(s)))
}

fn selector(i: Input<'_>) -> PResult<'_, Selector> {
    let (i, selectable) = unaliased(i)?;
    let (i, alias) = opt(preceded(skw("AS"), ident))(i)?;
    Ok((i, Selector { selectable, alias }))
}

/// `unaliasedSelector`: additions of multiplications of groups.
pub(crate) fn unaliased(i: Input<'_>) -> PResult<'_, Selectable> {
    let (mut i, mut left) = multiplication(i)?;
    loop {
        let op = if is_sym(i.tok(), "+") {
            ArithmeticOp::Add
        } else if is_sym(i.tok(), "-") {
            ArithmeticOp::Subtract
        } else {
            i.expected(Expect::Sym("+"), false);
            return Ok((i, left));
        };
        let (r, right) = multiplication(i.advance())?;
        left = Selectable::Binary { op, left: Box::new(left), right: Box::new(right) };
        i = r;
    }
}

fn multiplication(i: Input<'_>) -> PResult<'_, Selectable> {
    let (mut i, mut left) = group(i)?;
    loop {
        let op = if is_sym(i.tok(), "*") {
            ArithmeticOp::Multiply
        } else if is_sym(i.tok(), "/") {
            ArithmeticOp::Divide
        } else if is_sym(i.tok(), "%") {
            ArithmeticOp::Modulo
        } else {
            i.expected(Expect::Sym("*"), false);
            return Ok((i, left));
        };
        let (r, right) = group(i.advance())?;
        left = Selectable::Binary { op, left: Box::new(left), right: Box::new(right) };
        i = r;
    }
}

fn group(i: Input<'_>) -> PResult<'_, Selectable> {
    nested(group_inner)(i)
}

fn group_inner(i: Input<'_>) -> PResult<'_, Selectable> {
    if is_sym(i.tok(), "-") {
        let (r, g) = group(i.advance())?;
        let s = match g {
            Selectable::Term(t @ Term::Literal(_)) => match negate_term(t) {
                Term::Negate(inner) => Selectable::Negation(Box::new(Selectable::Term(*inner))),
                folded => Selectable::Term(folded),
            },
            other => Selectable::Negation(Box::new(other)),
        };
        return Ok((r, s));
    }
    let (i, base) = without_field(i)?;
    modifiers(i, base)
}

/// `.field`, `[element]`, `[from..to]` applied to `base`, repeatedly.
fn modifiers(mut i: Input<'_>, mut base: Selectable) -> PResult<'_, Selectable> {
    loop {
        if is_sym(i.tok(), ".") {
            let (r, field) = ident(i.advance())?;
            base = Selectable::Field { selectable: Box::new(base), field };
            i = r;
        } else if is_sym(i.tok(), "[") {
            let r = i.advance();
            let (r, s) = if is_sym(r.tok(), "..") {
                let (r, to) = term(r.advance())?;
                (r, Selectable::Slice { selectable: Box::new(base), from: None, to: Some(to) })
            } else {
                let (r, first) = term(r)?;
                if is_sym(r.tok(), "..") {
                    let r = r.advance();
                    if is_sym(r.tok(), "]") {
                        (r, Selectable::Slice { selectable: Box::new(base), from: Some(first), to: None })
                    } else {
                        let (r, to) = term(r)?;
                        (r, Selectable::Slice { selectable: Box::new(base), from: Some(first), to: Some(to) })
                    }
                } else {
                    (r, Selectable::Element { selectable: Box::new(base), element: first })
                }
            };
            let (r, _) = sym("]")(r)?;
            base = s;
            i = r;
        } else {
            i.expected(Expect::Sym("."), false);
            return Ok((i, base));
        }
    }
}

/// Whether a `selectionGroupWithoutField` can start at `i`.
fn can_start_without_field(i: Input<'_>) -> bool {
    let t = i.tok();
    // `(a) AS x` is an alias, not the type hint `(a) as` (which could not be followed by `x`).
    if is_kw(t, "AS") && is_ident_tok(i.peek(1)) && !is_kw(i.peek(1), "AS") {
        return false;
    }
    is_ident_tok(t)
        || t.kind != TokKind::Word && t.kind != TokKind::Sym && t.kind != TokKind::Eof
        || ["NULL", "NAN", "INFINITY", "COUNT", "CAST", "TOKEN"].iter().any(|k| is_kw(t, k))
        || ["?", "(", "[", "{"].iter().any(|s| is_sym(t, s))
        || (is_sym(t, ":") && is_ident_tok(i.peek(1)) && !is_sym(i.peek(2), "("))
}

fn without_field(i: Input<'_>) -> PResult<'_, Selectable> {
    let t = i.tok();
    if is_sym(t, "(") {
        if let Ok((r, ty)) = raw_type(i.advance()) {
            if is_sym(r.tok(), ")") && can_start_without_field(r.advance()) {
                let (r, inner) = nested(without_field)(r.advance())?;
                return Ok((r, Selectable::TypeHint { cql_type: ty, selectable: Box::new(inner) }));
            }
        }
        let (r, mut items) = separated_list1(ssym(","), unaliased)(i.advance())?;
        let (r, _) = sym(")")(r)?;
        let s = if items.len() == 1 {
            match items.pop() {
                Some(one) => Selectable::Parenthesized(Box::new(one)),
                None => Selectable::Tuple(items),
            }
        } else {
            Selectable::Tuple(items)
        };
        return Ok((r, s));
    }
    if is_sym(t, "[") {
        let r = i.advance();
        if is_sym(r.tok(), "]") {
            return Ok((r.advance(), Selectable::List(Vec::new())));
        }
        let (r, items) = separated_list1(ssym(","), unaliased)(r)?;
        let (r, _) = sym("]")(r)?;
        return Ok((r, Selectable::List(items)));
    }
    if is_sym(t, "{") {
        let r = i.advance();
        if is_sym(r.tok(), "}") {
            return Ok((r.advance(), Selectable::Set(Vec::new())));
        }
        let (r, first) = unaliased(r)?;
        if is_sym(r.tok(), ":") {
            let (r, v) = unaliased(r.advance())?;
            let entry = |i| {
                let (i, k) = unaliased(i)?;
                let (i, _) = sym(":")(i)?;
                let (i, v) = unaliased(i)?;
                Ok((i, (k, v)))
            };
            let (r, rest) = many0(preceded(ssym(","), entry))(r)?;
            let (r, _) = sym("}")(r)?;
            let mut entries = vec![(first, v)];
            entries.extend(rest);
            return Ok((r, Selectable::Map(entries)));
        }
        let (r, rest) = many0(preceded(ssym(","), unaliased))(r)?;
        let (r, _) = sym("}")(r)?;
        let mut items = vec![first];
        items.extend(rest);
        return Ok((r, Selectable::Set(items)));
    }
    simple_selector(i)
}

fn simple_selector(i: Input<'_>) -> PResult<'_, Selectable> {
    let t = i.tok();
    if is_sym(i.peek(1), "(") && t.kind == TokKind::Word {
        let after = i.advance().advance();
        match t.upper.as_str() {
            "COUNT" if is_sym(after.tok(), "*") && is_sym(after.peek(1), ")") => {
                return Ok((after.advance().advance(), Selectable::CountRows));
            }
            "WRITETIME" | "MAXWRITETIME" | "TTL" => {
                let kind = match t.upper.as_str() {
                    "WRITETIME" => WriteTimeKind::WriteTime,
                    "MAXWRITETIME" => WriteTimeKind::MaxWriteTime,
                    _ => WriteTimeKind::Ttl,
                };
                let (r, c) = ident(after)?;
                let (r, column) = modifiers(r, Selectable::Column(c))?;
                let (r, _) = sym(")")(r)?;
                return Ok((r, Selectable::WriteTime { kind, column: Box::new(column) }));
            }
            "CAST" => {
                let (r, s) = unaliased(after)?;
                let (r, _) = kw("AS")(r)?;
                let (r, to) = native_type(r)?;
                let (r, _) = sym(")")(r)?;
                return Ok((r, Selectable::Cast { selectable: Box::new(s), to }));
            }
            _ => {}
        }
    }
    if starts_function_call(i) {
        let (r, name) = function_name(i)?;
        let (r, _) = sym("(")(r)?;
        let (r, args) = if is_sym(r.tok(), ")") { (r, Vec::new()) } else { separated_list1(ssym(","), unaliased)(r)? };
        let (r, _) = sym(")")(r)?;
        return Ok((r, Selectable::Function { name, args }));
    }
    if is_ident_tok(t) {
        let (r, c) = ident(i)?;
        return Ok((r, Selectable::Column(c)));
    }
    if let Some((r, lit)) = constant(i)? {
        return Ok((r, Selectable::Term(Term::Literal(lit))));
    }
    if is_kw(t, "NULL") {
        return Ok((i.advance(), Selectable::Term(Term::Literal(Literal::Null))));
    }
    if is_sym(t, "?") || is_sym(t, ":") {
        let (r, m) = marker(i)?;
        return Ok((r, Selectable::Term(Term::Bind(m))));
    }
    i.fail(Expect::Many, true)
}

/// `c [ANN OF t] [ASC|DESC]`.
fn ordering(i: Input<'_>) -> PResult<'_, Ordering> {
    let (i, column) = cident(i)?;
    let (i, ann_of) = if is_kw(i.tok(), "ANN") {
        let (i, _) = kw("ANN")(i)?;
        let (i, _) = kw("OF")(i)?;
        let (i, t) = term(i)?;
        (i, Some(t))
    } else {
        (i, None)
    };
    let (i, direction) = if is_kw(i.tok(), "ASC") {
        (i.advance(), Direction::Asc)
    } else if is_kw(i.tok(), "DESC") {
        (i.advance(), Direction::Desc)
    } else {
        i.expected(Expect::Kw("ASC"), false);
        (i, Direction::Asc)
    };
    Ok((i, Ordering { column, ann_of, direction }))
}

// ---------------------------------------------------------------------------------------------
// WHERE
// ---------------------------------------------------------------------------------------------

/// `[WHERE relation AND …]`.
pub(crate) fn opt_where(i: Input<'_>) -> PResult<'_, Vec<Relation>> {
    if is_kw(i.tok(), "WHERE") {
        where_clause(i.advance())
    } else {
        i.expected(Expect::Kw("WHERE"), false);
        Ok((i, Vec::new()))
    }
}

/// `relation AND …` (after `WHERE`).
pub(crate) fn where_clause(i: Input<'_>) -> PResult<'_, Vec<Relation>> {
    separated_list1(skw("AND"), relation)(i)
}

/// `=`, `<`, `<=`, `>`, `>=`, `!=`.
pub(crate) fn relation_type(i: Input<'_>) -> PResult<'_, Operator> {
    let t = i.tok();
    let op = match (t.kind, t.text.as_str()) {
        (TokKind::Sym, "=") => Operator::Eq,
        (TokKind::Sym, "<") => Operator::Lt,
        (TokKind::Sym, "<=") => Operator::Lte,
        (TokKind::Sym, ">") => Operator::Gt,
        (TokKind::Sym, ">=") => Operator::Gte,
        (TokKind::Sym, "!=") => Operator::Neq,
        _ => return i.fail(Expect::Many, true),
    };
    Ok((i.advance(), op))
}

/// `IN` values: `(t, …)` (possibly empty) or a marker.
pub(crate) fn in_values(i: Input<'_>) -> PResult<'_, InValues> {
    if is_sym(i.tok(), "?") || is_sym(i.tok(), ":") {
        let (r, m) = marker(i)?;
        return Ok((r, InValues::Marker(m)));
    }
    let (r, _) = sym("(")(i)?;
    if is_sym(r.tok(), ")") {
        return Ok((r.advance(), InValues::Terms(Vec::new())));
    }
    let (r, ts) = separated_list1(ssym(","), term)(r)?;
    let (r, _) = sym(")")(r)?;
    Ok((r, InValues::Terms(ts)))
}

fn tuple_of_identifiers(i: Input<'_>) -> PResult<'_, Vec<crate::ast::Ident>> {
    let (i, _) = sym("(")(i)?;
    let (i, ids) = separated_list1(ssym(","), cident)(i)?;
    let (i, _) = sym(")")(i)?;
    Ok((i, ids))
}

fn tuple_literal(i: Input<'_>) -> PResult<'_, Term> {
    let (i, _) = sym("(")(i)?;
    let (i, ts) = separated_list1(ssym(","), term)(i)?;
    let (i, _) = sym(")")(i)?;
    Ok((i, Term::Tuple(ts)))
}

/// `tupleLiteral` or a marker.
fn multi_column_value(i: Input<'_>) -> PResult<'_, Term> {
    if is_sym(i.tok(), "(") {
        return nested(tuple_literal)(i);
    }
    let (r, m) = marker(i)?;
    Ok((r, Term::Bind(m)))
}

fn relation(i: Input<'_>) -> PResult<'_, Relation> {
    let t = i.tok();
    if is_kw(t, "TOKEN") {
        let (r, columns) = tuple_of_identifiers(i.advance())?;
        let (r, op) = relation_type(r)?;
        let (r, value) = term(r)?;
        return Ok((r, Relation::Token { columns, op, value }));
    }
    if t.kind == TokKind::ExprOpen {
        let (r, index) = ident(i.advance())?;
        let (r, _) = sym(",")(r)?;
        let (r, value) = term(r)?;
        let (r, _) = sym(")")(r)?;
        return Ok((r, Relation::CustomIndex { index, value }));
    }
    if is_sym(t, "(") {
        if let Ok((r, columns)) = tuple_of_identifiers(i) {
            if is_kw(r.tok(), "IN") {
                let (r, values) = multi_column_in(r.advance())?;
                return Ok((r, Relation::MultiColumnIn { columns, values }));
            }
            if relation_type(r).is_ok() {
                let (r, op) = relation_type(r)?;
                let (r, value) = multi_column_value(r)?;
                return Ok((r, Relation::MultiColumn { columns, op, value }));
            }
        }
        let (r, rel) = nested(relation)(i.advance())?;
        let (r, _) = sym(")")(r)?;
        return Ok((r, rel));
    }
    let (r, column) = cident(i)?;
    let t = r.tok();
    if is_sym(t, "[") {
        let (r, key) = term(r.advance())?;
        let (r, _) = sym("]")(r)?;
        let (r, op) = relation_type(r)?;
        let (r, value) = term(r)?;
        return Ok((r, Relation::MapElement { column, key, op, value }));
    }
    if is_kw(t, "IN") {
        let (r, values) = in_values(r.advance())?;
        return Ok((r, Relation::In { column, values }));
    }
    if is_kw(t, "LIKE") {
        let (r, value) = term(r.advance())?;
        return Ok((r, Relation::Simple { column, op: Operator::Like, value }));
    }
    if is_kw(t, "IS") {
        let (r, _) = kw("NOT")(r.advance())?;
        let (r, _) = kw("NULL")(r)?;
        return Ok((r, Relation::IsNotNull { column }));
    }
    if is_kw(t, "CONTAINS") {
        let r = r.advance();
        let (r, op) = if is_kw(r.tok(), "KEY") && !is_sym(r.peek(1), ".") {
            (r.advance(), Operator::ContainsKey)
        } else {
            (r, Operator::Contains)
        };
        let (r, value) = term(r)?;
        return Ok((r, Relation::Simple { column, op, value }));
    }
    let (r, op) = relation_type(r)?;
    let (r, value) = term(r)?;
    Ok((r, Relation::Simple { column, op, value }))
}

/// After `(a, b) IN`: `()`, a marker, `((…), …)` or `(?, …)`.
fn multi_column_in(i: Input<'_>) -> PResult<'_, InValues> {
    if is_sym(i.tok(), "?") || is_sym(i.tok(), ":") {
        let (r, m) = marker(i)?;
        return Ok((r, InValues::Marker(m)));
    }
    let (r, _) = sym("(")(i)?;
    if is_sym(r.tok(), ")") {
        return Ok((r.advance(), InValues::Terms(Vec::new())));
    }
    let (r, items) = separated_list1(ssym(","), multi_column_value)(r)?;
    let (r, _) = sym(")")(r)?;
    Ok((r, InValues::Terms(items)))
}
