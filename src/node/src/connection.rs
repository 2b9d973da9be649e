//! One client connection: reads frames, answers the handshake itself, runs statement requests
//! concurrently (replies in completion order, each with its stream id), pushes events on stream
//! -1, and enforces the transport's limits.
//!
//! Back-pressure is by not reading: a connection that has `max_requests_per_connection`
//! requests or `max_request_bytes_per_connection` request bytes executing (or the node as a
//! whole `max_request_bytes_in_flight`) stops reading its socket until some complete. Frames
//! larger than `max_frame_bytes` are refused from their header, before anything is allocated.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use sibyl_protocol as proto;
use sibyl_protocol::{
    decode_frame, decode_request_body, encode_response_frame, Compression, ErrorBody, ErrorKind, EventType,
    FrameStatus, Request, Response, ResponseExtras,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{broadcast, watch, Notify, Semaphore};

use crate::dispatch::{self, Session};
use crate::server::{ConnectionSlot, ServerContext};

/// Responses waiting to be written beyond which the connection stops reading requests.
const OUTBOX_HIGH_WATER_BYTES: usize = 8 * 1024 * 1024;
/// The read buffer's initial and refill size.
const READ_CHUNK_BYTES: usize = 64 * 1024;

/// Encoded responses waiting for the socket, shared by the request tasks and the writer.
struct Outbox {
    buf: Mutex<Vec<u8>>,
    /// Wakes the writer.
    ready: Notify,
    /// Wakes a reader waiting for the outbox to drain.
    drained: Notify,
    /// No more responses will come: the writer flushes and exits.
    closed: AtomicBool,
    /// Response compression, once STARTUP negotiated it.
    compression: Mutex<Option<Compression>>,
}

impl Outbox {
    fn push(&self, stream: i16, response: &Response) {
        self.push_with(stream, response, &ResponseExtras::NONE)
    }

    fn push_with(&self, stream: i16, response: &Response, extras: &ResponseExtras) {
        self.push_quiet(stream, response, extras);
        self.ready.notify_one();
    }

    /// Queues a response without waking the writer (the caller wakes it once per batch).
    fn push_quiet(&self, stream: i16, response: &Response, extras: &ResponseExtras) {
        let compression = *self.compression.lock();
        let mut buf = self.buf.lock();
        let start = buf.len();
        if let Err(e) = encode_response_frame(&mut buf, stream, extras, response, compression) {
            // Only a response too large for the protocol can fail: say so instead.
            buf.truncate(start);
            tracing::error!(error = %e, "cannot encode a response");
            let err = Response::Error(ErrorBody {
                kind: ErrorKind::Server,
                message: format!("response could not be encoded: {e}"),
            });
            let _ = encode_response_frame(&mut buf, stream, &ResponseExtras::NONE, &err, compression);
        }
    }

    fn len(&self) -> usize {
        self.buf.lock().len()
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.ready.notify_one();
    }
}

async fn write_loop(mut wr: OwnedWriteHalf, out: Arc<Outbox>) {
    let mut spare = Vec::new();
    loop {
        {
            let mut buf = out.buf.lock();
            std::mem::swap(&mut *buf, &mut spare);
        }
        out.drained.notify_waiters();
        if spare.is_empty() {
            if out.closed.load(Ordering::Acquire) {
                break;
            }
            out.ready.notified().await;
            continue;
        }
        if wr.write_all(&spare).await.is_err() {
            break;
        }
        spare.clear();
        if spare.capacity() > 4 * OUTBOX_HIGH_WATER_BYTES {
            spare = Vec::new();
        }
    }
    let _ = wr.shutdown().await;
}

enum Phase {
    /// Before STARTUP: only OPTIONS and STARTUP are allowed.
    Startup,
    Ready,
}

/// A client connection.
pub struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    ctx: Arc<ServerContext>,
    _slot: ConnectionSlot,
}

/// Why the read loop stopped.
enum Close {
    Eof,
    Shutdown,
    /// A protocol violation after which the stream cannot be trusted.
    Fatal,
    Timeout(&'static str),
    Io(std::io::Error),
}

impl Connection {
    pub fn new(stream: TcpStream, peer: SocketAddr, ctx: Arc<ServerContext>, slot: ConnectionSlot) -> Self {
        Connection { stream, peer, ctx, _slot: slot }
    }

    /// Serves the connection until the client leaves, misbehaves, or the node shuts down.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        let Connection { stream, peer, ctx, _slot } = self;
        let (rd, wr) = stream.into_split();
        let out = Arc::new(Outbox {
            buf: Mutex::new(Vec::new()),
            ready: Notify::new(),
            drained: Notify::new(),
            closed: AtomicBool::new(false),
            compression: Mutex::new(None),
        });
        let writer = tokio::spawn(write_loop(wr, Arc::clone(&out)));
        let mut reader = Reader {
            rd,
            peer,
            ctx: Arc::clone(&ctx),
            out: Arc::clone(&out),
            session: Arc::new(Session::default()),
            phase: Phase::Startup,
            compression: None,
            requests: Arc::new(Semaphore::new(ctx.limits.max_requests_per_connection)),
            request_bytes: Arc::new(Semaphore::new(ctx.limits.max_request_bytes_per_connection)),
            events: None,
            shutdown,
        };
        let why = reader.read_loop().await;
        match &why {
            Close::Eof | Close::Shutdown => tracing::debug!(%peer, "connection closed"),
            Close::Fatal => tracing::debug!(%peer, "connection closed after a protocol error"),
            Close::Timeout(what) => tracing::info!(%peer, "closing connection: {what}"),
            Close::Io(e) => tracing::debug!(%peer, error = %e, "connection failed"),
        }
        // Let running requests finish and their responses go out.
        let wait = reader.requests.acquire_many(ctx.limits.max_requests_per_connection as u32);
        let _ = tokio::time::timeout(Duration::from_secs(10), wait).await;
        if let Some(task) = reader.events.take() {
            task.abort();
        }
        out.close();
        let _ = writer.await;
    }
}

struct Reader {
    rd: tokio::net::tcp::OwnedReadHalf,
    peer: SocketAddr,
    ctx: Arc<ServerContext>,
    out: Arc<Outbox>,
    session: Arc<Session>,
    phase: Phase,
    compression: Option<Compression>,
    requests: Arc<Semaphore>,
    request_bytes: Arc<Semaphore>,
    events: Option<tokio::task::JoinHandle<()>>,
    shutdown: watch::Receiver<bool>,
}

fn protocol_error(message: impl Into<String>) -> Response {
    Response::Error(ErrorBody { kind: ErrorKind::Protocol, message: message.into() })
}

impl Reader {
    async fn read_loop(&mut self) -> Close {
        let mut buf: Vec<u8> = Vec::with_capacity(READ_CHUNK_BYTES);
        let max_frame = self.ctx.limits.max_frame_bytes;
        loop {
            // Answer every complete frame in the buffer.
            let mut consumed = 0;
            loop {
                match decode_frame(&buf[consumed..], max_frame) {
                    Ok(FrameStatus::Incomplete { needed }) => {
                        // `needed` is bounded by max_frame: the header was checked.
                        buf.reserve(needed);
                        break;
                    }
                    Ok(FrameStatus::Complete { header, body, frame_len }) => {
                        let frame = self.decode(&header, body);
                        consumed += frame_len;
                        if let Some((request, frame_bytes)) = frame {
                            let traced = header.flags.tracing();
                            if let Err(close) = self.on_request(header.stream, request, frame_bytes, traced).await {
                                return close;
                            }
                        }
                    }
                    Err(e) => {
                        self.ctx.metrics.protocol_errors.fetch_add(1, Ordering::Relaxed);
                        let stream = e.stream().unwrap_or(0);
                        tracing::debug!(error = %e, "refusing frame");
                        self.out.push(stream, &Response::Error(e.to_error_body()));
                        return Close::Fatal;
                    }
                }
            }
            buf.drain(..consumed);
            if consumed > 0 {
                self.out.ready.notify_one();
            }
            // Back-pressure on responses the client does not read.
            while self.out.len() > OUTBOX_HIGH_WATER_BYTES {
                let drained = self.out.drained.notified();
                if self.out.len() <= OUTBOX_HIGH_WATER_BYTES {
                    break;
                }
                drained.await;
            }
            let timeout = self.read_timeout(buf.is_empty());
            if buf.capacity() - buf.len() < READ_CHUNK_BYTES / 4 {
                buf.reserve(READ_CHUNK_BYTES);
            }
            let read = async {
                match timeout {
                    Some(t) => tokio::time::timeout(t, self.rd.read_buf(&mut buf)).await.ok(),
                    None => Some(self.rd.read_buf(&mut buf).await),
                }
            };
            tokio::select! {
                biased;
                _ = self.shutdown.changed() => return Close::Shutdown,
                r = read => match r {
                    None if buf.is_empty() => return Close::Timeout("idle for native_transport_idle_timeout"),
                    None => return Close::Timeout("frame not received within native_transport_receive_timeout"),
                    Some(Ok(0)) => return Close::Eof,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => return Close::Io(e),
                },
            }
        }
    }

    fn read_timeout(&self, buffer_empty: bool) -> Option<Duration> {
        let limits = &self.ctx.limits;
        if !buffer_empty {
            return Some(limits.receive_timeout).filter(|d| !d.is_zero());
        }
        let busy = self.requests.available_permits() < limits.max_requests_per_connection;
        if busy || limits.idle_timeout.is_zero() {
            None
        } else {
            Some(limits.idle_timeout)
        }
    }

    /// Decodes a frame's request, answering the protocol errors that only concern this frame.
    fn decode(&self, header: &proto::FrameHeader, body: &[u8]) -> Option<(Request, usize)> {
        let stream = header.stream;
        let refuse = |message: String| {
            self.ctx.metrics.protocol_errors.fetch_add(1, Ordering::Relaxed);
            self.out.push(stream, &protocol_error(message));
            None
        };
        match header.opcode() {
            Ok(op) if op.is_request() => {}
            Ok(op) => return refuse(format!("{op:?} is not a request opcode")),
            Err(_) => return refuse(format!("Unknown opcode {}", header.opcode)),
        }
        if stream < 0 {
            return refuse("Stream ids of requests must not be negative".into());
        }
        match decode_request_body(header, body, self.compression, self.ctx.limits.max_frame_bytes) {
            Ok(frame) => Some((frame.request, body.len())),
            Err(e) => refuse(e.to_string()),
        }
    }

    /// Answers one request; `traced`: the frame has the tracing flag.
    async fn on_request(
        &mut self,
        stream: i16,
        request: Request,
        frame_bytes: usize,
        traced: bool,
    ) -> Result<(), Close> {
        match (&self.phase, request) {
            (_, Request::Options) => self.out.push(stream, &supported()),
            (Phase::Startup, Request::Startup(options)) => {
                let compression = match options.get("COMPRESSION").map(|s| s.to_ascii_lowercase()) {
                    None => None,
                    Some(name) if name.is_empty() => None,
                    Some(name) => match Compression::from_name(&name) {
                        Ok(c) => Some(c),
                        Err(_) => {
                            self.out.push(stream, &protocol_error(format!("Unknown compression algorithm: {name}")));
                            return Ok(());
                        }
                    },
                };
                // READY itself is not compressed; everything after it may be.
                self.out.push(stream, &Response::Ready);
                self.compression = compression;
                *self.out.compression.lock() = compression;
                self.phase = Phase::Ready;
            }
            (Phase::Startup, other) => {
                self.out.push(
                    stream,
                    &protocol_error(format!("Unexpected message {:?}, expecting STARTUP or OPTIONS", other.opcode())),
                );
            }
            (Phase::Ready, Request::Startup(_)) => {
                self.out.push(stream, &protocol_error("Unexpected message STARTUP, the connection is already started"))
            }
            (Phase::Ready, Request::AuthResponse(_)) => {
                self.out.push(stream, &protocol_error("Unexpected AUTH_RESPONSE: authentication was not requested"))
            }
            (Phase::Ready, Request::Register { events }) => {
                if events.contains(&EventType::SchemaChange) && self.events.is_none() {
                    self.events = Some(tokio::spawn(forward_events(
                        self.ctx.events.subscribe(),
                        Arc::clone(&self.out),
                        events.clone(),
                    )));
                }
                self.out.push(stream, &Response::Ready);
            }
            (Phase::Ready, request) => self.spawn_request(stream, request, frame_bytes, traced).await?,
        }
        Ok(())
    }

    /// Runs a statement request on its own task once the limits allow it (a traced one always:
    /// storing its trace is more work).
    async fn spawn_request(
        &mut self,
        stream: i16,
        request: Request,
        frame_bytes: usize,
        traced: bool,
    ) -> Result<(), Close> {
        if !traced && dispatch::runs_inline(&self.ctx, &request) {
            // Bounded work (a point write or a point read of a prepared statement): run it here
            // and answer with the rest of this read's batch, without a task or a wake-up.
            let (response, warnings) = dispatch::execute(&self.ctx, &self.session, request);
            let extras = ResponseExtras { warnings, ..ResponseExtras::NONE };
            self.out.push_quiet(stream, &response, &extras);
            return Ok(());
        }
        let bytes = u32::try_from(frame_bytes.max(1)).unwrap_or(u32::MAX);
        let mut shutdown = self.shutdown.clone();
        let permits = async {
            let request = Arc::clone(&self.requests).acquire_owned().await;
            let conn_bytes = Arc::clone(&self.request_bytes).acquire_many_owned(bytes).await;
            let node_bytes = Arc::clone(&self.ctx.request_bytes).acquire_many_owned(bytes).await;
            (request, conn_bytes, node_bytes)
        };
        let (a, b, c) = tokio::select! {
            p = permits => p,
            _ = shutdown.changed() => return Err(Close::Shutdown),
        };
        let (Ok(a), Ok(b), Ok(c)) = (a, b, c) else { return Err(Close::Shutdown) };
        let ctx = Arc::clone(&self.ctx);
        let session = Arc::clone(&self.session);
        let out = Arc::clone(&self.out);
        let blocking = dispatch::may_wait_for_sync(&ctx, &request);
        let client = self.peer.ip();
        let work = move || {
            if traced {
                let (response, warnings, tracing_id) = dispatch::execute_traced(&ctx, &session, request, client);
                out.push_with(stream, &response, &ResponseExtras { tracing_id, warnings, custom_payload: None });
            } else {
                let (response, warnings) = dispatch::execute(&ctx, &session, request);
                if warnings.is_empty() {
                    out.push(stream, &response);
                } else {
                    let extras = ResponseExtras { warnings, ..ResponseExtras::NONE };
                    out.push_with(stream, &response, &extras);
                }
            }
            drop((a, b, c));
        };
        if blocking {
            drop(tokio::task::spawn_blocking(work));
        } else {
            tokio::spawn(async move { work() });
        }
        Ok(())
    }
}

/// SUPPORTED: what the Python driver and cqlsh require (CLIENTS.md §1.3).
fn supported() -> Response {
    let mut m = proto::StringMultimap::new();
    m.insert("CQL_VERSION".into(), vec![sibyl_coordinator::local::CQL_VERSION.into()]);
    m.insert("COMPRESSION".into(), vec![Compression::Lz4.as_str().into(), Compression::Snappy.as_str().into()]);
    m.insert("PROTOCOL_VERSIONS".into(), vec!["4/v4".into()]);
    Response::Supported(m)
}

async fn forward_events(mut rx: broadcast::Receiver<Arc<proto::Event>>, out: Arc<Outbox>, wanted: Vec<EventType>) {
    loop {
        match rx.recv().await {
            Ok(event) => {
                if wanted.contains(&event.event_type()) {
                    out.push(-1, &Response::Event((*event).clone()));
                }
            }
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(missed = n, "a client connection fell behind on events");
            }
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
}
