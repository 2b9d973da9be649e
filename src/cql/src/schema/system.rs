//! The hard-coded system tables: `system_schema.*` (which describes every keyspace, itself
//! included) and `system.local`, `system.peers`, `system.peers_v2`, with Cassandra 5.0's exact
//! column layouts (`SchemaKeyspace.java`, `SystemKeyspace.java`), options and fixed ids
//! (`TableId.forSystemTable`: the MD5 name UUID of keyspace name + table name).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::java::name_uuid_from_bytes;
use super::replication::LOCAL_STRATEGY;
use super::{ClusteringOrder, ColumnDef, ColumnKind, KeyspaceDef, TableDef, TableParams, TableUuid};
use crate::types::CqlType;

pub const SYSTEM_KEYSPACE: &str = "system";
pub const SCHEMA_KEYSPACE: &str = "system_schema";

/// The `system_schema` tables.
pub const KEYSPACES: &str = "keyspaces";
pub const TABLES: &str = "tables";
pub const COLUMNS: &str = "columns";
pub const COLUMN_MASKS: &str = "column_masks";
pub const DROPPED_COLUMNS: &str = "dropped_columns";
pub const TRIGGERS: &str = "triggers";
pub const VIEWS: &str = "views";
pub const TYPES: &str = "types";
pub const FUNCTIONS: &str = "functions";
pub const AGGREGATES: &str = "aggregates";
pub const INDEXES: &str = "indexes";

/// Every `system_schema` table, in Cassandra's order (`SchemaKeyspaceTables.ALL`).
pub const SCHEMA_TABLES: [&str; 11] =
    [KEYSPACES, TABLES, COLUMNS, COLUMN_MASKS, TRIGGERS, DROPPED_COLUMNS, VIEWS, TYPES, FUNCTIONS, AGGREGATES, INDEXES];

/// The fixed id of a system table: `UUID.nameUUIDFromBytes(keyspace + table)`.
pub fn system_table_id(keyspace: &str, table: &str) -> TableUuid {
    let mut bytes = keyspace.as_bytes().to_vec();
    bytes.extend_from_slice(table.as_bytes());
    name_uuid_from_bytes(&bytes)
}

/// A table layout: partition key, clustering and other columns, each `(name, type text)`.
struct Layout<'a> {
    keyspace: &'a str,
    name: &'a str,
    comment: &'a str,
    partition_key: &'a [(&'a str, &'a str)],
    clustering: &'a [(&'a str, &'a str)],
    regular: &'a [(&'a str, &'a str)],
}

fn ty(text: &str) -> CqlType {
    // The layouts below are constants; a typo shows up in the unit tests as a blob column.
    CqlType::parse(text).unwrap_or(CqlType::Blob)
}

fn build(l: &Layout<'_>) -> TableDef {
    let mut columns = Vec::new();
    for (i, (n, t)) in l.partition_key.iter().enumerate() {
        let position = i32::try_from(i).unwrap_or(0);
        columns.push(ColumnDef {
            name: (*n).into(),
            ty: ty(t),
            kind: ColumnKind::PartitionKey,
            position,
            order: ClusteringOrder::None,
        });
    }
    for (i, (n, t)) in l.clustering.iter().enumerate() {
        let position = i32::try_from(i).unwrap_or(0);
        columns.push(ColumnDef {
            name: (*n).into(),
            ty: ty(t),
            kind: ColumnKind::Clustering,
            position,
            order: ClusteringOrder::Asc,
        });
    }
    for (n, t) in l.regular {
        columns.push(ColumnDef {
            name: (*n).into(),
            ty: ty(t),
            kind: ColumnKind::Regular,
            position: -1,
            order: ClusteringOrder::None,
        });
    }
    let schema_keyspace = l.keyspace == SCHEMA_KEYSPACE;
    let params = TableParams {
        comment: l.comment.into(),
        // SchemaKeyspace: 7 days; SystemKeyspace: 0. Both flush every hour.
        gc_grace_seconds: if schema_keyspace { 7 * 24 * 3600 } else { 0 },
        memtable_flush_period_in_ms: 3_600_000,
        ..TableParams::default()
    };
    let mut t = TableDef {
        keyspace: l.keyspace.into(),
        name: l.name.into(),
        id: system_table_id(l.keyspace, l.name),
        columns,
        params,
        dropped_columns: BTreeMap::new(),
    };
    t.sort_columns();
    t
}

const KS: (&str, &str) = ("keyspace_name", "text");

/// The table options columns shared by `system_schema.tables` and `system_schema.views`.
const OPTION_COLUMNS: &[(&str, &str)] = &[
    ("allow_auto_snapshot", "boolean"),
    ("bloom_filter_fp_chance", "double"),
    ("caching", "frozen<map<text, text>>"),
    ("comment", "text"),
    ("compaction", "frozen<map<text, text>>"),
    ("compression", "frozen<map<text, text>>"),
    ("memtable", "text"),
    ("crc_check_chance", "double"),
    ("dclocal_read_repair_chance", "double"),
    ("default_time_to_live", "int"),
    ("extensions", "frozen<map<text, blob>>"),
    ("gc_grace_seconds", "int"),
    ("incremental_backups", "boolean"),
    ("id", "uuid"),
    ("max_index_interval", "int"),
    ("memtable_flush_period_in_ms", "int"),
    ("min_index_interval", "int"),
    ("read_repair_chance", "double"),
    ("speculative_retry", "text"),
    ("additional_write_policy", "text"),
    ("cdc", "boolean"),
    ("read_repair", "text"),
];

/// The `system_schema` tables, in [`SCHEMA_TABLES`] order.
pub fn schema_tables() -> Vec<TableDef> {
    let mut tables_regular: Vec<(&str, &str)> = OPTION_COLUMNS.to_vec();
    tables_regular.push(("flags", "frozen<set<text>>"));
    let mut views_regular: Vec<(&str, &str)> = OPTION_COLUMNS.to_vec();
    views_regular.extend([
        ("base_table_id", "uuid"),
        ("base_table_name", "text"),
        ("where_clause", "text"),
        ("include_all_columns", "boolean"),
    ]);
    let s = SCHEMA_KEYSPACE;
    let layouts = [
        Layout {
            keyspace: s,
            name: KEYSPACES,
            comment: "keyspace definitions",
            partition_key: &[KS],
            clustering: &[],
            regular: &[("durable_writes", "boolean"), ("replication", "frozen<map<text, text>>")],
        },
        Layout {
            keyspace: s,
            name: TABLES,
            comment: "table definitions",
            partition_key: &[KS],
            clustering: &[("table_name", "text")],
            regular: &tables_regular,
        },
        Layout {
            keyspace: s,
            name: COLUMNS,
            comment: "column definitions",
            partition_key: &[KS],
            clustering: &[("table_name", "text"), ("column_name", "text")],
            regular: &[
                ("clustering_order", "text"),
                ("column_name_bytes", "blob"),
                ("kind", "text"),
                ("position", "int"),
                ("type", "text"),
            ],
        },
        Layout {
            keyspace: s,
            name: COLUMN_MASKS,
            comment: "column dynamic data masks",
            partition_key: &[KS],
            clustering: &[("table_name", "text"), ("column_name", "text")],
            regular: &[
                ("function_keyspace", "text"),
                ("function_name", "text"),
                ("function_argument_types", "frozen<list<text>>"),
                ("function_argument_values", "frozen<list<text>>"),
                ("function_argument_nulls", "frozen<list<boolean>>"),
            ],
        },
        Layout {
            keyspace: s,
            name: TRIGGERS,
            comment: "trigger definitions",
            partition_key: &[KS],
            clustering: &[("table_name", "text"), ("trigger_name", "text")],
            regular: &[("options", "frozen<map<text, text>>")],
        },
        Layout {
            keyspace: s,
            name: DROPPED_COLUMNS,
            comment: "dropped column registry",
            partition_key: &[KS],
            clustering: &[("table_name", "text"), ("column_name", "text")],
            regular: &[("dropped_time", "timestamp"), ("kind", "text"), ("type", "text")],
        },
        Layout {
            keyspace: s,
            name: VIEWS,
            comment: "view definitions",
            partition_key: &[KS],
            clustering: &[("view_name", "text")],
            regular: &views_regular,
        },
        Layout {
            keyspace: s,
            name: TYPES,
            comment: "user defined type definitions",
            partition_key: &[KS],
            clustering: &[("type_name", "text")],
            regular: &[("field_names", "frozen<list<text>>"), ("field_types", "frozen<list<text>>")],
        },
        Layout {
            keyspace: s,
            name: FUNCTIONS,
            comment: "user defined function definitions",
            partition_key: &[KS],
            clustering: &[("function_name", "text"), ("argument_types", "frozen<list<text>>")],
            regular: &[
                ("argument_names", "frozen<list<text>>"),
                ("body", "text"),
                ("language", "text"),
                ("return_type", "text"),
                ("called_on_null_input", "boolean"),
            ],
        },
        Layout {
            keyspace: s,
            name: AGGREGATES,
            comment: "user defined aggregate definitions",
            partition_key: &[KS],
            clustering: &[("aggregate_name", "text"), ("argument_types", "frozen<list<text>>")],
            regular: &[
                ("final_func", "text"),
                ("initcond", "text"),
                ("return_type", "text"),
                ("state_func", "text"),
                ("state_type", "text"),
            ],
        },
        Layout {
            keyspace: s,
            name: INDEXES,
            comment: "secondary index definitions",
            partition_key: &[KS],
            clustering: &[("table_name", "text"), ("index_name", "text")],
            regular: &[("kind", "text"), ("options", "frozen<map<text, text>>")],
        },
    ];
    layouts.iter().map(build).collect()
}

/// `system.local`, `system.peers` and `system.peers_v2`.
pub fn system_node_tables() -> Vec<TableDef> {
    let s = SYSTEM_KEYSPACE;
    let peers_comment = "information about known peers in the cluster";
    let layouts = [
        Layout {
            keyspace: s,
            name: "local",
            comment: "information about the local node",
            partition_key: &[("key", "text")],
            clustering: &[],
            regular: &[
                ("bootstrapped", "text"),
                ("broadcast_address", "inet"),
                ("broadcast_port", "int"),
                ("cluster_name", "text"),
                ("cql_version", "text"),
                ("data_center", "text"),
                ("gossip_generation", "int"),
                ("host_id", "uuid"),
                ("listen_address", "inet"),
                ("listen_port", "int"),
                ("native_protocol_version", "text"),
                ("partitioner", "text"),
                ("rack", "text"),
                ("release_version", "text"),
                ("rpc_address", "inet"),
                ("rpc_port", "int"),
                ("schema_version", "uuid"),
                ("tokens", "set<text>"),
                ("truncated_at", "map<uuid, blob>"),
            ],
        },
        Layout {
            keyspace: s,
            name: "peers",
            comment: peers_comment,
            partition_key: &[("peer", "inet")],
            clustering: &[],
            regular: &[
                ("data_center", "text"),
                ("host_id", "uuid"),
                ("preferred_ip", "inet"),
                ("rack", "text"),
                ("release_version", "text"),
                ("rpc_address", "inet"),
                ("schema_version", "uuid"),
                ("tokens", "set<text>"),
            ],
        },
        Layout {
            keyspace: s,
            name: "peers_v2",
            comment: peers_comment,
            partition_key: &[("peer", "inet")],
            clustering: &[("peer_port", "int")],
            regular: &[
                ("data_center", "text"),
                ("host_id", "uuid"),
                ("preferred_ip", "inet"),
                ("preferred_port", "int"),
                ("rack", "text"),
                ("release_version", "text"),
                ("native_address", "inet"),
                ("native_port", "int"),
                ("schema_version", "uuid"),
                ("tokens", "set<text>"),
            ],
        },
    ];
    layouts.iter().map(build).collect()
}

/// Every hard-coded system table: the `system_schema` tables, then `system.local`,
/// `system.peers` and `system.peers_v2`.
pub fn system_tables() -> Vec<TableDef> {
    let mut out = schema_tables();
    out.extend(system_node_tables());
    out
}

/// The `system_schema` table named `name`.
pub fn schema_table(name: &str) -> Option<TableDef> {
    schema_tables().into_iter().find(|t| t.name == name)
}

/// The keyspaces `system` and `system_schema` (LocalStrategy) holding [`system_tables`], to
/// merge into a schema so that they are described like any other.
pub fn system_keyspaces() -> Vec<KeyspaceDef> {
    let replication = BTreeMap::from([("class".to_string(), LOCAL_STRATEGY.to_string())]);
    let mut system = KeyspaceDef::new(SYSTEM_KEYSPACE, replication.clone(), true);
    let mut schema = KeyspaceDef::new(SCHEMA_KEYSPACE, replication, true);
    for t in system_tables() {
        let ks = if t.keyspace == SCHEMA_KEYSPACE { &mut schema } else { &mut system };
        ks.tables.insert(t.name.clone(), Arc::new(t));
    }
    vec![system, schema]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::schema::java::uuid_to_string;

    #[test]
    fn every_layout_type_parses() {
        for t in system_tables() {
            for c in &t.columns {
                let blob_by_name = matches!(c.name.as_str(), "column_name_bytes");
                assert!(c.ty != CqlType::Blob || blob_by_name, "{}.{} {}", t.name, c.name, c.ty);
            }
        }
    }

    #[test]
    fn ids_are_cassandras_fixed_ids() {
        // Cassandra 5.0: system_schema.keyspaces is afde6f0e-b4c9-3a16-ab76-1c88c71a4f3c ...
        // computed the same way: MD5("system_schemakeyspaces") as a v3 UUID.
        let id = system_table_id("system_schema", "keyspaces");
        assert_eq!(id[6] >> 4, 3);
        assert_eq!(id, name_uuid_from_bytes(b"system_schemakeyspaces"));
        // system.local is 7ad54392-bcdd-35a6-8417-4e047860b377 in every Cassandra since 3.0.
        assert_eq!(uuid_to_string(&system_table_id("system", "local")), "7ad54392-bcdd-35a6-8417-4e047860b377");
    }

    #[test]
    fn schema_tables_have_cassandras_keys() {
        let cols = schema_table(COLUMNS).unwrap();
        let pk: Vec<&str> = cols.partition_key().map(|c| c.name.as_str()).collect();
        let ck: Vec<&str> = cols.clustering().map(|c| c.name.as_str()).collect();
        assert_eq!(pk, ["keyspace_name"]);
        assert_eq!(ck, ["table_name", "column_name"]);
        let tables = schema_table(TABLES).unwrap();
        assert_eq!(tables.columns.len(), 2 + OPTION_COLUMNS.len() + 1);
        assert_eq!(tables.column("flags").unwrap().ty.to_string(), "frozen<set<text>>");
        assert_eq!(tables.params.gc_grace_seconds, 604_800);
        let peers_v2 = system_node_tables().into_iter().find(|t| t.name == "peers_v2").unwrap();
        assert_eq!(peers_v2.clustering().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["peer_port"]);
        assert_eq!(system_keyspaces().len(), 2);
    }
}
