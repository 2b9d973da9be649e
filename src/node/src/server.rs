//! The CQL listener: accepts connections within the configured limits, hands each to a
//! [`Connection`](crate::connection), and on shutdown stops them all and waits for them.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use sibyl_coordinator::QueryProcessor;
use sibyl_protocol::Event;
use tokio::net::TcpListener;
use tokio::sync::{broadcast, watch, Semaphore};
use tokio::task::JoinSet;

use crate::config::NativeLimits;
use crate::connection::Connection;

/// How long shutdown waits for connections to finish their requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// Events waiting for slow subscribers before they miss some.
const EVENT_QUEUE_LEN: usize = 1024;

/// What every connection shares.
pub struct ServerContext {
    pub processor: QueryProcessor,
    pub limits: NativeLimits,
    /// Writes are acknowledged without waiting for a commitlog sync (`periodic`), so a point
    /// write is short enough to run on the connection's own task.
    pub inline_writes: bool,
    /// Pushed to connections that REGISTERed for them.
    pub events: broadcast::Sender<Arc<Event>>,
    /// Request bytes being executed, over all connections (one permit per byte).
    pub request_bytes: Arc<Semaphore>,
    /// This node's broadcast address and storage port: a trace's `coordinator` and `source`.
    pub trace_source: (IpAddr, i32),
    connections: Mutex<ConnectionCount>,
    pub metrics: Metrics,
}

/// Counters worth watching (exported by the admin API later).
#[derive(Default)]
pub struct Metrics {
    pub connections_refused: AtomicU64,
    pub protocol_errors: AtomicU64,
    pub requests: AtomicU64,
    pub server_errors: AtomicU64,
}

#[derive(Default)]
struct ConnectionCount {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Releases a connection's slot when the connection ends.
pub struct ConnectionSlot {
    ctx: Arc<ServerContext>,
    ip: IpAddr,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut c = self.ctx.connections.lock();
        c.total = c.total.saturating_sub(1);
        if let Some(n) = c.per_ip.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                c.per_ip.remove(&self.ip);
            }
        }
    }
}

impl ServerContext {
    pub fn new(processor: QueryProcessor, limits: NativeLimits, inline_writes: bool) -> Self {
        let (events, _) = broadcast::channel(EVENT_QUEUE_LEN);
        ServerContext {
            processor,
            request_bytes: Arc::new(Semaphore::new(limits.max_request_bytes_in_flight)),
            limits,
            inline_writes,
            events,
            trace_source: (IpAddr::from([127, 0, 0, 1]), 7000),
            connections: Mutex::new(ConnectionCount::default()),
            metrics: Metrics::default(),
        }
    }

    /// Sets the address and port that traces name as their coordinator and source.
    pub fn with_trace_source(mut self, address: IpAddr, port: u16) -> Self {
        self.trace_source = (address, i32::from(port));
        self
    }

    /// Takes a connection slot for a client at `ip`, or `None` when a limit is reached.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<ConnectionSlot> {
        let mut c = self.connections.lock();
        let per_ip = c.per_ip.get(&ip).copied().unwrap_or(0);
        let over_total = self.limits.max_connections != 0 && c.total >= self.limits.max_connections;
        let over_ip = self.limits.max_connections_per_ip != 0 && per_ip >= self.limits.max_connections_per_ip;
        if over_total || over_ip {
            return None;
        }
        c.total += 1;
        *c.per_ip.entry(ip).or_insert(0) += 1;
        Some(ConnectionSlot { ctx: Arc::clone(self), ip })
    }

    /// Open connections.
    pub fn connection_count(&self) -> usize {
        self.connections.lock().total
    }
}

/// The accept loop.
pub struct Server {
    listener: TcpListener,
    ctx: Arc<ServerContext>,
}

impl Server {
    pub fn new(listener: TcpListener, ctx: Arc<ServerContext>) -> Self {
        Server { listener, ctx }
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts until `shutdown` turns true, then closes every connection.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let mut tasks = JoinSet::new();
        loop {
            if *shutdown.borrow() {
                break;
            }
            tokio::select! {
                _ = shutdown.changed() => continue,
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(a) => a,
                        Err(e) => {
                            // Out of file descriptors and the like: back off instead of spinning.
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    let Some(slot) = self.ctx.admit(peer.ip()) else {
                        self.ctx.metrics.connections_refused.fetch_add(1, Ordering::Relaxed);
                        tracing::warn!(%peer, "connection refused: native_transport_max_concurrent_connections reached");
                        drop(stream);
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let conn = Connection::new(stream, peer, Arc::clone(&self.ctx), slot);
                    tasks.spawn(conn.run(shutdown.clone()));
                }
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            }
        }
        drop(self.listener);
        let drain = async { while tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(SHUTDOWN_GRACE, drain).await.is_err() {
            tracing::warn!("connections still busy after {SHUTDOWN_GRACE:?}; closing them");
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
    }
}
