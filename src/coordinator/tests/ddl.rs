//! Schema statements through the query processor, per Cassandra 5.0's documented behaviour:
//! CREATE/ALTER/DROP KEYSPACE, TABLE and TYPE, TRUNCATE and USE; their results (SCHEMA_CHANGE,
//! or Void when `IF [NOT] EXISTS` makes them no-ops), their errors (AlreadyExists, Invalid), what
//! `system_schema` shows afterwards, what happens to the data, and the schema version.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use sibyl_coordinator::mapping;
use sibyl_coordinator::schema_store::{bootstrap, system_schema};
use sibyl_coordinator::{CqlError, ManualClock, QueryOptions, QueryProcessor, QueryResult};
use sibyl_cql::schema::{ChangeType, SchemaChange};
use sibyl_storage::{Compression, Engine, EngineConfig};
use support::{render, table, START_MICROS};

/// A processor bootstrapped with the `system_schema` tables (so DDL is stored and readable
/// with SELECT), on a fresh engine, with a manual clock.
struct Node {
    _dir: tempfile::TempDir,
    proc: QueryProcessor,
    clock: Arc<ManualClock>,
    keyspace: Option<String>,
}

impl Node {
    fn new() -> Node {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = EngineConfig::new(dir.path());
        cfg.background_compaction = false;
        cfg.auto_snapshot = false;
        let engine = Arc::new(Engine::open(cfg).unwrap());
        let clock = Arc::new(ManualClock::new(START_MICROS));
        let proc = QueryProcessor::with_clock(engine, Arc::new(system_schema()), clock.clone());
        bootstrap(&proc).unwrap();
        Node { _dir: dir, proc, clock, keyspace: None }
    }

    /// A node with keyspace `ks` (SimpleStrategy, RF 1) in use.
    fn with_ks() -> Node {
        let mut n = Node::new();
        n.exec("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
        n.keyspace = Some("ks".into());
        n
    }

    fn opts(&self) -> QueryOptions {
        QueryOptions { keyspace: self.keyspace.clone(), ..QueryOptions::default() }
    }

    fn try_exec(&self, cql: &str) -> Result<QueryResult, CqlError> {
        // Every statement happens a little later than the previous one.
        self.clock.set(self.clock_now() + 1_000);
        self.proc.query(cql, &self.opts())
    }

    fn clock_now(&self) -> i64 {
        use sibyl_coordinator::Clock;
        self.clock.now_micros()
    }

    fn exec(&self, cql: &str) -> QueryResult {
        self.try_exec(cql).unwrap_or_else(|e| panic!("{cql}: {e:?}"))
    }

    fn err(&self, cql: &str) -> CqlError {
        match self.try_exec(cql) {
            Ok(r) => panic!("{cql}: expected an error, got {r:?}"),
            Err(e) => e,
        }
    }

    /// The message of an Invalid (0x2200) error.
    fn invalid(&self, cql: &str) -> String {
        let e = self.err(cql);
        assert_eq!(e.code(), 0x2200, "{cql}: {e:?}");
        e.message()
    }

    fn rows(&self, cql: &str) -> Vec<Vec<String>> {
        match self.exec(cql) {
            QueryResult::Rows(r) => render(&r),
            other => panic!("{cql}: expected rows, got {other:?}"),
        }
    }

    /// Executes a schema statement and returns its change.
    fn change(&self, cql: &str) -> SchemaChange {
        match self.exec(cql) {
            QueryResult::SchemaChange(c) => c,
            other => panic!("{cql}: expected a schema change, got {other:?}"),
        }
    }

    /// Executes a statement that must change nothing (a Void result, same schema version).
    fn void(&self, cql: &str) {
        let before = self.proc.schema().version();
        assert_eq!(self.exec(cql), QueryResult::Void, "{cql}");
        assert_eq!(self.proc.schema().version(), before, "{cql} changed the schema version");
    }
}

fn ks_change(change: ChangeType, ks: &str) -> SchemaChange {
    SchemaChange::Keyspace { change, keyspace: ks.into() }
}

fn table_change(change: ChangeType, ks: &str, t: &str) -> SchemaChange {
    SchemaChange::Table { change, keyspace: ks.into(), table: t.into() }
}

fn type_change(change: ChangeType, ks: &str, t: &str) -> SchemaChange {
    SchemaChange::Type { change, keyspace: ks.into(), name: t.into() }
}

// --- keyspaces -------------------------------------------------------------------------------

#[test]
fn create_keyspace_simple_strategy() {
    let n = Node::new();
    let c = n.change("CREATE KEYSPACE k1 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}");
    assert_eq!(c, ks_change(ChangeType::Created, "k1"));
    assert_eq!(
        n.rows("SELECT durable_writes, replication FROM system_schema.keyspaces WHERE keyspace_name = 'k1'"),
        table(&[&["true", "{'class': 'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '2'}"]])
    );
    // Duplicate: AlreadyExists, unless IF NOT EXISTS (then Void and nothing changes).
    let e = n.err("CREATE KEYSPACE k1 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    assert_eq!(e.code(), 0x2400);
    assert_eq!(e.message(), "Cannot add existing keyspace \"k1\"");
    assert!(matches!(&e, CqlError::AlreadyExists { keyspace, table, .. } if keyspace == "k1" && table.is_empty()));
    n.void("CREATE KEYSPACE IF NOT EXISTS k1 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    assert_eq!(
        n.rows("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'k1'"),
        table(&[&["{'class': 'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '2'}"]]),
        "IF NOT EXISTS keeps the existing definition"
    );
    // Keyspace names are case-insensitive unless quoted.
    n.change("CREATE KEYSPACE \"MixedCase\" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    n.change("CREATE KEYSPACE MixedCase WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    assert_eq!(
        n.rows("SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name IN ('MixedCase', 'mixedcase')"),
        table(&[&["'MixedCase'"], &["'mixedcase'"]])
    );
}

#[test]
fn create_keyspace_network_topology_and_durable_writes() {
    let n = Node::new();
    let c = n.change(
        "CREATE KEYSPACE k2 WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2} \
         AND durable_writes = false",
    );
    assert_eq!(c, ks_change(ChangeType::Created, "k2"));
    assert_eq!(
        n.rows("SELECT durable_writes, replication FROM system_schema.keyspaces WHERE keyspace_name = 'k2'"),
        table(&[&[
            "false",
            "{'class': 'org.apache.cassandra.locator.NetworkTopologyStrategy', 'dc1': '3', 'dc2': '2'}"
        ]])
    );
    // Missing or malformed replication.
    assert_eq!(n.invalid("CREATE KEYSPACE k3 WITH durable_writes = true"), "Missing mandatory option 'replication'");
    let e = n.err("CREATE KEYSPACE k3 WITH replication = {'replication_factor': 1}");
    assert_eq!((e.code(), e.message().as_str()), (0x2300, "Missing replication strategy class"));
    let e = n.err("CREATE KEYSPACE k3 WITH replication = {'class': 'SimpleStrategy'} AND foo = 1");
    assert_eq!((e.code(), e.message().as_str()), (0x2000, "Unknown property 'foo'"));
    assert!(n.proc.schema().keyspace("k3").is_none());
}

#[test]
fn alter_and_drop_keyspace() {
    let n = Node::with_ks();
    let c = n.change("ALTER KEYSPACE ks WITH durable_writes = false");
    assert_eq!(c, ks_change(ChangeType::Updated, "ks"));
    let c = n.change("ALTER KEYSPACE ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1}");
    assert_eq!(c, ks_change(ChangeType::Updated, "ks"));
    assert_eq!(
        n.rows("SELECT durable_writes, replication FROM system_schema.keyspaces WHERE keyspace_name = 'ks'"),
        table(&[&["false", "{'class': 'org.apache.cassandra.locator.NetworkTopologyStrategy', 'dc1': '1'}"]]),
        "an ALTER keeps what it does not name"
    );
    n.void("ALTER KEYSPACE ks WITH durable_writes = false");
    assert_eq!(n.invalid("ALTER KEYSPACE nope WITH durable_writes = false"), "Keyspace 'nope' doesn't exist");

    // DROP removes the keyspace, its tables, their data and their system_schema rows.
    n.exec("CREATE TABLE t (k int PRIMARY KEY, v int)");
    n.exec("INSERT INTO t (k, v) VALUES (1, 1)");
    let tables_before = n.proc.engine().table_ids().len();
    assert_eq!(n.change("DROP KEYSPACE ks"), ks_change(ChangeType::Dropped, "ks"));
    assert_eq!(n.proc.engine().table_ids().len(), tables_before - 1, "the table's storage is dropped");
    assert!(n.rows("SELECT * FROM system_schema.keyspaces WHERE keyspace_name = 'ks'").is_empty());
    assert!(n.rows("SELECT * FROM system_schema.tables WHERE keyspace_name = 'ks'").is_empty());
    assert!(n.rows("SELECT * FROM system_schema.columns WHERE keyspace_name = 'ks'").is_empty());
    n.void("DROP KEYSPACE IF EXISTS ks");
    assert_eq!(n.invalid("DROP KEYSPACE ks"), "Keyspace 'ks' doesn't exist");
    assert_eq!(n.invalid("SELECT * FROM ks.t"), "keyspace ks does not exist");

    // Re-created, it is empty.
    n.exec("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    n.exec("CREATE TABLE t (k int PRIMARY KEY, v int)");
    assert!(n.rows("SELECT * FROM t").is_empty());
}

#[test]
fn system_keyspaces_cannot_be_changed() {
    let n = Node::new();
    let e = n.err("DROP KEYSPACE system_schema");
    assert_eq!(e.code(), 0x2100, "{e:?}");
    let e = n.err("CREATE TABLE system.t (k int PRIMARY KEY)");
    assert_eq!(e.code(), 0x2100, "{e:?}");
    let e = n.err("ALTER TABLE system_schema.tables WITH comment = 'x'");
    assert_eq!(e.code(), 0x2100, "{e:?}");
}

// --- tables ----------------------------------------------------------------------------------

#[test]
fn create_table_with_composite_keys_clustering_order_and_statics() {
    let n = Node::with_ks();
    let c = n.change(
        "CREATE TABLE events (tenant text, day int, at timestamp, seq int, label text STATIC, payload blob, \
         PRIMARY KEY ((tenant, day), at, seq)) WITH CLUSTERING ORDER BY (at DESC, seq ASC)",
    );
    assert_eq!(c, table_change(ChangeType::Created, "ks", "events"));
    assert_eq!(
        n.rows(
            "SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns \
             WHERE keyspace_name = 'ks' AND table_name = 'events'"
        ),
        table(&[
            &["'at'", "'clustering'", "0", "'desc'", "'timestamp'"],
            &["'day'", "'partition_key'", "1", "'none'", "'int'"],
            &["'label'", "'static'", "-1", "'none'", "'text'"],
            &["'payload'", "'regular'", "-1", "'none'", "'blob'"],
            &["'seq'", "'clustering'", "1", "'asc'", "'int'"],
            &["'tenant'", "'partition_key'", "0", "'none'", "'text'"],
        ])
    );
    assert_eq!(
        n.rows("SELECT flags FROM system_schema.tables WHERE keyspace_name = 'ks' AND table_name = 'events'"),
        table(&[&["{'compound'}"]])
    );
    // The table works: both partition key parts are needed, rows come in clustering order
    // (newest first), the static column is shared by the partition.
    n.exec("INSERT INTO events (tenant, day, at, seq, label, payload) VALUES ('a', 1, 1000, 1, 'L', 0x01)");
    n.exec("INSERT INTO events (tenant, day, at, seq, payload) VALUES ('a', 1, 2000, 1, 0x02)");
    n.exec("INSERT INTO events (tenant, day, at, seq, payload) VALUES ('a', 1, 2000, 0, 0x03)");
    n.exec("INSERT INTO events (tenant, day, at, seq, label) VALUES ('a', 2, 1000, 1, 'other')");
    assert_eq!(
        n.rows("SELECT at, seq, label, payload FROM events WHERE tenant = 'a' AND day = 1"),
        table(&[
            &["'1970-01-01T00:00:02.000Z'", "0", "'L'", "0x03"],
            &["'1970-01-01T00:00:02.000Z'", "1", "'L'", "0x02"],
            &["'1970-01-01T00:00:01.000Z'", "1", "'L'", "0x01"],
        ])
    );
    let msg = n.invalid("SELECT * FROM events WHERE tenant = 'a'");
    assert!(msg.contains("ALLOW FILTERING") || msg.contains("partition key"), "{msg}");
}

#[test]
fn create_table_errors_and_if_not_exists() {
    let n = Node::with_ks();
    n.change("CREATE TABLE t (k int PRIMARY KEY, v text)");
    let e = n.err("CREATE TABLE t (k int PRIMARY KEY, v text)");
    assert_eq!(e.code(), 0x2400);
    assert_eq!(e.message(), "Cannot add already existing table \"t\" to keyspace \"ks\"");
    assert!(matches!(&e, CqlError::AlreadyExists { keyspace, table, .. } if keyspace == "ks" && table == "t"));
    // IF NOT EXISTS: Void, and the existing definition stays (even when the new one differs).
    n.void("CREATE TABLE IF NOT EXISTS t (k int PRIMARY KEY, other int)");
    assert!(n.proc.schema().table("ks", "t").unwrap().column("other").is_none());
    assert_eq!(n.invalid("CREATE TABLE nope.t (k int PRIMARY KEY)"), "Keyspace 'nope' doesn't exist");
    assert_eq!(
        n.invalid("CREATE TABLE u (k int, v int)"),
        "No PRIMARY KEY specifed for table 'u' (exactly one required)"
    );
    assert_eq!(
        n.invalid("CREATE TABLE u (k int PRIMARY KEY, s int STATIC)"),
        "Static columns are only useful (and thus allowed) if the table has at least one clustering column"
    );
    let e = n.err("CREATE TABLE u (k int PRIMARY KEY) WITH nonsense = 1");
    assert_eq!((e.code(), e.message().as_str()), (0x2000, "Unknown property 'nonsense'"));
    // Without a keyspace in use, names must be qualified.
    let fresh = Node::new();
    assert_eq!(
        fresh.invalid("CREATE TABLE t (k int PRIMARY KEY)"),
        "No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename"
    );
    assert!(n.proc.schema().table("ks", "u").is_none());
}

#[test]
fn table_options_are_visible_in_system_schema() {
    let n = Node::with_ks();
    n.change(
        "CREATE TABLE o (k int PRIMARY KEY, v text) WITH comment = 'orders' \
         AND compaction = {'class': 'LeveledCompactionStrategy', 'sstable_size_in_mb': 80} \
         AND compression = {'class': 'LZ4Compressor', 'chunk_length_in_kb': 64} \
         AND default_time_to_live = 3600 AND gc_grace_seconds = 7200 AND bloom_filter_fp_chance = 0.05 \
         AND caching = {'keys': 'NONE', 'rows_per_partition': 'ALL'} AND speculative_retry = '95PERCENTILE'",
    );
    let q = "SELECT comment, compaction, compression, default_time_to_live, gc_grace_seconds, \
             bloom_filter_fp_chance, caching, speculative_retry FROM system_schema.tables \
             WHERE keyspace_name = 'ks' AND table_name = 'o'";
    assert_eq!(
        n.rows(q),
        table(&[&[
            "'orders'",
            "{'class': 'org.apache.cassandra.db.compaction.LeveledCompactionStrategy', 'max_threshold': '32', \
             'min_threshold': '4', 'sstable_size_in_mb': '80'}",
            "{'chunk_length_in_kb': '64', 'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}",
            "3600",
            "7200",
            "0.05",
            "{'keys': 'NONE', 'rows_per_partition': 'ALL'}",
            "'95p'",
        ]])
    );
    // Unset options take Cassandra's defaults.
    n.change("CREATE TABLE d (k int PRIMARY KEY)");
    let d = n.rows(
        "SELECT comment, default_time_to_live, gc_grace_seconds, bloom_filter_fp_chance, caching, \
         speculative_retry, compaction FROM system_schema.tables WHERE keyspace_name = 'ks' AND table_name = 'd'",
    );
    assert_eq!(
        d,
        table(&[&[
            "''",
            "0",
            "864000",
            "0.01",
            "{'keys': 'ALL', 'rows_per_partition': 'NONE'}",
            "'99p'",
            "{'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', 'max_threshold': '32', \
             'min_threshold': '4'}",
        ]])
    );
}

#[test]
fn options_the_storage_engine_cannot_honour_are_refused_before_anything_is_stored() {
    let n = Node::with_ks();
    let version = n.proc.schema().version();
    let e = n.err("CREATE TABLE u (k int PRIMARY KEY) WITH compaction = {'class': 'UnifiedCompactionStrategy'}");
    assert_eq!(e.code(), 0x2300, "{e:?}");
    assert_eq!(
        e.message(),
        "Compaction strategy class 'org.apache.cassandra.db.compaction.UnifiedCompactionStrategy' is not supported"
    );
    assert_eq!(n.proc.schema().version(), version);
    assert!(n.rows("SELECT * FROM system_schema.tables WHERE keyspace_name = 'ks'").is_empty());

    n.exec("CREATE TABLE t (k int PRIMARY KEY)");
    let version = n.proc.schema().version();
    let e = n.err("ALTER TABLE t WITH compaction = {'class': 'UnifiedCompactionStrategy'}");
    assert_eq!(e.code(), 0x2300, "{e:?}");
    assert_eq!(n.proc.schema().version(), version);
    assert_eq!(
        n.rows("SELECT compaction FROM system_schema.tables WHERE keyspace_name = 'ks' AND table_name = 't'"),
        table(&[&["{'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', 'max_threshold': \
                   '32', 'min_threshold': '4'}"]])
    );
}

#[test]
fn alter_table_add_drop_rename() {
    let n = Node::with_ks();
    n.exec("CREATE TABLE t (k int, c int, v int, PRIMARY KEY (k, c))");
    n.exec("INSERT INTO t (k, c, v) VALUES (1, 1, 10)");

    // ADD: existing rows read null for the new column.
    assert_eq!(n.change("ALTER TABLE t ADD w text"), table_change(ChangeType::Updated, "ks", "t"));
    assert_eq!(n.rows("SELECT k, c, v, w FROM t"), table(&[&["1", "1", "10", "null"]]));
    n.exec("UPDATE t SET w = 'x' WHERE k = 1 AND c = 1");
    assert_eq!(n.rows("SELECT w FROM t WHERE k = 1"), table(&[&["'x'"]]));
    n.change("ALTER TABLE t ADD (s int static, m map<int, text>)");
    // SELECT *: key columns, then static columns, then regular columns by name.
    assert_eq!(n.rows("SELECT * FROM t"), table(&[&["1", "1", "null", "null", "10", "'x'"]]));
    assert_eq!(n.invalid("ALTER TABLE t ADD v int"), "Column with name 'v' already exists");
    n.void("ALTER TABLE t ADD IF NOT EXISTS v int");

    // DROP: the column disappears from results and from system_schema.columns, and is listed
    // in system_schema.dropped_columns.
    assert_eq!(n.change("ALTER TABLE t DROP w"), table_change(ChangeType::Updated, "ks", "t"));
    assert_eq!(n.rows("SELECT * FROM t"), table(&[&["1", "1", "null", "null", "10"]]));
    assert_eq!(n.invalid("SELECT w FROM t"), "Undefined column name w in table ks.t");
    assert!(n
        .rows(
            "SELECT * FROM system_schema.columns WHERE keyspace_name = 'ks' AND table_name = 't' AND column_name = 'w'"
        )
        .is_empty());
    assert_eq!(
        n.rows(
            "SELECT column_name, kind, type FROM system_schema.dropped_columns WHERE keyspace_name = 'ks' \
             AND table_name = 't'"
        ),
        table(&[&["'w'", "'regular'", "'text'"]])
    );
    assert_eq!(n.invalid("ALTER TABLE t DROP k"), "Cannot drop PRIMARY KEY column k");
    assert_eq!(n.invalid("ALTER TABLE t DROP nope"), "Column nope was not found in table 'ks.t'");
    n.void("ALTER TABLE t DROP IF EXISTS nope");

    // Re-adding a dropped column does not bring back the values written before the drop.
    n.change("ALTER TABLE t ADD w text");
    assert_eq!(n.rows("SELECT k, c, w FROM t"), table(&[&["1", "1", "null"]]));
    n.exec("UPDATE t SET w = 'new' WHERE k = 1 AND c = 1");
    assert_eq!(n.rows("SELECT w FROM t"), table(&[&["'new'"]]));

    // RENAME works on primary key columns only; queries then use the new name.
    n.change("ALTER TABLE t RENAME c TO cc");
    assert_eq!(n.rows("SELECT k, cc, v FROM t WHERE k = 1 AND cc = 1"), table(&[&["1", "1", "10"]]));
    assert_eq!(n.invalid("ALTER TABLE t RENAME v TO vv"), "Cannot rename non PRIMARY KEY column v");
    assert_eq!(n.invalid("ALTER TABLE nope ADD x int"), "Table 'ks.nope' doesn't exist");
    n.void("ALTER TABLE IF EXISTS nope ADD x int");
}

#[test]
fn dropping_a_column_drops_rows_that_only_had_it() {
    // A row made by UPDATE has no row marker: once its only column is dropped it is gone
    // (Cassandra skips the dropped column's cells), while an INSERTed row stays.
    let n = Node::with_ks();
    n.exec("CREATE TABLE t (k int PRIMARY KEY, a int, b int)");
    n.exec("UPDATE t SET a = 1 WHERE k = 1");
    n.exec("INSERT INTO t (k, a) VALUES (2, 2)");
    n.change("ALTER TABLE t DROP a");
    assert_eq!(n.rows("SELECT * FROM t"), table(&[&["2", "null"]]));
    assert_eq!(n.rows("SELECT count(*) FROM t"), table(&[&["1"]]));
    // Also after the data reached SSTables.
    n.proc.engine().flush_all().unwrap();
    assert_eq!(n.rows("SELECT * FROM t"), table(&[&["2", "null"]]));
    // Conditions read the table as it is now.
    assert_eq!(
        n.rows("UPDATE t SET b = 5 WHERE k = 1 IF EXISTS"),
        table(&[&["false"]]),
        "the UPDATE-only row no longer exists"
    );
}

#[test]
fn alter_table_with_options() {
    let n = Node::with_ks();
    n.exec("CREATE TABLE t (k int PRIMARY KEY, v int)");
    let c = n.change(
        "ALTER TABLE t WITH comment = 'c2' AND gc_grace_seconds = 100 AND default_time_to_live = 50 \
         AND compaction = {'class': 'LeveledCompactionStrategy'} AND compression = {'class': 'LZ4Compressor'}",
    );
    assert_eq!(c, table_change(ChangeType::Updated, "ks", "t"));
    assert_eq!(
        n.rows(
            "SELECT comment, gc_grace_seconds, default_time_to_live, compaction, compression \
             FROM system_schema.tables WHERE keyspace_name = 'ks' AND table_name = 't'"
        ),
        table(&[&[
            "'c2'",
            "100",
            "50",
            "{'class': 'org.apache.cassandra.db.compaction.LeveledCompactionStrategy', 'max_threshold': '32', \
             'min_threshold': '4'}",
            "{'chunk_length_in_kb': '16', 'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}",
        ]])
    );
    // The storage engine uses the new options for later flushes and compactions.
    let def = n.proc.schema().table("ks", "t").cloned().unwrap();
    let o = n.proc.engine().table_options(mapping::table_id(&def)).unwrap();
    assert_eq!((o.gc_grace_seconds, o.compression), (100, Compression::Lz4));
    assert_eq!(
        o.compaction.get("class").map(String::as_str),
        Some("org.apache.cassandra.db.compaction.LeveledCompactionStrategy")
    );
    assert_eq!(o, mapping::table_options(&def));
    // The same values again: nothing changes.
    n.void("ALTER TABLE t WITH comment = 'c2'");
    let e = n.err("ALTER TABLE t WITH nonsense = 1");
    assert_eq!((e.code(), e.message().as_str()), (0x2000, "Unknown property 'nonsense'"));
    assert_eq!(n.invalid("ALTER TABLE nope WITH comment = 'x'"), "Table 'ks.nope' doesn't exist");
}

#[test]
fn altered_default_time_to_live_applies_to_later_writes() {
    let n = Node::with_ks();
    n.exec("CREATE TABLE t (k int PRIMARY KEY, v int)");
    let insert = n.proc.prepare("INSERT INTO t (k, v) VALUES (?, ?)", Some("ks")).unwrap();
    n.exec("INSERT INTO t (k, v) VALUES (1, 1)");
    n.exec("ALTER TABLE t WITH default_time_to_live = 100");
    n.exec("INSERT INTO t (k, v) VALUES (2, 2)");
    // A statement prepared before the ALTER uses the table as it is now.
    n.proc.execute(&insert, &QueryOptions::with_values(vec![support::int(3), support::int(3)])).unwrap();
    n.exec("INSERT INTO t (k, v) VALUES (4, 4) USING TTL 7");
    assert_eq!(
        n.rows("SELECT k, ttl(v) FROM t WHERE k IN (1, 2, 3, 4)"),
        table(&[&["1", "null"], &["2", "100"], &["3", "100"], &["4", "7"]])
    );
    n.exec("ALTER TABLE t WITH default_time_to_live = 0");
    n.exec("INSERT INTO t (k, v) VALUES (5, 5)");
    assert_eq!(n.rows("SELECT ttl(v) FROM t WHERE k = 5"), table(&[&["null"]]));
}

#[test]
fn drop_table() {
    let n = Node::with_ks();
    n.exec("CREATE TABLE t (k int PRIMARY KEY, v int)");
    n.exec("INSERT INTO t (k, v) VALUES (1, 1)");
    let tables_before = n.proc.engine().table_ids().len();
    assert_eq!(n.change("DROP TABLE t"), table_change(ChangeType::Dropped, "ks", "t"));
    assert_eq!(n.proc.engine().table_ids().len(), tables_before - 1);
    assert!(n.rows("SELECT * FROM system_schema.tables WHERE keyspace_name = 'ks' AND table_name = 't'").is_empty());
    assert_eq!(n.invalid("SELECT * FROM t"), "table t does not exist");
    assert_eq!(n.invalid("INSERT INTO t (k, v) VALUES (1, 1)"), "table t does not exist");
    assert_eq!(n.invalid("DROP TABLE t"), "Table 'ks.t' doesn't exist");
    n.void("DROP TABLE IF EXISTS t");
    // A new table of the same name starts empty.
    n.exec("CREATE TABLE t (k int PRIMARY KEY, v int)");
    assert!(n.rows("SELECT * FROM t").is_empty());
}

// --- TRUNCATE and USE --------------------------------------------------------------------------

#[test]
fn truncate_removes_all_data_and_keeps_the_table() {
    let n = Node::with_ks();
    n.exec("CREATE TABLE t (k int, c int, v int, PRIMARY KEY (k, c))");
    for i in 0..20 {
        n.exec(&format!("INSERT INTO t (k, c, v) VALUES ({}, {i}, {i})", i % 3));
    }
    n.proc.engine().flush_all().unwrap();
    n.exec("INSERT INTO t (k, c, v) VALUES (9, 9, 9)");
    let version = n.proc.schema().version();
    assert_eq!(n.exec("TRUNCATE t"), QueryResult::Void);
    assert_eq!(n.proc.schema().version(), version, "TRUNCATE is not a schema change");
    assert!(n.rows("SELECT * FROM t").is_empty());
    n.exec("INSERT INTO t (k, c, v) VALUES (1, 1, 1)");
    assert_eq!(n.rows("SELECT * FROM t"), table(&[&["1", "1", "1"]]));
    assert_eq!(n.exec("TRUNCATE TABLE ks.t"), QueryResult::Void);
    assert!(n.rows("SELECT * FROM t").is_empty());
    assert_eq!(n.invalid("TRUNCATE nope"), "table nope does not exist");
    assert_eq!(n.invalid("TRUNCATE nope.t"), "keyspace nope does not exist");
}

#[test]
fn use_sets_the_keyspace() {
    let n = Node::with_ks();
    assert_eq!(n.exec("USE ks"), QueryResult::SetKeyspace("ks".into()));
    assert_eq!(n.exec("USE \"ks\";"), QueryResult::SetKeyspace("ks".into()));
    assert_eq!(n.exec("USE KS"), QueryResult::SetKeyspace("ks".into()), "unquoted names are lower-cased");
    assert_eq!(n.invalid("USE nope"), "Keyspace 'nope' does not exist");
    assert_eq!(n.invalid("USE \"KS\""), "Keyspace 'KS' does not exist");
}

// --- user types ----------------------------------------------------------------------------------

#[test]
fn create_alter_drop_type() {
    let n = Node::with_ks();
    assert_eq!(n.change("CREATE TYPE addr (street text, zip int)"), type_change(ChangeType::Created, "ks", "addr"));
    assert_eq!(
        n.rows("SELECT type_name, field_names, field_types FROM system_schema.types WHERE keyspace_name = 'ks'"),
        table(&[&["'addr'", "['street', 'zip']", "['text', 'int']"]])
    );
    assert_eq!(n.invalid("CREATE TYPE addr (a int)"), "A user type with name 'addr' already exists");
    n.void("CREATE TYPE IF NOT EXISTS addr (a int)");

    n.exec("CREATE TABLE people (k int PRIMARY KEY, home frozen<addr>)");
    n.exec("INSERT INTO people (k, home) VALUES (1, {street: 'Main', zip: 5})");
    assert_eq!(n.change("ALTER TYPE addr ADD city text"), type_change(ChangeType::Updated, "ks", "addr"));
    assert_eq!(
        n.rows("SELECT home FROM people WHERE k = 1"),
        table(&[&["{street: 'Main', zip: 5, city: null}"]]),
        "old values read the new field as null"
    );
    n.exec("INSERT INTO people (k, home) VALUES (2, {street: 'Side', zip: 6, city: 'X'})");
    assert_eq!(n.rows("SELECT home.city FROM people WHERE k = 2"), table(&[&["'X'"]]));
    n.change("ALTER TYPE addr RENAME zip TO postcode");
    assert_eq!(n.rows("SELECT home.postcode FROM people WHERE k = 1"), table(&[&["5"]]));
    assert_eq!(
        n.rows("SELECT field_names FROM system_schema.types WHERE keyspace_name = 'ks' AND type_name = 'addr'"),
        table(&[&["['street', 'postcode', 'city']"]])
    );
    assert_eq!(n.invalid("ALTER TYPE nope ADD x int"), "Type ks.nope doesn't exist");

    assert_eq!(n.invalid("DROP TYPE addr"), "Cannot drop user type 'ks.addr' as it is still used by tables people");
    n.exec("DROP TABLE people");
    assert_eq!(n.change("DROP TYPE addr"), type_change(ChangeType::Dropped, "ks", "addr"));
    assert!(n.rows("SELECT * FROM system_schema.types WHERE keyspace_name = 'ks'").is_empty());
    assert_eq!(n.invalid("DROP TYPE addr"), "Type 'ks.addr' doesn't exist");
    n.void("DROP TYPE IF EXISTS addr");
    assert_eq!(n.invalid("CREATE TABLE t (k int PRIMARY KEY, a frozen<addr>)"), "Unknown type ks.addr");
}

// --- unknown keyspaces and tables ---------------------------------------------------------------

#[test]
fn unknown_keyspaces_and_tables_are_invalid() {
    let n = Node::with_ks();
    n.exec("CREATE TABLE t (k int PRIMARY KEY, v int)");
    assert_eq!(n.invalid("SELECT * FROM nope"), "table nope does not exist");
    assert_eq!(n.invalid("INSERT INTO nope (k) VALUES (1)"), "table nope does not exist");
    assert_eq!(n.invalid("UPDATE nope SET v = 1 WHERE k = 1"), "table nope does not exist");
    assert_eq!(n.invalid("DELETE FROM nope WHERE k = 1"), "table nope does not exist");
    assert_eq!(n.invalid("SELECT * FROM nope.t"), "keyspace nope does not exist");
    assert_eq!(n.invalid("SELECT * FROM \"Nope\""), "table Nope does not exist");
    assert_eq!(n.invalid("INSERT INTO nope.t (k) VALUES (1)"), "keyspace nope does not exist");
    assert_eq!(n.invalid("DROP TABLE nope.t"), "Table 'nope.t' doesn't exist");
    assert_eq!(n.invalid("ALTER TABLE nope.t ADD x int"), "Table 'nope.t' doesn't exist");
    assert_eq!(n.invalid("CREATE TYPE nope.x (a int)"), "Keyspace 'nope' doesn't exist");
    // Prepared statements are checked the same way.
    let e = n.proc.prepare("SELECT * FROM nope WHERE k = ?", Some("ks")).unwrap_err();
    assert_eq!((e.code(), e.message().as_str()), (0x2200, "table nope does not exist"));
}

// --- schema version ----------------------------------------------------------------------------

const SCRIPT: &[&str] = &[
    "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    "CREATE TYPE ks.addr (street text, zip int)",
    // Table ids are fresh random UUIDs (as in Cassandra) unless given: the same content needs
    // the same id.
    "CREATE TABLE ks.t (k int, c int, v text, a frozen<addr>, PRIMARY KEY (k, c)) \
     WITH id = 5a1c395e-b41f-11e5-9f22-ba0be0483c18 AND comment = 'x'",
    "ALTER TABLE ks.t ADD w int",
    "ALTER TABLE ks.t DROP v",
    "ALTER TABLE ks.t WITH gc_grace_seconds = 10",
    "ALTER TYPE ks.addr ADD city text",
    "ALTER KEYSPACE ks WITH durable_writes = false",
    "CREATE KEYSPACE other WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 2}",
    "DROP KEYSPACE other",
];

#[test]
fn schema_version_changes_on_every_ddl_and_depends_only_on_content() {
    let a = Node::new();
    let mut seen = vec![a.proc.schema().version()];
    for cql in SCRIPT {
        a.exec(cql);
        let v = a.proc.schema().version();
        assert_ne!(Some(&v), seen.last(), "{cql}: the version did not change");
        assert!(!seen.contains(&v) || cql.starts_with("DROP KEYSPACE"), "{cql}: an earlier version came back");
        seen.push(v);
    }
    assert_eq!(seen.last(), seen.get(seen.len() - 3), "dropping what was just created restores the version");

    // Two fresh nodes whose clocks differ: the same statements give the same content, so the
    // same version. (The time a column was dropped is content: give the DROP a timestamp.)
    let a2 = Node::new();
    let b2 = Node::new();
    b2.clock.set(START_MICROS + 7_000_000);
    assert_eq!(a2.proc.schema().version(), b2.proc.schema().version(), "fresh nodes agree");
    for n in [&a2, &b2] {
        for cql in SCRIPT {
            let cql =
                if *cql == "ALTER TABLE ks.t DROP v" { "ALTER TABLE ks.t DROP v USING TIMESTAMP 42" } else { cql };
            n.exec(cql);
        }
    }
    assert_eq!(a2.proc.schema().version(), b2.proc.schema().version(), "same content, same version");
    assert_ne!(a2.proc.schema().version(), a.proc.schema().version(), "another drop time is another content");
    for t in ["keyspaces", "tables", "columns", "dropped_columns", "types"] {
        let q = format!("SELECT * FROM system_schema.{t} WHERE keyspace_name = 'ks'");
        assert_eq!(a2.rows(&q), b2.rows(&q), "system_schema.{t}");
    }
    // Statements that change nothing keep the version; so do writes and TRUNCATE.
    let v = a2.proc.schema().version();
    a2.void("CREATE TABLE IF NOT EXISTS ks.t (k int PRIMARY KEY)");
    a2.void("ALTER TABLE ks.t WITH gc_grace_seconds = 10");
    a2.void("CREATE KEYSPACE IF NOT EXISTS ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    a2.exec("INSERT INTO ks.t (k, c, w) VALUES (1, 1, 1)");
    a2.exec("TRUNCATE ks.t");
    assert_eq!(a2.proc.schema().version(), v);
}

#[test]
fn schema_survives_restart_with_altered_options() {
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        let mut cfg = EngineConfig::new(dir.path());
        cfg.background_compaction = false;
        cfg.auto_snapshot = false;
        let engine = Arc::new(Engine::open(cfg).unwrap());
        let p = QueryProcessor::new(engine, Arc::new(system_schema()));
        bootstrap(&p).unwrap();
        p
    };
    let run = |p: &QueryProcessor, cql: &str| p.query(cql, &QueryOptions::default()).unwrap();
    let version;
    {
        let p = open();
        run(&p, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
        run(&p, "CREATE TABLE ks.t (k int PRIMARY KEY, v int)");
        run(&p, "ALTER TABLE ks.t WITH gc_grace_seconds = 77 AND comment = 'after'");
        version = p.schema().version();
    }
    let p = open();
    assert_eq!(p.schema().version(), version);
    let def = p.schema().table("ks", "t").cloned().unwrap();
    assert_eq!(def.params.gc_grace_seconds, 77);
    assert_eq!(p.engine().table_options(mapping::table_id(&def)).unwrap().gc_grace_seconds, 77);
}
