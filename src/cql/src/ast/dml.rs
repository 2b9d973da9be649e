//! `INSERT`, `UPDATE`, `DELETE` and `BATCH`.

use std::fmt;

use super::select::write_where;
use super::{and_sep, comma_sep, Ident, InValues, Operator, QualifiedName, Relation};
use crate::term::Term;

/// `USING TIMESTAMP t AND TTL t` (each an integer literal or a bind marker). When a parameter
/// is repeated the last one wins, as in Cassandra.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Using {
    pub timestamp: Option<Term>,
    pub ttl: Option<Term>,
}

impl Using {
    /// Whether neither parameter is set.
    pub fn is_empty(&self) -> bool {
        self.timestamp.is_none() && self.ttl.is_none()
    }
}

impl fmt::Display for Using {
    /// Writes ` USING …` (with the leading space) or nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.timestamp, &self.ttl) {
            (None, None) => Ok(()),
            (Some(ts), None) => write!(f, " USING TIMESTAMP {ts}"),
            (None, Some(ttl)) => write!(f, " USING TTL {ttl}"),
            (Some(ts), Some(ttl)) => write!(f, " USING TIMESTAMP {ts} AND TTL {ttl}"),
        }
    }
}

/// What `INSERT` inserts.
#[derive(Debug, Clone, PartialEq)]
pub enum InsertValues {
    /// `(c, …) VALUES (t, …)`.
    Columns { columns: Vec<Ident>, values: Vec<Term> },
    /// `JSON '…' [DEFAULT NULL | DEFAULT UNSET]`; `json` is a string literal or a bind
    /// marker.
    Json { json: Term, default_unset: bool },
}

/// `INSERT INTO table … [IF NOT EXISTS] [USING …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertStatement {
    pub table: QualifiedName,
    pub values: InsertValues,
    pub if_not_exists: bool,
    pub using: Using,
}

impl fmt::Display for InsertStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "INSERT INTO {} ", self.table)?;
        match &self.values {
            InsertValues::Columns { columns, values } => {
                f.write_str("(")?;
                comma_sep(f, columns)?;
                f.write_str(") VALUES (")?;
                comma_sep(f, values)?;
                f.write_str(")")?;
            }
            InsertValues::Json { json, default_unset } => {
                write!(f, "JSON {json}")?;
                if *default_unset {
                    f.write_str(" DEFAULT UNSET")?;
                }
            }
        }
        if self.if_not_exists {
            f.write_str(" IF NOT EXISTS")?;
        }
        write!(f, "{}", self.using)
    }
}

/// One `SET` operation of `UPDATE`.
#[derive(Debug, Clone, PartialEq)]
pub enum Assignment {
    /// `c = t`.
    Set { column: Ident, value: Term },
    /// `c = c + t` or `c += t` (also counters: `c = c + 1`).
    Add { column: Ident, value: Term },
    /// `c = c - t` or `c -= t`.
    Subtract { column: Ident, value: Term },
    /// `c = t + c` (list prepend).
    Prepend { column: Ident, value: Term },
    /// `c[k] = t`.
    SetElement { column: Ident, key: Term, value: Term },
    /// `c.field = t`.
    SetField { column: Ident, field: Ident, value: Term },
}

impl Assignment {
    /// The column assigned.
    pub fn column(&self) -> &Ident {
        match self {
            Assignment::Set { column, .. }
            | Assignment::Add { column, .. }
            | Assignment::Subtract { column, .. }
            | Assignment::Prepend { column, .. }
            | Assignment::SetElement { column, .. }
            | Assignment::SetField { column, .. } => column,
        }
    }
}

impl fmt::Display for Assignment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Assignment::Set { column, value } => write!(f, "{column} = {value}"),
            Assignment::Add { column, value } => write!(f, "{column} = {column} + {value}"),
            Assignment::Subtract { column, value } => write!(f, "{column} = {column} - {value}"),
            Assignment::Prepend { column, value } => write!(f, "{column} = {value} + {column}"),
            Assignment::SetElement { column, key, value } => {
                write!(f, "{column}[{key}] = {value}")
            }
            Assignment::SetField { column, field, value } => {
                write!(f, "{column}.{field} = {value}")
            }
        }
    }
}

/// What part of a column a condition tests.
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionTarget {
    /// The whole column.
    Column,
    /// `c[t]`.
    Element(Term),
    /// `c.field`.
    Field(Ident),
}

/// The test of a condition.
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionOp {
    /// `op t`; `CONTAINS [KEY]` only on a whole column.
    Compare(Operator, Term),
    /// `IN (…)` / `IN ?`.
    In(InValues),
}

/// One `IF` condition of `UPDATE`/`DELETE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub column: Ident,
    pub target: ConditionTarget,
    pub op: ConditionOp,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.column)?;
        match &self.target {
            ConditionTarget::Column => {}
            ConditionTarget::Element(t) => write!(f, "[{t}]")?,
            ConditionTarget::Field(fi) => write!(f, ".{fi}")?,
        }
        match &self.op {
            ConditionOp::Compare(op, t) => write!(f, " {op} {t}"),
            ConditionOp::In(v) => write!(f, " IN {v}"),
        }
    }
}

/// `IF EXISTS` or `IF cond AND …`.
#[derive(Debug, Clone, PartialEq)]
pub enum IfClause {
    Exists,
    Conditions(Vec<Condition>),
}

fn write_if(f: &mut fmt::Formatter<'_>, c: &Option<IfClause>) -> fmt::Result {
    match c {
        None => Ok(()),
        Some(IfClause::Exists) => f.write_str(" IF EXISTS"),
        Some(IfClause::Conditions(cs)) => {
            f.write_str(" IF ")?;
            and_sep(f, cs)
        }
    }
}

/// `UPDATE table [USING …] SET … WHERE … [IF …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateStatement {
    pub table: QualifiedName,
    pub using: Using,
    pub assignments: Vec<Assignment>,
    pub where_clause: Vec<Relation>,
    pub if_clause: Option<IfClause>,
}

impl fmt::Display for UpdateStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UPDATE {}{} SET ", self.table, self.using)?;
        comma_sep(f, &self.assignments)?;
        write_where(f, &self.where_clause)?;
        write_if(f, &self.if_clause)
    }
}

/// What `DELETE` removes from each row.
#[derive(Debug, Clone, PartialEq)]
pub enum DeleteSelection {
    Column(Ident),
    /// `c[t]`.
    Element(Ident, Term),
    /// `c.field`.
    Field(Ident, Ident),
}

impl fmt::Display for DeleteSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeleteSelection::Column(c) => write!(f, "{c}"),
            DeleteSelection::Element(c, t) => write!(f, "{c}[{t}]"),
            DeleteSelection::Field(c, fi) => write!(f, "{c}.{fi}"),
        }
    }
}

/// `DELETE [sel, …] FROM table [USING TIMESTAMP t] WHERE … [IF …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteStatement {
    pub selections: Vec<DeleteSelection>,
    pub table: QualifiedName,
    pub timestamp: Option<Term>,
    pub where_clause: Vec<Relation>,
    pub if_clause: Option<IfClause>,
}

impl fmt::Display for DeleteStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DELETE ")?;
        if !self.selections.is_empty() {
            comma_sep(f, &self.selections)?;
            f.write_str(" ")?;
        }
        write!(f, "FROM {}", self.table)?;
        if let Some(ts) = &self.timestamp {
            write!(f, " USING TIMESTAMP {ts}")?;
        }
        write_where(f, &self.where_clause)?;
        write_if(f, &self.if_clause)
    }
}

/// `LOGGED` (the default), `UNLOGGED` or `COUNTER`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BatchKind {
    #[default]
    Logged,
    Unlogged,
    Counter,
}

/// A statement inside a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchChild {
    Insert(InsertStatement),
    Update(UpdateStatement),
    Delete(DeleteStatement),
}

impl fmt::Display for BatchChild {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchChild::Insert(s) => write!(f, "{s}"),
            BatchChild::Update(s) => write!(f, "{s}"),
            BatchChild::Delete(s) => write!(f, "{s}"),
        }
    }
}

/// `BEGIN [UNLOGGED|COUNTER] BATCH [USING …] stmt; … APPLY BATCH`.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchStatement {
    pub kind: BatchKind,
    pub using: Using,
    pub statements: Vec<BatchChild>,
}

impl fmt::Display for BatchStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BEGIN ")?;
        match self.kind {
            BatchKind::Logged => {}
            BatchKind::Unlogged => f.write_str("UNLOGGED ")?,
            BatchKind::Counter => f.write_str("COUNTER ")?,
        }
        write!(f, "BATCH{}", self.using)?;
        for s in &self.statements {
            write!(f, " {s};")?;
        }
        f.write_str(" APPLY BATCH")
    }
}
