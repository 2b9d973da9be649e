//! Tables: `CREATE`/`ALTER`/`DROP TABLE` with Cassandra 5.0's primary key, column, counter and
//! option rules (`CreateTableStatement`, `AlterTableStatement`, `TableMetadata.validate`).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::ddl::{
    authorize, check_keyspace, invalid, is_valid_name, resolve_keyspace, with_keyspace, Applied, DdlContext, DdlError,
    Perm, Resource,
};
use super::ddl_type::{expand_user_types, resolve_type};
use super::java::parse_uuid;
use super::options::{table_params, Props};
use super::{
    column_storage_id, ChangeType, ClusteringOrder, ColumnDef, ColumnKind, DroppedColumn, KeyspaceDef, Schema,
    SchemaChange, TableDef,
};
use crate::ast::{
    AlterTableAction, AlterTableStatement, CreateTableStatement, Direction, DropStatement, Ident, QualifiedName,
    TableElement, TableOption,
};
use crate::types::{maybe_quote, CqlType};

/// `ColumnMask.DISABLED_ERROR_MESSAGE`: masks need `dynamic_data_masking_enabled`, off by default.
const MASKING_DISABLED: &str = "Cannot mask columns because dynamic data masking is not enabled. You can enable it \
                                with the dynamic_data_masking_enabled property on cassandra.yaml";

/// `QualifiedName.toString()` as the statement wrote it.
fn written_name(name: &QualifiedName) -> String {
    match &name.keyspace {
        Some(k) => format!("{}.{}", k.as_str(), name.name.as_str()),
        None => name.name.as_str().to_string(),
    }
}

/// `TableMetadata.toString()`: `ks.t`, quoted where needed.
pub(crate) fn table_display(keyspace: &str, table: &str) -> String {
    format!("{}.{}", maybe_quote(keyspace), maybe_quote(table))
}

/// The column definitions, key and clustering order of a `CREATE TABLE`, as Cassandra's
/// grammar collects them (`CreateTableStatement.Raw`), with its parse-time checks.
struct RawTable<'a> {
    columns: Vec<(&'a Ident, &'a crate::ast::ColumnDefinition)>,
    partition_key: Vec<&'a Ident>,
    clustering: Vec<&'a Ident>,
    order: Vec<(&'a Ident, Direction)>,
    compact_storage: bool,
    properties: Vec<crate::ast::Property>,
}

fn collect(s: &CreateTableStatement) -> Result<RawTable<'_>, DdlError> {
    let name = written_name(&s.name);
    let mut raw = RawTable {
        columns: Vec::new(),
        partition_key: Vec::new(),
        clustering: Vec::new(),
        order: Vec::new(),
        compact_storage: false,
        properties: Vec::new(),
    };
    let mut has_key = false;
    let multiple = || invalid(format!("Multiple PRIMARY KEY specified for table '{name}' (exactly one required)"));
    for e in &s.elements {
        match e {
            TableElement::Column(c) => {
                if raw.columns.iter().any(|(n, _)| *n == &c.name) {
                    return Err(invalid(format!(
                        "Duplicate column '{}' declaration for table '{name}'",
                        c.name.as_str()
                    )));
                }
                raw.columns.push((&c.name, c));
                if c.primary_key {
                    if has_key {
                        return Err(multiple());
                    }
                    has_key = true;
                    raw.partition_key = vec![&c.name];
                }
            }
            TableElement::PrimaryKey(pk) => {
                if has_key {
                    return Err(multiple());
                }
                has_key = true;
                raw.partition_key = pk.partition_key.iter().collect();
                raw.clustering = pk.clustering_columns.iter().collect();
            }
        }
    }
    for o in &s.options {
        match o {
            TableOption::Property(p) => raw.properties.push(p.clone()),
            TableOption::CompactStorage => raw.compact_storage = true,
            TableOption::ClusteringOrder(cols) => {
                for (c, d) in cols {
                    if raw.order.iter().any(|(n, _)| *n == c) {
                        return Err(invalid(format!(
                            "Duplicate column '{}' in CLUSTERING ORDER BY clause for table '{name}'",
                            c.as_str()
                        )));
                    }
                    raw.order.push((c, *d));
                }
            }
        }
    }
    if !has_key {
        return Err(invalid(format!("No PRIMARY KEY specifed for table '{name}' (exactly one required)")));
    }
    Ok(raw)
}

/// Refuses a column name whose storage id (derived from the name) is already used in the table
/// by another name, current or dropped: sibyl's cells are keyed by that id.
fn check_storage_id(table: &TableDef, name: &str) -> Result<(), DdlError> {
    let id = column_storage_id(name);
    let clash = table
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .chain(table.dropped_columns.keys().map(String::as_str))
        .find(|other| *other != name && column_storage_id(other) == id);
    match clash {
        Some(other) => Err(invalid(format!(
            "Column name '{name}' cannot be used in table {}: its internal id collides with column '{other}'",
            table_display(&table.keyspace, &table.name)
        ))),
        None => Ok(()),
    }
}

/// `TableMetadata.validate`: the table name, and no mixing of counter and other columns.
fn validate_table(table: &TableDef, counter: bool) -> Result<(), DdlError> {
    if !is_valid_name(&table.name) {
        return Err(DdlError::ConfigurationError(format!(
            "Table name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore \
             characters (got \"{}\")",
            table.name
        )));
    }
    for c in table.columns.iter().filter(|c| !c.is_primary_key()) {
        if counter && !c.ty.is_counter() {
            return Err(DdlError::ConfigurationError(format!(
                "Cannot have a non counter column (\"{}\") in a counter table",
                c.name
            )));
        }
        if !counter && c.ty.is_counter() {
            return Err(DdlError::ConfigurationError(format!(
                "Cannot have a counter column (\"{}\") in a non counter table",
                c.name
            )));
        }
    }
    for c in &table.columns {
        check_storage_id(table, &c.name)?;
    }
    Ok(())
}

/// Whether a non-frozen user type nests a non-frozen collection or user type.
fn nested_multi_cell_in_udt(ty: &CqlType) -> bool {
    match ty {
        CqlType::Udt { fields, frozen: false, .. } => fields.iter().any(|(_, t)| t.is_multi_cell()),
        _ => false,
    }
}

pub(crate) fn create_table(
    schema: &Schema,
    s: &CreateTableStatement,
    current_keyspace: Option<&str>,
    ctx: &DdlContext,
) -> Result<Applied, DdlError> {
    let keyspace = resolve_keyspace(s.name.keyspace.as_ref(), current_keyspace)?;
    let raw = collect(s)?;
    let table_name = s.name.name.as_str();
    authorize(Resource::AllTables(&keyspace), Perm::Create)?;
    if raw.compact_storage {
        return Err(invalid(
            "Guardrail compact_tables violated: Creation of new COMPACT STORAGE tables is not allowed",
        ));
    }
    if raw.columns.iter().any(|(_, c)| c.mask.is_some()) {
        return Err(invalid(MASKING_DISABLED));
    }
    check_keyspace(&keyspace)?;
    let Some(ks) = schema.keyspace(&keyspace) else {
        return Err(invalid(format!("Keyspace '{keyspace}' doesn't exist")));
    };
    if ks.tables.contains_key(table_name) {
        if s.if_not_exists {
            return Ok(None);
        }
        return Err(DdlError::AlreadyExists {
            keyspace: keyspace.clone(),
            table: table_name.to_string(),
            message: format!("Cannot add already existing table \"{table_name}\" to keyspace \"{keyspace}\""),
        });
    }
    let props = Props::new(&raw.properties);
    let params = table_params(&props, None)?;
    let id = match props.string("id")? {
        Some(text) => parse_uuid(text).ok_or_else(|| DdlError::ConfigurationError("Invalid table id".to_string()))?,
        None => ctx.new_table_id,
    };

    let mut types: BTreeMap<&str, CqlType> = BTreeMap::new();
    for (name, c) in &raw.columns {
        let ty = resolve_type(&c.cql_type, ks)?;
        ty.validate_column_type().map_err(|e| invalid(e.to_string()))?;
        types.insert(name.as_str(), ty);
    }
    if types.values().any(nested_multi_cell_in_udt) {
        return Err(invalid("Non-frozen UDTs with nested non-frozen collections are not supported"));
    }
    let is_static = |n: &Ident| raw.columns.iter().any(|(c, d)| *c == n && d.is_static);
    let mut seen: Vec<&Ident> = Vec::new();
    for col in raw.partition_key.iter().chain(&raw.clustering) {
        let Some(ty) = types.get(col.as_str()) else {
            return Err(invalid(format!(
                "Unknown column '{}' referenced in PRIMARY KEY for table '{table_name}'",
                col.as_str()
            )));
        };
        if seen.contains(col) {
            return Err(invalid(format!(
                "Duplicate column '{}' in PRIMARY KEY clause for table '{table_name}'",
                col.as_str()
            )));
        }
        seen.push(col);
        ty.validate_primary_key_column(col.as_str()).map_err(|e| invalid(e.to_string()))?;
        if is_static(col) {
            return Err(invalid(format!("Static column '{}' cannot be part of the PRIMARY KEY", col.as_str())));
        }
    }
    let not_clustering: Vec<&str> =
        raw.order.iter().filter(|(c, _)| !raw.clustering.contains(c)).map(|(c, _)| c.as_str()).collect();
    if !not_clustering.is_empty() {
        return Err(invalid(format!(
            "Only clustering key columns can be defined in CLUSTERING ORDER directive: [{}] are not clustering columns",
            not_clustering.join(", ")
        )));
    }
    for (i, (id, _)) in raw.order.iter().enumerate() {
        let expected = raw.clustering[i];
        if *id != expected {
            if raw.order.iter().any(|(c, _)| *c == expected) {
                return Err(invalid(format!(
                    "The order of columns in the CLUSTERING ORDER directive must match that of the clustering columns \
                     ({} must appear before {})",
                    expected.as_str(),
                    id.as_str()
                )));
            }
            return Err(invalid(format!("Missing CLUSTERING ORDER for column {}", expected.as_str())));
        }
    }
    let any_static = raw.columns.iter().any(|(_, c)| c.is_static);
    if raw.clustering.is_empty() && any_static {
        return Err(invalid(
            "Static columns are only useful (and thus allowed) if the table has at least one clustering column",
        ));
    }
    let counter = types.values().any(CqlType::is_counter);
    if counter {
        let key: Vec<&Ident> = raw.partition_key.iter().chain(&raw.clustering).copied().collect();
        if types.iter().any(|(n, t)| !key.iter().any(|k| k.as_str() == *n) && !t.is_counter()) {
            return Err(invalid("Cannot mix counter and non counter columns in the same table"));
        }
        if params.default_time_to_live > 0 {
            return Err(invalid("Cannot set default_time_to_live on a table with counters"));
        }
    }

    let mut columns = Vec::with_capacity(types.len());
    for (i, c) in raw.partition_key.iter().enumerate() {
        let ty = types.remove(c.as_str()).unwrap_or(CqlType::Blob);
        let position = i32::try_from(i).unwrap_or(i32::MAX);
        columns.push(ColumnDef {
            name: c.as_str().to_string(),
            ty,
            kind: ColumnKind::PartitionKey,
            position,
            order: ClusteringOrder::None,
        });
    }
    for (i, c) in raw.clustering.iter().enumerate() {
        let ty = types.remove(c.as_str()).unwrap_or(CqlType::Blob);
        let desc = raw.order.iter().any(|(o, d)| o == c && *d == Direction::Desc);
        let position = i32::try_from(i).unwrap_or(i32::MAX);
        let order = if desc { ClusteringOrder::Desc } else { ClusteringOrder::Asc };
        columns.push(ColumnDef { name: c.as_str().to_string(), ty, kind: ColumnKind::Clustering, position, order });
    }
    for (name, ty) in types {
        let kind = if raw.columns.iter().any(|(c, d)| c.as_str() == name && d.is_static) {
            ColumnKind::Static
        } else {
            ColumnKind::Regular
        };
        columns.push(ColumnDef { name: name.to_string(), ty, kind, position: -1, order: ClusteringOrder::None });
    }
    let mut table = TableDef {
        keyspace: keyspace.clone(),
        name: table_name.to_string(),
        id,
        columns,
        params,
        dropped_columns: BTreeMap::new(),
    };
    table.sort_columns();
    validate_table(&table, counter)?;
    let mut new_ks = KeyspaceDef::clone(ks);
    new_ks.tables.insert(table_name.to_string(), Arc::new(table));
    Ok(Some((
        with_keyspace(schema, new_ks),
        SchemaChange::Table { change: ChangeType::Created, keyspace, table: table_name.to_string() },
    )))
}

pub(crate) fn drop_table(
    schema: &Schema,
    s: &DropStatement,
    current_keyspace: Option<&str>,
) -> Result<Applied, DdlError> {
    let keyspace = resolve_keyspace(s.name.keyspace.as_ref(), current_keyspace)?;
    let name = s.name.name.as_str();
    authorize(Resource::Table(&keyspace, name), Perm::Drop)?;
    check_keyspace(&keyspace)?;
    let Some(ks) = schema.keyspace(&keyspace).filter(|k| k.tables.contains_key(name)) else {
        if s.if_exists {
            return Ok(None);
        }
        return Err(invalid(format!("Table '{keyspace}.{name}' doesn't exist")));
    };
    let mut new_ks = KeyspaceDef::clone(ks);
    new_ks.tables.remove(name);
    Ok(Some((
        with_keyspace(schema, new_ks),
        SchemaChange::Table { change: ChangeType::Dropped, keyspace, table: name.to_string() },
    )))
}

pub(crate) fn alter_table(
    schema: &Schema,
    s: &AlterTableStatement,
    current_keyspace: Option<&str>,
    ctx: &DdlContext,
) -> Result<Applied, DdlError> {
    let keyspace = resolve_keyspace(s.name.keyspace.as_ref(), current_keyspace)?;
    let name = s.name.name.as_str();
    authorize(Resource::Table(&keyspace, name), Perm::Alter)?;
    let masking = match &s.action {
        AlterTableAction::AlterColumnMask { mask, .. } => mask.is_some(),
        AlterTableAction::Add { columns, .. } => columns.iter().any(|c| c.mask.is_some()),
        _ => false,
    };
    if masking {
        return Err(invalid(MASKING_DISABLED));
    }
    check_keyspace(&keyspace)?;
    let Some((ks, table)) = schema.keyspace(&keyspace).and_then(|k| k.tables.get(name).map(|t| (k, t))) else {
        if s.if_exists {
            return Ok(None);
        }
        return Err(invalid(format!("Table '{keyspace}.{name}' doesn't exist")));
    };
    let display = table_display(&keyspace, name);
    let counter = table.is_counter();
    let mut t = TableDef::clone(table);
    match &s.action {
        AlterTableAction::AlterColumnType { .. } => {
            return Err(invalid("Altering column types is no longer supported"))
        }
        AlterTableAction::AlterColumnMask { if_column_exists, column, .. } => {
            if t.column(column.as_str()).is_none() && !*if_column_exists {
                return Err(invalid(format!("Column with name '{}' doesn't exist on table '{name}'", column.as_str())));
            }
            // No column has a mask (they cannot be created), so dropping one changes nothing.
            return Ok(None);
        }
        AlterTableAction::DropCompactStorage => {
            return Err(invalid("DROP COMPACT STORAGE is disabled. Enable in cassandra.yaml to use."))
        }
        AlterTableAction::Add { if_not_exists, columns } => {
            for c in columns {
                let cname = c.name.as_str();
                let ty = resolve_type(&c.cql_type, ks)?;
                ty.validate_column_type().map_err(|e| invalid(e.to_string()))?;
                if t.column(cname).is_some() {
                    if *if_not_exists {
                        continue;
                    }
                    return Err(invalid(format!("Column with name '{cname}' already exists")));
                }
                if c.is_static && t.clustering().next().is_none() {
                    return Err(invalid(
                        "Static columns are only useful (and thus allowed) if the table has at least one clustering \
                         column",
                    ));
                }
                if nested_multi_cell_in_udt(&ty) {
                    return Err(invalid(format!(
                        "Non-frozen UDTs with nested non-frozen collections are not supported for column {cname}"
                    )));
                }
                if let Some(dropped) = t.dropped_columns.get(cname) {
                    if !serialization_compatible(&ty, &dropped.ty) {
                        return Err(invalid(format!(
                            "Cannot re-add previously dropped column '{cname}' of type {ty}, incompatible with \
                             previous type {}",
                            dropped.ty
                        )));
                    }
                    let was_static = dropped.kind == ColumnKind::Static;
                    if was_static != c.is_static {
                        let kind = |s: bool| if s { "STATIC" } else { "REGULAR" };
                        return Err(invalid(format!(
                            "Cannot re-add previously dropped column '{cname}' of kind {}, incompatible with previous \
                             kind {}",
                            kind(c.is_static),
                            kind(was_static)
                        )));
                    }
                    if counter {
                        return Err(invalid(format!("Cannot re-add previously dropped counter column {cname}")));
                    }
                }
                let kind = if c.is_static { ColumnKind::Static } else { ColumnKind::Regular };
                t.columns.push(ColumnDef {
                    name: cname.to_string(),
                    ty,
                    kind,
                    position: -1,
                    order: ClusteringOrder::None,
                });
            }
            t.sort_columns();
            validate_table(&t, counter)?;
        }
        AlterTableAction::Drop { if_exists, columns, timestamp } => {
            let time = match timestamp {
                Some(ts) => ts.parse::<i64>().map_err(|_| invalid(format!("Invalid timestamp {ts}")))?,
                None => ctx.now_micros,
            };
            for c in columns {
                let cname = c.as_str();
                let Some(col) = t.column(cname).cloned() else {
                    if *if_exists || columns.iter().filter(|o| *o == c).count() > 1 {
                        continue;
                    }
                    return Err(invalid(format!("Column {cname} was not found in table '{display}'")));
                };
                if col.is_primary_key() {
                    return Err(invalid(format!("Cannot drop PRIMARY KEY column {cname}")));
                }
                if col.ty.is_udt() && col.ty.is_multi_cell() {
                    return Err(invalid(format!("Cannot drop non-frozen column {cname} of user type {}", col.ty)));
                }
                t.columns.retain(|x| x.name != cname);
                let dropped =
                    DroppedColumn { ty: expand_user_types(&col.ty), kind: col.kind, dropped_time_micros: time };
                t.dropped_columns.insert(cname.to_string(), dropped);
            }
        }
        AlterTableAction::Rename { if_exists, renames } => {
            for (old, new) in renames {
                let (old, new) = (old.as_str(), new.as_str());
                let Some(col) = t.column(old) else {
                    if *if_exists {
                        continue;
                    }
                    return Err(invalid(format!("Column {old} was not found in table {display}")));
                };
                if !col.is_primary_key() {
                    return Err(invalid(format!("Cannot rename non PRIMARY KEY column {old}")));
                }
                if table.column(new).is_some() || t.column(new).is_some() {
                    return Err(invalid(format!(
                        "Cannot rename column {old} to {new} in table '{display}'; another column with that name \
                         already exists"
                    )));
                }
                for c in t.columns.iter_mut().filter(|c| c.name == old) {
                    c.name = new.to_string();
                }
            }
            validate_table(&t, counter)?;
        }
        AlterTableAction::With(properties) => {
            let props = Props::new(properties);
            props.validate_names(super::options::TABLE_OPTIONS)?;
            if props.has("id") {
                return Err(DdlError::ConfigurationError("Cannot alter table id.".to_string()));
            }
            let params = table_params(&props, Some(&table.params))?;
            if counter && params.default_time_to_live > 0 {
                return Err(invalid("Cannot set default_time_to_live on a table with counters"));
            }
            t.params = params;
        }
    }
    let mut new_ks = KeyspaceDef::clone(ks);
    new_ks.tables.insert(name.to_string(), Arc::new(t));
    Ok(Some((
        with_keyspace(schema, new_ks),
        SchemaChange::Table { change: ChangeType::Updated, keyspace, table: name.to_string() },
    )))
}

/// Whether values written as `old` read correctly as `new` (Cassandra's
/// `isSerializationCompatibleWith`, for the types sibyl has).
pub(crate) fn serialization_compatible(new: &CqlType, old: &CqlType) -> bool {
    if new == old {
        return true;
    }
    if new.is_multi_cell() || old.is_multi_cell() {
        return match (new, old) {
            (CqlType::List { element: a, frozen: false }, CqlType::List { element: b, frozen: false })
            | (CqlType::Set { element: a, frozen: false }, CqlType::Set { element: b, frozen: false }) => {
                value_compatible(a, b)
            }
            (
                CqlType::Map { key: ka, value: va, frozen: false },
                CqlType::Map { key: kb, value: vb, frozen: false },
            ) => ka == kb && value_compatible(va, vb),
            _ => false,
        };
    }
    value_compatible(new, old)
}

/// `isValueCompatibleWith`: every serialized value of `old` is a valid value of `new`.
fn value_compatible(new: &CqlType, old: &CqlType) -> bool {
    use CqlType as T;
    new == old
        || matches!(
            (new, old),
            (T::Blob, _)
                | (T::Text, T::Ascii)
                | (T::Varint, T::Int | T::Bigint)
                | (T::Timestamp, T::Bigint)
                | (T::Bigint, T::Timestamp)
        )
}
