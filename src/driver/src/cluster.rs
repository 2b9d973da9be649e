//! The nodes a session talks to, their connections, and the [`Topology`] the policies route on.
//!
//! One connection per node, opened on demand (at `build()` for the contact points, on first
//! use for discovered nodes, and again whenever the previous one broke), with exponential
//! backoff after a failed attempt. The topology is a snapshot (`Arc<Topology>`) replaced as a
//! whole on each refresh (discovery, events) and copy-on-write for up/down marks.
//!
//! Extension point: a pool replaces the single `current` connection of [`NodeConnections`]
//! (the public surface, [`NodeConnections::connection`], stays).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

/// One node and its connection(s).
#[derive(Debug)]
pub struct NodeConnections {
    addr: SocketAddr,
    current: Mutex<Option<Arc<Connection>>>,
    /// Held while connecting, so concurrent requests wait for one attempt instead of racing.
    reconnect: tokio::sync::Mutex<ReconnectState>,
    /// Whether this node's connection registers for events (the control connection).
    control: AtomicBool,
    /// Set when a connection attempt failed or the connection broke; cleared on connecting.
    down: AtomicBool,
    /// Whether a background task is reconnecting to this node.
    reconnecting: AtomicBool,
}

impl NodeConnections {
    pub fn new(addr: SocketAddr, control: bool) -> Self {
        NodeConnections {
            addr,
            current: Mutex::new(None),
            reconnect: tokio::sync::Mutex::new(ReconnectState::default()),
            control: AtomicBool::new(control),
            down: AtomicBool::new(false),
            reconnecting: AtomicBool::new(false),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
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

    /// Opens a new connection with `config` and makes it the current one (requests in flight
    /// on the previous one finish on it; it closes when they are done).
    pub(crate) async fn reopen(&self, config: &ConnectionConfig) -> Result<(), DriverError> {
        let c = Arc::new(Connection::open(self.addr, config).await?);
        if let Ok(mut current) = self.current.lock() {
            *current = Some(c);
        }
        self.set_down(false);
        Ok(())
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

    /// The usable connection, if there is one now (never connects).
    pub fn usable(&self) -> Option<Arc<Connection>> {
        let current = self.current.lock().ok()?;
        current.as_ref().filter(|c| c.is_usable()).cloned()
    }

    /// A usable connection: the current one, or a new one. Within the backoff window after a
    /// failed attempt this fails at once with that attempt's error.
    pub async fn connection(&self, config: &ConnectionConfig) -> Result<Arc<Connection>, DriverError> {
        if let Some(c) = self.usable() {
            return Ok(c);
        }
        let mut state = self.reconnect.lock().await;
        if let Some(c) = self.usable() {
            return Ok(c);
        }
        if let (Some(at), Some(e)) = (state.retry_at, &state.last_error) {
            if Instant::now() < at {
                return Err(e.clone());
            }
        }
        match Connection::open(self.addr, config).await {
            Ok(c) => {
                let c = Arc::new(c);
                *state = ReconnectState::default();
                self.set_down(false);
                if let Ok(mut current) = self.current.lock() {
                    *current = Some(Arc::clone(&c));
                }
                tracing::debug!(addr = %self.addr, "connected");
                Ok(c)
            }
            Err(e) => {
                state.failures = state.failures.saturating_add(1);
                let delay = reconnect_delay(state.failures);
                state.retry_at = Some(Instant::now() + delay);
                state.last_error = Some(e.clone());
                self.set_down(true);
                tracing::debug!(addr = %self.addr, error = %e, ?delay, "connection attempt failed");
                Err(e)
            }
        }
    }

    /// Closes the current connection (requests in flight on it fail).
    pub fn close(&self) {
        if let Some(c) = self.current.lock().ok().and_then(|mut c| c.take()) {
            c.close();
        }
    }
}

/// The nodes of the session.
#[derive(Debug, Default)]
pub struct Cluster {
    nodes: RwLock<Vec<Arc<NodeConnections>>>,
    next: AtomicUsize,
    topology: RwLock<Option<Arc<Topology>>>,
}

impl Cluster {
    pub fn new() -> Self {
        Cluster::default()
    }

    /// Adds a node unless one with that address is known; returns it either way.
    pub fn add_node(&self, addr: SocketAddr) -> Arc<NodeConnections> {
        let Ok(mut nodes) = self.nodes.write() else {
            return Arc::new(NodeConnections::new(addr, false));
        };
        if let Some(n) = nodes.iter().find(|n| n.addr() == addr) {
            return Arc::clone(n);
        }
        let node = Arc::new(NodeConnections::new(addr, nodes.is_empty()));
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

    /// The nodes to try for one request, in order: round-robin over all nodes.
    pub fn plan(&self) -> Vec<Arc<NodeConnections>> {
        let mut nodes = self.nodes();
        if !nodes.is_empty() {
            let start = self.next.fetch_add(1, Ordering::Relaxed) % nodes.len();
            nodes.rotate_left(start);
        }
        nodes
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
    fn plan_rotates_and_nodes_are_unique() {
        let c = Cluster::new();
        let a: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:2".parse().unwrap();
        assert!(c.add_node(a).is_control());
        assert!(!c.add_node(b).is_control());
        c.add_node(a);
        assert_eq!(c.nodes().len(), 2);
        let first: Vec<_> = c.plan().iter().map(|n| n.addr()).collect();
        let second: Vec<_> = c.plan().iter().map(|n| n.addr()).collect();
        assert_eq!(first, vec![a, b]);
        assert_eq!(second, vec![b, a]);
    }
}
