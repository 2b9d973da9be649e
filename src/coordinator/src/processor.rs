//! The query processor: parses, plans (or takes a prepared plan), binds and executes statements
//! against the local storage engine.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use md5::{Digest, Md5};
use parking_lot::{Mutex, RwLock};
use sibyl_cql::ast::{BatchKind, Statement};
use sibyl_cql::parse_statement;
use sibyl_cql::plan::batch::{finish_batch, BatchPlan};
use sibyl_cql::plan::error::{invalid, CqlResult};
use sibyl_cql::plan::modify::ModificationPlan;
use sibyl_cql::plan::vars::BindCtx;
use sibyl_cql::plan::{plan, BoundValue, ColumnSpec, CqlError, Plan, Vars};
use sibyl_cql::schema::{Schema, TableDef};
use sibyl_storage::{Engine, EpochSeconds, Mutation};

use crate::cas::{bind_item, execute_cas, CasItem};
use crate::clock::{Clock, ExecEnv, Sequencer, SystemClock};
use crate::mapping::{self, storage_error};
use crate::prepared_cache::{PreparedCache, PREPARED_CACHE_BYTES};
use crate::read::execute_select;
use crate::result::{QueryOptions, QueryResult, Rows};
use crate::trace::{trace, Trace, Tracer};
use crate::write::{bind_attributes, bind_target, build_mutations, merge_mutations};

/// What the processor's parts share.
pub struct Inner {
    pub engine: Arc<Engine>,
    pub schema: RwLock<Arc<Schema>>,
    pub clock: Arc<dyn Clock>,
    pub sequencer: Sequencer,
    /// This processor's id in counter cell paths.
    pub node_id: u64,
    prepared: PreparedCache,
    /// Serializes read-before-write (conditions, list positions) with itself.
    pub lwt: Mutex<()>,
    /// What `DESCRIBE CLUSTER` reports.
    pub cluster_info: RwLock<crate::describe::ClusterInfo>,
    /// Whether `system.local` holds this node's row (then schema changes update its version).
    local_row: AtomicBool,
}

/// A prepared statement: parsed and planned once, executed many times.
#[derive(Debug)]
pub struct Prepared {
    /// MD5 of the keyspace and query text, as Cassandra computes prepared ids.
    pub id: [u8; 16],
    pub query: String,
    pub keyspace: Option<String>,
    pub plan: Plan,
    /// The schema the plan was made with (re-planned transparently when it changes).
    schema: Arc<Schema>,
}

impl Prepared {
    /// The bind markers' specifications.
    pub fn bind_specs(&self) -> &[ColumnSpec] {
        self.plan.bind_specs()
    }

    /// The bind indexes of the partition key columns (for token-aware routing).
    pub fn pk_indexes(&self) -> Vec<u16> {
        self.plan.pk_indexes()
    }

    /// The result metadata (for a `SELECT`).
    pub fn result_specs(&self) -> &[ColumnSpec] {
        self.plan.result_specs()
    }

    /// Whether a table the statement uses is gone from `schema` (dropped, with its keyspace or
    /// alone, possibly created again since: a new table): the statement must be prepared again.
    fn lost_a_table(&self, schema: &Arc<Schema>) -> bool {
        !Arc::ptr_eq(&self.schema, schema)
            && self
                .plan
                .tables()
                .iter()
                .any(|t| schema.table(t.keyspace(), t.name()).is_none_or(|now| now.id != t.def.id))
    }
}

/// A statement of a protocol `BATCH`.
#[derive(Debug, Clone)]
pub enum BatchItem {
    Query(String, Vec<BoundValue>),
    Prepared(Arc<Prepared>, Vec<BoundValue>),
}

/// Executes CQL statements against one storage engine.
#[derive(Clone)]
pub struct QueryProcessor {
    inner: Arc<Inner>,
}

fn prepared_id(keyspace: Option<&str>, query: &str) -> [u8; 16] {
    let mut h = Md5::new();
    if let Some(ks) = keyspace {
        h.update(ks.as_bytes());
    }
    h.update(query.as_bytes());
    h.finalize().into()
}

impl QueryProcessor {
    pub fn new(engine: Arc<Engine>, schema: Arc<Schema>) -> Self {
        Self::with_clock(engine, schema, Arc::new(SystemClock))
    }

    pub fn with_clock(engine: Arc<Engine>, schema: Arc<Schema>, clock: Arc<dyn Clock>) -> Self {
        QueryProcessor {
            inner: Arc::new(Inner {
                engine,
                schema: RwLock::new(schema),
                clock,
                sequencer: Sequencer::default(),
                node_id: rand::random(),
                prepared: PreparedCache::new(PREPARED_CACHE_BYTES),
                lwt: Mutex::new(()),
                cluster_info: RwLock::default(),
                local_row: AtomicBool::new(false),
            }),
        }
    }

    pub fn engine(&self) -> &Arc<Engine> {
        &self.inner.engine
    }

    pub fn schema(&self) -> Arc<Schema> {
        Arc::clone(&self.inner.schema.read())
    }

    /// Installs a new schema, creating storage for tables it adds.
    pub fn set_schema(&self, schema: Arc<Schema>) -> CqlResult<()> {
        let existing = self.inner.engine.table_ids();
        for ks in schema.keyspaces.values() {
            for t in ks.tables.values() {
                if existing.contains(&mapping::table_id(t)) {
                    self.alter_storage(t)?;
                } else {
                    self.create_storage(t)?;
                }
            }
        }
        *self.inner.schema.write() = Arc::clone(&schema);
        // Cassandra forgets the prepared statements of a dropped table or keyspace: executing
        // one gets Unprepared, and the driver prepares it again (against the table of the same
        // name if it was created again).
        self.inner.prepared.remove_if(|p| p.lost_a_table(&schema));
        if self.inner.local_row.load(Ordering::Acquire) {
            crate::local::write_schema_version(self)?;
        }
        Ok(())
    }

    /// From now on every schema change records its version in `system.local`.
    pub fn enable_local_row(&self) {
        self.inner.local_row.store(true, Ordering::Release);
    }

    /// Creates the storage of table `def` (a no-op if it exists with the same options).
    pub fn create_storage(&self, def: &TableDef) -> CqlResult<()> {
        self.inner.engine.create_table(mapping::table_id(def), mapping::table_options(def)).map_err(storage_error)
    }

    /// Gives the existing storage of table `def` the options `def` has now (after `ALTER TABLE
    /// ... WITH`, or on start if an alteration did not reach the engine): a no-op if unchanged.
    pub fn alter_storage(&self, def: &TableDef) -> CqlResult<()> {
        self.inner.engine.alter_table(mapping::table_id(def), mapping::table_options(def)).map_err(storage_error)
    }

    /// Parses, plans and executes `cql`.
    pub fn query(&self, cql: &str, options: &QueryOptions) -> CqlResult<QueryResult> {
        self.query_with(cql, options, &mut None)
    }

    /// [`QueryProcessor::query`], recording what it does in `trace`.
    pub fn query_traced(&self, cql: &str, options: &QueryOptions, trace: &mut Trace) -> CqlResult<QueryResult> {
        self.query_with(cql, options, &mut Some(trace))
    }

    /// The untraced or traced form, by whether `t` holds a trace.
    pub fn query_with(&self, cql: &str, options: &QueryOptions, t: &mut Tracer<'_>) -> CqlResult<QueryResult> {
        trace(&*self.inner.clock, t, || format!("Parsing {cql}"));
        let stmt = parse_statement(cql)?;
        if let Statement::Use(ks) = &stmt {
            if self.schema().keyspace(ks.as_str()).is_none() {
                return invalid(format!("Keyspace '{}' does not exist", ks.as_str()));
            }
            return Ok(QueryResult::SetKeyspace(ks.as_str().to_string()));
        }
        let schema = self.schema();
        trace(&*self.inner.clock, t, || "Preparing statement".into());
        let p = plan(&stmt, &schema, options.keyspace.as_deref())?;
        self.execute_plan(&p, options, t)
    }

    /// A new trace for a request starting now: its session id is a time-based uuid of now.
    pub fn start_trace(&self, thread: impl Into<String>) -> Trace {
        let now = self.inner.clock.now_micros();
        Trace::new(self.inner.sequencer.next_timeuuid(now.div_euclid(1000)), now, thread)
    }

    /// The processor's clock: microseconds since the Unix epoch.
    pub fn now_micros(&self) -> i64 {
        self.inner.clock.now_micros()
    }

    /// Prepares `cql` (cached by id).
    pub fn prepare(&self, cql: &str, keyspace: Option<&str>) -> CqlResult<Arc<Prepared>> {
        self.prepare_with(cql, keyspace, &mut None)
    }

    /// [`QueryProcessor::prepare`], recording what it does in `trace`.
    pub fn prepare_traced(&self, cql: &str, keyspace: Option<&str>, trace: &mut Trace) -> CqlResult<Arc<Prepared>> {
        self.prepare_with(cql, keyspace, &mut Some(trace))
    }

    /// The untraced or traced form, by whether `t` holds a trace.
    pub fn prepare_with(&self, cql: &str, keyspace: Option<&str>, t: &mut Tracer<'_>) -> CqlResult<Arc<Prepared>> {
        let id = prepared_id(keyspace, cql);
        let schema = self.schema();
        if let Some(p) = self.inner.prepared.get(&id) {
            if Arc::ptr_eq(&p.schema, &schema) {
                return Ok(p);
            }
        }
        trace(&*self.inner.clock, t, || format!("Parsing {cql}"));
        let stmt = parse_statement(cql)?;
        trace(&*self.inner.clock, t, || "Preparing statement".into());
        let plan = plan(&stmt, &schema, keyspace)?;
        let prepared =
            Arc::new(Prepared { id, query: cql.to_string(), keyspace: keyspace.map(str::to_string), plan, schema });
        self.inner.prepared.insert(Arc::clone(&prepared));
        Ok(prepared)
    }

    /// The prepared statement with this id.
    pub fn prepared(&self, id: &[u8]) -> CqlResult<Arc<Prepared>> {
        let key: Option<[u8; 16]> = id.try_into().ok();
        key.and_then(|k| self.inner.prepared.get(&k)).ok_or_else(|| unprepared(id))
    }

    /// Checks that a statement prepared before the current schema still has its tables; one
    /// that lost a table (the node dropped it from the cache at the time, but a caller may
    /// still hold it) is forgotten and `Unprepared`.
    fn check_tables(&self, prepared: &Arc<Prepared>, schema: &Arc<Schema>) -> CqlResult<()> {
        if prepared.lost_a_table(schema) {
            self.inner.prepared.remove(prepared);
            return Err(unprepared(&prepared.id));
        }
        Ok(())
    }

    /// Bounds the prepared statement cache to about `bytes` (Cassandra's
    /// `prepared_statements_cache_size`; [`PREPARED_CACHE_BYTES`] by default).
    pub fn set_prepared_cache_capacity(&self, bytes: usize) {
        self.inner.prepared.set_capacity(bytes);
    }

    /// The number of cached prepared statements and their estimated bytes.
    pub fn prepared_cache_usage(&self) -> (usize, usize) {
        self.inner.prepared.usage()
    }

    /// Executes a prepared statement.
    pub fn execute(&self, prepared: &Arc<Prepared>, options: &QueryOptions) -> CqlResult<QueryResult> {
        self.execute_with(prepared, options, &mut None)
    }

    /// [`QueryProcessor::execute`], recording what it does in `trace`.
    pub fn execute_traced(
        &self,
        prepared: &Arc<Prepared>,
        options: &QueryOptions,
        trace: &mut Trace,
    ) -> CqlResult<QueryResult> {
        self.execute_with(prepared, options, &mut Some(trace))
    }

    /// The untraced or traced form, by whether `t` holds a trace.
    pub fn execute_with(
        &self,
        prepared: &Arc<Prepared>,
        options: &QueryOptions,
        t: &mut Tracer<'_>,
    ) -> CqlResult<QueryResult> {
        let schema = self.schema();
        if Arc::ptr_eq(&prepared.schema, &schema) {
            return self.execute_plan(&prepared.plan, options, t);
        }
        self.check_tables(prepared, &schema)?;
        // The schema changed since (not the tables' identity): plan again (same markers unless
        // the statement broke).
        let stmt = parse_statement(&prepared.query)?;
        let p = plan(&stmt, &schema, prepared.keyspace.as_deref())?;
        self.execute_plan(&p, options, t)
    }

    /// Executes a protocol `BATCH` of statements each with its values.
    pub fn batch(&self, kind: BatchKind, items: &[BatchItem], options: &QueryOptions) -> CqlResult<QueryResult> {
        self.batch_with(kind, items, options, &mut None)
    }

    /// [`QueryProcessor::batch`], recording what it does in `trace`.
    pub fn batch_traced(
        &self,
        kind: BatchKind,
        items: &[BatchItem],
        options: &QueryOptions,
        trace: &mut Trace,
    ) -> CqlResult<QueryResult> {
        self.batch_with(kind, items, options, &mut Some(trace))
    }

    /// The untraced or traced form, by whether `t` holds a trace.
    pub fn batch_with(
        &self,
        kind: BatchKind,
        items: &[BatchItem],
        options: &QueryOptions,
        t: &mut Tracer<'_>,
    ) -> CqlResult<QueryResult> {
        let schema = self.schema();
        let mut plans = Vec::with_capacity(items.len());
        let mut values = Vec::new();
        for item in items {
            let (p, v) = match item {
                BatchItem::Query(q, v) => {
                    trace(&*self.inner.clock, t, || format!("Parsing {q}"));
                    let stmt = parse_statement(q)?;
                    (plan(&stmt, &schema, options.keyspace.as_deref())?, v)
                }
                BatchItem::Prepared(p, v) => {
                    let plan = if Arc::ptr_eq(&p.schema, &schema) {
                        p.plan.clone()
                    } else {
                        self.check_tables(p, &schema)?;
                        plan(&parse_statement(&p.query)?, &schema, p.keyspace.as_deref())?
                    };
                    (plan, v)
                }
            };
            let Plan::Modification(m) = p else {
                return invalid("Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed.");
            };
            if v.len() != m.vars.len() {
                return invalid("Invalid amount of bind variables");
            }
            values.extend(v.iter().cloned());
            plans.push(m);
        }
        let batch = finish_batch(kind, None, Vars::default(), plans)?;
        let opts = QueryOptions { values, names: None, ..options.clone() };
        self.execute_batch(&batch, &opts, t)
    }

    fn resolve_values<'o>(&self, vars: &Vars, options: &'o QueryOptions) -> CqlResult<Cow<'o, [BoundValue]>> {
        let Some(names) = &options.names else {
            if options.values.len() != vars.len() {
                return invalid("Invalid amount of bind variables");
            }
            return Ok(Cow::Borrowed(options.values.as_slice()));
        };
        if options.values.len() != vars.len() || names.len() != options.values.len() {
            return invalid("Invalid amount of bind variables");
        }
        let mut out = Vec::with_capacity(vars.len());
        for spec in vars.specs() {
            let Some(i) = names.iter().position(|n| *n == spec.name) else {
                return invalid(format!("No value provided for bind variable {}", spec.name));
            };
            out.push(options.values[i].clone());
        }
        Ok(Cow::Owned(out))
    }

    fn now(&self) -> (i64, EpochSeconds) {
        let micros = self.inner.clock.now_micros();
        (micros, u32::try_from(micros.div_euclid(1_000_000)).unwrap_or(0))
    }

    fn execute_plan(&self, p: &Plan, options: &QueryOptions, t: &mut Tracer<'_>) -> CqlResult<QueryResult> {
        match p {
            Plan::Use(ks) => Ok(QueryResult::SetKeyspace(ks.clone())),
            Plan::Other(stmt) => crate::ddl::execute_other(self, stmt, options),
            Plan::Select(s) => {
                let values = self.resolve_values(&s.vars, options)?;
                let (micros, now) = self.now();
                let mut env = ExecEnv { now_micros: micros, sequencer: &self.inner.sequencer };
                let mut ctx = BindCtx { values: &values, vars: &s.vars, env: &mut env };
                let (page_size, paging_state) = (options.page_size, options.paging_state.as_deref());
                let rows = execute_select(&self.inner, s, &mut ctx, now, page_size, paging_state, t)?;
                Ok(QueryResult::Rows(rows))
            }
            Plan::Modification(m) => {
                let values = self.resolve_values(&m.vars, options)?;
                self.execute_modification(m, &values, options, t)
            }
            Plan::Batch(b) => {
                let values = self.resolve_values(&b.vars, options)?;
                let opts = QueryOptions { values: values.into_owned(), names: None, ..options.clone() };
                self.execute_batch(b, &opts, t)
            }
        }
    }

    fn default_timestamp(&self, options: &QueryOptions, micros: i64) -> i64 {
        options.timestamp.unwrap_or_else(|| self.inner.sequencer.next_timestamp(micros))
    }

    fn execute_modification(
        &self,
        m: &ModificationPlan,
        values: &[BoundValue],
        options: &QueryOptions,
        t: &mut Tracer<'_>,
    ) -> CqlResult<QueryResult> {
        let (micros, now) = self.now();
        let mut env = ExecEnv { now_micros: micros, sequencer: &self.inner.sequencer };
        let mut ctx = BindCtx { values, vars: &m.vars, env: &mut env };
        let default_ts = self.default_timestamp(options, micros);
        if m.has_conditions() {
            let item = bind_item(m, &mut ctx, default_ts, now)?;
            return execute_cas(&self.inner, vec![item], std::slice::from_mut(&mut ctx), now, false);
        }
        let params = bind_attributes(m, &mut ctx, default_ts, now)?;
        let target = bind_target(m, &mut ctx)?;
        let _guard = m.requires_read().then(|| self.inner.lwt.lock());
        let mutations = build_mutations(&self.inner, m, &target, &params, &mut ctx)?;
        if t.is_some() {
            self.apply_traced(mutations, std::slice::from_ref(m), t)?;
        } else {
            self.apply_all(mutations)?;
        }
        Ok(QueryResult::Void)
    }

    fn apply_all(&self, mutations: Vec<Mutation>) -> CqlResult<()> {
        for mutation in mutations {
            self.inner.engine.apply(&mutation).map_err(storage_error)?;
        }
        Ok(())
    }

    /// [`QueryProcessor::apply_all`] with the events Cassandra traces for a local write;
    /// `plans` name the tables written.
    fn apply_traced(&self, mutations: Vec<Mutation>, plans: &[ModificationPlan], t: &mut Tracer<'_>) -> CqlResult<()> {
        let clock = &*self.inner.clock;
        trace(clock, t, || "Determining replicas for mutation".into());
        for mutation in mutations {
            let table = plans
                .iter()
                .find(|p| mapping::table_id(&p.table.def) == mutation.table)
                .map_or("?", |p| p.table.name());
            trace(clock, t, || "Appending to commitlog".into());
            self.inner.engine.apply(&mutation).map_err(storage_error)?;
            trace(clock, t, || format!("Adding to {table} memtable"));
        }
        Ok(())
    }

    fn execute_batch(&self, b: &BatchPlan, options: &QueryOptions, t: &mut Tracer<'_>) -> CqlResult<QueryResult> {
        let (micros, now) = self.now();
        let mut env = ExecEnv { now_micros: micros, sequencer: &self.inner.sequencer };
        let values = &options.values;
        let mut batch_ts = self.default_timestamp(options, micros);
        if let Some(t) = &b.timestamp {
            let mut ctx = BindCtx { values, vars: &b.vars, env: &mut env };
            if let sibyl_cql::plan::vars::Bound::Bytes(v) = t.bind(&mut ctx)? {
                batch_ts = sibyl_cql::plan::vars::bound_bigint(&sibyl_cql::plan::vars::Bound::Bytes(v))
                    .ok_or_else(|| CqlError::invalid("Invalid timestamp value"))?;
            } else {
                return invalid("Invalid null value of timestamp");
            }
        }
        let slice_of = |i: usize, s: &ModificationPlan| -> CqlResult<&[BoundValue]> {
            let start = b.offsets.get(i).copied().unwrap_or(0);
            values.get(start..start + s.vars.len()).ok_or_else(|| CqlError::invalid("Invalid amount of bind variables"))
        };
        if b.has_conditions() {
            let mut envs: Vec<ExecEnv<'_>> =
                b.statements.iter().map(|_| ExecEnv { now_micros: micros, sequencer: &self.inner.sequencer }).collect();
            let mut ctxs = Vec::with_capacity(b.statements.len());
            for ((i, s), env) in b.statements.iter().enumerate().zip(envs.iter_mut()) {
                ctxs.push(BindCtx { values: slice_of(i, s)?, vars: &s.vars, env });
            }
            let mut items: Vec<CasItem<'_>> = Vec::with_capacity(b.statements.len());
            for (s, ctx) in b.statements.iter().zip(ctxs.iter_mut()) {
                items.push(bind_item(s, ctx, batch_ts, now)?);
            }
            return execute_cas(&self.inner, items, &mut ctxs, now, true);
        }
        let mut mutations = Vec::new();
        let _guard = b.statements.iter().any(ModificationPlan::requires_read).then(|| self.inner.lwt.lock());
        for (i, s) in b.statements.iter().enumerate() {
            let mut ctx = BindCtx { values: slice_of(i, s)?, vars: &s.vars, env: &mut env };
            let params = bind_attributes(s, &mut ctx, batch_ts, now)?;
            let target = bind_target(s, &mut ctx)?;
            mutations.extend(build_mutations(&self.inner, s, &target, &params, &mut ctx)?);
        }
        if t.is_some() {
            self.apply_traced(merge_mutations(mutations), &b.statements, t)?;
        } else {
            self.apply_all(merge_mutations(mutations))?;
        }
        Ok(QueryResult::Void)
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }
}

/// Cassandra's error for a statement id the node does not know.
fn unprepared(id: &[u8]) -> CqlError {
    CqlError::Unprepared {
        id: id.to_vec(),
        message: format!(
            "Prepared query with ID {} not found (either the query was not prepared on this host (maybe the host has \
             been restarted?) or you have prepared too many queries and it has been evicted from the internal cache)",
            hex(id)
        ),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Rows of a result as a convenience for callers that expect rows.
pub fn expect_rows(r: QueryResult) -> CqlResult<Rows> {
    match r {
        QueryResult::Rows(r) => Ok(r),
        other => Err(CqlError::Server(format!("expected rows, got {other:?}"))),
    }
}
