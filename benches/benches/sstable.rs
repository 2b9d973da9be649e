//! SSTable point reads through `Engine::read`: one flushed SSTable of 100k one-row
//! partitions (16-byte keys, 100-byte compressible values, zstd, default 16 KiB blocks),
//! read at random existing keys, and at absent keys with and without the bloom filter
//! rejecting them.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sibyl_benches::{criterion_test_mode, db_bench_key, one_row_mutation, ValueGenerator};
use sibyl_storage::{Engine, EngineConfig, PartitionKey, Slice, TableId, TableOptions};
use std::time::Duration;

const WITH_BLOOM: TableId = TableId(1);
/// Same data, `bloom_filter_fp_chance` ~1: every absent key goes through index and block.
const NO_BLOOM: TableId = TableId(2);

fn partitions() -> u64 {
    if criterion_test_mode() {
        2_000
    } else {
        100_000
    }
}

fn key_of(k: u64) -> PartitionKey {
    let mut key = Vec::new();
    db_bench_key(k, 16, &mut key);
    PartitionKey::new(key)
}

fn setup(root: &std::path::Path, n: u64) -> Engine {
    let mut cfg = EngineConfig::new(root);
    cfg.background_compaction = false;
    let engine = Engine::open(cfg).expect("open engine");
    let mut opts = TableOptions::new("bench", "with_bloom");
    engine.create_table(WITH_BLOOM, opts.clone()).expect("create table");
    opts.name = "no_bloom".into();
    opts.bloom_filter_fp_chance = 1.0;
    engine.create_table(NO_BLOOM, opts).expect("create table");
    let mut rng = SmallRng::seed_from_u64(3);
    let mut values = ValueGenerator::new(&mut rng, 0.5, 100);
    let mut key = Vec::new();
    for table in [WITH_BLOOM, NO_BLOOM] {
        // Even integers are written, odd ones are the absent keys.
        for i in 0..n {
            db_bench_key(2 * i, 16, &mut key);
            let m = one_row_mutation(table, &key, values.next(100), 1_700_000_000_000_000 + i as i64);
            engine.apply(&m).expect("apply");
        }
        engine.flush(table).expect("flush");
        assert_eq!(engine.sstables(table).expect("sstables").len(), 1);
    }
    engine
}

fn point_read(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = partitions();
    let engine = setup(dir.path(), n);
    let slice = Slice::all();
    let mut rng = SmallRng::seed_from_u64(4);
    let mut group = c.benchmark_group("sstable");
    group.throughput(Throughput::Elements(1));
    group.bench_function("point_read_hit", |b| {
        b.iter_batched(
            || key_of(2 * rng.gen_range(0..n)),
            |k| {
                let p = engine.read(WITH_BLOOM, &k, &slice).expect("read");
                assert!(p.is_some());
                p
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.bench_function("point_read_miss_bloom_negative", |b| {
        b.iter_batched(
            || key_of(2 * rng.gen_range(0..n) + 1),
            |k| engine.read(WITH_BLOOM, &k, &slice).expect("read"),
            criterion::BatchSize::SmallInput,
        )
    });
    group.bench_function("point_read_miss_no_bloom", |b| {
        b.iter_batched(
            || key_of(2 * rng.gen_range(0..n) + 1),
            |k| {
                let p = engine.read(NO_BLOOM, &k, &slice).expect("read");
                assert!(p.is_none());
                p
            },
            criterion::BatchSize::SmallInput,
        )
    });
    group.finish();
    drop(engine);
}

fn config() -> Criterion {
    let c = Criterion::default().sample_size(20).warm_up_time(Duration::from_millis(500));
    if criterion_test_mode() {
        c
    } else {
        c.measurement_time(Duration::from_secs(3))
    }
}

criterion_group! { name = benches; config = config(); targets = point_read }
criterion_main!(benches);
