//! Schema statements: keyspaces, tables, types, indexes, materialized views, functions,
//! aggregates and triggers.

use std::fmt;

use super::select::write_where;
use super::{
    and_sep, comma_sep, Direction, FunctionName, Ident, Property, QualifiedName, RawType, Relation, Selection,
    UserTypeName,
};
use crate::keywords::write_string_literal;
use crate::term::Term;

/// `DROP <KIND> [IF EXISTS] name` for keyspaces, tables, indexes and views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropStatement {
    pub if_exists: bool,
    /// For `DROP KEYSPACE` the keyspace is `name.name` and `name.keyspace` is `None`.
    pub name: QualifiedName,
}

impl DropStatement {
    pub(crate) fn write(&self, f: &mut fmt::Formatter<'_>, kind: &str) -> fmt::Result {
        write!(f, "DROP {kind} ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{}", self.name)
    }
}

fn write_with(f: &mut fmt::Formatter<'_>, props: &[Property]) -> fmt::Result {
    if !props.is_empty() {
        f.write_str(" WITH ")?;
        and_sep(f, props)?;
    }
    Ok(())
}

/// `CREATE KEYSPACE [IF NOT EXISTS] ks WITH replication = {…} [AND durable_writes = b]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateKeyspaceStatement {
    pub if_not_exists: bool,
    pub name: Ident,
    pub properties: Vec<Property>,
}

impl fmt::Display for CreateKeyspaceStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE KEYSPACE ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{}", self.name)?;
        write_with(f, &self.properties)
    }
}

/// `ALTER KEYSPACE [IF EXISTS] ks WITH …`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterKeyspaceStatement {
    pub if_exists: bool,
    pub name: Ident,
    pub properties: Vec<Property>,
}

impl fmt::Display for AlterKeyspaceStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ALTER KEYSPACE ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{}", self.name)?;
        write_with(f, &self.properties)
    }
}

/// `MASKED WITH DEFAULT` or `MASKED WITH fn(args)` (dynamic data masking).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnMask {
    Default,
    Function { name: FunctionName, args: Vec<Term> },
}

impl fmt::Display for ColumnMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColumnMask::Default => f.write_str("MASKED WITH DEFAULT"),
            ColumnMask::Function { name, args } => {
                write!(f, "MASKED WITH {name}(")?;
                comma_sep(f, args)?;
                f.write_str(")")
            }
        }
    }
}

/// `name type [STATIC] [MASKED WITH …] [PRIMARY KEY]` in `CREATE TABLE`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDefinition {
    pub name: Ident,
    pub cql_type: RawType,
    pub is_static: bool,
    pub mask: Option<ColumnMask>,
    /// `PRIMARY KEY` written after the column.
    pub primary_key: bool,
}

impl fmt::Display for ColumnDefinition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.cql_type)?;
        if self.is_static {
            f.write_str(" STATIC")?;
        }
        if let Some(m) = &self.mask {
            write!(f, " {m}")?;
        }
        if self.primary_key {
            f.write_str(" PRIMARY KEY")?;
        }
        Ok(())
    }
}

/// `PRIMARY KEY ((p1, p2), c1, c2)` / `PRIMARY KEY (p, c)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKey {
    pub partition_key: Vec<Ident>,
    pub clustering_columns: Vec<Ident>,
}

impl fmt::Display for PrimaryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PRIMARY KEY (")?;
        if self.partition_key.len() == 1 {
            comma_sep(f, &self.partition_key)?;
        } else {
            f.write_str("(")?;
            comma_sep(f, &self.partition_key)?;
            f.write_str(")")?;
        }
        for c in &self.clustering_columns {
            write!(f, ", {c}")?;
        }
        f.write_str(")")
    }
}

/// An element between the parentheses of `CREATE TABLE`, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum TableElement {
    Column(ColumnDefinition),
    PrimaryKey(PrimaryKey),
}

impl fmt::Display for TableElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableElement::Column(c) => write!(f, "{c}"),
            TableElement::PrimaryKey(p) => write!(f, "{p}"),
        }
    }
}

/// One `WITH` option of a table or view.
#[derive(Debug, Clone, PartialEq)]
pub enum TableOption {
    Property(Property),
    /// `COMPACT STORAGE` (parsed; refused when executed).
    CompactStorage,
    /// `CLUSTERING ORDER BY (c ASC|DESC, …)`.
    ClusteringOrder(Vec<(Ident, Direction)>),
}

impl fmt::Display for TableOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableOption::Property(p) => write!(f, "{p}"),
            TableOption::CompactStorage => f.write_str("COMPACT STORAGE"),
            TableOption::ClusteringOrder(cols) => {
                f.write_str("CLUSTERING ORDER BY (")?;
                for (i, (c, d)) in cols.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{c} {d}")?;
                }
                f.write_str(")")
            }
        }
    }
}

fn write_table_options(f: &mut fmt::Formatter<'_>, opts: &[TableOption]) -> fmt::Result {
    if !opts.is_empty() {
        f.write_str(" WITH ")?;
        and_sep(f, opts)?;
    }
    Ok(())
}

/// `CREATE TABLE [IF NOT EXISTS] name (elements) [WITH options]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTableStatement {
    pub if_not_exists: bool,
    pub name: QualifiedName,
    pub elements: Vec<TableElement>,
    pub options: Vec<TableOption>,
}

impl CreateTableStatement {
    /// The column definitions, in order.
    pub fn columns(&self) -> impl Iterator<Item = &ColumnDefinition> {
        self.elements.iter().filter_map(|e| match e {
            TableElement::Column(c) => Some(c),
            TableElement::PrimaryKey(_) => None,
        })
    }
}

impl fmt::Display for CreateTableStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE TABLE ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{} (", self.name)?;
        comma_sep(f, &self.elements)?;
        f.write_str(")")?;
        write_table_options(f, &self.options)
    }
}

/// A column added by `ALTER TABLE … ADD`.
#[derive(Debug, Clone, PartialEq)]
pub struct AddColumn {
    pub name: Ident,
    pub cql_type: RawType,
    pub is_static: bool,
    pub mask: Option<ColumnMask>,
}

impl fmt::Display for AddColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.cql_type)?;
        if self.is_static {
            f.write_str(" STATIC")?;
        }
        if let Some(m) = &self.mask {
            write!(f, " {m}")?;
        }
        Ok(())
    }
}

/// What `ALTER TABLE` does.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterTableAction {
    /// `ALTER c TYPE t` (parsed; Cassandra refuses it when executed).
    AlterColumnType { column: Ident, cql_type: RawType },
    /// `ALTER [IF EXISTS] c MASKED WITH …` / `ALTER [IF EXISTS] c DROP MASKED` (`mask: None`).
    AlterColumnMask { if_column_exists: bool, column: Ident, mask: Option<ColumnMask> },
    /// `ADD [IF NOT EXISTS] c t [STATIC] …` or `ADD (…, …)`.
    Add { if_not_exists: bool, columns: Vec<AddColumn> },
    /// `DROP [IF EXISTS] c` or `DROP (a, b)`, optionally `USING TIMESTAMP n`.
    Drop { if_exists: bool, columns: Vec<Ident>, timestamp: Option<String> },
    /// `RENAME [IF EXISTS] a TO b [AND c TO d …]`.
    Rename { if_exists: bool, renames: Vec<(Ident, Ident)> },
    /// `DROP COMPACT STORAGE`.
    DropCompactStorage,
    /// `WITH name = value AND …`.
    With(Vec<Property>),
}

/// `ALTER TABLE [IF EXISTS] name action`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterTableStatement {
    pub if_exists: bool,
    pub name: QualifiedName,
    pub action: AlterTableAction,
}

impl fmt::Display for AlterTableStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ALTER TABLE ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{} ", self.name)?;
        match &self.action {
            AlterTableAction::AlterColumnType { column, cql_type } => {
                write!(f, "ALTER {column} TYPE {cql_type}")
            }
            AlterTableAction::AlterColumnMask { if_column_exists, column, mask } => {
                f.write_str("ALTER ")?;
                if *if_column_exists {
                    f.write_str("IF EXISTS ")?;
                }
                match mask {
                    Some(m) => write!(f, "{column} {m}"),
                    None => write!(f, "{column} DROP MASKED"),
                }
            }
            AlterTableAction::Add { if_not_exists, columns } => {
                f.write_str("ADD ")?;
                if *if_not_exists {
                    f.write_str("IF NOT EXISTS ")?;
                }
                if columns.len() == 1 {
                    comma_sep(f, columns)
                } else {
                    f.write_str("(")?;
                    comma_sep(f, columns)?;
                    f.write_str(")")
                }
            }
            AlterTableAction::Drop { if_exists, columns, timestamp } => {
                f.write_str("DROP ")?;
                if *if_exists {
                    f.write_str("IF EXISTS ")?;
                }
                if columns.len() == 1 {
                    comma_sep(f, columns)?;
                } else {
                    f.write_str("(")?;
                    comma_sep(f, columns)?;
                    f.write_str(")")?;
                }
                if let Some(ts) = timestamp {
                    write!(f, " USING TIMESTAMP {ts}")?;
                }
                Ok(())
            }
            AlterTableAction::Rename { if_exists, renames } => {
                f.write_str("RENAME ")?;
                if *if_exists {
                    f.write_str("IF EXISTS ")?;
                }
                for (i, (a, b)) in renames.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" AND ")?;
                    }
                    write!(f, "{a} TO {b}")?;
                }
                Ok(())
            }
            AlterTableAction::DropCompactStorage => f.write_str("DROP COMPACT STORAGE"),
            AlterTableAction::With(props) => {
                f.write_str("WITH ")?;
                and_sep(f, props)
            }
        }
    }
}

/// `CREATE TYPE [IF NOT EXISTS] name (field type, …)`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateTypeStatement {
    pub if_not_exists: bool,
    pub name: UserTypeName,
    pub fields: Vec<(Ident, RawType)>,
}

impl fmt::Display for CreateTypeStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE TYPE ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{} (", self.name)?;
        for (i, (n, t)) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{n} {t}")?;
        }
        f.write_str(")")
    }
}

/// What `ALTER TYPE` does.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterTypeAction {
    /// `ALTER field TYPE t`.
    AlterField { field: Ident, cql_type: RawType },
    /// `ADD [IF NOT EXISTS] field t`.
    Add { if_not_exists: bool, field: Ident, cql_type: RawType },
    /// `RENAME [IF EXISTS] a TO b [AND …]`.
    Rename { if_exists: bool, renames: Vec<(Ident, Ident)> },
}

/// `ALTER TYPE [IF EXISTS] name action`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterTypeStatement {
    pub if_exists: bool,
    pub name: UserTypeName,
    pub action: AlterTypeAction,
}

impl fmt::Display for AlterTypeStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ALTER TYPE ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{} ", self.name)?;
        match &self.action {
            AlterTypeAction::AlterField { field, cql_type } => {
                write!(f, "ALTER {field} TYPE {cql_type}")
            }
            AlterTypeAction::Add { if_not_exists, field, cql_type } => {
                f.write_str("ADD ")?;
                if *if_not_exists {
                    f.write_str("IF NOT EXISTS ")?;
                }
                write!(f, "{field} {cql_type}")
            }
            AlterTypeAction::Rename { if_exists, renames } => {
                f.write_str("RENAME ")?;
                if *if_exists {
                    f.write_str("IF EXISTS ")?;
                }
                for (i, (a, b)) in renames.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" AND ")?;
                    }
                    write!(f, "{a} TO {b}")?;
                }
                Ok(())
            }
        }
    }
}

/// `DROP TYPE [IF EXISTS] name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropTypeStatement {
    pub if_exists: bool,
    pub name: UserTypeName,
}

impl fmt::Display for DropTypeStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DROP TYPE ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{}", self.name)
    }
}

/// What an index indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexTargetKind {
    /// `c` (values of a collection, or the column).
    Simple,
    /// `VALUES(c)`.
    Values,
    /// `KEYS(c)`.
    Keys,
    /// `ENTRIES(c)`.
    Entries,
    /// `FULL(c)`.
    Full,
}

/// One index target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexTarget {
    pub kind: IndexTargetKind,
    pub column: Ident,
}

impl fmt::Display for IndexTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = match self.kind {
            IndexTargetKind::Simple => return write!(f, "{}", self.column),
            IndexTargetKind::Values => "VALUES",
            IndexTargetKind::Keys => "KEYS",
            IndexTargetKind::Entries => "ENTRIES",
            IndexTargetKind::Full => "FULL",
        };
        write!(f, "{k}({})", self.column)
    }
}

/// `CREATE [CUSTOM] INDEX [IF NOT EXISTS] [name] ON table (targets) [USING 'class']
/// [WITH …]` (parsed only).
#[derive(Debug, Clone, PartialEq)]
pub struct CreateIndexStatement {
    pub custom: bool,
    pub if_not_exists: bool,
    pub name: Option<Ident>,
    pub table: QualifiedName,
    pub targets: Vec<IndexTarget>,
    pub using: Option<String>,
    pub properties: Vec<Property>,
}

impl fmt::Display for CreateIndexStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE ")?;
        if self.custom {
            f.write_str("CUSTOM ")?;
        }
        f.write_str("INDEX ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        if let Some(n) = &self.name {
            write!(f, "{n} ")?;
        }
        write!(f, "ON {} (", self.table)?;
        comma_sep(f, &self.targets)?;
        f.write_str(")")?;
        if let Some(u) = &self.using {
            f.write_str(" USING ")?;
            write_string_literal(f, u)?;
        }
        write_with(f, &self.properties)
    }
}

/// `CREATE MATERIALIZED VIEW [IF NOT EXISTS] name AS SELECT … FROM base [WHERE …]
/// PRIMARY KEY (…) [WITH …]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateViewStatement {
    pub if_not_exists: bool,
    pub name: QualifiedName,
    pub selection: Selection,
    pub base_table: QualifiedName,
    pub where_clause: Vec<Relation>,
    pub primary_key: PrimaryKey,
    pub options: Vec<TableOption>,
}

impl fmt::Display for CreateViewStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE MATERIALIZED VIEW ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{} AS SELECT {} FROM {}", self.name, self.selection, self.base_table)?;
        write_where(f, &self.where_clause)?;
        write!(f, " {}", self.primary_key)?;
        write_table_options(f, &self.options)
    }
}

/// `ALTER MATERIALIZED VIEW [IF EXISTS] name WITH …`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterViewStatement {
    pub if_exists: bool,
    pub name: QualifiedName,
    pub properties: Vec<Property>,
}

impl fmt::Display for AlterViewStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ALTER MATERIALIZED VIEW ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{}", self.name)?;
        write_with(f, &self.properties)
    }
}

/// `CREATE [OR REPLACE] FUNCTION [IF NOT EXISTS] name (arg type, …)
/// (RETURNS NULL | CALLED) ON NULL INPUT RETURNS type LANGUAGE lang AS 'body'`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateFunctionStatement {
    pub or_replace: bool,
    pub if_not_exists: bool,
    pub name: FunctionName,
    pub arguments: Vec<(Ident, RawType)>,
    pub called_on_null_input: bool,
    pub return_type: RawType,
    /// Lower-cased.
    pub language: String,
    pub body: String,
}

impl fmt::Display for CreateFunctionStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE ")?;
        if self.or_replace {
            f.write_str("OR REPLACE ")?;
        }
        f.write_str("FUNCTION ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{}(", self.name)?;
        for (i, (n, t)) in self.arguments.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{n} {t}")?;
        }
        f.write_str(") ")?;
        f.write_str(if self.called_on_null_input { "CALLED" } else { "RETURNS NULL" })?;
        write!(f, " ON NULL INPUT RETURNS {} LANGUAGE {} AS ", self.return_type, self.language)?;
        write_string_literal(f, &self.body)
    }
}

/// `DROP FUNCTION|AGGREGATE [IF EXISTS] name [(types)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DropFunctionStatement {
    pub if_exists: bool,
    pub name: FunctionName,
    /// `None` when no argument list was given.
    pub argument_types: Option<Vec<RawType>>,
}

impl DropFunctionStatement {
    pub(crate) fn write(&self, f: &mut fmt::Formatter<'_>, kind: &str) -> fmt::Result {
        write!(f, "DROP {kind} ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{}", self.name)?;
        if let Some(types) = &self.argument_types {
            f.write_str("(")?;
            comma_sep(f, types)?;
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// `CREATE [OR REPLACE] AGGREGATE [IF NOT EXISTS] name (types) SFUNC f STYPE t
/// [FINALFUNC g] [INITCOND term]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateAggregateStatement {
    pub or_replace: bool,
    pub if_not_exists: bool,
    pub name: FunctionName,
    pub argument_types: Vec<RawType>,
    /// The state function (a bare function name, no keyspace).
    pub state_function: Ident,
    pub state_type: RawType,
    pub final_function: Option<Ident>,
    pub initial_condition: Option<Term>,
}

impl fmt::Display for CreateAggregateStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::keywords::{write_ident, IdentClass};
        f.write_str("CREATE ")?;
        if self.or_replace {
            f.write_str("OR REPLACE ")?;
        }
        f.write_str("AGGREGATE ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{}(", self.name)?;
        comma_sep(f, &self.argument_types)?;
        f.write_str(") SFUNC ")?;
        write_ident(f, self.state_function.as_str(), IdentClass::Function)?;
        write!(f, " STYPE {}", self.state_type)?;
        if let Some(ff) = &self.final_function {
            f.write_str(" FINALFUNC ")?;
            write_ident(f, ff.as_str(), IdentClass::Function)?;
        }
        if let Some(t) = &self.initial_condition {
            write!(f, " INITCOND {t}")?;
        }
        Ok(())
    }
}

/// `CREATE TRIGGER [IF NOT EXISTS] name ON table USING 'class'`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTriggerStatement {
    pub if_not_exists: bool,
    pub name: Ident,
    pub table: QualifiedName,
    pub class: String,
}

impl fmt::Display for CreateTriggerStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE TRIGGER ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{} ON {} USING ", self.name, self.table)?;
        write_string_literal(f, &self.class)
    }
}

/// `DROP TRIGGER [IF EXISTS] name ON table`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropTriggerStatement {
    pub if_exists: bool,
    pub name: Ident,
    pub table: QualifiedName,
}

impl fmt::Display for DropTriggerStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DROP TRIGGER ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{} ON {}", self.name, self.table)
    }
}
