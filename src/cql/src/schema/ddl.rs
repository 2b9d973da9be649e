//! Schema statements applied to a [`Schema`]: `CREATE`/`ALTER`/`DROP` of keyspaces, tables and
//! user types, with Cassandra 5.0's rules, normalizations and error messages (and their error
//! classes: Invalid 0x2200, AlreadyExists 0x2400, Syntax 0x2000, ConfigurationError 0x2300,
//! Unauthorized 0x2100).
//!
//! Pure: the current time and a fresh table id come from the caller in [`DdlContext`]. The
//! input schema is never changed; [`DdlOutcome`] holds the new one and the [`SchemaChange`] to
//! announce, `None` when nothing changed (an `IF [NOT] EXISTS` no-op, an `ALTER` to the same
//! values), where Cassandra answers with a Void result.
//!
//! What it is not: indexes, materialized views, functions, aggregates and triggers are refused
//! (`CREATE`) or reported as missing (`DROP`); dynamic data masking is refused as Cassandra does
//! with its default configuration; `COMPACT STORAGE` is refused as with
//! `compact_tables_enabled: false`.

use std::sync::Arc;

use super::options::Props;
use super::replication::replication;
use super::{ChangeType, KeyspaceDef, Schema, SchemaChange, TableUuid};
use crate::ast::{AlterKeyspaceStatement, CreateKeyspaceStatement, DropStatement, Ident, Statement};

/// What a schema statement needs from outside: the time and fresh identifiers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdlContext {
    /// The statement's time (microseconds since the epoch): recorded for dropped columns.
    pub now_micros: i64,
    /// The id a `CREATE TABLE` gives its table (unless `WITH id = …`): a fresh UUID.
    pub new_table_id: TableUuid,
    /// The known datacenters (Cassandra's `Datacenters.getValidDatacenters()`): the names
    /// `NetworkTopologyStrategy` accepts, and those `'replication_factor'` expands to. Empty:
    /// names are not checked and nothing is expanded.
    pub datacenters: Vec<String>,
}

impl DdlContext {
    pub fn new(now_micros: i64, new_table_id: TableUuid, datacenters: Vec<String>) -> Self {
        DdlContext { now_micros, new_table_id, datacenters }
    }
}

/// The result of a schema statement.
#[derive(Debug, Clone, PartialEq)]
pub struct DdlOutcome {
    pub schema: Schema,
    /// `None` when the statement changed nothing.
    pub change: Option<SchemaChange>,
}

/// Why a schema statement was refused, with Cassandra's error class and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DdlError {
    /// `InvalidRequestException` (0x2200).
    #[error("{0}")]
    Invalid(String),
    /// `AlreadyExistsException` (0x2400); `table` is empty for a keyspace.
    #[error("{message}")]
    AlreadyExists { keyspace: String, table: String, message: String },
    /// `SyntaxException` (0x2000), e.g. an unknown property.
    #[error("{0}")]
    Syntax(String),
    /// `ConfigurationException` (0x2300), e.g. bad replication or compaction options.
    #[error("{0}")]
    ConfigurationError(String),
    /// `UnauthorizedException` (0x2100): system keyspaces are not user-modifiable.
    #[error("{0}")]
    Unauthorized(String),
}

impl DdlError {
    /// The native protocol error code.
    pub fn code(&self) -> i32 {
        match self {
            DdlError::Syntax(_) => 0x2000,
            DdlError::Unauthorized(_) => 0x2100,
            DdlError::Invalid(_) => 0x2200,
            DdlError::ConfigurationError(_) => 0x2300,
            DdlError::AlreadyExists { .. } => 0x2400,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            DdlError::Invalid(m)
            | DdlError::Syntax(m)
            | DdlError::ConfigurationError(m)
            | DdlError::Unauthorized(m) => m,
            DdlError::AlreadyExists { message, .. } => message,
        }
    }
}

pub(crate) fn invalid(msg: impl Into<String>) -> DdlError {
    DdlError::Invalid(msg.into())
}

/// Applies the schema statement `stmt` to `schema`. Unqualified names resolve against
/// `current_keyspace` (the connection's `USE`).
pub fn apply_ddl(
    schema: &Schema,
    stmt: &Statement,
    current_keyspace: Option<&str>,
    ctx: &DdlContext,
) -> Result<DdlOutcome, DdlError> {
    let new_schema = match stmt {
        Statement::CreateKeyspace(s) => create_keyspace(schema, s, ctx)?,
        Statement::AlterKeyspace(s) => alter_keyspace(schema, s, ctx)?,
        Statement::DropKeyspace(s) => drop_keyspace(schema, s)?,
        Statement::CreateTable(s) => super::ddl_table::create_table(schema, s, current_keyspace, ctx)?,
        Statement::AlterTable(s) => super::ddl_table::alter_table(schema, s, current_keyspace, ctx)?,
        Statement::DropTable(s) => super::ddl_table::drop_table(schema, s, current_keyspace)?,
        Statement::CreateType(s) => super::ddl_type::create_type(schema, s, current_keyspace)?,
        Statement::AlterType(s) => super::ddl_type::alter_type(schema, s, current_keyspace)?,
        Statement::DropType(s) => super::ddl_type::drop_type(schema, s, current_keyspace)?,
        Statement::CreateIndex(_) => return Err(invalid("Secondary indexes are not supported by sibyl")),
        Statement::CreateMaterializedView(_) | Statement::AlterMaterializedView(_) => {
            return Err(invalid("Materialized views are not supported by sibyl"))
        }
        Statement::CreateFunction(_) => return Err(invalid("User-defined functions are not supported by sibyl")),
        Statement::CreateAggregate(_) => return Err(invalid("User-defined aggregates are not supported by sibyl")),
        Statement::CreateTrigger(_) => return Err(invalid("Triggers are not supported by sibyl")),
        Statement::DropIndex(s) => return missing_object(schema, s.if_exists, "Index", &s.name, current_keyspace),
        Statement::DropMaterializedView(s) => {
            return missing_object(schema, s.if_exists, "Materialized view", &s.name, current_keyspace)
        }
        Statement::DropFunction(s) | Statement::DropAggregate(s) => {
            if s.if_exists {
                return Ok(unchanged(schema));
            }
            let what = if matches!(stmt, Statement::DropFunction(_)) { "function" } else { "aggregate" };
            let ks = resolve_keyspace(s.name.keyspace.as_ref(), current_keyspace)?;
            return Err(invalid(format!("Unconfigured {what} {ks}.{}", s.name.name.as_str())));
        }
        Statement::DropTrigger(s) => {
            if s.if_exists {
                return Ok(unchanged(schema));
            }
            let ks = resolve_keyspace(s.table.keyspace.as_ref(), current_keyspace)?;
            return Err(invalid(format!(
                "Trigger '{}' on '{ks}.{}' doesn't exist",
                s.name.as_str(),
                s.table.name.as_str()
            )));
        }
        other => return Err(invalid(format!("Not a schema statement: {other}"))),
    };
    let Some((new_schema, change)) = new_schema else {
        return Ok(unchanged(schema));
    };
    // An ALTER to the values already there changes nothing: Cassandra answers Void.
    if new_schema == *schema {
        return Ok(unchanged(schema));
    }
    Ok(DdlOutcome { schema: new_schema, change: Some(change) })
}

fn unchanged(schema: &Schema) -> DdlOutcome {
    DdlOutcome { schema: schema.clone(), change: None }
}

/// What a statement produced: the new schema and its change, or `None` for a no-op.
pub(crate) type Applied = Option<(Schema, SchemaChange)>;

fn missing_object(
    schema: &Schema,
    if_exists: bool,
    what: &str,
    name: &crate::ast::QualifiedName,
    current_keyspace: Option<&str>,
) -> Result<DdlOutcome, DdlError> {
    let ks = resolve_keyspace(name.keyspace.as_ref(), current_keyspace)?;
    if if_exists {
        return Ok(unchanged(schema));
    }
    Err(invalid(format!("{what} '{ks}.{}' doesn't exist", name.name.as_str())))
}

/// The keyspace of a name: its own, else the current one.
pub(crate) fn resolve_keyspace(keyspace: Option<&Ident>, current: Option<&str>) -> Result<String, DdlError> {
    match (keyspace, current) {
        (Some(k), _) => Ok(k.as_str().to_string()),
        (None, Some(c)) => Ok(c.to_string()),
        (None, None) => {
            Err(invalid("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename"))
        }
    }
}

/// Local system keyspaces (LocalStrategy, hard-coded), including the virtual ones.
const LOCAL_SYSTEM_KEYSPACES: &[&str] = &["system", "system_schema", "system_views", "system_virtual_schema"];
/// Replicated system keyspaces: only their replication may be altered.
const REPLICATED_SYSTEM_KEYSPACES: &[&str] = &["system_auth", "system_distributed", "system_traces"];

/// Whether `name` is one of Cassandra's system keyspaces.
pub fn is_system_keyspace(name: &str) -> bool {
    let lower = name.to_lowercase();
    LOCAL_SYSTEM_KEYSPACES.contains(&lower.as_str()) || REPLICATED_SYSTEM_KEYSPACES.contains(&lower.as_str())
}

/// A DDL permission (Cassandra's `Permission`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Perm {
    Create,
    Alter,
    Drop,
}

/// What a DDL statement touches (Cassandra's `DataResource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resource<'a> {
    Keyspace(&'a str),
    AllTables(&'a str),
    Table(&'a str, &'a str),
}

/// `ClientState.preventSystemKSSchemaModification`: the authorization step, before execution.
pub(crate) fn authorize(resource: Resource<'_>, perm: Perm) -> Result<(), DdlError> {
    let keyspace = match resource {
        Resource::Keyspace(k) | Resource::AllTables(k) | Resource::Table(k, _) => k,
    };
    let lower = keyspace.to_lowercase();
    if LOCAL_SYSTEM_KEYSPACES.contains(&lower.as_str()) {
        return Err(DdlError::Unauthorized(format!("{keyspace} keyspace is not user-modifiable.")));
    }
    if REPLICATED_SYSTEM_KEYSPACES.contains(&lower.as_str()) {
        if perm == Perm::Alter && matches!(resource, Resource::Keyspace(_)) {
            return Ok(());
        }
        let perm = match perm {
            Perm::Create => "CREATE",
            Perm::Alter => "ALTER",
            Perm::Drop => "DROP",
        };
        let resource = match resource {
            Resource::Keyspace(k) => format!("<keyspace {k}>"),
            Resource::AllTables(k) => format!("<all tables in {k}>"),
            Resource::Table(k, t) => format!("<table {k}.{t}>"),
        };
        return Err(DdlError::Unauthorized(format!("Cannot {perm} {resource}")));
    }
    Ok(())
}

/// `AlterSchemaStatement.execute`'s checks before applying: system keyspaces, the name's form.
pub(crate) fn check_keyspace(keyspace: &str) -> Result<(), DdlError> {
    if LOCAL_SYSTEM_KEYSPACES.contains(&keyspace.to_lowercase().as_str()) {
        return Err(invalid(format!("System keyspace '{keyspace}' is not user-modifiable")));
    }
    if !is_valid_name(keyspace) {
        return Err(invalid(format!(
            "Keyspace name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore \
             characters (got '{keyspace}')"
        )));
    }
    Ok(())
}

/// `SchemaConstants.isValidName`: 1 to 48 word characters.
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 48 && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// `schema` with keyspace `ks` replaced (or added).
pub(crate) fn with_keyspace(schema: &Schema, ks: KeyspaceDef) -> Schema {
    let mut out = schema.clone();
    out.keyspaces.insert(ks.name.clone(), Arc::new(ks));
    out
}

const KEYSPACE_OPTIONS: &[&str] = &["durable_writes", "replication"];

/// The `replication` map of a keyspace statement, checked as `KeyspaceAttributes.validate`.
fn replication_property(props: &Props) -> Result<Option<std::collections::BTreeMap<String, String>>, DdlError> {
    props.validate_names(KEYSPACE_OPTIONS)?;
    let map = props.map("replication")?;
    if let Some(m) = &map {
        if !m.contains_key("class") {
            return Err(DdlError::ConfigurationError("Missing replication strategy class".to_string()));
        }
    }
    Ok(map)
}

fn create_keyspace(schema: &Schema, s: &CreateKeyspaceStatement, ctx: &DdlContext) -> Result<Applied, DdlError> {
    let name = s.name.as_str();
    check_keyspace(name)?;
    let props = Props::new(&s.properties);
    let map = replication_property(&props)?;
    let Some(map) = map else {
        return Err(invalid("Missing mandatory option 'replication'"));
    };
    if schema.keyspace(name).is_some() {
        if s.if_not_exists {
            return Ok(None);
        }
        return Err(DdlError::AlreadyExists {
            keyspace: name.to_string(),
            table: String::new(),
            message: format!("Cannot add existing keyspace \"{name}\""),
        });
    }
    let durable_writes = props.boolean("durable_writes")?.unwrap_or(true);
    let replication = replication(name, &map, None, &ctx.datacenters)?;
    let ks = KeyspaceDef::new(name, replication, durable_writes);
    Ok(Some((
        with_keyspace(schema, ks),
        SchemaChange::Keyspace { change: ChangeType::Created, keyspace: name.to_string() },
    )))
}

fn alter_keyspace(schema: &Schema, s: &AlterKeyspaceStatement, ctx: &DdlContext) -> Result<Applied, DdlError> {
    let name = s.name.as_str();
    authorize(Resource::Keyspace(name), Perm::Alter)?;
    check_keyspace(name)?;
    let props = Props::new(&s.properties);
    let map = replication_property(&props)?;
    let Some(old) = schema.keyspace(name) else {
        if s.if_exists {
            return Ok(None);
        }
        return Err(invalid(format!("Keyspace '{name}' doesn't exist")));
    };
    let mut ks = KeyspaceDef::clone(old);
    ks.durable_writes = props.boolean("durable_writes")?.unwrap_or(old.durable_writes);
    ks.replication = match &map {
        Some(m) => replication(name, m, Some(&old.replication), &ctx.datacenters)?,
        None => old.replication.clone(),
    };
    Ok(Some((
        with_keyspace(schema, ks),
        SchemaChange::Keyspace { change: ChangeType::Updated, keyspace: name.to_string() },
    )))
}

fn drop_keyspace(schema: &Schema, s: &DropStatement) -> Result<Applied, DdlError> {
    let name = s.name.name.as_str();
    authorize(Resource::Keyspace(name), Perm::Drop)?;
    check_keyspace(name)?;
    if schema.keyspace(name).is_none() {
        if s.if_exists {
            return Ok(None);
        }
        return Err(invalid(format!("Keyspace '{name}' doesn't exist")));
    }
    let mut out = schema.clone();
    out.keyspaces.remove(name);
    Ok(Some((out, SchemaChange::Keyspace { change: ChangeType::Dropped, keyspace: name.to_string() })))
}

#[cfg(test)]
#[path = "ddl_tests.rs"]
mod tests;
