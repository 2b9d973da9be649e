//! `SELECT`: selectors, `WHERE` relations, ordering and limits (relations are shared with
//! `UPDATE`, `DELETE` and materialized views).

use std::fmt;

use super::{and_sep, comma_sep, FunctionName, Ident, NativeType, QualifiedName, RawType};
use crate::term::{BindMarker, Term};

/// `SELECT [JSON] [DISTINCT] selection FROM table [WHERE …] [GROUP BY …] [ORDER BY …]
/// [PER PARTITION LIMIT n] [LIMIT n] [ALLOW FILTERING]`.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectStatement {
    pub json: bool,
    pub distinct: bool,
    pub selection: Selection,
    pub table: QualifiedName,
    pub where_clause: Vec<Relation>,
    pub group_by: Vec<Selectable>,
    pub order_by: Vec<Ordering>,
    /// An integer literal or a bind marker.
    pub per_partition_limit: Option<Term>,
    /// An integer literal or a bind marker.
    pub limit: Option<Term>,
    pub allow_filtering: bool,
}

/// `*` or a list of selectors.
#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    Wildcard,
    Selectors(Vec<Selector>),
}

/// `selectable [AS alias]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Selector {
    pub selectable: Selectable,
    pub alias: Option<Ident>,
}

/// `WRITETIME`, `MAXWRITETIME` or `TTL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteTimeKind {
    WriteTime,
    MaxWriteTime,
    Ttl,
}

/// `+ - * / %`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithmeticOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
}

impl ArithmeticOp {
    fn symbol(self) -> &'static str {
        match self {
            ArithmeticOp::Add => "+",
            ArithmeticOp::Subtract => "-",
            ArithmeticOp::Multiply => "*",
            ArithmeticOp::Divide => "/",
            ArithmeticOp::Modulo => "%",
        }
    }

    fn precedence(self) -> u8 {
        match self {
            ArithmeticOp::Add | ArithmeticOp::Subtract => 1,
            _ => 2,
        }
    }
}

/// What a selector selects (Cassandra's `Selectable.Raw`).
#[derive(Debug, Clone, PartialEq)]
pub enum Selectable {
    Column(Ident),
    /// A constant, `NULL` or a bind marker.
    Term(Term),
    /// `[ks.]fn(args)`, including `token(…)`, `count(x)`, `now()`, user functions.
    Function {
        name: FunctionName,
        args: Vec<Selectable>,
    },
    /// `COUNT(*)`.
    CountRows,
    /// `WRITETIME(c)`, `MAXWRITETIME(c)`, `TTL(c)`; `column` is a column with optional
    /// field/element selections.
    WriteTime {
        kind: WriteTimeKind,
        column: Box<Selectable>,
    },
    /// `CAST(x AS type)`.
    Cast {
        selectable: Box<Selectable>,
        to: NativeType,
    },
    /// `x.field`.
    Field {
        selectable: Box<Selectable>,
        field: Ident,
    },
    /// `x[element]`.
    Element {
        selectable: Box<Selectable>,
        element: Term,
    },
    /// `x[from..to]`, either bound optional (not both absent).
    Slice {
        selectable: Box<Selectable>,
        from: Option<Term>,
        to: Option<Term>,
    },
    /// `(type) x`.
    TypeHint {
        cql_type: RawType,
        selectable: Box<Selectable>,
    },
    /// `[a, b]`.
    List(Vec<Selectable>),
    /// `{a, b}`; `{}` is an empty set.
    Set(Vec<Selectable>),
    /// `{k: v, …}` (a map or a UDT literal, decided once typed).
    Map(Vec<(Selectable, Selectable)>),
    /// `(a, b, …)` with at least two elements.
    Tuple(Vec<Selectable>),
    /// `(x)`.
    Parenthesized(Box<Selectable>),
    /// `a + b`, `a * b`, …
    Binary {
        op: ArithmeticOp,
        left: Box<Selectable>,
        right: Box<Selectable>,
    },
    /// `-x`.
    Negation(Box<Selectable>),
}

impl Selectable {
    /// 0: additive or below, 1: multiplicative operand (`selectionGroup`), 2: group without a
    /// trailing field/element/slice.
    fn level(&self) -> u8 {
        match self {
            Selectable::Binary { op, .. } => op.precedence() - 1,
            Selectable::Negation(_)
            | Selectable::Field { .. }
            | Selectable::Element { .. }
            | Selectable::Slice { .. } => 2,
            _ => 3,
        }
    }

    /// The receiver of `.field`, `[element]`, `[slice]`: a group, possibly already modified.
    fn write_receiver(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selectable::Field { .. } | Selectable::Element { .. } | Selectable::Slice { .. } => {
                write!(f, "{self}")
            }
            _ => self.write_at(f, 3),
        }
    }

    fn write_at(&self, f: &mut fmt::Formatter<'_>, min_level: u8) -> fmt::Result {
        if self.level() < min_level {
            write!(f, "({self})")
        } else {
            write!(f, "{self}")
        }
    }
}

struct ReceiverDisplay<'a>(&'a Selectable);

impl fmt::Display for ReceiverDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.write_receiver(f)
    }
}

impl fmt::Display for Selectable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selectable::Column(c) => write!(f, "{c}"),
            Selectable::Term(t) => write!(f, "{t}"),
            Selectable::Function { name, args } => {
                write!(f, "{name}(")?;
                comma_sep(f, args)?;
                f.write_str(")")
            }
            Selectable::CountRows => f.write_str("COUNT(*)"),
            Selectable::WriteTime { kind, column } => {
                let k = match kind {
                    WriteTimeKind::WriteTime => "WRITETIME",
                    WriteTimeKind::MaxWriteTime => "MAXWRITETIME",
                    WriteTimeKind::Ttl => "TTL",
                };
                write!(f, "{k}({column})")
            }
            Selectable::Cast { selectable, to } => write!(f, "CAST({selectable} AS {to})"),
            Selectable::Field { selectable, field } => {
                let receiver = ReceiverDisplay(selectable).to_string();
                f.write_str(&receiver)?;
                if receiver.ends_with(|c: char| c.is_ascii_digit() || c == '.') {
                    // `1 .f`: `1.f` would read as the float `1.`.
                    f.write_str(" ")?;
                }
                write!(f, ".{field}")
            }
            Selectable::Element { selectable, element } => {
                selectable.write_receiver(f)?;
                write!(f, "[{element}]")
            }
            Selectable::Slice { selectable, from, to } => {
                selectable.write_receiver(f)?;
                f.write_str("[")?;
                if let Some(t) = from {
                    write!(f, "{t}")?;
                    // `1 ..` keeps `1.` + `.` from reading as a float.
                    f.write_str(" ")?;
                }
                f.write_str("..")?;
                if let Some(t) = to {
                    write!(f, " {t}")?;
                }
                f.write_str("]")
            }
            Selectable::TypeHint { cql_type, selectable } => {
                write!(f, "({cql_type}) ")?;
                selectable.write_at(f, 3)
            }
            Selectable::List(items) => {
                f.write_str("[")?;
                comma_sep(f, items)?;
                f.write_str("]")
            }
            Selectable::Set(items) => {
                f.write_str("{")?;
                comma_sep(f, items)?;
                f.write_str("}")
            }
            Selectable::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
            Selectable::Tuple(items) => {
                f.write_str("(")?;
                comma_sep(f, items)?;
                f.write_str(")")
            }
            Selectable::Parenthesized(s) => write!(f, "({s})"),
            Selectable::Binary { op, left, right } => {
                let p = op.precedence();
                left.write_at(f, p - 1)?;
                write!(f, " {} ", op.symbol())?;
                right.write_at(f, p)
            }
            Selectable::Negation(s) => {
                f.write_str("- ")?;
                s.write_at(f, 2)
            }
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.selectable)?;
        if let Some(a) = &self.alias {
            write!(f, " AS {a}")?;
        }
        Ok(())
    }
}

/// Comparison and containment operators of relations and conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Eq,
    Lt,
    Lte,
    Gt,
    Gte,
    Neq,
    Like,
    Contains,
    ContainsKey,
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operator::Eq => "=",
            Operator::Lt => "<",
            Operator::Lte => "<=",
            Operator::Gt => ">",
            Operator::Gte => ">=",
            Operator::Neq => "!=",
            Operator::Like => "LIKE",
            Operator::Contains => "CONTAINS",
            Operator::ContainsKey => "CONTAINS KEY",
        })
    }
}

/// The right side of `IN`: a list, or one bind marker for the whole list.
#[derive(Debug, Clone, PartialEq)]
pub enum InValues {
    /// `(t, …)`; for multi-column relations each is a tuple literal or a bind marker.
    Terms(Vec<Term>),
    /// `IN ?` / `IN :name`.
    Marker(BindMarker),
}

impl fmt::Display for InValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InValues::Terms(ts) => {
                f.write_str("(")?;
                comma_sep(f, ts)?;
                f.write_str(")")
            }
            InValues::Marker(m) => write!(f, "{m}"),
        }
    }
}

/// One `WHERE` restriction.
#[derive(Debug, Clone, PartialEq)]
pub enum Relation {
    /// `c op t` (op: comparison, `LIKE`, `CONTAINS`, `CONTAINS KEY`).
    Simple { column: Ident, op: Operator, value: Term },
    /// `c IN (…)` / `c IN ?`.
    In { column: Ident, values: InValues },
    /// `c IS NOT NULL`.
    IsNotNull { column: Ident },
    /// `c[key] op t` (comparisons only).
    MapElement { column: Ident, key: Term, op: Operator, value: Term },
    /// `token(a, b) op t` (comparisons only).
    Token { columns: Vec<Ident>, op: Operator, value: Term },
    /// `(a, b) op (t, u)` or `(a, b) op ?` (comparisons only).
    MultiColumn { columns: Vec<Ident>, op: Operator, value: Term },
    /// `(a, b) IN ((…), …)` / `(a, b) IN (?, …)` / `(a, b) IN ?`.
    MultiColumnIn { columns: Vec<Ident>, values: InValues },
    /// `expr(index, t)`: a custom index expression.
    CustomIndex { index: Ident, value: Term },
}

fn write_columns(f: &mut fmt::Formatter<'_>, cols: &[Ident]) -> fmt::Result {
    f.write_str("(")?;
    comma_sep(f, cols)?;
    f.write_str(")")
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Relation::Simple { column, op, value } => write!(f, "{column} {op} {value}"),
            Relation::In { column, values } => write!(f, "{column} IN {values}"),
            Relation::IsNotNull { column } => write!(f, "{column} IS NOT NULL"),
            Relation::MapElement { column, key, op, value } => {
                write!(f, "{column}[{key}] {op} {value}")
            }
            Relation::Token { columns, op, value } => {
                f.write_str("token")?;
                write_columns(f, columns)?;
                write!(f, " {op} {value}")
            }
            Relation::MultiColumn { columns, op, value } => {
                write_columns(f, columns)?;
                write!(f, " {op} {value}")
            }
            Relation::MultiColumnIn { columns, values } => {
                write_columns(f, columns)?;
                write!(f, " IN {values}")
            }
            Relation::CustomIndex { index, value } => write!(f, "expr({index}, {value})"),
        }
    }
}

/// `ASC` (the default) or `DESC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    #[default]
    Asc,
    Desc,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Asc => "ASC",
            Direction::Desc => "DESC",
        })
    }
}

/// `c [ANN OF t] [ASC|DESC]` in `ORDER BY`.
#[derive(Debug, Clone, PartialEq)]
pub struct Ordering {
    pub column: Ident,
    /// Vector search: `ORDER BY v ANN OF [1.0, 2.0]`.
    pub ann_of: Option<Term>,
    pub direction: Direction,
}

impl fmt::Display for Ordering {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.column)?;
        if let Some(t) = &self.ann_of {
            write!(f, " ANN OF {t}")?;
        }
        if self.direction == Direction::Desc {
            f.write_str(" DESC")?;
        }
        Ok(())
    }
}

/// Writes ` WHERE r AND …` when there are relations.
pub(crate) fn write_where(f: &mut fmt::Formatter<'_>, rels: &[Relation]) -> fmt::Result {
    if !rels.is_empty() {
        f.write_str(" WHERE ")?;
        and_sep(f, rels)?;
    }
    Ok(())
}

impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selection::Wildcard => f.write_str("*"),
            Selection::Selectors(s) => comma_sep(f, s),
        }
    }
}

impl fmt::Display for SelectStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SELECT ")?;
        if self.json {
            f.write_str("JSON ")?;
        }
        if self.distinct {
            f.write_str("DISTINCT ")?;
        }
        // A first selector starting with the column `json` or `distinct` would read as the
        // keyword: quote it.
        let mut selection = self.selection.to_string();
        for (word, flag) in [("distinct", self.distinct), ("json", self.json)] {
            let starts_with_word = selection.starts_with(word)
                && !selection[word.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
            if !flag && starts_with_word {
                selection = format!("\"{word}\"{}", &selection[word.len()..]);
            }
        }
        write!(f, "{selection} FROM {}", self.table)?;
        write_where(f, &self.where_clause)?;
        if !self.group_by.is_empty() {
            f.write_str(" GROUP BY ")?;
            comma_sep(f, &self.group_by)?;
        }
        if !self.order_by.is_empty() {
            f.write_str(" ORDER BY ")?;
            comma_sep(f, &self.order_by)?;
        }
        if let Some(l) = &self.per_partition_limit {
            write!(f, " PER PARTITION LIMIT {l}")?;
        }
        if let Some(l) = &self.limit {
            write!(f, " LIMIT {l}")?;
        }
        if self.allow_filtering {
            f.write_str(" ALLOW FILTERING")?;
        }
        Ok(())
    }
}
