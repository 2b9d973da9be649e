//! Connecting: handshake, keyspace, compression, DDL, and failure to connect.

use std::time::Duration;

use sibyl_driver::{Compression, DriverError, SessionBuilder};

use crate::harness::{keyspace, to_int, Node};

#[tokio::test]
async fn connects_and_reads_system_local() {
    let node = Node::start();
    let session = node.session().await;
    let result = session.query("SELECT release_version, cql_version FROM system.local", ()).await.unwrap();
    assert_eq!(result.rows().len(), 1);
    let row = &result.rows()[0];
    assert_eq!(row.columns()[0].name, "release_version");
    assert!(row.raw_by_name("release_version").is_some_and(|v| v.starts_with(b"5.")));
    let conns: Vec<_> = session.cluster().nodes().iter().filter_map(|n| n.usable()).collect();
    assert_eq!(conns.len(), 1);
    assert_eq!(conns[0].compression(), None);
}

#[tokio::test]
async fn ddl_and_keyspace_switching() {
    let node = Node::start();
    let session = node.session().await;
    let created = session
        .query("CREATE KEYSPACE ks1 WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", ())
        .await
        .unwrap();
    assert!(created.schema_change.is_some());
    session.use_keyspace("ks1").await.unwrap();
    assert_eq!(session.keyspace().as_deref(), Some("ks1"));
    session.query("CREATE TABLE t (k int PRIMARY KEY, v int)", ()).await.unwrap();
    session.query("INSERT INTO t (k, v) VALUES (1, 2)", ()).await.unwrap();
    let rows = session.query("SELECT v FROM ks1.t WHERE k = 1", ()).await.unwrap();
    assert_eq!(to_int(rows.rows()[0].raw(0)), 2);

    // A second session starts in the keyspace given to the builder.
    let other = node.builder().keyspace("ks1").build().await.unwrap();
    let rows = other.query("SELECT v FROM t WHERE k = 1", ()).await.unwrap();
    assert_eq!(rows.rows().len(), 1);
}

#[tokio::test]
async fn lz4_compression_is_negotiated_and_used() {
    let node = Node::start();
    let session = node.builder().compression(Some(Compression::Lz4)).build().await.unwrap();
    let conn = session.cluster().nodes()[0].usable().unwrap();
    assert_eq!(conn.compression(), Some(Compression::Lz4));
    keyspace(&session, "lz").await;
    session.query("CREATE TABLE t (k int PRIMARY KEY, v text)", ()).await.unwrap();
    let insert = session.prepare("INSERT INTO t (k, v) VALUES (?, ?)").await.unwrap();
    // Repetitive values compress well and exceed one small frame.
    let big = "abc".repeat(20_000);
    for k in 0..20i32 {
        session.execute(&insert, [k.to_be_bytes().to_vec(), big.clone().into_bytes()]).await.unwrap();
    }
    let rows = session.query("SELECT v FROM t", ()).await.unwrap();
    assert_eq!(rows.rows().len(), 20);
    assert!(rows.rows().iter().all(|r| r.raw(0) == Some(big.as_bytes())));
}

#[tokio::test]
async fn no_node_listening_is_no_host_available() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let err = SessionBuilder::new()
        .known_node(format!("127.0.0.1:{port}"))
        .connect_timeout(Duration::from_secs(2))
        .build()
        .await
        .unwrap_err();
    match err {
        DriverError::NoHostAvailable { errors } => {
            assert_eq!(errors.len(), 1);
            assert!(matches!(errors[0].1, DriverError::Connect { .. }), "{errors:?}");
        }
        other => panic!("expected NoHostAvailable, got {other:?}"),
    }
}

#[tokio::test]
async fn many_concurrent_requests_share_one_connection() {
    let node = Node::start();
    let session = node.session().await;
    keyspace(&session, "conc").await;
    session.query("CREATE TABLE t (k int PRIMARY KEY, v int)", ()).await.unwrap();
    let insert = session.prepare("INSERT INTO t (k, v) VALUES (?, ?)").await.unwrap();
    let mut tasks = Vec::new();
    for k in 0..500i32 {
        let (session, insert) = (session.clone(), insert.clone());
        tasks.push(tokio::spawn(async move {
            session.execute(&insert, [k.to_be_bytes().to_vec(), (k * 2).to_be_bytes().to_vec()]).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let rows = session.query("SELECT k, v FROM t", ()).await.unwrap();
    assert_eq!(rows.rows().len(), 500);
    assert!(rows.rows().iter().all(|r| to_int(r.raw(1)) == 2 * to_int(r.raw(0))));
}

#[tokio::test]
async fn a_pool_of_connections_shares_the_work_and_the_keyspace() {
    let node = Node::start();
    let session = node.builder().pool_size(4).build().await.unwrap();
    keyspace(&session, "pooled").await;
    session.query("CREATE TABLE t (k int PRIMARY KEY, v int)", ()).await.unwrap();
    let pool = session.cluster().nodes()[0].clone();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while pool.open_connections() < 4 {
        assert!(std::time::Instant::now() < deadline, "the pool never reached 4 connections");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Unqualified statements on every connection of the pool: each one USEs the keyspace first.
    let insert = session.prepare("INSERT INTO t (k, v) VALUES (?, ?)").await.unwrap();
    let writes = (0..2000i32).map(|k| {
        let (session, insert) = (session.clone(), insert.clone());
        async move { session.execute(&insert, [k.to_be_bytes().to_vec(), (k * 2).to_be_bytes().to_vec()]).await }
    });
    for r in futures_util::future::join_all(writes).await {
        r.unwrap();
    }
    let reads = (0..40).map(|_| session.query("SELECT count(*) FROM t", ()));
    for r in futures_util::future::join_all(reads).await {
        let rows = r.unwrap();
        let count = i64::from_be_bytes(rows.rows()[0].raw(0).unwrap().try_into().unwrap());
        assert_eq!(count, 2000);
    }
    assert_eq!(pool.open_connections(), 4);
}
