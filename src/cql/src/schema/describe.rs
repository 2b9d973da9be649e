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
use super::{ClusteringOrder, ColumnDef, ColumnKind, DroppedColumn, KeyspaceDef, TableDef, UserType};
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
    // ReplicationParams.appendCqlTo: the simple name for the classes of Cassandra's own
    // `org.apache.cassandra.locator` package, the full name otherwise.
    let class = match class.strip_prefix("org.apache.cassandra.locator.") {
        Some(simple) if !simple.contains('.') => simple,
        _ => class,
    };
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
    create_table_statement_with(t, false)
}

/// `TableMetadata.toCqlString(withInternals)`: the `CREATE TABLE` statement, and with internals
/// (`DESCRIBE … WITH INTERNALS`) also `ID = <table id>` and the dropped columns: each is
/// declared in the `CREATE TABLE`, then dropped with `ALTER TABLE … DROP … USING TIMESTAMP`
/// (and added again with `ALTER TABLE … ADD` if it was), one statement per line.
///
/// Columns print in Cassandra's create order: partition key, clustering, static columns, then
/// regular ones, single-cell columns before multi-cell ones (non-frozen collections and UDTs),
/// each group by name.
pub fn create_table_statement_with(t: &TableDef, with_internals: bool) -> String {
    let table_name = format!("{}.{}", maybe_quote(&t.keyspace), maybe_quote(&t.name));
    let dropped = if with_internals { dropped_in_java_order(t) } else { Vec::new() };
    let mut out = format!("CREATE TABLE {table_name} (\n");
    push_columns_and_key(&mut out, t, &dropped);
    out.push_str(") WITH ");
    push_id_and_clustering_order(&mut out, t, with_internals);
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
    for (name, d) in &dropped {
        let _ = write!(
            out,
            "\nALTER TABLE {table_name} DROP {} USING TIMESTAMP {};",
            maybe_quote(name),
            d.dropped_time_micros
        );
        if let Some(c) = t.column(name) {
            let _ = write!(out, "\nALTER TABLE {table_name} ADD {};", column_text(&c.name, &c.ty, c.kind));
        }
    }
    out
}

/// The column definitions (the `dropped` ones last) and the `PRIMARY KEY` of a table's
/// statement, one per line (`appendColumnDefinitions`, `appendPrimaryKey`).
fn push_columns_and_key(out: &mut String, t: &TableDef, dropped: &[(&String, &DroppedColumn)]) {
    let partition: Vec<&str> = t.partition_key().map(|c| c.name.as_str()).collect();
    let clustering: Vec<&str> = t.clustering().map(|c| c.name.as_str()).collect();
    let single_key = partition.len() == 1 && clustering.is_empty();
    let columns = create_order(t);
    for (i, c) in columns.iter().enumerate() {
        // A column added again after a drop is declared as the dropped one, then dropped and
        // added by the ALTER statements that follow the statement.
        if dropped.iter().any(|(n, _)| *n == &c.name) {
            continue;
        }
        let _ = write!(out, "    {}", column_text(&c.name, &c.ty, c.kind));
        if single_key && c.kind == ColumnKind::PartitionKey {
            out.push_str(" PRIMARY KEY");
        }
        if !single_key || !dropped.is_empty() || i + 1 < columns.len() {
            out.push(',');
        }
        out.push('\n');
    }
    for (name, d) in dropped {
        let _ = write!(out, "    {}", column_text(name, &d.ty, d.kind));
        // As Cassandra: the column iterator is exhausted here, so only a compound primary key
        // separates the dropped columns with commas.
        if !single_key {
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
        if !clustering.is_empty() {
            let _ = write!(out, ", {}", quote_all(&clustering));
        }
        out.push_str(")\n");
    }
}

/// The first table options: `ID = …` (with internals) and the clustering order, each followed
/// by `\n    AND `.
fn push_id_and_clustering_order(out: &mut String, t: &TableDef, with_internals: bool) {
    if with_internals {
        let _ = write!(out, "ID = {}\n    AND ", uuid_text(&t.id));
    }
    let clustering: Vec<&ColumnDef> = t.clustering().collect();
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
}

/// A column's definition: `name type[ static]`.
fn column_text(name: &str, ty: &dyn std::fmt::Display, kind: ColumnKind) -> String {
    let suffix = if kind == ColumnKind::Static { " static" } else { "" };
    format!("{} {ty}{suffix}", maybe_quote(name))
}

/// `KeyspaceMetadata.toCqlString` of a virtual keyspace: a comment, as it cannot be created.
pub fn virtual_keyspace_statement(ks: &KeyspaceDef) -> String {
    let name = maybe_quote(&ks.name);
    format!(
        "/*\nWarning: Keyspace {name} is a virtual keyspace and cannot be recreated with CQL.\nStructure, for \
         reference:\nVIRTUAL KEYSPACE {name};\n*/"
    )
}

/// `TableMetadata.appendCqlTo` of a virtual table: its structure (`VIRTUAL TABLE`, with only
/// its comment for options) inside a comment, as it cannot be created.
pub fn virtual_table_statement(t: &TableDef, with_internals: bool) -> String {
    let table_name = format!("{}.{}", maybe_quote(&t.keyspace), maybe_quote(&t.name));
    let mut out = format!(
        "/*\nWarning: Table {table_name} is a virtual table and cannot be recreated with CQL.\nStructure, for \
         reference:\nVIRTUAL TABLE {table_name} (\n"
    );
    push_columns_and_key(&mut out, t, &[]);
    out.push_str(") WITH ");
    push_id_and_clustering_order(&mut out, t, with_internals);
    let _ = write!(out, "comment = {};\n*/", quoted(&t.params.comment));
    out
}

/// `allColumnsInCreateOrder`: partition key and clustering columns by position, then the
/// static and the regular columns, each single-cell before multi-cell, then by name.
fn create_order(t: &TableDef) -> Vec<&ColumnDef> {
    let mut out: Vec<&ColumnDef> = t.partition_key().collect();
    out.extend(t.clustering());
    for kind in [ColumnKind::Static, ColumnKind::Regular] {
        let mut group: Vec<&ColumnDef> = t.columns.iter().filter(|c| c.kind == kind).collect();
        group.sort_by(|a, b| (a.ty.is_multi_cell(), a.name.as_bytes()).cmp(&(b.ty.is_multi_cell(), b.name.as_bytes())));
        out.extend(group);
    }
    out
}

/// The dropped columns in the iteration order of the `java.util.HashMap<ByteBuffer, …>`
/// Cassandra keeps them in: read from `system_schema.dropped_columns` (by name) into a map of
/// default capacity, then copied (`putAll`) into the table's.
fn dropped_in_java_order(t: &TableDef) -> Vec<(&String, &DroppedColumn)> {
    // ByteBuffer.hashCode(), spread as HashMap.hash() does.
    let spread = |name: &str| {
        let mut h: i32 = 1;
        for b in name.as_bytes().iter().rev() {
            h = h.wrapping_mul(31).wrapping_add(i32::from(*b as i8));
        }
        (h ^ ((h as u32) >> 16) as i32) as u32 as usize
    };
    let n = t.dropped_columns.len();
    // Filled by successive puts: 16 buckets, doubled past 0.75 × capacity.
    let mut grown = 16usize;
    while n as f64 > grown as f64 * 0.75 {
        grown *= 2;
    }
    // Copied with putAll into an empty map: tableSizeFor(n / 0.75 + 1).
    let copied = ((n as f64 / 0.75 + 1.0) as usize).max(1).next_power_of_two();
    let mut entries: Vec<(&String, &DroppedColumn)> = t.dropped_columns.iter().collect();
    entries.sort_by_key(|(name, _)| spread(name) & (grown - 1));
    entries.sort_by_key(|(name, _)| spread(name) & (copied - 1));
    entries
}

/// A UUID's canonical text (lower-case, dashed).
fn uuid_text(u: &[u8; 16]) -> String {
    let mut s = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `CREATE TYPE ks.t (\n    f type,\n    …\n);`
pub fn create_type_statement(t: &UserType) -> String {
    let fields: Vec<String> = t.fields.iter().map(|(n, ty)| format!("    {} {ty}", maybe_quote(n))).collect();
    format!("CREATE TYPE {}.{} (\n{}\n);", maybe_quote(&t.keyspace), maybe_quote(&t.name), fields.join(",\n"))
}
