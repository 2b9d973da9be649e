//! Query tracing: the events a traced request collects (Cassandra's texts for a single node) and
//! the `system_traces` rows a finished trace is stored as.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use sibyl_coordinator::trace::{trace_rows, write_trace, TRACE_TTL_SECONDS};
use sibyl_coordinator::{BatchItem, BoundValue, QueryOptions, QueryProcessor, Trace, TraceSession};
use sibyl_cql::ast::BatchKind;
use sibyl_cql::types::CqlType;
use sibyl_cql::value::CqlValue;
use support::{bootstrapped, rows, run};

fn open(dir: &std::path::Path) -> QueryProcessor {
    let p = bootstrapped(dir);
    run(&p, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    run(&p, "CREATE TABLE ks.t (k int, c int, v text, PRIMARY KEY (k, c))");
    p
}

fn traced(p: &QueryProcessor, cql: &str) -> Trace {
    let mut trace = p.start_trace("test-thread");
    p.query_traced(cql, &QueryOptions::default(), &mut trace).unwrap_or_else(|e| panic!("{cql}: {e:?}"));
    trace
}

fn int(v: i32) -> BoundValue {
    BoundValue::Value(CqlValue::Int(v).serialize(&CqlType::Int).unwrap())
}

#[test]
fn a_traced_write_records_parsing_and_the_local_write() {
    let dir = tempfile::tempdir().unwrap();
    let p = open(dir.path());
    let trace = traced(&p, "INSERT INTO ks.t (k, c, v) VALUES (1, 1, 'a')");
    assert_eq!(
        trace.activities(),
        [
            "Parsing INSERT INTO ks.t (k, c, v) VALUES (1, 1, 'a')",
            "Preparing statement",
            "Determining replicas for mutation",
            "Appending to commitlog",
            "Adding to t memtable",
        ]
    );
    assert!(trace.events.windows(2).all(|w| w[0].at_micros <= w[1].at_micros));
    assert!(trace.events.iter().all(|e| e.at_micros >= trace.started_at_micros));
    assert_eq!(trace.thread, "test-thread");
}

#[test]
fn a_traced_read_counts_live_rows_and_tombstones() {
    let dir = tempfile::tempdir().unwrap();
    let p = open(dir.path());
    run(&p, "INSERT INTO ks.t (k, c, v) VALUES (1, 1, 'a')");
    run(&p, "INSERT INTO ks.t (k, c, v) VALUES (1, 2, 'b')");
    let trace = traced(&p, "SELECT * FROM ks.t WHERE k = 1");
    assert_eq!(
        trace.activities(),
        [
            "Parsing SELECT * FROM ks.t WHERE k = 1",
            "Preparing statement",
            "Executing single-partition query on t",
            "Read 2 live rows and 0 tombstone cells",
        ]
    );
    run(&p, "DELETE v FROM ks.t WHERE k = 1 AND c = 1");
    let trace = traced(&p, "SELECT * FROM ks.t WHERE k = 1");
    // The row keeps its INSERT's marker: still live, with one tombstone cell.
    assert_eq!(trace.activities().last(), Some(&"Read 2 live rows and 1 tombstone cells"));
    run(&p, "DELETE FROM ks.t WHERE k = 1 AND c = 2");
    let trace = traced(&p, "SELECT * FROM ks.t WHERE k = 1");
    assert_eq!(trace.activities().last(), Some(&"Read 1 live rows and 2 tombstone cells"));
}

#[test]
fn a_traced_scan_records_the_range_request() {
    let dir = tempfile::tempdir().unwrap();
    let p = open(dir.path());
    run(&p, "INSERT INTO ks.t (k, c, v) VALUES (1, 1, 'a')");
    run(&p, "INSERT INTO ks.t (k, c, v) VALUES (2, 1, 'b')");
    let trace = traced(&p, "SELECT * FROM ks.t");
    assert_eq!(
        trace.activities()[2..],
        [
            "Computing ranges to query",
            "Submitting range requests on 1 ranges with a concurrency of 1",
            "Read 2 live rows and 0 tombstone cells",
        ]
    );
}

#[test]
fn prepared_statements_and_batches_are_traced_without_parsing_again() {
    let dir = tempfile::tempdir().unwrap();
    let p = open(dir.path());
    let mut trace = p.start_trace("t");
    let insert = p.prepare_traced("INSERT INTO ks.t (k, c, v) VALUES (?, ?, 'x')", None, &mut trace).unwrap();
    assert_eq!(trace.activities(), ["Parsing INSERT INTO ks.t (k, c, v) VALUES (?, ?, 'x')", "Preparing statement"]);

    let mut trace = p.start_trace("t");
    p.execute_traced(&insert, &QueryOptions::with_values(vec![int(5), int(1)]), &mut trace).unwrap();
    assert_eq!(
        trace.activities(),
        ["Determining replicas for mutation", "Appending to commitlog", "Adding to t memtable"]
    );

    let select = p.prepare("SELECT v FROM ks.t WHERE k = ?", None).unwrap();
    let mut trace = p.start_trace("t");
    p.execute_traced(&select, &QueryOptions::with_values(vec![int(5)]), &mut trace).unwrap();
    assert_eq!(trace.activities(), ["Executing single-partition query on t", "Read 1 live rows and 0 tombstone cells"]);

    let mut trace = p.start_trace("t");
    let items = [
        BatchItem::Prepared(Arc::clone(&insert), vec![int(6), int(1)]),
        BatchItem::Query("INSERT INTO ks.t (k, c, v) VALUES (7, 1, 'y')".into(), vec![]),
    ];
    p.batch_traced(BatchKind::Logged, &items, &QueryOptions::default(), &mut trace).unwrap();
    let activities = trace.activities();
    assert_eq!(activities[0], "Parsing INSERT INTO ks.t (k, c, v) VALUES (7, 1, 'y')");
    assert_eq!(activities[1], "Determining replicas for mutation");
    assert_eq!(activities.iter().filter(|a| **a == "Adding to t memtable").count(), 2);
    assert_eq!(rows(&p, "SELECT count(*) FROM ks.t"), [["3"]]);
}

#[test]
fn session_ids_are_time_based_and_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let p = open(dir.path());
    let a = p.start_trace("t");
    let b = p.start_trace("t");
    assert_ne!(a.session_id, b.session_id);
    assert_eq!(a.session_id[6] >> 4, 1, "version 1 uuid");
    assert_eq!(a.session_id[8] & 0xC0, 0x80, "RFC 4122 variant");
}

fn session(duration_micros: i64) -> TraceSession {
    TraceSession {
        client: IpAddr::from([127, 0, 0, 9]),
        coordinator: IpAddr::from([127, 0, 0, 60]),
        coordinator_port: 7000,
        command: "QUERY".into(),
        request: "Execute CQL3 query".into(),
        parameters: BTreeMap::from([
            ("consistency_level".to_string(), "ONE".to_string()),
            ("query".to_string(), "SELECT * FROM ks.t".to_string()),
        ]),
        duration_micros,
    }
}

#[test]
fn a_stored_trace_fills_sessions_and_events_with_a_one_day_ttl() {
    let dir = tempfile::tempdir().unwrap();
    let p = open(dir.path());
    assert!(rows(&p, "SELECT * FROM system_traces.sessions").is_empty(), "untraced requests leave nothing");
    let trace = traced(&p, "SELECT * FROM ks.t WHERE k = 1");
    write_trace(&p, &trace, &session(1234)).unwrap();
    let id = sibyl_cql::value::timeuuid::format_uuid(&trace.session_id);

    let s = rows(
        &p,
        &format!(
            "SELECT client, command, coordinator, coordinator_port, duration, parameters, request, ttl(duration) \
             FROM system_traces.sessions WHERE session_id = {id}"
        ),
    );
    assert_eq!(
        s,
        [[
            "'127.0.0.9'",
            "'QUERY'",
            "'127.0.0.60'",
            "7000",
            "1234",
            "{'consistency_level': 'ONE', 'query': 'SELECT * FROM ks.t'}",
            "'Execute CQL3 query'",
            "86400",
        ]]
    );
    assert_eq!(TRACE_TTL_SECONDS, 86400);
    let started =
        rows(&p, &format!("SELECT toUnixTimestamp(started_at) FROM system_traces.sessions WHERE session_id = {id}"));
    assert_eq!(started[0][0], (trace.started_at_micros / 1000).to_string());

    let e = rows(
        &p,
        &format!(
            "SELECT activity, source, source_port, thread, source_elapsed, ttl(activity) FROM system_traces.events \
             WHERE session_id = {id}"
        ),
    );
    let activities: Vec<&str> = e.iter().map(|r| r[0].trim_matches('\'')).collect();
    assert_eq!(activities, trace.activities());
    for (row, event) in e.iter().zip(&trace.events) {
        assert_eq!(row[1..4], ["'127.0.0.60'", "7000", "'test-thread'"]);
        assert_eq!(row[4], trace.elapsed(event.at_micros).to_string());
        assert_eq!(row[5], "86400");
    }
}

#[test]
fn event_ids_are_distinct_timeuuids_of_the_event_times() {
    let mut trace = Trace::new([1; 16], 1_700_000_000_000_000, "t");
    for _ in 0..3 {
        trace.event(1_700_000_000_000_500, "same microsecond");
    }
    trace.event(1_700_000_000_002_000, "later");
    let rows = trace_rows(&trace, &session(10), 7, 0x0100_0000_0001).unwrap();
    assert_eq!(rows.len(), 5);
    assert!(rows[0].0.starts_with("INSERT INTO system_traces.sessions"));
    let ids: Vec<[u8; 16]> = rows[1..]
        .iter()
        .map(|(_, values)| {
            let BoundValue::Value(b) = &values[1] else { panic!("event id") };
            b.as_slice().try_into().unwrap()
        })
        .collect();
    let micros: Vec<i64> = ids.iter().map(sibyl_cql::value::timeuuid::unix_micros).collect();
    assert_eq!(micros, [1_700_000_000_000_500, 1_700_000_000_000_500, 1_700_000_000_000_500, 1_700_000_000_002_000]);
    let mut sorted = ids.clone();
    sorted.dedup();
    assert_eq!(sorted.len(), 4, "distinct");
    assert_eq!(trace.elapsed(1_700_000_000_002_000), 2000);
    assert_eq!(trace.elapsed(0), 0, "a clock step back is not negative");
}
