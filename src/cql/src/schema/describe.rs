//! The `create_statement` text of `DESCRIBE`, as Cassandra 5.0 prints it
//! (`KeyspaceMetadata.toCqlString`, `TableMetadata.appendCqlTo`, `TableParams.appendCqlTo`,
//! `UserType.toCqlString`): line for line, options in Cassandra's order, maps sorted by key,
//! names quoted where needed. Each statement parses back with [`crate::parse_statement`] and,
//! applied to a schema without the element, re-creates it.
//!
//! Replication options print in the order of a Java `HashMap`, as Cassandra's do.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::java::{double_to_string, hashmap_order};
use super::{ClusteringOrder, ColumnKind, KeyspaceDef, TableDef, UserType};
use crate::types::maybe_quote;

/// `CqlBuilder.appendWithSingleQuotes`.
fn quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `CqlBuilder.append(Map)`: `{'k': 'v', …}` sorted by key (values quoted or not).
fn map_text<'a>(entries: impl Iterator<Item = (&'a String, String)>, quote_values: bool) -> String {
    let sorted: BTreeMap<&String, String> = entries.collect();
    let items: Vec<String> = sorted
        .into_iter()
        .map(|(k, v)| format!("{}: {}", quoted(k), if quote_values { quoted(&v) } else { v }))
        .collect();
    format!("{{{}}}", items.join(", "))
}

/// `CREATE KEYSPACE ks WITH replication = {…}  AND durable_writes = …;`
pub fn create_keyspace_statement(ks: &KeyspaceDef) -> String {
    let class = ks.replication.get("class").map(String::as_str).unwrap_or_default();
    let keys: Vec<&str> = ks.replication.keys().map(String::as_str).filter(|k| *k != "class").collect();
    let mut replication = format!("{{'class': {}", quoted(class));
    for k in hashmap_order(&keys, keys.len() + 1) {
        let v = ks.replication.get(k).map(String::as_str).unwrap_or_default();
        let _ = write!(replication, ", {}: {}", quoted(k), quoted(v));
    }
    replication.push('}');
    format!(
        "CREATE KEYSPACE {} WITH replication = {replication}  AND durable_writes = {};",
        maybe_quote(&ks.name),
        ks.durable_writes
    )
}

/// `CREATE TABLE ks.t (…) WITH …;` over several lines, as `DESCRIBE TABLE` prints it.
pub fn create_table_statement(t: &TableDef) -> String {
    let mut out = format!("CREATE TABLE {}.{} (\n", maybe_quote(&t.keyspace), maybe_quote(&t.name));
    let partition: Vec<&str> = t.partition_key().map(|c| c.name.as_str()).collect();
    let clustering: Vec<_> = t.clustering().collect();
    let single_key = partition.len() == 1 && clustering.is_empty();
    // allColumnsInCreateOrder: partition key, clustering, then the rest by name.
    for (i, c) in t.columns.iter().enumerate() {
        let _ = write!(out, "    {} {}", maybe_quote(&c.name), c.ty);
        if c.kind == ColumnKind::Static {
            out.push_str(" static");
        }
        if single_key && c.kind == ColumnKind::PartitionKey {
            out.push_str(" PRIMARY KEY");
        }
        if !single_key || i + 1 < t.columns.len() {
            out.push(',');
        }
        out.push('\n');
    }
    if !single_key {
        let quote_all = |names: &[&str]| names.iter().map(|n| maybe_quote(n)).collect::<Vec<_>>().join(", ");
        out.push_str("    PRIMARY KEY (");
        if partition.len() > 1 {
            let _ = write!(out, "({})", quote_all(&partition));
        } else {
            out.push_str(&quote_all(&partition));
        }
        let clustering_names: Vec<&str> = clustering.iter().map(|c| c.name.as_str()).collect();
        if !clustering_names.is_empty() {
            let _ = write!(out, ", {}", quote_all(&clustering_names));
        }
        out.push_str(")\n");
    }
    out.push_str(") WITH ");
    if !clustering.is_empty() {
        let orders: Vec<String> = clustering
            .iter()
            .map(|c| {
                let dir = if c.order == ClusteringOrder::Desc { "DESC" } else { "ASC" };
                format!("{} {dir}", maybe_quote(&c.name))
            })
            .collect();
        let _ = write!(out, "CLUSTERING ORDER BY ({})\n    AND ", orders.join(", "));
    }
    let p = &t.params;
    let text_map = |m: &BTreeMap<String, String>| map_text(m.iter().map(|(k, v)| (k, v.clone())), true);
    let extensions = map_text(
        p.extensions
            .iter()
            .map(|(k, v)| (k, format!("0x{}", v.iter().map(|b| format!("{b:02x}")).collect::<String>()))),
        false,
    );
    let options = [
        format!("additional_write_policy = {}", quoted(&p.additional_write_policy)),
        format!("allow_auto_snapshot = {}", p.allow_auto_snapshot),
        format!("bloom_filter_fp_chance = {}", double_to_string(p.bloom_filter_fp_chance)),
        format!("caching = {}", text_map(&p.caching)),
        format!("cdc = {}", p.cdc),
        format!("comment = {}", quoted(&p.comment)),
        format!("compaction = {}", text_map(&p.compaction)),
        format!("compression = {}", text_map(&p.compression)),
        format!("memtable = {}", quoted(&p.memtable)),
        format!("crc_check_chance = {}", double_to_string(p.crc_check_chance)),
        format!("default_time_to_live = {}", p.default_time_to_live),
        format!("extensions = {extensions}"),
        format!("gc_grace_seconds = {}", p.gc_grace_seconds),
        format!("incremental_backups = {}", p.incremental_backups),
        format!("max_index_interval = {}", p.max_index_interval),
        format!("memtable_flush_period_in_ms = {}", p.memtable_flush_period_in_ms),
        format!("min_index_interval = {}", p.min_index_interval),
        format!("read_repair = {}", quoted(&p.read_repair)),
        format!("speculative_retry = {}", quoted(&p.speculative_retry)),
    ];
    out.push_str(&options.join("\n    AND "));
    out.push(';');
    out
}

/// `CREATE TYPE ks.t (\n    f type,\n    …\n);`
pub fn create_type_statement(t: &UserType) -> String {
    let fields: Vec<String> = t.fields.iter().map(|(n, ty)| format!("    {} {ty}", maybe_quote(n))).collect();
    format!("CREATE TYPE {}.{} (\n{}\n);", maybe_quote(&t.keyspace), maybe_quote(&t.name), fields.join(",\n"))
}
