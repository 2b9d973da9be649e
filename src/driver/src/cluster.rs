//! The nodes a session talks to, their connection pools, and the [`Topology`] the policies
//! route on.
//!
//! Each node has a pool of up to `pool_size` connections, opened on demand: the first when a
//! request needs the node (at `build()` for the contact points), the others in the background
//! once one works; broken ones are replaced the same way. A request takes the pool's least
//! loaded usable connection. After a failed attempt to connect, the node waits with
//! exponential backoff before trying again. On the control node one connection of the pool is
//! registered for events. The topology is a snapshot (`Arc<Topology>`) replaced as a whole on
//! each refresh (discovery, events) and copy-on-write for up/down marks.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::connection::{Connection, ConnectionConfig};
use crate::error::DriverError;
use crate::policy::{HostId, NodeInfo, Topology};

/// First wait after a failed connection attempt; doubles per failure.
pub const RECONNECT_BASE_DELAY: Duration = Duration::from_millis(100);
/// Longest wait between connection attempts to a node.
pub const RECONNECT_MAX_DELAY: Duration = Duration::from_secs(10);

/// The wait after `failures` consecutive failed attempts (1 → base, doubling, capped).
pub fn reconnect_delay(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    RECONNECT_BASE_DELAY.saturating_mul(1 << doublings).min(RECONNECT_MAX_DELAY)
}

#[derive(Debug, Default)]
struct ReconnectState {
    failures: u32,
    retry_at: Option<Instant>,
    last_error: Option<DriverError>,
}

/// One node and its pool of connections.
#[derive(Debug)]
pub struct NodeConnections {
    addr: SocketAddr,
    /// Connections to keep open.
    pool_size: usize,
    pool: Mutex<Vec<Arc<Connection>>>,
    /// Held while connecting, so concurrent requests wait for one attempt instead of racing.
    reconnect: tokio::sync::Mutex<ReconnectState>,
    /// Whether this node's pool carries the event registration (the control connection).
    control: AtomicBool,
    /// Set when a connection attempt failed or the connection broke; cleared on connecting.
    down: AtomicBool,
    /// Whether a background task is reconnecting to this node.
    reconnecting: AtomicBool,
    /// Whether a background task is opening the rest of the pool.
    filling: AtomicBool,
}

impl NodeConnections {
    pub fn new(addr: SocketAddr, control: bool) -> Self {
        Self::with_pool_size(addr, control, 1)
    }

    /// A node whose pool keeps `pool_size` connections (at least 1).
    pub fn with_pool_size(addr: SocketAddr, control: bool, pool_size: usize) -> Self {
        NodeConnections {
            addr,
            pool_size: pool_size.max(1),
            pool: Mutex::new(Vec::new()),
            reconnect: tokio::sync::Mutex::new(ReconnectState::default()),
            control: AtomicBool::new(control),
            down: AtomicBool::new(false),
            reconnecting: AtomicBool::new(false),
            filling: AtomicBool::new(false),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections the pool keeps open.
    pub fn pool_size(&self) -> usize {
        self.pool_size
    }

    /// Whether this node carries the session's event registration.
    pub fn is_control(&self) -> bool {
        self.control.load(Ordering::Relaxed)
    }

    pub(crate) fn set_control(&self, control: bool) {
        self.control.store(control, Ordering::Relaxed);
    }

    /// Clears the control flag; true for the one caller that cleared it.
    pub(crate) fn take_control(&self) -> bool {
        self.control.swap(false, Ordering::AcqRel)
    }

    /// Adds `c` to the pool, dropping broken connections (and, when `c` registers for
    /// events, any other registered one: one registration per session).
    fn install(&self, c: Arc<Connection>) {
        if let Ok(mut pool) = self.pool.lock() {
            let registered = c.is_registered();
            let mut replaced = Vec::new();
            pool.retain(|old| {
                let keep = old.is_usable() && !(registered && old.is_registered());
                if !keep {
                    replaced.push(Arc::clone(old));
                }
                keep
            });
            pool.push(c);
            drop(pool);
            // Requests in flight on a replaced connection finish on it; it closes when the
            // last handle goes.
            drop(replaced);
        }
    }

    /// Whether the last connection attempt failed or the connection broke (and no new one
    /// opened since).
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Relaxed)
    }

    pub(crate) fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::Relaxed);
    }

    /// Claims the background reconnection of this node; false if a task already has it.
    pub(crate) fn start_reconnecting(&self) -> bool {
        !self.reconnecting.swap(true, Ordering::AcqRel)
    }

    pub(crate) fn stop_reconnecting(&self) {
        self.reconnecting.store(false, Ordering::Release);
    }

    /// The least loaded usable connection, if there is one now (never connects).
    pub fn usable(&self) -> Option<Arc<Connection>> {
        self.pick(false).map(|(c, _)| c)
    }

    /// Usable connections in the pool now.
    pub fn open_connections(&self) -> usize {
        self.pool.lock().map(|p| p.iter().filter(|c| c.is_usable()).count()).unwrap_or(0)
    }

    /// The least loaded usable connection and how many are usable, but only if a usable one
    /// is registered for events when `registered` is asked for (one pass under the pool's lock).
    fn pick(&self, registered: bool) -> Option<(Arc<Connection>, usize)> {
        let pool = self.pool.lock().ok()?;
        let mut best: Option<&Arc<Connection>> = None;
        let mut has_registration = false;
        let mut usable = 0;
        for c in pool.iter().filter(|c| c.is_usable()) {
            usable += 1;
            has_registration |= c.is_registered();
            if best.is_none_or(|b| c.in_flight() < b.in_flight()) {
                best = Some(c);
            }
        }
        best.filter(|_| has_registration || !registered).map(|c| (Arc::clone(c), usable))
    }

    /// A usable connection: the pool's least loaded one, or a new one. Within the backoff
    /// window after a failed attempt this fails at once with that attempt's error. When
    /// `config` registers for events (the control node) and no connection of the pool is
    /// registered, a registered one is opened first. A pool short of connections is topped
    /// up in the background.
    pub async fn connection(self: &Arc<Self>, config: &ConnectionConfig) -> Result<Arc<Connection>, DriverError> {
        let wants_registration = !config.events.is_empty();
        if let Some((c, usable)) = self.pick(wants_registration) {
            if usable < self.pool_size {
                self.top_up(config);
            }
            return Ok(c);
        }
        let mut state = self.reconnect.lock().await;
        if let Some((c, _)) = self.pick(wants_registration) {
            return Ok(c);
        }
        if let (Some(at), Some(e)) = (state.retry_at, &state.last_error) {
            if Instant::now() < at {
                // Only the registration is missing: the pool still serves.
                return self.usable().ok_or_else(|| e.clone());
            }
        }
        match Connection::open(self.addr, config).await {
            Ok(c) => {
                let c = Arc::new(c);
                *state = ReconnectState::default();
                drop(state);
                self.set_down(false);
                self.install(Arc::clone(&c));
                tracing::debug!(addr = %self.addr, "connected");
                self.top_up(config);
                Ok(c)
            }
            Err(e) => {
                state.failures = state.failures.saturating_add(1);
                let delay = reconnect_delay(state.failures);
                state.retry_at = Some(Instant::now() + delay);
                state.last_error = Some(e.clone());
                tracing::debug!(addr = %self.addr, error = %e, ?delay, "connection attempt failed");
                if let Some(c) = self.usable() {
                    return Ok(c);
                }
                self.set_down(true);
                Err(e)
            }
        }
    }

    /// Opens the pool's missing connections in the background (without event registration),
    /// one task per node at a time; stops at the first failure.
    fn top_up(self: &Arc<Self>, config: &ConnectionConfig) {
        if self.open_connections() >= self.pool_size {
            return;
        }
        if self.filling.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.filling.store(false, Ordering::Release);
            return;
        };
        let mut config = config.clone();
        config.events.clear();
        config.event_sink = None;
        let node = Arc::downgrade(self);
        runtime.spawn(async move {
            loop {
                let Some(n) = node.upgrade() else { return };
                if n.open_connections() >= n.pool_size {
                    break;
                }
                match Connection::open(n.addr, &config).await {
                    Ok(c) => n.install(Arc::new(c)),
                    Err(e) => {
                        tracing::debug!(addr = %n.addr, error = %e, "opening a pooled connection failed");
                        break;
                    }
                }
            }
            if let Some(n) = node.upgrade() {
                n.filling.store(false, Ordering::Release);
            }
        });
    }

    /// Closes every connection of the pool (requests in flight on them fail).
    pub fn close(&self) {
        let pool = self.pool.lock().map(|mut p| std::mem::take(&mut *p)).unwrap_or_default();
        for c in pool {
            c.close();
        }
    }
}

/// The nodes of the session.
#[derive(Debug)]
pub struct Cluster {
    nodes: RwLock<Vec<Arc<NodeConnections>>>,
    topology: RwLock<Option<Arc<Topology>>>,
    /// Connections per node.
    pool_size: usize,
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster::new()
    }
}

impl Cluster {
    /// Nodes with one connection each.
    pub fn new() -> Self {
        Cluster::with_pool_size(1)
    }

    /// Nodes with `pool_size` connections each (at least 1).
    pub fn with_pool_size(pool_size: usize) -> Self {
        Cluster { nodes: RwLock::new(Vec::new()), topology: RwLock::new(None), pool_size: pool_size.max(1) }
    }

    /// Adds a node unless one with that address is known; returns it either way.
    pub fn add_node(&self, addr: SocketAddr) -> Arc<NodeConnections> {
        let Ok(mut nodes) = self.nodes.write() else {
            return Arc::new(NodeConnections::with_pool_size(addr, false, self.pool_size));
        };
        if let Some(n) = nodes.iter().find(|n| n.addr() == addr) {
            return Arc::clone(n);
        }
        let node = Arc::new(NodeConnections::with_pool_size(addr, nodes.is_empty(), self.pool_size));
        nodes.push(Arc::clone(&node));
        node
    }

    /// The node at `addr`, if known.
    pub fn node(&self, addr: SocketAddr) -> Option<Arc<NodeConnections>> {
        self.nodes.read().ok()?.iter().find(|n| n.addr() == addr).cloned()
    }

    /// The current topology: the discovered one, or (before discovery, or when the nodes do
    /// not answer it) the known nodes without tokens, datacenter or keyspaces.
    pub fn topology(&self) -> Arc<Topology> {
        if let Some(t) = self.topology.read().ok().and_then(|t| t.clone()) {
            return t;
        }
        Arc::new(self.fallback_topology())
    }

    fn fallback_topology(&self) -> Topology {
        let nodes = self
            .nodes()
            .iter()
            .enumerate()
            .map(|(i, n)| NodeInfo {
                host_id: HostId::from(u128::MAX - i as u128),
                address: n.addr(),
                datacenter: String::new(),
                rack: String::new(),
                tokens: Vec::new(),
                up: !n.is_down(),
            })
            .collect();
        Topology::new(nodes, Vec::new()).unwrap_or_else(|_| empty_topology())
    }

    /// Replaces the topology: adds a [`NodeConnections`] for each new node (connected on
    /// first use), closes and forgets nodes no longer in it (except the control node), and
    /// marks down the nodes whose connection is known to be down.
    pub fn set_topology(&self, mut topology: Topology) {
        let addrs: Vec<(HostId, SocketAddr)> = topology.nodes().iter().map(|n| (n.host_id, n.address)).collect();
        for (host_id, addr) in &addrs {
            let node = self.add_node(*addr);
            if node.is_down() {
                topology.set_up(host_id, false);
            }
        }
        if let Ok(mut nodes) = self.nodes.write() {
            nodes.retain(|n| {
                let keep = n.is_control() || addrs.iter().any(|(_, a)| *a == n.addr());
                if !keep {
                    n.close();
                }
                keep
            });
        }
        if let Ok(mut t) = self.topology.write() {
            *t = Some(Arc::new(topology));
        }
    }

    /// Marks the node at `addr` up or down, in its [`NodeConnections`] and the topology.
    pub fn mark(&self, addr: SocketAddr, up: bool) {
        if let Some(n) = self.node(addr) {
            n.set_down(!up);
        }
        let current = self.topology.read().ok().and_then(|t| t.as_ref()?.node_by_address(&addr).map(|n| n.up));
        if current.is_none_or(|u| u == up) {
            return;
        }
        let Ok(mut guard) = self.topology.write() else { return };
        let Some(current) = guard.as_ref() else { return };
        let Some(node) = current.node_by_address(&addr) else { return };
        if node.up == up {
            return;
        }
        let host_id = node.host_id;
        let mut next = Topology::clone(current);
        next.set_up(&host_id, up);
        tracing::debug!(%addr, up, "node marked");
        *guard = Some(Arc::new(next));
    }

    /// Every known node.
    pub fn nodes(&self) -> Vec<Arc<NodeConnections>> {
        self.nodes.read().map(|n| n.clone()).unwrap_or_default()
    }

    /// Closes every connection.
    pub fn close(&self) {
        for n in self.nodes() {
            n.close();
        }
    }
}

fn empty_topology() -> Topology {
    #[allow(clippy::expect_used)]
    Topology::new(Vec::new(), Vec::new()).expect("an empty topology is valid")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(reconnect_delay(1), Duration::from_millis(100));
        assert_eq!(reconnect_delay(2), Duration::from_millis(200));
        assert_eq!(reconnect_delay(4), Duration::from_millis(800));
        assert_eq!(reconnect_delay(100), RECONNECT_MAX_DELAY);
    }

    #[test]
    fn nodes_are_unique_and_the_first_is_control() {
        let c = Cluster::with_pool_size(3);
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:2".parse().unwrap();
        assert!(c.add_node(a).is_control());
        assert!(!c.add_node(b).is_control());
        c.add_node(a);
        assert_eq!(c.nodes().len(), 2);
        assert_eq!(c.node(b).unwrap().pool_size(), 3);
        assert_eq!(c.node(a).unwrap().open_connections(), 0);
    }
}
