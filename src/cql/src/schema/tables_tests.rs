//! Round trips between schemas built through `apply_ddl`, their `system_schema` rows and their
//! `DESCRIBE` statements.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use crate::parse_statement;
use crate::schema::ddl::{apply_ddl, DdlContext};
use crate::schema::describe::{
    create_keyspace_statement, create_table_statement, create_table_statement_with, create_type_statement,
    virtual_keyspace_statement, virtual_table_statement,
};
use crate::schema::system::{system_keyspaces, views_tables, virtual_schema_tables};
use crate::schema::tables::{schema_from_rows, schema_rows};
use crate::schema::{KeyspaceDef, Schema, TableDef};
use crate::value::CqlValue;

const NOW: i64 = 1_700_000_000_123_000;

fn ctx() -> DdlContext {
    DdlContext::new(NOW, [9u8; 16], vec!["dc1".into(), "dc2".into()])
}

fn apply(schema: &Schema, cql: &str) -> Schema {
    let stmt = parse_statement(cql).unwrap_or_else(|e| panic!("{cql}: {e}"));
    apply_ddl(schema, &stmt, Some("ks"), &ctx()).unwrap_or_else(|e| panic!("{cql}: {e:?}")).schema
}

fn sample() -> Schema {
    let mut s = Schema::default();
    for cql in [
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE KEYSPACE nts WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2} AND durable_writes = false",
        "CREATE TYPE ks.addr (street text, tags set<text>, zip int)",
        "CREATE TYPE ks.person (name text, home frozen<addr>, prev frozen<list<frozen<addr>>>)",
        "CREATE TYPE ks.\"Quoted Type\" (\"Field\" int)",
        "CREATE TABLE ks.t (a int, b text, c int static, v frozen<list<text>>, PRIMARY KEY (a, b)) WITH CLUSTERING ORDER BY (b DESC)",
        "CREATE TABLE ks.wide (p1 int, p2 uuid, c1 timestamp, c2 frozen<tuple<int, text>>, m map<text, frozen<person>>, s set<inet>, d duration, PRIMARY KEY ((p1, p2), c1, c2)) WITH comment = 'it''s wide' AND compaction = {'class': 'LeveledCompactionStrategy', 'sstable_size_in_mb': 64} AND compression = {'class': 'ZstdCompressor', 'compression_level': 3} AND cdc = true AND memtable = 'trie' AND speculative_retry = 'MIN(99p,50ms)' AND caching = {'keys': 'ALL', 'rows_per_partition': 'ALL'} AND bloom_filter_fp_chance = 0.0001",
        "CREATE TABLE ks.counts (k text PRIMARY KEY, hits counter, misses counter)",
        "CREATE TABLE ks.\"MixedCase\" (\"Key\" int PRIMARY KEY, \"select\" text, p frozen<person>, q \"Quoted Type\")",
        "CREATE TABLE ks.nocomp (k int PRIMARY KEY, v blob) WITH compression = {'enabled': false} AND default_time_to_live = 3600 AND read_repair = 'NONE'",
        "CREATE TABLE nts.x (k int PRIMARY KEY, v text)",
        "ALTER TABLE ks.t ADD (w varint, x frozen<addr>)",
        "ALTER TABLE ks.t DROP x",
        "ALTER TABLE ks.t DROP w USING TIMESTAMP 1000",
        "ALTER TABLE ks.counts DROP misses",
    ] {
        s = apply(&s, cql);
    }
    s
}

#[test]
fn rows_round_trip() {
    let mut s = sample();
    for ks in system_keyspaces() {
        s.keyspaces.insert(ks.name.clone(), Arc::new(ks));
    }
    let rows = schema_rows(&s);
    let back = schema_from_rows(&rows).unwrap();
    assert_eq!(back, s);
    assert_eq!(back.version(), s.version());
}

#[test]
fn rows_look_like_cassandras() {
    let s = sample();
    let rows = schema_rows(&s);
    let find = |table: &str, pred: &dyn Fn(&crate::schema::tables::SchemaRow) -> bool| {
        rows.iter().find(|r| r.table == table && pred(r)).cloned().unwrap_or_else(|| panic!("{table}"))
    };
    let text = |v: &str| Some(CqlValue::Text(v.into()));
    let ks = find("keyspaces", &|r| r.get("keyspace_name") == text("nts").as_ref());
    assert_eq!(
        ks.values.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        ["keyspace_name", "durable_writes", "replication"]
    );
    assert_eq!(ks.get("durable_writes"), Some(&CqlValue::Boolean(false)));
    let t = find("tables", &|r| r.get("table_name") == text("t").as_ref());
    assert_eq!(t.get("flags"), Some(&CqlValue::Set(vec![CqlValue::Text("compound".into())])));
    assert_eq!(t.get("cdc"), None, "cdc is written only when true");
    assert_eq!(t.get("memtable"), None, "the default memtable is not written");
    assert_eq!(t.get("read_repair_chance"), Some(&CqlValue::Double(0.0)));
    assert_eq!(t.values.len(), 25);
    let counts = find("tables", &|r| r.get("table_name") == text("counts").as_ref());
    assert_eq!(
        counts.get("flags"),
        Some(&CqlValue::Set(vec![CqlValue::Text("compound".into()), CqlValue::Text("counter".into())]))
    );
    let b =
        find("columns", &|r| r.get("table_name") == text("t").as_ref() && r.get("column_name") == text("b").as_ref());
    assert_eq!(b.get("clustering_order"), text("desc").as_ref());
    assert_eq!(b.get("kind"), text("clustering").as_ref());
    assert_eq!(b.get("position"), Some(&CqlValue::Int(0)));
    assert_eq!(b.get("type"), text("text").as_ref());
    assert_eq!(b.get("column_name_bytes"), Some(&CqlValue::Blob(b"b".to_vec())));
    let c = find("columns", &|r| r.get("column_name") == text("c").as_ref());
    assert_eq!(
        (c.get("kind"), c.get("position"), c.get("clustering_order")),
        (text("static").as_ref(), Some(&CqlValue::Int(-1)), text("none").as_ref())
    );
    let m = find("columns", &|r| r.get("column_name") == text("m").as_ref());
    assert_eq!(m.get("type"), text("map<text, frozen<person>>").as_ref());
    let person = find("types", &|r| r.get("type_name") == text("person").as_ref());
    assert_eq!(
        person.get("field_types"),
        Some(&CqlValue::List(vec![
            CqlValue::Text("text".into()),
            CqlValue::Text("frozen<addr>".into()),
            CqlValue::Text("frozen<list<frozen<addr>>>".into()),
        ]))
    );
    let x = find("dropped_columns", &|r| r.get("column_name") == text("x").as_ref());
    assert_eq!(x.get("dropped_time"), Some(&CqlValue::Timestamp(NOW / 1000)));
    assert_eq!(x.get("type"), text("frozen<tuple<text, frozen<set<text>>, int>>").as_ref());
    assert_eq!(x.get("kind"), text("regular").as_ref());
}

#[test]
fn describe_keyspace() {
    let s = sample();
    assert_eq!(
        create_keyspace_statement(s.keyspace("ks").unwrap()),
        "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}  AND \
         durable_writes = true;"
    );
    // Options print in java.util.HashMap order: "dc2" hashes to an earlier bucket than "dc1".
    assert_eq!(
        create_keyspace_statement(s.keyspace("nts").unwrap()),
        "CREATE KEYSPACE nts WITH replication = {'class': 'NetworkTopologyStrategy', 'dc2': '2', 'dc1': '3'}  AND \
         durable_writes = false;"
    );
}

#[test]
fn describe_table_prints_like_cassandra() {
    let s = sample();
    let expected = "CREATE TABLE ks.t (
    a int,
    b text,
    c int static,
    v frozen<list<text>>,
    PRIMARY KEY (a, b)
) WITH CLUSTERING ORDER BY (b DESC)
    AND additional_write_policy = '99p'
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
    AND speculative_retry = '99p';";
    assert_eq!(create_table_statement(s.table("ks", "t").unwrap()), expected);
    let counts = create_table_statement(s.table("ks", "counts").unwrap());
    assert!(counts.starts_with("CREATE TABLE ks.counts (\n    k text PRIMARY KEY,\n    hits counter\n) WITH additional_write_policy = '99p'\n"), "{counts}");
    let mixed = create_table_statement(s.table("ks", "MixedCase").unwrap());
    assert!(mixed.starts_with("CREATE TABLE ks.\"MixedCase\" (\n    \"Key\" int PRIMARY KEY,\n    p frozen<person>,\n    \"select\" text,\n    q \"Quoted Type\"\n) WITH "), "{mixed}");
    let wide = create_table_statement(s.table("ks", "wide").unwrap());
    assert!(
        wide.contains("    PRIMARY KEY ((p1, p2), c1, c2)\n) WITH CLUSTERING ORDER BY (c1 ASC, c2 ASC)\n    AND "),
        "{wide}"
    );
    assert!(wide.contains("    AND bloom_filter_fp_chance = 1.0E-4\n"), "{wide}");
    assert!(wide.contains("    AND comment = 'it''s wide'\n"), "{wide}");
}

#[test]
fn describe_with_internals_adds_the_id_and_the_dropped_columns() {
    let s = sample();
    let plain = create_table_statement(s.table("ks", "t").unwrap());
    let with = create_table_statement_with(s.table("ks", "t").unwrap(), true);
    // w and x were dropped (w at 1000, x at NOW): declared after the live columns, in Java
    // HashMap order, then dropped.
    let expected = plain
        .replace(
            "    v frozen<list<text>>,\n",
            "    v frozen<list<text>>,\n    w varint,\n    x frozen<tuple<text, frozen<set<text>>, int>>,\n",
        )
        .replace(") WITH CLUSTERING", ") WITH ID = 09090909-0909-0909-0909-090909090909\n    AND CLUSTERING")
        + "\nALTER TABLE ks.t DROP w USING TIMESTAMP 1000;\nALTER TABLE ks.t DROP x USING TIMESTAMP 1700000000123000;";
    assert_eq!(with, expected);
    // Statics first, then regular columns; multi-cell ones after the others.
    let wide = create_table_statement(s.table("ks", "wide").unwrap());
    assert!(wide.contains(
        "    c2 frozen<tuple<int, text>>,\n    d duration,\n    m map<text, frozen<person>>,\n    s set<inet>,\n"
    ));
}

#[test]
fn describe_type() {
    let s = sample();
    let ks = s.keyspace("ks").unwrap();
    assert_eq!(
        create_type_statement(ks.types.get("person").unwrap()),
        "CREATE TYPE ks.person (\n    name text,\n    home frozen<addr>,\n    prev frozen<list<frozen<addr>>>\n);"
    );
    assert_eq!(
        create_type_statement(ks.types.get("Quoted Type").unwrap()),
        "CREATE TYPE ks.\"Quoted Type\" (\n    \"Field\" int\n);"
    );
}

/// Every DESCRIBE statement parses, and applied to a schema without the element re-creates it.
#[test]
fn describe_statements_re_create_the_schema() {
    let s = sample();
    let mut rebuilt = Schema::default();
    for ks in s.keyspaces.values() {
        rebuilt = apply(&rebuilt, &create_keyspace_statement(ks));
        // Types in dependency order: those whose dependencies exist first.
        let mut pending: Vec<_> = ks.types.values().collect();
        while !pending.is_empty() {
            let before = pending.len();
            pending.retain(|t| {
                let stmt = parse_statement(&create_type_statement(t)).unwrap();
                match apply_ddl(&rebuilt, &stmt, None, &ctx()) {
                    Ok(o) => {
                        rebuilt = o.schema;
                        false
                    }
                    Err(_) => true,
                }
            });
            assert!(pending.len() < before, "types cannot be re-created");
        }
        for t in ks.tables.values() {
            let text = create_table_statement(t);
            let stmt = parse_statement(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let ctx = DdlContext::new(NOW, t.id, vec!["dc1".into(), "dc2".into()]);
            rebuilt = apply_ddl(&rebuilt, &stmt, None, &ctx).unwrap_or_else(|e| panic!("{text}: {e:?}")).schema;
            let again = rebuilt.table(&t.keyspace, &t.name).unwrap();
            let without_drops = TableDef { dropped_columns: Default::default(), ..TableDef::clone(t) };
            assert_eq!(**again, without_drops, "{text}");
        }
        let original = KeyspaceDef { tables: Default::default(), ..KeyspaceDef::clone(ks) };
        let again =
            KeyspaceDef { tables: Default::default(), ..KeyspaceDef::clone(rebuilt.keyspace(&ks.name).unwrap()) };
        assert_eq!(again, original);
    }
}

#[test]
fn describe_system_tables_re_parses() {
    for ks in system_keyspaces() {
        for t in ks.tables.values() {
            let text = create_table_statement(t);
            parse_statement(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
        parse_statement(&create_keyspace_statement(&ks)).unwrap();
    }
}

#[test]
fn describe_virtual_keyspaces_and_tables_prints_like_cassandra() {
    // DescribeStatementTest.testDescribeVirtualTables.
    let ks = system_keyspaces().into_iter().find(|k| k.name == "system_virtual_schema").unwrap();
    assert_eq!(
        virtual_keyspace_statement(&ks),
        "/*\nWarning: Keyspace system_virtual_schema is a virtual keyspace and cannot be recreated with CQL.\n\
         Structure, for reference:\nVIRTUAL KEYSPACE system_virtual_schema;\n*/"
    );
    let columns = virtual_schema_tables().into_iter().find(|t| t.name == "columns").unwrap();
    assert_eq!(
        virtual_table_statement(&columns, false),
        "/*\n\
         Warning: Table system_virtual_schema.columns is a virtual table and cannot be recreated with CQL.\n\
         Structure, for reference:\n\
         VIRTUAL TABLE system_virtual_schema.columns (\n    \
             keyspace_name text,\n    \
             table_name text,\n    \
             column_name text,\n    \
             clustering_order text,\n    \
             column_name_bytes blob,\n    \
             kind text,\n    \
             position int,\n    \
             type text,\n    \
             PRIMARY KEY (keyspace_name, table_name, column_name)\n\
         ) WITH CLUSTERING ORDER BY (table_name ASC, column_name ASC)\n    \
             AND comment = 'virtual column definitions';\n\
         */"
    );
    let settings = &views_tables()[0];
    assert_eq!(
        virtual_table_statement(settings, true),
        "/*\nWarning: Table system_views.settings is a virtual table and cannot be recreated with CQL.\n\
         Structure, for reference:\nVIRTUAL TABLE system_views.settings (\n    name text PRIMARY KEY,\n    \
         value text\n) WITH ID = 5adfcadb-4407-3c1f-b97e-322735089073\n    AND comment = 'current settings';\n*/"
    );
}
