//! The hard-coded system keyspaces of Cassandra 5.0, with its exact column layouts, options
//! and fixed table ids (`TableId.forSystemTable`: the MD5 name UUID of keyspace name + table
//! name; virtual tables get theirs the same way, `TableId.unsafeDeterministic`):
//!
//! - local: `system_schema.*` (which describes every keyspace but the virtual ones, itself
//!   included; `SchemaKeyspace.java`) and `system.local`, `system.peers`, `system.peers_v2`
//!   (`SystemKeyspace.java`), LocalStrategy;
//! - replicated: `system_auth` (`AuthKeyspace.java`, SimpleStrategy RF 1), `system_distributed`
//!   (`SystemDistributedKeyspace.java`, RF 3) and `system_traces` (`TraceKeyspace.java`, RF 2);
//! - virtual: `system_virtual_schema` (`VirtualSchemaKeyspace.java`: `keyspaces`, `tables`,
//!   `columns`, which describe the virtual keyspaces instead of `system_schema`) and
//!   `system_views` (`SystemViewsKeyspace.java`; sibyl has its `settings` only). Virtual tables
//!   are read-only for clients; their rows are written by the node itself.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::java::name_uuid_from_bytes;
use super::replication::{LOCAL_STRATEGY, SIMPLE_STRATEGY};
use super::{ClusteringOrder, ColumnDef, ColumnKind, KeyspaceDef, TableDef, TableParams, TableUuid};
use crate::types::CqlType;

pub const SYSTEM_KEYSPACE: &str = "system";
pub const SCHEMA_KEYSPACE: &str = "system_schema";
pub const AUTH_KEYSPACE: &str = "system_auth";
pub const DISTRIBUTED_KEYSPACE: &str = "system_distributed";
pub const TRACES_KEYSPACE: &str = "system_traces";
pub const VIEWS_KEYSPACE: &str = "system_views";
pub const VIRTUAL_SCHEMA_KEYSPACE: &str = "system_virtual_schema";

/// The replicated system keyspaces (`SchemaConstants.REPLICATED_SYSTEM_KEYSPACE_NAMES`): only
/// their replication and durable writes may be altered.
pub const REPLICATED_SYSTEM_KEYSPACES: [&str; 3] = [AUTH_KEYSPACE, DISTRIBUTED_KEYSPACE, TRACES_KEYSPACE];
/// The virtual keyspaces (`SchemaConstants.VIRTUAL_SYSTEM_KEYSPACE_NAMES`).
pub const VIRTUAL_KEYSPACES: [&str; 2] = [VIEWS_KEYSPACE, VIRTUAL_SCHEMA_KEYSPACE];

/// Whether `keyspace` is a virtual keyspace: its tables are virtual tables, described in
/// `system_virtual_schema` rather than `system_schema`, and read-only for clients.
pub fn is_virtual_keyspace(keyspace: &str) -> bool {
    VIRTUAL_KEYSPACES.contains(&keyspace)
}

/// Whether `keyspace` is a replicated system keyspace.
pub fn is_replicated_system_keyspace(keyspace: &str) -> bool {
    REPLICATED_SYSTEM_KEYSPACES.contains(&keyspace)
}

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
    let params = TableParams { comment: l.comment.into(), ..keyspace_params(l.keyspace) };
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

/// The options every table of a system keyspace has (besides its comment).
fn keyspace_params(keyspace: &str) -> TableParams {
    const DAY: i32 = 24 * 3600;
    let defaults = TableParams::default();
    match keyspace {
        // SchemaKeyspace: 7 days; SystemKeyspace: 0. Both flush every hour.
        SCHEMA_KEYSPACE => {
            TableParams { gc_grace_seconds: 7 * DAY, memtable_flush_period_in_ms: 3_600_000, ..defaults }
        }
        SYSTEM_KEYSPACE => TableParams { gc_grace_seconds: 0, memtable_flush_period_in_ms: 3_600_000, ..defaults },
        // AuthKeyspace: 90 days; TraceKeyspace: 0; SystemDistributedKeyspace: the default.
        AUTH_KEYSPACE => TableParams { gc_grace_seconds: 90 * DAY, ..defaults },
        TRACES_KEYSPACE => TableParams { gc_grace_seconds: 0, ..defaults },
        _ => defaults,
    }
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

/// `system_auth` (`AuthKeyspace`), in Cassandra's order.
pub fn auth_tables() -> Vec<TableDef> {
    let s = AUTH_KEYSPACE;
    let layouts = [
        Layout {
            keyspace: s,
            name: "roles",
            comment: "role definitions",
            partition_key: &[("role", "text")],
            clustering: &[],
            regular: &[
                ("is_superuser", "boolean"),
                ("can_login", "boolean"),
                ("salted_hash", "text"),
                ("member_of", "set<text>"),
            ],
        },
        Layout {
            keyspace: s,
            name: "role_members",
            comment: "role memberships lookup table",
            partition_key: &[("role", "text")],
            clustering: &[("member", "text")],
            regular: &[],
        },
        Layout {
            keyspace: s,
            name: "role_permissions",
            comment: "permissions granted to db roles",
            partition_key: &[("role", "text")],
            clustering: &[("resource", "text")],
            regular: &[("permissions", "set<text>")],
        },
        Layout {
            keyspace: s,
            name: "resource_role_permissons_index",
            comment: "index of db roles with permissions granted on a resource",
            partition_key: &[("resource", "text")],
            clustering: &[("role", "text")],
            regular: &[],
        },
        Layout {
            keyspace: s,
            name: "network_permissions",
            comment: "user network permissions",
            partition_key: &[("role", "text")],
            clustering: &[],
            regular: &[("dcs", "frozen<set<text>>")],
        },
        Layout {
            keyspace: s,
            name: "cidr_permissions",
            comment: "user cidr permissions",
            partition_key: &[("role", "text")],
            clustering: &[],
            regular: &[("cidr_groups", "frozen<set<text>>")],
        },
        Layout {
            keyspace: s,
            name: "cidr_groups",
            comment: "cidr groups to cidrs mapping",
            partition_key: &[("cidr_group", "text")],
            clustering: &[],
            regular: &[("cidrs", "frozen<set<tuple<inet, smallint>>>")],
        },
        Layout {
            keyspace: s,
            name: "identity_to_role",
            comment: "mtls authorized identities lookup table",
            partition_key: &[("identity", "text")],
            clustering: &[],
            regular: &[("role", "text")],
        },
    ];
    layouts.iter().map(build).collect()
}

/// `system_distributed` (`SystemDistributedKeyspace`), in Cassandra's order: the two repair
/// history tables expire their rows after 30 days and compact by day (TWCS).
pub fn distributed_tables() -> Vec<TableDef> {
    let s = DISTRIBUTED_KEYSPACE;
    let layouts = [
        Layout {
            keyspace: s,
            name: "repair_history",
            comment: "Repair history",
            partition_key: &[("keyspace_name", "text"), ("columnfamily_name", "text")],
            clustering: &[("id", "timeuuid")],
            regular: &[
                ("parent_id", "timeuuid"),
                ("range_begin", "text"),
                ("range_end", "text"),
                ("coordinator", "inet"),
                ("coordinator_port", "int"),
                ("participants", "set<inet>"),
                ("participants_v2", "set<text>"),
                ("exception_message", "text"),
                ("exception_stacktrace", "text"),
                ("status", "text"),
                ("started_at", "timestamp"),
                ("finished_at", "timestamp"),
            ],
        },
        Layout {
            keyspace: s,
            name: "parent_repair_history",
            comment: "Repair history",
            partition_key: &[("parent_id", "timeuuid")],
            clustering: &[],
            regular: &[
                ("keyspace_name", "text"),
                ("columnfamily_names", "set<text>"),
                ("started_at", "timestamp"),
                ("finished_at", "timestamp"),
                ("exception_message", "text"),
                ("exception_stacktrace", "text"),
                ("requested_ranges", "set<text>"),
                ("successful_ranges", "set<text>"),
                ("options", "map<text, text>"),
            ],
        },
        Layout {
            keyspace: s,
            name: "view_build_status",
            comment: "Materialized View build status",
            partition_key: &[("keyspace_name", "text"), ("view_name", "text")],
            clustering: &[("host_id", "uuid")],
            regular: &[("status", "text")],
        },
        Layout {
            keyspace: s,
            name: "partition_denylist",
            comment: "Partition keys which have been denied access",
            partition_key: &[("ks_name", "text"), ("table_name", "text")],
            clustering: &[("key", "blob")],
            regular: &[],
        },
    ];
    let mut tables: Vec<TableDef> = layouts.iter().map(build).collect();
    for t in tables.iter_mut().filter(|t| t.name.ends_with("repair_history")) {
        t.params.default_time_to_live = 30 * 24 * 3600;
        // CompactionParams.twcs: the window options, then the default thresholds.
        t.params.compaction = BTreeMap::from([
            ("class".to_string(), "org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy".to_string()),
            ("compaction_window_size".to_string(), "1".to_string()),
            ("compaction_window_unit".to_string(), "DAYS".to_string()),
            ("max_threshold".to_string(), "32".to_string()),
            ("min_threshold".to_string(), "4".to_string()),
        ]);
    }
    tables
}

/// `system_traces` (`TraceKeyspace`).
pub fn traces_tables() -> Vec<TableDef> {
    let s = TRACES_KEYSPACE;
    let layouts = [
        Layout {
            keyspace: s,
            name: "sessions",
            comment: "tracing sessions",
            partition_key: &[("session_id", "uuid")],
            clustering: &[],
            regular: &[
                ("command", "text"),
                ("client", "inet"),
                ("coordinator", "inet"),
                ("coordinator_port", "int"),
                ("duration", "int"),
                ("parameters", "map<text, text>"),
                ("request", "text"),
                ("started_at", "timestamp"),
            ],
        },
        Layout {
            keyspace: s,
            name: "events",
            comment: "tracing events",
            partition_key: &[("session_id", "uuid")],
            clustering: &[("event_id", "timeuuid")],
            regular: &[
                ("activity", "text"),
                ("source", "inet"),
                ("source_port", "int"),
                ("source_elapsed", "int"),
                ("thread", "text"),
            ],
        },
    ];
    layouts.iter().map(build).collect()
}

/// `system_virtual_schema` (`VirtualSchemaKeyspace`): the virtual keyspaces, their tables and
/// their columns (`columns` has the layout of `system_schema.columns`).
pub fn virtual_schema_tables() -> Vec<TableDef> {
    let s = VIRTUAL_SCHEMA_KEYSPACE;
    let layouts = [
        Layout {
            keyspace: s,
            name: KEYSPACES,
            comment: "virtual keyspace definitions",
            partition_key: &[KS],
            clustering: &[],
            regular: &[],
        },
        Layout {
            keyspace: s,
            name: TABLES,
            comment: "virtual table definitions",
            partition_key: &[KS],
            clustering: &[("table_name", "text")],
            regular: &[("comment", "text")],
        },
        Layout {
            keyspace: s,
            name: COLUMNS,
            comment: "virtual column definitions",
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
    ];
    layouts.iter().map(build).collect()
}

/// The `system_views` tables sibyl has: `settings` (`SettingsTable`), which holds the settings
/// the node knows at start.
pub fn views_tables() -> Vec<TableDef> {
    let layouts = [Layout {
        keyspace: VIEWS_KEYSPACE,
        name: "settings",
        comment: "current settings",
        partition_key: &[("name", "text")],
        clustering: &[],
        regular: &[("value", "text")],
    }];
    layouts.iter().map(build).collect()
}

/// Every hard-coded system table: the `system_schema` tables, `system.local`, `system.peers`
/// and `system.peers_v2`, then the tables of the replicated and of the virtual keyspaces.
pub fn system_tables() -> Vec<TableDef> {
    let mut out = schema_tables();
    out.extend(system_node_tables());
    out.extend(auth_tables());
    out.extend(distributed_tables());
    out.extend(traces_tables());
    out.extend(virtual_schema_tables());
    out.extend(views_tables());
    out
}

/// The `system_schema` table named `name`.
pub fn schema_table(name: &str) -> Option<TableDef> {
    schema_tables().into_iter().find(|t| t.name == name)
}

/// The replication of a system keyspace: LocalStrategy for the local and virtual ones,
/// SimpleStrategy for the replicated ones (`KeyspaceParams.simple` with Cassandra's default
/// factors: `system_auth` 1, `system_distributed` 3, `system_traces` 2).
fn system_replication(keyspace: &str) -> BTreeMap<String, String> {
    let simple = |rf: &str| {
        BTreeMap::from([
            ("class".to_string(), SIMPLE_STRATEGY.to_string()),
            ("replication_factor".to_string(), rf.to_string()),
        ])
    };
    match keyspace {
        AUTH_KEYSPACE => simple("1"),
        DISTRIBUTED_KEYSPACE => simple("3"),
        TRACES_KEYSPACE => simple("2"),
        _ => BTreeMap::from([("class".to_string(), LOCAL_STRATEGY.to_string())]),
    }
}

/// Every system keyspace with its [`system_tables`], to merge into a schema so that they are
/// described like any other: `system`, `system_schema`, `system_auth`, `system_distributed`,
/// `system_traces`, `system_views` and `system_virtual_schema`.
pub fn system_keyspaces() -> Vec<KeyspaceDef> {
    let names = [
        SYSTEM_KEYSPACE,
        SCHEMA_KEYSPACE,
        AUTH_KEYSPACE,
        DISTRIBUTED_KEYSPACE,
        TRACES_KEYSPACE,
        VIEWS_KEYSPACE,
        VIRTUAL_SCHEMA_KEYSPACE,
    ];
    let mut keyspaces: Vec<KeyspaceDef> =
        names.iter().map(|n| KeyspaceDef::new(*n, system_replication(n), true)).collect();
    for t in system_tables() {
        if let Some(ks) = keyspaces.iter_mut().find(|k| k.name == t.keyspace) {
            ks.tables.insert(t.name.clone(), Arc::new(t));
        }
    }
    keyspaces
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
                let blob_by_name = matches!(
                    (t.name.as_str(), c.name.as_str()),
                    (_, "column_name_bytes") | ("partition_denylist", "key")
                );
                assert!(c.ty != CqlType::Blob || blob_by_name, "{}.{} {}", t.name, c.name, c.ty);
            }
        }
        let cidr_groups = auth_tables().into_iter().find(|t| t.name == "cidr_groups").unwrap();
        assert_eq!(cidr_groups.column("cidrs").unwrap().ty.to_string(), "frozen<set<frozen<tuple<inet, smallint>>>>");
    }

    #[test]
    fn ids_are_cassandras_fixed_ids() {
        // Cassandra 5.0: system_schema.keyspaces is afde6f0e-b4c9-3a16-ab76-1c88c71a4f3c ...
        // computed the same way: MD5("system_schemakeyspaces") as a v3 UUID.
        let id = system_table_id("system_schema", "keyspaces");
        assert_eq!(id[6] >> 4, 3);
        assert_eq!(id, name_uuid_from_bytes(b"system_schemakeyspaces"));
        // The ids in the names of the data directories of every Cassandra since 3.0.
        let known = [
            ("system", "local", "7ad54392-bcdd-35a6-8417-4e047860b377"),
            ("system_auth", "roles", "5bc52802-de25-35ed-aeab-188eecebb090"),
            ("system_auth", "role_members", "0ecdaa87-f8fb-3e60-88d1-74fb36fe5c0d"),
            ("system_auth", "resource_role_permissons_index", "5f2fbdad-91f1-3946-bd25-d5da3a5c35ec"),
            ("system_distributed", "repair_history", "759fffad-624b-3181-80ee-fa9a52d1f627"),
            ("system_distributed", "parent_repair_history", "deabd734-b99d-3b9c-92e5-fd92eb5abf14"),
            ("system_distributed", "view_build_status", "5582b59f-8e4e-35e1-b913-3acada51eb04"),
            ("system_traces", "sessions", "c5e99f16-8677-3914-b17e-960613512345"),
            ("system_traces", "events", "8826e8e9-e16a-3728-8753-3bc1fc713c25"),
        ];
        let tables = system_tables();
        for (ks, name, id) in known {
            let t = tables.iter().find(|t| t.keyspace == ks && t.name == name).unwrap();
            assert_eq!(uuid_to_string(&t.id), id, "{ks}.{name}");
        }
        // Every table has the id of its names, ids are unique.
        let mut ids: Vec<TableUuid> = tables.iter().map(|t| t.id).collect();
        assert!(tables.iter().all(|t| t.id == system_table_id(&t.keyspace, &t.name)));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), tables.len());
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
    }

    fn keys(t: &TableDef) -> (Vec<&str>, Vec<&str>) {
        (t.partition_key().map(|c| c.name.as_str()).collect(), t.clustering().map(|c| c.name.as_str()).collect())
    }

    #[test]
    fn replicated_system_tables_are_cassandras() {
        let names = |tables: Vec<TableDef>| tables.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
        assert_eq!(
            names(auth_tables()),
            [
                "roles",
                "role_members",
                "role_permissions",
                "resource_role_permissons_index",
                "network_permissions",
                "cidr_permissions",
                "cidr_groups",
                "identity_to_role"
            ]
        );
        assert_eq!(
            names(distributed_tables()),
            ["repair_history", "parent_repair_history", "view_build_status", "partition_denylist"]
        );
        assert_eq!(names(traces_tables()), ["sessions", "events"]);

        let roles = &auth_tables()[0];
        assert_eq!(keys(roles), (vec!["role"], vec![]));
        assert_eq!(roles.column("member_of").unwrap().ty.to_string(), "set<text>");
        assert_eq!(roles.params.gc_grace_seconds, 90 * 24 * 3600);
        assert_eq!(roles.params.memtable_flush_period_in_ms, 0);
        assert_eq!(roles.params.comment, "role definitions");

        let history = &distributed_tables()[0];
        assert_eq!(keys(history), (vec!["keyspace_name", "columnfamily_name"], vec!["id"]));
        assert_eq!(history.columns.len(), 15);
        assert_eq!(history.params.default_time_to_live, 2_592_000);
        assert_eq!(history.params.gc_grace_seconds, 864_000);
        assert_eq!(
            history.params.compaction.get("class").map(String::as_str),
            Some("org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy")
        );
        let denylist = &distributed_tables()[3];
        assert_eq!(keys(denylist), (vec!["ks_name", "table_name"], vec!["key"]));
        assert_eq!(denylist.params.default_time_to_live, 0);

        let events = &traces_tables()[1];
        assert_eq!(keys(events), (vec!["session_id"], vec!["event_id"]));
        assert_eq!(events.column("event_id").unwrap().ty, CqlType::Timeuuid);
        assert_eq!(events.params.gc_grace_seconds, 0);
        assert_eq!(events.params.comment, "tracing events");
    }

    #[test]
    fn system_keyspaces_are_cassandras() {
        let all = system_keyspaces();
        let names: Vec<&str> = all.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "system",
                "system_schema",
                "system_auth",
                "system_distributed",
                "system_traces",
                "system_views",
                "system_virtual_schema"
            ]
        );
        let rf = |name: &str| {
            let ks = all.iter().find(|k| k.name == name).unwrap();
            (ks.replication.get("class").cloned().unwrap(), ks.replication.get("replication_factor").cloned())
        };
        let simple = |n: &str| (SIMPLE_STRATEGY.to_string(), Some(n.to_string()));
        assert_eq!(rf("system_auth"), simple("1"));
        assert_eq!(rf("system_distributed"), simple("3"));
        assert_eq!(rf("system_traces"), simple("2"));
        for local in ["system", "system_schema", "system_views", "system_virtual_schema"] {
            assert_eq!(rf(local), (LOCAL_STRATEGY.to_string(), None), "{local}");
        }
        assert!(all.iter().all(|k| k.durable_writes && !k.tables.is_empty()));
        assert!(is_virtual_keyspace("system_views") && !is_virtual_keyspace("system"));
        assert!(is_replicated_system_keyspace("system_traces") && !is_replicated_system_keyspace("system_views"));
    }

    #[test]
    fn virtual_schema_tables_are_cassandras() {
        let t = virtual_schema_tables();
        assert_eq!(keys(&t[0]), (vec!["keyspace_name"], vec![]));
        assert_eq!(t[0].columns.len(), 1);
        assert_eq!(keys(&t[1]), (vec!["keyspace_name"], vec!["table_name"]));
        assert_eq!(t[1].column("comment").unwrap().ty, CqlType::Text);
        // `columns` has system_schema.columns' layout.
        let schema_columns = schema_table(COLUMNS).unwrap();
        let layout =
            |t: &TableDef| t.columns.iter().map(|c| (c.name.clone(), c.ty.clone(), c.kind)).collect::<Vec<_>>();
        assert_eq!(layout(&t[2]), layout(&schema_columns));
        assert_eq!(t[2].params.comment, "virtual column definitions");
        let settings = &views_tables()[0];
        assert_eq!(keys(settings), (vec!["name"], vec![]));
        assert_eq!(settings.params.comment, "current settings");
    }
}
