//! The schema's home: the `system_schema` tables, written and read through the engine like
//! any other table, so the schema survives restarts.
//!
//! On every schema change each keyspace whose definition changed has its `system_schema`
//! partitions deleted at `ts - 1` and rewritten at `ts` (the keyspace name is the partition
//! key of every `system_schema` table). On start the rows are read back and turned into a
//! [`Schema`] with `schema_from_rows`.
//!
//! The system keyspaces are defined in code and rewritten on every start, except that the
//! replication and durable writes of the replicated ones (`system_auth`, `system_distributed`,
//! `system_traces`) may be altered and are kept as stored. The virtual keyspaces are described
//! in `system_virtual_schema` instead (see [`crate::virtual_tables`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use sibyl_cql::schema::system::{
    is_replicated_system_keyspace, is_virtual_keyspace, system_keyspaces, SCHEMA_KEYSPACE, SCHEMA_TABLES,
};
use sibyl_cql::schema::tables::{schema_from_rows, schema_rows, SchemaRow};
use sibyl_cql::schema::Schema;
use sibyl_cql::types::maybe_quote;
use sibyl_cql::value::CqlValue;

use crate::processor::{expect_rows, QueryProcessor};
use crate::result::QueryOptions;
use sibyl_cql::plan::{BoundValue, CqlError, CqlResult};

/// Keyspaces whose definition lives in code, not in `system_schema`.
fn is_system_keyspace(name: &str) -> bool {
    system_keyspaces().iter().any(|k| k.name == name)
}

/// The schema with only the built-in system keyspaces.
pub fn system_schema() -> Schema {
    let mut s = Schema::default();
    for ks in system_keyspaces() {
        s.keyspaces.insert(ks.name.clone(), Arc::new(ks));
    }
    s
}

/// Installs the system keyspaces, then loads the user schema stored in `system_schema`.
pub fn bootstrap(p: &QueryProcessor) -> CqlResult<()> {
    p.set_schema(Arc::new(system_schema()))?;
    let mut rows = Vec::new();
    for table in SCHEMA_TABLES {
        let cql = format!("SELECT * FROM {SCHEMA_KEYSPACE}.{table}");
        let result = expect_rows(p.query(&cql, &QueryOptions::default())?)?;
        for r in result.rows {
            let mut values = Vec::with_capacity(r.len());
            for (spec, v) in result.metadata.iter().zip(r) {
                let value = match v {
                    Some(bytes) => Some(
                        CqlValue::deserialize(&spec.ty, &bytes)
                            .map_err(|e| CqlError::Server(format!("stored schema is unreadable: {e}")))?,
                    ),
                    None => None,
                };
                values.push((spec.name.clone(), value));
            }
            rows.push(SchemaRow { table, values });
        }
    }
    let stored = schema_from_rows(&rows).map_err(|e| CqlError::Server(e.to_string()))?;
    let mut schema = system_schema();
    for (name, ks) in stored.keyspaces {
        if !is_system_keyspace(&name) {
            schema.keyspaces.insert(name, ks);
        } else if is_replicated_system_keyspace(&name) {
            // Its tables are the code's; its replication may have been altered.
            if let Some(code) = schema.keyspaces.get(&name) {
                let mut merged = (**code).clone();
                merged.replication = ks.replication.clone();
                merged.durable_writes = ks.durable_writes;
                schema.keyspaces.insert(name, Arc::new(merged));
            }
        }
    }
    p.set_schema(Arc::new(schema.clone()))?;
    // The system keyspaces describe themselves in system_schema too (clients such as cqlsh
    // refuse to show rows of a table they cannot find there), the virtual ones in
    // system_virtual_schema. Their definition is the code's, so it is rewritten on every start.
    let ts = p.inner().clock.now_micros();
    let names: BTreeSet<&String> = schema.keyspaces.keys().filter(|k| is_system_keyspace(k)).collect();
    write_keyspaces(p, &schema, &names, ts)?;
    crate::virtual_tables::write_virtual_schema(p, &schema, ts)
}

/// Writes the `system_schema` rows of every keyspace that differs between `old` and `new`
/// (only on a processor set up with [`bootstrap`]).
pub fn persist(p: &QueryProcessor, old: &Schema, new: &Schema, ts: i64) -> CqlResult<()> {
    let changed: BTreeSet<&String> = old
        .keyspaces
        .keys()
        .chain(new.keyspaces.keys())
        .filter(|k| !is_system_keyspace(k) || is_replicated_system_keyspace(k))
        .filter(|k| old.keyspaces.get(*k) != new.keyspaces.get(*k))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    write_keyspaces(p, new, &changed, ts)
}

/// Replaces the `system_schema` rows of the keyspaces `changed` with their definitions in `new`
/// (none for a virtual keyspace: `system_schema` does not describe them).
fn write_keyspaces(p: &QueryProcessor, new: &Schema, changed: &BTreeSet<&String>, ts: i64) -> CqlResult<()> {
    let changed: BTreeSet<&String> = changed.iter().copied().filter(|k| !is_virtual_keyspace(k)).collect();
    let current = p.schema();
    if current.keyspace(SCHEMA_KEYSPACE).is_none() {
        // A processor that was not bootstrapped (tests that hand it a schema) has no
        // system_schema tables: its schema lives in memory only.
        return Ok(());
    }
    for ks in &changed {
        for table in SCHEMA_TABLES {
            let cql =
                format!("DELETE FROM {SCHEMA_KEYSPACE}.{table} USING TIMESTAMP {} WHERE keyspace_name = ?", ts - 1);
            let key = CqlValue::Text((*ks).clone())
                .serialize(&sibyl_cql::types::CqlType::Text)
                .map_err(|e| CqlError::Server(e.to_string()))?;
            p.query(&cql, &QueryOptions::with_values(vec![BoundValue::Value(key)]))?;
        }
    }
    for row in schema_rows(new) {
        let Some(CqlValue::Text(ks)) = row.get("keyspace_name") else { continue };
        if !changed.contains(ks) {
            continue;
        }
        let def = current
            .table(SCHEMA_KEYSPACE, row.table)
            .ok_or_else(|| CqlError::Server(format!("no table {SCHEMA_KEYSPACE}.{}", row.table)))?;
        let mut names = Vec::new();
        let mut values = Vec::new();
        for (name, value) in &row.values {
            let col = def
                .column(name)
                .ok_or_else(|| CqlError::Server(format!("no column {name} in {SCHEMA_KEYSPACE}.{}", row.table)))?;
            names.push(maybe_quote(name));
            values.push(match value {
                Some(v) => BoundValue::Value(v.serialize(&col.ty).map_err(|e| CqlError::Server(e.to_string()))?),
                None => BoundValue::Unset,
            });
        }
        let marks = vec!["?"; names.len()].join(", ");
        let cql = format!(
            "INSERT INTO {SCHEMA_KEYSPACE}.{} ({}) VALUES ({marks}) USING TIMESTAMP {ts}",
            row.table,
            names.join(", ")
        );
        p.query(&cql, &QueryOptions::with_values(values))?;
    }
    Ok(())
}
