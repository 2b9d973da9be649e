//! The nodes a session talks to and their connections.
//!
//! Today: the contact points given to the builder, one connection per node, opened on demand
//! (at `build()` and again whenever the previous one broke), with exponential backoff after a
//! failed attempt, and a round-robin query plan.
//!
//! Extension points for the policy work (`crate::policy`, in progress):
//! * discovery adds [`NodeConnections`] for the rows of `system.peers` ([`Cluster::add_node`]);
//! * a pool replaces the single `current` connection of [`NodeConnections`] (the public surface,
//!   [`NodeConnections::connection`], stays);
//! * a load-balancing policy replaces [`Cluster::plan`] (token-aware: replicas of the
//!   prepared statement's routing key first, then DC-aware fallback);
//! * a retry policy replaces the fixed rule in `Session::run` (retry idempotent statements on
//!   connection errors, re-prepare on Unprepared).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use crate::connection::{Connection, ConnectionConfig};
use crate::error::DriverError;

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
    control: bool,
}

impl NodeConnections {
    pub fn new(addr: SocketAddr, control: bool) -> Self {
        NodeConnections {
            addr,
            current: Mutex::new(None),
            reconnect: tokio::sync::Mutex::new(ReconnectState::default()),
            control,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether this node carries the session's event registration.
    pub fn is_control(&self) -> bool {
        self.control
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
