//! The session over a described multi-node cluster of fake nodes (each on its own port of
//! 127.0.0.1, found through `system.peers_v2`'s native_port): discovery, connection pools,
//! token-aware routing of text statements by routing key, and PREPARE on every node.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sibyl_driver::value::CqlValue;
use sibyl_driver::{SessionBuilder, Statement};
use sibyl_protocol::{
    decode_frame, decode_request_body, encode_response_frame, ColumnSpec, ColumnType, ErrorBody, ErrorKind,
    FrameStatus, Prepared, PreparedMetadata, Request, Response, ResponseExtras, ResultBody, Rows, RowsMetadata,
    StringMultimap,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What one fake node saw.
#[derive(Default)]
struct Seen {
    connections: AtomicUsize,
    queries: AtomicUsize,
    prepares: AtomicUsize,
    executes: AtomicUsize,
    unprepared: AtomicUsize,
}

/// How the cluster is described to each node.
struct Described {
    /// (address, host id, token) of every node.
    nodes: Vec<(SocketAddr, u128, i64)>,
}

struct FakeNode {
    addr: SocketAddr,
    seen: Arc<Seen>,
}

/// Starts `n` fake nodes; node `i` owns token `tokens[i]` and prepares statements under
/// `id_prefix[i]` + the text (so ids can be made to differ between nodes).
async fn cluster(tokens: &[i64], id_prefix: &[u8]) -> Vec<FakeNode> {
    let mut listeners = Vec::new();
    for _ in tokens {
        listeners.push(TcpListener::bind("127.0.0.1:0").await.unwrap());
    }
    let described = Arc::new(Described {
        nodes: listeners
            .iter()
            .zip(tokens)
            .enumerate()
            .map(|(i, (l, t))| (l.local_addr().unwrap(), i as u128 + 1, *t))
            .collect(),
    });
    let mut nodes = Vec::new();
    for (i, listener) in listeners.into_iter().enumerate() {
        let seen = Arc::new(Seen::default());
        let addr = listener.local_addr().unwrap();
        let (me, described, seen2, prefix) = (i, Arc::clone(&described), Arc::clone(&seen), id_prefix[i]);
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else { return };
                seen2.connections.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(socket, me, Arc::clone(&described), Arc::clone(&seen2), prefix));
            }
        });
        nodes.push(FakeNode { addr, seen });
    }
    nodes
}

fn spec(table: &str, name: &str, ty: ColumnType) -> ColumnSpec {
    ColumnSpec::new("system", table, name, ty)
}

fn text_set(items: &[String]) -> Vec<u8> {
    let set = CqlValue::Set(items.iter().map(|i| CqlValue::Text(i.clone())).collect());
    set.serialize(&ColumnType::Set(Box::new(ColumnType::Varchar))).unwrap()
}

fn text_map(items: &[(&str, &str)]) -> Vec<u8> {
    let map =
        CqlValue::Map(items.iter().map(|(k, v)| (CqlValue::Text((*k).into()), CqlValue::Text((*v).into()))).collect());
    map.serialize(&ColumnType::Map(Box::new(ColumnType::Varchar), Box::new(ColumnType::Varchar))).unwrap()
}

fn ip_bytes(addr: SocketAddr) -> Vec<u8> {
    match addr.ip() {
        std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
        std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
    }
}

fn rows(columns: Vec<ColumnSpec>, data: Vec<Vec<Option<Vec<u8>>>>) -> Response {
    Response::Result(ResultBody::Rows(Rows { metadata: RowsMetadata::new(columns), rows: data }))
}

/// system.local / system.peers_v2 / system_schema.keyspaces as node `me` describes them.
fn system_answer(query: &str, me: usize, described: &Described) -> Response {
    let node_row = |i: usize, local: bool| {
        let (addr, id, token) = described.nodes[i];
        let mut row = vec![
            Some(ip_bytes(addr)),
            Some(id.to_be_bytes().to_vec()),
            Some(b"dc1".to_vec()),
            Some(b"r1".to_vec()),
            Some(text_set(&[token.to_string()])),
        ];
        if !local {
            row.push(Some(ip_bytes(addr)));
            row.push(Some(i32::from(addr.port()).to_be_bytes().to_vec()));
        }
        row
    };
    let node_columns = |table: &str, local: bool| {
        let mut c = vec![
            spec(table, "peer", ColumnType::Inet),
            spec(table, "host_id", ColumnType::Uuid),
            spec(table, "data_center", ColumnType::Varchar),
            spec(table, "rack", ColumnType::Varchar),
            spec(table, "tokens", ColumnType::Set(Box::new(ColumnType::Varchar))),
        ];
        if !local {
            c.push(spec(table, "native_address", ColumnType::Inet));
            c.push(spec(table, "native_port", ColumnType::Int));
        }
        c
    };
    if query.contains("schema_version") {
        let table = if query.contains("system.local") { "local" } else { "peers" };
        let count = if table == "local" { 1 } else { described.nodes.len() - 1 };
        let version = Some(vec![7u8; 16]);
        let columns = vec![spec(table, "host_id", ColumnType::Uuid), spec(table, "schema_version", ColumnType::Uuid)];
        let data = (0..count).map(|i| vec![Some((i as u128 + 100).to_be_bytes().to_vec()), version.clone()]).collect();
        return rows(columns, data);
    }
    if query.contains("system.local") {
        return rows(node_columns("local", true), vec![node_row(me, true)]);
    }
    if query.contains("system.peers_v2") {
        let peers = (0..described.nodes.len()).filter(|i| *i != me).map(|i| node_row(i, false)).collect();
        return rows(node_columns("peers_v2", false), peers);
    }
    if query.contains("system_schema.keyspaces") {
        let columns = vec![
            spec("keyspaces", "keyspace_name", ColumnType::Varchar),
            spec(
                "keyspaces",
                "replication",
                ColumnType::Map(Box::new(ColumnType::Varchar), Box::new(ColumnType::Varchar)),
            ),
        ];
        let replication =
            text_map(&[("class", "org.apache.cassandra.locator.SimpleStrategy"), ("replication_factor", "1")]);
        return rows(columns, vec![vec![Some(b"ks".to_vec()), Some(replication)]]);
    }
    Response::Error(ErrorBody::new(ErrorKind::Invalid, "unknown system table"))
}

async fn serve(mut socket: TcpStream, me: usize, described: Arc<Described>, seen: Arc<Seen>, id_prefix: u8) {
    let mut buf = Vec::new();
    let mut prepared: Vec<Vec<u8>> = Vec::new();
    loop {
        let mut chunk = [0u8; 4096];
        let n = match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        while let Ok(FrameStatus::Complete { header, body, frame_len }) = decode_frame(&buf, 1 << 24) {
            let frame = decode_request_body(&header, body, None, 1 << 24).unwrap();
            buf.drain(..frame_len);
            let name = || {
                let columns = vec![ColumnSpec::new("ks", "t", "name", ColumnType::Varchar)];
                rows(columns, vec![vec![Some(format!("node{me}").into_bytes())]])
            };
            let response = match frame.request {
                Request::Options => {
                    let mut m = StringMultimap::new();
                    m.insert("CQL_VERSION".into(), vec!["3.4.7".into()]);
                    Response::Supported(m)
                }
                Request::Startup(_) | Request::Register { .. } => Response::Ready,
                Request::Query { query, .. } if query.contains("system") => system_answer(&query, me, &described),
                Request::Query { .. } => {
                    seen.queries.fetch_add(1, Ordering::SeqCst);
                    name()
                }
                Request::Prepare { query } => {
                    seen.prepares.fetch_add(1, Ordering::SeqCst);
                    let mut id = vec![id_prefix];
                    id.extend_from_slice(query.as_bytes());
                    prepared.push(id.clone());
                    let metadata = PreparedMetadata {
                        pk_indexes: vec![0],
                        columns: vec![ColumnSpec::new("ks", "t", "k", ColumnType::Int)],
                    };
                    let result_metadata =
                        RowsMetadata::new(vec![ColumnSpec::new("ks", "t", "name", ColumnType::Varchar)]);
                    Response::Result(ResultBody::Prepared(Prepared { id, metadata, result_metadata }))
                }
                Request::Execute { id, .. } => {
                    // Statements are known per node (not per connection), as on a real node.
                    let known = PREPARED.lock().unwrap().iter().any(|(n, i)| *n == described.nodes[me].0 && *i == id)
                        || prepared.contains(&id);
                    if known {
                        seen.executes.fetch_add(1, Ordering::SeqCst);
                        name()
                    } else {
                        seen.unprepared.fetch_add(1, Ordering::SeqCst);
                        Response::Error(ErrorBody::new(ErrorKind::Unprepared { id }, "unknown id"))
                    }
                }
                other => panic!("unexpected request {other:?}"),
            };
            if let Response::Result(ResultBody::Prepared(p)) = &response {
                PREPARED.lock().unwrap().push((described.nodes[me].0, p.id.clone()));
            }
            let mut out = Vec::new();
            encode_response_frame(&mut out, frame.stream, &ResponseExtras::NONE, &response, None).unwrap();
            socket.write_all(&out).await.unwrap();
        }
    }
}

/// (node address, id) of every statement prepared on any fake node of this test binary.
static PREPARED: Mutex<Vec<(SocketAddr, Vec<u8>)>> = Mutex::new(Vec::new());

fn served_by(result: &sibyl_driver::QueryResult) -> String {
    String::from_utf8(result.rows()[0].raw(0).unwrap().to_vec()).unwrap()
}

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Three tokens spread over the ring.
const SPREAD: [i64; 3] = [-6_000_000_000_000_000_000, 0, 6_000_000_000_000_000_000];

/// The token Murmur3 gives a 4-byte int key, as the driver computes it.
fn token_of(k: i32) -> i64 {
    let bytes = k.to_be_bytes();
    sibyl_driver::policy::routing_token(&[0], |_| Some(&bytes[..])).unwrap().0
}

#[tokio::test]
async fn peers_v2_ports_are_discovered_and_text_statements_route_by_routing_key() {
    // Three nodes, tokens spread over the ring.
    let nodes = cluster(&SPREAD, &[1, 1, 1]).await;
    let session = SessionBuilder::new().known_node_addr(nodes[0].addr).keyspace("ks").build().await.unwrap();
    let mut discovered: Vec<SocketAddr> = session.topology().nodes().iter().map(|n| n.address).collect();
    discovered.sort();
    let mut expected: Vec<SocketAddr> = nodes.iter().map(|n| n.addr).collect();
    expected.sort();
    assert_eq!(discovered, expected, "every node at its own native_port");

    for k in 0..30 {
        let token = token_of(k);
        // The owner: the first node whose token is >= the key's, wrapping to the first.
        let owner = SPREAD.iter().position(|t| *t >= token).unwrap_or(0);
        let statement =
            Statement::new(format!("SELECT name FROM t WHERE k = {k}")).with_routing_key([k.to_be_bytes().to_vec()]);
        assert_eq!(session.statement_plan(&statement)[0], nodes[owner].addr, "key {k}");
        let result = session.query(statement, ()).await.unwrap();
        assert_eq!(served_by(&result), format!("node{owner}"), "key {k}");
    }
    // Without a routing key, text statements spread over the nodes.
    let mut servers = std::collections::HashSet::new();
    for _ in 0..12 {
        servers.insert(served_by(&session.query("SELECT name FROM t", ()).await.unwrap()));
    }
    assert_eq!(servers.len(), 3, "{servers:?}");
}

#[tokio::test]
async fn each_node_gets_a_pool_of_connections() {
    let nodes = cluster(&[-100, 100], &[1, 1]).await;
    let session = SessionBuilder::new().known_node_addr(nodes[0].addr).pool_size(3).build().await.unwrap();
    // The pool fills in the background once one connection works.
    let first = session.cluster().node(nodes[0].addr).unwrap();
    eventually("3 connections to the contact point", || first.open_connections() == 3).await;
    for _ in 0..20 {
        session.query("SELECT name FROM t", ()).await.unwrap();
    }
    let second = session.cluster().node(nodes[1].addr).unwrap();
    eventually("3 connections to the discovered node", || second.open_connections() == 3).await;
    // Nothing beyond the pool was opened.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(nodes[0].seen.connections.load(Ordering::SeqCst), 3);
    assert_eq!(nodes[1].seen.connections.load(Ordering::SeqCst), 3);

    // Many requests at once are spread over the pool's connections and all answered.
    let all = (0..300).map(|_| session.query("SELECT name FROM t", ()));
    for r in futures_util::future::join_all(all).await {
        r.unwrap();
    }
    // A broken connection is replaced.
    session.cluster().node(nodes[0].addr).unwrap().usable().unwrap().close();
    for _ in 0..4 {
        session.query("SELECT name FROM t", ()).await.unwrap();
    }
    eventually("the pool back at 3", || first.open_connections() == 3).await;
}

#[tokio::test]
async fn statements_are_prepared_on_every_node() {
    let nodes = cluster(&SPREAD, &[2, 2, 2]).await;
    let session = SessionBuilder::new().known_node_addr(nodes[0].addr).build().await.unwrap();
    let prepared = session.prepare("SELECT name FROM ks.t WHERE k = ?").await.unwrap();
    for n in &nodes {
        assert!(n.seen.prepares.load(Ordering::SeqCst) >= 1, "{} was not sent the PREPARE", n.addr);
    }
    // Once each: the node that answered first is not asked again.
    let prepares: usize = nodes.iter().map(|n| n.seen.prepares.load(Ordering::SeqCst)).sum();
    assert_eq!(prepares, nodes.len());
    // EXECUTEs go to every replica without a re-prepare.
    for k in 0..30i32 {
        session.execute(&prepared, sibyl_driver::BoundValues::new().with(k.to_be_bytes().to_vec())).await.unwrap();
    }
    let unprepared: usize = nodes.iter().map(|n| n.seen.unprepared.load(Ordering::SeqCst)).sum();
    assert_eq!(unprepared, 0);
    let executing = nodes.iter().filter(|n| n.seen.executes.load(Ordering::SeqCst) > 0).count();
    assert!(executing >= 2, "token-aware EXECUTEs reach several nodes");
}

#[tokio::test]
async fn without_prepare_on_all_nodes_other_replicas_re_prepare_on_first_use() {
    let nodes = cluster(&SPREAD, &[3, 4, 5]).await;
    let session =
        SessionBuilder::new().known_node_addr(nodes[0].addr).prepare_on_all_nodes(false).build().await.unwrap();
    let prepared = session.prepare("SELECT name FROM ks.t WHERE k = ? -- only one").await.unwrap();
    let prepares: usize = nodes.iter().map(|n| n.seen.prepares.load(Ordering::SeqCst)).sum();
    assert_eq!(prepares, 1);
    // Other nodes answer Unprepared once; the driver re-prepares there (each node has its own
    // id here: the retry uses the id that node returned) and the EXECUTE succeeds.
    for k in 0..30i32 {
        session.execute(&prepared, sibyl_driver::BoundValues::new().with(k.to_be_bytes().to_vec())).await.unwrap();
    }
    let unprepared: usize = nodes.iter().map(|n| n.seen.unprepared.load(Ordering::SeqCst)).sum();
    assert!(unprepared >= 1);
}
