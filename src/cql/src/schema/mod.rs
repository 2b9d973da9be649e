//! The schema model: keyspaces, tables, columns and user types, as `system_schema` describes
//! them, with Cassandra's defaults for every table option.
//!
//! The schema is an immutable value: a DDL statement produces a new [`Schema`] (and a
//! [`SchemaChange`] to announce), never mutates one in place, so readers hold an `Arc<Schema>`
//! snapshot for the whole of a query. Its [`Schema::version`] is computed from its content,
//! so two nodes with the same schema agree on the version.
//!
//! - [`ddl::apply_ddl`] applies `CREATE`/`ALTER`/`DROP` of keyspaces, tables and user types
//!   with Cassandra 5.0's rules and messages;
//! - [`tables`] converts a schema to the rows of the `system_schema` tables and back;
//! - [`system`] has the hard-coded layouts of `system_schema.*` and `system.local`/`peers`/
//!   `peers_v2`, with Cassandra's fixed table ids;
//! - [`describe`] prints the `CREATE` statements of `DESCRIBE`.

pub mod ddl;
mod ddl_table;
mod ddl_type;
pub mod describe;
mod java;
mod options;
mod replication;
pub mod system;
pub mod tables;
#[cfg(test)]
mod test_support;
mod version;

use crate::types::CqlType;
use std::collections::BTreeMap;
use std::sync::Arc;

pub use version::schema_version;

/// A table's identity, a UUID (Cassandra's `table_id`).
pub type TableUuid = [u8; 16];

/// What role a column plays in its table (`system_schema.columns.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ColumnKind {
    PartitionKey,
    Clustering,
    Static,
    Regular,
}

impl ColumnKind {
    /// The text `system_schema.columns.kind` holds.
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::PartitionKey => "partition_key",
            ColumnKind::Clustering => "clustering",
            ColumnKind::Static => "static",
            ColumnKind::Regular => "regular",
        }
    }

    pub fn parse(s: &str) -> Option<ColumnKind> {
        Some(match s {
            "partition_key" => ColumnKind::PartitionKey,
            "clustering" => ColumnKind::Clustering,
            "static" => ColumnKind::Static,
            "regular" => ColumnKind::Regular,
            _ => return None,
        })
    }
}

/// Clustering order of a clustering column (`system_schema.columns.clustering_order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClusteringOrder {
    Asc,
    Desc,
    /// Not a clustering column.
    None,
}

impl ClusteringOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            ClusteringOrder::Asc => "asc",
            ClusteringOrder::Desc => "desc",
            ClusteringOrder::None => "none",
        }
    }
}

/// One column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    pub ty: CqlType,
    pub kind: ColumnKind,
    /// Index within the partition key or clustering columns; -1 otherwise (Cassandra's
    /// `position`).
    pub position: i32,
    pub order: ClusteringOrder,
}

impl ColumnDef {
    /// The storage engine's id for this column's cells: derived from the name, so every node
    /// computes the same id without coordination (a collision within a table is refused at
    /// DDL time).
    pub fn storage_id(&self) -> u32 {
        column_storage_id(&self.name)
    }

    pub fn is_primary_key(&self) -> bool {
        matches!(self.kind, ColumnKind::PartitionKey | ColumnKind::Clustering)
    }
}

/// The storage id of a column named `name` (CRC32C of its UTF-8 bytes).
pub fn column_storage_id(name: &str) -> u32 {
    crc32c_of(name.as_bytes())
}

fn crc32c_of(data: &[u8]) -> u32 {
    // Bitwise CRC32C (Castagnoli): names are short; no table needed.
    let mut crc: u32 = !0;
    for b in data {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0x82F6_3B78 & mask);
        }
    }
    !crc
}

/// Table options (`WITH ...`), with Cassandra 5.0's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct TableParams {
    pub additional_write_policy: String,
    pub allow_auto_snapshot: bool,
    pub bloom_filter_fp_chance: f64,
    pub caching: BTreeMap<String, String>,
    pub cdc: bool,
    pub comment: String,
    pub compaction: BTreeMap<String, String>,
    pub compression: BTreeMap<String, String>,
    pub crc_check_chance: f64,
    pub default_time_to_live: i32,
    pub extensions: BTreeMap<String, Vec<u8>>,
    pub gc_grace_seconds: i32,
    pub incremental_backups: bool,
    pub max_index_interval: i32,
    pub memtable: String,
    pub memtable_flush_period_in_ms: i32,
    pub min_index_interval: i32,
    pub read_repair: String,
    pub speculative_retry: String,
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

impl Default for TableParams {
    fn default() -> Self {
        TableParams {
            additional_write_policy: "99p".into(),
            allow_auto_snapshot: true,
            bloom_filter_fp_chance: 0.01,
            caching: map(&[("keys", "ALL"), ("rows_per_partition", "NONE")]),
            cdc: false,
            comment: String::new(),
            compaction: map(&[
                ("class", "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy"),
                ("max_threshold", "32"),
                ("min_threshold", "4"),
            ]),
            // sibyl's engine compresses with zstd by default (Cassandra 5.0 defaults to LZ4).
            compression: map(&[
                ("chunk_length_in_kb", "16"),
                ("class", "org.apache.cassandra.io.compress.ZstdCompressor"),
            ]),
            crc_check_chance: 1.0,
            default_time_to_live: 0,
            extensions: BTreeMap::new(),
            gc_grace_seconds: 864_000,
            incremental_backups: true,
            max_index_interval: 2048,
            memtable: "default".into(),
            memtable_flush_period_in_ms: 0,
            min_index_interval: 128,
            read_repair: "BLOCKING".into(),
            speculative_retry: "99p".into(),
        }
    }
}

/// A column dropped from a table (`system_schema.dropped_columns`): cells of that name written
/// before `dropped_time_micros` are ignored if the column is added again.
#[derive(Debug, Clone, PartialEq)]
pub struct DroppedColumn {
    pub ty: CqlType,
    pub kind: ColumnKind,
    pub dropped_time_micros: i64,
}

/// One table.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDef {
    pub keyspace: String,
    pub name: String,
    pub id: TableUuid,
    /// Partition key columns (by position), then clustering (by position), then static and
    /// regular columns by name.
    pub columns: Vec<ColumnDef>,
    pub params: TableParams,
    pub dropped_columns: BTreeMap<String, DroppedColumn>,
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn partition_key(&self) -> impl Iterator<Item = &ColumnDef> {
        self.columns.iter().filter(|c| c.kind == ColumnKind::PartitionKey)
    }

    pub fn clustering(&self) -> impl Iterator<Item = &ColumnDef> {
        self.columns.iter().filter(|c| c.kind == ColumnKind::Clustering)
    }

    pub fn has_statics(&self) -> bool {
        self.columns.iter().any(|c| c.kind == ColumnKind::Static)
    }

    /// Whether this is a counter table: it has (or had, before they were dropped) counter
    /// columns. Cassandra keeps a `counter` flag for the table's life; a table gets counter
    /// columns only at creation, so the current and dropped columns tell the same.
    pub fn is_counter(&self) -> bool {
        self.columns.iter().any(|c| c.ty.is_counter()) || self.dropped_columns.values().any(|d| d.ty.is_counter())
    }

    /// Puts columns in the canonical order (key columns by position, then the rest by name).
    pub fn sort_columns(&mut self) {
        self.columns.sort_by(|a, b| {
            let rank = |c: &ColumnDef| match c.kind {
                ColumnKind::PartitionKey => (0, c.position, String::new()),
                ColumnKind::Clustering => (1, c.position, String::new()),
                ColumnKind::Static | ColumnKind::Regular => (2, 0, c.name.clone()),
            };
            rank(a).cmp(&rank(b))
        });
    }
}

/// A user-defined type (`system_schema.types`).
#[derive(Debug, Clone, PartialEq)]
pub struct UserType {
    pub keyspace: String,
    pub name: String,
    pub fields: Vec<(String, CqlType)>,
}

/// One keyspace.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyspaceDef {
    pub name: String,
    pub durable_writes: bool,
    /// `replication`, with `class` fully qualified as Cassandra stores it.
    pub replication: BTreeMap<String, String>,
    pub tables: BTreeMap<String, Arc<TableDef>>,
    pub types: BTreeMap<String, Arc<UserType>>,
}

impl KeyspaceDef {
    pub fn new(name: impl Into<String>, replication: BTreeMap<String, String>, durable_writes: bool) -> Self {
        KeyspaceDef { name: name.into(), durable_writes, replication, tables: BTreeMap::new(), types: BTreeMap::new() }
    }
}

/// The whole schema: an immutable value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    pub keyspaces: BTreeMap<String, Arc<KeyspaceDef>>,
}

impl Schema {
    pub fn keyspace(&self, name: &str) -> Option<&Arc<KeyspaceDef>> {
        self.keyspaces.get(name)
    }

    pub fn table(&self, keyspace: &str, name: &str) -> Option<&Arc<TableDef>> {
        self.keyspaces.get(keyspace)?.tables.get(name)
    }

    pub fn table_by_id(&self, id: &TableUuid) -> Option<&Arc<TableDef>> {
        self.keyspaces.values().flat_map(|k| k.tables.values()).find(|t| &t.id == id)
    }

    /// The content-derived version UUID.
    pub fn version(&self) -> [u8; 16] {
        schema_version(self)
    }
}

/// What a schema change did, for SCHEMA_CHANGE results and events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaChange {
    Keyspace { change: ChangeType, keyspace: String },
    Table { change: ChangeType, keyspace: String, table: String },
    Type { change: ChangeType, keyspace: String, name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    Created,
    Updated,
    Dropped,
}

impl ChangeType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::Created => "CREATED",
            ChangeType::Updated => "UPDATED",
            ChangeType::Dropped => "DROPPED",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        assert_eq!(crc32c_of(b"123456789"), 0xE306_9283);
    }
}
