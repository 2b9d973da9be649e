//! Server-side DESCRIBE: every form's rows as Cassandra 5.0 returns them (after
//! `DescribeStatementTest`), its errors, paging, and round trips: each `create_statement`
//! re-creates, on a fresh node, an object that describes identically.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::IpAddr;
use std::sync::Arc;

use sibyl_coordinator::schema_store::{bootstrap, system_schema};
use sibyl_coordinator::{ClusterInfo, CqlError, QueryOptions, QueryProcessor, QueryResult, RingToken, Rows};
use sibyl_cql::parse_statement;
use sibyl_cql::types::CqlType;
use sibyl_cql::value::CqlValue;
use sibyl_storage::{Engine, EngineConfig};

struct Node {
    _dir: tempfile::TempDir,
    p: QueryProcessor,
}

fn node() -> Node {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = EngineConfig::new(dir.path());
    cfg.background_compaction = false;
    cfg.auto_snapshot = false;
    let engine = Arc::new(Engine::open(cfg).unwrap());
    let p = QueryProcessor::new(engine, Arc::new(system_schema()));
    bootstrap(&p).unwrap();
    Node { _dir: dir, p }
}

fn run(p: &QueryProcessor, cql: &str) {
    p.query(cql, &QueryOptions::default()).unwrap_or_else(|e| panic!("{cql}: {e:?}"));
}

fn opts(ks: Option<&str>) -> QueryOptions {
    QueryOptions { keyspace: ks.map(str::to_string), ..Default::default() }
}

fn rows_in(p: &QueryProcessor, ks: Option<&str>, cql: &str) -> Rows {
    match p.query(cql, &opts(ks)).unwrap_or_else(|e| panic!("{cql}: {e:?}")) {
        QueryResult::Rows(r) => r,
        other => panic!("{cql}: {other:?}"),
    }
}

/// The rows as text.
fn texts(r: &Rows) -> Vec<Vec<String>> {
    r.rows.iter().map(|row| row.iter().map(|v| String::from_utf8(v.clone().unwrap()).unwrap()).collect()).collect()
}

fn describe(p: &QueryProcessor, ks: Option<&str>, cql: &str) -> Vec<Vec<String>> {
    let r = rows_in(p, ks, cql);
    assert!(r.paging_state.is_none(), "{cql}: unpaged results come whole");
    texts(&r)
}

fn error(p: &QueryProcessor, ks: Option<&str>, cql: &str) -> String {
    match p.query(cql, &opts(ks)) {
        Err(CqlError::Invalid(m)) => m,
        other => panic!("{cql}: expected an Invalid error, got {other:?}"),
    }
}

fn row(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The table options of a table with default options, as `DESCRIBE` prints them (sibyl's
/// default compression is zstd).
fn params() -> String {
    "additional_write_policy = '99p'
    AND allow_auto_snapshot = true
    AND bloom_filter_fp_chance = 0.01
    AND caching = {'keys': 'ALL', 'rows_per_partition': 'NONE'}
    AND cdc = false
    AND comment = ''
    AND compaction = {'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', 'max_threshold': '32', 'min_threshold': '4'}
    AND compression = {'chunk_length_in_kb': '16', 'class': 'org.apache.cassandra.io.compress.ZstdCompressor'}
    AND memtable = 'default'
    AND crc_check_chance = 1.0
    AND default_time_to_live = 0
    AND extensions = {}
    AND gc_grace_seconds = 864000
    AND incremental_backups = true
    AND max_index_interval = 2048
    AND memtable_flush_period_in_ms = 0
    AND min_index_interval = 128
    AND read_repair = 'BLOCKING'
    AND speculative_retry = '99p';"
        .to_string()
}

const KEYSPACE_TEST: &str =
    "CREATE KEYSPACE test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}  AND durable_writes = true;";
const KEYSPACE_OTHER: &str = "CREATE KEYSPACE other WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '2'}  AND durable_writes = false;";

fn all_types_table() -> String {
    format!(
        "CREATE TABLE test.has_all_types (
    num int PRIMARY KEY,
    asciicol ascii,
    bigintcol bigint,
    blobcol blob,
    booleancol boolean,
    datecol date,
    decimalcol decimal,
    doublecol double,
    durationcol duration,
    floatcol float,
    frozenlistcol frozen<list<text>>,
    frozenmapcol frozen<map<timestamp, timeuuid>>,
    frozensetcol frozen<set<bigint>>,
    inetcol inet,
    intcol int,
    smallintcol smallint,
    textcol text,
    timecol time,
    timestampcol timestamp,
    tinyintcol tinyint,
    tuplecol frozen<tuple<text, int, frozen<tuple<timestamp>>>>,
    uuidcol uuid,
    varcharcol text,
    varintcol varint,
    listcol list<decimal>,
    mapcol map<timestamp, timeuuid>,
    setcol set<tinyint>
) WITH {}",
        params()
    )
}

fn test_table() -> String {
    format!(
        "CREATE TABLE test.\"Test\" (
    id int,
    col int,
    val text,
    PRIMARY KEY (id, col)
) WITH CLUSTERING ORDER BY (col ASC)
    AND {}",
        params()
    )
}

fn users_table() -> String {
    format!(
        "CREATE TABLE test.users (
    userid text PRIMARY KEY,
    age int,
    firstname text,
    lastname text
) WITH {}",
        params()
    )
}

fn events_table() -> String {
    let options = params()
        .replace("comment = ''", "comment = 'it''s here'")
        .replace("gc_grace_seconds = 864000", "gc_grace_seconds = 3600");
    format!(
        "CREATE TABLE test.events (
    pk1 text,
    pk2 int,
    ck1 int,
    ck2 int,
    s1 decimal static,
    s2 list<int> static,
    reg1 int,
    reg3 frozen<type1>,
    reg2 list<int>,
    reg4 type2,
    PRIMARY KEY ((pk1, pk2), ck1, ck2)
) WITH CLUSTERING ORDER BY (ck1 ASC, ck2 DESC)
    AND {options}"
    )
}

const TYPE1: &str = "CREATE TYPE test.type1 (\n    a int,\n    b frozen<type3>\n);";
const TYPE2: &str = "CREATE TYPE test.type2 (\n    x text,\n    y text\n);";
const TYPE3: &str = "CREATE TYPE test.type3 (\n    a text,\n    b frozen<type2>\n);";

/// The schema of `DescribeStatementTest.testDescribe` (without indexes and views) plus types,
/// a table with statics and collections, and a second keyspace.
fn populate(p: &QueryProcessor) {
    for cql in [
        "CREATE KEYSPACE test WITH REPLICATION = {'class' : 'SimpleStrategy', 'replication_factor' : 1};",
        "CREATE KEYSPACE other WITH REPLICATION = {'class' : 'SimpleStrategy', 'replication_factor' : 2} AND durable_writes = false;",
        "CREATE TABLE test.users ( userid text PRIMARY KEY, firstname text, lastname text, age int);",
        "CREATE TABLE test.\"Test\" (id int, col int, val text, PRIMARY KEY(id, col));",
        "CREATE TABLE test.has_all_types (num int PRIMARY KEY, asciicol ascii, bigintcol bigint, blobcol blob, \
         booleancol boolean, datecol date, decimalcol decimal, doublecol double, durationcol duration, floatcol float, \
         frozenlistcol frozen<list<text>>, frozenmapcol frozen<map<timestamp, timeuuid>>, frozensetcol frozen<set<bigint>>, \
         inetcol inet, intcol int, smallintcol smallint, textcol text, timecol time, timestampcol timestamp, \
         tinyintcol tinyint, tuplecol frozen<tuple<text, int, frozen<tuple<timestamp>>>>, uuidcol uuid, \
         varcharcol varchar, varintcol varint, listcol list<decimal>, mapcol map<timestamp, timeuuid>, setcol set<tinyint>)",
        "CREATE TYPE test.type1 (a int)",
        "CREATE TYPE test.type2 (x text, y text)",
        "CREATE TYPE test.type3 (a text, b frozen<type2>)",
        "ALTER TYPE test.type1 ADD b frozen<type3>",
        "CREATE TABLE test.events (pk1 text, pk2 int, ck1 int, ck2 int, reg4 type2, reg3 frozen<type1>, reg2 list<int>, \
         reg1 int, s2 list<int> static, s1 decimal static, PRIMARY KEY ((pk1, pk2), ck1, ck2)) \
         WITH CLUSTERING ORDER BY (ck1 ASC, ck2 DESC) AND comment = 'it''s here' AND gc_grace_seconds = 3600",
        "CREATE TABLE other.t (k int PRIMARY KEY, v text)",
    ] {
        run(p, cql);
    }
}

#[test]
fn listings() {
    let n = node();
    populate(&n.p);
    // Cassandra 5.0's seven system keyspaces among the others, sorted.
    let expected_keyspaces = vec![
        row(&["other", "keyspace", "other"]),
        row(&["system", "keyspace", "system"]),
        row(&["system_auth", "keyspace", "system_auth"]),
        row(&["system_distributed", "keyspace", "system_distributed"]),
        row(&["system_schema", "keyspace", "system_schema"]),
        row(&["system_traces", "keyspace", "system_traces"]),
        row(&["system_views", "keyspace", "system_views"]),
        row(&["system_virtual_schema", "keyspace", "system_virtual_schema"]),
        row(&["test", "keyspace", "test"]),
    ];
    for cql in ["DESCRIBE KEYSPACES", "DESC KEYSPACES;", "describe keyspaces"] {
        assert_eq!(describe(&n.p, None, cql), expected_keyspaces);
        assert_eq!(describe(&n.p, Some("test"), cql), expected_keyspaces);
    }
    let r = rows_in(&n.p, None, "DESCRIBE KEYSPACES");
    let columns: Vec<_> = r.metadata.iter().map(|c| (c.keyspace.as_str(), c.table.as_str(), c.name.as_str())).collect();
    assert_eq!(
        columns,
        [("system", "describe", "keyspace_name"), ("system", "describe", "type"), ("system", "describe", "name")]
    );
    assert!(r.metadata.iter().all(|c| c.ty == CqlType::Text));

    // Sorted by name ignoring case: "Test" between "has_all_types" and "users".
    let tables = vec![
        row(&["test", "table", "events"]),
        row(&["test", "table", "has_all_types"]),
        row(&["test", "table", "\"Test\""]),
        row(&["test", "table", "users"]),
    ];
    assert_eq!(describe(&n.p, Some("test"), "DESCRIBE TABLES"), tables);
    assert_eq!(describe(&n.p, Some("test"), "DESC tables"), tables);
    assert_eq!(describe(&n.p, Some("test"), "DESCRIBE COLUMNFAMILIES"), tables);
    assert_eq!(
        describe(&n.p, Some("test"), "DESCRIBE TYPES"),
        vec![row(&["test", "type", "type1"]), row(&["test", "type", "type2"]), row(&["test", "type", "type3"])]
    );
    assert_eq!(describe(&n.p, Some("other"), "DESCRIBE TYPES"), Vec::<Vec<String>>::new());
    for cql in ["DESCRIBE FUNCTIONS", "DESCRIBE AGGREGATES"] {
        let r = rows_in(&n.p, Some("test"), cql);
        assert_eq!((r.metadata.len(), r.rows.len()), (3, 0), "{cql}");
    }

    // Without a keyspace in use: every keyspace, system ones included, in keyspace order.
    let all = describe(&n.p, None, "DESCRIBE TABLES");
    let keyspaces: Vec<&str> = all.iter().map(|r| r[0].as_str()).collect();
    let mut grouped = keyspaces.clone();
    grouped.dedup();
    assert_eq!(
        grouped,
        [
            "other",
            "system",
            "system_auth",
            "system_distributed",
            "system_schema",
            "system_traces",
            "system_views",
            "system_virtual_schema",
            "test"
        ]
    );
    assert_eq!(all[0], row(&["other", "table", "t"]));
    let tables_of = |ks: &str| all.iter().filter(|r| r[0] == ks).map(|r| r[2].clone()).collect::<Vec<_>>();
    assert_eq!(tables_of("system"), ["local", "peers", "peers_v2"]);
    assert_eq!(
        tables_of("system_auth"),
        [
            "cidr_groups",
            "cidr_permissions",
            "identity_to_role",
            "network_permissions",
            "resource_role_permissons_index",
            "role_members",
            "role_permissions",
            "roles"
        ]
    );
    assert_eq!(
        tables_of("system_distributed"),
        ["parent_repair_history", "partition_denylist", "repair_history", "view_build_status"]
    );
    assert_eq!(tables_of("system_traces"), ["events", "sessions"]);
    assert_eq!(tables_of("system_views"), ["settings"]);
    assert_eq!(tables_of("system_virtual_schema"), ["columns", "keyspaces", "tables"]);
    assert!(all.iter().any(|r| r == &row(&["system_schema", "table", "keyspaces"])));
    assert_eq!(&all[all.len() - 4..], &tables[..]);

    // A keyspace in use that no longer exists.
    assert_eq!(error(&n.p, Some("gone"), "DESCRIBE TABLES"), "'gone' not found in keyspaces");
}

#[test]
fn keyspaces_types_and_tables() {
    let n = node();
    populate(&n.p);
    let keyspace_test = vec![
        row(&["test", "keyspace", "test", KEYSPACE_TEST]),
        row(&["test", "type", "type2", TYPE2]),
        row(&["test", "type", "type3", TYPE3]),
        row(&["test", "type", "type1", TYPE1]),
        row(&["test", "table", "events", &events_table()]),
        row(&["test", "table", "has_all_types", &all_types_table()]),
        row(&["test", "table", "\"Test\"", &test_table()]),
        row(&["test", "table", "users", &users_table()]),
    ];
    for (ks, cql) in [
        (None, "DESCRIBE KEYSPACE test"),
        (None, "DESC KEYSPACE test;"),
        (Some("test"), "DESCRIBE KEYSPACE"),
        (Some("other"), "DESCRIBE KEYSPACE test"),
        (None, "DESCRIBE test"),
        (Some("other"), "describe test"),
    ] {
        assert_eq!(describe(&n.p, ks, cql), keyspace_test, "{cql}");
    }
    let r = rows_in(&n.p, None, "DESCRIBE KEYSPACE test");
    let names: Vec<&str> = r.metadata.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["keyspace_name", "type", "name", "create_statement"]);
    assert!(r.metadata.iter().all(|c| c.keyspace == "system" && c.table == "describe" && c.ty == CqlType::Text));

    assert_eq!(describe(&n.p, None, "DESCRIBE ONLY KEYSPACE test"), vec![keyspace_test[0].clone()]);
    assert_eq!(describe(&n.p, Some("test"), "DESCRIBE ONLY KEYSPACE"), vec![keyspace_test[0].clone()]);
    assert_eq!(
        describe(&n.p, None, "DESCRIBE KEYSPACE other"),
        vec![
            row(&["other", "keyspace", "other", KEYSPACE_OTHER]),
            row(&[
                "other",
                "table",
                "t",
                &format!("CREATE TABLE other.t (\n    k int PRIMARY KEY,\n    v text\n) WITH {}", params())
            ]),
        ]
    );

    for (ks, cql) in [
        (None, "DESCRIBE TABLE test.users"),
        (None, "describe columnfamily test.users"),
        (None, "DESCRIBE test.users"),
        (Some("test"), "DESCRIBE TABLE users"),
        (Some("test"), "desc columnfamily users"),
        (Some("test"), "DESCRIBE users"),
        (Some("other"), "DESCRIBE TABLE test.users;"),
    ] {
        assert_eq!(describe(&n.p, ks, cql), vec![row(&["test", "table", "users", &users_table()])], "{cql}");
    }
    assert_eq!(
        describe(&n.p, None, "DESCRIBE TABLE test.\"Test\""),
        vec![row(&["test", "table", "\"Test\"", &test_table()])]
    );
    assert_eq!(
        describe(&n.p, None, "DESCRIBE TABLE test.has_all_types"),
        vec![row(&["test", "table", "has_all_types", &all_types_table()])]
    );
    assert_eq!(describe(&n.p, None, "DESCRIBE TABLE test.events")[0][3], events_table());

    assert_eq!(describe(&n.p, Some("test"), "DESCRIBE TYPE type2"), vec![row(&["test", "type", "type2", TYPE2])]);
    assert_eq!(describe(&n.p, None, "DESCRIBE TYPE test.type1"), vec![row(&["test", "type", "type1", TYPE1])]);
}

#[test]
fn quoting() {
    let n = node();
    for cql in [
        "CREATE KEYSPACE \"MyKs\" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TYPE \"MyKs\".\"Point\" (\"token\" text, \"desc\" text, \"X\" int)",
        "CREATE TABLE \"MyKs\".\"select\" (\"Key\" int PRIMARY KEY, \"where\" frozen<\"Point\">)",
    ] {
        run(&n.p, cql);
    }
    let keyspace =
        "CREATE KEYSPACE \"MyKs\" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}  \
                    AND durable_writes = true;";
    let point = "CREATE TYPE \"MyKs\".\"Point\" (\n    \"token\" text,\n    \"desc\" text,\n    \"X\" int\n);";
    let table = format!(
        "CREATE TABLE \"MyKs\".\"select\" (\n    \"Key\" int PRIMARY KEY,\n    \"where\" frozen<\"Point\">\n) WITH {}",
        params()
    );
    let expected = vec![
        row(&["\"MyKs\"", "keyspace", "\"MyKs\"", keyspace]),
        row(&["\"MyKs\"", "type", "\"Point\"", point]),
        row(&["\"MyKs\"", "table", "\"select\"", &table]),
    ];
    assert_eq!(describe(&n.p, None, "DESCRIBE KEYSPACE \"MyKs\""), expected);
    assert_eq!(describe(&n.p, Some("MyKs"), "DESCRIBE TABLES"), vec![row(&["\"MyKs\"", "table", "\"select\""])]);
    assert_eq!(describe(&n.p, Some("MyKs"), "DESCRIBE \"select\""), vec![expected[2].clone()]);
    assert_eq!(describe(&n.p, None, "DESCRIBE \"MyKs\".\"select\""), vec![expected[2].clone()]);
    assert_eq!(describe(&n.p, None, "DESCRIBE TYPE \"MyKs\".\"Point\""), vec![expected[1].clone()]);
    assert_eq!(error(&n.p, None, "DESCRIBE KEYSPACE myks"), "'myks' not found in keyspaces");
}

#[test]
fn errors() {
    let n = node();
    populate(&n.p);
    for cql in [
        "DESCRIBE TABLE foop",
        "DESCRIBE MATERIALIZED VIEW foop",
        "DESCRIBE INDEX foop",
        "DESCRIBE TYPE foop",
        "DESCRIBE FUNCTION foop",
        "DESCRIBE AGGREGATE foop",
        "DESCRIBE KEYSPACE",
        "DESCRIBE ONLY KEYSPACE",
    ] {
        assert_eq!(error(&n.p, None, cql), "No keyspace specified and no current keyspace", "{cql}");
    }
    let cases = [
        (None, "DESCRIBE test2", "'test2' not found in keyspaces"),
        (None, "DESCRIBE KEYSPACE test2", "'test2' not found in keyspaces"),
        (None, "DESCRIBE TABLE test2.t", "'test2' not found in keyspaces"),
        (Some("test"), "DESCRIBE users2", "'users2' not found in keyspace 'test'"),
        (None, "DESCRIBE test.users2", "'users2' not found in keyspace 'test'"),
        (None, "DESCRIBE test.func_foo", "'func_foo' not found in keyspace 'test'"),
        (None, "DESCRIBE foo", "'foo' not found in keyspaces"),
        (None, "DESCRIBE TABLE test.users2", "Table 'users2' not found in keyspace 'test'"),
        (Some("test"), "DESCRIBE TABLE \"Users\"", "Table 'Users' not found in keyspace 'test'"),
        (None, "DESCRIBE TYPE test.nope", "User defined type 'nope' not found in 'test'"),
        (None, "DESCRIBE INDEX test.myindex2", "Table for existing index 'myindex2' not found in 'test'"),
        (None, "DESCRIBE MATERIALIZED VIEW test.mv", "Materialized view 'mv' not found in 'test'"),
        (None, "DESCRIBE FUNCTION test.func_foo", "User defined function 'func_foo' not found in 'test'"),
        (None, "DESCRIBE AGGREGATE test.aggr_foo", "User defined aggregate 'aggr_foo' not found in 'test'"),
        (Some("gone"), "DESCRIBE TYPE t", "'gone' not found in keyspaces"),
    ];
    for (ks, cql, message) in cases {
        assert_eq!(error(&n.p, ks, cql), message, "{cql}");
    }
}

#[test]
fn schema_and_full_schema() {
    let n = node();
    populate(&n.p);
    let schema = describe(&n.p, None, "DESCRIBE SCHEMA");
    let kinds: Vec<(&str, &str, &str)> = schema.iter().map(|r| (r[0].as_str(), r[1].as_str(), r[2].as_str())).collect();
    assert_eq!(
        kinds,
        [
            ("other", "keyspace", "other"),
            ("other", "table", "t"),
            ("test", "keyspace", "test"),
            ("test", "type", "type2"),
            ("test", "type", "type3"),
            ("test", "type", "type1"),
            ("test", "table", "events"),
            ("test", "table", "has_all_types"),
            ("test", "table", "\"Test\""),
            ("test", "table", "users"),
        ]
    );
    assert_eq!(describe(&n.p, Some("test"), "DESC SCHEMA"), schema);
    assert_eq!(schema[2..], describe(&n.p, None, "DESCRIBE KEYSPACE test")[..]);

    // FULL SCHEMA adds the system keyspaces: the local and replicated ones described like any
    // other, the virtual ones as comments.
    let full = describe(&n.p, None, "DESCRIBE FULL SCHEMA");
    let keyspace_rows: Vec<&str> = full.iter().filter(|r| r[1] == "keyspace").map(|r| r[3].as_str()).collect();
    let virtual_keyspace = |name: &str| {
        format!(
            "/*\nWarning: Keyspace {name} is a virtual keyspace and cannot be recreated with CQL.\nStructure, for \
             reference:\nVIRTUAL KEYSPACE {name};\n*/"
        )
    };
    assert_eq!(
        keyspace_rows,
        [
            KEYSPACE_OTHER,
            "CREATE KEYSPACE system WITH replication = {'class': 'LocalStrategy'}  AND durable_writes = true;",
            "CREATE KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}  \
             AND durable_writes = true;",
            "CREATE KEYSPACE system_distributed WITH replication = {'class': 'SimpleStrategy', 'replication_factor': \
             '3'}  AND durable_writes = true;",
            "CREATE KEYSPACE system_schema WITH replication = {'class': 'LocalStrategy'}  AND durable_writes = true;",
            "CREATE KEYSPACE system_traces WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '2'}  \
             AND durable_writes = true;",
            &virtual_keyspace("system_views"),
            &virtual_keyspace("system_virtual_schema"),
            KEYSPACE_TEST,
        ]
    );
    let local = full.iter().find(|r| r[0] == "system" && r[2] == "local").unwrap();
    assert!(local[3].starts_with("CREATE TABLE system.local (\n    key text PRIMARY KEY,\n"), "{}", local[3]);
    let columns = full.iter().find(|r| r[0] == "system_schema" && r[2] == "columns").unwrap();
    assert!(columns[3].contains("    PRIMARY KEY (keyspace_name, table_name, column_name)\n) WITH CLUSTERING ORDER BY (table_name ASC, column_name ASC)\n"), "{}", columns[3]);
    let history = full.iter().find(|r| r[0] == "system_distributed" && r[2] == "repair_history").unwrap();
    for part in [
        "CREATE TABLE system_distributed.repair_history (\n    keyspace_name text,\n    columnfamily_name text,\n    \
         id timeuuid,\n",
        "    participants set<inet>,\n",
        "    PRIMARY KEY ((keyspace_name, columnfamily_name), id)\n) WITH CLUSTERING ORDER BY (id ASC)\n",
        "    AND comment = 'Repair history'\n",
        "    AND compaction = {'class': 'org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy', \
         'compaction_window_size': '1', 'compaction_window_unit': 'DAYS', 'max_threshold': '32', 'min_threshold': \
         '4'}\n",
        "    AND default_time_to_live = 2592000\n",
    ] {
        assert!(history[3].contains(part), "{part}\nin\n{}", history[3]);
    }
    let sessions = full.iter().find(|r| r[0] == "system_traces" && r[2] == "sessions").unwrap();
    assert!(sessions[3].starts_with("CREATE TABLE system_traces.sessions (\n    session_id uuid PRIMARY KEY,\n"));
    assert!(sessions[3].contains("\n    AND gc_grace_seconds = 0\n"), "{}", sessions[3]);
    let settings = full.iter().find(|r| r[0] == "system_views" && r[2] == "settings").unwrap();
    assert_eq!(
        settings[3],
        "/*\nWarning: Table system_views.settings is a virtual table and cannot be recreated with CQL.\nStructure, for \
         reference:\nVIRTUAL TABLE system_views.settings (\n    name text PRIMARY KEY,\n    value text\n) WITH \
         comment = 'current settings';\n*/"
    );
    // Every statement parses back, but the virtual ones, which are comments.
    let full: Vec<_> = full.into_iter().filter(|r| !r[0].starts_with("system_v")).collect();
    for r in &full {
        parse_statement(&r[3]).unwrap_or_else(|e| panic!("{}: {e}", r[3]));
    }
}

#[test]
fn cluster() {
    let n = node();
    populate(&n.p);
    let basic = vec![row(&["Test Cluster", "Murmur3Partitioner", "SimpleSnitch"])];
    for ks in [None, Some("system"), Some("system_schema"), Some("system_auth")] {
        let r = rows_in(&n.p, ks, "DESCRIBE CLUSTER");
        let names: Vec<&str> = r.metadata.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["cluster", "partitioner", "snitch"]);
        assert_eq!(texts(&r), basic);
    }
    let map_type = |r: &Rows| r.metadata[3].ty.clone();
    let ownership = |r: &Rows| -> Vec<(String, Vec<String>)> {
        let CqlValue::Map(entries) = CqlValue::deserialize(&map_type(r), r.rows[0][3].as_ref().unwrap()).unwrap()
        else {
            panic!("a map")
        };
        entries
            .into_iter()
            .map(|(k, v)| {
                let (CqlValue::Text(k), CqlValue::List(v)) = (k, v) else { panic!("text → list") };
                (k, v.into_iter().map(|e| if let CqlValue::Text(e) = e { e } else { panic!("text") }).collect())
            })
            .collect()
    };
    // A user keyspace in use: the range ownership too (empty: no ring configured).
    let r = rows_in(&n.p, Some("test"), "DESCRIBE CLUSTER");
    assert_eq!(r.metadata.len(), 4);
    assert_eq!(r.metadata[3].name, "range_ownership");
    assert_eq!(
        map_type(&r),
        CqlType::Map {
            key: Box::new(CqlType::Text),
            value: Box::new(CqlType::List { element: Box::new(CqlType::Text), frozen: true }),
            frozen: false
        }
    );
    assert!(ownership(&r).is_empty());

    let a: IpAddr = "127.0.0.1".parse().unwrap();
    let b: IpAddr = "127.0.0.2".parse().unwrap();
    let token =
        |token: i64, address: IpAddr| RingToken { token, address, port: 7000, datacenter: "datacenter1".into() };
    n.p.set_cluster_info(ClusterInfo {
        cluster_name: "Prod".into(),
        partitioner: "org.apache.cassandra.dht.Murmur3Partitioner".into(),
        snitch: "org.apache.cassandra.locator.GossipingPropertyFileSnitch".into(),
        ring: vec![token(100, a), token(-5, b), token(-100, a), token(7, a)],
    });
    // test: RF 1, the range's end owner; other: RF 2, the next distinct node too. Keys sort
    // as text.
    let r = rows_in(&n.p, Some("test"), "DESCRIBE CLUSTER");
    assert_eq!(
        texts(&Rows { rows: vec![r.rows[0][..3].to_vec()], ..r.clone() }),
        vec![row(&["Prod", "Murmur3Partitioner", "GossipingPropertyFileSnitch"])]
    );
    let owner = |s: &str| vec![s.to_string()];
    assert_eq!(
        ownership(&r),
        [
            ("-100".to_string(), owner("/127.0.0.1:7000")),
            ("-5".to_string(), owner("/127.0.0.2:7000")),
            ("100".to_string(), owner("/127.0.0.1:7000")),
            ("7".to_string(), owner("/127.0.0.1:7000")),
        ]
    );
    let r = rows_in(&n.p, Some("other"), "DESCRIBE CLUSTER");
    let both = |x: &str, y: &str| vec![x.to_string(), y.to_string()];
    assert_eq!(
        ownership(&r),
        [
            ("-100".to_string(), both("/127.0.0.1:7000", "/127.0.0.2:7000")),
            ("-5".to_string(), both("/127.0.0.2:7000", "/127.0.0.1:7000")),
            ("100".to_string(), both("/127.0.0.1:7000", "/127.0.0.2:7000")),
            ("7".to_string(), both("/127.0.0.1:7000", "/127.0.0.2:7000")),
        ]
    );
    assert_eq!(n.p.cluster_info().cluster_name, "Prod");
}

#[test]
fn with_internals() {
    let n = node();
    run(&n.p, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    run(
        &n.p,
        "CREATE TABLE ks.t (pk1 text, pk2 int, c int, s decimal static, v1 text, v2 int, v3 int, PRIMARY KEY ((pk1, pk2), c)) \
         WITH ID = 5a1c395e-b41f-11e5-9f22-ba0be0483c18",
    );
    run(&n.p, "CREATE TABLE ks.single (pk text, v1 text, v2 int, v3 int, PRIMARY KEY (pk)) WITH ID = 6a1c395e-b41f-11e5-9f22-ba0be0483c18");
    let create = format!(
        "CREATE TABLE ks.t (
    pk1 text,
    pk2 int,
    c int,
    s decimal static,
    v1 text,
    v2 int,
    v3 int,
    PRIMARY KEY ((pk1, pk2), c)
) WITH ID = 5a1c395e-b41f-11e5-9f22-ba0be0483c18
    AND CLUSTERING ORDER BY (c ASC)
    AND {}",
        params()
    );
    let internals =
        |table: &str| describe(&n.p, None, &format!("DESCRIBE TABLE ks.{table} WITH INTERNALS"))[0][3].clone();
    assert_eq!(internals("t"), create);
    let drop = "ALTER TABLE ks.t DROP v3 USING TIMESTAMP 1589286942065000;";
    run(&n.p, drop);
    assert_eq!(internals("t"), format!("{create}\n{drop}"));
    let add = "ALTER TABLE ks.t ADD v3 int;";
    run(&n.p, add);
    assert_eq!(internals("t"), format!("{create}\n{drop}\n{add}"));
    // Without internals: neither the id nor the dropped columns.
    let plain = describe(&n.p, None, "DESCRIBE TABLE ks.t")[0][3].clone();
    assert_eq!(plain, create.replace("ID = 5a1c395e-b41f-11e5-9f22-ba0be0483c18\n    AND ", ""));

    // A single-column key: the dropped column follows the others (Cassandra's layout).
    run(&n.p, "ALTER TABLE ks.single DROP v3 USING TIMESTAMP 1589286942065000");
    assert_eq!(
        internals("single"),
        format!(
            "CREATE TABLE ks.single (\n    pk text PRIMARY KEY,\n    v1 text,\n    v2 int,\n    v3 int\n) WITH ID = \
             6a1c395e-b41f-11e5-9f22-ba0be0483c18\n    AND {}\nALTER TABLE ks.single DROP v3 USING TIMESTAMP \
             1589286942065000;",
            params()
        )
    );
    assert_eq!(
        describe(&n.p, None, "DESCRIBE TABLE ks.single")[0][3],
        format!("CREATE TABLE ks.single (\n    pk text PRIMARY KEY,\n    v1 text,\n    v2 int\n) WITH {}", params())
    );

    // The statements re-create the same table, id and dropped columns included.
    let fresh = node();
    run(&fresh.p, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    let schema = describe(&n.p, None, "DESCRIBE KEYSPACE ks WITH INTERNALS");
    for r in &schema[1..] {
        for statement in split_statements(&r[3]) {
            run(&fresh.p, &statement);
        }
    }
    assert_eq!(describe(&fresh.p, None, "DESCRIBE KEYSPACE ks WITH INTERNALS"), schema);
    assert_eq!(fresh.p.schema().keyspace("ks"), n.p.schema().keyspace("ks"));
}

/// The statements of a `create_statement` (a table with internals: CREATE then ALTERs).
fn split_statements(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in text.split('\n') {
        match out.last_mut() {
            Some(last) if !last.ends_with(';') => {
                last.push('\n');
                last.push_str(line);
            }
            _ => out.push(line.to_string()),
        }
    }
    out
}

#[test]
fn paging() {
    let n = node();
    populate(&n.p);
    let all = describe(&n.p, None, "DESCRIBE FULL SCHEMA");
    for page_size in [1, 3, 7, all.len() as i32, 100] {
        let mut got = Vec::new();
        let mut state = None;
        let mut pages = 0;
        loop {
            let o = QueryOptions::default().page_size(page_size).paging_state(state.take());
            let QueryResult::Rows(r) = n.p.query("DESCRIBE FULL SCHEMA", &o).unwrap() else { panic!("rows") };
            pages += 1;
            assert!(r.rows.len() <= page_size as usize);
            assert_eq!(r.metadata.len(), 4);
            got.extend(texts(&r));
            match r.paging_state {
                Some(s) => {
                    assert_eq!(r.rows.len(), page_size as usize, "only a full page says more may follow");
                    state = Some(s);
                }
                None => break,
            }
        }
        assert_eq!(got, all, "page size {page_size}");
        // As Cassandra: a last page that is exactly full is followed by an empty one.
        let expected_pages = all.len() / page_size as usize + 1;
        assert_eq!(pages, expected_pages, "page size {page_size}");
    }

    // A schema change between pages is refused.
    let o = QueryOptions::default().page_size(2);
    let QueryResult::Rows(first) = n.p.query("DESCRIBE KEYSPACES", &o).unwrap() else { panic!("rows") };
    assert_eq!(texts(&first), [row(&["other", "keyspace", "other"]), row(&["system", "keyspace", "system"])]);
    let state = first.paging_state.clone().unwrap();
    run(&n.p, "CREATE KEYSPACE later WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    match n.p.query("DESCRIBE KEYSPACES", &QueryOptions::default().page_size(2).paging_state(Some(state))) {
        Err(CqlError::Invalid(m)) => assert_eq!(
            m,
            "The schema has changed since the previous page of the DESCRIBE statement result. Please retry the \
             DESCRIBE statement."
        ),
        other => panic!("{other:?}"),
    }
    match n.p.query("DESCRIBE KEYSPACES", &QueryOptions::default().page_size(2).paging_state(Some(vec![1, 2, 3]))) {
        Err(CqlError::Invalid(m)) => assert_eq!(m, "Invalid paging state."),
        other => panic!("{other:?}"),
    }
    // CLUSTER pages too (one row).
    let r = rows_in(&n.p, None, "DESCRIBE CLUSTER");
    assert_eq!(r.rows.len(), 1);
}

#[test]
fn prepared_describe() {
    let n = node();
    populate(&n.p);
    let prepared = n.p.prepare("DESCRIBE TABLES", Some("test")).unwrap();
    assert!(prepared.bind_specs().is_empty());
    let QueryResult::Rows(r) = n.p.execute(&prepared, &opts(Some("test"))).unwrap() else { panic!("rows") };
    assert_eq!(texts(&r), describe(&n.p, Some("test"), "DESCRIBE TABLES"));
}

/// DESCRIBE SCHEMA → each statement on a fresh node → DESCRIBE SCHEMA again gives the same rows,
/// and the same schema (but for table ids).
#[test]
fn round_trip_on_a_fresh_node() {
    let n = node();
    populate(&n.p);
    run(&n.p, "CREATE KEYSPACE \"MyKs\" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    run(&n.p, "CREATE TYPE \"MyKs\".\"Point\" (\"token\" text, \"desc\" text, tags frozen<set<text>>)");
    run(
        &n.p,
        "CREATE TABLE \"MyKs\".\"select\" (\"Key\" int, \"C\" text, \"where\" frozen<\"Point\">, p \"Point\", \
         m map<text, frozen<list<int>>>, PRIMARY KEY (\"Key\", \"C\")) WITH CLUSTERING ORDER BY (\"C\" DESC) \
         AND compaction = {'class': 'LeveledCompactionStrategy', 'sstable_size_in_mb': 64} \
         AND caching = {'keys': 'NONE', 'rows_per_partition': '10'} AND default_time_to_live = 60 \
         AND bloom_filter_fp_chance = 0.001 AND speculative_retry = 'ALWAYS'",
    );
    let schema = describe(&n.p, None, "DESCRIBE SCHEMA");
    let fresh = node();
    for r in &schema {
        let statement = &r[3];
        parse_statement(statement).unwrap_or_else(|e| panic!("{statement}: {e}"));
        run(&fresh.p, statement);
    }
    assert_eq!(describe(&fresh.p, None, "DESCRIBE SCHEMA"), schema);
    for (name, ks) in &n.p.schema().keyspaces {
        let again = fresh.p.schema().keyspace(name).cloned().unwrap();
        assert_eq!(again.types, ks.types, "{name}");
        assert_eq!(again.replication, ks.replication);
        assert_eq!(again.durable_writes, ks.durable_writes);
        for (t, def) in &ks.tables {
            let other = again.tables.get(t).unwrap();
            assert_eq!(sibyl_cql::schema::TableDef { id: def.id, ..(**other).clone() }, **def, "{name}.{t}");
        }
    }
    // Each element alone, too.
    for r in &schema {
        let (ks, kind, name) = (&r[0], &r[1], &r[2]);
        let cql = match kind.as_str() {
            "keyspace" => format!("DESCRIBE ONLY KEYSPACE {ks}"),
            "table" => format!("DESCRIBE TABLE {ks}.{name}"),
            "type" => format!("DESCRIBE TYPE {ks}.{name}"),
            other => panic!("{other}"),
        };
        assert_eq!(describe(&fresh.p, None, &cql), vec![r.clone()], "{cql}");
    }
}
