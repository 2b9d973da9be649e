//! The Rust `scylla` crate (1.9, CLIENTS.md §2.1 and §4 (c)) against a `sibyl` process:
//! the session connects and loads cluster metadata, DDL returns after schema agreement,
//! prepared statements route by token and page, every consistency level is accepted, batches
//! work, and errors arrive with the codes the driver maps to `DbError` variants.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::cluster::metadata::{CollectionType, ColumnKind, ColumnType, NativeType, Strategy};
use scylla::errors::{DbError, ExecutionError, PrepareError, RequestAttemptError};
use scylla::response::{PagingState, PagingStateResponse};
use scylla::statement::batch::{Batch, BatchType};
use scylla::statement::prepared::PreparedStatement;
use scylla::statement::{Consistency, Statement};
use scylla::value::MaybeUnset;
use scylla::{DeserializeRow, SerializeRow};
use tracing_subscriber::layer::SubscriberExt;

use sibyl_testkit::NodeProcess;

/// Rows written and read back by the paging test.
const ROWS: i32 = 5_000;
/// Partitions of the wide table in the paging test (`ROWS / PARTITIONS` rows each).
const PARTITIONS: i32 = 10;
const PAGE: i32 = 100;

/// A one-node `sibyl` and a connected session. The node goes when this is dropped.
struct Fixture {
    session: Session,
    node: NodeProcess,
    /// WARN and ERROR events the driver logged (it logs, and carries on, when it dislikes
    /// what a server sent: metadata it cannot parse, a failed control-connection query, …).
    driver_warnings: Arc<Mutex<Vec<String>>>,
    _subscriber: tracing::subscriber::DefaultGuard,
}

/// Starts a node and connects a session to it. The tests run on tokio's current-thread
/// runtime, so the driver's tasks all run on the test's thread and its log events reach the
/// thread-local subscriber installed here.
async fn connect(cluster_name: &str) -> Fixture {
    let driver_warnings = Arc::new(Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::registry().with(WarningCollector(driver_warnings.clone()));
    let _subscriber = tracing::subscriber::set_default(subscriber);
    let node = NodeProcess::options().prefix("sibyl-compat-").cluster_name(cluster_name).start();
    let started = Instant::now();
    let session = match SessionBuilder::new().known_node(node.addr.to_string()).build().await {
        Ok(s) => s,
        Err(e) => panic!("the scylla session could not connect to {}: {e}", node.addr),
    };
    assert!(started.elapsed() < Duration::from_secs(10), "connecting took {:?}", started.elapsed());
    Fixture { session, node, driver_warnings, _subscriber }
}

impl Fixture {
    /// The end of a test: the driver logged no warning, and the node exits cleanly on
    /// SIGTERM having logged no error (it logs every request that failed inside it and every
    /// handler panic at ERROR).
    fn finish(self) {
        let Fixture { session, mut node, driver_warnings, _subscriber } = self;
        drop(session);
        let warnings = driver_warnings.lock().unwrap().clone();
        assert!(warnings.is_empty(), "the scylla driver logged warnings:\n{}", warnings.join("\n"));
        let status = node.stop();
        assert!(status.is_some_and(|s| s.success()), "sibyl did not exit cleanly after SIGTERM: {status:?}");
        let log = node.log();
        let errors: Vec<&str> = log.lines().filter(|l| l.contains(" ERROR ") || l.contains("panicked")).collect();
        assert!(errors.is_empty(), "the node logged errors:\n{}", errors.join("\n"));
    }
}

/// Records the WARN and ERROR events of the `scylla` crates.
struct WarningCollector(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for WarningCollector {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: tracing_subscriber::layer::Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() <= tracing::Level::WARN && meta.target().starts_with("scylla") {
            struct Fields(String);
            impl tracing::field::Visit for Fields {
                fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                    self.0.push_str(&format!(" {}={value:?}", field.name()));
                }
            }
            let mut fields = Fields(String::new());
            event.record(&mut fields);
            let line = format!("{} {}:{}", meta.level(), meta.target(), fields.0);
            eprintln!("driver: {line}");
            self.0.lock().unwrap().push(line);
        }
    }
}

/// A DDL statement through `query_unpaged`: must succeed (the driver awaits schema agreement
/// before returning). Returns how long it took.
async fn ddl(session: &Session, cql: &str) -> Duration {
    let started = Instant::now();
    if let Err(e) = session.query_unpaged(cql, &[]).await {
        panic!("{cql}: {e}");
    }
    started.elapsed()
}

/// The server error and its message inside a driver error, if it is one.
fn db_error(e: &ExecutionError) -> Option<(&DbError, &str)> {
    match e {
        ExecutionError::LastAttemptError(RequestAttemptError::DbError(db, msg)) => Some((db, msg.as_str())),
        ExecutionError::PrepareError(PrepareError::AllAttemptsFailed {
            first_attempt: RequestAttemptError::DbError(db, msg),
        }) => Some((db, msg.as_str())),
        _ => None,
    }
}

fn prepare_db_error(e: &PrepareError) -> Option<(&DbError, &str)> {
    match e {
        PrepareError::AllAttemptsFailed { first_attempt: RequestAttemptError::DbError(db, msg) } => {
            Some((db, msg.as_str()))
        }
        _ => None,
    }
}

fn native(t: NativeType) -> ColumnType<'static> {
    ColumnType::Native(t)
}

async fn create_keyspace(session: &Session, ks: &str) {
    ddl(
        session,
        &format!("CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"),
    )
    .await;
}

#[tokio::test]
async fn session_connects_and_loads_cluster_metadata() {
    let fx = connect("compat metadata").await;
    let (session, node) = (&fx.session, &fx.node);
    create_keyspace(session, "meta").await;
    ddl(
        session,
        "CREATE TABLE meta.events (tenant text, day int, seq bigint, at timestamp, payload blob, \
         tags set<text>, attrs map<text, int>, history list<double>, flag boolean, id uuid, \
         PRIMARY KEY ((tenant, day), seq, at)) WITH CLUSTERING ORDER BY (seq DESC, at ASC)",
    )
    .await;
    ddl(session, "CREATE TABLE meta.kv (k int PRIMARY KEY, v text)").await;
    ddl(
        session,
        "CREATE KEYSPACE meta_nts WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 1} \
         AND durable_writes = false",
    )
    .await;
    session.refresh_metadata().await.unwrap();

    let state = session.get_cluster_state();
    assert_eq!(state.cluster_name(), "compat metadata", "cluster_name from system.local");

    // The node and its ring (system.local: host_id, rpc_address, data_center, rack, tokens).
    let nodes = state.get_nodes_info();
    assert_eq!(nodes.len(), 1, "one node, no peers: {nodes:?}");
    let n = &nodes[0];
    assert!(!n.host_id.is_nil(), "host_id");
    assert_eq!(n.address.ip(), node.addr.ip(), "rpc_address");
    assert_eq!(n.address.port(), node.addr.port());
    assert!(n.datacenter.as_deref().is_some_and(|dc| !dc.is_empty()), "data_center: {:?}", n.datacenter);
    assert!(n.rack.as_deref().is_some_and(|r| !r.is_empty()), "rack: {:?}", n.rack);
    let ring = state.replica_locator().ring();
    assert!(!ring.is_empty(), "the token ring is empty: system.local tokens were not loaded");
    assert!(ring.iter().all(|(_, owner)| owner.host_id == n.host_id));
    let tokens: Vec<i64> = ring.iter().map(|(t, _)| t.value()).collect();
    assert!(tokens.windows(2).all(|w| w[0] < w[1]), "ring tokens are distinct and sorted");

    // Keyspaces and their replication.
    let ks = state.get_keyspace("meta").expect("keyspace meta in metadata");
    assert_eq!(ks.strategy, Strategy::SimpleStrategy { replication_factor: 1 });
    assert!(ks.durable_writes);
    let nts = state.get_keyspace("meta_nts").expect("keyspace meta_nts in metadata");
    match &nts.strategy {
        Strategy::NetworkTopologyStrategy { datacenter_repfactors } => {
            assert_eq!(datacenter_repfactors.get("datacenter1"), Some(&1), "{datacenter_repfactors:?}")
        }
        other => panic!("meta_nts strategy: {other:?}"),
    }
    assert!(!nts.durable_writes, "durable_writes = false");
    assert!(state.get_keyspace("system").is_some(), "system keyspace in metadata");
    assert!(state.get_keyspace("system_schema").is_some(), "system_schema keyspace in metadata");

    // Tables, columns with types and kinds, key columns in order.
    let events = ks.tables.get("events").expect("meta.events in metadata");
    assert_eq!(events.partition_key, ["tenant", "day"]);
    assert_eq!(events.clustering_key, ["seq", "at"]);
    let expected: BTreeMap<&str, (ColumnType<'static>, ColumnKind)> = [
        ("tenant", (native(NativeType::Text), ColumnKind::PartitionKey)),
        ("day", (native(NativeType::Int), ColumnKind::PartitionKey)),
        ("seq", (native(NativeType::BigInt), ColumnKind::Clustering)),
        ("at", (native(NativeType::Timestamp), ColumnKind::Clustering)),
        ("payload", (native(NativeType::Blob), ColumnKind::Regular)),
        (
            "tags",
            (
                ColumnType::Collection { frozen: false, typ: CollectionType::Set(Box::new(native(NativeType::Text))) },
                ColumnKind::Regular,
            ),
        ),
        (
            "attrs",
            (
                ColumnType::Collection {
                    frozen: false,
                    typ: CollectionType::Map(Box::new(native(NativeType::Text)), Box::new(native(NativeType::Int))),
                },
                ColumnKind::Regular,
            ),
        ),
        (
            "history",
            (
                ColumnType::Collection {
                    frozen: false,
                    typ: CollectionType::List(Box::new(native(NativeType::Double))),
                },
                ColumnKind::Regular,
            ),
        ),
        ("flag", (native(NativeType::Boolean), ColumnKind::Regular)),
        ("id", (native(NativeType::Uuid), ColumnKind::Regular)),
    ]
    .into_iter()
    .collect();
    let actual: BTreeMap<&str, (ColumnType<'static>, ColumnKind)> =
        events.columns.iter().map(|(name, c)| (name.as_str(), (c.typ.clone(), c.kind.clone()))).collect();
    assert_eq!(actual, expected, "meta.events columns");

    let kv = ks.tables.get("kv").expect("meta.kv in metadata");
    assert_eq!(kv.partition_key, ["k"]);
    assert!(kv.clustering_key.is_empty());
    assert_eq!(kv.columns.len(), 2);
    assert_eq!(kv.columns["k"].typ, native(NativeType::Int));
    assert_eq!(kv.columns["v"].typ, native(NativeType::Text));
    assert_eq!(kv.columns["v"].kind, ColumnKind::Regular);

    // The driver routes a key to the node owning its token.
    let token = state.compute_token("meta", "kv", &(1_i32,)).unwrap();
    assert_eq!(token.value(), -4069959284402364209, "Murmur3 token of int 1 (CLIENTS.md §0)");
    let replicas = state.get_token_endpoints("meta", "kv", token);
    assert_eq!(replicas.len(), 1);
    assert_eq!(replicas[0].0.host_id, n.host_id);

    fx.finish();
}

/// Awaits schema agreement (as the driver does after DDL) and checks it holds; returns the
/// agreed schema version.
async fn agreed(session: &Session, what: &str) -> String {
    let v = session.await_schema_agreement().await.unwrap_or_else(|e| panic!("after {what}: {e}"));
    assert_eq!(session.check_schema_agreement().await.unwrap(), Some(v), "after {what}");
    v.to_string()
}

#[tokio::test]
async fn ddl_returns_after_schema_agreement() {
    let fx = connect("compat ddl").await;
    let session = &fx.session;
    let mut versions = vec![agreed(session, "connecting").await];
    let statements = [
        "CREATE KEYSPACE ddl WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TABLE ddl.t (k int, c int, v text, PRIMARY KEY (k, c))",
        "ALTER TABLE ddl.t ADD extra bigint",
        "ALTER TABLE ddl.t WITH gc_grace_seconds = 3600",
        "ALTER TABLE ddl.t DROP v",
        "CREATE TABLE ddl.gone (k int PRIMARY KEY)",
        "DROP TABLE ddl.gone",
    ];
    for cql in statements {
        let took = ddl(session, cql).await;
        // The driver polls schema_version every 200 ms; an answer that never agrees would
        // only fail after 60 s.
        assert!(took < Duration::from_secs(5), "{cql} took {took:?}");
        versions.push(agreed(session, cql).await);
    }
    // Every change moves the schema version (sibyl's version is a digest of the schema, so
    // CREATE + DROP of the same table brings an earlier version back; drivers only compare
    // versions across nodes).
    assert!(versions.windows(2).all(|w| w[0] != w[1]), "schema versions {versions:?}");

    // No-op DDL succeeds too.
    ddl(
        session,
        "CREATE KEYSPACE IF NOT EXISTS ddl WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
    )
    .await;
    ddl(session, "CREATE TABLE IF NOT EXISTS ddl.t (k int PRIMARY KEY)").await;
    ddl(session, "DROP TABLE IF EXISTS ddl.never").await;

    session.refresh_metadata().await.unwrap();
    let state = session.get_cluster_state();
    let ks = state.get_keyspace("ddl").expect("keyspace ddl");
    let t = ks.tables.get("t").expect("table ddl.t");
    let columns: BTreeSet<&str> = t.columns.keys().map(String::as_str).collect();
    assert_eq!(columns, BTreeSet::from(["k", "c", "extra"]), "after ADD extra and DROP v");
    assert_eq!(t.columns["extra"].typ, native(NativeType::BigInt));
    assert!(!ks.tables.contains_key("gone"), "dropped table still in metadata");

    // The table works after the ALTERs.
    session.query_unpaged("INSERT INTO ddl.t (k, c, extra) VALUES (1, 2, 3)", &[]).await.unwrap();
    let rows = session.query_unpaged("SELECT k, c, extra FROM ddl.t WHERE k = 1", &[]).await.unwrap();
    let rows = rows.into_rows_result().unwrap();
    assert_eq!(
        rows.rows::<(i32, i32, Option<i64>)>().unwrap().map(Result::unwrap).collect::<Vec<_>>(),
        [(1, 2, Some(3))]
    );

    ddl(session, "DROP KEYSPACE ddl").await;
    session.await_schema_agreement().await.unwrap();
    session.refresh_metadata().await.unwrap();
    assert!(session.get_cluster_state().get_keyspace("ddl").is_none(), "dropped keyspace still in metadata");
    fx.finish();
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, SerializeRow, DeserializeRow)]
struct WideRow {
    p: i32,
    c: i32,
    v: String,
}

fn wide_row(i: i32) -> WideRow {
    WideRow { p: i % PARTITIONS, c: i / PARTITIONS, v: format!("value-{i}") }
}

/// Pages of a prepared statement fetched by hand: returns every row and each page's size.
async fn manual_pages<R>(
    session: &Session,
    stmt: &PreparedStatement,
    values: impl scylla::serialize::row::SerializeRow + Copy,
) -> (Vec<R>, Vec<usize>)
where
    R: for<'f, 'm> scylla::deserialize::row::DeserializeRow<'f, 'm>,
{
    let mut rows = Vec::new();
    let mut sizes = Vec::new();
    let mut state = PagingState::start();
    loop {
        let (result, response) = session.execute_single_page(stmt, values, state).await.unwrap();
        let result = result.into_rows_result().unwrap();
        sizes.push(result.rows_num());
        rows.extend(result.rows::<R>().unwrap().map(Result::unwrap));
        assert!(sizes.len() <= 1000, "paging does not end");
        match response.into_paging_control_flow() {
            ControlFlow::Break(()) => break,
            ControlFlow::Continue(next) => state = next,
        }
    }
    (rows, sizes)
}

/// Each page holds `PAGE` rows except the last (which may be empty, as Cassandra's can be
/// when the rows end exactly at a page boundary).
fn assert_page_sizes(sizes: &[usize], total: usize, what: &str) {
    assert_eq!(sizes.iter().sum::<usize>(), total, "{what}: page sizes {sizes:?}");
    let (last, full) = sizes.split_last().unwrap();
    assert!(full.iter().all(|&s| s == PAGE as usize), "{what}: page sizes {sizes:?}");
    assert!(*last <= PAGE as usize, "{what}: page sizes {sizes:?}");
}

#[tokio::test]
async fn prepared_statements_route_by_token_and_page() {
    let fx = connect("compat prepared").await;
    let session = &fx.session;
    create_keyspace(session, "prep").await;
    ddl(session, "CREATE TABLE prep.kv (k int PRIMARY KEY, v text)").await;
    ddl(session, "CREATE TABLE prep.wide (p int, c int, v text, PRIMARY KEY (p, c))").await;
    ddl(session, "CREATE TABLE prep.comp (a int, b text, c int, v int, PRIMARY KEY ((a, b), c))").await;

    // Positional markers; the partition key's marker is reported for token-aware routing.
    let insert_kv = session.prepare("INSERT INTO prep.kv (k, v) VALUES (?, ?)").await.unwrap();
    let select_kv = session.prepare("SELECT k, v FROM prep.kv WHERE k = ?").await.unwrap();
    let token_kv = session.prepare("SELECT token(k) FROM prep.kv WHERE k = ?").await.unwrap();
    for stmt in [&insert_kv, &select_kv, &token_kv] {
        let idx = stmt.get_variable_pk_indexes();
        assert_eq!(idx.len(), 1, "pk indexes of {}: {idx:?}", stmt.get_statement());
        assert_eq!((idx[0].index, idx[0].sequence), (0, 0));
        assert!(stmt.is_token_aware(), "{}", stmt.get_statement());
        assert_eq!(stmt.get_keyspace_name(), Some("prep"));
        assert_eq!(stmt.get_table_name(), Some("kv"));
    }
    let specs = insert_kv.get_variable_col_specs();
    let names: Vec<&str> = specs.iter().map(|s| s.name()).collect();
    assert_eq!(names, ["k", "v"]);
    assert_eq!(
        specs.iter().map(|s| s.typ().clone()).collect::<Vec<_>>(),
        [native(NativeType::Int), native(NativeType::Text)]
    );

    // The result metadata of a prepared SELECT.
    let result_specs = select_kv.get_current_result_set_col_specs();
    let result: Vec<(String, ColumnType<'static>)> =
        result_specs.get().iter().map(|s| (s.name().to_string(), s.typ().clone())).collect();
    assert_eq!(result, [("k".to_string(), native(NativeType::Int)), ("v".to_string(), native(NativeType::Text))]);
    assert_eq!(result_specs.get().get_by_index(0).map(|s| s.table_spec().ks_name()), Some("prep"));

    // Preparing again gives the same id (MD5 of keyspace + query text).
    let again = session.prepare("INSERT INTO prep.kv (k, v) VALUES (?, ?)").await.unwrap();
    assert_eq!(again.get_id(), insert_kv.get_id());

    // The driver's token of a key is the server's token(k) (on a table of its own, so the
    // scans below see only their rows).
    ddl(session, "CREATE TABLE prep.tok (k int PRIMARY KEY, v text)").await;
    let insert_tok = session.prepare("INSERT INTO prep.tok (k, v) VALUES (?, ?)").await.unwrap();
    let state = session.get_cluster_state();
    for k in [1_i32, 0, -1, 42, i32::MAX, i32::MIN] {
        // token(k) of a key without a row is no row at all, so write it first.
        session.execute_unpaged(&insert_tok, (k, "t")).await.unwrap();
        let rows = session
            .query_unpaged(format!("SELECT token(k) FROM prep.tok WHERE k = {k}"), ())
            .await
            .unwrap()
            .into_rows_result()
            .unwrap();
        let server = rows.single_row::<(i64,)>().unwrap().0;
        let driver = select_kv.calculate_token(&(k,)).unwrap().expect("token-aware").value();
        assert_eq!(driver, server, "token of k = {k}: driver vs SELECT token(k)");
        assert_eq!(insert_tok.calculate_token(&(k, "t")).unwrap().map(|t| t.value()), Some(server));
        assert_eq!(state.compute_token("prep", "kv", &(k,)).unwrap().value(), server);
        if k == 1 {
            assert_eq!(server, -4069959284402364209);
        }
    }
    // The same through a prepared SELECT token(k).
    let rows = session.execute_unpaged(&token_kv, (1_i32,)).await.unwrap().into_rows_result().unwrap();
    assert_eq!(rows.rows_num(), 0, "token(k) of a key without a row");

    // A composite partition key bound out of order: pk indexes follow the key's order.
    let insert_comp = session.prepare("INSERT INTO prep.comp (c, b, a, v) VALUES (?, ?, ?, ?)").await.unwrap();
    let mut idx: Vec<(u16, u16)> =
        insert_comp.get_variable_pk_indexes().iter().map(|i| (i.sequence, i.index)).collect();
    idx.sort();
    assert_eq!(idx, [(0, 2), (1, 1)], "(sequence, marker index) for a, b");
    session.execute_unpaged(&insert_comp, (7_i32, "bee", 5_i32, 9_i32)).await.unwrap();
    let token_comp = session.prepare("SELECT token(a, b) FROM prep.comp WHERE a = ? AND b = ?").await.unwrap();
    let server = session
        .execute_unpaged(&token_comp, (5_i32, "bee"))
        .await
        .unwrap()
        .into_rows_result()
        .unwrap()
        .single_row::<(i64,)>()
        .unwrap()
        .0;
    let driver = insert_comp.calculate_token(&(7_i32, "bee", 5_i32, 9_i32)).unwrap().unwrap().value();
    assert_eq!(driver, server, "composite partition key token: driver vs SELECT token(a, b)");

    // Named markers: reported by name, bound by name (the derive matches names).
    let insert_wide = session.prepare("INSERT INTO prep.wide (p, c, v) VALUES (:p, :c, :v)").await.unwrap();
    let names: Vec<String> = insert_wide.get_variable_col_specs().iter().map(|s| s.name().to_string()).collect();
    assert_eq!(names, ["p", "c", "v"]);
    assert_eq!(insert_wide.get_variable_pk_indexes().len(), 1);
    let named_select = session.prepare("SELECT p, c, v FROM prep.wide WHERE p = :pk AND c = :ck").await.unwrap();
    let names: Vec<String> = named_select.get_variable_col_specs().iter().map(|s| s.name().to_string()).collect();
    assert_eq!(names, ["pk", "ck"]);
    assert_eq!(named_select.get_variable_pk_indexes().len(), 1);

    // 5,000 rows: wide (10 partitions × 500 rows) through named markers, kv through `?`.
    let started = Instant::now();
    futures::stream::iter(0..ROWS)
        .map(|i| {
            let (insert_wide, insert_kv, session) = (&insert_wide, &insert_kv, &session);
            async move {
                session.execute_unpaged(insert_wide, wide_row(i)).await?;
                session.execute_unpaged(insert_kv, (i, format!("kv-{i}"))).await
            }
        })
        .buffer_unordered(32)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    eprintln!("compat: wrote {} rows in {:?}", 2 * ROWS, started.elapsed());

    // Point reads: typed rows, a derived row struct, and a named-marker statement.
    let row = session.execute_unpaged(&select_kv, (42,)).await.unwrap().into_rows_result().unwrap();
    let typed: Vec<(i32, String)> = row.rows::<(i32, String)>().unwrap().map(Result::unwrap).collect();
    assert_eq!(typed, [(42, "kv-42".to_string())]);
    let got = session
        .execute_unpaged(&named_select, (3_i32, 17_i32))
        .await
        .unwrap()
        .into_rows_result()
        .unwrap()
        .single_row::<WideRow>()
        .unwrap();
    assert_eq!(got, wide_row(17 * PARTITIONS + 3));

    // An unprepared statement with values (the driver prepares it), and USE: unqualified names
    // resolve against the session's keyspace, for QUERY and PREPARE alike.
    session.query_unpaged("INSERT INTO prep.tok (k, v) VALUES (?, ?)", (77_i32, "with values")).await.unwrap();
    // (The driver sends `USE PREP` and checks the Set_keyspace reply names it, ignoring case.)
    session.use_keyspace("PREP", false).await.unwrap();
    let unqualified = session.prepare("SELECT v FROM tok WHERE k = ?").await.unwrap();
    assert_eq!(unqualified.get_keyspace_name(), Some("prep"));
    assert!(unqualified.is_token_aware());
    let rows = session.execute_unpaged(&unqualified, (77_i32,)).await.unwrap().into_rows_result().unwrap();
    assert_eq!(rows.single_row::<(String,)>().unwrap().0, "with values");
    let rows = session.query_unpaged("SELECT v FROM tok WHERE k = 77", ()).await.unwrap().into_rows_result().unwrap();
    assert_eq!(rows.single_row::<(String,)>().unwrap().0, "with values");

    let expected_wide: BTreeSet<WideRow> = (0..ROWS).map(wide_row).collect();
    let expected_kv: BTreeMap<i32, String> = (0..ROWS).map(|i| (i, format!("kv-{i}"))).collect();

    // execute_iter with 100-row pages: the whole table, and one partition in clustering order.
    let mut scan_wide = session.prepare("SELECT p, c, v FROM prep.wide").await.unwrap();
    scan_wide.set_page_size(PAGE);
    let got: Vec<WideRow> = session
        .execute_iter(scan_wide.clone(), ())
        .await
        .unwrap()
        .rows_stream::<WideRow>()
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got.len(), ROWS as usize, "execute_iter over prep.wide");
    assert_eq!(got.iter().cloned().collect::<BTreeSet<_>>(), expected_wide);
    // Within each partition the rows come in clustering order, and each partition comes whole.
    let mut seen_partitions = Vec::new();
    for w in got.chunk_by(|a, b| a.p == b.p) {
        seen_partitions.push(w[0].p);
        assert!(w.windows(2).all(|x| x[0].c < x[1].c), "partition {} out of clustering order", w[0].p);
    }
    assert_eq!(seen_partitions.len(), PARTITIONS as usize, "partitions split across the scan: {seen_partitions:?}");

    let mut scan_kv = session.prepare("SELECT k, v FROM prep.kv").await.unwrap();
    scan_kv.set_page_size(PAGE);
    let got: Vec<(i32, String)> = session
        .execute_iter(scan_kv.clone(), ())
        .await
        .unwrap()
        .rows_stream::<(i32, String)>()
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got.len(), ROWS as usize, "execute_iter over prep.kv (one row per partition)");
    assert_eq!(got.into_iter().collect::<BTreeMap<_, _>>(), expected_kv);

    let mut partition = session.prepare("SELECT c, v FROM prep.wide WHERE p = ?").await.unwrap();
    partition.set_page_size(PAGE);
    let got: Vec<(i32, String)> = session
        .execute_iter(partition.clone(), (4_i32,))
        .await
        .unwrap()
        .rows_stream()
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    let expected: Vec<(i32, String)> = (0..ROWS / PARTITIONS).map(|c| (c, wide_row(c * PARTITIONS + 4).v)).collect();
    assert_eq!(got, expected, "partition 4 through execute_iter");

    // Manual paging with execute_single_page + PagingState.
    let (rows, sizes) = manual_pages::<WideRow>(session, &scan_wide, ()).await;
    assert_page_sizes(&sizes, ROWS as usize, "manual paging over prep.wide");
    assert_eq!(rows.into_iter().collect::<BTreeSet<_>>(), expected_wide);
    let (rows, sizes) = manual_pages::<(i32, String)>(session, &scan_kv, ()).await;
    assert_page_sizes(&sizes, ROWS as usize, "manual paging over prep.kv");
    assert_eq!(rows.into_iter().collect::<BTreeMap<_, _>>(), expected_kv);
    let (rows, sizes) = manual_pages::<(i32, String)>(session, &partition, (4_i32,)).await;
    assert_page_sizes(&sizes, (ROWS / PARTITIONS) as usize, "manual paging over partition 4");
    assert_eq!(rows, expected);
    // A page larger than the result: one page, no paging state.
    let mut big = partition.clone();
    big.set_page_size(10_000);
    let (result, response) = session.execute_single_page(&big, (4_i32,), PagingState::start()).await.unwrap();
    assert_eq!(result.into_rows_result().unwrap().rows_num(), (ROWS / PARTITIONS) as usize);
    assert!(matches!(response, PagingStateResponse::NoMorePages), "{response:?}");

    // Paging a clustering range, in reverse order, and under a LIMIT.
    let mut range = session.prepare("SELECT c, v FROM prep.wide WHERE p = ? AND c >= ? AND c < ?").await.unwrap();
    range.set_page_size(PAGE);
    let (rows, sizes) = manual_pages::<(i32, String)>(session, &range, (4_i32, 50_i32, 300_i32)).await;
    assert_page_sizes(&sizes, 250, "manual paging over a clustering range");
    assert_eq!(rows, expected[50..300]);
    let mut desc = session.prepare("SELECT c, v FROM prep.wide WHERE p = ? ORDER BY c DESC").await.unwrap();
    desc.set_page_size(PAGE);
    let (rows, sizes) = manual_pages::<(i32, String)>(session, &desc, (4_i32,)).await;
    assert_page_sizes(&sizes, expected.len(), "manual paging in reverse clustering order");
    assert_eq!(rows, expected.iter().rev().cloned().collect::<Vec<_>>());
    let mut limited = session.prepare("SELECT p, c, v FROM prep.wide LIMIT 250").await.unwrap();
    limited.set_page_size(PAGE);
    let (rows, sizes) = manual_pages::<WideRow>(session, &limited, ()).await;
    assert_eq!(rows.len(), 250, "LIMIT 250 across 100-row pages: page sizes {sizes:?}");
    let got: Vec<WideRow> =
        session.execute_iter(limited.clone(), ()).await.unwrap().rows_stream().unwrap().try_collect().await.unwrap();
    assert_eq!(got, rows, "LIMIT through execute_iter");

    // An unset value leaves the column as it was; a null deletes it.
    session.execute_unpaged(&insert_kv, (42_i32, MaybeUnset::<&str>::Unset)).await.unwrap();
    let rows = session.execute_unpaged(&select_kv, (42_i32,)).await.unwrap().into_rows_result().unwrap();
    assert_eq!(
        rows.single_row::<(i32, Option<String>)>().unwrap(),
        (42, Some("kv-42".to_string())),
        "after an unset v"
    );
    session.execute_unpaged(&insert_kv, (-42_i32, None::<&str>)).await.unwrap();
    let rows = session.execute_unpaged(&select_kv, (-42_i32,)).await.unwrap().into_rows_result().unwrap();
    assert_eq!(rows.single_row::<(i32, Option<String>)>().unwrap(), (-42, None), "a null v");
    session.query_unpaged("DELETE FROM prep.kv WHERE k = -42", ()).await.unwrap();

    // Unpaged execution: every row in one result and no paging state (the driver fails with
    // NonfinishedPagingState if the server sends one).
    let all = session.execute_unpaged(&scan_wide, ()).await.unwrap().into_rows_result().unwrap();
    assert_eq!(all.rows_num(), ROWS as usize, "execute_unpaged returns everything");
    let all = session.query_unpaged("SELECT k, v FROM prep.kv", &[]).await.unwrap().into_rows_result().unwrap();
    let got: BTreeMap<i32, String> = all.rows::<(i32, String)>().unwrap().map(Result::unwrap).collect();
    assert_eq!(all.rows_num(), ROWS as usize, "query_unpaged returns everything");
    assert_eq!(got, expected_kv);

    // query_iter (unprepared, the driver's default page size 5000) and an unprepared single page.
    let got: Vec<WideRow> = session
        .query_iter("SELECT p, c, v FROM prep.wide", ())
        .await
        .unwrap()
        .rows_stream::<WideRow>()
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(got.len(), ROWS as usize);
    let mut page = Statement::new("SELECT p, c, v FROM prep.wide");
    page.set_page_size(PAGE);
    let (result, response) = session.query_single_page(page, (), PagingState::start()).await.unwrap();
    assert_eq!(result.into_rows_result().unwrap().rows_num(), PAGE as usize);
    assert!(matches!(response, PagingStateResponse::HasMorePages { .. }), "{response:?}");
    fx.finish();
}

#[tokio::test]
async fn every_consistency_level_is_accepted() {
    let fx = connect("compat consistency").await;
    let session = &fx.session;
    create_keyspace(session, "cl").await;
    ddl(session, "CREATE TABLE cl.t (k int PRIMARY KEY, v text)").await;
    let insert = session.prepare("INSERT INTO cl.t (k, v) VALUES (?, ?)").await.unwrap();
    let select = session.prepare("SELECT v FROM cl.t WHERE k = ?").await.unwrap();
    // The driver's default is LOCAL_QUORUM.
    assert_eq!(insert.get_consistency(), None);
    session.execute_unpaged(&insert, (0_i32, "default")).await.unwrap();
    let rows = session.execute_unpaged(&select, (0_i32,)).await.unwrap().into_rows_result().unwrap();
    assert_eq!(rows.single_row::<(String,)>().unwrap().0, "default");

    let levels =
        [Consistency::LocalQuorum, Consistency::One, Consistency::Quorum, Consistency::All, Consistency::LocalOne];
    for (i, cl) in (1_i32..).zip(levels) {
        let value = format!("{cl:?}");
        // Prepared write and read.
        let mut ins = insert.clone();
        ins.set_consistency(cl);
        session
            .execute_unpaged(&ins, (i, value.as_str()))
            .await
            .unwrap_or_else(|e| panic!("prepared INSERT at {cl:?}: {e}"));
        let mut sel = select.clone();
        sel.set_consistency(cl);
        let rows =
            session.execute_unpaged(&sel, (i,)).await.unwrap_or_else(|e| panic!("prepared SELECT at {cl:?}: {e}"));
        assert_eq!(rows.into_rows_result().unwrap().single_row::<(String,)>().unwrap().0, value);
        // Unprepared write and read.
        let mut q = Statement::new(format!("UPDATE cl.t SET v = '{value}-q' WHERE k = {i}"));
        q.set_consistency(cl);
        session.query_unpaged(q, ()).await.unwrap_or_else(|e| panic!("UPDATE at {cl:?}: {e}"));
        let mut q = Statement::new(format!("SELECT v FROM cl.t WHERE k = {i}"));
        q.set_consistency(cl);
        let rows = session.query_unpaged(q, ()).await.unwrap_or_else(|e| panic!("SELECT at {cl:?}: {e}"));
        assert_eq!(rows.into_rows_result().unwrap().single_row::<(String,)>().unwrap().0, format!("{value}-q"));
        // A batch.
        let mut batch = Batch::new(BatchType::Logged);
        batch.append_statement(insert.clone());
        batch.set_consistency(cl);
        session.batch(&batch, ((i + 100, value.as_str()),)).await.unwrap_or_else(|e| panic!("BATCH at {cl:?}: {e}"));
    }
    // ANY is a write-only level.
    let mut ins = insert.clone();
    ins.set_consistency(Consistency::Any);
    session.execute_unpaged(&ins, (99_i32, "any")).await.unwrap_or_else(|e| panic!("INSERT at ANY: {e}"));
    fx.finish();
}

#[tokio::test]
async fn batches() {
    let fx = connect("compat batches").await;
    let session = &fx.session;
    create_keyspace(session, "b").await;
    ddl(session, "CREATE TABLE b.t (k int, c int, v text, PRIMARY KEY (k, c))").await;
    let insert = session.prepare("INSERT INTO b.t (k, c, v) VALUES (?, ?, ?)").await.unwrap();

    // A logged batch mixing a prepared statement, an unprepared one with values (the driver
    // prepares it) and one without values (sent as query text).
    let mut batch = Batch::new(BatchType::Logged);
    batch.append_statement(insert.clone());
    batch.append_statement("INSERT INTO b.t (k, c, v) VALUES (?, ?, ?)");
    batch.append_statement("INSERT INTO b.t (k, c, v) VALUES (1, 3, 'literal')");
    batch.append_statement("UPDATE b.t SET v = ? WHERE k = ? AND c = ?");
    session
        .batch(&batch, ((1_i32, 1_i32, "prepared"), (1_i32, 2_i32, "unprepared"), (), ("updated", 2_i32, 1_i32)))
        .await
        .unwrap();

    // An unlogged batch, prepared up front with prepare_batch, across partitions.
    let mut unlogged = Batch::new(BatchType::Unlogged);
    for _ in 0..20 {
        unlogged.append_statement(insert.clone());
    }
    let unlogged = session.prepare_batch(&unlogged).await.unwrap();
    let values: Vec<(i32, i32, String)> = (0..20).map(|i| (3 + i % 4, i, format!("u{i}"))).collect();
    session.batch(&unlogged, &values).await.unwrap();

    // A batch with a DELETE and a client timestamp (the default-timestamp flag).
    let micros = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_micros();
    let ts = i64::try_from(micros).unwrap() + 1_000_000;
    let mut del = Batch::new(BatchType::Logged);
    del.append_statement("DELETE FROM b.t WHERE k = ? AND c = ?");
    del.append_statement(insert.clone());
    del.set_timestamp(Some(ts));
    session.batch(&del, ((1_i32, 3_i32), (2_i32, 9_i32, "after delete"))).await.unwrap();
    let rows = session.query_unpaged("SELECT WRITETIME(v) FROM b.t WHERE k = 2 AND c = 9", &[]).await.unwrap();
    assert_eq!(rows.into_rows_result().unwrap().single_row::<(i64,)>().unwrap().0, ts, "the batch's timestamp");

    let rows = session.query_unpaged("SELECT k, c, v FROM b.t", &[]).await.unwrap().into_rows_result().unwrap();
    let got: BTreeSet<(i32, i32, String)> = rows.rows().unwrap().map(Result::unwrap).collect();
    let mut expected: BTreeSet<(i32, i32, String)> = [
        (1, 1, "prepared".to_string()),
        (1, 2, "unprepared".to_string()),
        (2, 1, "updated".to_string()),
        (2, 9, "after delete".to_string()),
    ]
    .into_iter()
    .collect();
    expected.extend(values);
    assert_eq!(got, expected);

    // Statements in a batch that is not valid: the whole batch fails with Invalid.
    let mut bad = Batch::new(BatchType::Logged);
    bad.append_statement("INSERT INTO b.t (k, c, v) VALUES (50, 1, 'x')");
    bad.append_statement("INSERT INTO b.nope (k) VALUES (1)");
    let err = session.batch(&bad, ((), ())).await.unwrap_err();
    assert!(matches!(db_error(&err), Some((DbError::Invalid, _))), "batch with an unknown table: {err:?}");
    let rows = session.query_unpaged("SELECT v FROM b.t WHERE k = 50", &[]).await.unwrap().into_rows_result().unwrap();
    assert_eq!(rows.rows_num(), 0, "a failed batch applied a statement");
    fx.finish();
}

#[tokio::test]
async fn errors_map_to_db_error_variants() {
    let fx = connect("compat errors").await;
    let session = &fx.session;
    create_keyspace(session, "err").await;
    ddl(session, "CREATE TABLE err.t (k int PRIMARY KEY, v text)").await;

    // Unknown table / keyspace / column: Invalid (0x2200), by QUERY and by PREPARE.
    for cql in [
        "SELECT * FROM err.nope",
        "SELECT * FROM nope.t",
        "SELECT nope FROM err.t",
        "INSERT INTO err.nope (k) VALUES (1)",
    ] {
        let e = session.query_unpaged(cql, &[]).await.unwrap_err();
        assert!(matches!(db_error(&e), Some((DbError::Invalid, _))), "{cql}: {e:?}");
        let e = session.prepare(cql).await.unwrap_err();
        assert!(matches!(prepare_db_error(&e), Some((DbError::Invalid, _))), "PREPARE {cql}: {e:?}");
    }
    let e = session.query_unpaged("SELECT * FROM err.nope", &[]).await.unwrap_err();
    let (_, msg) = db_error(&e).unwrap();
    assert!(msg.contains("nope"), "message names the table: {msg}");

    // Duplicate CREATE: AlreadyExists with the keyspace (and table).
    let e = session
        .query_unpaged(
            "CREATE KEYSPACE err WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
            &[],
        )
        .await
        .unwrap_err();
    match db_error(&e) {
        Some((DbError::AlreadyExists { keyspace, table }, _)) => {
            assert_eq!((keyspace.as_str(), table.as_str()), ("err", ""), "{e:?}")
        }
        _ => panic!("duplicate CREATE KEYSPACE: {e:?}"),
    }
    let e = session.query_unpaged("CREATE TABLE err.t (k int PRIMARY KEY)", &[]).await.unwrap_err();
    match db_error(&e) {
        Some((DbError::AlreadyExists { keyspace, table }, _)) => {
            assert_eq!((keyspace.as_str(), table.as_str()), ("err", "t"), "{e:?}")
        }
        _ => panic!("duplicate CREATE TABLE: {e:?}"),
    }

    // Syntax errors: SyntaxError (0x2000).
    let e = session.query_unpaged("SELEKT * FROM err.t", &[]).await.unwrap_err();
    assert!(matches!(db_error(&e), Some((DbError::SyntaxError, _))), "{e:?}");

    // Wrong bind type is caught by the driver; a wrong value count by the server or driver.
    let insert = session.prepare("INSERT INTO err.t (k, v) VALUES (?, ?)").await.unwrap();
    assert!(session.execute_unpaged(&insert, ("not an int", "v")).await.is_err());

    // The session still works after all that.
    session.execute_unpaged(&insert, (1_i32, "ok")).await.unwrap();
    let rows = session.query_unpaged("SELECT v FROM err.t WHERE k = 1", &[]).await.unwrap().into_rows_result().unwrap();
    assert_eq!(rows.single_row::<(String,)>().unwrap().0, "ok");
    fx.finish();
}
