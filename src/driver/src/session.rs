//! [`Session`]: runs statements on the cluster's connections.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};
use std::time::{Duration, Instant};

use futures_util::stream::{FuturesUnordered, StreamExt};
use sibyl_common::Token;
use sibyl_protocol::{
    BatchQuery, ColumnSpec, Consistency, ErrorKind, Event, EventType, QueryParameters, Request, Response,
    ResponseExtras, ResponseFrame, ResultBody, StatusChangeType, Values,
};
use tokio::sync::broadcast;

use crate::builder::{SessionConfig, MAX_PREPARED_CACHE_ENTRIES, SCHEMA_AGREEMENT_INTERVAL};
use crate::cluster::{reconnect_delay, Cluster};
use crate::connection::{Connection, ConnectionConfig};
use crate::discovery;
use crate::error::DriverError;
use crate::paging::{PagedTarget, RowStream};
use crate::policy::{
    load_balancing::default_policy, routing_token_of_values, LoadBalancingPolicy, RequestFailure, RetryContext,
    RetryDecision, RoutingInfo, Topology,
};
use crate::row::{PagingState, QueryResult, Row};
use crate::statement::{Batch, BatchStatement, BoundValues, PreparedStatement, Statement, StatementOptions};

/// Events buffered per subscriber before the oldest are dropped.
const EVENT_CHANNEL_CAPACITY: usize = 1024;
/// Retries of one request, whatever the retry policy says, before its error is returned.
const MAX_RETRIES: u32 = 16;
/// Times one execution sends a request again after its connection failed before sending it.
const MAX_UNSENT_RETRIES: u32 = 3;
/// Events arriving within this window after a first one are handled by one refresh.
const EVENT_DEBOUNCE: Duration = Duration::from_millis(100);

/// A connected session. Cheap to clone: clones share connections and caches.
#[derive(Debug, Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

#[derive(Debug)]
struct SessionInner {
    config: SessionConfig,
    cluster: Cluster,
    keyspace: RwLock<Option<String>>,
    /// Prepared statements by (keyspace at prepare time, text).
    prepared: Mutex<HashMap<(Option<String>, String), PreparedStatement>>,
    events: broadcast::Sender<Event>,
    policy: Arc<dyn LoadBalancingPolicy>,
    /// The first discovered node's datacenter (the policies' local-DC hint).
    local_dc: OnceLock<Option<String>>,
    /// Serializes topology refreshes.
    refresh: tokio::sync::Mutex<()>,
}

/// Where a request should go: its keyspace and partition token, when known.
#[derive(Debug, Clone, Default)]
struct Route {
    keyspace: Option<String>,
    token: Option<Token>,
}

/// A response and the node that sent it.
type Answered = (ResponseFrame, SocketAddr);

/// What one request does on one connection.
#[derive(Clone)]
enum Work<'a> {
    Query { text: &'a str, params: QueryParameters },
    Execute { prepared: &'a PreparedStatement, params: QueryParameters },
    Prepare { text: &'a str },
    Batch(sibyl_protocol::Batch, &'a Batch),
}

impl Work<'_> {
    fn consistency(&self) -> Consistency {
        match self {
            Work::Query { params, .. } | Work::Execute { params, .. } => params.consistency,
            Work::Prepare { .. } => Consistency::One,
            Work::Batch(b, _) => b.consistency,
        }
    }

    /// A retry at another consistency (`None`: unchanged).
    fn set_consistency(&mut self, consistency: Option<Consistency>) {
        let Some(c) = consistency else { return };
        match self {
            Work::Query { params, .. } | Work::Execute { params, .. } => params.consistency = c,
            Work::Prepare { .. } => {}
            Work::Batch(b, _) => b.consistency = c,
        }
    }
}

/// A failed attempt as the retry policy sees it.
enum Failure {
    Server(ErrorKind),
    Broken,
    Timeout,
}

/// The retry-relevant failure of `e`; `None` for errors no retry can fix.
fn failure_of(e: &DriverError) -> Option<Failure> {
    use DriverError as E;
    Some(match e {
        E::ReadTimeout { consistency, received, block_for, data_present, .. } => {
            Failure::Server(ErrorKind::ReadTimeout {
                consistency: *consistency,
                received: *received,
                block_for: *block_for,
                data_present: *data_present,
            })
        }
        E::WriteTimeout { consistency, received, block_for, write_type, .. } => {
            Failure::Server(ErrorKind::WriteTimeout {
                consistency: *consistency,
                received: *received,
                block_for: *block_for,
                write_type: write_type.clone(),
            })
        }
        E::Unavailable { consistency, required, alive, .. } => {
            Failure::Server(ErrorKind::Unavailable { consistency: *consistency, required: *required, alive: *alive })
        }
        E::ReadFailure { consistency, received, block_for, num_failures, data_present, .. } => {
            Failure::Server(ErrorKind::ReadFailure {
                consistency: *consistency,
                received: *received,
                block_for: *block_for,
                num_failures: *num_failures,
                data_present: *data_present,
            })
        }
        E::WriteFailure { consistency, received, block_for, num_failures, write_type, .. } => {
            Failure::Server(ErrorKind::WriteFailure {
                consistency: *consistency,
                received: *received,
                block_for: *block_for,
                num_failures: *num_failures,
                write_type: write_type.clone(),
            })
        }
        E::Overloaded(_) => Failure::Server(ErrorKind::Overloaded),
        E::IsBootstrapping(_) => Failure::Server(ErrorKind::IsBootstrapping),
        E::Server(_) => Failure::Server(ErrorKind::Server),
        E::TruncateError(_) => Failure::Server(ErrorKind::TruncateError),
        E::ConnectionBroken { .. }
        | E::ConnectionClosed { .. }
        | E::NotSent { .. }
        | E::Connect { .. }
        | E::ConnectTimeout { .. } => Failure::Broken,
        E::RequestTimeout { .. } => Failure::Timeout,
        _ => return None,
    })
}

/// A prepared statement's route: its keyspace (else the session's) and the token of its
/// partition-key values, when they are all bound by position.
fn route_of(session: &Session, prepared: &PreparedStatement, values: &BoundValues) -> Route {
    let token = match values.as_values() {
        Values::Positional(v) => routing_token_of_values(prepared.pk_indexes(), v),
        _ => None,
    };
    Route { keyspace: prepared.keyspace().map(str::to_owned).or_else(|| session.keyspace()), token }
}

/// Refreshes the topology on TOPOLOGY_CHANGE / STATUS_CHANGE / SCHEMA_CHANGE events of the
/// control connection (several events close together: one refresh); a STATUS_CHANGE marks
/// the node at once. Ends with the session.
fn spawn_event_listener(inner: &Arc<SessionInner>) {
    let mut events = inner.events.subscribe();
    let weak: Weak<SessionInner> = Arc::downgrade(inner);
    tokio::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(e) => Some(e),
                Err(broadcast::error::RecvError::Lagged(_)) => None,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            tokio::time::sleep(EVENT_DEBOUNCE).await;
            let mut batch: Vec<Event> = event.into_iter().collect();
            while let Ok(e) = events.try_recv() {
                batch.push(e);
            }
            let Some(inner) = weak.upgrade() else { return };
            let session = Session { inner };
            for e in &batch {
                if let Event::StatusChange { change, address } = e {
                    let topology = session.topology();
                    let addr = topology.nodes().iter().find(|n| n.address.ip() == address.ip()).map(|n| n.address);
                    if let Some(addr) = addr {
                        session.inner.cluster.mark(addr, *change == StatusChangeType::Up);
                    }
                }
            }
            if let Err(e) = session.refresh_topology().await {
                tracing::debug!(error = %e, "topology refresh after an event failed");
            }
        }
    });
}

impl Session {
    pub(crate) async fn connect(config: SessionConfig) -> Result<Session, DriverError> {
        let cluster = Cluster::with_pool_size(config.pool_size);
        let mut unresolved = None;
        for node in &config.known_nodes {
            let resolved = match tokio::net::lookup_host(node.as_str()).await {
                Ok(mut addrs) => addrs.next().ok_or_else(|| "no address".to_owned()),
                Err(e) => Err(e.to_string()),
            };
            match resolved {
                Ok(addr) => drop(cluster.add_node(addr)),
                Err(reason) => {
                    tracing::warn!(host = %node, %reason, "contact point does not resolve");
                    unresolved.get_or_insert(DriverError::Resolve { host: node.clone(), reason });
                }
            }
        }
        // Contact points that do not resolve are skipped, unless none does.
        if let (true, Some(e)) = (cluster.nodes().is_empty(), unresolved) {
            return Err(e);
        }
        let (events, _) = broadcast::channel(EVENT_CHANNEL_CAPACITY);
        let policy = config.load_balancing.clone().unwrap_or_else(|| Arc::new(default_policy(None)));
        let session = Session {
            inner: Arc::new(SessionInner {
                keyspace: RwLock::new(config.keyspace.clone()),
                config,
                cluster,
                prepared: Mutex::new(HashMap::new()),
                events,
                policy,
                local_dc: OnceLock::new(),
                refresh: tokio::sync::Mutex::new(()),
            }),
        };
        // The first contact point that connects carries the event registration.
        let mut errors = Vec::new();
        let mut connected = 0;
        let nodes = session.inner.cluster.nodes();
        for node in &nodes {
            node.set_control(false);
        }
        for node in &nodes {
            if connected == 0 {
                node.set_control(true);
            }
            match node.connection(&session.connection_config(node.is_control())).await {
                Ok(_) => connected += 1,
                Err(e) => {
                    node.set_control(false);
                    errors.push((node.addr(), e));
                }
            }
        }
        if connected == 0 {
            return Err(DriverError::NoHostAvailable { errors });
        }
        if session.inner.config.discovery {
            if let Err(e) = session.refresh_topology().await {
                tracing::info!(error = %e, "cluster discovery failed; using the contact points only");
            }
            spawn_event_listener(&session.inner);
        }
        Ok(session)
    }

    /// Reads `system.local`, `system.peers` and `system_schema.keyspaces` again and replaces
    /// the topology (new nodes are connected on first use, removed ones closed). On failure
    /// the previous topology stays.
    pub async fn refresh_topology(&self) -> Result<(), DriverError> {
        let _one_at_a_time = self.inner.refresh.lock().await;
        let conn = self.control_connection().await?;
        let found = discovery::discover(&conn, self.inner.config.request_timeout).await?;
        let local_dc = self.inner.local_dc.get_or_init(|| found.local_dc.clone()).clone();
        let mut topology = Topology::new(found.nodes, found.keyspaces)
            .map_err(|e| DriverError::UnexpectedResponse { request: "discovery", response: e.to_string() })?;
        topology.set_local_dc_hint(local_dc);
        tracing::debug!(nodes = topology.nodes().len(), "topology refreshed");
        self.inner.cluster.set_topology(topology);
        Ok(())
    }

    /// The nodes a prepared statement with these values would be sent to, in order (the
    /// load-balancing policy's plan for its keyspace and partition token).
    pub fn query_plan(&self, prepared: &PreparedStatement, values: &BoundValues) -> Vec<SocketAddr> {
        let route = route_of(self, prepared, values);
        let consistency = prepared.options().consistency.unwrap_or(self.inner.config.consistency);
        self.plan(&route, consistency)
    }

    /// The nodes a text statement would be sent to, in order: token-aware when it has a
    /// routing key ([`Statement::with_routing_key`]).
    pub fn statement_plan(&self, statement: &Statement) -> Vec<SocketAddr> {
        let keyspace = statement.routing_keyspace().map(str::to_owned).or_else(|| self.keyspace());
        let route = Route { keyspace, token: statement.routing_token() };
        let consistency = statement.options().consistency.unwrap_or(self.inner.config.consistency);
        self.plan(&route, consistency)
    }

    fn plan(&self, route: &Route, consistency: Consistency) -> Vec<SocketAddr> {
        let cluster = &self.inner.cluster;
        let topology = cluster.topology();
        let mut routing = RoutingInfo::new(consistency);
        if let Some(ks) = route.keyspace.as_deref() {
            routing = routing.with_keyspace(ks);
        }
        if let Some(token) = route.token {
            routing = routing.with_token(token);
        }
        let plan: Vec<SocketAddr> = self.inner.policy.plan(&topology, &routing).iter().map(|n| n.address).collect();
        if plan.is_empty() {
            cluster.nodes().iter().map(|n| n.addr()).collect()
        } else {
            plan
        }
    }

    /// The current topology (nodes, tokens, keyspaces, up/down) the policies route on.
    pub fn topology(&self) -> Arc<Topology> {
        self.inner.cluster.topology()
    }

    /// Waits until every node that is up reports the same schema version, polling
    /// `system.local` and `system.peers` every 200 ms, at most `max_schema_agreement_wait`.
    /// Returns whether they agreed.
    pub async fn await_schema_agreement(&self) -> Result<bool, DriverError> {
        let deadline = Instant::now() + self.inner.config.max_schema_agreement_wait;
        loop {
            let conn = self.control_connection().await?;
            let rows = discovery::schema_versions(&conn, self.inner.config.request_timeout).await?;
            let topology = self.topology();
            let mut versions = rows
                .iter()
                .filter(|(host, _)| host.as_ref().and_then(|h| topology.node(h)).is_none_or(|n| n.up))
                .map(|(_, v)| v);
            let agreed = match versions.next() {
                Some(first) => versions.all(|v| v == first),
                None => true,
            };
            if agreed {
                return Ok(true);
            }
            if Instant::now() + SCHEMA_AGREEMENT_INTERVAL > deadline {
                tracing::warn!("schema agreement not reached within the wait");
                return Ok(false);
            }
            tokio::time::sleep(SCHEMA_AGREEMENT_INTERVAL).await;
        }
    }

    /// After a SCHEMA_CHANGE result: wait for agreement, then refresh the keyspaces.
    async fn after_schema_change(&self) {
        if self.inner.config.max_schema_agreement_wait > Duration::ZERO {
            if let Err(e) = self.await_schema_agreement().await {
                tracing::debug!(error = %e, "schema agreement check failed");
            }
        }
        if self.inner.config.discovery {
            if let Err(e) = self.refresh_topology().await {
                tracing::debug!(error = %e, "topology refresh after a schema change failed");
            }
        }
    }

    /// A connection for metadata queries: the control node's, else any usable one, else the
    /// first node that connects.
    async fn control_connection(&self) -> Result<Arc<Connection>, DriverError> {
        let mut nodes = self.inner.cluster.nodes();
        nodes.sort_by_key(|n| !n.is_control());
        if let Some(c) = nodes.iter().find_map(|n| n.usable()) {
            return Ok(c);
        }
        let mut errors = Vec::new();
        for n in nodes {
            match n.connection(&self.connection_config(n.is_control())).await {
                Ok(c) => return Ok(c),
                Err(e) => errors.push((n.addr(), e)),
            }
        }
        Err(DriverError::NoHostAvailable { errors })
    }

    /// The control node failed: another node that is not down takes over the event
    /// registration (a connection of its pool is opened with REGISTER) and the topology is refreshed
    /// through it. Without such a node the failed one stays control and re-registers when it
    /// reconnects.
    fn move_control(&self, failed: &Arc<crate::cluster::NodeConnections>) {
        let cluster = &self.inner.cluster;
        let Some(next) = cluster.nodes().into_iter().find(|n| n.addr() != failed.addr() && !n.is_down()) else {
            return;
        };
        if !failed.take_control() {
            return;
        }
        next.set_control(true);
        tracing::debug!(from = %failed.addr(), to = %next.addr(), "moving the control connection");
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let Some(inner) = weak.upgrade() else { return };
            let session = Session { inner };
            // Opens a registered connection unless a request already did.
            match next.connection(&session.connection_config(true)).await {
                Ok(_) => {
                    if session.inner.config.discovery {
                        let _ = session.refresh_topology().await;
                    }
                }
                Err(e) => tracing::debug!(addr = %next.addr(), error = %e, "control connection failed to open"),
            }
        });
    }

    /// A node's connection failed: mark it down and reconnect in the background (with the
    /// backoff), marking it up again once connected.
    fn node_failed(&self, addr: SocketAddr) {
        let cluster = &self.inner.cluster;
        cluster.mark(addr, false);
        let Some(node) = cluster.node(addr) else { return };
        if node.is_control() {
            self.move_control(&node);
        }
        if !node.start_reconnecting() {
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut failures = 0u32;
            loop {
                failures = failures.saturating_add(1);
                tokio::time::sleep(reconnect_delay(failures)).await;
                let Some(inner) = weak.upgrade() else { break };
                let session = Session { inner };
                if session.inner.cluster.node(addr).is_none() {
                    break;
                }
                if node.connection(&session.connection_config(node.is_control())).await.is_ok() {
                    session.inner.cluster.mark(addr, true);
                    break;
                }
            }
            node.stop_reconnecting();
        });
    }

    fn connection_config(&self, control: bool) -> ConnectionConfig {
        let c = &self.inner.config;
        // The control connection always registers: the session refreshes its topology on events.
        let subscribe = control && (c.subscribe_events || c.discovery);
        ConnectionConfig {
            connect_timeout: c.connect_timeout,
            compression: c.compression,
            credentials: c.credentials.clone(),
            keyspace: self.keyspace(),
            heartbeat_interval: c.heartbeat_interval,
            heartbeat_timeout: c.request_timeout,
            events: if subscribe {
                vec![EventType::TopologyChange, EventType::StatusChange, EventType::SchemaChange]
            } else {
                Vec::new()
            },
            event_sink: subscribe.then(|| self.inner.events.clone()),
            startup_options: Default::default(),
        }
    }

    /// The settings the session was built with.
    pub fn config(&self) -> &SessionConfig {
        &self.inner.config
    }

    /// The nodes and their connections.
    pub fn cluster(&self) -> &Cluster {
        &self.inner.cluster
    }

    /// The keyspace unqualified names resolve in (the builder's, or the last `USE`).
    pub fn keyspace(&self) -> Option<String> {
        self.inner.keyspace.read().ok().and_then(|k| k.clone())
    }

    /// Server events, when the session was built with `subscribe_events(true)`.
    pub fn events(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// Runs a statement as QUERY. Unpaged unless the statement sets a page size (then this is
    /// the first page; see [`Session::query_paged`] and [`Session::query_iter`]).
    pub async fn query(
        &self,
        statement: impl Into<Statement>,
        values: impl Into<BoundValues>,
    ) -> Result<QueryResult, DriverError> {
        let statement = statement.into();
        let page_size = statement.options().page_size;
        self.query_page(&statement, values.into(), page_size, None).await
    }

    /// One page of a QUERY: at most the statement's page size (or the session default) rows,
    /// starting at `paging_state` (`None` for the first page). Returns the state of the next
    /// page, `None` after the last.
    pub async fn query_paged(
        &self,
        statement: impl Into<Statement>,
        values: impl Into<BoundValues>,
        paging_state: Option<PagingState>,
    ) -> Result<(QueryResult, Option<PagingState>), DriverError> {
        let statement = statement.into();
        let page_size = Some(self.page_size(statement.options()));
        let result = self.query_page(&statement, values.into(), page_size, paging_state).await?;
        let next = result.paging_state.clone();
        Ok((result, next))
    }

    pub(crate) async fn query_page(
        &self,
        statement: &Statement,
        values: BoundValues,
        page_size: Option<i32>,
        paging_state: Option<PagingState>,
    ) -> Result<QueryResult, DriverError> {
        let opts = statement.options();
        let values = values.resolve(None)?;
        let params = self.params(opts, values.0, page_size, paging_state);
        let keyspace = statement.routing_keyspace().map(str::to_owned).or_else(|| self.keyspace());
        let route = Route { keyspace, token: statement.routing_token() };
        let (frame, _) = self.run(Work::Query { text: &statement.text, params }, opts, &route).await?;
        let result = self.to_result(frame, None)?;
        if result.schema_change.is_some() {
            self.after_schema_change().await;
        }
        Ok(result)
    }

    /// All rows of a QUERY as a stream, fetching pages on demand.
    pub fn query_iter(&self, statement: impl Into<Statement>, values: impl Into<BoundValues>) -> RowStream {
        RowStream::new(self.clone(), PagedTarget::Query(statement.into()), values.into())
    }

    /// Prepares a statement, or returns the cached one for this text and keyspace.
    pub async fn prepare(&self, statement: impl Into<Statement>) -> Result<PreparedStatement, DriverError> {
        let statement = statement.into();
        let key = (self.keyspace(), statement.text.clone());
        let cached = self.inner.prepared.lock().ok().and_then(|c| c.get(&key).cloned());
        if let Some(p) = cached {
            return Ok(with_options(p, statement.options().clone()));
        }
        let opts = StatementOptions { idempotent: true, ..statement.options().clone() };
        let route = Route { keyspace: self.keyspace(), token: None };
        let (frame, coordinator) = self.run(Work::Prepare { text: &statement.text }, &opts, &route).await?;
        let prepared = match frame.response {
            Response::Result(ResultBody::Prepared(p)) => {
                PreparedStatement::new(statement.text.clone(), key.0.clone(), p.id, p.metadata, p.result_metadata)
            }
            Response::Error(e) => return Err(e.into()),
            other => return Err(unexpected("PREPARE", &other)),
        };
        if self.inner.config.prepare_on_all_nodes {
            self.prepare_on_other_nodes(&statement.text, prepared.id(), coordinator).await;
        }
        if let Ok(mut cache) = self.inner.prepared.lock() {
            if cache.len() < MAX_PREPARED_CACHE_ENTRIES {
                cache.insert(key, prepared.clone());
            }
        }
        Ok(with_options(prepared, statement.options().clone()))
    }

    /// Sends PREPARE to every other node not known to be down (`prepared_on` answered it
    /// already), at once, so EXECUTEs routed to any replica find the statement. Failures only
    /// cost a re-prepare later (logged); an id that differs from `id` means the nodes disagree
    /// on the schema or the keyspace (warned).
    async fn prepare_on_other_nodes(&self, text: &str, id: &[u8], prepared_on: SocketAddr) {
        let nodes: Vec<_> =
            self.inner.cluster.nodes().into_iter().filter(|n| !n.is_down() && n.addr() != prepared_on).collect();
        if nodes.is_empty() {
            return;
        }
        let timeout = self.inner.config.request_timeout;
        let keyspace = self.keyspace();
        let attempts = nodes.iter().map(|node| {
            let config = self.connection_config(node.is_control());
            let keyspace = keyspace.clone();
            async move {
                let conn = node.connection(&config).await?;
                if let Some(ks) = &keyspace {
                    if conn.keyspace().as_ref() != Some(ks) {
                        conn.use_keyspace(ks, timeout).await?;
                    }
                }
                match conn.send(&Request::Prepare { query: text.to_owned() }, false, timeout).await?.response {
                    Response::Result(ResultBody::Prepared(p)) => Ok(p.id),
                    Response::Error(e) => Err(DriverError::from(e)),
                    other => Err(unexpected("PREPARE", &other)),
                }
            }
        });
        let results = futures_util::future::join_all(attempts).await;
        for (node, result) in nodes.iter().zip(results) {
            match result {
                Ok(other) if other != id => tracing::warn!(
                    addr = %node.addr(),
                    text,
                    "the node prepared the statement under another id: the nodes disagree on the schema"
                ),
                Ok(_) => {}
                Err(e) => tracing::debug!(addr = %node.addr(), error = %e, "preparing on another node failed"),
            }
        }
    }

    /// Runs a prepared statement (EXECUTE), re-preparing it transparently once if the node
    /// forgot it. Unpaged unless the statement sets a page size.
    pub async fn execute(
        &self,
        prepared: &PreparedStatement,
        values: impl Into<BoundValues>,
    ) -> Result<QueryResult, DriverError> {
        let page_size = prepared.options().page_size;
        self.execute_page(prepared, values.into(), page_size, None).await
    }

    /// One page of an EXECUTE (see [`Session::query_paged`]).
    pub async fn execute_paged(
        &self,
        prepared: &PreparedStatement,
        values: impl Into<BoundValues>,
        paging_state: Option<PagingState>,
    ) -> Result<(QueryResult, Option<PagingState>), DriverError> {
        let page_size = Some(self.page_size(prepared.options()));
        let result = self.execute_page(prepared, values.into(), page_size, paging_state).await?;
        let next = result.paging_state.clone();
        Ok((result, next))
    }

    pub(crate) async fn execute_page(
        &self,
        prepared: &PreparedStatement,
        values: BoundValues,
        page_size: Option<i32>,
        paging_state: Option<PagingState>,
    ) -> Result<QueryResult, DriverError> {
        let values = values.resolve(Some(prepared.bind_specs()))?;
        check_value_count(prepared, &values)?;
        let opts = prepared.options();
        let route = route_of(self, prepared, &values);
        let params = self.params(opts, values.0, page_size, paging_state);
        let (frame, _) = self.run(Work::Execute { prepared, params }, opts, &route).await?;
        let result = self.to_result(frame, Some(&prepared.inner.result_columns))?;
        if result.schema_change.is_some() {
            self.after_schema_change().await;
        }
        Ok(result)
    }

    /// All rows of a prepared statement as a stream, fetching pages on demand (page size from
    /// the statement, else the session default).
    pub fn execute_iter(&self, prepared: &PreparedStatement, values: impl Into<BoundValues>) -> RowStream {
        RowStream::new(self.clone(), PagedTarget::Prepared(prepared.clone()), values.into())
    }

    /// Runs a batch; `values` has one entry per statement, in order.
    pub async fn batch<V: Into<BoundValues>>(
        &self,
        batch: &Batch,
        values: impl IntoIterator<Item = V>,
    ) -> Result<QueryResult, DriverError> {
        let values: Vec<BoundValues> = values.into_iter().map(Into::into).collect();
        if values.len() != batch.statements.len() {
            return Err(DriverError::InvalidArgument(format!(
                "the batch has {} statements but {} value lists were given",
                batch.statements.len(),
                values.len()
            )));
        }
        let opts = batch.options();
        let mut statements = Vec::with_capacity(values.len());
        for (s, v) in batch.statements.iter().zip(values) {
            let v = v.resolve(s.bind_specs())?;
            let query = match s {
                BatchStatement::Query(text) => BatchQuery::Query(text.clone()),
                BatchStatement::Prepared(p) => {
                    check_value_count(p, &v)?;
                    BatchQuery::Prepared(p.id().to_vec())
                }
            };
            statements.push(sibyl_protocol::BatchStatement { query, values: v.into_positional()? });
        }
        // Routed by the first prepared statement's partition key.
        let route = batch
            .statements
            .iter()
            .zip(&statements)
            .find_map(|(s, bound)| match s {
                BatchStatement::Prepared(p) => Some(Route {
                    keyspace: p.keyspace().map(str::to_owned).or_else(|| self.keyspace()),
                    token: routing_token_of_values(p.pk_indexes(), &bound.values),
                }),
                BatchStatement::Query(_) => None,
            })
            .unwrap_or_else(|| Route { keyspace: self.keyspace(), token: None });
        let request = sibyl_protocol::Batch {
            batch_type: batch.batch_type,
            statements,
            consistency: opts.consistency.unwrap_or(self.inner.config.consistency),
            serial_consistency: opts.serial_consistency.or(self.inner.config.serial_consistency),
            default_timestamp: opts.timestamp,
        };
        let (frame, _) = self.run(Work::Batch(request, batch), opts, &route).await?;
        self.to_result(frame, None)
    }

    /// Switches the session to `keyspace` (exact case): every connection `USE`s it before its
    /// next request, and new connections start in it.
    pub async fn use_keyspace(&self, keyspace: impl Into<String>) -> Result<(), DriverError> {
        let keyspace = keyspace.into();
        let text = format!("USE {}", crate::connection::quote_identifier(&keyspace));
        self.query(text, ()).await?;
        Ok(())
    }

    /// Closes every connection; requests in flight fail.
    pub fn close(&self) {
        self.inner.cluster.close();
    }

    fn page_size(&self, opts: &StatementOptions) -> i32 {
        opts.page_size.filter(|n| *n > 0).unwrap_or(self.inner.config.page_size)
    }

    fn params(
        &self,
        opts: &StatementOptions,
        values: Values,
        page_size: Option<i32>,
        paging_state: Option<PagingState>,
    ) -> QueryParameters {
        let config = &self.inner.config;
        QueryParameters {
            consistency: opts.consistency.unwrap_or(config.consistency),
            values,
            skip_metadata: false,
            page_size,
            paging_state: paging_state.map(|p| p.0),
            serial_consistency: opts.serial_consistency.or(config.serial_consistency),
            default_timestamp: opts.timestamp,
        }
    }

    /// Runs `work` along the load-balancing policy's query plan (every known node when the
    /// policy has none up). A node whose connection cannot be opened is marked down and
    /// skipped; a failed attempt goes to the retry policy, which may retry on the same node or
    /// the next one (at another consistency), ignore the error, or return it. Connection
    /// errors and timeouts are retried only for idempotent statements (the policy's rule),
    /// which get a second round over the plan with fresh connections.
    ///
    /// With a speculative-execution policy, an idempotent request still unanswered after the
    /// policy's delay starts another execution on the next node of the same plan (executions
    /// share the plan: each node is tried by one of them); the first answer wins and the
    /// others are dropped (their responses are discarded when they arrive).
    async fn run(&self, work: Work<'_>, opts: &StatementOptions, route: &Route) -> Result<Answered, DriverError> {
        let plan = self.plan(route, work.consistency());
        let cursor = AtomicUsize::new(0);
        let speculative = &self.inner.config.speculative_execution;
        let Some(first_delay) = speculative.delay_before(opts.idempotent, 1).filter(|_| plan.len() > 1) else {
            return self.execution(work, opts, &plan, &cursor).await;
        };
        let mut delay = Some(first_delay);
        let mut running = FuturesUnordered::new();
        running.push(self.execution(work.clone(), opts, &plan, &cursor));
        let mut started = 1u32;
        loop {
            let more = delay.is_some() && cursor.load(Ordering::Relaxed) < plan.len();
            tokio::select! {
                done = running.next() => match done {
                    Some(Ok(answered)) => return Ok(answered),
                    Some(Err(e)) if running.is_empty() => return Err(e),
                    Some(Err(e)) => tracing::debug!(error = %e, "a speculative execution failed"),
                    None => return Err(DriverError::NoHostAvailable { errors: Vec::new() }),
                },
                _ = tokio::time::sleep(delay.unwrap_or_default()), if more => {
                    tracing::debug!(execution = started + 1, "starting a speculative execution");
                    running.push(self.execution(work.clone(), opts, &plan, &cursor));
                    started += 1;
                    delay = speculative.delay_before(opts.idempotent, started);
                }
            }
        }
    }

    /// One execution of a request: takes the plan's nodes from `cursor` (shared with
    /// speculative executions) and applies the retry policy.
    async fn execution(
        &self,
        mut work: Work<'_>,
        opts: &StatementOptions,
        plan: &[SocketAddr],
        cursor: &AtomicUsize,
    ) -> Result<Answered, DriverError> {
        let cluster = &self.inner.cluster;
        let retry = &self.inner.config.retry_policy;
        let mut errors: Vec<(SocketAddr, DriverError)> = Vec::new();
        let mut retry_count = 0u32;
        let mut unsent_retries = 0u32;
        let rounds = if opts.idempotent { 2 } else { 1 };
        'nodes: loop {
            let i = cursor.fetch_add(1, Ordering::Relaxed);
            if i >= plan.len() * rounds {
                break;
            }
            // A second round only after connection errors (fresh connections may work).
            if i >= plan.len() && !errors.last().is_some_and(|(_, e)| e.is_connection_error()) {
                break;
            }
            let addr = plan[i % plan.len()];
            let node = cluster.node(addr).unwrap_or_else(|| cluster.add_node(addr));
            loop {
                let conn = match node.connection(&self.connection_config(node.is_control())).await {
                    Ok(c) => {
                        cluster.mark(addr, true);
                        c
                    }
                    Err(e) => {
                        // Never sent: the next node.
                        self.node_failed(addr);
                        errors.push((addr, e));
                        continue 'nodes;
                    }
                };
                let e = match self.run_on(&conn, &work, opts).await {
                    Ok(frame) => return Ok((frame, addr)),
                    Err(e) => e,
                };
                if e.is_connection_error() {
                    self.node_failed(addr);
                }
                // The connection failed before the request left: send it again (a fresh
                // connection to this node, else the next node), idempotent or not.
                if matches!(e, DriverError::NotSent { .. }) && unsent_retries < MAX_UNSENT_RETRIES {
                    unsent_retries += 1;
                    tracing::debug!(%addr, error = %e, "request not sent; sending it again");
                    continue;
                }
                let Some(kind) = failure_of(&e) else { return Err(e) };
                let failure = match &kind {
                    Failure::Server(k) => RequestFailure::Error(k),
                    Failure::Broken => RequestFailure::ConnectionBroken,
                    Failure::Timeout => RequestFailure::ClientTimeout,
                };
                let ctx = RetryContext { consistency: work.consistency(), is_idempotent: opts.idempotent, retry_count };
                let decision =
                    if retry_count >= MAX_RETRIES { RetryDecision::Rethrow } else { retry.decide(&ctx, &failure) };
                tracing::debug!(%addr, error = %e, ?decision, "attempt failed");
                match decision {
                    RetryDecision::Rethrow => return Err(e),
                    RetryDecision::Ignore => {
                        let void = ResponseFrame {
                            stream: 0,
                            extras: ResponseExtras::NONE,
                            response: Response::Result(ResultBody::Void),
                        };
                        return Ok((void, addr));
                    }
                    RetryDecision::RetrySameNode(cl) => {
                        retry_count += 1;
                        work.set_consistency(cl);
                    }
                    RetryDecision::RetryNextNode(cl) => {
                        retry_count += 1;
                        work.set_consistency(cl);
                        errors.push((addr, e));
                        continue 'nodes;
                    }
                }
            }
        }
        Err(DriverError::NoHostAvailable { errors })
    }

    /// Runs `work` on one connection: brings its keyspace in line with the session's, sends,
    /// maps ERROR responses, and re-prepares once on Unprepared.
    async fn run_on(
        &self,
        conn: &Connection,
        work: &Work<'_>,
        opts: &StatementOptions,
    ) -> Result<ResponseFrame, DriverError> {
        let timeout = opts.request_timeout.unwrap_or(self.inner.config.request_timeout);
        let keyspace = self.keyspace();
        if let Some(ks) = &keyspace {
            if conn.keyspace().as_ref() != Some(ks) {
                conn.use_keyspace(ks, timeout).await?;
            }
        }
        let request = match work {
            Work::Query { text, params } => Request::Query { query: (*text).to_owned(), params: params.clone() },
            Work::Execute { prepared, params } => {
                Request::Execute { id: prepared.id().to_vec(), params: params.clone() }
            }
            Work::Prepare { text } => Request::Prepare { query: (*text).to_owned() },
            Work::Batch(batch, _) => Request::Batch(batch.clone()),
        };
        let frame = conn.send(&request, opts.tracing, timeout).await?;
        let unprepared_id = match &frame.response {
            Response::Error(e) => match &e.kind {
                sibyl_protocol::ErrorKind::Unprepared { id } => id.clone(),
                _ => return Err(e.clone().into()),
            },
            _ => return Ok(frame),
        };
        // The node forgot a prepared statement (restart, cache eviction): prepare it again on
        // this connection and retry once with the id it returns.
        let retry = match (work, request) {
            (Work::Execute { prepared, .. }, Request::Execute { params, .. }) => {
                let id = self.reprepare(conn, prepared.text(), timeout).await?;
                Request::Execute { id, params }
            }
            (Work::Batch(_, batch), Request::Batch(mut request)) => {
                let Some(text) = batch.statements.iter().find_map(|s| match s {
                    BatchStatement::Prepared(p) if p.id() == unprepared_id.as_slice() => Some(p.text()),
                    _ => None,
                }) else {
                    return Err(unprepared_error(frame));
                };
                let id = self.reprepare(conn, text, timeout).await?;
                for s in &mut request.statements {
                    if matches!(&s.query, BatchQuery::Prepared(old) if *old == unprepared_id) {
                        s.query = BatchQuery::Prepared(id.clone());
                    }
                }
                Request::Batch(request)
            }
            _ => return Err(unprepared_error(frame)),
        };
        let frame = conn.send(&retry, opts.tracing, timeout).await?;
        match frame.response {
            Response::Error(e) => Err(e.into()),
            _ => Ok(frame),
        }
    }

    async fn reprepare(&self, conn: &Connection, text: &str, timeout: Duration) -> Result<Vec<u8>, DriverError> {
        tracing::debug!(addr = %conn.addr(), text, "re-preparing a statement the node does not know");
        let frame = conn.send(&Request::Prepare { query: text.to_owned() }, false, timeout).await?;
        match frame.response {
            Response::Result(ResultBody::Prepared(p)) => Ok(p.id),
            Response::Error(e) => Err(e.into()),
            other => Err(unexpected("PREPARE", &other)),
        }
    }

    /// Turns a RESULT into a [`QueryResult`]; `columns` stands in for rows sent without metadata.
    fn to_result(&self, frame: ResponseFrame, columns: Option<&Arc<[ColumnSpec]>>) -> Result<QueryResult, DriverError> {
        let mut result = QueryResult {
            warnings: frame.extras.warnings,
            tracing_id: frame.extras.tracing_id,
            ..QueryResult::default()
        };
        for w in &result.warnings {
            tracing::warn!(warning = %w, "server warning");
        }
        match frame.response {
            Response::Result(ResultBody::Rows(rows)) => {
                let specs: Arc<[ColumnSpec]> = match (rows.metadata.columns, columns) {
                    (Some(c), _) => c.into(),
                    (None, Some(c)) => Arc::clone(c),
                    (None, None) => Arc::from(Vec::new()),
                };
                result.paging_state = rows.metadata.paging_state.map(PagingState);
                result.rows = Some(rows.rows.into_iter().map(|cells| Row::new(Arc::clone(&specs), cells)).collect());
                result.columns = specs;
            }
            Response::Result(ResultBody::Void) => {}
            Response::Result(ResultBody::SetKeyspace(ks)) => {
                if let Ok(mut k) = self.inner.keyspace.write() {
                    *k = Some(ks.clone());
                }
                result.set_keyspace = Some(ks);
            }
            Response::Result(ResultBody::SchemaChange(sc)) => result.schema_change = Some(sc),
            Response::Result(ResultBody::Prepared(_)) => {
                return Err(DriverError::UnexpectedResponse { request: "statement", response: "PREPARED".into() })
            }
            Response::Error(e) => return Err(e.into()),
            other => return Err(unexpected("statement", &other)),
        }
        Ok(result)
    }
}

fn with_options(mut p: PreparedStatement, options: StatementOptions) -> PreparedStatement {
    *p.options_mut() = options;
    p
}

fn unexpected(request: &'static str, response: &Response) -> DriverError {
    DriverError::UnexpectedResponse { request, response: format!("{:?}", response.opcode()) }
}

fn unprepared_error(frame: ResponseFrame) -> DriverError {
    match frame.response {
        Response::Error(e) => e.into(),
        other => unexpected("EXECUTE", &other),
    }
}

/// Positional values must match the bind markers one to one (named ones are checked by the server).
fn check_value_count(prepared: &PreparedStatement, values: &BoundValues) -> Result<(), DriverError> {
    let expected = prepared.bind_specs().len();
    match values.as_values() {
        Values::Named(_) => Ok(()),
        v if v.len() == expected => Ok(()),
        v => Err(DriverError::InvalidArgument(format!(
            "{:?} has {expected} bind markers but {} values were given",
            prepared.text(),
            v.len()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use sibyl_protocol::WriteType;

    use super::*;

    #[test]
    fn errors_map_to_retry_failures() {
        let e = DriverError::WriteTimeout {
            consistency: Consistency::Quorum,
            received: 1,
            block_for: 2,
            write_type: WriteType::BatchLog,
            message: String::new(),
        };
        assert!(matches!(
            failure_of(&e),
            Some(Failure::Server(ErrorKind::WriteTimeout {
                received: 1,
                block_for: 2,
                write_type: WriteType::BatchLog,
                ..
            }))
        ));
        assert!(matches!(
            failure_of(&DriverError::Overloaded(String::new())),
            Some(Failure::Server(ErrorKind::Overloaded))
        ));
        let addr: SocketAddr = ([127, 0, 0, 1], 1).into();
        let broken = DriverError::ConnectionBroken { addr, reason: String::new() };
        assert!(matches!(failure_of(&broken), Some(Failure::Broken)));
        let timeout = DriverError::RequestTimeout { addr, timeout: Duration::from_secs(1) };
        assert!(matches!(failure_of(&timeout), Some(Failure::Timeout)));
        assert!(failure_of(&DriverError::Invalid(String::new())).is_none());
        assert!(failure_of(&DriverError::Syntax(String::new())).is_none());
    }

    #[test]
    fn a_retry_may_change_the_consistency() {
        let mut work = Work::Query { text: "q", params: QueryParameters::new(Consistency::Quorum) };
        work.set_consistency(None);
        assert_eq!(work.consistency(), Consistency::Quorum);
        work.set_consistency(Some(Consistency::One));
        assert_eq!(work.consistency(), Consistency::One);
        assert_eq!(Work::Prepare { text: "q" }.consistency(), Consistency::One);
    }
}
