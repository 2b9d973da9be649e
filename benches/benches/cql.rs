//! The CQL query path: parse + plan of a typical INSERT and SELECT; a prepared single-row
//! INSERT executed through the engine next to a direct `Engine::apply` of the same mutation
//! (their difference is the processor's bind + execute CPU overhead); a prepared point SELECT of
//! a row in an SSTable next to the engine read of its partition.
//!
//! Table: `ks.users (id int PRIMARY KEY, name text, age int)`, commitlog in periodic mode (no
//! fsync per write), keys increasing so every write is a new partition.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI32, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use sibyl_benches::criterion_test_mode;
use sibyl_coordinator::{mapping, BoundValue, QueryOptions, QueryProcessor};
use sibyl_cql::parse_statement;
use sibyl_cql::plan::plan;
use sibyl_cql::schema::{ClusteringOrder, ColumnDef, ColumnKind, KeyspaceDef, Schema, TableDef, TableParams};
use sibyl_cql::types::CqlType;
use sibyl_storage::{Cell, CellKey, Engine, EngineConfig, LivenessInfo, Mutation, PartitionKey, Row};

const INSERT: &str = "INSERT INTO ks.users (id, name, age) VALUES (?, ?, ?)";
const SELECT: &str = "SELECT name, age FROM ks.users WHERE id = ?";

fn users() -> TableDef {
    let col = |name: &str, ty: CqlType, kind: ColumnKind, position: i32| ColumnDef {
        name: name.into(),
        ty,
        kind,
        position,
        order: ClusteringOrder::None,
    };
    let mut def = TableDef {
        keyspace: "ks".into(),
        name: "users".into(),
        id: [7; 16],
        columns: vec![
            col("id", CqlType::Int, ColumnKind::PartitionKey, 0),
            col("name", CqlType::Text, ColumnKind::Regular, -1),
            col("age", CqlType::Int, ColumnKind::Regular, -1),
        ],
        params: TableParams::default(),
        dropped_columns: BTreeMap::new(),
    };
    def.sort_columns();
    def
}

fn schema() -> Arc<Schema> {
    let mut ks = KeyspaceDef::new("ks", BTreeMap::from([("class".into(), "SimpleStrategy".into())]), true);
    ks.tables.insert("users".into(), Arc::new(users()));
    let mut s = Schema::default();
    s.keyspaces.insert("ks".into(), Arc::new(ks));
    Arc::new(s)
}

fn values(id: i32) -> Vec<BoundValue> {
    vec![
        BoundValue::Value(id.to_be_bytes().to_vec()),
        BoundValue::Value(b"some user name".to_vec()),
        BoundValue::Value(42i32.to_be_bytes().to_vec()),
    ]
}

fn parse_and_plan(c: &mut Criterion) {
    let s = schema();
    let mut g = c.benchmark_group("cql");
    g.bench_function("parse_plan_insert", |b| {
        b.iter(|| {
            let stmt = parse_statement(black_box(INSERT)).ok();
            black_box(stmt.and_then(|st| plan(&st, &s, None).ok()))
        })
    });
    g.bench_function("parse_plan_select", |b| {
        b.iter(|| {
            let stmt = parse_statement(black_box(SELECT)).ok();
            black_box(stmt.and_then(|st| plan(&st, &s, None).ok()))
        })
    });
    g.finish();
}

fn open_engine(dir: &tempfile::TempDir) -> Option<Arc<Engine>> {
    let mut cfg = EngineConfig::new(dir.path());
    cfg.auto_snapshot = false;
    Engine::open(cfg).ok().map(Arc::new)
}

fn execute(c: &mut Criterion) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let Some(engine) = open_engine(&dir) else { return };
    let s = schema();
    let proc = QueryProcessor::new(Arc::clone(&engine), Arc::clone(&s));
    let def = users();
    if proc.set_schema(s).is_err() {
        return;
    }
    let Ok(insert) = proc.prepare(INSERT, None) else { return };
    let Ok(select) = proc.prepare(SELECT, None) else { return };
    // 1000 rows, flushed to one SSTable, for the point reads.
    for id in 0..1000 {
        if proc.execute(&insert, &QueryOptions::with_values(values(id))).is_err() {
            return;
        }
    }
    let table = mapping::table_id(&def);
    if engine.flush(table).is_err() {
        return;
    }
    let next = AtomicI32::new(1000);
    let mut g = c.benchmark_group("cql");
    g.bench_function("prepared_point_select", |b| {
        let mut id = 0i32;
        b.iter(|| {
            id = (id + 7919) % 1000;
            let o = QueryOptions::with_values(vec![BoundValue::Value(id.to_be_bytes().to_vec())]);
            black_box(proc.execute(&select, &o).map(|r| r.rows().map(|r| r.rows.len())).ok())
        })
    });
    g.bench_function("engine_read_same_partition", |b| {
        let mut id = 0i32;
        let slice = sibyl_storage::Slice::all();
        b.iter(|| {
            id = (id + 7919) % 1000;
            let pk = PartitionKey::new(id.to_be_bytes().to_vec());
            black_box(engine.read(table, &pk, &slice).map(|p| p.map(|p| p.rows.len())).ok())
        })
    });
    g.bench_function("prepared_insert_execute", |b| {
        b.iter(|| {
            let id = next.fetch_add(1, Ordering::Relaxed);
            let o = QueryOptions::with_values(values(id));
            black_box(proc.execute(&insert, &o).is_ok())
        })
    });
    // The same mutation the processor builds, applied directly.
    let name_id = def.column("name").map(ColumnDef::storage_id).unwrap_or(0);
    let age_id = def.column("age").map(ColumnDef::storage_id).unwrap_or(0);
    let ts = AtomicI64::new(1_700_000_000_000_000);
    let direct_next = AtomicI32::new(-1);
    let mutation = |id: i32, t: i64| {
        let mut m = Mutation::new(table, PartitionKey::new(id.to_be_bytes().to_vec()));
        let mut row = Row { marker: Some(LivenessInfo { timestamp: t, expiry: None }), ..Default::default() };
        row.cells.insert(CellKey::simple(name_id), Cell::live(t, Bytes::from_static(b"some user name")));
        row.cells.insert(CellKey::simple(age_id), Cell::live(t, Bytes::copy_from_slice(&42i32.to_be_bytes())));
        m.rows.push((Bytes::new(), row));
        m
    };
    g.bench_function("engine_apply_same_mutation", |b| {
        b.iter(|| {
            let m = mutation(direct_next.fetch_sub(1, Ordering::Relaxed), ts.fetch_add(1, Ordering::Relaxed));
            black_box(engine.apply(&m).is_ok())
        })
    });
    // Bind + execute CPU on top of the apply: the two interleaved, the difference reported.
    g.bench_function("prepared_insert_overhead_vs_apply", |b| {
        b.iter_custom(|iters| {
            let mut extra = Duration::ZERO;
            let mut direct = Duration::ZERO;
            for _ in 0..iters {
                let id = next.fetch_add(1, Ordering::Relaxed);
                let o = QueryOptions::with_values(values(id));
                let t0 = Instant::now();
                black_box(proc.execute(&insert, &o).is_ok());
                let t1 = Instant::now();
                let d = direct_next.fetch_sub(1, Ordering::Relaxed);
                let m = mutation(d, ts.fetch_add(1, Ordering::Relaxed));
                let t2 = Instant::now();
                black_box(engine.apply(&m).is_ok());
                let t3 = Instant::now();
                extra += t1 - t0;
                direct += t3 - t2;
            }
            // On a noisy machine a sample's difference can come out at or below zero; criterion
            // refuses zero, so it is clamped to one nanosecond (read the median, not the minimum).
            extra.saturating_sub(direct).max(Duration::from_nanos(1))
        })
    });
    g.finish();
}

fn config() -> Criterion {
    let c = Criterion::default().sample_size(30).warm_up_time(Duration::from_millis(500));
    if criterion_test_mode() {
        c
    } else {
        c.measurement_time(Duration::from_secs(3))
    }
}

criterion_group! { name = benches; config = config(); targets = parse_and_plan, execute }
criterion_main!(benches);
