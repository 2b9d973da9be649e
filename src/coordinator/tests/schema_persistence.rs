//! DDL executed through the processor is stored in `system_schema` and survives a restart.
#![allow(clippy::unwrap_used)]

mod support;

use sibyl_coordinator::expect_rows;
use support::{bootstrapped, run};

#[test]
fn schema_and_data_survive_restart_and_drops_stay_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let version_before;
    {
        let p = bootstrapped(dir.path());
        run(&p, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
        run(&p, "CREATE TYPE ks.addr (street text, zip int)");
        run(&p, "CREATE TABLE ks.t (k int, c text, v frozen<addr>, s int static, l list<int>, PRIMARY KEY (k, c)) WITH CLUSTERING ORDER BY (c DESC) AND comment = 'hi'");
        run(&p, "CREATE TABLE ks.gone (k int PRIMARY KEY)");
        run(&p, "ALTER TABLE ks.t ADD extra text");
        run(&p, "INSERT INTO ks.t (k, c, v, s, l, extra) VALUES (1, 'a', {street: 'x', zip: 5}, 7, [1, 2], 'e')");
        run(&p, "DROP TABLE ks.gone");
        run(&p, "CREATE KEYSPACE other WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
        run(&p, "DROP KEYSPACE other");
        version_before = p.schema().version();
        let rows = expect_rows(run(&p, "SELECT keyspace_name FROM system_schema.keyspaces")).unwrap();
        assert!(rows.rows.iter().any(|r| r[0].as_deref() == Some(b"ks".as_slice())));
    }
    let p = bootstrapped(dir.path());
    assert_eq!(p.schema().version(), version_before, "schema after restart differs");
    let t = p.schema().table("ks", "t").cloned().unwrap();
    assert_eq!(t.params.comment, "hi");
    assert!(t.column("extra").is_some());
    assert!(p.schema().table("ks", "gone").is_none());
    assert!(p.schema().keyspace("other").is_none());
    let rows = expect_rows(run(&p, "SELECT k, c, s, extra FROM ks.t WHERE k = 1")).unwrap();
    assert_eq!(rows.rows.len(), 1);
    assert_eq!(rows.rows[0][3].as_deref(), Some(b"e".as_slice()));
}

#[test]
fn system_keyspaces_describe_themselves_in_system_schema() {
    let dir = tempfile::tempdir().unwrap();
    for _start in 0..2 {
        let p = bootstrapped(dir.path());
        let rows = expect_rows(run(&p, "SELECT keyspace_name, replication FROM system_schema.keyspaces")).unwrap();
        let names: Vec<String> = rows.rows.iter().map(|r| String::from_utf8(r[0].clone().unwrap()).unwrap()).collect();
        assert!(names.contains(&"system".to_string()) && names.contains(&"system_schema".to_string()), "{names:?}");
        let tables = expect_rows(run(
            &p,
            "SELECT table_name, flags FROM system_schema.tables WHERE keyspace_name = 'system' AND table_name = 'local'",
        ))
        .unwrap();
        assert_eq!(tables.rows.len(), 1, "system.local is in system_schema.tables");
        let columns = expect_rows(run(
            &p,
            "SELECT column_name FROM system_schema.columns WHERE keyspace_name = 'system_schema' AND table_name = 'columns'",
        ))
        .unwrap();
        assert_eq!(columns.rows.len(), 8, "system_schema.columns describes its own eight columns");
    }
}
