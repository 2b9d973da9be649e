//! User types: `CREATE`/`ALTER`/`DROP TYPE`, and the resolution of a written type
//! ([`RawType`]) into a [`CqlType`] against a keyspace's types (Cassandra's
//! `CQL3Type.Raw.prepare`).

use std::sync::Arc;

use super::ddl::{
    authorize, check_keyspace, invalid, resolve_keyspace, with_keyspace, Applied, DdlError, Perm, Resource,
};
use super::{ChangeType, KeyspaceDef, Schema, SchemaChange, TableDef, UserType};
use crate::ast::{AlterTypeAction, AlterTypeStatement, CreateTypeStatement, DropTypeStatement, RawType};
use crate::types::{maybe_quote, CqlType};

/// Resolves `raw` in keyspace `ks` (Cassandra's `CQL3Type.Raw.prepare`): user types must exist
/// in that keyspace. Collections come back non-frozen unless written `frozen<…>`.
pub(crate) fn resolve_type(raw: &RawType, ks: &KeyspaceDef) -> Result<CqlType, DdlError> {
    Ok(match raw {
        RawType::Native(n) => {
            CqlType::native(n.as_str()).ok_or_else(|| invalid(format!("Unknown type {}", n.as_str())))?
        }
        RawType::List(e) => CqlType::List { element: Box::new(resolve_type(e, ks)?), frozen: false },
        RawType::Set(e) => CqlType::Set { element: Box::new(resolve_type(e, ks)?), frozen: false },
        RawType::Map(k, v) => {
            CqlType::Map { key: Box::new(resolve_type(k, ks)?), value: Box::new(resolve_type(v, ks)?), frozen: false }
        }
        RawType::Tuple(items) => {
            CqlType::Tuple(items.iter().map(|t| Ok(resolve_type(t, ks)?.freeze())).collect::<Result<_, DdlError>>()?)
        }
        RawType::Frozen(inner) => {
            let t = resolve_type(inner, ks)?;
            if t.is_native() {
                return Err(invalid(format!(
                    "frozen<> is only allowed on collections, tuples, and user-defined types (got {t})"
                )));
            }
            t.freeze()
        }
        RawType::UserDefined(name) => {
            if let Some(k) = &name.keyspace {
                if k.as_str() != ks.name {
                    return Err(invalid(format!(
                        "Statement on keyspace {} cannot refer to a user type in keyspace {}; user types can only be \
                         used in the keyspace they are defined in",
                        ks.name,
                        k.as_str()
                    )));
                }
            }
            let Some(t) = ks.types.get(name.name.as_str()) else {
                return Err(invalid(format!("Unknown type {}.{}", ks.name, name.name.as_str())));
            };
            udt_type(t, false)
        }
        RawType::Vector(..) => return Err(invalid("vector types are not supported by sibyl")),
        RawType::Custom(class) => return Err(invalid(format!("custom types are not supported by sibyl ('{class}')"))),
    })
}

/// The column type of user type `t`.
pub(crate) fn udt_type(t: &UserType, frozen: bool) -> CqlType {
    CqlType::Udt { keyspace: t.keyspace.clone(), name: t.name.clone(), fields: t.fields.clone(), frozen }
}

/// Whether `ty` refers (at any depth) to the user type `name` of keyspace `keyspace`.
pub(crate) fn references_udt(ty: &CqlType, keyspace: &str, name: &str) -> bool {
    match ty {
        CqlType::List { element, .. } | CqlType::Set { element, .. } => references_udt(element, keyspace, name),
        CqlType::Map { key, value, .. } => references_udt(key, keyspace, name) || references_udt(value, keyspace, name),
        CqlType::Tuple(items) => items.iter().any(|t| references_udt(t, keyspace, name)),
        CqlType::Udt { keyspace: k, name: n, fields, .. } => {
            (k == keyspace && n == name) || fields.iter().any(|(_, t)| references_udt(t, keyspace, name))
        }
        CqlType::UdtRef { name: n, .. } => n == name,
        _ => false,
    }
}

/// `ty` with every use of user type `updated` refreshed to its new fields.
fn refresh_udt(ty: &CqlType, updated: &UserType) -> CqlType {
    let boxed = |t: &CqlType| Box::new(refresh_udt(t, updated));
    match ty {
        CqlType::List { element, frozen } => CqlType::List { element: boxed(element), frozen: *frozen },
        CqlType::Set { element, frozen } => CqlType::Set { element: boxed(element), frozen: *frozen },
        CqlType::Map { key, value, frozen } => CqlType::Map { key: boxed(key), value: boxed(value), frozen: *frozen },
        CqlType::Tuple(items) => CqlType::Tuple(items.iter().map(|t| refresh_udt(t, updated)).collect()),
        CqlType::Udt { keyspace, name, fields, frozen } => {
            if *keyspace == updated.keyspace && *name == updated.name {
                udt_type(updated, *frozen)
            } else {
                let fields = fields.iter().map(|(n, t)| (n.clone(), refresh_udt(t, updated))).collect();
                CqlType::Udt { keyspace: keyspace.clone(), name: name.clone(), fields, frozen: *frozen }
            }
        }
        other => other.clone(),
    }
}

/// `ty` with user types replaced by tuples of their fields (`AbstractType.expandUserTypes`), as
/// Cassandra records the type of a dropped column.
pub(crate) fn expand_user_types(ty: &CqlType) -> CqlType {
    let boxed = |t: &CqlType| Box::new(expand_user_types(t));
    match ty {
        CqlType::List { element, frozen } => CqlType::List { element: boxed(element), frozen: *frozen },
        CqlType::Set { element, frozen } => CqlType::Set { element: boxed(element), frozen: *frozen },
        CqlType::Map { key, value, frozen } => CqlType::Map { key: boxed(key), value: boxed(value), frozen: *frozen },
        CqlType::Tuple(items) => CqlType::Tuple(items.iter().map(expand_user_types).collect()),
        CqlType::Udt { fields, .. } => {
            CqlType::Tuple(fields.iter().map(|(_, t)| expand_user_types(t).freeze()).collect())
        }
        other => other.clone(),
    }
}

/// Keyspace `ks` with user type `updated` stored and every reference to it (in other types and
/// in tables) refreshed (`KeyspaceMetadata.withUpdatedUserType`).
fn with_updated_type(ks: &KeyspaceDef, updated: UserType) -> KeyspaceDef {
    let mut out = ks.clone();
    out.types.insert(updated.name.clone(), Arc::new(updated.clone()));
    // Types that nest it, in dependency order: repeat until nothing changes.
    loop {
        let mut changed = false;
        let names: Vec<String> = out.types.keys().cloned().collect();
        for n in names {
            let Some(t) = out.types.get(&n).cloned() else { continue };
            let mut fields = t.fields.clone();
            for (_, ft) in fields.iter_mut() {
                for other in out.types.values() {
                    *ft = refresh_udt(ft, other);
                }
            }
            if fields != t.fields {
                out.types.insert(n.clone(), Arc::new(UserType { fields, ..UserType::clone(&t) }));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let types: Vec<Arc<UserType>> = out.types.values().cloned().collect();
    for table in out.tables.values_mut() {
        let mut t = TableDef::clone(table);
        for c in t.columns.iter_mut() {
            for u in &types {
                c.ty = refresh_udt(&c.ty, u);
            }
        }
        if t != **table {
            *table = Arc::new(t);
        }
    }
    out
}

/// Cassandra's `getCqlTypeName`: `ks.name`, each part quoted if needed.
fn cql_type_name(keyspace: &str, name: &str) -> String {
    format!("{}.{}", maybe_quote(keyspace), maybe_quote(name))
}

/// Checks a field type as `CREATE TYPE` does.
fn check_field_type(raw: &RawType, ty: &CqlType) -> Result<(), DdlError> {
    if ty.is_counter() {
        return Err(invalid("A user type cannot contain counters"));
    }
    if matches!(raw, RawType::UserDefined(_)) && !ty.is_frozen() {
        return Err(invalid("A user type cannot contain non-frozen UDTs"));
    }
    ty.validate_column_type().map_err(|e| invalid(e.to_string()))
}

pub(crate) fn create_type(
    schema: &Schema,
    s: &CreateTypeStatement,
    current_keyspace: Option<&str>,
) -> Result<Applied, DdlError> {
    let keyspace = resolve_keyspace(s.name.keyspace.as_ref(), current_keyspace)?;
    let name = s.name.name.as_str();
    authorize(Resource::AllTables(&keyspace), Perm::Create)?;
    check_keyspace(&keyspace)?;
    let Some(ks) = schema.keyspace(&keyspace) else {
        return Err(invalid(format!("Keyspace '{keyspace}' doesn't exist")));
    };
    if ks.types.contains_key(name) {
        if s.if_not_exists {
            return Ok(None);
        }
        return Err(invalid(format!("A user type with name '{name}' already exists")));
    }
    let mut seen: Vec<&str> = Vec::new();
    for (f, _) in &s.fields {
        if seen.contains(&f.as_str()) {
            return Err(invalid(format!("Duplicate field name '{}' in type '{name}'", f.as_str())));
        }
        seen.push(f.as_str());
    }
    let mut fields = Vec::with_capacity(s.fields.len());
    for (f, raw) in &s.fields {
        let ty = resolve_type(raw, ks)?;
        check_field_type(raw, &ty)?;
        fields.push((f.as_str().to_string(), ty));
    }
    let mut new_ks = KeyspaceDef::clone(ks);
    let udt = UserType { keyspace: keyspace.clone(), name: name.to_string(), fields };
    new_ks.types.insert(name.to_string(), Arc::new(udt));
    Ok(Some((
        with_keyspace(schema, new_ks),
        SchemaChange::Type { change: ChangeType::Created, keyspace, name: name.to_string() },
    )))
}

pub(crate) fn alter_type(
    schema: &Schema,
    s: &AlterTypeStatement,
    current_keyspace: Option<&str>,
) -> Result<Applied, DdlError> {
    let keyspace = resolve_keyspace(s.name.keyspace.as_ref(), current_keyspace)?;
    let name = s.name.name.as_str();
    authorize(Resource::AllTables(&keyspace), Perm::Alter)?;
    check_keyspace(&keyspace)?;
    let ks = schema.keyspace(&keyspace);
    let Some((ks, udt)) = ks.and_then(|k| k.types.get(name).map(|t| (k, t))) else {
        if s.if_exists {
            return Ok(None);
        }
        return Err(invalid(format!("Type {keyspace}.{name} doesn't exist")));
    };
    let type_name = cql_type_name(&keyspace, name);
    let mut updated = UserType::clone(udt);
    match &s.action {
        AlterTypeAction::AlterField { .. } => return Err(invalid("Altering field types is no longer supported")),
        AlterTypeAction::Add { if_not_exists, field, cql_type } => {
            let field = field.as_str();
            if udt.fields.iter().any(|(n, _)| n == field) {
                if *if_not_exists {
                    return Ok(None);
                }
                return Err(invalid(format!(
                    "Cannot add field {field} to type {type_name}: a field with name {field} already exists"
                )));
            }
            let ty = resolve_type(cql_type, ks)?;
            if references_udt(&ty, &keyspace, name) {
                return Err(invalid(format!(
                    "Cannot add new field {field} of type {cql_type} to user type {type_name} as it would create a \
                     circular reference"
                )));
            }
            let in_partition_key: Vec<String> = ks
                .tables
                .values()
                .filter(|t| t.partition_key().any(|c| references_udt(&c.ty, &keyspace, name)))
                .map(|t| format!("{}.{}", maybe_quote(&t.keyspace), maybe_quote(&t.name)))
                .collect();
            if !in_partition_key.is_empty() {
                return Err(invalid(format!(
                    "Cannot add new field {field} of type {cql_type} to user type {type_name} as the type is being \
                     used in partition key by the following tables: {}",
                    in_partition_key.join(", ")
                )));
            }
            check_field_type(cql_type, &ty)?;
            updated.fields.push((field.to_string(), ty));
        }
        AlterTypeAction::Rename { if_exists, renames } => {
            for (old, new) in renames {
                match updated.fields.iter_mut().find(|(n, _)| n == old.as_str()) {
                    Some(f) => f.0 = new.as_str().to_string(),
                    None if *if_exists => {}
                    None => {
                        return Err(invalid(format!("Unkown field {} in user type {type_name}", old.as_str())));
                    }
                }
            }
            for (n, _) in &updated.fields {
                if updated.fields.iter().filter(|(m, _)| m == n).count() > 1 {
                    // Cassandra passes the keyspace where it means the type.
                    return Err(invalid(format!("Duplicate field name {n} in type {keyspace}")));
                }
            }
        }
    }
    Ok(Some((
        with_keyspace(schema, with_updated_type(ks, updated)),
        SchemaChange::Type { change: ChangeType::Updated, keyspace, name: name.to_string() },
    )))
}

pub(crate) fn drop_type(
    schema: &Schema,
    s: &DropTypeStatement,
    current_keyspace: Option<&str>,
) -> Result<Applied, DdlError> {
    let keyspace = resolve_keyspace(s.name.keyspace.as_ref(), current_keyspace)?;
    let name = s.name.name.as_str();
    authorize(Resource::AllTables(&keyspace), Perm::Drop)?;
    check_keyspace(&keyspace)?;
    let Some(ks) = schema.keyspace(&keyspace).filter(|k| k.types.contains_key(name)) else {
        if s.if_exists {
            return Ok(None);
        }
        return Err(invalid(format!("Type '{keyspace}.{name}' doesn't exist")));
    };
    let types: Vec<&str> = ks
        .types
        .values()
        .filter(|t| t.name != name && t.fields.iter().any(|(_, ft)| references_udt(ft, &keyspace, name)))
        .map(|t| t.name.as_str())
        .collect();
    if !types.is_empty() {
        return Err(invalid(format!(
            "Cannot drop user type '{keyspace}.{name}' as it is still used by user types {}",
            types.join(", ")
        )));
    }
    let tables: Vec<&str> = ks
        .tables
        .values()
        .filter(|t| t.columns.iter().any(|c| references_udt(&c.ty, &keyspace, name)))
        .map(|t| t.name.as_str())
        .collect();
    if !tables.is_empty() {
        return Err(invalid(format!(
            "Cannot drop user type '{keyspace}.{name}' as it is still used by tables {}",
            tables.join(", ")
        )));
    }
    let mut new_ks = KeyspaceDef::clone(ks);
    new_ks.types.remove(name);
    Ok(Some((
        with_keyspace(schema, new_ks),
        SchemaChange::Type { change: ChangeType::Dropped, keyspace, name: name.to_string() },
    )))
}

#[cfg(test)]
#[path = "ddl_type_tests.rs"]
mod tests;
