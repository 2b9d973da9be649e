//! Query plans and retries across several fake nodes: the load-balancing policy's order, the
//! retry policy's decisions on server errors, idempotence, and dead nodes.

#![allow(clippy::unwrap_used)]

use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use std::time::{Duration, Instant};

use sibyl_driver::policy::{
    ConstantSpeculativeExecution, Distance, FallthroughRetryPolicy, LoadBalancingPolicy, NodeInfo, RoutingInfo,
    Topology,
};
use sibyl_driver::{DriverError, SessionBuilder, Statement};
use sibyl_protocol::{
    decode_frame, decode_request_body, encode_response_frame, ColumnSpec, ColumnType, Consistency, ErrorBody,
    ErrorKind, FrameStatus, Request, Response, ResponseExtras, ResultBody, Rows, RowsMetadata, StringMultimap,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// How a fake node answers QUERYs (after answering the handshake).
#[derive(Clone, Copy)]
enum Answer {
    /// One row holding the node's name.
    Name(&'static str),
    /// This error.
    Fail(fn() -> ErrorKind),
    /// Nothing.
    Silent,
}

struct Fake {
    addr: SocketAddr,
    queries: Arc<AtomicUsize>,
    registers: Arc<AtomicUsize>,
    /// Sending `true` closes every connection and stops accepting.
    kill: watch::Sender<bool>,
}

async fn fake(answer: Answer) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let queries = Arc::new(AtomicUsize::new(0));
    let registers = Arc::new(AtomicUsize::new(0));
    let (kill, killed) = watch::channel(false);
    let (seen, registered) = (Arc::clone(&queries), Arc::clone(&registers));
    let mut stop = killed.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((socket, _)) = accepted else { return };
                    tokio::spawn(serve(socket, answer, Arc::clone(&seen), Arc::clone(&registered), killed.clone()));
                }
                _ = stop.wait_for(|k| *k) => return,
            }
        }
    });
    Fake { addr, queries, registers, kill }
}

async fn serve(
    mut socket: TcpStream,
    answer: Answer,
    queries: Arc<AtomicUsize>,
    registers: Arc<AtomicUsize>,
    mut killed: watch::Receiver<bool>,
) {
    let mut buf = Vec::new();
    loop {
        let mut chunk = [0u8; 4096];
        let n = tokio::select! {
            read = socket.read(&mut chunk) => match read {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            },
            _ = killed.wait_for(|k| *k) => return,
        };
        buf.extend_from_slice(&chunk[..n]);
        while let Ok(FrameStatus::Complete { header, body, frame_len }) = decode_frame(&buf, 1 << 24) {
            let frame = decode_request_body(&header, body, None, 1 << 24).unwrap();
            buf.drain(..frame_len);
            let response = match frame.request {
                Request::Options => {
                    let mut m = StringMultimap::new();
                    m.insert("CQL_VERSION".into(), vec!["3.4.7".into()]);
                    Response::Supported(m)
                }
                Request::Startup(_) => Response::Ready,
                Request::Register { .. } => {
                    registers.fetch_add(1, Ordering::SeqCst);
                    Response::Ready
                }
                Request::Query { query, .. } if query.contains("system") => {
                    // Not a real node: discovery fails and the session keeps its contact points.
                    Response::Error(ErrorBody::new(ErrorKind::Invalid, "no system tables here"))
                }
                Request::Query { .. } => {
                    queries.fetch_add(1, Ordering::SeqCst);
                    match answer {
                        Answer::Silent => continue,
                        Answer::Name(name) => {
                            let metadata =
                                RowsMetadata::new(vec![ColumnSpec::new("ks", "t", "name", ColumnType::Varchar)]);
                            let rows = vec![vec![Some(name.as_bytes().to_vec())]];
                            Response::Result(ResultBody::Rows(Rows { metadata, rows }))
                        }
                        Answer::Fail(kind) => Response::Error(ErrorBody::new(kind(), "scripted failure")),
                    }
                }
                other => panic!("unexpected request {other:?}"),
            };
            let mut out = Vec::new();
            encode_response_frame(&mut out, frame.stream, &ResponseExtras::NONE, &response, None).unwrap();
            socket.write_all(&out).await.unwrap();
        }
    }
}

/// Every node, always in address-list order (the first contact point first).
#[derive(Debug)]
struct InOrder(Vec<SocketAddr>);

impl LoadBalancingPolicy for InOrder {
    fn distance(&self, _: &Topology, _: &NodeInfo) -> Distance {
        Distance::Local
    }

    fn plan<'t>(&self, topo: &'t Topology, _: &RoutingInfo<'_>) -> Vec<&'t NodeInfo> {
        self.0.iter().filter_map(|a| topo.node_by_address(a)).filter(|n| n.up).collect()
    }
}

fn unavailable() -> ErrorKind {
    ErrorKind::Unavailable { consistency: Consistency::Quorum, required: 2, alive: 1 }
}

fn overloaded() -> ErrorKind {
    ErrorKind::Overloaded
}

fn invalid() -> ErrorKind {
    ErrorKind::Invalid
}

fn name(result: &sibyl_driver::QueryResult) -> String {
    String::from_utf8(result.rows()[0].raw(0).unwrap().to_vec()).unwrap()
}

fn closed_port() -> SocketAddr {
    let listener = StdListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

#[tokio::test]
async fn the_policy_orders_the_nodes_and_the_retry_policy_moves_on() {
    let a = fake(Answer::Fail(unavailable)).await;
    let b = fake(Answer::Name("b")).await;
    let session = SessionBuilder::new()
        .known_node_addr(a.addr)
        .known_node_addr(b.addr)
        .load_balancing(InOrder(vec![a.addr, b.addr]))
        .build()
        .await
        .unwrap();
    // Unavailable on a: the default policy retries once on the next node, b.
    let result = session.query("SELECT x FROM t", ()).await.unwrap();
    assert_eq!(name(&result), "b");
    assert_eq!((a.queries.load(Ordering::SeqCst), b.queries.load(Ordering::SeqCst)), (1, 1));
}

#[tokio::test]
async fn overloaded_moves_on_only_for_idempotent_statements() {
    let a = fake(Answer::Fail(overloaded)).await;
    let b = fake(Answer::Name("b")).await;
    let session = SessionBuilder::new()
        .known_node_addr(a.addr)
        .known_node_addr(b.addr)
        .load_balancing(InOrder(vec![a.addr, b.addr]))
        .build()
        .await
        .unwrap();
    let err = session.query("UPDATE t SET x = 1", ()).await.unwrap_err();
    assert!(matches!(err, DriverError::Overloaded(_)), "{err:?}");
    let result = session.query(Statement::new("UPDATE t SET x = 1").with_idempotent(true), ()).await.unwrap();
    assert_eq!(name(&result), "b");
    // Errors no retry can fix come back at once.
    let c = fake(Answer::Fail(invalid)).await;
    let session = SessionBuilder::new()
        .known_node_addr(c.addr)
        .known_node_addr(b.addr)
        .load_balancing(InOrder(vec![c.addr, b.addr]))
        .build()
        .await
        .unwrap();
    let err = session.query(Statement::new("SELECT x FROM t").with_idempotent(true), ()).await.unwrap_err();
    assert!(matches!(err, DriverError::Invalid(_)), "{err:?}");
}

#[tokio::test]
async fn a_custom_retry_policy_is_used() {
    let a = fake(Answer::Fail(unavailable)).await;
    let b = fake(Answer::Name("b")).await;
    let session = SessionBuilder::new()
        .known_node_addr(a.addr)
        .known_node_addr(b.addr)
        .load_balancing(InOrder(vec![a.addr, b.addr]))
        .retry_policy(FallthroughRetryPolicy)
        .build()
        .await
        .unwrap();
    let err = session.query("SELECT x FROM t", ()).await.unwrap_err();
    assert!(matches!(err, DriverError::Unavailable { required: 2, alive: 1, .. }), "{err:?}");
    assert_eq!(b.queries.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_dead_contact_point_is_marked_down_and_skipped() {
    let dead = closed_port();
    let b = fake(Answer::Name("b")).await;
    let session = SessionBuilder::new().known_node_addr(dead).known_node_addr(b.addr).build().await.unwrap();
    // Discovery is not answered: the contact points are the topology, the dead one down.
    let topology = session.topology();
    assert_eq!(topology.nodes().len(), 2);
    assert!(!topology.node_by_address(&dead).unwrap().up);
    for _ in 0..4 {
        assert_eq!(name(&session.query("SELECT x FROM t", ()).await.unwrap()), "b");
    }
    assert_eq!(b.queries.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_slow_node_is_overtaken_by_a_speculative_execution_of_idempotent_statements() {
    let slow = fake(Answer::Silent).await;
    let b = fake(Answer::Name("b")).await;
    let session = SessionBuilder::new()
        .known_node_addr(slow.addr)
        .known_node_addr(b.addr)
        .load_balancing(InOrder(vec![slow.addr, b.addr]))
        .speculative_execution(ConstantSpeculativeExecution::new(2, Duration::from_millis(50)))
        .request_timeout(Duration::from_secs(2))
        .build()
        .await
        .unwrap();
    let start = Instant::now();
    let result = session.query(Statement::new("SELECT x FROM t").with_idempotent(true), ()).await.unwrap();
    assert_eq!(name(&result), "b");
    assert!(start.elapsed() < Duration::from_secs(1), "{:?}", start.elapsed());
    assert_eq!((slow.queries.load(Ordering::SeqCst), b.queries.load(Ordering::SeqCst)), (1, 1));

    // Not idempotent: no speculation, the slow node's timeout is the answer.
    let statement = Statement::new("SELECT x FROM t").with_request_timeout(Duration::from_millis(300));
    let err = session.query(statement, ()).await.unwrap_err();
    assert!(matches!(err, DriverError::RequestTimeout { .. }), "{err:?}");
    assert_eq!(b.queries.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_control_connection_moves_when_its_node_fails() {
    let a = fake(Answer::Name("a")).await;
    let b = fake(Answer::Name("b")).await;
    let session = SessionBuilder::new()
        .known_node_addr(a.addr)
        .known_node_addr(b.addr)
        .load_balancing(InOrder(vec![a.addr, b.addr]))
        .build()
        .await
        .unwrap();
    assert_eq!(name(&session.query("SELECT x FROM t", ()).await.unwrap()), "a");
    assert_eq!((a.registers.load(Ordering::SeqCst), b.registers.load(Ordering::SeqCst)), (1, 0));

    a.kill.send(true).unwrap();
    let statement = Statement::new("SELECT x FROM t").with_idempotent(true);
    let deadline = Instant::now() + Duration::from_secs(5);
    // Every request succeeds on b; b takes over the event registration.
    loop {
        assert_eq!(name(&session.query(statement.clone(), ()).await.unwrap()), "b");
        if b.registers.load(Ordering::SeqCst) == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "b never registered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(session.cluster().node(b.addr).unwrap().is_control());
    assert!(!session.cluster().node(a.addr).unwrap().is_control());
    assert!(!session.topology().node_by_address(&a.addr).unwrap().up);
}
