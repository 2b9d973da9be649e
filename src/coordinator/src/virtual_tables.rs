//! The virtual keyspaces `system_virtual_schema` and `system_views` (Cassandra 4.0+'s
//! `VirtualKeyspaceRegistry`). Their tables live in storage like any other table, so every
//! `SELECT` form works on them, but clients may only read them: a write is refused as
//! Cassandra's read-only virtual tables refuse it. The node writes their rows itself, bypassing
//! that check, each time what they show is settled:
//!
//! - `system_virtual_schema.keyspaces`, `.tables`, `.columns` describe the virtual keyspaces
//!   (which `system_schema` does not), written on every start ([`write_virtual_schema`]);
//! - `system_views.settings` holds the settings the node knows about itself, written with
//!   `system.local` ([`write_settings`]).
//!
//! Each write replaces the table's whole content: the partitions found are deleted just below
//! the new rows' timestamp.

use sibyl_cql::parse_statement;
use sibyl_cql::plan::error::{invalid, CqlResult};
use sibyl_cql::plan::modify::ModificationPlan;
use sibyl_cql::plan::vars::BindCtx;
use sibyl_cql::plan::{plan, BoundValue, CqlError, Plan};
use sibyl_cql::schema::system::{is_virtual_keyspace, VIEWS_KEYSPACE, VIRTUAL_SCHEMA_KEYSPACE};
use sibyl_cql::schema::tables::schema_rows;
use sibyl_cql::schema::{Schema, TableDef};
use sibyl_cql::types::maybe_quote;
use sibyl_cql::value::CqlValue;

use crate::clock::ExecEnv;
use crate::local::{LocalNode, PARTITIONER};
use crate::mapping::storage_error;
use crate::processor::{expect_rows, QueryProcessor};
use crate::result::QueryOptions;
use crate::write::{bind_target, build_mutations, WriteParams};

/// `TableMetadata.toString()`: `ks.table`, each quoted if needed.
fn table_name(def: &TableDef) -> String {
    format!("{}.{}", maybe_quote(&def.keyspace), maybe_quote(&def.name))
}

/// Refuses a client's write to a virtual table with Cassandra's messages: an expiring or
/// conditional one as `ModificationStatement.validate` does, any other as the read-only
/// `AbstractVirtualTable.apply` does.
pub fn check_writable(plan: &ModificationPlan) -> CqlResult<()> {
    let def = &plan.table.def;
    if !is_virtual_keyspace(&def.keyspace) {
        return Ok(());
    }
    if plan.ttl.is_some() {
        return invalid("Expiring columns are not supported by virtual tables");
    }
    if plan.has_conditions() {
        return invalid("Conditional updates are not supported by virtual tables");
    }
    invalid(format!("Modification is not supported by table {}", table_name(def)))
}

/// `TRUNCATE` of a virtual table: refused as `AbstractVirtualTable.truncate` does.
pub fn check_truncatable(def: &TableDef) -> CqlResult<()> {
    if is_virtual_keyspace(&def.keyspace) {
        return invalid(format!("Truncation is not supported by table {}", table_name(def)));
    }
    Ok(())
}

/// Applies `cql` (an `INSERT` or `DELETE` without conditions, keyspace named) with `values` at
/// `timestamp`, to any table: the node's own writes, which [`check_writable`] does not refuse.
fn write_internal(p: &QueryProcessor, cql: &str, values: Vec<BoundValue>, timestamp: i64) -> CqlResult<()> {
    let schema = p.schema();
    let Plan::Modification(m) = plan(&parse_statement(cql)?, &schema, None)? else {
        return Err(CqlError::Server(format!("not a write: {cql}")));
    };
    let inner = p.inner();
    let micros = inner.clock.now_micros();
    let now = u32::try_from(micros.div_euclid(1_000_000)).unwrap_or(0);
    let mut env = ExecEnv { now_micros: micros, sequencer: &inner.sequencer };
    let mut ctx = BindCtx { values: &values, vars: &m.vars, env: &mut env };
    let params = WriteParams { timestamp, ttl: 0, now };
    let target = bind_target(&m, &mut ctx)?;
    for mutation in build_mutations(inner, &m, &target, &params, &mut ctx)? {
        inner.engine.apply(&mutation).map_err(storage_error)?;
    }
    Ok(())
}

/// Replaces every row of the (virtual) table `keyspace.table` with `rows` (each its columns'
/// values by name) written at `timestamp`.
fn replace_rows(
    p: &QueryProcessor,
    keyspace: &str,
    table: &str,
    rows: &[Vec<(String, CqlValue)>],
    timestamp: i64,
) -> CqlResult<()> {
    let def = p
        .schema()
        .table(keyspace, table)
        .cloned()
        .ok_or_else(|| CqlError::Server(format!("no table {keyspace}.{table}")))?;
    let serialize = |name: &str, value: &CqlValue| -> CqlResult<BoundValue> {
        let col = def.column(name).ok_or_else(|| CqlError::Server(format!("no column {name} in {table}")))?;
        Ok(BoundValue::Value(value.serialize(&col.ty).map_err(|e| CqlError::Server(e.to_string()))?))
    };
    let pk: Vec<String> = def.partition_key().map(|c| maybe_quote(&c.name)).collect();
    let name = table_name(&def);
    let existing =
        expect_rows(p.query(&format!("SELECT DISTINCT {} FROM {name}", pk.join(", ")), &QueryOptions::default())?)?;
    let key_match = pk.iter().map(|c| format!("{c} = ?")).collect::<Vec<_>>().join(" AND ");
    let delete = format!("DELETE FROM {name} USING TIMESTAMP {} WHERE {key_match}", timestamp - 1);
    for key in existing.rows {
        let values = key.into_iter().map(|v| v.map_or(BoundValue::Null, BoundValue::Value)).collect();
        write_internal(p, &delete, values, timestamp - 1)?;
    }
    for row in rows {
        let names: Vec<String> = row.iter().map(|(n, _)| maybe_quote(n)).collect();
        let values = row.iter().map(|(n, v)| serialize(n, v)).collect::<CqlResult<Vec<_>>>()?;
        let marks = vec!["?"; names.len()].join(", ");
        let insert = format!("INSERT INTO {name} ({}) VALUES ({marks})", names.join(", "));
        write_internal(p, &insert, values, timestamp)?;
    }
    Ok(())
}

/// Writes the rows of `system_virtual_schema.keyspaces`, `.tables` and `.columns`: the virtual
/// keyspaces of `schema`, their tables (with their comments) and their columns (as
/// `system_schema.columns` describes a table's) — a no-op on a processor without them.
pub fn write_virtual_schema(p: &QueryProcessor, schema: &Schema, timestamp: i64) -> CqlResult<()> {
    if p.schema().keyspace(VIRTUAL_SCHEMA_KEYSPACE).is_none() {
        return Ok(());
    }
    let mut virtual_only = Schema::default();
    for (name, ks) in &schema.keyspaces {
        if is_virtual_keyspace(name) {
            virtual_only.keyspaces.insert(name.clone(), ks.clone());
        }
    }
    let all = schema_rows(&virtual_only);
    for table in ["keyspaces", "tables", "columns"] {
        let def = p
            .schema()
            .table(VIRTUAL_SCHEMA_KEYSPACE, table)
            .cloned()
            .ok_or_else(|| CqlError::Server(format!("no table {VIRTUAL_SCHEMA_KEYSPACE}.{table}")))?;
        let rows: Vec<Vec<(String, CqlValue)>> = all
            .iter()
            .filter(|r| r.table == table)
            .map(|r| {
                r.values
                    .iter()
                    .filter(|(n, _)| def.column(n).is_some())
                    .filter_map(|(n, v)| v.clone().map(|v| (n.clone(), v)))
                    .collect()
            })
            .collect();
        replace_rows(p, VIRTUAL_SCHEMA_KEYSPACE, table, &rows, timestamp)?;
    }
    Ok(())
}

/// Writes `system_views.settings`: the settings of `cassandra.yaml` the node knows about itself,
/// by their Cassandra names, each value as Cassandra prints it (a no-op on a processor
/// without the table).
pub fn write_settings(p: &QueryProcessor, node: &LocalNode, timestamp: i64) -> CqlResult<()> {
    if p.schema().table(VIEWS_KEYSPACE, "settings").is_none() {
        return Ok(());
    }
    let settings = [
        ("broadcast_address", node.broadcast_address.to_string()),
        ("broadcast_rpc_address", node.rpc_address.to_string()),
        ("cluster_name", node.cluster_name.clone()),
        ("listen_address", node.listen_address.to_string()),
        ("native_transport_port", node.rpc_port.to_string()),
        ("partitioner", PARTITIONER.to_string()),
        ("storage_port", node.listen_port.to_string()),
    ];
    let rows: Vec<Vec<(String, CqlValue)>> = settings
        .into_iter()
        .map(|(name, value)| {
            vec![("name".to_string(), CqlValue::Text(name.into())), ("value".into(), CqlValue::Text(value))]
        })
        .collect();
    replace_rows(p, VIEWS_KEYSPACE, "settings", &rows, timestamp)
}
