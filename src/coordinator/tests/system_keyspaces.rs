//! Cassandra 5.0's system keyspaces on a bootstrapped processor: the replicated ones
//! (`system_auth`, `system_distributed`, `system_traces`) are ordinary tables described in
//! `system_schema`; the virtual ones (`system_views`, `system_virtual_schema`) are described in
//! `system_virtual_schema` and read-only for clients.
#![allow(clippy::unwrap_used)]

mod support;

use std::net::IpAddr;

use sibyl_coordinator::local::{write_local, LocalNode};
use sibyl_coordinator::{BatchItem, CqlError, QueryOptions, QueryProcessor, QueryResult};
use sibyl_cql::ast::BatchKind;
use sibyl_cql::types::CqlType;
use sibyl_cql::value::CqlValue;
use support::{bootstrapped, rows, run};

fn err(p: &QueryProcessor, cql: &str) -> CqlError {
    match p.query(cql, &QueryOptions::default()) {
        Ok(r) => panic!("{cql}: expected an error, got {r:?}"),
        Err(e) => e,
    }
}

fn invalid(p: &QueryProcessor, cql: &str) -> String {
    match err(p, cql) {
        CqlError::Invalid(m) => m,
        other => panic!("{cql}: {other:?}"),
    }
}

fn unauthorized(p: &QueryProcessor, cql: &str) -> String {
    match err(p, cql) {
        CqlError::Unauthorized(m) => m,
        other => panic!("{cql}: {other:?}"),
    }
}

fn quoted(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| format!("'{s}'")).collect()
}

#[test]
fn describe_keyspaces_lists_the_seven_system_keyspaces_sorted() {
    let dir = tempfile::tempdir().unwrap();
    let p = bootstrapped(dir.path());
    let names: Vec<String> = rows(&p, "DESCRIBE KEYSPACES").into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(
        names,
        quoted(&[
            "system",
            "system_auth",
            "system_distributed",
            "system_schema",
            "system_traces",
            "system_views",
            "system_virtual_schema"
        ])
    );
}

#[test]
fn replicated_system_keyspaces_are_ordinary_tables() {
    let dir = tempfile::tempdir().unwrap();
    let p = bootstrapped(dir.path());
    let QueryResult::Rows(r) = run(&p, "SELECT * FROM system_traces.sessions") else { panic!("rows") };
    assert!(r.rows.is_empty());
    let names: Vec<&str> = r.metadata.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "session_id",
            "client",
            "command",
            "coordinator",
            "coordinator_port",
            "duration",
            "parameters",
            "request",
            "started_at"
        ]
    );
    run(
        &p,
        "INSERT INTO system_traces.sessions (session_id, command, duration, parameters) \
         VALUES (8f3a9c2e-5b1d-4e7f-9a6c-2d4b8e1f3a5c, 'QUERY', 42, {'query': 'SELECT 1'})",
    );
    assert_eq!(
        rows(&p, "SELECT command, duration, parameters FROM system_traces.sessions"),
        [["'QUERY'", "42", "{'query': 'SELECT 1'}"]]
    );
    assert!(rows(&p, "SELECT * FROM system_traces.events WHERE session_id = 8f3a9c2e-5b1d-4e7f-9a6c-2d4b8e1f3a5c")
        .is_empty());
    assert!(rows(&p, "SELECT * FROM system_auth.roles").is_empty());
    assert!(rows(&p, "SELECT * FROM system_distributed.repair_history").is_empty());

    // system_schema describes them (and not the virtual keyspaces).
    let keyspaces: Vec<String> =
        rows(&p, "SELECT keyspace_name FROM system_schema.keyspaces").into_iter().map(|r| r[0].clone()).collect();
    let mut sorted = keyspaces.clone();
    sorted.sort();
    assert_eq!(sorted, quoted(&["system", "system_auth", "system_distributed", "system_schema", "system_traces"]));
    assert_eq!(
        rows(&p, "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_distributed'"),
        [["{'class': 'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '3'}"]]
    );
    assert_eq!(
        rows(
            &p,
            "SELECT id, default_time_to_live FROM system_schema.tables WHERE keyspace_name = 'system_distributed' \
             AND table_name = 'repair_history'"
        ),
        [["759fffad-624b-3181-80ee-fa9a52d1f627", "2592000"]]
    );
    assert_eq!(
        rows(
            &p,
            "SELECT column_name, kind, position, type FROM system_schema.columns WHERE keyspace_name = 'system_traces' \
             AND table_name = 'events'"
        ),
        [
            ["'activity'", "'regular'", "-1", "'text'"],
            ["'event_id'", "'clustering'", "0", "'timeuuid'"],
            ["'session_id'", "'partition_key'", "0", "'uuid'"],
            ["'source'", "'regular'", "-1", "'inet'"],
            ["'source_elapsed'", "'regular'", "-1", "'int'"],
            ["'source_port'", "'regular'", "-1", "'int'"],
            ["'thread'", "'regular'", "-1", "'text'"],
        ]
    );
    assert!(rows(&p, "SELECT * FROM system_schema.tables WHERE keyspace_name = 'system_views'").is_empty());
}

#[test]
fn system_virtual_schema_describes_the_virtual_keyspaces() {
    let dir = tempfile::tempdir().unwrap();
    for _start in 0..2 {
        let p = bootstrapped(dir.path());
        let keyspaces: Vec<String> = rows(&p, "SELECT * FROM system_virtual_schema.keyspaces")
            .into_iter()
            .map(|r| r[0].clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(keyspaces, quoted(&["system_views", "system_virtual_schema"]));
        let tables =
            rows(&p, "SELECT * FROM system_virtual_schema.tables WHERE keyspace_name = 'system_virtual_schema'");
        assert_eq!(
            tables,
            [
                ["'system_virtual_schema'", "'columns'", "'virtual column definitions'"],
                ["'system_virtual_schema'", "'keyspaces'", "'virtual keyspace definitions'"],
                ["'system_virtual_schema'", "'tables'", "'virtual table definitions'"],
            ]
        );
        assert_eq!(
            rows(
                &p,
                "SELECT table_name, comment FROM system_virtual_schema.tables WHERE keyspace_name = 'system_views'"
            ),
            [["'settings'", "'current settings'"]]
        );
        assert_eq!(
            rows(
                &p,
                "SELECT * FROM system_virtual_schema.columns WHERE keyspace_name = 'system_views' AND table_name = \
                 'settings'"
            ),
            [
                ["'system_views'", "'settings'", "'name'", "'none'", "0x6e616d65", "'partition_key'", "0", "'text'"],
                ["'system_views'", "'settings'", "'value'", "'none'", "0x76616c7565", "'regular'", "-1", "'text'"],
            ]
        );
        let columns = rows(
            &p,
            "SELECT column_name, clustering_order, kind, position FROM system_virtual_schema.columns WHERE \
             keyspace_name = 'system_virtual_schema' AND table_name = 'columns'",
        );
        assert_eq!(columns.len(), 8, "{columns:?}");
        assert!(
            columns.contains(&quoted(&["column_name", "asc", "clustering"]).into_iter().chain(["1".into()]).collect())
        );
    }
}

#[test]
fn settings_show_what_the_node_knows() {
    let dir = tempfile::tempdir().unwrap();
    let node = |cluster: &str| LocalNode {
        cluster_name: cluster.into(),
        host_id: [7; 16],
        listen_address: IpAddr::from([127, 0, 0, 1]),
        listen_port: 7000,
        broadcast_address: IpAddr::from([127, 0, 0, 1]),
        rpc_address: IpAddr::from([127, 0, 0, 2]),
        rpc_port: 9042,
        data_center: "datacenter1".into(),
        rack: "rack1".into(),
        tokens: vec![1, 2],
        gossip_generation: 1,
    };
    for cluster in ["First", "Second"] {
        let p = bootstrapped(dir.path());
        write_local(&p, &node(cluster)).unwrap();
        let mut settings = rows(&p, "SELECT name, value FROM system_views.settings");
        settings.sort();
        assert_eq!(
            settings,
            [
                ["'broadcast_address'", "'127.0.0.1'"],
                ["'broadcast_rpc_address'", "'127.0.0.2'"],
                ["'cluster_name'", &format!("'{cluster}'")],
                ["'listen_address'", "'127.0.0.1'"],
                ["'native_transport_port'", "'9042'"],
                ["'partitioner'", "'org.apache.cassandra.dht.Murmur3Partitioner'"],
                ["'storage_port'", "'7000'"],
            ]
        );
        assert_eq!(
            rows(&p, "SELECT value FROM system_views.settings WHERE name = 'cluster_name'"),
            [[format!("'{cluster}'")]]
        );
    }
}

#[test]
fn virtual_tables_are_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let p = bootstrapped(dir.path());
    let cases = [
        (
            "INSERT INTO system_views.settings (name, value) VALUES ('a', 'b')",
            "Modification is not supported by table system_views.settings",
        ),
        (
            "UPDATE system_views.settings SET value = 'b' WHERE name = 'a'",
            "Modification is not supported by table system_views.settings",
        ),
        (
            "DELETE FROM system_virtual_schema.keyspaces WHERE keyspace_name = 'system_views'",
            "Modification is not supported by table system_virtual_schema.keyspaces",
        ),
        (
            "INSERT INTO system_views.settings (name, value) VALUES ('a', 'b') USING TTL 10",
            "Expiring columns are not supported by virtual tables",
        ),
        (
            "INSERT INTO system_views.settings (name, value) VALUES ('a', 'b') IF NOT EXISTS",
            "Conditional updates are not supported by virtual tables",
        ),
        (
            "UPDATE system_views.settings SET value = 'b' WHERE name = 'a' IF value = 'c'",
            "Conditional updates are not supported by virtual tables",
        ),
        (
            "BEGIN UNLOGGED BATCH INSERT INTO system_views.settings (name, value) VALUES ('a', 'b'); APPLY BATCH",
            "Modification is not supported by table system_views.settings",
        ),
        (
            "TRUNCATE system_virtual_schema.columns",
            "Truncation is not supported by table system_virtual_schema.columns",
        ),
    ];
    for (cql, message) in cases {
        assert_eq!(invalid(&p, cql), message, "{cql}");
    }
    // Prepared, as Cassandra: preparing works, executing is refused.
    let prepared = p.prepare("INSERT INTO system_views.settings (name, value) VALUES (?, ?)", None).unwrap();
    let text =
        |s: &str| sibyl_coordinator::BoundValue::Value(CqlValue::Text(s.into()).serialize(&CqlType::Text).unwrap());
    match p.execute(&prepared, &QueryOptions::with_values(vec![text("a"), text("b")])) {
        Err(CqlError::Invalid(m)) => assert_eq!(m, "Modification is not supported by table system_views.settings"),
        other => panic!("{other:?}"),
    }
    match p.batch(
        BatchKind::Logged,
        &[BatchItem::Prepared(prepared, vec![text("a"), text("b")])],
        &QueryOptions::default(),
    ) {
        Err(CqlError::Invalid(m)) => assert_eq!(m, "Modification is not supported by table system_views.settings"),
        other => panic!("{other:?}"),
    }
    assert_eq!(rows(&p, "SELECT * FROM system_virtual_schema.keyspaces").len(), 2);
    assert!(rows(&p, "SELECT * FROM system_views.settings WHERE name = 'a'").is_empty());
}

#[test]
fn system_keyspaces_are_not_user_modifiable() {
    let dir = tempfile::tempdir().unwrap();
    let p = bootstrapped(dir.path());
    for (cql, message) in [
        ("CREATE TABLE system_views.t (k int PRIMARY KEY)", "system_views keyspace is not user-modifiable."),
        ("DROP TABLE system_virtual_schema.tables", "system_virtual_schema keyspace is not user-modifiable."),
        ("ALTER KEYSPACE system_views WITH durable_writes = false", "system_views keyspace is not user-modifiable."),
        ("DROP KEYSPACE system_auth", "Cannot DROP <keyspace system_auth>"),
        ("DROP TABLE system_traces.sessions", "Cannot DROP <table system_traces.sessions>"),
        ("CREATE TABLE system_distributed.t (k int PRIMARY KEY)", "Cannot CREATE <all tables in system_distributed>"),
        ("ALTER TABLE system_auth.roles WITH comment = 'x'", "Cannot ALTER <table system_auth.roles>"),
    ] {
        assert_eq!(unauthorized(&p, cql), message, "{cql}");
    }
}

#[test]
fn replicated_system_keyspaces_keep_an_altered_replication() {
    let dir = tempfile::tempdir().unwrap();
    {
        let p = bootstrapped(dir.path());
        run(&p, "ALTER KEYSPACE system_auth WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}");
        run(&p, "INSERT INTO system_auth.roles (role, can_login) VALUES ('cassandra', true)");
    }
    let p = bootstrapped(dir.path());
    let ks = p.schema().keyspace("system_auth").cloned().unwrap();
    assert_eq!(ks.replication.get("replication_factor").map(String::as_str), Some("2"));
    assert_eq!(ks.tables.len(), 8);
    assert_eq!(
        rows(&p, "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_auth'"),
        [["{'class': 'org.apache.cassandra.locator.SimpleStrategy', 'replication_factor': '2'}"]]
    );
    assert_eq!(rows(&p, "SELECT role, can_login FROM system_auth.roles"), [["'cassandra'", "true"]]);
    // The other replicated keyspaces keep Cassandra's defaults.
    let traces = p.schema().keyspace("system_traces").cloned().unwrap();
    assert_eq!(traces.replication.get("replication_factor").map(String::as_str), Some("2"));
}
