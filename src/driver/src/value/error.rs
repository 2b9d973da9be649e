//! [`ValueError`]: every way a value can fail to convert, with the column it was for.

use std::fmt;

use sibyl_protocol::ColumnType;

/// Why a value could not be serialized, deserialized or converted.
///
/// Variants that concern one value carry `column`: `None` where the error arose (a value
/// converter does not know the column), then filled in by the row layer ([`FromRow`],
/// [`SerializeRow`]) with the column or bind-marker name. `cql_type` is the column type in CQL
/// syntax (`list<int>`), as [`type_name`] writes it.
///
/// [`FromRow`]: super::FromRow
/// [`SerializeRow`]: super::SerializeRow
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueError {
    /// The Rust type cannot be written to, or read from, a column of this CQL type.
    TypeMismatch { column: Option<String>, rust_type: String, cql_type: String },
    /// A null where a non-`Option` Rust type was asked for.
    UnexpectedNull { column: Option<String>, cql_type: String },
    /// A fixed-size value with the wrong number of bytes (`expected` says what was wanted).
    BadLength { column: Option<String>, cql_type: String, expected: &'static str, got: usize },
    /// The bytes end before a length, an element or a field does.
    Truncated { column: Option<String>, cql_type: String },
    /// Bytes left over after a whole value.
    TrailingBytes { column: Option<String>, cql_type: String, extra: usize },
    /// A collection's element count that is negative or larger than its remaining bytes can hold.
    BadCount { column: Option<String>, cql_type: String, count: i64, remaining: usize },
    /// A `text` value that is not UTF-8 (`valid_up_to` bytes are valid).
    InvalidUtf8 { column: Option<String>, valid_up_to: usize },
    /// An `ascii` value with a byte above 0x7F.
    InvalidAscii { column: Option<String>, byte: u8 },
    /// A null element, key or value inside a list, set or map.
    NullInCollection { column: Option<String>, cql_type: String },
    /// An unset marker inside a collection, tuple or UDT, or given a serialization.
    UnsetNotAllowed { column: Option<String> },
    /// A value breaking its type's rules: a duration of mixed signs, a non-version-1 timeuuid,
    /// a time outside the day, a number that does not fit, text that does not parse.
    InvalidValue { column: Option<String>, cql_type: String, reason: String },
    /// Types nested deeper than [`MAX_VALUE_DEPTH`](super::MAX_VALUE_DEPTH).
    TooDeep { column: Option<String>, max_depth: usize },
    /// A serialization longer than a `[bytes]` can carry (`i32::MAX`).
    TooLarge { column: Option<String>, len: usize },
    /// A UDT field named by the Rust value (or struct) that the UDT type does not have.
    UnknownField { column: Option<String>, cql_type: String, field: String },
    /// A struct field with no column of that name in the result.
    MissingColumn { name: String },
    /// A different number of values than columns or bind markers.
    ColumnCountMismatch { expected: usize, got: usize },
    /// A bind marker for which the named values have no value.
    MissingBindValue { name: String },
    /// A named value that matches no bind marker.
    UnknownBindName { name: String },
}

impl ValueError {
    /// The column or bind marker the error is about, if known.
    pub fn column(&self) -> Option<&str> {
        use ValueError as E;
        match self {
            E::TypeMismatch { column, .. }
            | E::UnexpectedNull { column, .. }
            | E::BadLength { column, .. }
            | E::Truncated { column, .. }
            | E::TrailingBytes { column, .. }
            | E::BadCount { column, .. }
            | E::InvalidUtf8 { column, .. }
            | E::InvalidAscii { column, .. }
            | E::NullInCollection { column, .. }
            | E::UnsetNotAllowed { column }
            | E::InvalidValue { column, .. }
            | E::TooDeep { column, .. }
            | E::TooLarge { column, .. }
            | E::UnknownField { column, .. } => column.as_deref(),
            E::MissingColumn { name } | E::MissingBindValue { name } | E::UnknownBindName { name } => Some(name),
            E::ColumnCountMismatch { .. } => None,
        }
    }

    /// The error with `name` as its column, or prefixed to the column it names (a UDT field
    /// `zip` of column `addr` becomes `addr.zip`).
    #[must_use]
    pub fn in_column(mut self, name: &str) -> Self {
        use ValueError as E;
        match &mut self {
            E::TypeMismatch { column, .. }
            | E::UnexpectedNull { column, .. }
            | E::BadLength { column, .. }
            | E::Truncated { column, .. }
            | E::TrailingBytes { column, .. }
            | E::BadCount { column, .. }
            | E::InvalidUtf8 { column, .. }
            | E::InvalidAscii { column, .. }
            | E::NullInCollection { column, .. }
            | E::UnsetNotAllowed { column }
            | E::InvalidValue { column, .. }
            | E::TooDeep { column, .. }
            | E::TooLarge { column, .. }
            | E::UnknownField { column, .. } => {
                *column = Some(match column.take() {
                    Some(inner) => format!("{name}.{inner}"),
                    None => name.to_string(),
                });
            }
            E::MissingColumn { .. }
            | E::ColumnCountMismatch { .. }
            | E::MissingBindValue { .. }
            | E::UnknownBindName { .. } => {}
        }
        self
    }

    pub(crate) fn mismatch<T: ?Sized>(ty: &ColumnType) -> Self {
        ValueError::TypeMismatch { column: None, rust_type: short_type_name::<T>(), cql_type: type_name(ty) }
    }

    pub(crate) fn null(ty: &ColumnType) -> Self {
        ValueError::UnexpectedNull { column: None, cql_type: type_name(ty) }
    }

    pub(crate) fn truncated(ty: &ColumnType) -> Self {
        ValueError::Truncated { column: None, cql_type: type_name(ty) }
    }

    pub(crate) fn invalid(ty: &ColumnType, reason: impl Into<String>) -> Self {
        ValueError::InvalidValue { column: None, cql_type: type_name(ty), reason: reason.into() }
    }

    pub(crate) fn bad_length(ty: &ColumnType, expected: &'static str, got: usize) -> Self {
        ValueError::BadLength { column: None, cql_type: type_name(ty), expected, got }
    }
}

fn where_(column: &Option<String>) -> String {
    match column {
        Some(c) => format!("column {c}: "),
        None => String::new(),
    }
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ValueError as E;
        match self {
            E::TypeMismatch { column, rust_type, cql_type } => {
                write!(f, "{}Rust type {rust_type} cannot be converted to or from CQL type {cql_type}", where_(column))
            }
            E::UnexpectedNull { column, cql_type } => {
                write!(f, "{}unexpected null {cql_type} (use Option<T> for a nullable value)", where_(column))
            }
            E::BadLength { column, cql_type, expected, got } => {
                write!(f, "{}{cql_type} value of {got} bytes (expected {expected})", where_(column))
            }
            E::Truncated { column, cql_type } => write!(f, "{}truncated {cql_type} value", where_(column)),
            E::TrailingBytes { column, cql_type, extra } => {
                write!(f, "{}{extra} unexpected bytes after {cql_type} value", where_(column))
            }
            E::BadCount { column, cql_type, count, remaining } => write!(
                f,
                "{}{cql_type} value claims {count} elements but only {remaining} bytes remain",
                where_(column)
            ),
            E::InvalidUtf8 { column, valid_up_to } => {
                write!(f, "{}invalid UTF-8 in a text value after {valid_up_to} bytes", where_(column))
            }
            E::InvalidAscii { column, byte } => {
                write!(f, "{}invalid byte 0x{byte:02x} in an ascii value", where_(column))
            }
            E::NullInCollection { column, cql_type } => {
                write!(f, "{}null is not allowed inside {cql_type}", where_(column))
            }
            E::UnsetNotAllowed { column } => {
                write!(f, "{}unset is only allowed as a whole bound value", where_(column))
            }
            E::InvalidValue { column, cql_type, reason } => {
                write!(f, "{}invalid {cql_type} value: {reason}", where_(column))
            }
            E::TooDeep { column, max_depth } => {
                write!(f, "{}value nested deeper than {max_depth} levels", where_(column))
            }
            E::TooLarge { column, len } => write!(f, "{}value of {len} bytes is too large", where_(column)),
            E::UnknownField { column, cql_type, field } => {
                write!(f, "{}user type {cql_type} has no field {field}", where_(column))
            }
            E::MissingColumn { name } => write!(f, "no column named {name} in the result"),
            E::ColumnCountMismatch { expected, got } => write!(f, "expected {expected} values, got {got}"),
            E::MissingBindValue { name } => write!(f, "no value for bind marker {name}"),
            E::UnknownBindName { name } => write!(f, "no bind marker named {name}"),
        }
    }
}

impl std::error::Error for ValueError {}

/// A column type in CQL syntax: `int`, `list<text>`, `map<text, frozen<list<int>>>` (without
/// `frozen`), `tuple<int, text>`, a UDT by its `keyspace.name`, a custom type as `'class'`.
pub fn type_name(ty: &ColumnType) -> String {
    let mut out = String::new();
    write_type_name(ty, &mut out);
    out
}

fn write_type_name(ty: &ColumnType, out: &mut String) {
    use ColumnType as T;
    let simple = match ty {
        T::Custom(class) => {
            out.push('\'');
            out.push_str(class);
            out.push('\'');
            return;
        }
        T::Ascii => "ascii",
        T::Bigint => "bigint",
        T::Blob => "blob",
        T::Boolean => "boolean",
        T::Counter => "counter",
        T::Decimal => "decimal",
        T::Double => "double",
        T::Float => "float",
        T::Int => "int",
        T::Timestamp => "timestamp",
        T::Uuid => "uuid",
        T::Varchar => "text",
        T::Varint => "varint",
        T::Timeuuid => "timeuuid",
        T::Inet => "inet",
        T::Date => "date",
        T::Time => "time",
        T::Smallint => "smallint",
        T::Tinyint => "tinyint",
        T::Duration => "duration",
        T::List(e) | T::Set(e) => {
            out.push_str(if matches!(ty, T::List(_)) { "list<" } else { "set<" });
            write_type_name(e, out);
            out.push('>');
            return;
        }
        T::Map(k, v) => {
            out.push_str("map<");
            write_type_name(k, out);
            out.push_str(", ");
            write_type_name(v, out);
            out.push('>');
            return;
        }
        T::Tuple(items) => {
            out.push_str("tuple<");
            for (i, t) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_type_name(t, out);
            }
            out.push('>');
            return;
        }
        T::Udt { keyspace, name, .. } => {
            if !keyspace.is_empty() {
                out.push_str(keyspace);
                out.push('.');
            }
            out.push_str(name);
            return;
        }
    };
    out.push_str(simple);
}

/// `std::any::type_name` without module paths: `Vec<Option<String>>`, `HashMap<String, i32>`.
pub(crate) fn short_type_name<T: ?Sized>() -> String {
    let full = std::any::type_name::<T>();
    let mut out = String::with_capacity(full.len());
    let mut rest = full;
    while let Some(i) = rest.find("::") {
        out.push_str(&rest[..i]);
        // Drop the path segment just written (the identifier before `::`).
        let keep = out
            .char_indices()
            .rev()
            .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |(p, c)| p + c.len_utf8());
        out.truncate(keep);
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}
