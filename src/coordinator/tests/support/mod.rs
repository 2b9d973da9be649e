//! Test harness: a query processor on a real engine in a temporary directory, a manual clock,
//! tables defined from CREATE TABLE text by a small converter (so the tests do not depend on
//! the DDL implementation), and rows rendered as CQL literals for readable assertions.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use sibyl_coordinator::schema_store::{bootstrap, system_schema};
use sibyl_coordinator::{BoundValue, CqlError, ManualClock, QueryOptions, QueryProcessor, QueryResult, Rows};
use sibyl_cql::ast::{Direction, PropertyValue, Statement, TableElement, TableOption};
use sibyl_cql::parse_statement;
use sibyl_cql::schema::{ClusteringOrder, ColumnDef, ColumnKind, KeyspaceDef, Schema, TableDef, TableParams, UserType};
use sibyl_cql::term::Literal;
use sibyl_cql::types::CqlType;
use sibyl_cql::value::CqlValue;
use sibyl_storage::{Engine, EngineConfig};

/// 2024-01-01T00:00:00Z.
pub const START_MICROS: i64 = 1_704_067_200_000_000;

pub struct Harness {
    _dir: tempfile::TempDir,
    pub proc: QueryProcessor,
    pub clock: Arc<ManualClock>,
}

impl Harness {
    pub fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = EngineConfig::new(dir.path());
        cfg.background_compaction = false;
        cfg.auto_snapshot = false;
        let engine = Arc::new(Engine::open(cfg).unwrap());
        let mut schema = Schema::default();
        let replication = BTreeMap::from([
            ("class".to_string(), "org.apache.cassandra.locator.SimpleStrategy".to_string()),
            ("replication_factor".to_string(), "1".to_string()),
        ]);
        schema.keyspaces.insert("ks".into(), Arc::new(KeyspaceDef::new("ks", replication, true)));
        let clock = Arc::new(ManualClock::new(START_MICROS));
        let proc = QueryProcessor::with_clock(engine, Arc::new(schema), clock.clone());
        Harness { _dir: dir, proc, clock }
    }

    /// Defines a user type in keyspace `ks` from `CREATE TYPE` text.
    pub fn create_type(&self, cql: &str) {
        let Statement::CreateType(s) = parse_statement(cql).unwrap() else { panic!("not CREATE TYPE") };
        let schema = self.proc.schema();
        let mut s2 = (*schema).clone();
        let ks = s2.keyspaces.get("ks").unwrap().clone();
        let mut ksd = (*ks).clone();
        let fields = s.fields.iter().map(|(n, t)| (n.as_str().to_string(), self.parse_type(&t.to_string()))).collect();
        let name = s.name.name.as_str().to_string();
        ksd.types.insert(name.clone(), Arc::new(UserType { keyspace: "ks".into(), name, fields }));
        s2.keyspaces.insert("ks".into(), Arc::new(ksd));
        self.proc.set_schema(Arc::new(s2)).unwrap();
    }

    fn parse_type(&self, text: &str) -> CqlType {
        let schema = self.proc.schema();
        CqlType::parse_with(text, &|_, name| {
            let t = schema.keyspace("ks")?.types.get(name)?;
            Some(CqlType::Udt { keyspace: "ks".into(), name: t.name.clone(), fields: t.fields.clone(), frozen: false })
        })
        .unwrap()
    }

    /// Defines a table in keyspace `ks` (or the one named) from `CREATE TABLE` text.
    pub fn create_table(&self, cql: &str) {
        let Statement::CreateTable(s) = parse_statement(cql).unwrap() else { panic!("not CREATE TABLE") };
        let ks = s.name.keyspace.as_ref().map(|k| k.as_str().to_string()).unwrap_or_else(|| "ks".into());
        let mut pk: Vec<String> = Vec::new();
        let mut ck: Vec<String> = Vec::new();
        for e in &s.elements {
            match e {
                TableElement::PrimaryKey(p) => {
                    pk = p.partition_key.iter().map(|i| i.as_str().to_string()).collect();
                    ck = p.clustering_columns.iter().map(|i| i.as_str().to_string()).collect();
                }
                TableElement::Column(c) if c.primary_key => pk = vec![c.name.as_str().to_string()],
                _ => {}
            }
        }
        let mut orders: BTreeMap<String, ClusteringOrder> = BTreeMap::new();
        let mut params = TableParams::default();
        for o in &s.options {
            match o {
                TableOption::ClusteringOrder(cols) => {
                    for (c, d) in cols {
                        let ord = if *d == Direction::Desc { ClusteringOrder::Desc } else { ClusteringOrder::Asc };
                        orders.insert(c.as_str().to_string(), ord);
                    }
                }
                TableOption::Property(p) if p.name.as_str() == "default_time_to_live" => {
                    if let PropertyValue::Constant(Literal::Integer(n)) = &p.value {
                        params.default_time_to_live = n.parse().unwrap();
                    }
                }
                _ => {}
            }
        }
        let mut columns = Vec::new();
        for c in s.columns() {
            let name = c.name.as_str().to_string();
            let mut ty = self.parse_type(&c.cql_type.to_string());
            let (kind, position, order) = if let Some(p) = pk.iter().position(|x| *x == name) {
                (ColumnKind::PartitionKey, p as i32, ClusteringOrder::None)
            } else if let Some(p) = ck.iter().position(|x| *x == name) {
                (ColumnKind::Clustering, p as i32, *orders.get(&name).unwrap_or(&ClusteringOrder::Asc))
            } else if c.is_static {
                (ColumnKind::Static, -1, ClusteringOrder::None)
            } else {
                (ColumnKind::Regular, -1, ClusteringOrder::None)
            };
            if kind == ColumnKind::PartitionKey || kind == ColumnKind::Clustering {
                ty = ty.freeze_if_collection();
            }
            columns.push(ColumnDef { name, ty, kind, position, order });
        }
        let id: [u8; 16] = rand::random();
        let mut def = TableDef {
            keyspace: ks.clone(),
            name: s.name.name.as_str().to_string(),
            id,
            columns,
            params,
            dropped_columns: BTreeMap::new(),
        };
        def.sort_columns();
        let schema = self.proc.schema();
        let mut s2 = (*schema).clone();
        let ksd = s2.keyspaces.get(&ks).unwrap().clone();
        let mut ksd = (*ksd).clone();
        ksd.tables.insert(def.name.clone(), Arc::new(def));
        s2.keyspaces.insert(ks, Arc::new(ksd));
        self.proc.set_schema(Arc::new(s2)).unwrap();
    }

    pub fn opts(&self) -> QueryOptions {
        QueryOptions::default().keyspace("ks")
    }

    pub fn exec_with(&self, cql: &str, values: Vec<BoundValue>) -> Result<QueryResult, CqlError> {
        self.proc.query(cql, &QueryOptions { values, ..self.opts() })
    }

    /// Executes `cql`; panics on error.
    pub fn exec(&self, cql: &str) -> QueryResult {
        match self.proc.query(cql, &self.opts()) {
            Ok(r) => r,
            Err(e) => panic!("{cql}: {e:?}"),
        }
    }

    /// The error of `cql`.
    pub fn err(&self, cql: &str) -> CqlError {
        match self.proc.query(cql, &self.opts()) {
            Ok(r) => panic!("{cql}: expected an error, got {r:?}"),
            Err(e) => e,
        }
    }

    /// The error message of `cql`, asserting it is an Invalid (0x2200) error.
    pub fn invalid(&self, cql: &str) -> String {
        let e = self.err(cql);
        assert_eq!(e.code(), 0x2200, "{cql}: {e:?}");
        e.message()
    }

    /// The rows of `cql`, each value as a CQL literal (`null` for null).
    pub fn rows(&self, cql: &str) -> Vec<Vec<String>> {
        match self.exec(cql) {
            QueryResult::Rows(r) => render(&r),
            other => panic!("{cql}: expected rows, got {other:?}"),
        }
    }

    /// The column names of `cql`'s result.
    pub fn columns(&self, cql: &str) -> Vec<String> {
        match self.exec(cql) {
            QueryResult::Rows(r) => r.metadata.iter().map(|c| c.name.clone()).collect(),
            other => panic!("{cql}: expected rows, got {other:?}"),
        }
    }
}

/// Renders rows as CQL literals.
pub fn render(r: &Rows) -> Vec<Vec<String>> {
    r.rows
        .iter()
        .map(|row| {
            row.iter()
                .zip(&r.metadata)
                .map(|(v, spec)| match v {
                    None => "null".to_string(),
                    Some(b) => {
                        let ty = if spec.ty.is_multi_cell() { spec.ty.freeze() } else { spec.ty.clone() };
                        match CqlValue::deserialize(&ty, b) {
                            Ok(v) => v.to_cql_literal(),
                            Err(e) => format!("<bad {e}>"),
                        }
                    }
                })
                .collect()
        })
        .collect()
}

/// `vec![vec!["1", "'a'"], …]` from string slices.
pub fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
}

pub fn int(v: i32) -> BoundValue {
    BoundValue::Value(v.to_be_bytes().to_vec())
}

pub fn bigint(v: i64) -> BoundValue {
    BoundValue::Value(v.to_be_bytes().to_vec())
}

pub fn text(v: &str) -> BoundValue {
    BoundValue::Value(v.as_bytes().to_vec())
}

trait FreezeIfCollection {
    fn freeze_if_collection(self) -> Self;
}

impl FreezeIfCollection for CqlType {
    fn freeze_if_collection(self) -> Self {
        if self.is_multi_cell() {
            self.freeze()
        } else {
            self
        }
    }
}

/// A processor as a node starts one: on an engine in `dir` (kept across calls, so a second
/// call is a restart), with the system keyspaces bootstrapped into `system_schema`.
pub fn bootstrapped(dir: &std::path::Path) -> QueryProcessor {
    let mut cfg = EngineConfig::new(dir);
    cfg.background_compaction = false;
    cfg.auto_snapshot = false;
    let engine = Arc::new(Engine::open(cfg).unwrap());
    let p = QueryProcessor::new(engine, Arc::new(system_schema()));
    bootstrap(&p).unwrap();
    p
}

/// Runs `cql`, which must succeed.
pub fn run(p: &QueryProcessor, cql: &str) -> QueryResult {
    p.query(cql, &QueryOptions::default()).unwrap_or_else(|e| panic!("{cql}: {e:?}"))
}

/// The rows of `cql` as CQL literals.
pub fn rows(p: &QueryProcessor, cql: &str) -> Vec<Vec<String>> {
    match run(p, cql) {
        QueryResult::Rows(r) => render(&r),
        other => panic!("{cql}: expected rows, got {other:?}"),
    }
}
