//! After the node restarts it has forgotten prepared statements: the session reconnects on
//! demand and re-prepares transparently.

use std::time::{Duration, Instant};

use sibyl_driver::{Batch, BoundValues, DriverError};

use crate::harness::{int, keyspace, to_int, Node};

// Multi-threaded: the connection's reader task usually notices the closed socket while the
// test thread blocks in `restart`, as it would in a running application. Under load it may
// not have yet, and the request then meets the dead connection: the statements are marked
// idempotent (they are) so that case is retried on a new connection instead of failing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_after_a_node_restart_reconnects_and_reprepares() {
    let mut node = Node::start();
    let session = node.session().await;
    keyspace(&session, "rp").await;
    session.query("CREATE TABLE t (k int PRIMARY KEY, v int)", ()).await.unwrap();
    let insert = session.prepare("INSERT INTO t (k, v) VALUES (?, ?)").await.unwrap().with_idempotent(true);
    let select = session.prepare("SELECT v FROM t WHERE k = ?").await.unwrap().with_idempotent(true);
    session.execute(&insert, [int(1), int(10)]).await.unwrap();

    node.restart();

    // The old connection is gone; the next request opens a new one (in keyspace rp) and the
    // node answers Unprepared, which the session handles by re-preparing. The session may have
    // tried to reconnect while the node was down and be backing off: requests fail fast with
    // NoHostAvailable until the backoff ends, so wait for that first (the re-prepare is still
    // what the successful request does).
    wait_until_reachable(&session).await;
    let result = session.execute(&select, [int(1)]).await.unwrap();
    assert_eq!(to_int(result.rows()[0].raw(0)), 10);
    session.execute(&insert, [int(2), int(20)]).await.unwrap();

    node.restart();
    wait_until_reachable(&session).await;
    // A batch with a forgotten prepared statement is re-prepared too.
    let batch = Batch::logged().with_statement(&insert).with_idempotent(true);
    session.batch(&batch, [BoundValues::new().with(int(3)).with(int(30))]).await.unwrap();
    let rows = session.query("SELECT k FROM t", ()).await.unwrap();
    assert_eq!(rows.rows().len(), 3);
}

/// Waits (at most 15 s) until a trivial query gets through again after a restart.
async fn wait_until_reachable(session: &sibyl_driver::Session) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match session.query("SELECT release_version FROM system.local", ()).await {
            Ok(_) => return,
            Err(e) if Instant::now() >= deadline => panic!("node unreachable 15 s after restart: {e:?}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

// Single-threaded: the restart happens while no driver task can run, so the session only
// learns that its connection is dead by using it.
#[tokio::test]
async fn a_restart_the_session_did_not_notice() {
    let mut node = Node::start();
    let session = node.session().await;
    keyspace(&session, "rq").await;
    session.query("CREATE TABLE t (k int PRIMARY KEY, v int)", ()).await.unwrap();
    session.query("INSERT INTO t (k, v) VALUES (1, 10)", ()).await.unwrap();
    let select = session.prepare("SELECT v FROM t WHERE k = ?").await.unwrap();

    node.restart();
    // Idempotent: the connection error is retried on a new connection, then re-prepared.
    let result = session.execute(&select.clone().with_idempotent(true), [int(1)]).await.unwrap();
    assert_eq!(to_int(result.rows()[0].raw(0)), 10);

    node.restart();
    // Not idempotent: if the frame left before the driver saw the connection die, the
    // request fails with the connection error (it may have run); if the driver saw it first
    // (usual here: the writer yields to the I/O driver before writing), the request was never
    // sent and goes out again on a new connection. Never a `NotSent` error to the caller.
    match session.execute(&select, [int(1)]).await {
        Ok(result) => assert_eq!(to_int(result.rows()[0].raw(0)), 10),
        Err(e) => assert!(e.is_connection_error() && !matches!(e, DriverError::NotSent { .. }), "{e:?}"),
    }
    let result = session.execute(&select, [int(1)]).await.unwrap();
    assert_eq!(to_int(result.rows()[0].raw(0)), 10);
}
