//! Memtable insert: one CQL-style one-row mutation (16-byte key, 100-byte value) into
//! `sibyl_storage::memtable::Memtable`, at random keys, in memtables of up to 100k partitions.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sibyl_benches::{criterion_test_mode, db_bench_key, one_row_mutation, ValueGenerator};
use sibyl_storage::memtable::Memtable;
use sibyl_storage::TableId;
use std::time::{Duration, Instant};

/// A fresh memtable is started every this many inserts, so memory stays bounded however many
/// iterations criterion asks for.
const MEMTABLE_PARTITIONS: u64 = 100_000;

fn insert(c: &mut Criterion) {
    let mut rng = SmallRng::seed_from_u64(1);
    let mut values = ValueGenerator::new(&mut rng, 0.5, 100);
    let mut key = Vec::new();
    let mut group = c.benchmark_group("memtable");
    group.throughput(Throughput::Elements(1));
    group.bench_function("insert_1_row", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(MEMTABLE_PARTITIONS);
                left -= n;
                let batch: Vec<_> = (0..n)
                    .map(|i| {
                        db_bench_key(rng.gen_range(0..u64::MAX), 16, &mut key);
                        one_row_mutation(TableId(1), &key, values.next(100), 1_700_000_000_000_000 + i as i64)
                    })
                    .collect();
                let mem = Memtable::new();
                let start = Instant::now();
                for m in &batch {
                    mem.apply(m);
                }
                total += start.elapsed();
                drop(mem);
            }
            total
        });
    });
    group.finish();
}

fn config() -> Criterion {
    let c = Criterion::default().sample_size(20).warm_up_time(Duration::from_millis(500));
    if criterion_test_mode() {
        c
    } else {
        c.measurement_time(Duration::from_secs(3))
    }
}

criterion_group! { name = benches; config = config(); targets = insert }
criterion_main!(benches);
