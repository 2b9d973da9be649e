//! `engine-bench`: RocksDB's db_bench `fillrandom` + `readrandom` workload run on sibyl's
//! storage engine, in one process, for `benches/engine-vs-rocksdb`.
//!
//! - `fillrandom`: `--num` writes from one thread of db_bench's keys (`--key-size` bytes:
//!   big-endian integer then `'0'` padding) for integers drawn uniformly from `[0, num)`, with
//!   db_bench's compressible values (`--value-size` bytes, `--compression-ratio` 0.5). Each
//!   write is a CQL-style one-row `INSERT` (row marker + one cell) through `Engine::apply`:
//!   commitlog `periodic` (no fsync per write, like db_bench's `--sync=false` with the WAL on).
//! - `readrandom`: `--reads` (default `--num`) point reads of keys drawn the same way from
//!   `[0, num)`, counting how many were found (about 63% when `reads == num`, as in db_bench).
//!
//! Like db_bench, the run ends without a final flush or compaction (unless `--flush-at-end`):
//! whatever is still in the memtable stays in the commitlog. Output, besides db_bench-style
//! lines, is one `engine-bench phase=...` line per phase, `engine-bench memory ...` lines
//! (memtable bytes as the engine accounts them, now and at their sampled peak; RSS split into
//! anonymous and file-backed), and one `engine-bench result ...` line with the directory's
//! bytes (data + commitlog) and the peak RSS (`VmHWM`).

use anyhow::{bail, Context, Result};

/// sibyl's binaries allocate with mimalloc: glibc's malloc fragments under the memtable's
/// pattern (many small allocations freed by another thread at flush) and holds the memory.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use clap::{Parser, ValueEnum};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sibyl_benches::{db_bench_key, dir_bytes, now_micros, one_row_mutation, peak_rss_kib, ValueGenerator};
use sibyl_storage::{Compression, Engine, EngineConfig, PartitionKey, Slice, SyncMode, TableId, TableOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Codec {
    Zstd,
    Lz4,
    None,
}

#[derive(Parser, Debug)]
#[command(name = "engine-bench", about = "db_bench's fillrandom/readrandom on sibyl's storage engine")]
struct Args {
    /// Comma-separated phases, run in order: fillrandom, readrandom.
    #[arg(long, default_value = "fillrandom,readrandom")]
    benchmarks: String,
    /// Number of key/values to write (and the key space: keys are drawn from [0, num)).
    #[arg(long, default_value_t = 1_000_000)]
    num: u64,
    /// Number of reads; negative means `num`.
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    reads: i64,
    #[arg(long, default_value_t = 16)]
    key_size: usize,
    #[arg(long, default_value_t = 100)]
    value_size: usize,
    /// Values compress to about this fraction of their size (db_bench's --compression_ratio).
    #[arg(long, default_value_t = 0.5)]
    compression_ratio: f64,
    /// Engine root (data in <db>/data, commitlog in <db>/commitlog). An existing sibyl
    /// database there is destroyed first, as db_bench's fillrandom does.
    #[arg(long, default_value = "/tmp/sibyl-engine-bench")]
    db: PathBuf,
    /// SSTable block compression.
    #[arg(long, value_enum, default_value_t = Codec::Zstd)]
    compression: Codec,
    /// Uncompressed SSTable block size in bytes (sibyl's default, Cassandra's
    /// chunk_length_in_kb = 16).
    #[arg(long, default_value_t = 16 * 1024)]
    block_size: usize,
    /// Memtable space for all memtables (memtable_heap_space); 0 keeps sibyl's default.
    #[arg(long, default_value_t = 0)]
    memtable_bytes: usize,
    /// Share of the memtable space at which a table's memtable is flushed; 0 keeps the default.
    #[arg(long, default_value_t = 0.0)]
    memtable_cleanup_threshold: f64,
    /// Commitlog periodic sync period in milliseconds (Cassandra's default is 10 s).
    #[arg(long, default_value_t = 10_000)]
    sync_period_ms: u64,
    /// Seed for keys and values (0: from the clock).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Flush memtables (graceful shutdown) before measuring the directory.
    #[arg(long)]
    flush_at_end: bool,
}

const TABLE: TableId = TableId(0x5eb1_0000_0000_0000_0000_0000_0000_0001);

fn main() -> Result<()> {
    let args = Args::parse();
    if args.num == 0 {
        bail!("--num must be positive");
    }
    if args.key_size == 0 {
        bail!("--key-size must be positive");
    }
    prepare_dir(&args.db)?;
    let mut cfg = EngineConfig::new(&args.db);
    cfg.commitlog_sync = SyncMode::Periodic { period: Duration::from_millis(args.sync_period_ms.max(1)) };
    if args.memtable_bytes > 0 {
        cfg.memtable_space_bytes = args.memtable_bytes;
    }
    if args.memtable_cleanup_threshold > 0.0 {
        cfg.memtable_cleanup_threshold = args.memtable_cleanup_threshold;
    }
    let mut opts = TableOptions::new("bench", "usertable");
    opts.compression = match args.compression {
        Codec::Zstd => Compression::Zstd,
        Codec::Lz4 => Compression::Lz4,
        Codec::None => Compression::None,
    };
    opts.block_size_bytes = args.block_size;
    println!(
        "engine-bench config num={} key_size={} value_size={} compression={:?} block_size={} memtable_space_bytes={} \
         memtable_cleanup_threshold={} commitlog_sync=periodic:{}ms compaction={}",
        args.num,
        args.key_size,
        args.value_size,
        args.compression,
        args.block_size,
        cfg.memtable_space_bytes,
        cfg.memtable_cleanup_threshold,
        args.sync_period_ms,
        opts.compaction.get("class").map(String::as_str).unwrap_or("?"),
    );
    let engine = Engine::open(cfg).context("opening the engine")?;
    engine.create_table(TABLE, opts).context("creating the table")?;

    let seed = if args.seed == 0 { now_micros() as u64 } else { args.seed };
    // Samples the memtables' accounted bytes so the report can show their peak.
    let peak_memtable = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| -> Result<()> {
        scope.spawn(|| {
            while !done.load(Ordering::Relaxed) {
                peak_memtable.fetch_max(engine.memtable_bytes(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        let r = run_phases(&engine, &args, seed);
        done.store(true, Ordering::Relaxed);
        r
    })?;
    println!("engine-bench memory memtable_peak_accounted_bytes={}", peak_memtable.load(Ordering::Relaxed));

    if args.flush_at_end {
        engine.shutdown().context("shutting down")?;
    } else {
        // Like db_bench: no final flush; the memtable's content stays in the commitlog.
        drop(engine);
    }
    let disk = dir_bytes(&args.db).with_context(|| format!("measuring {}", args.db.display()))?;
    let data = dir_bytes(&args.db.join("data")).unwrap_or(0);
    let log = dir_bytes(&args.db.join("commitlog")).unwrap_or(0);
    let rss = peak_rss_kib().unwrap_or(0);
    println!("engine-bench result disk_bytes={disk} data_bytes={data} commitlog_bytes={log} peak_rss_kib={rss}");
    Ok(())
}

fn run_phases(engine: &Engine, args: &Args, seed: u64) -> Result<()> {
    let mut phase_no = 0u64;
    for phase in args.benchmarks.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        phase_no += 1;
        // Each phase has its own key stream, as db_bench's per-benchmark thread seeds.
        let mut rng = SmallRng::seed_from_u64(seed.wrapping_add(phase_no.wrapping_mul(0x9e37_79b9_7f4a_7c15)));
        match phase {
            "fillrandom" => fill_random(engine, args, &mut rng)?,
            "readrandom" => read_random(engine, args, &mut rng)?,
            other => bail!("unknown benchmark {other:?} (known: fillrandom, readrandom)"),
        }
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let field = |name: &str| {
            status.lines().find_map(|l| l.strip_prefix(name)).map_or("?", |v| v.trim().trim_end_matches(" kB"))
        };
        println!(
            "engine-bench memory after={phase} memtable_accounted_bytes={} rss_kib={} rss_anon_kib={} rss_file_kib={} sstables={}",
            engine.memtable_bytes(),
            field("VmRSS:"),
            field("RssAnon:"),
            field("RssFile:"),
            engine.sstables(TABLE).map(|s| s.len()).unwrap_or(0),
        );
    }
    Ok(())
}

/// Creates `db`, or empties it if it holds a previous sibyl database; refuses anything else.
fn prepare_dir(db: &Path) -> Result<()> {
    if db.exists() {
        let mut foreign = Vec::new();
        for ent in std::fs::read_dir(db).with_context(|| format!("reading {}", db.display()))? {
            let name = ent?.file_name();
            if name != "data" && name != "commitlog" {
                foreign.push(name.to_string_lossy().into_owned());
            }
        }
        if !foreign.is_empty() {
            bail!(
                "{} holds files that are not a sibyl database ({}); use an empty directory",
                db.display(),
                foreign.join(", ")
            );
        }
        for sub in ["data", "commitlog"] {
            let p = db.join(sub);
            if p.exists() {
                std::fs::remove_dir_all(&p).with_context(|| format!("removing {}", p.display()))?;
            }
        }
    }
    std::fs::create_dir_all(db).with_context(|| format!("creating {}", db.display()))?;
    Ok(())
}

fn report(phase: &str, ops: u64, elapsed: Duration, extra: &str) {
    let secs = elapsed.as_secs_f64();
    let micros_per_op = secs * 1e6 / ops as f64;
    let ops_per_sec = ops as f64 / secs;
    println!("{phase:<12}: {micros_per_op:>10.3} micros/op {ops_per_sec:.0} ops/sec {secs:.3} seconds {ops} operations;{extra}");
    println!(
        "engine-bench phase={phase} ops={ops} seconds={secs:.6} micros_per_op={micros_per_op:.4} ops_per_sec={ops_per_sec:.1}"
    );
}

fn fill_random(engine: &Engine, args: &Args, rng: &mut SmallRng) -> Result<()> {
    let mut values = ValueGenerator::new(rng, args.compression_ratio, args.value_size);
    let mut key = Vec::with_capacity(args.key_size);
    let base_ts = now_micros();
    let start = Instant::now();
    for i in 0..args.num {
        let k = rng.gen_range(0..args.num);
        db_bench_key(k, args.key_size, &mut key);
        let m = one_row_mutation(TABLE, &key, values.next(args.value_size), base_ts + i as i64);
        engine.apply(&m).context("fillrandom write")?;
    }
    let elapsed = start.elapsed();
    let mb = (args.num as f64 * (args.key_size + args.value_size) as f64) / 1_048_576.0 / elapsed.as_secs_f64();
    report("fillrandom", args.num, elapsed, &format!(" {mb:.1} MB/s"));
    Ok(())
}

fn read_random(engine: &Engine, args: &Args, rng: &mut SmallRng) -> Result<()> {
    let reads = if args.reads < 0 { args.num } else { args.reads as u64 };
    if reads == 0 {
        return Ok(());
    }
    let slice = Slice::all();
    let mut key = Vec::with_capacity(args.key_size);
    let mut found = 0u64;
    let now_secs = (now_micros() / 1_000_000) as u32;
    let start = Instant::now();
    for _ in 0..reads {
        let k = rng.gen_range(0..args.num);
        db_bench_key(k, args.key_size, &mut key);
        let pk = PartitionKey::new(bytes::Bytes::copy_from_slice(&key));
        if let Some(p) = engine.read(TABLE, &pk, &slice).context("readrandom read")? {
            if p.live_rows(now_secs).next().is_some() {
                found += 1;
            }
        }
    }
    let elapsed = start.elapsed();
    report("readrandom", reads, elapsed, &format!(" ({found} of {reads} found)"));
    println!("engine-bench phase=readrandom found={found} reads={reads}");
    Ok(())
}
