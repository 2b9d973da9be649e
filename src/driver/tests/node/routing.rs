//! Discovery, token-aware routing, dead contact points and schema agreement on a real node.

use std::net::{SocketAddr, TcpListener};

use sibyl_driver::policy::routing_token_of_values;
use sibyl_driver::{BoundValues, SessionBuilder, Value};
use sibyl_ring::ReplicationStrategy;

use crate::harness::{int, keyspace, to_int, Node};

/// An address nothing listens on.
fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}

#[tokio::test]
async fn discovery_reads_the_node_and_its_keyspaces() {
    let node = Node::start();
    let session = node.session().await;
    let topology = session.topology();
    assert_eq!(topology.nodes().len(), 1, "{topology:?}");
    let me = &topology.nodes()[0];
    assert_eq!(me.address, node.addr);
    assert!(!me.tokens.is_empty(), "{me:?}");
    assert!(!me.datacenter.is_empty(), "{me:?}");
    assert!(me.up);
    assert_eq!(topology.local_dc_hint(), Some(me.datacenter.as_str()));
    assert!(topology.strategy("system_schema").is_some());

    // DDL refreshes the keyspaces (after schema agreement).
    keyspace(&session, "disc").await;
    assert_eq!(session.topology().strategy("disc"), Some(&ReplicationStrategy::simple(1)));
    assert!(session.await_schema_agreement().await.unwrap());
    session.query("DROP KEYSPACE disc", ()).await.unwrap();
    assert_eq!(session.topology().strategy("disc"), None);
}

#[tokio::test]
async fn token_aware_routing_picks_the_replica_and_dead_contact_points_are_skipped() {
    let node = Node::start();
    let dead = closed_port();
    let session = SessionBuilder::new().known_node_addr(dead).known_node_addr(node.addr).build().await.unwrap();
    // The dead contact point is not in system.local/peers: it is dropped from the cluster.
    let addrs: Vec<SocketAddr> = session.cluster().nodes().iter().map(|n| n.addr()).collect();
    assert_eq!(addrs, vec![node.addr]);

    keyspace(&session, "tok").await;
    session.query("CREATE TABLE t (k int PRIMARY KEY, v int)", ()).await.unwrap();
    let insert = session.prepare("INSERT INTO t (k, v) VALUES (?, ?)").await.unwrap();
    assert_eq!(insert.pk_indexes(), &[0]);
    for k in 0..20 {
        let values = BoundValues::new().with(int(k)).with(int(k * 10));
        let token = routing_token_of_values(&[0], &[Value::Set(int(k))]).unwrap();
        let replicas: Vec<SocketAddr> = session.topology().replicas("tok", token).map(|n| n.address).collect();
        assert_eq!(replicas, vec![node.addr]);
        assert_eq!(session.query_plan(&insert, &values), vec![node.addr]);
        session.execute(&insert, values).await.unwrap();
    }
    let rows = session.query("SELECT v FROM t WHERE k = 7", ()).await.unwrap();
    assert_eq!(to_int(rows.rows()[0].raw(0)), 70);
}

#[tokio::test]
async fn without_discovery_every_contact_point_stays_and_the_dead_one_is_skipped() {
    let node = Node::start();
    let dead = closed_port();
    let session =
        SessionBuilder::new().known_node_addr(dead).known_node_addr(node.addr).discovery(false).build().await.unwrap();
    assert_eq!(session.cluster().nodes().len(), 2);
    for _ in 0..4 {
        let rows = session.query("SELECT key FROM system.local", ()).await.unwrap();
        assert_eq!(rows.rows().len(), 1);
    }
    // The failed contact point is marked down and left out of plans.
    let up: Vec<SocketAddr> = session.topology().nodes().iter().filter(|n| n.up).map(|n| n.address).collect();
    assert_eq!(up, vec![node.addr]);
}

#[tokio::test]
async fn schema_events_refresh_another_sessions_topology() {
    let node = Node::start();
    let watcher = node.session().await;
    let other = node.session().await;
    other
        .query("CREATE KEYSPACE evt WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", ())
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while watcher.topology().strategy("evt").is_none() {
        assert!(std::time::Instant::now() < deadline, "no SCHEMA_CHANGE event refreshed the topology");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
