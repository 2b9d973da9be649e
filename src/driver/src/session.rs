//! [`Session`]: runs statements on the cluster's connections.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use sibyl_protocol::{
    BatchQuery, ColumnSpec, Event, EventType, QueryParameters, Request, Response, ResponseFrame, ResultBody, Values,
};
use tokio::sync::broadcast;

use crate::builder::{SessionConfig, MAX_PREPARED_CACHE_ENTRIES};
use crate::cluster::Cluster;
use crate::connection::{Connection, ConnectionConfig};
use crate::error::DriverError;
use crate::paging::{PagedTarget, RowStream};
use crate::row::{PagingState, QueryResult, Row};
use crate::statement::{Batch, BatchStatement, BoundValues, PreparedStatement, Statement, StatementOptions};

/// Events buffered per subscriber before the oldest are dropped.
const EVENT_CHANNEL_CAPACITY: usize = 1024;

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
}

/// What one request does on one connection.
enum Work<'a> {
    Query { text: &'a str, params: QueryParameters },
    Execute { prepared: &'a PreparedStatement, params: QueryParameters },
    Prepare { text: &'a str },
    Batch(sibyl_protocol::Batch, &'a Batch),
}

impl Session {
    pub(crate) async fn connect(config: SessionConfig) -> Result<Session, DriverError> {
        let cluster = Cluster::new();
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
        let session = Session {
            inner: Arc::new(SessionInner {
                keyspace: RwLock::new(config.keyspace.clone()),
                config,
                cluster,
                prepared: Mutex::new(HashMap::new()),
                events,
            }),
        };
        let mut errors = Vec::new();
        let mut connected = 0;
        for node in session.inner.cluster.nodes() {
            match node.connection(&session.connection_config(node.is_control())).await {
                Ok(_) => connected += 1,
                Err(e) => errors.push((node.addr(), e)),
            }
        }
        if connected == 0 {
            return Err(DriverError::NoHostAvailable { errors });
        }
        Ok(session)
    }

    fn connection_config(&self, control: bool) -> ConnectionConfig {
        let c = &self.inner.config;
        let subscribe = control && c.subscribe_events;
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
        let params = self.params(opts, values.0, page_size, paging_state);
        let frame = self.run(Work::Query { text: &statement.text, params }, opts).await?;
        self.to_result(frame, None)
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
        let frame = self.run(Work::Prepare { text: &statement.text }, &opts).await?;
        let prepared = match frame.response {
            Response::Result(ResultBody::Prepared(p)) => {
                PreparedStatement::new(statement.text.clone(), key.0.clone(), p.id, p.metadata, p.result_metadata)
            }
            Response::Error(e) => return Err(e.into()),
            other => return Err(unexpected("PREPARE", &other)),
        };
        if let Ok(mut cache) = self.inner.prepared.lock() {
            if cache.len() < MAX_PREPARED_CACHE_ENTRIES {
                cache.insert(key, prepared.clone());
            }
        }
        Ok(with_options(prepared, statement.options().clone()))
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
        check_value_count(prepared, &values)?;
        let opts = prepared.options();
        let params = self.params(opts, values.0, page_size, paging_state);
        let frame = self.run(Work::Execute { prepared, params }, opts).await?;
        self.to_result(frame, Some(&prepared.inner.result_columns))
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
            let query = match s {
                BatchStatement::Query(text) => BatchQuery::Query(text.clone()),
                BatchStatement::Prepared(p) => {
                    check_value_count(p, &v)?;
                    BatchQuery::Prepared(p.id().to_vec())
                }
            };
            statements.push(sibyl_protocol::BatchStatement { query, values: v.into_positional()? });
        }
        let request = sibyl_protocol::Batch {
            batch_type: batch.batch_type,
            statements,
            consistency: opts.consistency.unwrap_or(self.inner.config.consistency),
            serial_consistency: opts.serial_consistency.or(self.inner.config.serial_consistency),
            default_timestamp: opts.timestamp,
        };
        let frame = self.run(Work::Batch(request, batch), opts).await?;
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

    /// Runs `work` along the query plan. A node whose connection cannot be opened is skipped;
    /// a connection error during an idempotent request moves on to the next node (or a fresh
    /// connection to the same node, in a second round). Server errors are returned as they are.
    ///
    /// Extension point: the retry and load-balancing policies replace this fixed rule.
    async fn run(&self, work: Work<'_>, opts: &StatementOptions) -> Result<ResponseFrame, DriverError> {
        let mut errors: Vec<(SocketAddr, DriverError)> = Vec::new();
        let rounds = if opts.idempotent { 2 } else { 1 };
        for _ in 0..rounds {
            for node in self.inner.cluster.plan() {
                let conn = match node.connection(&self.connection_config(node.is_control())).await {
                    Ok(c) => c,
                    Err(e) => {
                        errors.push((node.addr(), e));
                        continue;
                    }
                };
                match self.run_on(&conn, &work, opts).await {
                    // The request may or may not have run: only idempotent ones go again.
                    Err(e) if e.is_connection_error() && opts.idempotent => errors.push((node.addr(), e)),
                    other => return other,
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
