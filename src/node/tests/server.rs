//! The CQL listener end to end, in process: a node on an ephemeral port, a client made of the
//! protocol crate's codec over a plain socket.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::time::Duration;

use sibyl_node::config::Config;
use sibyl_node::node::Node;
use sibyl_protocol::{
    decode_frame, decode_response_body, encode_request_frame, Consistency, ErrorKind, EventType, FrameStatus, Prepared,
    QueryParameters, Request, RequestExtras, Response, ResponseFrame, ResultBody, Value, Values,
};
use sibyl_storage::SyncMode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

struct TestNode {
    addr: std::net::SocketAddr,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

async fn start(dir: &std::path::Path, tweak: impl FnOnce(&mut Config)) -> TestNode {
    let mut config = Config::default();
    config.set_data_dir(dir);
    tweak(&mut config);
    let node = tokio::task::spawn_blocking(move || Node::open(config)).await.unwrap().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, rx) = watch::channel(false);
    let task = tokio::spawn(node.serve(listener, rx));
    TestNode { addr, stop, task }
}

impl TestNode {
    async fn stop(self) {
        self.stop.send(true).unwrap();
        self.task.await.unwrap().unwrap();
    }
}

struct Client {
    sock: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> Client {
        Client { sock: TcpStream::connect(addr).await.unwrap(), buf: Vec::new() }
    }

    async fn ready(addr: std::net::SocketAddr) -> Client {
        let mut c = Client::connect(addr).await;
        let r = c.call(1, Request::Startup([("CQL_VERSION".to_string(), "3.4.7".to_string())].into())).await;
        assert_eq!(r.response, Response::Ready);
        c
    }

    async fn send(&mut self, stream: i16, req: &Request) {
        let mut out = Vec::new();
        encode_request_frame(&mut out, stream, &RequestExtras::NONE, req, None).unwrap();
        self.sock.write_all(&out).await.unwrap();
    }

    async fn send_raw(&mut self, bytes: &[u8]) {
        self.sock.write_all(bytes).await.unwrap();
    }

    /// The next frame, or `None` when the server closed the connection.
    async fn recv(&mut self) -> Option<ResponseFrame> {
        loop {
            if let FrameStatus::Complete { header, body, frame_len } = decode_frame(&self.buf, 1 << 26).unwrap() {
                let f = decode_response_body(&header, body, None, 1 << 26).unwrap();
                self.buf.drain(..frame_len);
                return Some(f);
            }
            let mut chunk = [0u8; 65536];
            let n = tokio::time::timeout(Duration::from_secs(10), self.sock.read(&mut chunk)).await.unwrap().unwrap();
            if n == 0 {
                return None;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    async fn call(&mut self, stream: i16, req: Request) -> ResponseFrame {
        self.send(stream, &req).await;
        self.recv().await.unwrap()
    }

    async fn query(&mut self, stream: i16, cql: &str) -> Response {
        let params = QueryParameters::new(Consistency::One);
        self.call(stream, Request::Query { query: cql.into(), params }).await.response
    }
}

fn error_code(r: &Response) -> i32 {
    match r {
        Response::Error(e) => e.kind.code(),
        other => panic!("expected an error, got {other:?}"),
    }
}

/// Creates `ks.t (k int PRIMARY KEY, v text)` and prepares an INSERT into it.
async fn table_and_insert(c: &mut Client) -> Prepared {
    c.query(1, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}").await;
    c.query(1, "CREATE TABLE ks.t (k int PRIMARY KEY, v text)").await;
    match c.call(1, Request::Prepare { query: "INSERT INTO ks.t (k, v) VALUES (?, ?)".into() }).await.response {
        Response::Result(ResultBody::Prepared(p)) => p,
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_streams_are_all_answered_with_their_ids() {
    pipelined_writes(|_| {}).await;
}

// Batch mode: each write waits for its fsync on a blocking thread, many per sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_writes_that_wait_for_their_sync_are_all_answered() {
    pipelined_writes(|c| c.commitlog_sync = SyncMode::Batch).await;
}

async fn pipelined_writes(tweak: impl FnOnce(&mut Config)) {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path(), tweak).await;
    let mut c = Client::ready(node.addr).await;
    let insert = table_and_insert(&mut c).await;
    assert_eq!(insert.metadata.pk_indexes, vec![0]);
    // 500 requests written back to back, before reading any reply.
    let mut out = Vec::new();
    for i in 0..500i32 {
        let mut params = QueryParameters::new(Consistency::LocalQuorum);
        params.values =
            Values::Positional(vec![Value::Set(i.to_be_bytes().to_vec()), Value::Set(format!("v{i}").into_bytes())]);
        let req = Request::Execute { id: insert.id.clone(), params };
        encode_request_frame(&mut out, i as i16 + 10, &RequestExtras::NONE, &req, None).unwrap();
    }
    c.send_raw(&out).await;
    let mut seen = HashSet::new();
    for _ in 0..500 {
        let f = c.recv().await.unwrap();
        assert_eq!(f.response, Response::Result(ResultBody::Void), "stream {}", f.stream);
        assert!(seen.insert(f.stream));
    }
    assert_eq!(seen, (10..510).collect::<HashSet<i16>>());
    let params = QueryParameters::new(Consistency::One);
    let f = c.call(2, Request::Query { query: "SELECT count(*) FROM ks.t".into(), params }).await;
    match &f.response {
        Response::Result(ResultBody::Rows(rows)) => assert_eq!(rows.rows[0][0], Some(500i64.to_be_bytes().to_vec())),
        other => panic!("{other:?}"),
    }
    // Cassandra's client warning for an aggregate over every partition.
    assert_eq!(f.extras.warnings, vec!["Aggregation query used without partition key".to_string()]);
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_changes_reach_registered_connections_on_stream_minus_one() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path(), |_| {}).await;
    let mut listener = Client::ready(node.addr).await;
    let r = listener.call(3, Request::Register { events: vec![EventType::SchemaChange] }).await;
    assert_eq!(r.response, Response::Ready);
    let mut other = Client::ready(node.addr).await;
    let r = other
        .query(5, "CREATE KEYSPACE ev WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        .await;
    assert!(matches!(r, Response::Result(ResultBody::SchemaChange(_))), "{r:?}");
    let event = listener.recv().await.unwrap();
    assert_eq!(event.stream, -1);
    assert!(matches!(event.response, Response::Event(sibyl_protocol::Event::SchemaChange(_))), "{event:?}");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_versions_get_a_v4_protocol_error_with_their_stream() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path(), |_| {}).await;
    for version in [0x01u8, 0x05, 0x42, 0x7F] {
        let mut c = Client::connect(node.addr).await;
        c.send_raw(&[version, 0, 0x12, 0x34, 0x05, 0, 0, 0, 0]).await;
        let f = c.recv().await.unwrap();
        // v1 and v2 headers have a one-byte stream id.
        let stream = if version <= 2 { 0x12 } else { 0x1234 };
        assert_eq!(f.stream, stream);
        match &f.response {
            Response::Error(e) => {
                assert_eq!(e.kind, ErrorKind::Protocol);
                assert!(e.message.contains("unsupported protocol version"), "{}", e.message);
                assert!(e.message.contains("(4/v4)"), "{}", e.message);
            }
            other => panic!("{other:?}"),
        }
        assert!(c.recv().await.is_none(), "connection closed after a version error");
    }
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handshake_order_and_frame_limits_are_enforced() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path(), |c| c.limits.max_frame_bytes = 64 * 1024).await;
    // A statement before STARTUP.
    let mut c = Client::connect(node.addr).await;
    assert_eq!(error_code(&c.query(7, "SELECT * FROM system.local").await), 0x000A);
    // OPTIONS is fine at any time, STARTUP only once.
    let r = c.call(8, Request::Options).await;
    assert!(matches!(r.response, Response::Supported(ref m) if m.contains_key("CQL_VERSION")));
    assert_eq!(c.call(9, Request::Startup(Default::default())).await.response, Response::Ready);
    assert_eq!(error_code(&c.call(10, Request::Startup(Default::default())).await.response), 0x000A);
    assert_eq!(error_code(&c.call(11, Request::AuthResponse(Some(b"\0u\0p".to_vec()))).await.response), 0x000A);
    // Unknown opcode and a client-sent response opcode.
    c.send_raw(&[0x04, 0, 0, 12, 0x11, 0, 0, 0, 0]).await;
    let f = c.recv().await.unwrap();
    assert_eq!((f.stream, error_code(&f.response)), (12, 0x000A));
    c.send_raw(&[0x04, 0, 0, 13, 0x08, 0, 0, 0, 0]).await;
    let f = c.recv().await.unwrap();
    assert_eq!((f.stream, error_code(&f.response)), (13, 0x000A));
    // Still serving.
    assert!(matches!(c.query(14, "SELECT release_version FROM system.local").await, Response::Result(_)));
    // A frame over the limit is refused from its header and the connection closed.
    c.send_raw(&[0x04, 0, 0, 15, 0x07, 0, 0x10, 0, 0]).await;
    let f = c.recv().await.unwrap();
    assert_eq!((f.stream, error_code(&f.response)), (15, 0x000A));
    assert!(c.recv().await.is_none());
    // Other connections are unaffected.
    let mut d = Client::ready(node.addr).await;
    assert!(matches!(d.query(1, "SELECT release_version FROM system.local").await, Response::Result(_)));
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_keeps_acknowledged_writes_and_identity() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path(), |_| {}).await;
    let mut c = Client::ready(node.addr).await;
    c.query(1, "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}").await;
    c.query(1, "CREATE TABLE ks.t (k int PRIMARY KEY, v text)").await;
    c.query(1, "INSERT INTO ks.t (k, v) VALUES (1, 'one')").await;
    let before = c.query(1, "SELECT host_id, tokens, schema_version FROM system.local WHERE key = 'local'").await;
    drop(c);
    node.stop().await;
    let node = start(dir.path(), |_| {}).await;
    let mut c = Client::ready(node.addr).await;
    let after = c.query(1, "SELECT host_id, tokens, schema_version FROM system.local WHERE key = 'local'").await;
    assert_eq!(before, after, "host id, tokens and schema version survive a restart");
    match c.query(2, "SELECT v FROM ks.t WHERE k = 1").await {
        Response::Result(ResultBody::Rows(rows)) => assert_eq!(rows.rows, vec![vec![Some(b"one".to_vec())]]),
        other => panic!("{other:?}"),
    }
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traced_requests_answer_with_a_session_id_and_store_their_trace() {
    let dir = tempfile::tempdir().unwrap();
    let node = start(dir.path(), |_| {}).await;
    let mut c = Client::ready(node.addr).await;
    let insert = table_and_insert(&mut c).await;
    let traced = RequestExtras { tracing: true, custom_payload: None };
    // A point EXECUTE (which would run in place untraced) and a QUERY, with the tracing flag.
    let mut params = QueryParameters::new(Consistency::Quorum);
    params.values = Values::Positional(vec![Value::Set(7i32.to_be_bytes().to_vec()), Value::Set(b"seven".to_vec())]);
    let execute = Request::Execute { id: insert.id.clone(), params };
    let query = Request::Query {
        query: "SELECT v FROM ks.t WHERE k = 7".into(),
        params: QueryParameters::new(Consistency::One),
    };
    let mut ids = Vec::new();
    for (stream, req) in [(2i16, &execute), (3, &query)] {
        let mut out = Vec::new();
        encode_request_frame(&mut out, stream, &traced, req, None).unwrap();
        c.send_raw(&out).await;
        let f = c.recv().await.unwrap();
        assert_eq!(f.stream, stream);
        assert!(matches!(f.response, Response::Result(_)), "{f:?}");
        let id = f.extras.tracing_id.expect("a tracing id");
        assert_eq!(id[6] >> 4, 1, "a time-based uuid");
        ids.push(id);
    }
    // Untraced: no tracing id.
    let f = c.call(4, query.clone()).await;
    assert_eq!(f.extras.tracing_id, None);

    let uuid = |id: &[u8; 16]| sibyl_cql::value::timeuuid::format_uuid(id);
    let text = |v: &Option<Vec<u8>>| String::from_utf8(v.clone().unwrap()).unwrap();
    let expected = [
        ("Execute CQL3 prepared query", "INSERT INTO ks.t (k, v) VALUES (?, ?)", "QUORUM", "Adding to t memtable"),
        ("Execute CQL3 query", "SELECT v FROM ks.t WHERE k = 7", "ONE", "Read 1 live rows and 0 tombstone cells"),
    ];
    for (id, (request, cql, level, last_event)) in ids.iter().zip(expected) {
        let sessions = c
            .query(
                5,
                &format!(
                    "SELECT request, parameters['query'], parameters['consistency_level'], command, duration, \
                     coordinator_port FROM system_traces.sessions WHERE session_id = {}",
                    uuid(id)
                ),
            )
            .await;
        let Response::Result(ResultBody::Rows(rows)) = sessions else { panic!("{sessions:?}") };
        let row = &rows.rows[0];
        assert_eq!((text(&row[0]).as_str(), text(&row[1]).as_str(), text(&row[2]).as_str()), (request, cql, level));
        assert_eq!(text(&row[3]), "QUERY");
        assert!(row[4].is_some(), "duration set");
        assert_eq!(row[5], Some(7000i32.to_be_bytes().to_vec()));
        let events =
            c.query(6, &format!("SELECT activity FROM system_traces.events WHERE session_id = {}", uuid(id))).await;
        let Response::Result(ResultBody::Rows(rows)) = events else { panic!("{events:?}") };
        assert_eq!(text(&rows.rows.last().unwrap()[0]), last_event);
    }
    node.stop().await;
}
