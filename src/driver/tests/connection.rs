//! One connection against a scripted fake server: handshake options, SASL PLAIN, responses
//! out of order, a broken connection failing every request in flight, heartbeats, events.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use sibyl_driver::{Compression, Connection, ConnectionConfig, DriverError, SessionBuilder};
use sibyl_protocol::{
    decode_frame, decode_request_body, encode_response_frame, ColumnSpec, ColumnType, Consistency, ErrorBody,
    ErrorKind, Event, EventType, FrameStatus, QueryParameters, Request, Response, ResponseExtras, ResultBody, Rows,
    RowsMetadata, SchemaChange, SchemaChangeTarget, SchemaChangeType, StringMultimap,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// How the fake server behaves after the handshake.
#[derive(Clone, Copy, PartialEq)]
enum Script {
    /// Answer every QUERY with one row holding its text.
    Echo,
    /// Hold QUERYs until `n` arrived, then answer them in reverse order.
    Reverse(usize),
    /// Close the socket when `n` QUERYs are waiting.
    CloseAfter(usize),
    /// Never answer anything after the handshake (heartbeats included).
    Silent,
    /// Ask for authentication with SASL PLAIN; accept user "u" / password "p".
    Auth,
}

/// Starts a fake node; every request it receives is also sent on the returned channel.
async fn fake(script: Script) -> (SocketAddr, mpsc::UnboundedReceiver<Request>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (seen_tx, seen) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket, script, seen_tx.clone()));
        }
    });
    (addr, seen)
}

async fn serve(mut socket: TcpStream, script: Script, seen: mpsc::UnboundedSender<Request>) {
    let mut buf = Vec::new();
    let mut held: Vec<(i16, String)> = Vec::new();
    let mut compression = None;
    let mut ready = false;
    loop {
        let mut chunk = [0u8; 4096];
        let n = match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        while let Ok(FrameStatus::Complete { header, body, frame_len }) = decode_frame(&buf, 1 << 24) {
            let frame = decode_request_body(&header, body, compression, 1 << 24).unwrap();
            buf.drain(..frame_len);
            let _ = seen.send(frame.request.clone());
            let mut out = Vec::new();
            let reply = |stream: i16, response: Response, out: &mut Vec<u8>| {
                encode_response_frame(out, stream, &ResponseExtras::NONE, &response, compression).unwrap();
            };
            match frame.request {
                Request::Options if ready && script == Script::Silent => {}
                Request::Options => {
                    let mut m = StringMultimap::new();
                    m.insert("CQL_VERSION".into(), vec!["3.4.7".into()]);
                    m.insert("COMPRESSION".into(), vec!["lz4".into()]);
                    reply(frame.stream, Response::Supported(m), &mut out);
                }
                Request::Startup(options) => {
                    if script == Script::Auth {
                        let class = "org.apache.cassandra.auth.PasswordAuthenticator".into();
                        reply(frame.stream, Response::Authenticate(class), &mut out);
                    } else {
                        reply(frame.stream, Response::Ready, &mut out);
                        ready = true;
                    }
                    socket.write_all(&out).await.unwrap();
                    out.clear();
                    compression = options.get("COMPRESSION").map(|c| Compression::from_name(c).unwrap());
                }
                Request::AuthResponse(token) => {
                    if token.as_deref() == Some(&b"\0u\0p"[..]) {
                        reply(frame.stream, Response::AuthSuccess(None), &mut out);
                        ready = true;
                    } else {
                        let e = ErrorBody::new(
                            ErrorKind::BadCredentials,
                            "Provided username and/or password are incorrect",
                        );
                        reply(frame.stream, Response::Error(e), &mut out);
                    }
                }
                Request::Register { .. } => {
                    reply(frame.stream, Response::Ready, &mut out);
                }
                Request::Query { query, .. } if query == "PUSH" => {
                    // An event on stream -1 first, then the answer.
                    let change = SchemaChange {
                        change_type: SchemaChangeType::Created,
                        target: SchemaChangeTarget::Keyspace { keyspace: "pushed".into() },
                    };
                    reply(-1, Response::Event(Event::SchemaChange(change)), &mut out);
                    reply(frame.stream, echo(&query), &mut out);
                }
                Request::Query { query, .. } => match script {
                    Script::Echo | Script::Auth => reply(frame.stream, echo(&query), &mut out),
                    Script::Reverse(n) => {
                        held.push((frame.stream, query));
                        if held.len() == n {
                            for (stream, q) in held.drain(..).rev() {
                                reply(stream, echo(&q), &mut out);
                            }
                        }
                    }
                    Script::CloseAfter(n) => {
                        held.push((frame.stream, query));
                        if held.len() == n {
                            return;
                        }
                    }
                    Script::Silent => {}
                },
                other => panic!("unexpected request {other:?}"),
            }
            if !out.is_empty() {
                socket.write_all(&out).await.unwrap();
            }
        }
    }
}

fn echo(query: &str) -> Response {
    let metadata = RowsMetadata::new(vec![ColumnSpec::new("ks", "t", "q", ColumnType::Varchar)]);
    Response::Result(ResultBody::Rows(Rows { metadata, rows: vec![vec![Some(query.as_bytes().to_vec())]] }))
}

fn query(text: &str) -> Request {
    Request::Query { query: text.into(), params: QueryParameters::new(Consistency::One) }
}

fn echoed(frame: sibyl_protocol::ResponseFrame) -> String {
    match frame.response {
        Response::Result(ResultBody::Rows(rows)) => String::from_utf8(rows.rows[0][0].clone().unwrap()).unwrap(),
        other => panic!("{other:?}"),
    }
}

const T: Duration = Duration::from_secs(5);

#[tokio::test]
async fn handshake_sends_options_then_startup_with_cql_version_and_compression() {
    let (addr, mut seen) = fake(Script::Echo).await;
    let config = ConnectionConfig { compression: Some(Compression::Lz4), ..Default::default() };
    let conn = Connection::open(addr, &config).await.unwrap();
    assert_eq!(seen.recv().await.unwrap(), Request::Options);
    let Request::Startup(options) = seen.recv().await.unwrap() else { panic!("STARTUP expected") };
    assert_eq!(options.get("CQL_VERSION").map(String::as_str), Some("3.4.7"));
    assert_eq!(options.get("COMPRESSION").map(String::as_str), Some("lz4"));
    assert_eq!(conn.compression(), Some(Compression::Lz4));
    let text = "SELECT ".to_owned() + &"x".repeat(10_000);
    assert_eq!(echoed(conn.send(&query(&text), false, T).await.unwrap()), text);
}

#[tokio::test]
async fn responses_out_of_order_reach_their_requests() {
    let (addr, _seen) = fake(Script::Reverse(50)).await;
    let conn = std::sync::Arc::new(Connection::open(addr, &ConnectionConfig::default()).await.unwrap());
    let mut tasks = Vec::new();
    for i in 0..50 {
        let conn = conn.clone();
        tasks.push(tokio::spawn(async move { echoed(conn.send(&query(&format!("q{i}")), false, T).await.unwrap()) }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        assert_eq!(t.await.unwrap(), format!("q{i}"));
    }
}

#[tokio::test]
async fn a_broken_connection_fails_every_request_in_flight() {
    let (addr, _seen) = fake(Script::CloseAfter(20)).await;
    let conn = std::sync::Arc::new(Connection::open(addr, &ConnectionConfig::default()).await.unwrap());
    let mut tasks = Vec::new();
    for i in 0..20 {
        let conn = conn.clone();
        tasks.push(tokio::spawn(async move { conn.send(&query(&format!("q{i}")), false, T).await }));
    }
    for t in tasks {
        let err = t.await.unwrap().unwrap_err();
        assert!(matches!(err, DriverError::ConnectionBroken { .. }), "{err:?}");
    }
    assert!(!conn.is_usable());
    // A request on the broken connection never leaves: it is reported as not sent (the
    // session then sends it again elsewhere, idempotent or not).
    let err = conn.send(&query("later"), false, T).await.unwrap_err();
    assert!(matches!(err, DriverError::NotSent { .. }), "{err:?}");
    assert!(err.is_connection_error());
}

#[tokio::test]
async fn requests_on_a_closed_connection_are_not_sent() {
    let (addr, mut seen) = fake(Script::Echo).await;
    let conn = Connection::open(addr, &ConnectionConfig::default()).await.unwrap();
    assert_eq!(echoed(conn.send(&query("first"), false, T).await.unwrap()), "first");
    conn.close();
    let err = conn.send(&query("second"), false, T).await.unwrap_err();
    assert!(matches!(err, DriverError::NotSent { .. }), "{err:?}");
    // The server saw the handshake and the first query only.
    let mut queries = Vec::new();
    while let Ok(Some(r)) = tokio::time::timeout(std::time::Duration::from_millis(100), seen.recv()).await {
        if let Request::Query { query, .. } = r {
            queries.push(query);
        }
    }
    assert_eq!(queries, ["first"]);
}

#[tokio::test]
async fn request_timeout_and_unanswered_heartbeat() {
    let (addr, mut seen) = fake(Script::Silent).await;
    let config = ConnectionConfig {
        heartbeat_interval: Some(Duration::from_millis(200)),
        heartbeat_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let conn = Connection::open(addr, &config).await.unwrap();
    let err = conn.send(&query("q"), false, Duration::from_millis(50)).await.unwrap_err();
    assert!(matches!(err, DriverError::RequestTimeout { .. }), "{err:?}");
    // Idle: the heartbeat goes out, is not answered, and breaks the connection.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(!conn.is_usable());
    let requests: Vec<_> = std::iter::from_fn(|| seen.try_recv().ok()).collect();
    assert!(requests.iter().filter(|r| **r == Request::Options).count() >= 2, "{requests:?}");
}

#[tokio::test]
async fn sasl_plain_authentication() {
    let (addr, mut seen) = fake(Script::Auth).await;
    let err = SessionBuilder::new().known_node_addr(addr).build().await.unwrap_err();
    let DriverError::NoHostAvailable { errors } = err else { panic!("{err:?}") };
    assert!(matches!(errors[0].1, DriverError::AuthenticationRequired { .. }), "{errors:?}");

    let err = SessionBuilder::new().known_node_addr(addr).credentials("u", "wrong").build().await.unwrap_err();
    let DriverError::NoHostAvailable { errors } = err else { panic!("{err:?}") };
    assert!(matches!(errors[0].1, DriverError::BadCredentials(_)), "{errors:?}");

    let session = SessionBuilder::new().known_node_addr(addr).credentials("u", "p").build().await.unwrap();
    let result = session.query("SELECT 1", ()).await.unwrap();
    assert_eq!(result.rows()[0].raw_by_name("q"), Some(&b"SELECT 1"[..]));
    let requests: Vec<_> = std::iter::from_fn(|| seen.try_recv().ok()).collect();
    assert!(requests.contains(&Request::AuthResponse(Some(b"\0u\0p".to_vec()))));
}

#[tokio::test]
async fn events_arrive_on_the_session_channel() {
    let (addr, mut seen) = fake(Script::Echo).await;
    let session = SessionBuilder::new().known_node_addr(addr).subscribe_events(true).build().await;
    let session = session.unwrap();
    let mut events = session.events();
    let registered: Vec<_> = std::iter::from_fn(|| seen.try_recv().ok()).collect();
    assert!(registered.contains(&Request::Register {
        events: vec![EventType::TopologyChange, EventType::StatusChange, EventType::SchemaChange]
    }));
    session.query("PUSH", ()).await.unwrap();
    let event = tokio::time::timeout(T, events.recv()).await.unwrap().unwrap();
    let Event::SchemaChange(change) = event else { panic!("{event:?}") };
    assert_eq!(change.target, SchemaChangeTarget::Keyspace { keyspace: "pushed".into() });
}

#[tokio::test]
async fn unresolvable_contact_points_are_skipped_unless_none_resolves() {
    let err = SessionBuilder::new().known_node("missing-port").build().await.unwrap_err();
    assert!(matches!(err, DriverError::Resolve { .. }), "{err:?}");
    let (addr, _seen) = fake(Script::Echo).await;
    let session = SessionBuilder::new().known_node("missing-port").known_node_addr(addr).build().await.unwrap();
    assert_eq!(session.cluster().nodes().len(), 1);
}
