//! [`SessionBuilder`]: contact points and session-wide defaults.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sibyl_protocol::{Compression, Consistency};

use crate::error::DriverError;
use crate::policy::{
    DefaultRetryPolicy, LoadBalancingPolicy, NoSpeculativeExecution, RetryPolicy, SpeculativeExecutionPolicy,
};
use crate::session::Session;

/// Rows per page when a paged call's statement sets none (the Python driver's and the
/// `scylla` crate's default).
pub const DEFAULT_PAGE_SIZE: i32 = 5000;
/// How long a request may wait for its response by default.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(12);
/// How long opening a connection (TCP and handshake) may take by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// An idle connection is probed with OPTIONS this often by default.
pub const DEFAULT_HEARTBEAT_INTERVAL: Duration = Duration::from_secs(30);
/// The default consistency level (the `scylla` crate's).
pub const DEFAULT_CONSISTENCY: Consistency = Consistency::LocalQuorum;
/// Prepared statements the session remembers by text; past this, new ones are not cached.
pub const MAX_PREPARED_CACHE_ENTRIES: usize = 10_000;
/// How long a DDL statement waits for every node to agree on the schema by default.
pub const DEFAULT_MAX_SCHEMA_AGREEMENT_WAIT: Duration = Duration::from_secs(10);
/// Connections per node unless set.
pub const DEFAULT_POOL_SIZE: usize = 1;
/// Most connections per node.
pub const MAX_POOL_SIZE: usize = 64;
/// How often schema agreement is polled.
pub const SCHEMA_AGREEMENT_INTERVAL: Duration = Duration::from_millis(200);

/// Session-wide settings, fixed at build time.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// `host:port` strings, resolved at build time.
    pub known_nodes: Vec<String>,
    pub keyspace: Option<String>,
    pub consistency: Consistency,
    pub serial_consistency: Option<Consistency>,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub heartbeat_interval: Option<Duration>,
    pub page_size: i32,
    pub compression: Option<Compression>,
    pub credentials: Option<(String, String)>,
    /// Deliver the TOPOLOGY/STATUS/SCHEMA events of the control connection to
    /// `Session::events` subscribers (the session always registers for them itself).
    pub subscribe_events: bool,
    /// The query plan of each request; `None`: token-aware over DC-aware round robin, with the
    /// first contact point's datacenter local ([`crate::policy::default_policy`]).
    pub load_balancing: Option<Arc<dyn LoadBalancingPolicy>>,
    /// What to do after a failed attempt.
    pub retry_policy: Arc<dyn RetryPolicy>,
    /// When to start extra executions of slow idempotent requests.
    pub speculative_execution: Arc<dyn SpeculativeExecutionPolicy>,
    /// Read `system.local`/`system.peers`/`system_schema.keyspaces` to find the other nodes
    /// and route token-aware (on by default).
    pub discovery: bool,
    /// How long a DDL statement waits for schema agreement; zero does not wait.
    pub max_schema_agreement_wait: Duration,
    /// Connections kept open to each node (requests go to the least loaded one).
    pub pool_size: usize,
    /// Prepare statements on every node that is up, not only the one that answered first
    /// (so a first EXECUTE routed elsewhere does not pay a re-prepare).
    pub prepare_on_all_nodes: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            known_nodes: Vec::new(),
            keyspace: None,
            consistency: DEFAULT_CONSISTENCY,
            serial_consistency: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            heartbeat_interval: Some(DEFAULT_HEARTBEAT_INTERVAL),
            page_size: DEFAULT_PAGE_SIZE,
            compression: None,
            credentials: None,
            subscribe_events: false,
            load_balancing: None,
            retry_policy: Arc::new(DefaultRetryPolicy),
            speculative_execution: Arc::new(NoSpeculativeExecution),
            discovery: true,
            max_schema_agreement_wait: DEFAULT_MAX_SCHEMA_AGREEMENT_WAIT,
            pool_size: DEFAULT_POOL_SIZE,
            prepare_on_all_nodes: true,
        }
    }
}

/// Builds a [`Session`]:
///
/// ```no_run
/// # async fn demo() -> Result<(), sibyl_driver::DriverError> {
/// use sibyl_driver::{Compression, Consistency, SessionBuilder};
/// let session = SessionBuilder::new()
///     .known_node("127.0.0.1:9042")
///     .keyspace("ks")
///     .consistency(Consistency::LocalQuorum)
///     .compression(Some(Compression::Lz4))
///     .build()
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct SessionBuilder {
    config: SessionConfig,
}

impl SessionBuilder {
    pub fn new() -> Self {
        SessionBuilder::default()
    }

    /// Adds a contact point, `host:port` (`127.0.0.1:9042`, `localhost:9042`).
    pub fn known_node(mut self, node: impl Into<String>) -> Self {
        self.config.known_nodes.push(node.into());
        self
    }

    /// Adds a contact point by address.
    pub fn known_node_addr(mut self, addr: SocketAddr) -> Self {
        self.config.known_nodes.push(addr.to_string());
        self
    }

    /// The keyspace every connection `USE`s (exact case: it is sent quoted).
    pub fn keyspace(mut self, keyspace: impl Into<String>) -> Self {
        self.config.keyspace = Some(keyspace.into());
        self
    }

    /// Default consistency level of statements that set none.
    pub fn consistency(mut self, consistency: Consistency) -> Self {
        self.config.consistency = consistency;
        self
    }

    /// Default serial consistency of statements that set none.
    pub fn serial_consistency(mut self, consistency: Option<Consistency>) -> Self {
        self.config.serial_consistency = consistency;
        self
    }

    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.config.request_timeout = timeout;
        self
    }

    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.connect_timeout = timeout;
        self
    }

    /// OPTIONS heartbeat interval on idle connections; `None` turns heartbeats off.
    pub fn heartbeat_interval(mut self, interval: Option<Duration>) -> Self {
        self.config.heartbeat_interval = interval;
        self
    }

    /// Default page size of paged calls.
    pub fn page_size(mut self, page_size: i32) -> Self {
        self.config.page_size = page_size;
        self
    }

    /// Frame compression, used when the server supports it.
    pub fn compression(mut self, compression: Option<Compression>) -> Self {
        self.config.compression = compression;
        self
    }

    /// User and password, sent with SASL PLAIN when the server asks (AUTHENTICATE).
    pub fn credentials(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.config.credentials = Some((user.into(), password.into()));
        self
    }

    /// Receive TOPOLOGY_CHANGE, STATUS_CHANGE and SCHEMA_CHANGE events (`Session::events`).
    pub fn subscribe_events(mut self, subscribe: bool) -> Self {
        self.config.subscribe_events = subscribe;
        self
    }

    /// The load-balancing policy (default: token-aware over DC-aware round robin, local
    /// datacenter = the first contact point's).
    pub fn load_balancing(mut self, policy: impl LoadBalancingPolicy + 'static) -> Self {
        self.config.load_balancing = Some(Arc::new(policy));
        self
    }

    /// The retry policy (default: [`DefaultRetryPolicy`]).
    pub fn retry_policy(mut self, policy: impl RetryPolicy + 'static) -> Self {
        self.config.retry_policy = Arc::new(policy);
        self
    }

    /// The speculative-execution policy (default: none).
    pub fn speculative_execution(mut self, policy: impl SpeculativeExecutionPolicy + 'static) -> Self {
        self.config.speculative_execution = Arc::new(policy);
        self
    }

    /// Whether to discover the cluster's other nodes and keyspaces (default: on). Off, the
    /// session uses the contact points only, round robin.
    pub fn discovery(mut self, discovery: bool) -> Self {
        self.config.discovery = discovery;
        self
    }

    /// How long DDL statements wait for schema agreement (default 10 s; zero: no wait).
    pub fn max_schema_agreement_wait(mut self, wait: Duration) -> Self {
        self.config.max_schema_agreement_wait = wait;
        self
    }

    /// Connections per node (default 1: one connection carries 32,768 requests in flight;
    /// more spread the client's socket work over more reactor wake-ups). At least 1.
    pub fn pool_size(mut self, connections: usize) -> Self {
        self.config.pool_size = connections.clamp(1, MAX_POOL_SIZE);
        self
    }

    /// Whether PREPARE also goes to every other node that is up (default: on, as the Python
    /// and Java drivers do). Ids that differ between nodes are logged: the nodes disagree
    /// on the schema.
    pub fn prepare_on_all_nodes(mut self, all: bool) -> Self {
        self.config.prepare_on_all_nodes = all;
        self
    }

    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Resolves the contact points and connects to each; succeeds if one connection opens.
    pub async fn build(self) -> Result<Session, DriverError> {
        Session::connect(self.config).await
    }
}
