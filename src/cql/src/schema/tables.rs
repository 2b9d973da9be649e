//! A [`Schema`] as the rows of the `system_schema` tables, and back.
//!
//! [`schema_rows`] writes what Cassandra 5.0's `SchemaKeyspace` writes: one row per keyspace,
//! table, column, user type and dropped column (the functions, aggregates, triggers, indexes,
//! views and column masks tables stay empty: sibyl has none of those). Every row carries every
//! column of its table's layout ([`super::system::schema_tables`]), `None` for a null.
//! [`schema_from_rows`] rebuilds the schema from such rows.
//!
//! As Cassandra: `cdc` is written only when true (Cassandra writes it only on nodes with
//! `cdc_enabled`), `memtable` only when not `default`, `dclocal_read_repair_chance` and
//! `read_repair_chance` as 0.0, and `dropped_time` in milliseconds (a dropped column's time
//! loses its sub-millisecond part in the round trip).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::ddl_type::udt_type;
use super::system::{COLUMNS, DROPPED_COLUMNS, KEYSPACES, TABLES, TYPES};
use super::{
    ClusteringOrder, ColumnDef, ColumnKind, DroppedColumn, KeyspaceDef, Schema, TableDef, TableParams, UserType,
};
use crate::types::CqlType;
use crate::value::CqlValue;

pub use super::system::{system_keyspaces, system_tables};

/// One row of a `system_schema` table: each column's name and value (`None` = null).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaRow {
    pub table: &'static str,
    pub values: Vec<(String, Option<CqlValue>)>,
}

impl SchemaRow {
    /// The value of column `name` (`None` if null or absent).
    pub fn get(&self, name: &str) -> Option<&CqlValue> {
        self.values.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.as_ref())
    }
}

/// Why rows could not be turned back into a schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid system_schema rows: {0}")]
pub struct SchemaRowsError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, SchemaRowsError> {
    Err(SchemaRowsError(msg.into()))
}

fn text(s: &str) -> Option<CqlValue> {
    Some(CqlValue::Text(s.to_string()))
}

fn text_map(m: &BTreeMap<String, String>) -> Option<CqlValue> {
    let entries = m.iter().map(|(k, v)| (CqlValue::Text(k.clone()), CqlValue::Text(v.clone()))).collect();
    Some(CqlValue::map(&CqlType::Text, entries))
}

fn text_list<'a>(items: impl Iterator<Item = &'a str>) -> Option<CqlValue> {
    Some(CqlValue::List(items.map(|s| CqlValue::Text(s.to_string())).collect()))
}

/// The column names of each `system_schema` table, in layout order.
struct Layouts(BTreeMap<String, Vec<String>>);

impl Layouts {
    fn new() -> Layouts {
        Layouts(
            super::system::schema_tables()
                .into_iter()
                .map(|t| (t.name, t.columns.into_iter().map(|c| c.name).collect()))
                .collect(),
        )
    }

    /// A row of `table` with every column of its layout, filled from `values`.
    fn row(&self, table: &'static str, values: Vec<(&str, Option<CqlValue>)>) -> SchemaRow {
        let mut values: BTreeMap<&str, Option<CqlValue>> = values.into_iter().collect();
        let out = match self.0.get(table) {
            Some(cols) => cols.iter().map(|c| (c.clone(), values.remove(c.as_str()).flatten())).collect(),
            None => values.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        };
        SchemaRow { table, values: out }
    }
}

/// The rows of every `system_schema` table describing `schema`.
pub fn schema_rows(schema: &Schema) -> Vec<SchemaRow> {
    let layouts = Layouts::new();
    let row = |table, values| layouts.row(table, values);
    let mut rows = Vec::new();
    for ks in schema.keyspaces.values() {
        rows.push(row(
            KEYSPACES,
            vec![
                ("keyspace_name", text(&ks.name)),
                ("durable_writes", Some(CqlValue::Boolean(ks.durable_writes))),
                ("replication", text_map(&ks.replication)),
            ],
        ));
        for t in ks.types.values() {
            rows.push(row(
                TYPES,
                vec![
                    ("keyspace_name", text(&ks.name)),
                    ("type_name", text(&t.name)),
                    ("field_names", text_list(t.fields.iter().map(|(n, _)| n.as_str()))),
                    (
                        "field_types",
                        Some(CqlValue::List(t.fields.iter().map(|(_, ty)| CqlValue::Text(ty.to_string())).collect())),
                    ),
                ],
            ));
        }
        for t in ks.tables.values() {
            rows.push(table_row(&layouts, t));
            for c in &t.columns {
                rows.push(row(
                    COLUMNS,
                    vec![
                        ("keyspace_name", text(&t.keyspace)),
                        ("table_name", text(&t.name)),
                        ("column_name", text(&c.name)),
                        ("clustering_order", text(c.order.as_str())),
                        ("column_name_bytes", Some(CqlValue::Blob(c.name.as_bytes().to_vec()))),
                        ("kind", text(c.kind.as_str())),
                        ("position", Some(CqlValue::Int(c.position))),
                        ("type", text(&c.ty.to_string())),
                    ],
                ));
            }
            for (name, d) in &t.dropped_columns {
                rows.push(row(
                    DROPPED_COLUMNS,
                    vec![
                        ("keyspace_name", text(&t.keyspace)),
                        ("table_name", text(&t.name)),
                        ("column_name", text(name)),
                        ("dropped_time", Some(CqlValue::Timestamp(d.dropped_time_micros.div_euclid(1000)))),
                        ("kind", text(d.kind.as_str())),
                        ("type", text(&d.ty.to_string())),
                    ],
                ));
            }
        }
    }
    rows
}

fn table_row(layouts: &Layouts, t: &TableDef) -> SchemaRow {
    let p = &t.params;
    let mut flags = vec![CqlValue::Text("compound".into())];
    if t.is_counter() {
        flags.push(CqlValue::Text("counter".into()));
    }
    let extensions = p.extensions.iter().map(|(k, v)| (CqlValue::Text(k.clone()), CqlValue::Blob(v.clone()))).collect();
    layouts.row(
        TABLES,
        vec![
            ("keyspace_name", text(&t.keyspace)),
            ("table_name", text(&t.name)),
            ("allow_auto_snapshot", Some(CqlValue::Boolean(p.allow_auto_snapshot))),
            ("bloom_filter_fp_chance", Some(CqlValue::Double(p.bloom_filter_fp_chance))),
            ("caching", text_map(&p.caching)),
            ("comment", text(&p.comment)),
            ("compaction", text_map(&p.compaction)),
            ("compression", text_map(&p.compression)),
            ("memtable", if p.memtable == "default" { None } else { text(&p.memtable) }),
            ("crc_check_chance", Some(CqlValue::Double(p.crc_check_chance))),
            ("dclocal_read_repair_chance", Some(CqlValue::Double(0.0))),
            ("default_time_to_live", Some(CqlValue::Int(p.default_time_to_live))),
            ("extensions", Some(CqlValue::map(&CqlType::Text, extensions))),
            ("flags", Some(CqlValue::set(&CqlType::Text, flags))),
            ("gc_grace_seconds", Some(CqlValue::Int(p.gc_grace_seconds))),
            ("incremental_backups", Some(CqlValue::Boolean(p.incremental_backups))),
            ("id", Some(CqlValue::Uuid(t.id))),
            ("max_index_interval", Some(CqlValue::Int(p.max_index_interval))),
            ("memtable_flush_period_in_ms", Some(CqlValue::Int(p.memtable_flush_period_in_ms))),
            ("min_index_interval", Some(CqlValue::Int(p.min_index_interval))),
            ("read_repair_chance", Some(CqlValue::Double(0.0))),
            ("speculative_retry", text(&p.speculative_retry)),
            ("additional_write_policy", text(&p.additional_write_policy)),
            ("cdc", if p.cdc { Some(CqlValue::Boolean(true)) } else { None }),
            ("read_repair", text(&p.read_repair)),
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// Reading rows back
// ---------------------------------------------------------------------------------------------

fn get_text<'a>(r: &'a SchemaRow, col: &str) -> Result<&'a str, SchemaRowsError> {
    match r.get(col) {
        Some(CqlValue::Text(s)) | Some(CqlValue::Ascii(s)) => Ok(s),
        other => err(format!("{}.{col}: expected text, got {other:?}", r.table)),
    }
}

fn opt_text<'a>(r: &'a SchemaRow, col: &str) -> Result<Option<&'a str>, SchemaRowsError> {
    match r.get(col) {
        None => Ok(None),
        Some(_) => get_text(r, col).map(Some),
    }
}

fn opt_bool(r: &SchemaRow, col: &str) -> Result<Option<bool>, SchemaRowsError> {
    match r.get(col) {
        None => Ok(None),
        Some(CqlValue::Boolean(b)) => Ok(Some(*b)),
        other => err(format!("{}.{col}: expected boolean, got {other:?}", r.table)),
    }
}

fn opt_int(r: &SchemaRow, col: &str) -> Result<Option<i32>, SchemaRowsError> {
    match r.get(col) {
        None => Ok(None),
        Some(CqlValue::Int(i)) => Ok(Some(*i)),
        other => err(format!("{}.{col}: expected int, got {other:?}", r.table)),
    }
}

fn opt_double(r: &SchemaRow, col: &str) -> Result<Option<f64>, SchemaRowsError> {
    match r.get(col) {
        None => Ok(None),
        Some(CqlValue::Double(d)) => Ok(Some(*d)),
        other => err(format!("{}.{col}: expected double, got {other:?}", r.table)),
    }
}

fn as_string(v: &CqlValue) -> Result<String, SchemaRowsError> {
    match v {
        CqlValue::Text(s) | CqlValue::Ascii(s) => Ok(s.clone()),
        other => err(format!("expected text, got {other:?}")),
    }
}

fn opt_text_map(r: &SchemaRow, col: &str) -> Result<Option<BTreeMap<String, String>>, SchemaRowsError> {
    match r.get(col) {
        None => Ok(None),
        Some(CqlValue::Map(entries)) => {
            entries.iter().map(|(k, v)| Ok((as_string(k)?, as_string(v)?))).collect::<Result<_, _>>().map(Some)
        }
        other => err(format!("{}.{col}: expected map<text, text>, got {other:?}", r.table)),
    }
}

fn text_list_of(r: &SchemaRow, col: &str) -> Result<Vec<String>, SchemaRowsError> {
    match r.get(col) {
        None => Ok(Vec::new()),
        Some(CqlValue::List(items)) => items.iter().map(as_string).collect(),
        other => err(format!("{}.{col}: expected list<text>, got {other:?}", r.table)),
    }
}

fn parse_type(text: &str, ks: &KeyspaceDef) -> Result<CqlType, SchemaRowsError> {
    let resolve = |keyspace: Option<&str>, name: &str| {
        if keyspace.is_some_and(|k| k != ks.name) {
            return None;
        }
        ks.types.get(name).map(|t| udt_type(t, false))
    };
    CqlType::parse_with(text, &resolve).map_err(|e| SchemaRowsError(format!("type '{text}' in {}: {e}", ks.name)))
}

/// Rebuilds the schema described by `rows` (as [`schema_rows`] writes them; rows of other
/// `system_schema` tables are ignored).
pub fn schema_from_rows(rows: &[SchemaRow]) -> Result<Schema, SchemaRowsError> {
    let of = |t: &'static str| rows.iter().filter(move |r| r.table == t);
    let mut keyspaces: BTreeMap<String, KeyspaceDef> = BTreeMap::new();
    for r in of(KEYSPACES) {
        let name = get_text(r, "keyspace_name")?;
        let replication = opt_text_map(r, "replication")?.unwrap_or_default();
        let durable = opt_bool(r, "durable_writes")?.unwrap_or(true);
        keyspaces.insert(name.to_string(), KeyspaceDef::new(name, replication, durable));
    }
    // User types, resolved in dependency order.
    let mut pending: Vec<&SchemaRow> = of(TYPES).collect();
    while !pending.is_empty() {
        let before = pending.len();
        let mut still = Vec::new();
        for r in pending {
            let ks_name = get_text(r, "keyspace_name")?;
            let Some(ks) = keyspaces.get_mut(ks_name) else {
                return err(format!("type row for unknown keyspace {ks_name}"));
            };
            let names = text_list_of(r, "field_names")?;
            let types = text_list_of(r, "field_types")?;
            if names.len() != types.len() {
                return err(format!(
                    "type {ks_name}.{}: field names and types differ in number",
                    get_text(r, "type_name")?
                ));
            }
            let fields: Result<Vec<(String, CqlType)>, SchemaRowsError> =
                names.into_iter().zip(&types).map(|(n, t)| Ok((n, parse_type(t, ks)?))).collect();
            match fields {
                Ok(fields) => {
                    let name = get_text(r, "type_name")?.to_string();
                    let udt = UserType { keyspace: ks_name.to_string(), name: name.clone(), fields };
                    ks.types.insert(name, Arc::new(udt));
                }
                Err(_) => still.push(r),
            }
        }
        if still.len() == before {
            let r = still[0];
            return err(format!(
                "type {}.{} uses unknown types",
                get_text(r, "keyspace_name")?,
                get_text(r, "type_name")?
            ));
        }
        pending = still;
    }
    for r in of(TABLES) {
        let ks_name = get_text(r, "keyspace_name")?;
        let name = get_text(r, "table_name")?;
        let Some(ks) = keyspaces.get(ks_name) else {
            return err(format!("table row for unknown keyspace {ks_name}"));
        };
        let id = match r.get("id") {
            Some(CqlValue::Uuid(u)) => *u,
            other => return err(format!("table {ks_name}.{name}: bad id {other:?}")),
        };
        let mut columns = Vec::new();
        for c in of(COLUMNS).filter(|c| matches!((get_text(c, "keyspace_name"), get_text(c, "table_name")), (Ok(k), Ok(t)) if k == ks_name && t == name)) {
            columns.push(column(c, ks)?);
        }
        let mut dropped_columns = BTreeMap::new();
        for d in of(DROPPED_COLUMNS).filter(|c| matches!((get_text(c, "keyspace_name"), get_text(c, "table_name")), (Ok(k), Ok(t)) if k == ks_name && t == name)) {
            let kind = opt_text(d, "kind")?.and_then(ColumnKind::parse).unwrap_or(ColumnKind::Regular);
            let ty = parse_type(get_text(d, "type")?, ks)?;
            let millis = match d.get("dropped_time") {
                Some(CqlValue::Timestamp(ms)) => *ms,
                other => return err(format!("dropped column: bad dropped_time {other:?}")),
            };
            let dropped = DroppedColumn { ty, kind, dropped_time_micros: millis.saturating_mul(1000) };
            dropped_columns.insert(get_text(d, "column_name")?.to_string(), dropped);
        }
        let mut t = TableDef {
            keyspace: ks_name.to_string(),
            name: name.to_string(),
            id,
            columns,
            params: params(r)?,
            dropped_columns,
        };
        t.sort_columns();
        if let Some(ks) = keyspaces.get_mut(ks_name) {
            ks.tables.insert(name.to_string(), Arc::new(t));
        }
    }
    Ok(Schema { keyspaces: keyspaces.into_iter().map(|(k, v)| (k, Arc::new(v))).collect() })
}

fn column(r: &SchemaRow, ks: &KeyspaceDef) -> Result<ColumnDef, SchemaRowsError> {
    let name = get_text(r, "column_name")?.to_string();
    let kind_text = get_text(r, "kind")?;
    let Some(kind) = ColumnKind::parse(kind_text) else {
        return err(format!("column {name}: unknown kind {kind_text}"));
    };
    let order = match opt_text(r, "clustering_order")?.unwrap_or("none") {
        "asc" => ClusteringOrder::Asc,
        "desc" => ClusteringOrder::Desc,
        _ => ClusteringOrder::None,
    };
    let ty = parse_type(get_text(r, "type")?, ks)?;
    Ok(ColumnDef { name, ty, kind, position: opt_int(r, "position")?.unwrap_or(-1), order })
}

fn params(r: &SchemaRow) -> Result<TableParams, SchemaRowsError> {
    let d = TableParams::default();
    let extensions = match r.get("extensions") {
        None => BTreeMap::new(),
        Some(CqlValue::Map(entries)) => entries
            .iter()
            .map(|(k, v)| match v {
                CqlValue::Blob(b) => Ok((as_string(k)?, b.clone())),
                other => err(format!("extensions: expected blob, got {other:?}")),
            })
            .collect::<Result<_, _>>()?,
        other => return err(format!("extensions: expected map<text, blob>, got {other:?}")),
    };
    Ok(TableParams {
        additional_write_policy: opt_text(r, "additional_write_policy")?.map_or(d.additional_write_policy, Into::into),
        allow_auto_snapshot: opt_bool(r, "allow_auto_snapshot")?.unwrap_or(d.allow_auto_snapshot),
        bloom_filter_fp_chance: opt_double(r, "bloom_filter_fp_chance")?.unwrap_or(d.bloom_filter_fp_chance),
        caching: opt_text_map(r, "caching")?.unwrap_or(d.caching),
        cdc: opt_bool(r, "cdc")?.unwrap_or(false),
        comment: opt_text(r, "comment")?.map_or(d.comment, Into::into),
        compaction: opt_text_map(r, "compaction")?.unwrap_or(d.compaction),
        compression: opt_text_map(r, "compression")?.unwrap_or(d.compression),
        crc_check_chance: opt_double(r, "crc_check_chance")?.unwrap_or(d.crc_check_chance),
        default_time_to_live: opt_int(r, "default_time_to_live")?.unwrap_or(d.default_time_to_live),
        extensions,
        gc_grace_seconds: opt_int(r, "gc_grace_seconds")?.unwrap_or(d.gc_grace_seconds),
        incremental_backups: opt_bool(r, "incremental_backups")?.unwrap_or(d.incremental_backups),
        max_index_interval: opt_int(r, "max_index_interval")?.unwrap_or(d.max_index_interval),
        memtable: opt_text(r, "memtable")?.map_or(d.memtable, Into::into),
        memtable_flush_period_in_ms: opt_int(r, "memtable_flush_period_in_ms")?
            .unwrap_or(d.memtable_flush_period_in_ms),
        min_index_interval: opt_int(r, "min_index_interval")?.unwrap_or(d.min_index_interval),
        read_repair: opt_text(r, "read_repair")?.map_or(d.read_repair, Into::into),
        speculative_retry: opt_text(r, "speculative_retry")?.map_or(d.speculative_retry, Into::into),
    })
}

#[cfg(test)]
#[path = "tables_tests.rs"]
mod tests;
