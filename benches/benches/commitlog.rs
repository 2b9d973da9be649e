//! Commitlog append: one ~150-byte entry through `sibyl_storage::commitlog::CommitLog` in
//! `periodic` mode (no fsync per append: the entry is copied into the segment's mapping).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sibyl_benches::criterion_test_mode;
use sibyl_storage::commitlog::{CommitLog, CommitLogConfig};
use sibyl_storage::poison::Poison;
use sibyl_storage::{SyncMode, TableId};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ENTRY_BYTES: usize = 150;
/// Segments behind the write position are released every this many appends (untimed), so
/// a long measurement does not fill the disk.
const CHUNK: u64 = 100_000;

fn append(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = CommitLog::open(
        CommitLogConfig {
            dir: dir.path().to_path_buf(),
            segment_size_bytes: sibyl_common::limits::DEFAULT_COMMITLOG_SEGMENT_SIZE_BYTES,
            sync: SyncMode::Periodic { period: Duration::from_secs(10) },
        },
        1,
        Arc::new(Poison::default()),
    )
    .expect("open commitlog");
    let table = TableId(1);
    let payload: Vec<u8> = (0..ENTRY_BYTES).map(|i| (i * 31 % 251) as u8).collect();
    let mut group = c.benchmark_group("commitlog");
    group.throughput(Throughput::Bytes(ENTRY_BYTES as u64));
    group.bench_function("append_150B_periodic", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let n = left.min(CHUNK);
                left -= n;
                let start = Instant::now();
                for _ in 0..n {
                    let pos = log.append(table, std::hint::black_box(&payload)).expect("append");
                    log.wait_durable(pos).expect("wait_durable");
                }
                total += start.elapsed();
                log.mark_clean(table, log.current_position());
            }
            total
        });
    });
    group.finish();
    drop(log);
}

fn config() -> Criterion {
    let c = Criterion::default().sample_size(20).warm_up_time(Duration::from_millis(500));
    if criterion_test_mode() {
        c
    } else {
        c.measurement_time(Duration::from_secs(3))
    }
}

criterion_group! { name = benches; config = config(); targets = append }
criterion_main!(benches);
