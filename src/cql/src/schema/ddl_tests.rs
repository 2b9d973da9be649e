//! Unit tests of `apply_ddl`: every rule and message for keyspaces and tables (user types are
//! tested in `ddl_type_tests.rs`).

#![allow(clippy::unwrap_used)]

use super::{apply_ddl, DdlError};
use crate::parse_statement;
use crate::schema::{ChangeType, ClusteringOrder, ColumnKind, Schema, SchemaChange, TableParams};
use crate::types::CqlType;

use crate::schema::test_support::*;

// --- keyspaces -------------------------------------------------------------------------------

#[test]
fn create_keyspace_normalizes_the_class() {
    let s = base();
    let ks = s.keyspace("ks").unwrap();
    assert_eq!(ks.replication.get("class").unwrap(), "org.apache.cassandra.locator.SimpleStrategy");
    assert_eq!(ks.replication.get("replication_factor").unwrap(), "1");
    assert!(ks.durable_writes);
    let o = run(&Schema::default(), "CREATE KEYSPACE k2 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3} AND durable_writes = false").unwrap();
    assert_eq!(o.change, Some(SchemaChange::Keyspace { change: ChangeType::Created, keyspace: "k2".into() }));
    assert!(!o.schema.keyspace("k2").unwrap().durable_writes);
}

#[test]
fn create_keyspace_errors() {
    let s = base();
    assert_eq!(
        fails(&s, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}"),
        DdlError::AlreadyExists {
            keyspace: "ks".into(),
            table: String::new(),
            message: "Cannot add existing keyspace \"ks\"".into()
        }
    );
    noop(
        &s,
        "CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    );
    invalid(&s, "CREATE KEYSPACE k2 WITH durable_writes = true", "Missing mandatory option 'replication'");
    assert_eq!(
        fails(&s, "CREATE KEYSPACE k2 WITH replication = {'class': 'SimpleStrategy'} AND foo = 1"),
        DdlError::Syntax("Unknown property 'foo'".into())
    );
    config(&s, "CREATE KEYSPACE k2 WITH replication = {'replication_factor': 1}", "Missing replication strategy class");
    config(
        &s,
        "CREATE KEYSPACE k2 WITH replication = {'class': 'FooStrategy'}",
        "Unable to find replication strategy class 'org.apache.cassandra.locator.FooStrategy'",
    );
    config(
        &s,
        "CREATE KEYSPACE k2 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 'x'}",
        "For input string: \"x\"",
    );
    config(
        &s,
        "CREATE KEYSPACE k2 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': -1}",
        "Replication factor must be non-negative, found -1",
    );
    config(
        &s,
        "CREATE KEYSPACE k2 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1, 'dc1': 2}",
        "Unrecognized strategy option {dc1} passed to SimpleStrategy for keyspace k2",
    );
    invalid(
        &s,
        "CREATE KEYSPACE k2 WITH replication = {'class': 'LocalStrategy'}",
        "Unable to use given strategy class: LocalStrategy is reserved for internal use.",
    );
    assert_eq!(
        fails(&s, "CREATE KEYSPACE k2 WITH replication = {'class': 'SimpleStrategy'} AND durable_writes = 'maybe'"),
        DdlError::Syntax(
            "Invalid boolean value maybe for 'durable_writes'. Positive values can be '1', 'true' or 'yes'. Negative \
             values can be '0', 'false' or 'no'."
                .into()
        )
    );
    assert_eq!(
        fails(&s, "CREATE KEYSPACE k2 WITH replication = 'x'"),
        DdlError::Syntax("Invalid value for property 'replication'. It should be a map.".into())
    );
    invalid(
        &s,
        "CREATE KEYSPACE \"a-b\" WITH replication = {'class': 'SimpleStrategy'}",
        "Keyspace name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore \
         characters (got 'a-b')",
    );
    invalid(
        &s,
        "CREATE KEYSPACE system WITH replication = {'class': 'SimpleStrategy'}",
        "System keyspace 'system' is not user-modifiable",
    );
}

#[test]
fn simple_strategy_defaults_the_replication_factor() {
    // Cassandra 5.0 fills in default_keyspace_rf (1) when replication_factor is missing.
    let s = ok(&Schema::default(), "CREATE KEYSPACE k WITH replication = {'class': 'SimpleStrategy'}");
    assert_eq!(s.keyspace("k").unwrap().replication.get("replication_factor").unwrap(), "1");
}

#[test]
fn network_topology_strategy() {
    let s = ok(
        &Schema::default(),
        "CREATE KEYSPACE n WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 0}",
    );
    let r = &s.keyspace("n").unwrap().replication;
    assert_eq!(r.get("class").unwrap(), "org.apache.cassandra.locator.NetworkTopologyStrategy");
    assert_eq!(r.get("dc1").unwrap(), "3");
    assert!(!r.contains_key("dc2"), "a zero factor is removed");
    // replication_factor expands to every known datacenter.
    let s = ok(&s, "ALTER KEYSPACE n WITH replication = {'class': 'NetworkTopologyStrategy', 'replication_factor': 2}");
    let r = &s.keyspace("n").unwrap().replication;
    assert_eq!(r.get("dc1").unwrap(), "3", "existing datacenters keep their factor");
    assert_eq!(r.get("dc2").unwrap(), "2");
    config(
        &s,
        "CREATE KEYSPACE m WITH replication = {'class': 'NetworkTopologyStrategy', 'dc9': 3}",
        "Unrecognized strategy option {dc9} passed to NetworkTopologyStrategy for keyspace m",
    );
    config(
        &s,
        "CREATE KEYSPACE m WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 0}",
        "Configuration for at least one datacenter must be present",
    );
    // Without a replication factor, every datacenter gets the default one.
    let s = ok(&s, "CREATE KEYSPACE m WITH replication = {'class': 'NetworkTopologyStrategy'}");
    assert_eq!(s.keyspace("m").unwrap().replication.get("dc2").unwrap(), "1");
}

#[test]
fn alter_keyspace() {
    let s = base();
    let s2 = ok(&s, "ALTER KEYSPACE ks WITH durable_writes = false");
    let ks = s2.keyspace("ks").unwrap();
    assert!(!ks.durable_writes);
    assert_eq!(ks.replication, s.keyspace("ks").unwrap().replication);
    let s3 = ok(&s2, "ALTER KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    assert_eq!(s3.keyspace("ks").unwrap().replication.get("replication_factor").unwrap(), "3");
    // Switching class keeps the previous factor.
    let s4 = ok(&s3, "ALTER KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy'}");
    assert_eq!(s4.keyspace("ks").unwrap().replication.get("dc1").unwrap(), "3");
    noop(&s, "ALTER KEYSPACE ks WITH durable_writes = true");
    invalid(&s, "ALTER KEYSPACE nope WITH durable_writes = true", "Keyspace 'nope' doesn't exist");
    noop(&s, "ALTER KEYSPACE IF EXISTS nope WITH durable_writes = true");
}

#[test]
fn drop_keyspace() {
    let s = base();
    let o = run(&s, "DROP KEYSPACE ks").unwrap();
    assert!(o.schema.keyspace("ks").is_none());
    assert_eq!(o.change, Some(SchemaChange::Keyspace { change: ChangeType::Dropped, keyspace: "ks".into() }));
    invalid(&s, "DROP KEYSPACE nope", "Keyspace 'nope' doesn't exist");
    noop(&s, "DROP KEYSPACE IF EXISTS nope");
}

#[test]
fn system_keyspaces_are_protected() {
    let s = base();
    let unauthorized = |cql: &str, msg: &str| assert_eq!(fails(&s, cql), DdlError::Unauthorized(msg.into()), "{cql}");
    unauthorized("CREATE TABLE system.t (a int PRIMARY KEY)", "system keyspace is not user-modifiable.");
    unauthorized("DROP TABLE system_schema.tables", "system_schema keyspace is not user-modifiable.");
    unauthorized("ALTER KEYSPACE system WITH durable_writes = false", "system keyspace is not user-modifiable.");
    unauthorized("DROP KEYSPACE system_views", "system_views keyspace is not user-modifiable.");
    unauthorized("CREATE TABLE system_auth.t (a int PRIMARY KEY)", "Cannot CREATE <all tables in system_auth>");
    unauthorized("DROP KEYSPACE system_traces", "Cannot DROP <keyspace system_traces>");
    unauthorized("ALTER TABLE system_auth.roles WITH comment = 'x'", "Cannot ALTER <table system_auth.roles>");
    unauthorized("CREATE TYPE system_distributed.t (a int)", "Cannot CREATE <all tables in system_distributed>");
    // Altering the replication of a replicated system keyspace is allowed (it must exist here).
    invalid(&s, "ALTER KEYSPACE system_auth WITH durable_writes = true", "Keyspace 'system_auth' doesn't exist");
}

// --- tables ----------------------------------------------------------------------------------

#[test]
fn create_table_builds_columns_in_canonical_order() {
    let s = base();
    let o = run(&s, "CREATE TABLE t (p int, c2 text, v text, c1 bigint, s int static, PRIMARY KEY ((p), c1, c2)) WITH CLUSTERING ORDER BY (c1 DESC, c2 ASC)").unwrap();
    assert_eq!(
        o.change,
        Some(SchemaChange::Table { change: ChangeType::Created, keyspace: "ks".into(), table: "t".into() })
    );
    let t = table(&o.schema, "t");
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["p", "c1", "c2", "s", "v"]);
    assert_eq!(t.column("c1").unwrap().order, ClusteringOrder::Desc);
    assert_eq!(t.column("c2").unwrap().order, ClusteringOrder::Asc);
    assert_eq!(t.column("c2").unwrap().position, 1);
    assert_eq!(t.column("s").unwrap().kind, ColumnKind::Static);
    assert_eq!(t.column("v").unwrap().position, -1);
    assert_eq!(t.id, [7u8; 16]);
    assert_eq!(t.params, TableParams::default());
}

#[test]
fn create_table_primary_key_rules() {
    let s = base();
    invalid(&s, "CREATE TABLE t (a int, b int)", "No PRIMARY KEY specifed for table 't' (exactly one required)");
    invalid(
        &s,
        "CREATE TABLE ks.t (a int PRIMARY KEY, b int PRIMARY KEY)",
        "Multiple PRIMARY KEY specified for table 'ks.t' (exactly one required)",
    );
    invalid(&s, "CREATE TABLE t (a int PRIMARY KEY, a text)", "Duplicate column 'a' declaration for table 't'");
    invalid(
        &s,
        "CREATE TABLE t (a int, PRIMARY KEY (a, b))",
        "Unknown column 'b' referenced in PRIMARY KEY for table 't'",
    );
    invalid(
        &s,
        "CREATE TABLE t (a int, PRIMARY KEY (a, a))",
        "Duplicate column 'a' in PRIMARY KEY clause for table 't'",
    );
    invalid(
        &s,
        "CREATE TABLE t (a int, b int, c int, PRIMARY KEY (a, b, c)) WITH CLUSTERING ORDER BY (c ASC, b ASC)",
        "The order of columns in the CLUSTERING ORDER directive must match that of the clustering columns (b must \
         appear before c)",
    );
    invalid(
        &s,
        "CREATE TABLE t (a int, b int, c int, PRIMARY KEY (a, b, c)) WITH CLUSTERING ORDER BY (c ASC)",
        "Missing CLUSTERING ORDER for column b",
    );
    invalid(
        &s,
        "CREATE TABLE t (a int, b int, c int, PRIMARY KEY (a, b)) WITH CLUSTERING ORDER BY (c ASC)",
        "Only clustering key columns can be defined in CLUSTERING ORDER directive: [c] are not clustering columns",
    );
    invalid(
        &s,
        "CREATE TABLE t (a int, b int, PRIMARY KEY (a, b)) WITH CLUSTERING ORDER BY (b ASC) AND CLUSTERING ORDER BY (b DESC)",
        "Duplicate column 'b' in CLUSTERING ORDER BY clause for table 't'",
    );
    invalid(
        &s,
        "CREATE TABLE t (a int, b int static, PRIMARY KEY (a))",
        "Static columns are only useful (and thus allowed) if the table has at least one clustering column",
    );
    invalid(
        &s,
        "CREATE TABLE t (a int static, b int, PRIMARY KEY (b, a))",
        "Static column 'a' cannot be part of the PRIMARY KEY",
    );
    invalid(
        &s,
        "CREATE TABLE t (a list<int> PRIMARY KEY)",
        "Invalid non-frozen collection type list<int> for PRIMARY KEY column 'a'",
    );
    invalid(&s, "CREATE TABLE t (a counter PRIMARY KEY)", "counter type is not supported for PRIMARY KEY column 'a'");
    invalid(&s, "CREATE TABLE t (a duration PRIMARY KEY)", "duration type is not supported for PRIMARY KEY column 'a'");
    ok(&s, "CREATE TABLE t (a frozen<list<int>> PRIMARY KEY)");
}

#[test]
fn create_table_other_rules() {
    let s = base();
    let s2 = ok(&s, "CREATE TABLE t (a int PRIMARY KEY)");
    assert_eq!(
        fails(&s2, "CREATE TABLE t (a int PRIMARY KEY)"),
        DdlError::AlreadyExists {
            keyspace: "ks".into(),
            table: "t".into(),
            message: "Cannot add already existing table \"t\" to keyspace \"ks\"".into()
        }
    );
    noop(&s2, "CREATE TABLE IF NOT EXISTS t (a int PRIMARY KEY, b int)");
    invalid(&s, "CREATE TABLE nope.t (a int PRIMARY KEY)", "Keyspace 'nope' doesn't exist");
    invalid(
        &s,
        "CREATE TABLE t (a int PRIMARY KEY, b counter, c int)",
        "Cannot mix counter and non counter columns in the same table",
    );
    invalid(
        &s,
        "CREATE TABLE t (a int PRIMARY KEY, b counter) WITH default_time_to_live = 5",
        "Cannot set default_time_to_live on a table with counters",
    );
    let c = ok(&s, "CREATE TABLE c (a int PRIMARY KEY, b counter, d counter)");
    assert!(table(&c, "c").is_counter());
    invalid(
        &s,
        "CREATE TABLE t (a int PRIMARY KEY) WITH COMPACT STORAGE",
        "Guardrail compact_tables violated: Creation of new COMPACT STORAGE tables is not allowed",
    );
    invalid(
        &s,
        "CREATE TABLE t (a int PRIMARY KEY, b list<list<int>>)",
        "Non-frozen collections are not allowed inside collections: list<list<int>>",
    );
    invalid(
        &s,
        "CREATE TABLE t (a int PRIMARY KEY, b set<counter>)",
        "Counters are not allowed inside collections: set<counter>",
    );
    invalid(
        &s,
        "CREATE TABLE t (a int PRIMARY KEY, b frozen<int>)",
        "frozen<> is only allowed on collections, tuples, and user-defined types (got int)",
    );
    invalid(&s, "CREATE TABLE t (a int PRIMARY KEY, b addr)", "Unknown type ks.addr");
    invalid(
        &s,
        "CREATE TABLE t (a int PRIMARY KEY, b int MASKED WITH DEFAULT)",
        "Cannot mask columns because dynamic data masking is not enabled. You can enable it with the \
         dynamic_data_masking_enabled property on cassandra.yaml",
    );
    assert_eq!(
        fails(&s, "CREATE TABLE \"a-b\" (a int PRIMARY KEY)"),
        DdlError::ConfigurationError(
            "Table name must not be empty, more than 48 characters long, or contain non-alphanumeric-underscore \
             characters (got \"a-b\")"
                .into()
        )
    );
    let no_ks = parse_statement("CREATE TABLE t (a int PRIMARY KEY)").unwrap();
    assert_eq!(
        apply_ddl(&s, &no_ks, None, &ctx()),
        Err(DdlError::Invalid(
            "No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename".into()
        ))
    );
    let with_id = ok(&s, "CREATE TABLE t (a int PRIMARY KEY) WITH id = 5a1c395e-b41f-11e5-9f22-ba0be0483c18");
    assert_eq!(with_id.table("ks", "t").unwrap().id[0], 0x5a);
}

#[test]
fn create_table_options() {
    let s = base();
    let s2 = ok(&s, "CREATE TABLE t (a int PRIMARY KEY) WITH comment = 'hi' AND compaction = {'class': 'LeveledCompactionStrategy'} AND compression = {'class': 'ZstdCompressor', 'chunk_length_in_kb': 64} AND default_time_to_live = 10 AND gc_grace_seconds = 5 AND caching = {'keys': 'none', 'rows_per_partition': '10'} AND speculative_retry = '95PERCENTILE' AND additional_write_policy = 'NEVER' AND read_repair = 'none' AND cdc = true AND memtable = 'trie' AND crc_check_chance = 0.5");
    let p = table(&s2, "t").params;
    assert_eq!(p.comment, "hi");
    assert_eq!(p.compaction.get("class").unwrap(), "org.apache.cassandra.db.compaction.LeveledCompactionStrategy");
    assert_eq!(p.compaction.get("min_threshold").unwrap(), "4");
    assert_eq!(p.compaction.get("max_threshold").unwrap(), "32");
    assert_eq!(p.bloom_filter_fp_chance, 0.1, "LCS's default");
    assert_eq!(p.compression.get("class").unwrap(), "org.apache.cassandra.io.compress.ZstdCompressor");
    assert_eq!(p.compression.get("chunk_length_in_kb").unwrap(), "64");
    assert_eq!(p.default_time_to_live, 10);
    assert_eq!(p.gc_grace_seconds, 5);
    assert_eq!(p.caching.get("keys").unwrap(), "NONE");
    assert_eq!(p.caching.get("rows_per_partition").unwrap(), "10");
    assert_eq!(p.speculative_retry, "95p");
    assert_eq!(p.additional_write_policy, "NEVER");
    assert_eq!(p.read_repair, "NONE");
    assert!(p.cdc);
    assert_eq!(p.memtable, "trie");
    assert_eq!(p.crc_check_chance, 0.5);

    let u = ok(&s, "CREATE TABLE u (a int PRIMARY KEY) WITH compaction = {'class': 'UnifiedCompactionStrategy'} AND compression = {'enabled': false} AND speculative_retry = 'max(99p,50ms)'");
    let p = table(&u, "u").params;
    assert_eq!(p.compaction.len(), 1, "UCS gets no thresholds");
    assert_eq!(p.compression.get("enabled").unwrap(), "false");
    assert_eq!(p.compression.len(), 1);
    assert_eq!(p.speculative_retry, "MAX(99p,50ms)");
}

#[test]
fn table_option_errors() {
    let s = base();
    let t = "CREATE TABLE t (a int PRIMARY KEY) WITH ";
    let syntax = |opt: &str, msg: &str| {
        assert_eq!(fails(&s, &format!("{t}{opt}")), DdlError::Syntax(msg.into()), "{opt}");
    };
    syntax("foo = 1", "Unknown property 'foo'");
    syntax("gc_grace_seconds = 'x'", "Invalid integer value x for 'gc_grace_seconds'");
    syntax("crc_check_chance = 'x'", "Invalid double value x for 'crc_check_chance'");
    syntax("comment = {'a': 'b'}", "Invalid value for property 'comment'. It should be a string");
    syntax("compaction = 'x'", "Invalid value for property 'compaction'. It should be a map.");
    let cfg = |opt: &str, msg: &str| config(&s, &format!("{t}{opt}"), msg);
    cfg("compaction = {'min_threshold': 2}", "Missing sub-option 'class' for the 'compaction' option");
    cfg(
        "compaction = {'class': 'DateTieredCompactionStrategy'}",
        "Unable to find compaction strategy class 'org.apache.cassandra.db.compaction.DateTieredCompactionStrategy'",
    );
    cfg(
        "compaction = {'class': 'SizeTieredCompactionStrategy', 'foo': 1}",
        "Properties specified [foo] are not understood by SizeTieredCompactionStrategy",
    );
    cfg(
        "compaction = {'class': 'SizeTieredCompactionStrategy', 'min_threshold': 1}",
        "Min compaction threshold cannot be less than 2 (got 1)",
    );
    cfg(
        "compaction = {'class': 'SizeTieredCompactionStrategy', 'min_threshold': 8, 'max_threshold': 4}",
        "Min compaction threshold (got 8) cannot be greater than max compaction threshold (got 4)",
    );
    cfg(
        "compaction = {'class': 'SizeTieredCompactionStrategy', 'min_threshold': 'x'}",
        "Invalid value x for 'min_threshold' compaction sub-option - must be an integer",
    );
    cfg("compression = {'chunk_length_in_kb': 16}", "Missing sub-option 'class' for the 'compression' option.");
    cfg(
        "compression = {'enabled': false, 'class': 'LZ4Compressor'}",
        "If the 'enabled' option is set to false no other options must be specified",
    );
    cfg(
        "compression = {'class': 'FooCompressor'}",
        "Could not create Compression for type org.apache.cassandra.io.compress.FooCompressor",
    );
    cfg("compression = {'class': 'LZ4Compressor', 'chunk_length_in_kb': 3}", "chunk_length_in_kb must be a power of 2");
    cfg("compression = {'class': 'LZ4Compressor', 'level': 3}", "Unknown compression options level");
    cfg(
        "caching = {'keys': 'SOME'}",
        "Invalid value 'SOME' for caching sub-option 'keys': only 'ALL' and 'NONE' are allowed",
    );
    cfg(
        "caching = {'foo': 'ALL'}",
        "Invalid caching sub-options [foo]: only 'keys' and 'rows_per_partition' are allowed",
    );
    cfg(
        "bloom_filter_fp_chance = 0",
        "bloom_filter_fp_chance must be larger than 6.710808136638059E-5 and less than or equal to 1.0 (got 0.0)",
    );
    cfg(
        "crc_check_chance = 2",
        "crc_check_chance must be larger than or equal to 0 and smaller than or equal to 1.0 (got 2.0)",
    );
    cfg("default_time_to_live = -1", "default_time_to_live must be greater than or equal to 0 (got -1)");
    cfg(
        "default_time_to_live = 630720001",
        "default_time_to_live must be less than or equal to 630720000 (got 630720001)",
    );
    cfg("gc_grace_seconds = -1", "gc_grace_seconds must be greater than or equal to 0 (got -1)");
    cfg("min_index_interval = 0", "min_index_interval must be greater than or equal to 1 (got 0)");
    cfg(
        "max_index_interval = 100",
        "max_index_interval must be greater than or equal to min_index_interval (128) (got 100)",
    );
    cfg("speculative_retry = 'sometimes'", "Invalid value sometimes for option 'speculative_retry'");
    cfg(
        "speculative_retry = '100p'",
        "Invalid value 100p for PERCENTILE option 'speculative_retry': must be between (0.0 and 100.0)",
    );
    cfg("memtable = 'fast'", "Memtable configuration \"fast\" not found.");
    cfg("id = 'nope'", "Invalid table id");
}

#[test]
fn alter_table_add() {
    let s = ok(&base(), "CREATE TABLE t (a int, b int, v int, PRIMARY KEY (a, b))");
    let o = run(&s, "ALTER TABLE t ADD (x text, y int static)").unwrap();
    assert_eq!(
        o.change,
        Some(SchemaChange::Table { change: ChangeType::Updated, keyspace: "ks".into(), table: "t".into() })
    );
    let t = table(&o.schema, "t");
    assert_eq!(t.column("y").unwrap().kind, ColumnKind::Static);
    assert_eq!(t.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["a", "b", "v", "x", "y"]);
    invalid(&s, "ALTER TABLE t ADD v int", "Column with name 'v' already exists");
    noop(&s, "ALTER TABLE t ADD IF NOT EXISTS v int");
    invalid(&s, "ALTER TABLE nope ADD v int", "Table 'ks.nope' doesn't exist");
    noop(&s, "ALTER TABLE IF EXISTS nope ADD v int");
    let no_ck = ok(&base(), "CREATE TABLE n (a int PRIMARY KEY)");
    invalid(
        &no_ck,
        "ALTER TABLE n ADD s int static",
        "Static columns are only useful (and thus allowed) if the table has at least one clustering column",
    );
    config(&s, "ALTER TABLE t ADD c counter", "Cannot have a counter column (\"c\") in a non counter table");
    let c = ok(&base(), "CREATE TABLE c (a int PRIMARY KEY, n counter)");
    config(&c, "ALTER TABLE c ADD x int", "Cannot have a non counter column (\"x\") in a counter table");
    invalid(&s, "ALTER TABLE t ALTER v TYPE bigint", "Altering column types is no longer supported");
}

#[test]
fn alter_table_drop_and_re_add() {
    let s = ok(&base(), "CREATE TABLE t (a int, b int, v int, w text, PRIMARY KEY (a, b))");
    let s2 = ok(&s, "ALTER TABLE t DROP v");
    let t = table(&s2, "t");
    assert!(t.column("v").is_none());
    let d = t.dropped_columns.get("v").unwrap();
    assert_eq!((d.ty.clone(), d.kind, d.dropped_time_micros), (CqlType::Int, ColumnKind::Regular, NOW));
    let s3 = ok(&s, "ALTER TABLE t DROP (v, w) USING TIMESTAMP 42");
    assert_eq!(table(&s3, "t").dropped_columns.get("w").unwrap().dropped_time_micros, 42);
    invalid(&s, "ALTER TABLE t DROP a", "Cannot drop PRIMARY KEY column a");
    invalid(&s, "ALTER TABLE t DROP nope", "Column nope was not found in table 'ks.t'");
    noop(&s, "ALTER TABLE t DROP IF EXISTS nope");
    invalid(
        &s2,
        "ALTER TABLE t ADD v text",
        "Cannot re-add previously dropped column 'v' of type text, incompatible with previous type int",
    );
    invalid(
        &s2,
        "ALTER TABLE t ADD v int static",
        "Cannot re-add previously dropped column 'v' of kind STATIC, incompatible with previous kind REGULAR",
    );
    let back = ok(&s2, "ALTER TABLE t ADD v int");
    assert!(table(&back, "t").column("v").is_some());
    assert!(table(&back, "t").dropped_columns.contains_key("v"), "the drop record stays");
    let blob = ok(&s2, "ALTER TABLE t ADD v blob");
    assert_eq!(table(&blob, "t").column("v").unwrap().ty, CqlType::Blob);
    let c = ok(&base(), "CREATE TABLE c (a int PRIMARY KEY, n counter, m counter)");
    let c = ok(&c, "ALTER TABLE c DROP n");
    invalid(&c, "ALTER TABLE c ADD n counter", "Cannot re-add previously dropped counter column n");
    let c = ok(&c, "ALTER TABLE c DROP m");
    assert!(table(&c, "c").is_counter(), "a counter table stays one with no counter left");
}

#[test]
fn alter_table_rename() {
    let s = ok(&base(), "CREATE TABLE t (a int, b int, v int, PRIMARY KEY (a, b))");
    let s2 = ok(&s, "ALTER TABLE t RENAME a TO x AND b TO y");
    let t = table(&s2, "t");
    assert_eq!(t.partition_key().next().unwrap().name, "x");
    assert_eq!(t.clustering().next().unwrap().name, "y");
    invalid(&s, "ALTER TABLE t RENAME v TO z", "Cannot rename non PRIMARY KEY column v");
    invalid(&s, "ALTER TABLE t RENAME nope TO z", "Column nope was not found in table ks.t");
    invalid(
        &s,
        "ALTER TABLE t RENAME a TO v",
        "Cannot rename column a to v in table 'ks.t'; another column with that name already exists",
    );
    noop(&s, "ALTER TABLE t RENAME IF EXISTS nope TO z");
}

#[test]
fn alter_table_with() {
    let s = ok(&base(), "CREATE TABLE t (a int PRIMARY KEY, v int)");
    let s2 = ok(&s, "ALTER TABLE t WITH comment = 'c' AND compaction = {'class': 'LeveledCompactionStrategy'}");
    let p = table(&s2, "t").params;
    assert_eq!(p.comment, "c");
    assert_eq!(p.bloom_filter_fp_chance, 0.01, "ALTER keeps the table's bloom filter chance");
    noop(&s2, "ALTER TABLE t WITH comment = 'c'");
    config(&s, "ALTER TABLE t WITH id = 5a1c395e-b41f-11e5-9f22-ba0be0483c18", "Cannot alter table id.");
    config(
        &s,
        "ALTER TABLE t WITH min_index_interval = 4096",
        "max_index_interval must be greater than or equal to min_index_interval (4096) (got 2048)",
    );
    assert_eq!(fails(&s, "ALTER TABLE t WITH foo = 1"), DdlError::Syntax("Unknown property 'foo'".into()));
    let c = ok(&base(), "CREATE TABLE c (a int PRIMARY KEY, n counter)");
    invalid(
        &c,
        "ALTER TABLE c WITH default_time_to_live = 1",
        "Cannot set default_time_to_live on a table with counters",
    );
    invalid(
        &s,
        "ALTER TABLE t DROP COMPACT STORAGE",
        "DROP COMPACT STORAGE is disabled. Enable in cassandra.yaml to use.",
    );
    invalid(
        &s,
        "ALTER TABLE t ALTER v MASKED WITH DEFAULT",
        "Cannot mask columns because dynamic data masking is not enabled. You can enable it with the \
         dynamic_data_masking_enabled property on cassandra.yaml",
    );
    noop(&s, "ALTER TABLE t ALTER v DROP MASKED");
    invalid(&s, "ALTER TABLE t ALTER nope DROP MASKED", "Column with name 'nope' doesn't exist on table 't'");
}

#[test]
fn drop_table() {
    let s = ok(&base(), "CREATE TABLE t (a int PRIMARY KEY)");
    let o = run(&s, "DROP TABLE ks.t").unwrap();
    assert!(o.schema.table("ks", "t").is_none());
    assert_eq!(
        o.change,
        Some(SchemaChange::Table { change: ChangeType::Dropped, keyspace: "ks".into(), table: "t".into() })
    );
    invalid(&s, "DROP TABLE nope", "Table 'ks.nope' doesn't exist");
    noop(&s, "DROP TABLE IF EXISTS nope");
}

#[test]
fn unsupported_statements() {
    let s = ok(&base(), "CREATE TABLE t (a int PRIMARY KEY, v int)");
    invalid(&s, "CREATE INDEX ON t (v)", "Secondary indexes are not supported by sibyl");
    invalid(
        &s,
        "CREATE MATERIALIZED VIEW mv AS SELECT * FROM t WHERE v IS NOT NULL AND a IS NOT NULL PRIMARY KEY (v, a)",
        "Materialized views are not supported by sibyl",
    );
    invalid(
        &s,
        "CREATE FUNCTION f (a int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java AS 'return a;'",
        "User-defined functions are not supported by sibyl",
    );
    invalid(&s, "DROP INDEX i", "Index 'ks.i' doesn't exist");
    noop(&s, "DROP INDEX IF EXISTS i");
    invalid(&s, "SELECT * FROM t", "Not a schema statement: SELECT * FROM t");
}

#[test]
fn error_codes() {
    assert_eq!(DdlError::Syntax(String::new()).code(), 0x2000);
    assert_eq!(DdlError::Unauthorized(String::new()).code(), 0x2100);
    assert_eq!(DdlError::Invalid(String::new()).code(), 0x2200);
    assert_eq!(DdlError::ConfigurationError(String::new()).code(), 0x2300);
    let e = DdlError::AlreadyExists { keyspace: "k".into(), table: String::new(), message: "m".into() };
    assert_eq!((e.code(), e.message()), (0x2400, "m"));
}

#[test]
fn more_replication_and_option_messages() {
    let s = base();
    config(
        &s,
        "CREATE KEYSPACE k WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '3/1'}",
        "Transient replication is not enabled on this node",
    );
    config(
        &s,
        "CREATE KEYSPACE k WITH replication = {'class': 'OldNetworkTopologyStrategy'}",
        "The support for the OldNetworkTopologyStrategy has been removed in C* version 4.0. The keyspace strategy \
         should be switch to NetworkTopologyStrategy",
    );
    config(
        &s,
        "CREATE KEYSPACE k WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 'x'}",
        "For input string: \"x\"",
    );
    let t = "CREATE TABLE t (a int PRIMARY KEY) WITH ";
    config(
        &s,
        &format!("{t}compression = {{'class': 'LZ4Compressor', 'chunk_length_in_kb': 'x'}}"),
        "Invalid value for chunk_length_in_kb",
    );
    config(
        &s,
        &format!("{t}speculative_retry = 'MIN(99p,95p)'"),
        "Invalid value MIN(99p,95p) for option 'speculative_retry': MIN()/MAX() arguments should be of different \
         types, but both are of type PERCENTILE",
    );
    config(
        &s,
        &format!("{t}compaction = {{'class': 'UnifiedCompactionStrategy', 'min_threshold': 4}}"),
        "Properties specified [min_threshold] are not understood by UnifiedCompactionStrategy",
    );
    config(
        &s,
        &format!("{t}read_repair = 'sometimes'"),
        "No enum constant org.apache.cassandra.service.reads.repair.ReadRepairStrategy.SOMETIMES",
    );
    let ok_retry = ok(&s, &format!("{t}speculative_retry = '50.5ms' AND additional_write_policy = 'always'"));
    let p = table(&ok_retry, "t").params;
    assert_eq!((p.speculative_retry.as_str(), p.additional_write_policy.as_str()), ("50ms", "ALWAYS"));
    let empty = ok(&s, &format!("{t}compression = {{}}"));
    assert_eq!(table(&empty, "t").params.compression.get("enabled").map(String::as_str), Some("false"));
    invalid(
        &s,
        "CREATE TABLE t (a int PRIMARY KEY, b list<frozen<list<int>>>, c map<duration, int>)",
        "Durations are not allowed as map keys: map<duration, int>",
    );
    invalid(
        &s,
        "CREATE TABLE t (a int PRIMARY KEY, b set<duration>)",
        "Durations are not allowed inside sets: set<duration>",
    );
    let with_udt = ok(&s, "CREATE TYPE u (x int)");
    invalid(
        &with_udt,
        "CREATE TABLE t (a int PRIMARY KEY, b list<u>)",
        "Non-frozen UDTs are not allowed inside collections: list<u>",
    );
}
