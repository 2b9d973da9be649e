//! Terms: the value expressions of CQL as the parser produces them, before they are typed.
//!
//! Numeric literals keep their source text: whether `1` is an int, a bigint or a varint, and
//! whether `1.5` is a float, a double or a decimal, is decided only once the receiving
//! column's type is known (`crate::value::from_term`).

/// A CQL literal, as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `'text'` or `$$text$$`, unescaped.
    String(String),
    /// An integer as written, with an optional leading `-` (e.g. `-42`).
    Integer(String),
    /// A decimal/exponent number as written (e.g. `1.5`, `-2e10`).
    Float(String),
    /// `NaN`, `-NaN`? (Cassandra accepts `NaN`), `Infinity`, `-Infinity`.
    NaN,
    Infinity {
        negative: bool,
    },
    Boolean(bool),
    /// `0xCAFE`, decoded.
    Blob(Vec<u8>),
    /// An unquoted UUID, e.g. `123e4567-e89b-12d3-a456-426614174000`.
    Uuid([u8; 16]),
    /// A duration literal, e.g. `1h30m`, `P1DT2H`, `-3d`, as written.
    Duration(String),
    Null,
}

/// A bind marker: `?`, or `:name`.
///
/// A marker's bind index is its rank among the statement's markers in order of appearance in
/// the text, as Cassandra numbers them (`USING TTL ? AND TIMESTAMP ?` binds the TTL first,
/// `SET v = ? WHERE k = ? IF w = ?` binds `v`, `k`, `w`), whatever order planning meets them in;
/// a named marker written twice is two markers (two values, bound by the same name).
#[derive(Clone)]
pub struct BindMarker {
    /// The name of a `:name` marker; `None` for `?`.
    pub name: Option<String>,
    /// The marker's byte offset in the statement text, which orders the statement's markers;
    /// `None` for a marker built by code (it then comes after those met before it). Not part
    /// of the marker's identity: `==` ignores it (a statement parsed again from its display is
    /// the same statement) and `Debug` does not show it.
    pub offset: Option<usize>,
}

impl BindMarker {
    /// `?`.
    pub fn anonymous() -> Self {
        BindMarker { name: None, offset: None }
    }

    /// `:name`.
    pub fn named(name: impl Into<String>) -> Self {
        BindMarker { name: Some(name.into()), offset: None }
    }

    /// The same marker, written at byte `offset` of the statement text.
    pub fn at(self, offset: usize) -> Self {
        BindMarker { offset: Some(offset), ..self }
    }
}

impl PartialEq for BindMarker {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for BindMarker {}

impl fmt::Debug for BindMarker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            None => f.write_str("Anonymous"),
            Some(name) => f.debug_tuple("Named").field(name).finish(),
        }
    }
}

/// A value expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    Literal(Literal),
    Bind(BindMarker),
    /// `[a, b]`
    List(Vec<Term>),
    /// `{a, b}`; an empty `{}` is parsed as `Map(vec![])` (ambiguous until typed).
    Set(Vec<Term>),
    /// `{k: v, ...}`
    Map(Vec<(Term, Term)>),
    /// `(a, b, ...)` with at least two elements, or used where a tuple is expected.
    Tuple(Vec<Term>),
    /// `{field: value, ...}` where keys are identifiers: a UDT literal. The parser cannot
    /// tell `{a: 1}` (UDT) from a map with a column-named key; it produces `Udt` when every
    /// key is a bare identifier and `Map` otherwise.
    Udt(Vec<(String, Term)>),
    /// `name(args)` or `ks.name(args)`; also `token(...)`, `now()`, etc.
    Function {
        keyspace: Option<String>,
        name: String,
        args: Vec<Term>,
    },
    /// `(type) term`
    TypeHint {
        cql_type: String,
        term: Box<Term>,
    },
    /// `-term` applied to a non-literal (rare), or arithmetic is not supported: kept simple.
    Negate(Box<Term>),
}

// ---------------------------------------------------------------------------------------------
// Display: CQL text that the parser reads back as the same term.
// ---------------------------------------------------------------------------------------------

use std::fmt;

use crate::keywords::{write_ident, write_string_literal, IdentClass};

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::String(s) => write_string_literal(f, s),
            Literal::Integer(t) | Literal::Float(t) | Literal::Duration(t) => f.write_str(t),
            Literal::NaN => f.write_str("NaN"),
            Literal::Infinity { negative: false } => f.write_str("Infinity"),
            Literal::Infinity { negative: true } => f.write_str("-Infinity"),
            Literal::Boolean(b) => write!(f, "{b}"),
            Literal::Blob(bytes) => {
                f.write_str("0x")?;
                for b in bytes {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
            Literal::Uuid(b) => {
                for (i, byte) in b.iter().enumerate() {
                    if matches!(i, 4 | 6 | 8 | 10) {
                        f.write_str("-")?;
                    }
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
            Literal::Null => f.write_str("NULL"),
        }
    }
}

impl fmt::Display for BindMarker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            None => f.write_str("?"),
            Some(name) => {
                f.write_str(":")?;
                write_ident(f, name, IdentClass::General)
            }
        }
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, items: &[Term]) -> fmt::Result {
    for (i, t) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{t}")?;
    }
    Ok(())
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Literal(l) => write!(f, "{l}"),
            Term::Bind(b) => write!(f, "{b}"),
            Term::List(items) => {
                f.write_str("[")?;
                write_list(f, items)?;
                f.write_str("]")
            }
            Term::Set(items) => {
                f.write_str("{")?;
                write_list(f, items)?;
                f.write_str("}")
            }
            Term::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
            Term::Tuple(items) => {
                f.write_str("(")?;
                write_list(f, items)?;
                f.write_str(")")
            }
            Term::Udt(fields) => {
                f.write_str("{")?;
                for (i, (name, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_ident(f, name, IdentClass::General)?;
                    write!(f, ": {v}")?;
                }
                f.write_str("}")
            }
            Term::Function { keyspace, name, args } => {
                if let Some(ks) = keyspace {
                    write_ident(f, ks, IdentClass::General)?;
                    f.write_str(".")?;
                }
                write_ident(f, name, IdentClass::Function)?;
                f.write_str("(")?;
                write_list(f, args)?;
                f.write_str(")")
            }
            Term::TypeHint { cql_type, term } => write!(f, "({cql_type}) {term}"),
            // A space keeps `- -1` from reading as a `--` comment.
            Term::Negate(t) => write!(f, "- {t}"),
        }
    }
}
