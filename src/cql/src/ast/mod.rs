//! The CQL abstract syntax tree, as the parser produces it (before any schema is consulted).
//!
//! Every node implements `Display`, printing CQL that the parser reads back as the same node:
//! `parse(&stmt.to_string()) == Ok(stmt)` for every statement the parser produced. Names are
//! stored normalized (unquoted identifiers lower-cased, quoted ones verbatim) and printed
//! quoted only when needed. Forms with the same meaning are not told apart (`ADD (a int)` and
//! `ADD a int`, `DESC` and `DESCRIBE`, `TABLE` and `COLUMNFAMILY`, `''` and `$$` strings).

mod auth;
mod ddl;
mod dml;
mod select;

use std::fmt;

pub use auth::*;
pub use ddl::*;
pub use dml::*;
pub use select::*;

pub use crate::term::{BindMarker, Literal, Term};

use crate::keywords::{write_ident, write_string_literal, IdentClass};

/// An identifier, normalized: unquoted ones lower-cased, quoted ones exactly as written.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ident(String);

impl Ident {
    /// An identifier with exactly this name (as if written `"name"`).
    pub fn new(name: impl Into<String>) -> Self {
        Ident(name.into())
    }

    /// An identifier written without quotes: case-insensitive, so lower-cased.
    pub fn unquoted(raw: &str) -> Self {
        Ident(raw.to_ascii_lowercase())
    }

    /// The normalized name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The normalized name, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_ident(f, &self.0, IdentClass::General)
    }
}

/// `[keyspace.]name` for tables, views, indexes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QualifiedName {
    pub keyspace: Option<Ident>,
    pub name: Ident,
}

impl QualifiedName {
    /// A name without keyspace.
    pub fn new(name: Ident) -> Self {
        QualifiedName { keyspace: None, name }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ks) = &self.keyspace {
            write!(f, "{ks}.")?;
        }
        write!(f, "{}", self.name)
    }
}

/// `[keyspace.]function`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FunctionName {
    pub keyspace: Option<Ident>,
    pub name: Ident,
}

impl fmt::Display for FunctionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ks) = &self.keyspace {
            write!(f, "{ks}.")?;
        }
        write_ident(f, self.name.as_str(), IdentClass::Function)
    }
}

/// `[keyspace.]type` naming a user-defined type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserTypeName {
    pub keyspace: Option<Ident>,
    pub name: Ident,
}

impl fmt::Display for UserTypeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ks) = &self.keyspace {
            write!(f, "{ks}.")?;
        }
        write_ident(f, self.name.as_str(), IdentClass::Type)
    }
}

/// The native CQL types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NativeType {
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
    Text,
    Time,
    Timestamp,
    Timeuuid,
    Tinyint,
    Uuid,
    /// `varchar`: an alias of `text`, kept apart so it prints as written.
    Varchar,
    Varint,
}

impl NativeType {
    /// All native types.
    pub const ALL: [NativeType; 21] = [
        NativeType::Ascii,
        NativeType::Bigint,
        NativeType::Blob,
        NativeType::Boolean,
        NativeType::Counter,
        NativeType::Date,
        NativeType::Decimal,
        NativeType::Double,
        NativeType::Duration,
        NativeType::Float,
        NativeType::Inet,
        NativeType::Int,
        NativeType::Smallint,
        NativeType::Text,
        NativeType::Time,
        NativeType::Timestamp,
        NativeType::Timeuuid,
        NativeType::Tinyint,
        NativeType::Uuid,
        NativeType::Varchar,
        NativeType::Varint,
    ];

    /// The CQL name (lower case).
    pub fn as_str(self) -> &'static str {
        match self {
            NativeType::Ascii => "ascii",
            NativeType::Bigint => "bigint",
            NativeType::Blob => "blob",
            NativeType::Boolean => "boolean",
            NativeType::Counter => "counter",
            NativeType::Date => "date",
            NativeType::Decimal => "decimal",
            NativeType::Double => "double",
            NativeType::Duration => "duration",
            NativeType::Float => "float",
            NativeType::Inet => "inet",
            NativeType::Int => "int",
            NativeType::Smallint => "smallint",
            NativeType::Text => "text",
            NativeType::Time => "time",
            NativeType::Timestamp => "timestamp",
            NativeType::Timeuuid => "timeuuid",
            NativeType::Tinyint => "tinyint",
            NativeType::Uuid => "uuid",
            NativeType::Varchar => "varchar",
            NativeType::Varint => "varint",
        }
    }

    /// The native type named by `word` (any case).
    pub fn from_word(word: &str) -> Option<NativeType> {
        NativeType::ALL.into_iter().find(|t| t.as_str().eq_ignore_ascii_case(word))
    }
}

impl fmt::Display for NativeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A type as written (Cassandra's `CQL3Type.Raw`): user types are names, not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RawType {
    Native(NativeType),
    List(Box<RawType>),
    Set(Box<RawType>),
    Map(Box<RawType>, Box<RawType>),
    Tuple(Vec<RawType>),
    /// `vector<type, dimension>`.
    Vector(Box<RawType>, i32),
    Frozen(Box<RawType>),
    UserDefined(UserTypeName),
    /// A custom type given by its class name: `'org.apache.cassandra.db.marshal.BytesType'`.
    Custom(String),
}

impl fmt::Display for RawType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawType::Native(n) => write!(f, "{n}"),
            RawType::List(t) => write!(f, "list<{t}>"),
            RawType::Set(t) => write!(f, "set<{t}>"),
            RawType::Map(k, v) => write!(f, "map<{k}, {v}>"),
            RawType::Tuple(ts) => {
                f.write_str("tuple<")?;
                comma_sep(f, ts)?;
                f.write_str(">")
            }
            RawType::Vector(t, n) => write!(f, "vector<{t}, {n}>"),
            RawType::Frozen(t) => write!(f, "frozen<{t}>"),
            RawType::UserDefined(n) => write!(f, "{n}"),
            RawType::Custom(c) => write_string_literal(f, c),
        }
    }
}

/// The value of a `name = value` option (`WITH …`).
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    /// A constant: string, number, boolean, duration, UUID, blob (never `NULL`).
    Constant(Literal),
    /// An unreserved keyword used as a value, as written (e.g. `ALL`).
    Keyword(String),
    /// `{'k': v, ...}` with constant keys and values.
    Map(Vec<(Literal, Literal)>),
}

/// `name = value`.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: Ident,
    pub value: PropertyValue,
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = ", self.name)?;
        match &self.value {
            PropertyValue::Constant(l) => write!(f, "{l}"),
            PropertyValue::Keyword(k) => f.write_str(k),
            PropertyValue::Map(entries) => write_literal_map(f, entries),
        }
    }
}

pub(crate) fn write_literal_map(f: &mut fmt::Formatter<'_>, entries: &[(Literal, Literal)]) -> fmt::Result {
    f.write_str("{")?;
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{k}: {v}")?;
    }
    f.write_str("}")
}

/// Writes `items` separated by `, `.
pub(crate) fn comma_sep<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, t) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{t}")?;
    }
    Ok(())
}

/// Writes `items` separated by ` AND `.
pub(crate) fn and_sep<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, t) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(" AND ")?;
        }
        write!(f, "{t}")?;
    }
    Ok(())
}

/// One CQL statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Select(SelectStatement),
    Insert(InsertStatement),
    Update(UpdateStatement),
    Delete(DeleteStatement),
    Batch(BatchStatement),
    /// `USE keyspace`.
    Use(Ident),
    /// `TRUNCATE [TABLE] name`.
    Truncate(QualifiedName),
    CreateKeyspace(CreateKeyspaceStatement),
    AlterKeyspace(AlterKeyspaceStatement),
    DropKeyspace(DropStatement),
    CreateTable(CreateTableStatement),
    AlterTable(AlterTableStatement),
    DropTable(DropStatement),
    CreateType(CreateTypeStatement),
    AlterType(AlterTypeStatement),
    DropType(DropTypeStatement),
    CreateIndex(CreateIndexStatement),
    DropIndex(DropStatement),
    CreateMaterializedView(CreateViewStatement),
    AlterMaterializedView(AlterViewStatement),
    DropMaterializedView(DropStatement),
    CreateFunction(CreateFunctionStatement),
    DropFunction(DropFunctionStatement),
    CreateAggregate(CreateAggregateStatement),
    DropAggregate(DropFunctionStatement),
    CreateTrigger(CreateTriggerStatement),
    DropTrigger(DropTriggerStatement),
    CreateRole(CreateRoleStatement),
    AlterRole(AlterRoleStatement),
    DropRole(DropRoleStatement),
    CreateUser(CreateUserStatement),
    AlterUser(AlterUserStatement),
    DropUser(DropUserStatement),
    GrantPermissions(PermissionsStatement),
    RevokePermissions(PermissionsStatement),
    ListPermissions(ListPermissionsStatement),
    GrantRole(RoleGrantStatement),
    RevokeRole(RoleGrantStatement),
    ListRoles(ListRolesStatement),
    ListUsers,
    ListSuperUsers,
    AddIdentity(AddIdentityStatement),
    DropIdentity(DropIdentityStatement),
    Describe(DescribeStatement),
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Select(s) => write!(f, "{s}"),
            Statement::Insert(s) => write!(f, "{s}"),
            Statement::Update(s) => write!(f, "{s}"),
            Statement::Delete(s) => write!(f, "{s}"),
            Statement::Batch(s) => write!(f, "{s}"),
            Statement::Use(ks) => write!(f, "USE {ks}"),
            Statement::Truncate(t) => write!(f, "TRUNCATE TABLE {t}"),
            Statement::CreateKeyspace(s) => write!(f, "{s}"),
            Statement::AlterKeyspace(s) => write!(f, "{s}"),
            Statement::DropKeyspace(s) => s.write(f, "KEYSPACE"),
            Statement::CreateTable(s) => write!(f, "{s}"),
            Statement::AlterTable(s) => write!(f, "{s}"),
            Statement::DropTable(s) => s.write(f, "TABLE"),
            Statement::CreateType(s) => write!(f, "{s}"),
            Statement::AlterType(s) => write!(f, "{s}"),
            Statement::DropType(s) => write!(f, "{s}"),
            Statement::CreateIndex(s) => write!(f, "{s}"),
            Statement::DropIndex(s) => s.write(f, "INDEX"),
            Statement::CreateMaterializedView(s) => write!(f, "{s}"),
            Statement::AlterMaterializedView(s) => write!(f, "{s}"),
            Statement::DropMaterializedView(s) => s.write(f, "MATERIALIZED VIEW"),
            Statement::CreateFunction(s) => write!(f, "{s}"),
            Statement::DropFunction(s) => s.write(f, "FUNCTION"),
            Statement::CreateAggregate(s) => write!(f, "{s}"),
            Statement::DropAggregate(s) => s.write(f, "AGGREGATE"),
            Statement::CreateTrigger(s) => write!(f, "{s}"),
            Statement::DropTrigger(s) => write!(f, "{s}"),
            Statement::CreateRole(s) => write!(f, "{s}"),
            Statement::AlterRole(s) => write!(f, "{s}"),
            Statement::DropRole(s) => write!(f, "{s}"),
            Statement::CreateUser(s) => write!(f, "{s}"),
            Statement::AlterUser(s) => write!(f, "{s}"),
            Statement::DropUser(s) => write!(f, "{s}"),
            Statement::GrantPermissions(s) => s.write(f, "GRANT", "TO"),
            Statement::RevokePermissions(s) => s.write(f, "REVOKE", "FROM"),
            Statement::ListPermissions(s) => write!(f, "{s}"),
            Statement::GrantRole(s) => write!(f, "GRANT {} TO {}", s.role, s.grantee),
            Statement::RevokeRole(s) => write!(f, "REVOKE {} FROM {}", s.role, s.grantee),
            Statement::ListRoles(s) => write!(f, "{s}"),
            Statement::ListUsers => f.write_str("LIST USERS"),
            Statement::ListSuperUsers => f.write_str("LIST SUPERUSERS"),
            Statement::AddIdentity(s) => write!(f, "{s}"),
            Statement::DropIdentity(s) => write!(f, "{s}"),
            Statement::Describe(s) => write!(f, "{s}"),
        }
    }
}

/// What `DESCRIBE` describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DescribeTarget {
    Cluster,
    /// `[FULL] SCHEMA`.
    Schema {
        full: bool,
    },
    Keyspaces,
    /// `[ONLY] KEYSPACE [name]`.
    Keyspace {
        only: bool,
        name: Option<Ident>,
    },
    Tables,
    Table(QualifiedName),
    Index(QualifiedName),
    MaterializedView(QualifiedName),
    Types,
    Type(UserTypeName),
    Functions,
    Function(FunctionName),
    Aggregates,
    Aggregate(FunctionName),
    /// `DESCRIBE [ks.]name`: whatever object has that name.
    Generic(QualifiedName),
}

/// `DESCRIBE | DESC target [WITH INTERNALS]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeStatement {
    pub target: DescribeTarget,
    pub with_internals: bool,
}

impl fmt::Display for DescribeStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DESCRIBE ")?;
        match &self.target {
            DescribeTarget::Cluster => f.write_str("CLUSTER")?,
            DescribeTarget::Schema { full } => f.write_str(if *full { "FULL SCHEMA" } else { "SCHEMA" })?,
            DescribeTarget::Keyspaces => f.write_str("KEYSPACES")?,
            DescribeTarget::Keyspace { only, name } => {
                if *only {
                    f.write_str("ONLY ")?;
                }
                f.write_str("KEYSPACE")?;
                if let Some(n) = name {
                    write!(f, " {n}")?;
                }
            }
            DescribeTarget::Tables => f.write_str("TABLES")?,
            DescribeTarget::Table(n) => write!(f, "TABLE {n}")?,
            DescribeTarget::Index(n) => write!(f, "INDEX {n}")?,
            DescribeTarget::MaterializedView(n) => write!(f, "MATERIALIZED VIEW {n}")?,
            DescribeTarget::Types => f.write_str("TYPES")?,
            DescribeTarget::Type(n) => write!(f, "TYPE {n}")?,
            DescribeTarget::Functions => f.write_str("FUNCTIONS")?,
            DescribeTarget::Function(n) => write!(f, "FUNCTION {n}")?,
            DescribeTarget::Aggregates => f.write_str("AGGREGATES")?,
            DescribeTarget::Aggregate(n) => write!(f, "AGGREGATE {n}")?,
            DescribeTarget::Generic(n) => {
                // A bare name that is also a DESCRIBE keyword must be quoted.
                const KEYWORDS: [&str; 7] =
                    ["cluster", "keyspaces", "tables", "columnfamilies", "types", "functions", "aggregates"];
                if n.keyspace.is_none() && KEYWORDS.contains(&n.name.as_str()) {
                    crate::keywords::write_quoted(f, n.name.as_str())?;
                } else {
                    write!(f, "{n}")?;
                }
            }
        }
        if self.with_internals {
            f.write_str(" WITH INTERNALS")?;
        }
        Ok(())
    }
}
