//! `INSERT`, `UPDATE`, `DELETE`, `BATCH`.

use nom::multi::separated_list1;

use super::common::{cident, ident, int_value, is_ident_tok, marker, paren_list1, table_name, term};
use super::select::{in_values, relation_type, where_clause};
use super::{is_kw, is_sym, kind, kw, skw, ssym, sym, Expect, Input, PResult};
use crate::ast::{
    Assignment, BatchChild, BatchKind, BatchStatement, Condition, ConditionOp, ConditionTarget, DeleteSelection,
    DeleteStatement, IfClause, InsertStatement, InsertValues, Operator, Statement, UpdateStatement, Using,
};
use crate::lexer::TokKind;
use crate::term::{Literal, Term};

/// `USING TIMESTAMP t AND TTL t` (optional; later repetitions win).
fn using_clause(i: Input<'_>) -> PResult<'_, Using> {
    let mut using = Using::default();
    if !is_kw(i.tok(), "USING") {
        i.expected(Expect::Kw("USING"), false);
        return Ok((i, using));
    }
    let mut i = i.advance();
    loop {
        if is_kw(i.tok(), "TIMESTAMP") {
            let (r, v) = int_value(i.advance())?;
            using.timestamp = Some(v);
            i = r;
        } else if is_kw(i.tok(), "TTL") {
            let (r, v) = int_value(i.advance())?;
            using.ttl = Some(v);
            i = r;
        } else {
            i.expected(Expect::Kw("TIMESTAMP"), true);
            i.expected(Expect::Kw("TTL"), true);
            return Err(nom::Err::Error(super::PErr));
        }
        match skw("AND")(i) {
            Ok((r, _)) => i = r,
            Err(_) => return Ok((i, using)),
        }
    }
}

/// `INSERT INTO t (…) VALUES (…) | JSON '…' … [IF NOT EXISTS] [USING …]`.
pub(crate) fn insert_statement(i: Input<'_>) -> PResult<'_, InsertStatement> {
    let (i, _) = kw("INSERT")(i)?;
    let (i, _) = kw("INTO")(i)?;
    let (i, table) = table_name(i)?;
    let (i, values) = if is_kw(i.tok(), "JSON") {
        let i = i.advance();
        let (i, json) = if i.tok().kind == TokKind::Str {
            (i.advance(), Term::Literal(Literal::String(i.tok().text.clone())))
        } else if is_sym(i.tok(), "?") || is_sym(i.tok(), ":") {
            let (i, m) = marker(i)?;
            (i, Term::Bind(m))
        } else {
            return i.fail(Expect::Many, true);
        };
        let (i, default_unset) = if is_kw(i.tok(), "DEFAULT") {
            let r = i.advance();
            if is_kw(r.tok(), "NULL") {
                (r.advance(), false)
            } else {
                let (r, _) = kw("UNSET")(r)?;
                (r, true)
            }
        } else {
            i.expected(Expect::Kw("DEFAULT"), false);
            (i, false)
        };
        (i, InsertValues::Json { json, default_unset })
    } else {
        i.expected(Expect::Kw("JSON"), true);
        let (i, columns) = paren_list1(cident)(i)?;
        let (i, _) = kw("VALUES")(i)?;
        let (i, values) = paren_list1(term)(i)?;
        (i, InsertValues::Columns { columns, values })
    };
    let (i, if_not_exists) = if is_kw(i.tok(), "IF") {
        let (i, _) = kw("IF")(i)?;
        let (i, _) = kw("NOT")(i)?;
        let (i, _) = kw("EXISTS")(i)?;
        (i, true)
    } else {
        i.expected(Expect::Kw("IF"), false);
        (i, false)
    };
    let (i, using) = using_clause(i)?;
    Ok((i, InsertStatement { table, values, if_not_exists, using }))
}

/// Whether `a` and `b` may both assign the same column (Cassandra refuses a plain `c = t`
/// together with any other operation on `c`).
fn compatible(a: &Assignment, b: &Assignment) -> bool {
    !matches!(a, Assignment::Set { .. }) && !matches!(b, Assignment::Set { .. })
}

fn column_operation(i: Input<'_>) -> PResult<'_, Assignment> {
    let (i, column) = cident(i)?;
    let t = i.tok();
    if is_sym(t, "+=") || is_sym(t, "-=") {
        let (r, value) = term(i.advance())?;
        return Ok((
            r,
            if t.text == "+=" { Assignment::Add { column, value } } else { Assignment::Subtract { column, value } },
        ));
    }
    if is_sym(t, "[") {
        let (r, key) = term(i.advance())?;
        let (r, _) = sym("]")(r)?;
        let (r, _) = sym("=")(r)?;
        let (r, value) = term(r)?;
        return Ok((r, Assignment::SetElement { column, key, value }));
    }
    if is_sym(t, ".") {
        let (r, field) = ident(i.advance())?;
        let (r, _) = sym("=")(r)?;
        let (r, value) = term(r)?;
        return Ok((r, Assignment::SetField { column, field, value }));
    }
    let (i, _) = sym("=")(i)?;
    // `c = c + t`, `c = c - t`, `c = c <negative integer>`.
    let first = i.tok();
    let second = i.peek(1);
    let first_is_column = is_ident_tok(first) || first.kind == TokKind::EmptyQuoted;
    if first_is_column && (is_sym(second, "+") || is_sym(second, "-")) {
        let (r, other) = cident(i)?;
        let sign = second.text.as_str();
        if other != column {
            return i.refuse(format!("Only expressions of the form X = X {sign}<value> are supported."));
        }
        let (r, value) = term(r.advance())?;
        let op = if sign == "+" { Assignment::Add { column, value } } else { Assignment::Subtract { column, value } };
        return Ok((r, op));
    }
    if first_is_column && second.kind == TokKind::Integer {
        let (r, other) = cident(i)?;
        if other != column {
            let sign = if second.text.starts_with('-') { '-' } else { '+' };
            return i.refuse(format!("Only expressions of the form X = X {sign} <value> are supported."));
        }
        let (r, tok) = kind(TokKind::Integer)(r)?;
        let value = Term::Literal(Literal::Integer(tok.text.clone()));
        return Ok((r, Assignment::Add { column, value }));
    }
    let (r, value) = term(i)?;
    if is_sym(r.tok(), "+") {
        let at = r;
        let (r, other) = cident(r.advance())?;
        if other != column {
            return at.refuse("Only expressions of the form X = <value> + X are supported.");
        }
        return Ok((r, Assignment::Prepend { column, value }));
    }
    r.expected(Expect::Sym("+"), false);
    Ok((r, Assignment::Set { column, value }))
}

fn assignments(i: Input<'_>) -> PResult<'_, Vec<Assignment>> {
    let mut out: Vec<Assignment> = Vec::new();
    let mut i = i;
    loop {
        let start = i;
        let (r, a) = column_operation(i)?;
        if out.iter().any(|o| o.column() == a.column() && !compatible(o, &a)) {
            return start.refuse(format!("Multiple incompatible setting of column {}", a.column().as_str()));
        }
        out.push(a);
        match ssym(",")(r) {
            Ok((r2, _)) => i = r2,
            Err(_) => return Ok((r, out)),
        }
    }
}

fn condition(i: Input<'_>) -> PResult<'_, Condition> {
    let (i, column) = cident(i)?;
    let t = i.tok();
    let (i, target) = if is_sym(t, "[") {
        let (r, e) = term(i.advance())?;
        let (r, _) = sym("]")(r)?;
        (r, ConditionTarget::Element(e))
    } else if is_sym(t, ".") {
        let (r, f) = ident(i.advance())?;
        (r, ConditionTarget::Field(f))
    } else {
        (i, ConditionTarget::Column)
    };
    let t = i.tok();
    if is_kw(t, "IN") {
        let (r, v) = in_values(i.advance())?;
        return Ok((r, Condition { column, target, op: ConditionOp::In(v) }));
    }
    if target == ConditionTarget::Column && is_kw(t, "CONTAINS") {
        let r = i.advance();
        let (r, op) = if is_kw(r.tok(), "KEY") && !is_sym(r.peek(1), ".") {
            (r.advance(), Operator::ContainsKey)
        } else {
            (r, Operator::Contains)
        };
        let (r, v) = term(r)?;
        return Ok((r, Condition { column, target, op: ConditionOp::Compare(op, v) }));
    }
    let (r, op) = relation_type(i)?;
    let (r, v) = term(r)?;
    Ok((r, Condition { column, target, op: ConditionOp::Compare(op, v) }))
}

/// `[IF EXISTS | IF cond AND …]`.
fn if_clause(i: Input<'_>) -> PResult<'_, Option<IfClause>> {
    if !is_kw(i.tok(), "IF") {
        i.expected(Expect::Kw("IF"), false);
        return Ok((i, None));
    }
    let i = i.advance();
    if is_kw(i.tok(), "EXISTS") {
        return Ok((i.advance(), Some(IfClause::Exists)));
    }
    let (i, cs) = separated_list1(skw("AND"), condition)(i)?;
    Ok((i, Some(IfClause::Conditions(cs))))
}

/// `UPDATE t [USING …] SET … WHERE … [IF …]`.
pub(crate) fn update_statement(i: Input<'_>) -> PResult<'_, UpdateStatement> {
    let (i, _) = kw("UPDATE")(i)?;
    let (i, table) = table_name(i)?;
    let (i, using) = using_clause(i)?;
    let (i, _) = kw("SET")(i)?;
    let (i, assignments) = assignments(i)?;
    let (i, _) = kw("WHERE")(i)?;
    let (i, where_clause) = where_clause(i)?;
    let (i, if_clause) = if_clause(i)?;
    Ok((i, UpdateStatement { table, using, assignments, where_clause, if_clause }))
}

fn delete_selection(i: Input<'_>) -> PResult<'_, DeleteSelection> {
    let (i, c) = cident(i)?;
    if is_sym(i.tok(), "[") {
        let (r, t) = term(i.advance())?;
        let (r, _) = sym("]")(r)?;
        return Ok((r, DeleteSelection::Element(c, t)));
    }
    if is_sym(i.tok(), ".") {
        let (r, f) = ident(i.advance())?;
        return Ok((r, DeleteSelection::Field(c, f)));
    }
    Ok((i, DeleteSelection::Column(c)))
}

/// `DELETE [sel, …] FROM t [USING TIMESTAMP n] WHERE … [IF …]`.
pub(crate) fn delete_statement(i: Input<'_>) -> PResult<'_, DeleteStatement> {
    let (i, _) = kw("DELETE")(i)?;
    let (i, selections) =
        if is_kw(i.tok(), "FROM") { (i, Vec::new()) } else { separated_list1(ssym(","), delete_selection)(i)? };
    let (i, _) = kw("FROM")(i)?;
    let (i, table) = table_name(i)?;
    let (i, timestamp) = if is_kw(i.tok(), "USING") {
        let (r, _) = kw("TIMESTAMP")(i.advance())?;
        let (r, ts) = int_value(r)?;
        (r, Some(ts))
    } else {
        i.expected(Expect::Kw("USING"), false);
        (i, None)
    };
    let (i, _) = kw("WHERE")(i)?;
    let (i, where_clause) = where_clause(i)?;
    let (i, if_clause) = if_clause(i)?;
    Ok((i, DeleteStatement { selections, table, timestamp, where_clause, if_clause }))
}

/// `BEGIN [UNLOGGED|COUNTER] BATCH [USING …] (stmt [;])* APPLY BATCH`.
pub(crate) fn batch_statement(i: Input<'_>) -> PResult<'_, Statement> {
    let (i, _) = kw("BEGIN")(i)?;
    let (i, kind) = if is_kw(i.tok(), "UNLOGGED") {
        (i.advance(), BatchKind::Unlogged)
    } else if is_kw(i.tok(), "COUNTER") {
        (i.advance(), BatchKind::Counter)
    } else {
        i.expected(Expect::Kw("UNLOGGED"), false);
        (i, BatchKind::Logged)
    };
    let (i, _) = kw("BATCH")(i)?;
    let (mut i, using) = using_clause(i)?;
    let mut statements = Vec::new();
    loop {
        let t = i.tok();
        let (r, child) = if is_kw(t, "INSERT") {
            let (r, s) = insert_statement(i)?;
            (r, BatchChild::Insert(s))
        } else if is_kw(t, "UPDATE") {
            let (r, s) = update_statement(i)?;
            (r, BatchChild::Update(s))
        } else if is_kw(t, "DELETE") {
            let (r, s) = delete_statement(i)?;
            (r, BatchChild::Delete(s))
        } else {
            for k in ["INSERT", "UPDATE", "DELETE"] {
                i.expected(Expect::Kw(k), false);
            }
            break;
        };
        statements.push(child);
        i = r;
        if is_sym(i.tok(), ";") {
            i = i.advance();
        } else {
            i.expected(Expect::Sym(";"), false);
        }
    }
    let (i, _) = kw("APPLY")(i)?;
    let (i, _) = kw("BATCH")(i)?;
    Ok((i, Statement::Batch(BatchStatement { kind, using, statements })))
}
