//! Query tracing: a statement sent with tracing on gets a trace id, and `Session::tracing_info`
//! reads the node's trace back from `system_traces`.

use std::time::Duration;

use sibyl_driver::{Batch, BoundValues, DriverError, Statement};

use crate::harness::{int, keyspace, Node};

#[tokio::test]
async fn traced_statements_can_be_read_back() {
    let node = Node::start();
    let session = node.session().await;
    keyspace(&session, "traced").await;
    session.query("CREATE TABLE t (k int PRIMARY KEY, v text)", ()).await.unwrap();

    // Untraced: no id.
    let plain = session.query("SELECT * FROM t WHERE k = 1", ()).await.unwrap();
    assert_eq!(plain.tracing_id, None);

    // A simple statement.
    let insert = Statement::new("INSERT INTO t (k, v) VALUES (1, 'one')").with_tracing(true);
    let id = session.query(insert, ()).await.unwrap().tracing_id.expect("a tracing id");
    let trace = session.tracing_info(id).await.unwrap();
    assert_eq!(trace.session_id, id);
    assert_eq!(trace.request, "Execute CQL3 query");
    assert_eq!(trace.command, "QUERY");
    assert_eq!(trace.parameters.get("query").map(String::as_str), Some("INSERT INTO t (k, v) VALUES (1, 'one')"));
    assert!(trace.parameters.contains_key("consistency_level"), "{:?}", trace.parameters);
    assert_eq!(trace.coordinator, Some(node.addr.ip()));
    assert_eq!(trace.coordinator_port, Some(7000));
    assert!(trace.client.is_some());
    let activities: Vec<&str> = trace.events.iter().map(|e| e.activity.as_str()).collect();
    assert_eq!(activities[0], "Parsing INSERT INTO t (k, v) VALUES (1, 'one')");
    assert!(activities.contains(&"Adding to t memtable"), "{activities:?}");
    let started_micros = trace.started_at.0 * 1000;
    for e in &trace.events {
        assert_eq!(e.source, Some(node.addr.ip()));
        assert!(!e.thread.is_empty());
        assert!(e.source_elapsed_micros <= i64::try_from(trace.duration.as_micros()).unwrap());
        // Event times come from their ids: within the request (the start is in milliseconds).
        assert!(e.timestamp_micros() >= started_micros, "{} < {started_micros}", e.timestamp_micros());
    }

    // A prepared statement, with its bound values in the parameters.
    let select = session.prepare("SELECT v FROM t WHERE k = ?").await.unwrap().with_tracing(true);
    let result = session.execute(&select, vec![int(1)]).await.unwrap();
    assert_eq!(result.rows().len(), 1);
    let trace = session.tracing_info(result.tracing_id.expect("a tracing id")).await.unwrap();
    assert_eq!(trace.request, "Execute CQL3 prepared query");
    assert_eq!(trace.parameters.get("bound_var_0_k").map(String::as_str), Some("1"));
    let activities: Vec<&str> = trace.events.iter().map(|e| e.activity.as_str()).collect();
    assert_eq!(activities, ["Executing single-partition query on t", "Read 1 live rows and 0 tombstone cells"]);

    // A batch.
    let batch = Batch::logged()
        .with_statement("INSERT INTO t (k, v) VALUES (2, 'two')")
        .with_statement("INSERT INTO t (k, v) VALUES (3, 'three')")
        .with_tracing(true);
    let result = session.batch(&batch, vec![BoundValues::new(), BoundValues::new()]).await.unwrap();
    let trace = session.tracing_info(result.tracing_id.expect("a tracing id")).await.unwrap();
    assert_eq!(trace.request, "Execute batch of CQL3 queries");
    assert!(trace.events.iter().filter(|e| e.activity == "Adding to t memtable").count() == 2, "{:?}", trace.events);

    // An id nobody traced: unavailable after the wait.
    match session.tracing_info_within([7; 16], Duration::from_millis(50)).await {
        Err(DriverError::TraceUnavailable(_)) => {}
        other => panic!("{other:?}"),
    }
}
