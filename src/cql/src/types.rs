//! CQL types: what a column, a collection element or a field holds.
//!
//! [`CqlType`] covers every native type of Apache Cassandra 5.0 (but `vector`), the three
//! collections, tuples and user-defined types, each with its frozen-ness. It prints the way
//! Cassandra prints a type in `system_schema.columns.type` and in `DESCRIBE`
//! (`frozen<map<text, int>>`, tuples always as `frozen<tuple<...>>`), parses that text back
//! ([`CqlType::parse`]), writes and reads the native protocol `[option]` of result metadata, and
//! carries Cassandra's rules on where a type may be used (primary keys, inside collections).
//!
//! What it is not: it knows no values (see [`crate::value`]) and no schema; a user-defined type
//! is either resolved by the caller (a callback given to [`CqlType::parse_with`]) or left as
//! [`CqlType::UdtRef`].

use std::fmt;

use sibyl_common::clustering::ClusteringType;

/// Deepest nesting of type parameters accepted when parsing text or protocol options.
pub const MAX_TYPE_DEPTH: usize = 64;

/// Why a type could not be parsed, encoded or used where it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    /// The type text or protocol option is malformed.
    #[error("{0}")]
    Syntax(String),
    /// The type is well formed but not allowed here (Cassandra's InvalidRequestException).
    #[error("{0}")]
    Invalid(String),
}

/// A CQL type.
///
/// Collections and user-defined types carry `frozen`; tuples are always frozen (as in
/// Cassandra). Types nested inside a collection, a tuple or a user-defined type are frozen in
/// every valid schema type: [`CqlType::validate_column_type`] checks it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CqlType {
    Ascii,
    Bigint,
    Blob,
    Boolean,
    Counter,
    Date,
    Decimal,
    Double,
    Duration,
    Float,
    Inet,
    Int,
    Smallint,
    /// `text`, also spelled `varchar`.
    Text,
    Time,
    Timestamp,
    Timeuuid,
    Tinyint,
    Uuid,
    Varint,
    List {
        element: Box<CqlType>,
        frozen: bool,
    },
    Set {
        element: Box<CqlType>,
        frozen: bool,
    },
    Map {
        key: Box<CqlType>,
        value: Box<CqlType>,
        frozen: bool,
    },
    /// `tuple<...>`: always frozen.
    Tuple(Vec<CqlType>),
    /// A resolved user-defined type.
    Udt {
        keyspace: String,
        name: String,
        fields: Vec<(String, CqlType)>,
        frozen: bool,
    },
    /// A user-defined type known only by name (not resolved against a schema).
    UdtRef {
        keyspace: Option<String>,
        name: String,
        frozen: bool,
    },
}

/// Native type names and their types, in Cassandra's `CQL3Type.Native` order.
const NATIVE_NAMES: &[(&str, CqlType)] = &[
    ("ascii", CqlType::Ascii),
    ("bigint", CqlType::Bigint),
    ("blob", CqlType::Blob),
    ("boolean", CqlType::Boolean),
    ("counter", CqlType::Counter),
    ("date", CqlType::Date),
    ("decimal", CqlType::Decimal),
    ("double", CqlType::Double),
    ("duration", CqlType::Duration),
    ("float", CqlType::Float),
    ("inet", CqlType::Inet),
    ("int", CqlType::Int),
    ("smallint", CqlType::Smallint),
    ("text", CqlType::Text),
    ("time", CqlType::Time),
    ("timestamp", CqlType::Timestamp),
    ("timeuuid", CqlType::Timeuuid),
    ("tinyint", CqlType::Tinyint),
    ("uuid", CqlType::Uuid),
    ("varchar", CqlType::Text),
    ("varint", CqlType::Varint),
];

/// The class name Cassandra sends for `duration` as a custom type before protocol v5.
pub const DURATION_CLASS: &str = "org.apache.cassandra.db.marshal.DurationType";

/// Writes `name` as Cassandra's `ColumnIdentifier.maybeQuote` does: bare when it is a lower-case
/// identifier that is not a reserved keyword ([`crate::keywords::RESERVED`]), else double-quoted
/// with `"` doubled.
pub fn maybe_quote(name: &str) -> String {
    let mut chars = name.chars();
    let simple = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if simple && !crate::keywords::is_reserved(name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

impl CqlType {
    /// The native type called `name` (any case; `varchar` is `text`).
    pub fn native(name: &str) -> Option<CqlType> {
        NATIVE_NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, t)| t.clone())
    }

    /// Whether this is a native (non-collection, non-tuple, non-UDT) type.
    pub fn is_native(&self) -> bool {
        !matches!(
            self,
            CqlType::List { .. }
                | CqlType::Set { .. }
                | CqlType::Map { .. }
                | CqlType::Tuple(_)
                | CqlType::Udt { .. }
                | CqlType::UdtRef { .. }
        )
    }

    pub fn is_collection(&self) -> bool {
        matches!(self, CqlType::List { .. } | CqlType::Set { .. } | CqlType::Map { .. })
    }

    pub fn is_udt(&self) -> bool {
        matches!(self, CqlType::Udt { .. } | CqlType::UdtRef { .. })
    }

    pub fn is_counter(&self) -> bool {
        matches!(self, CqlType::Counter)
    }

    /// Whether the type is frozen (a single cell). Natives are frozen by nature; tuples always.
    pub fn is_frozen(&self) -> bool {
        match self {
            CqlType::List { frozen, .. }
            | CqlType::Set { frozen, .. }
            | CqlType::Map { frozen, .. }
            | CqlType::Udt { frozen, .. }
            | CqlType::UdtRef { frozen, .. } => *frozen,
            _ => true,
        }
    }

    /// Whether values of this type are stored as several cells: a non-frozen collection or UDT.
    pub fn is_multi_cell(&self) -> bool {
        (self.is_collection() || self.is_udt()) && !self.is_frozen()
    }

    /// This type frozen, and every type nested in it too (Cassandra's `freeze()`).
    pub fn freeze(&self) -> CqlType {
        match self {
            CqlType::List { element, .. } => CqlType::List { element: Box::new(element.freeze()), frozen: true },
            CqlType::Set { element, .. } => CqlType::Set { element: Box::new(element.freeze()), frozen: true },
            CqlType::Map { key, value, .. } => {
                CqlType::Map { key: Box::new(key.freeze()), value: Box::new(value.freeze()), frozen: true }
            }
            CqlType::Tuple(items) => CqlType::Tuple(items.iter().map(CqlType::freeze).collect()),
            CqlType::Udt { keyspace, name, fields, .. } => {
                CqlType::Udt { keyspace: keyspace.clone(), name: name.clone(), fields: fields.clone(), frozen: true }
            }
            CqlType::UdtRef { keyspace, name, .. } => {
                CqlType::UdtRef { keyspace: keyspace.clone(), name: name.clone(), frozen: true }
            }
            other => other.clone(),
        }
    }

    /// Whether `duration` appears anywhere in this type (Cassandra's `referencesDuration`).
    pub fn references_duration(&self) -> bool {
        match self {
            CqlType::Duration => true,
            CqlType::List { element, .. } | CqlType::Set { element, .. } => element.references_duration(),
            CqlType::Map { key, value, .. } => key.references_duration() || value.references_duration(),
            CqlType::Tuple(items) => items.iter().any(CqlType::references_duration),
            CqlType::Udt { fields, .. } => fields.iter().any(|(_, t)| t.references_duration()),
            _ => false,
        }
    }

    /// The order-preserving clustering encoding for this type, if it can be a primary key
    /// column: every native but `counter` and `duration`, and frozen collections, tuples and
    /// (resolved) UDTs that do not reference either. A UDT is ordered as the tuple of its fields.
    pub fn clustering_type(&self) -> Option<ClusteringType> {
        if !self.is_frozen() {
            return None;
        }
        self.frozen_clustering_type()
    }

    /// [`CqlType::clustering_type`] of this type inside a frozen value (where every nested type
    /// is serialized whole, whatever its own `frozen` flag).
    fn frozen_clustering_type(&self) -> Option<ClusteringType> {
        use ClusteringType as C;
        let nested = |t: &CqlType| t.frozen_clustering_type().map(Box::new);
        Some(match self {
            CqlType::Ascii => C::Ascii,
            CqlType::Bigint => C::Bigint,
            CqlType::Blob => C::Blob,
            CqlType::Boolean => C::Boolean,
            CqlType::Date => C::Date,
            CqlType::Decimal => C::Decimal,
            CqlType::Double => C::Double,
            CqlType::Float => C::Float,
            CqlType::Inet => C::Inet,
            CqlType::Int => C::Int,
            CqlType::Smallint => C::Smallint,
            CqlType::Text => C::Text,
            CqlType::Time => C::Time,
            CqlType::Timestamp => C::Timestamp,
            CqlType::Timeuuid => C::Timeuuid,
            CqlType::Tinyint => C::Tinyint,
            CqlType::Uuid => C::Uuid,
            CqlType::Varint => C::Varint,
            CqlType::Counter | CqlType::Duration => return None,
            CqlType::List { element, .. } => C::List(nested(element)?),
            CqlType::Set { element, .. } => C::Set(nested(element)?),
            CqlType::Map { key, value, .. } => C::Map(nested(key)?, nested(value)?),
            CqlType::Tuple(items) => {
                C::Tuple(items.iter().map(CqlType::frozen_clustering_type).collect::<Option<_>>()?)
            }
            CqlType::Udt { fields, .. } => {
                C::Tuple(fields.iter().map(|(_, t)| t.frozen_clustering_type()).collect::<Option<_>>()?)
            }
            // Without its fields a user type cannot be ordered.
            CqlType::UdtRef { .. } => return None,
        })
    }

    /// Whether this type may be a partition key or clustering column.
    pub fn can_be_primary_key(&self) -> bool {
        self.clustering_type().is_some()
    }

    /// Cassandra's checks on a `PRIMARY KEY` column of this type, with its messages.
    pub fn validate_primary_key_column(&self, column: &str) -> Result<(), TypeError> {
        if self.is_multi_cell() {
            let what = if self.is_collection() { "collection" } else { "user-defined" };
            return Err(TypeError::Invalid(format!(
                "Invalid non-frozen {what} type {self} for PRIMARY KEY column '{column}'"
            )));
        }
        if self.is_counter() {
            return Err(TypeError::Invalid(format!("counter type is not supported for PRIMARY KEY column '{column}'")));
        }
        if self.references_duration() {
            return Err(TypeError::Invalid(format!(
                "duration type is not supported for PRIMARY KEY column '{column}'"
            )));
        }
        Ok(())
    }

    /// Cassandra's checks on a column (or field) type: what may be nested in collections.
    pub fn validate_column_type(&self) -> Result<(), TypeError> {
        let invalid = |msg: String| Err(TypeError::Invalid(msg));
        match self {
            CqlType::List { element, .. } | CqlType::Set { element, .. } => {
                check_collection_element(self, element)?;
                if matches!(self, CqlType::Set { .. }) && **element == CqlType::Duration {
                    return invalid(format!("Durations are not allowed inside sets: {self}"));
                }
                element.validate_column_type()
            }
            CqlType::Map { key, value, .. } => {
                check_collection_element(self, key)?;
                check_collection_element(self, value)?;
                if **key == CqlType::Duration {
                    return invalid(format!("Durations are not allowed as map keys: {self}"));
                }
                key.validate_column_type()?;
                value.validate_column_type()
            }
            CqlType::Tuple(items) => {
                if items.iter().any(CqlType::is_counter) {
                    return invalid("Counters are not allowed inside tuples".to_string());
                }
                items.iter().try_for_each(CqlType::validate_column_type)
            }
            CqlType::Udt { fields, .. } => {
                if fields.iter().any(|(_, t)| t.is_counter()) {
                    return invalid("A user type cannot contain counters".to_string());
                }
                fields.iter().try_for_each(|(_, t)| t.validate_column_type())
            }
            _ => Ok(()),
        }
    }

    /// The native protocol `[option]` id (section 6 of the v4/v5 specs).
    pub fn option_id(&self) -> u16 {
        match self {
            CqlType::Ascii => 0x0001,
            CqlType::Bigint => 0x0002,
            CqlType::Blob => 0x0003,
            CqlType::Boolean => 0x0004,
            CqlType::Counter => 0x0005,
            CqlType::Decimal => 0x0006,
            CqlType::Double => 0x0007,
            CqlType::Float => 0x0008,
            CqlType::Int => 0x0009,
            CqlType::Timestamp => 0x000B,
            CqlType::Uuid => 0x000C,
            CqlType::Text => 0x000D,
            CqlType::Varint => 0x000E,
            CqlType::Timeuuid => 0x000F,
            CqlType::Inet => 0x0010,
            CqlType::Date => 0x0011,
            CqlType::Time => 0x0012,
            CqlType::Smallint => 0x0013,
            CqlType::Tinyint => 0x0014,
            CqlType::Duration => 0x0015,
            CqlType::List { .. } => 0x0020,
            CqlType::Map { .. } => 0x0021,
            CqlType::Set { .. } => 0x0022,
            CqlType::Udt { .. } | CqlType::UdtRef { .. } => 0x0030,
            CqlType::Tuple(_) => 0x0031,
        }
    }

    /// Appends the `[option]` describing this type to `out`, as result metadata carries it.
    /// Before protocol v5 `duration` is the custom type [`DURATION_CLASS`]. An unresolved
    /// [`CqlType::UdtRef`] cannot be written (its fields are unknown).
    pub fn write_option(&self, out: &mut Vec<u8>, protocol_version: u8) -> Result<(), TypeError> {
        if *self == CqlType::Duration && protocol_version < 5 {
            out.extend_from_slice(&0u16.to_be_bytes());
            return write_string(out, DURATION_CLASS);
        }
        out.extend_from_slice(&self.option_id().to_be_bytes());
        match self {
            CqlType::List { element, .. } | CqlType::Set { element, .. } => element.write_option(out, protocol_version),
            CqlType::Map { key, value, .. } => {
                key.write_option(out, protocol_version)?;
                value.write_option(out, protocol_version)
            }
            CqlType::Tuple(items) => {
                write_short_len(out, items.len())?;
                items.iter().try_for_each(|t| t.write_option(out, protocol_version))
            }
            CqlType::Udt { keyspace, name, fields, .. } => {
                write_string(out, keyspace)?;
                write_string(out, name)?;
                write_short_len(out, fields.len())?;
                fields.iter().try_for_each(|(field, t)| {
                    write_string(out, field)?;
                    t.write_option(out, protocol_version)
                })
            }
            CqlType::UdtRef { name, .. } => {
                Err(TypeError::Invalid(format!("cannot describe unresolved user type {name}")))
            }
            _ => Ok(()),
        }
    }

    /// Reads an `[option]` from the front of `input`: the type and the number of bytes read.
    /// Collections and UDTs come back non-frozen (the protocol does not say).
    pub fn read_option(input: &[u8]) -> Result<(CqlType, usize), TypeError> {
        let mut reader = OptionReader { input, pos: 0 };
        let ty = reader.option(0)?;
        Ok((ty, reader.pos))
    }

    /// Parses type text as Cassandra prints it (and as CQL statements write it); user-defined
    /// types are left as [`CqlType::UdtRef`].
    pub fn parse(text: &str) -> Result<CqlType, TypeError> {
        let mut parser = TypeParser { text, pos: 0, resolver: None };
        parser.parse_all()
    }

    /// Parses type text, resolving each user-defined type name (keyspace if qualified, name)
    /// through `resolve`, which returns the (non-frozen) [`CqlType::Udt`]. An unknown name is
    /// an error.
    pub fn parse_with(
        text: &str,
        resolve: &dyn Fn(Option<&str>, &str) -> Option<CqlType>,
    ) -> Result<CqlType, TypeError> {
        let mut parser = TypeParser { text, pos: 0, resolver: Some(resolve) };
        parser.parse_all()
    }
}

fn check_collection_element(collection: &CqlType, element: &CqlType) -> Result<(), TypeError> {
    if element.is_counter() {
        return Err(TypeError::Invalid(format!("Counters are not allowed inside collections: {collection}")));
    }
    if element.is_multi_cell() {
        let what = if element.is_collection() { "collections" } else { "UDTs" };
        return Err(TypeError::Invalid(format!("Non-frozen {what} are not allowed inside collections: {collection}")));
    }
    Ok(())
}

impl fmt::Display for CqlType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let open = |f: &mut fmt::Formatter<'_>, frozen: bool| {
            if frozen {
                f.write_str("frozen<")
            } else {
                Ok(())
            }
        };
        let close = |f: &mut fmt::Formatter<'_>, frozen: bool| {
            if frozen {
                f.write_str(">")
            } else {
                Ok(())
            }
        };
        match self {
            CqlType::List { element, frozen } => {
                open(f, *frozen)?;
                write!(f, "list<{element}>")?;
                close(f, *frozen)
            }
            CqlType::Set { element, frozen } => {
                open(f, *frozen)?;
                write!(f, "set<{element}>")?;
                close(f, *frozen)
            }
            CqlType::Map { key, value, frozen } => {
                open(f, *frozen)?;
                write!(f, "map<{key}, {value}>")?;
                close(f, *frozen)
            }
            CqlType::Tuple(items) => {
                f.write_str("frozen<tuple<")?;
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str(">>")
            }
            CqlType::Udt { name, frozen, .. } | CqlType::UdtRef { name, frozen, .. } => {
                open(f, *frozen)?;
                f.write_str(&maybe_quote(name))?;
                close(f, *frozen)
            }
            native => {
                let name = NATIVE_NAMES.iter().find(|(_, t)| t == native).map(|(n, _)| *n).unwrap_or("unknown");
                f.write_str(name)
            }
        }
    }
}

fn write_string(out: &mut Vec<u8>, s: &str) -> Result<(), TypeError> {
    write_short_len(out, s.len())?;
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn write_short_len(out: &mut Vec<u8>, len: usize) -> Result<(), TypeError> {
    let len = u16::try_from(len).map_err(|_| TypeError::Invalid(format!("{len} does not fit a protocol [short]")))?;
    out.extend_from_slice(&len.to_be_bytes());
    Ok(())
}

struct OptionReader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl OptionReader<'_> {
    fn short(&mut self) -> Result<u16, TypeError> {
        let bytes = self
            .input
            .get(self.pos..self.pos + 2)
            .ok_or_else(|| TypeError::Syntax("truncated [option]".to_string()))?;
        self.pos += 2;
        Ok(u16::from_be_bytes([bytes[0], bytes[1]]))
    }

    fn string(&mut self) -> Result<String, TypeError> {
        let len = usize::from(self.short()?);
        let bytes = self
            .input
            .get(self.pos..self.pos + len)
            .ok_or_else(|| TypeError::Syntax("truncated [string] in [option]".to_string()))?;
        self.pos += len;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| TypeError::Syntax("[string] in [option] is not UTF-8".to_string()))
    }

    fn option(&mut self, depth: usize) -> Result<CqlType, TypeError> {
        if depth > MAX_TYPE_DEPTH {
            return Err(TypeError::Syntax("[option] nested too deeply".to_string()));
        }
        let id = self.short()?;
        let boxed = |t: CqlType| Box::new(t);
        Ok(match id {
            0x0000 => {
                let class = self.string()?;
                if class == DURATION_CLASS {
                    CqlType::Duration
                } else {
                    return Err(TypeError::Syntax(format!("unsupported custom type {class}")));
                }
            }
            0x0020 => CqlType::List { element: boxed(self.option(depth + 1)?), frozen: false },
            0x0022 => CqlType::Set { element: boxed(self.option(depth + 1)?), frozen: false },
            0x0021 => {
                let key = self.option(depth + 1)?;
                let value = self.option(depth + 1)?;
                CqlType::Map { key: boxed(key), value: boxed(value), frozen: false }
            }
            0x0030 => {
                let keyspace = self.string()?;
                let name = self.string()?;
                let n = self.short()?;
                let mut fields = Vec::new();
                for _ in 0..n {
                    let field = self.string()?;
                    fields.push((field, self.option(depth + 1)?));
                }
                CqlType::Udt { keyspace, name, fields, frozen: false }
            }
            0x0031 => {
                let n = self.short()?;
                let mut items = Vec::new();
                for _ in 0..n {
                    items.push(self.option(depth + 1)?);
                }
                CqlType::Tuple(items)
            }
            other => NATIVE_NAMES
                .iter()
                .map(|(_, t)| t)
                .find(|t| t.option_id() == other)
                .cloned()
                .ok_or_else(|| TypeError::Syntax(format!("unknown [option] id 0x{other:04x}")))?,
        })
    }
}

/// A name as written: bare (lower-cased) or quoted (kept as is).
struct Name {
    text: String,
    quoted: bool,
}

type Resolver<'r> = &'r dyn Fn(Option<&str>, &str) -> Option<CqlType>;

struct TypeParser<'t, 'r> {
    text: &'t str,
    pos: usize,
    resolver: Option<Resolver<'r>>,
}

impl TypeParser<'_, '_> {
    fn error<T>(&self, what: &str) -> Result<T, TypeError> {
        Err(TypeError::Syntax(format!("invalid type '{}': {what} at character {}", self.text, self.pos)))
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<char> {
        self.text.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> Result<(), TypeError> {
        if self.eat(c) {
            Ok(())
        } else {
            self.error(&format!("expected '{c}'"))
        }
    }

    fn parse_all(&mut self) -> Result<CqlType, TypeError> {
        let ty = self.parse_type(0)?;
        self.skip_ws();
        if self.pos != self.text.len() {
            return self.error("unexpected text");
        }
        Ok(ty)
    }

    fn name(&mut self) -> Result<Name, TypeError> {
        self.skip_ws();
        if self.peek() == Some('"') {
            self.pos += 1;
            let mut text = String::new();
            loop {
                match self.peek() {
                    None => return self.error("unterminated quoted name"),
                    Some('"') => {
                        self.pos += 1;
                        if self.peek() == Some('"') {
                            self.pos += 1;
                            text.push('"');
                        } else {
                            break;
                        }
                    }
                    Some(c) => {
                        self.pos += c.len_utf8();
                        text.push(c);
                    }
                }
            }
            if text.is_empty() {
                return self.error("empty quoted name");
            }
            return Ok(Name { text, quoted: true });
        }
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '_' {
                self.pos += 1;
            } else {
                break;
            }
        }
        if self.pos == start {
            return self.error("expected a type name");
        }
        Ok(Name { text: self.text[start..self.pos].to_ascii_lowercase(), quoted: false })
    }

    fn parse_type(&mut self, depth: usize) -> Result<CqlType, TypeError> {
        if depth > MAX_TYPE_DEPTH {
            return self.error("type nested too deeply");
        }
        self.skip_ws();
        if self.peek() == Some('\'') {
            return self.error("custom types are not supported");
        }
        let first = self.name()?;
        if self.eat('.') {
            let name = self.name()?;
            return self.user_type(Some(first.text), name.text, false);
        }
        if !first.quoted {
            self.skip_ws();
            let has_params = self.peek() == Some('<');
            match (first.text.as_str(), has_params) {
                ("frozen", true) => {
                    self.expect('<')?;
                    let inner = self.parse_type(depth + 1)?;
                    self.expect('>')?;
                    if inner.is_native() {
                        return Err(TypeError::Invalid(format!(
                            "frozen<> is only allowed on collections, tuples, and user-defined \
                             types (got {inner})"
                        )));
                    }
                    return Ok(inner.freeze());
                }
                ("list", true) | ("set", true) => {
                    self.expect('<')?;
                    let element = Box::new(self.parse_type(depth + 1)?);
                    self.expect('>')?;
                    return Ok(if first.text == "list" {
                        CqlType::List { element, frozen: false }
                    } else {
                        CqlType::Set { element, frozen: false }
                    });
                }
                ("map", true) => {
                    self.expect('<')?;
                    let key = Box::new(self.parse_type(depth + 1)?);
                    self.expect(',')?;
                    let value = Box::new(self.parse_type(depth + 1)?);
                    self.expect('>')?;
                    return Ok(CqlType::Map { key, value, frozen: false });
                }
                ("tuple", true) => {
                    self.expect('<')?;
                    let mut items = vec![self.parse_type(depth + 1)?.freeze()];
                    while self.eat(',') {
                        items.push(self.parse_type(depth + 1)?.freeze());
                    }
                    self.expect('>')?;
                    return Ok(CqlType::Tuple(items));
                }
                ("vector", true) => return self.error("vector types are not supported"),
                (_, true) => return self.error("unknown parameterized type"),
                ("frozen" | "list" | "set" | "map" | "tuple" | "vector", false) => {
                    return self.error("missing type parameters")
                }
                (name, false) => {
                    if let Some(native) = CqlType::native(name) {
                        return Ok(native);
                    }
                }
            }
        }
        self.user_type(None, first.text, false)
    }

    fn user_type(&mut self, keyspace: Option<String>, name: String, frozen: bool) -> Result<CqlType, TypeError> {
        let Some(resolve) = self.resolver else {
            return Ok(CqlType::UdtRef { keyspace, name, frozen });
        };
        match resolve(keyspace.as_deref(), &name) {
            Some(CqlType::Udt { keyspace, name, fields, .. }) => Ok(CqlType::Udt { keyspace, name, fields, frozen }),
            _ => {
                let qualified = match &keyspace {
                    Some(ks) => format!("{ks}.{name}"),
                    None => name.clone(),
                };
                Err(TypeError::Invalid(format!("Unknown type {qualified}")))
            }
        }
    }
}

#[cfg(test)]
#[path = "types_tests.rs"]
mod tests;
