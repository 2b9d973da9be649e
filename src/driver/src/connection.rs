//! One TCP connection to one node, with many requests in flight.
//!
//! Layout: the caller encodes its request frame with a stream id from [`StreamIds`],
//! registers a oneshot sender for that id and hands the bytes to the writer task, which
//! coalesces whatever frames are queued into one write. The reader task decodes response
//! frames and completes the matching sender; EVENT frames (stream -1) go to the event channel.
//! A heartbeat task sends OPTIONS when the connection has been idle.
//!
//! When anything fails (I/O, EOF, an undecodable header, a heartbeat without answer), the
//! connection is *broken*: every request in flight and every later one fails with the same
//! [`DriverError::ConnectionBroken`], and the session opens a new connection on demand.
//! Dropping the last [`Connection`] handle closes the socket.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::{Buf, BytesMut};
use sibyl_protocol::{
    decode_frame, decode_response_body, encode_request_frame, Compression, Event, EventType, FrameStatus, Request,
    RequestExtras, Response, ResponseFrame, StringMap, SPEC_MAX_FRAME_BYTES,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::error::DriverError;
use crate::stream_ids::StreamIds;

/// The CQL version sent in STARTUP (Cassandra 5.0's).
pub const CQL_VERSION: &str = "3.4.7";
/// Largest response frame body accepted, compressed or not: the spec's ceiling (256 MiB).
pub const MAX_FRAME_BYTES: usize = SPEC_MAX_FRAME_BYTES;
/// The writer stops coalescing queued frames into one write past this many bytes.
pub const MAX_COALESCED_WRITE_BYTES: usize = 256 * 1024;
/// Read buffer grown in steps of this many bytes.
const READ_CHUNK_BYTES: usize = 64 * 1024;

/// How to open a connection.
#[derive(Debug, Clone)]
pub struct ConnectionConfig {
    /// TCP connect plus handshake must finish within this.
    pub connect_timeout: Duration,
    /// Compression to use when the server lists it in SUPPORTED (silently off otherwise).
    pub compression: Option<Compression>,
    /// User name and password for SASL PLAIN, used when the server sends AUTHENTICATE.
    pub credentials: Option<(String, String)>,
    /// `USE` this keyspace right after the handshake.
    pub keyspace: Option<String>,
    /// Send OPTIONS when nothing was sent or received for this long; `None` turns it off.
    pub heartbeat_interval: Option<Duration>,
    /// A heartbeat unanswered within this breaks the connection.
    pub heartbeat_timeout: Duration,
    /// REGISTER for these events and send them to `event_sink`.
    pub events: Vec<EventType>,
    pub event_sink: Option<broadcast::Sender<Event>>,
    /// Extra STARTUP options (DRIVER_NAME and DRIVER_VERSION are always sent).
    pub startup_options: StringMap,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            connect_timeout: Duration::from_secs(5),
            compression: None,
            credentials: None,
            keyspace: None,
            heartbeat_interval: Some(Duration::from_secs(30)),
            heartbeat_timeout: Duration::from_secs(10),
            events: Vec::new(),
            event_sink: None,
            startup_options: StringMap::new(),
        }
    }
}

type Reply = Result<ResponseFrame, DriverError>;

/// Requests waiting for their response, and whether the connection is already gone.
#[derive(Debug, Default)]
struct Pending {
    waiting: HashMap<i16, oneshot::Sender<Reply>>,
    /// Set once: the error every later request fails with.
    broken: Option<DriverError>,
    /// Sequence number of the last frame queued for the writer (1, 2, ...).
    queued: u64,
}

/// A frame for the writer and its sequence number.
type Queued = (u64, Vec<u8>);

/// State shared by the handle and the tasks.
#[derive(Debug)]
struct Shared {
    addr: SocketAddr,
    pending: Mutex<Pending>,
    ids: StreamIds,
    writes: mpsc::UnboundedSender<Queued>,
    /// Sequence number of the last frame handed to the socket: a request with a larger one
    /// that fails with the connection was never sent.
    written: AtomicU64,
    /// Set once the handshake negotiated it; frames before that are never compressed.
    compression: OnceLock<Compression>,
    shutdown: watch::Sender<bool>,
    started: Instant,
    /// Milliseconds since `started` of the last frame written or read.
    last_activity_ms: AtomicU64,
    event_sink: Option<broadcast::Sender<Event>>,
}

impl Shared {
    fn touch(&self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_activity_ms.store(ms, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Duration {
        let now = self.started.elapsed();
        now.saturating_sub(Duration::from_millis(self.last_activity_ms.load(Ordering::Relaxed)))
    }

    /// Breaks the connection: fails everything waiting, stops the tasks. The first error wins.
    fn fail(&self, error: DriverError) {
        let waiting = match self.pending.lock() {
            Ok(mut p) => {
                if p.broken.is_some() {
                    return;
                }
                tracing::debug!(addr = %self.addr, %error, "connection failed");
                p.broken = Some(error.clone());
                std::mem::take(&mut p.waiting)
            }
            Err(_) => HashMap::new(),
        };
        for (_, tx) in waiting {
            let _ = tx.send(Err(error.clone()));
        }
        self.ids.close();
        self.shutdown.send_replace(true);
    }

    fn broken(&self) -> Option<DriverError> {
        match self.pending.lock() {
            Ok(p) => p.broken.clone(),
            Err(_) => Some(DriverError::ConnectionBroken { addr: self.addr, reason: "poisoned lock".into() }),
        }
    }

    fn broken_error(&self) -> DriverError {
        self.broken().unwrap_or(DriverError::ConnectionClosed { addr: self.addr })
    }

    /// `error` (the connection's failure) as a [`DriverError::NotSent`]: the request never
    /// reached the socket.
    fn not_sent(&self, error: DriverError) -> DriverError {
        match error {
            DriverError::ConnectionBroken { addr, reason } => DriverError::NotSent { addr, reason },
            DriverError::ConnectionClosed { addr } => DriverError::NotSent { addr, reason: "connection closed".into() },
            other => other,
        }
    }

    async fn send(&self, request: &Request, tracing: bool, timeout: Duration) -> Result<ResponseFrame, DriverError> {
        let Some(stream) = self.ids.acquire().await else {
            return Err(self.not_sent(self.broken_error()));
        };
        let mut frame = Vec::new();
        let extras = RequestExtras { tracing, custom_payload: None };
        if let Err(e) = encode_request_frame(&mut frame, stream, &extras, request, self.compression.get().copied()) {
            self.ids.release(stream);
            return Err(e.into());
        }
        let (tx, rx) = oneshot::channel();
        let seq = {
            let Ok(mut pending) = self.pending.lock() else {
                return Err(self.not_sent(self.broken_error()));
            };
            if let Some(e) = &pending.broken {
                let e = e.clone();
                drop(pending);
                return Err(self.not_sent(e));
            }
            pending.waiting.insert(stream, tx);
            pending.queued += 1;
            let seq = pending.queued;
            // Queued under the lock: the writer sees frames in sequence order.
            if self.writes.send((seq, frame)).is_err() {
                pending.waiting.remove(&stream);
                drop(pending);
                self.ids.release(stream);
                return Err(self.not_sent(self.broken_error()));
            }
            seq
        };
        let reply = match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(_)) => Err(self.broken_error()),
            Err(_) => Err(DriverError::RequestTimeout { addr: self.addr, timeout }),
        };
        match reply {
            Err(e @ (DriverError::ConnectionBroken { .. } | DriverError::ConnectionClosed { .. }))
                if self.written.load(Ordering::Acquire) < seq =>
            {
                Err(self.not_sent(e))
            }
            other => other,
        }
    }

    /// Hands a decoded response to its waiter and frees the stream id.
    fn complete(&self, stream: i16, reply: Reply) {
        let tx = self.pending.lock().ok().and_then(|mut p| p.waiting.remove(&stream));
        match tx {
            // The waiter may have given up (timeout, cancelled): the reply is dropped, and only
            // now is the id free again.
            Some(tx) => {
                self.ids.release(stream);
                drop(tx.send(reply));
            }
            None => tracing::debug!(addr = %self.addr, stream, "response for a stream nobody waits for"),
        }
    }
}

/// A handle to one open connection. Cloning is not offered: share it in an `Arc`.
/// Dropping it closes the connection.
#[derive(Debug)]
pub struct Connection {
    shared: Arc<Shared>,
    /// The keyspace this connection's last `USE` switched to.
    keyspace: Mutex<Option<String>>,
    /// Whether the handshake registered for events.
    registered: bool,
}

impl Connection {
    /// Connects, negotiates (OPTIONS, STARTUP, authentication, REGISTER, USE) and returns a
    /// ready connection, all within `config.connect_timeout`.
    pub async fn open(addr: SocketAddr, config: &ConnectionConfig) -> Result<Connection, DriverError> {
        let timeout = config.connect_timeout;
        match tokio::time::timeout(timeout, Self::open_inner(addr, config)).await {
            Ok(result) => result,
            Err(_) => Err(DriverError::ConnectTimeout { addr, timeout }),
        }
    }

    async fn open_inner(addr: SocketAddr, config: &ConnectionConfig) -> Result<Connection, DriverError> {
        let stream =
            TcpStream::connect(addr).await.map_err(|e| DriverError::Connect { addr, reason: e.to_string() })?;
        let _ = stream.set_nodelay(true);
        let (read_half, write_half) = stream.into_split();
        let (writes_tx, writes_rx) = mpsc::unbounded_channel();
        let (shutdown, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            addr,
            pending: Mutex::new(Pending::default()),
            ids: StreamIds::new(),
            writes: writes_tx,
            written: AtomicU64::new(0),
            compression: OnceLock::new(),
            shutdown,
            started: Instant::now(),
            last_activity_ms: AtomicU64::new(0),
            event_sink: config.event_sink.clone(),
        });
        tokio::spawn(write_loop(Arc::clone(&shared), write_half, writes_rx));
        tokio::spawn(read_loop(Arc::clone(&shared), read_half));
        let conn = Connection { shared, keyspace: Mutex::new(None), registered: !config.events.is_empty() };
        conn.handshake(config).await?;
        if let Some(interval) = config.heartbeat_interval {
            tokio::spawn(heartbeat_loop(Arc::downgrade(&conn.shared), interval, config.heartbeat_timeout));
        }
        Ok(conn)
    }

    async fn handshake(&self, config: &ConnectionConfig) -> Result<(), DriverError> {
        let addr = self.shared.addr;
        let timeout = config.connect_timeout;
        let supported = match self.send(&Request::Options, false, timeout).await?.response {
            Response::Supported(options) => options,
            Response::Error(e) => return Err(e.into()),
            other => return Err(unexpected("OPTIONS", &other)),
        };
        let compression = config.compression.filter(|c| {
            let listed =
                supported.get("COMPRESSION").is_some_and(|l| l.iter().any(|n| n.eq_ignore_ascii_case(c.as_str())));
            if !listed {
                tracing::warn!(%addr, compression = c.as_str(), "the server does not support the compression; off");
            }
            listed
        });
        let mut options = config.startup_options.clone();
        options.insert("CQL_VERSION".into(), CQL_VERSION.into());
        options.insert("DRIVER_NAME".into(), "sibyl-driver".into());
        options.insert("DRIVER_VERSION".into(), env!("CARGO_PKG_VERSION").into());
        if let Some(c) = compression {
            options.insert("COMPRESSION".into(), c.as_str().into());
        }
        let reply = self.send(&Request::Startup(options), false, timeout).await?;
        // From here on the server compresses its frames, and so do we.
        if let Some(c) = compression {
            let _ = self.shared.compression.set(c);
        }
        match reply.response {
            Response::Ready => {}
            Response::Authenticate(authenticator) => self.authenticate(config, authenticator, timeout).await?,
            Response::Error(e) => return Err(e.into()),
            other => return Err(unexpected("STARTUP", &other)),
        }
        if !config.events.is_empty() {
            match self.send(&Request::Register { events: config.events.clone() }, false, timeout).await?.response {
                Response::Ready => {}
                Response::Error(e) => return Err(e.into()),
                other => return Err(unexpected("REGISTER", &other)),
            }
        }
        if let Some(ks) = &config.keyspace {
            self.use_keyspace(ks, timeout).await?;
        }
        Ok(())
    }

    /// SASL PLAIN: `\0user\0password`, then AUTH_SUCCESS (challenges are answered the same way).
    async fn authenticate(
        &self,
        config: &ConnectionConfig,
        authenticator: String,
        timeout: Duration,
    ) -> Result<(), DriverError> {
        let addr = self.shared.addr;
        let Some((user, password)) = &config.credentials else {
            return Err(DriverError::AuthenticationRequired { addr, authenticator });
        };
        let mut token = Vec::with_capacity(user.len() + password.len() + 2);
        token.push(0);
        token.extend_from_slice(user.as_bytes());
        token.push(0);
        token.extend_from_slice(password.as_bytes());
        // PLAIN needs one round; a few more challenges are tolerated, then it is a loop.
        for _ in 0..4 {
            match self.send(&Request::AuthResponse(Some(token.clone())), false, timeout).await?.response {
                Response::AuthSuccess(_) => return Ok(()),
                Response::AuthChallenge(_) => continue,
                Response::Error(e) => return Err(e.into()),
                other => return Err(unexpected("AUTH_RESPONSE", &other)),
            }
        }
        Err(DriverError::UnexpectedResponse {
            request: "AUTH_RESPONSE",
            response: "endless AUTH_CHALLENGE (only SASL PLAIN is supported)".into(),
        })
    }

    /// Sends `USE "keyspace"` and records it as this connection's keyspace.
    pub async fn use_keyspace(&self, keyspace: &str, timeout: Duration) -> Result<(), DriverError> {
        let query = format!("USE {}", quote_identifier(keyspace));
        let params = sibyl_protocol::QueryParameters::new(sibyl_protocol::Consistency::One);
        match self.send(&Request::Query { query, params }, false, timeout).await?.response {
            Response::Result(_) => {
                self.set_keyspace(Some(keyspace.to_owned()));
                Ok(())
            }
            Response::Error(e) => Err(e.into()),
            other => Err(unexpected("USE", &other)),
        }
    }

    /// The keyspace of this connection's last successful `USE`.
    pub fn keyspace(&self) -> Option<String> {
        self.keyspace.lock().ok().and_then(|k| k.clone())
    }

    pub(crate) fn set_keyspace(&self, keyspace: Option<String>) {
        if let Ok(mut k) = self.keyspace.lock() {
            *k = keyspace;
        }
    }

    /// Sends one request and waits for its response (an ERROR response is a successful
    /// `Ok` here: the caller maps it). Fails with [`DriverError::RequestTimeout`] after
    /// `timeout`; the stream id stays reserved until the late response arrives.
    pub async fn send(
        &self,
        request: &Request,
        tracing: bool,
        timeout: Duration,
    ) -> Result<ResponseFrame, DriverError> {
        self.shared.send(request, tracing, timeout).await
    }

    /// The node's address.
    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// The compression negotiated in STARTUP.
    pub fn compression(&self) -> Option<Compression> {
        self.shared.compression.get().copied()
    }

    /// Requests in flight (stream ids in use, including ones whose caller gave up).
    pub fn in_flight(&self) -> usize {
        self.shared.ids.in_use()
    }

    /// Whether this connection registered for server events (the control connection).
    pub fn is_registered(&self) -> bool {
        self.registered
    }

    /// Whether the connection can still carry requests.
    pub fn is_usable(&self) -> bool {
        self.shared.broken().is_none()
    }

    /// Closes the connection: requests in flight fail with [`DriverError::ConnectionClosed`].
    pub fn close(&self) {
        self.shared.fail(DriverError::ConnectionClosed { addr: self.shared.addr });
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.close();
    }
}

fn unexpected(request: &'static str, response: &Response) -> DriverError {
    DriverError::UnexpectedResponse { request, response: format!("{:?}", response.opcode()) }
}

/// `"name"` with inner quotes doubled, as CQL quotes identifiers.
pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Writes queued frames, coalescing those already queued into one `write_all`.
async fn write_loop(shared: Arc<Shared>, mut socket: OwnedWriteHalf, mut queue: mpsc::UnboundedReceiver<Queued>) {
    let mut shutdown = shared.shutdown.subscribe();
    let mut buf = Vec::new();
    loop {
        let first = tokio::select! {
            frame = queue.recv() => frame,
            _ = shutdown.wait_for(|stop| *stop) => None,
        };
        let Some((mut last, first)) = first else { break };
        buf.clear();
        buf.extend_from_slice(&first);
        drain_queue(&mut queue, &mut buf, &mut last);
        // Let the other ready tasks queue their frames too, so many requests leave in one
        // write (without this, a busy single-threaded client makes one syscall per request).
        tokio::task::yield_now().await;
        drain_queue(&mut queue, &mut buf, &mut last);
        // From here on these frames may reach the node (a partial write may carry some of
        // them): a failure no longer proves they were not sent. Decided under the lock that
        // `fail` takes, so a frame is either written or reported unsent, never both.
        match shared.pending.lock() {
            Ok(pending) if pending.broken.is_none() => shared.written.store(last, Ordering::Release),
            _ => break,
        }
        if let Err(e) = socket.write_all(&buf).await {
            shared.fail(DriverError::ConnectionBroken { addr: shared.addr, reason: format!("write failed: {e}") });
            break;
        }
        shared.touch();
    }
    let _ = socket.shutdown().await;
}

/// Appends queued frames to `buf` up to the coalescing limit; `last` becomes the sequence
/// number of the last one taken.
fn drain_queue(queue: &mut mpsc::UnboundedReceiver<Queued>, buf: &mut Vec<u8>, last: &mut u64) {
    while buf.len() < MAX_COALESCED_WRITE_BYTES {
        match queue.try_recv() {
            Ok((seq, frame)) => {
                buf.extend_from_slice(&frame);
                *last = seq;
            }
            Err(_) => break,
        }
    }
}

/// Reads and dispatches response frames until EOF, an error or shutdown.
async fn read_loop(shared: Arc<Shared>, mut socket: OwnedReadHalf) {
    let mut shutdown = shared.shutdown.subscribe();
    let mut buf = BytesMut::with_capacity(READ_CHUNK_BYTES);
    let addr = shared.addr;
    loop {
        // Dispatch every whole frame in the buffer.
        loop {
            match decode_frame(&buf, MAX_FRAME_BYTES) {
                Ok(FrameStatus::Complete { header, body, frame_len }) => {
                    let compression = shared.compression.get().copied();
                    let decoded = decode_response_body(&header, body, compression, MAX_FRAME_BYTES);
                    dispatch(&shared, header.stream, decoded);
                    buf.advance(frame_len);
                }
                Ok(FrameStatus::Incomplete { needed }) => {
                    buf.reserve(needed.max(READ_CHUNK_BYTES));
                    break;
                }
                Err(e) => {
                    shared.fail(DriverError::ConnectionBroken { addr, reason: format!("undecodable frame: {e}") });
                    return;
                }
            }
        }
        let read = tokio::select! {
            read = socket.read_buf(&mut buf) => read,
            _ = shutdown.wait_for(|stop| *stop) => return,
        };
        match read {
            Ok(0) => {
                shared.fail(DriverError::ConnectionBroken { addr, reason: "closed by the server".into() });
                return;
            }
            Ok(_) => shared.touch(),
            Err(e) => {
                shared.fail(DriverError::ConnectionBroken { addr, reason: format!("read failed: {e}") });
                return;
            }
        }
    }
}

fn dispatch(shared: &Shared, stream: i16, decoded: sibyl_protocol::Result<ResponseFrame>) {
    match decoded {
        Ok(ResponseFrame { response: Response::Event(event), .. }) if stream < 0 => {
            if let Some(sink) = &shared.event_sink {
                // No subscriber is fine: events are best effort.
                let _ = sink.send(event);
            }
        }
        Ok(frame) => shared.complete(stream, Ok(frame)),
        // The header was fine, so only this request fails.
        Err(e) => shared.complete(stream, Err(e.into())),
    }
}

/// Sends OPTIONS whenever the connection has been idle for `interval`; a heartbeat that
/// fails or goes unanswered breaks the connection. Ends with the connection.
async fn heartbeat_loop(shared: std::sync::Weak<Shared>, interval: Duration, timeout: Duration) {
    loop {
        tokio::time::sleep(interval).await;
        let Some(strong) = shared.upgrade() else { return };
        if strong.broken().is_some() {
            return;
        }
        if strong.idle_for() < interval {
            continue;
        }
        let reply = strong.send(&Request::Options, false, timeout).await;
        let failure = match reply {
            Ok(ResponseFrame { response: Response::Supported(_), .. }) => continue,
            Ok(frame) => unexpected("OPTIONS", &frame.response),
            Err(e) => e,
        };
        strong
            .fail(DriverError::ConnectionBroken { addr: strong.addr, reason: format!("heartbeat failed: {failure}") });
        return;
    }
}
