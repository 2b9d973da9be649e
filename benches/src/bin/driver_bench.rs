//! `driver-bench`: client-side driver overhead, for `benches/driver-vs-scylla` (issue 5 §4).
//!
//! One client process keeps `--concurrency` prepared requests in flight against one node for
//! `--duration` (after a `--warmup` that is not counted) and prints its throughput and its own
//! CPU time per request (`getrusage(RUSAGE_SELF)`, all threads, before and after the measured
//! window). The client is sibyl's driver (`--client sibyl`) or, built with the `peer-scylla`
//! feature, the `scylla` crate (`--client scylla`), on the same tokio runtime (`--threads`
//! worker threads, 1 by default so that both are compared on one core).
//!
//! Workloads, on `bench.kv (k bigint PRIMARY KEY, v blob)`:
//! - `insert`: `INSERT INTO bench.kv (k, v) VALUES (?, ?)`, `k` uniform in `[0, keys)`, `v` 16
//!   random bytes;
//! - `select`: `SELECT v FROM bench.kv WHERE k = ?`, `k` uniform in `[0, keys)`, the row read
//!   and its `v` deserialized (a missing row counts as an error);
//! - `load`: creates the keyspace and table (with sibyl's driver, whatever `--client`) and
//!   inserts every key of `[0, keys)` once, then prints the same result line.
//!
//! Output: one line `driver-bench client=.. workload=.. concurrency=.. ops=.. secs=..
//! ops_per_s=.. errors=.. cpu_s=.. cpu_us_per_op=..`.

use anyhow::{bail, Context, Result};
use clap::{Parser, ValueEnum};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ClientKind {
    Sibyl,
    Scylla,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Workload {
    Insert,
    Select,
    Load,
}

#[derive(Parser, Debug)]
#[command(
    about = "Prepared point INSERT/SELECT throughput and client CPU per request, sibyl's driver or the scylla crate"
)]
struct Args {
    #[arg(long, value_enum, default_value = "sibyl")]
    client: ClientKind,
    #[arg(long, value_enum, default_value = "select")]
    workload: Workload,
    /// Requests in flight (one task each).
    #[arg(long, default_value_t = 128)]
    concurrency: usize,
    /// Measured time: `20s`, `500ms`, `1m` or seconds.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    duration: Duration,
    /// Time run before the measured window (not counted).
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    warmup: Duration,
    /// The node's native-transport address.
    #[arg(long, default_value = "127.0.0.1:9042")]
    node: String,
    /// Key range `[0, keys)` (the `load` workload inserts all of it).
    #[arg(long, default_value_t = 100_000)]
    keys: i64,
    /// Tokio worker threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = num.parse().map_err(|e| format!("bad duration {s:?}: {e}"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("bad duration unit in {s:?} (ms, s, m)")),
    };
    Ok(Duration::from_secs_f64(secs))
}

const INSERT: &str = "INSERT INTO bench.kv (k, v) VALUES (?, ?)";
const SELECT: &str = "SELECT v FROM bench.kv WHERE k = ?";
const VALUE_LEN: usize = 16;

/// A connected client with its two prepared statements (one value per run, behind an `Arc`:
/// the variants' size difference does not matter).
#[allow(clippy::large_enum_variant)]
enum Client {
    Sibyl {
        session: sibyl_driver::Session,
        insert: sibyl_driver::PreparedStatement,
        select: sibyl_driver::PreparedStatement,
    },
    #[cfg(feature = "peer-scylla")]
    Scylla {
        session: scylla::client::session::Session,
        insert: scylla::statement::prepared::PreparedStatement,
        select: scylla::statement::prepared::PreparedStatement,
    },
}

impl Client {
    async fn connect(kind: ClientKind, node: &str) -> Result<Client> {
        match kind {
            ClientKind::Sibyl => {
                let session = sibyl_driver::SessionBuilder::new().known_node(node).build().await?;
                let insert = session.prepare(INSERT).await?;
                let select = session.prepare(SELECT).await?;
                Ok(Client::Sibyl { session, insert, select })
            }
            #[cfg(feature = "peer-scylla")]
            ClientKind::Scylla => {
                let session = scylla::client::session_builder::SessionBuilder::new().known_node(node).build().await?;
                let insert = session.prepare(INSERT).await?;
                let select = session.prepare(SELECT).await?;
                Ok(Client::Scylla { session, insert, select })
            }
            #[cfg(not(feature = "peer-scylla"))]
            ClientKind::Scylla => bail!("--client scylla needs driver-bench built with --features peer-scylla"),
        }
    }

    async fn insert(&self, k: i64, v: &[u8; VALUE_LEN]) -> Result<()> {
        match self {
            Client::Sibyl { session, insert, .. } => {
                session.execute(insert, sibyl_driver::BoundValues::typed((k, v.to_vec()))).await?;
            }
            #[cfg(feature = "peer-scylla")]
            Client::Scylla { session, insert, .. } => {
                session.execute_unpaged(insert, (k, &v[..])).await?;
            }
        }
        Ok(())
    }

    async fn select(&self, k: i64) -> Result<()> {
        let v: Vec<u8> = match self {
            Client::Sibyl { session, select, .. } => {
                let result = session.execute(select, sibyl_driver::BoundValues::typed((k,))).await?;
                let row = result.first_row().with_context(|| format!("no row for k={k}"))?;
                row.get::<Vec<u8>>("v")?
            }
            #[cfg(feature = "peer-scylla")]
            Client::Scylla { session, select, .. } => {
                let result = session.execute_unpaged(select, (k,)).await?.into_rows_result()?;
                let (v,) = result.maybe_first_row::<(Vec<u8>,)>()?.with_context(|| format!("no row for k={k}"))?;
                v
            }
        };
        if v.len() != VALUE_LEN {
            bail!("k={k}: v has {} bytes, not {VALUE_LEN}", v.len());
        }
        Ok(())
    }
}

/// User + system CPU seconds of this process (all threads).
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass; RUSAGE_SELF is always valid.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

async fn create_schema(node: &str) -> Result<()> {
    let session = sibyl_driver::SessionBuilder::new().known_node(node).build().await?;
    session
        .query(
            "CREATE KEYSPACE IF NOT EXISTS bench WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
            (),
        )
        .await?;
    session.query("CREATE TABLE IF NOT EXISTS bench.kv (k bigint PRIMARY KEY, v blob)", ()).await?;
    Ok(())
}

struct Counters {
    ops: AtomicU64,
    errors: AtomicU64,
    stop: AtomicBool,
    first_error: std::sync::Mutex<Option<String>>,
}

impl Counters {
    fn record(&self, result: Result<()>) {
        match result {
            Ok(()) => {
                self.ops.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut first) = self.first_error.lock() {
                    first.get_or_insert_with(|| format!("{e:#}"));
                }
            }
        }
    }
}

async fn run(args: &Args) -> Result<()> {
    if args.workload == Workload::Load {
        create_schema(&args.node).await?;
    }
    let client = Arc::new(Client::connect(args.client, &args.node).await?);
    let counters = Arc::new(Counters {
        ops: AtomicU64::new(0),
        errors: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        first_error: std::sync::Mutex::new(None),
    });

    if args.workload == Workload::Load {
        // Every key once, split among the tasks.
        let started = Instant::now();
        let cpu_before = cpu_seconds();
        let next = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::with_capacity(args.concurrency);
        for t in 0..args.concurrency {
            let (client, counters, next, keys) = (client.clone(), counters.clone(), next.clone(), args.keys);
            tasks.push(tokio::spawn(async move {
                let mut rng = SmallRng::seed_from_u64(t as u64);
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed) as i64;
                    if k >= keys {
                        break;
                    }
                    let v: [u8; VALUE_LEN] = rng.gen();
                    counters.record(client.insert(k, &v).await);
                }
            }));
        }
        for task in tasks {
            task.await?;
        }
        report(args, &counters, counters.ops.load(Ordering::Relaxed), started.elapsed(), cpu_seconds() - cpu_before);
        return check_errors(&counters);
    }

    let mut tasks = Vec::with_capacity(args.concurrency);
    for t in 0..args.concurrency {
        let (client, counters, workload, keys) = (client.clone(), counters.clone(), args.workload, args.keys);
        tasks.push(tokio::spawn(async move {
            let mut rng = SmallRng::seed_from_u64(0x5eed ^ t as u64);
            while !counters.stop.load(Ordering::Relaxed) {
                let k = rng.gen_range(0..keys);
                let result = match workload {
                    Workload::Insert => {
                        let v: [u8; VALUE_LEN] = rng.gen();
                        client.insert(k, &v).await
                    }
                    _ => client.select(k).await,
                };
                counters.record(result);
            }
        }));
    }
    tokio::time::sleep(args.warmup).await;
    let (ops_before, cpu_before, started) = (counters.ops.load(Ordering::Relaxed), cpu_seconds(), Instant::now());
    tokio::time::sleep(args.duration).await;
    let (ops_after, cpu_after, elapsed) = (counters.ops.load(Ordering::Relaxed), cpu_seconds(), started.elapsed());
    counters.stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await?;
    }
    report(args, &counters, ops_after - ops_before, elapsed, cpu_after - cpu_before);
    check_errors(&counters)
}

fn report(args: &Args, counters: &Counters, ops: u64, elapsed: Duration, cpu_s: f64) {
    let secs = elapsed.as_secs_f64();
    println!(
        "driver-bench client={} workload={} concurrency={} threads={} ops={ops} secs={secs:.2} ops_per_s={:.0} \
         errors={} cpu_s={cpu_s:.3} cpu_us_per_op={:.3}",
        format!("{:?}", args.client).to_lowercase(),
        format!("{:?}", args.workload).to_lowercase(),
        args.concurrency,
        args.threads,
        ops as f64 / secs.max(1e-9),
        counters.errors.load(Ordering::Relaxed),
        cpu_s * 1e6 / ops.max(1) as f64,
    );
}

fn check_errors(counters: &Counters) -> Result<()> {
    if let Some(e) = counters.first_error.lock().ok().and_then(|f| f.clone()) {
        bail!("{} requests failed; first: {e}", counters.errors.load(Ordering::Relaxed));
    }
    Ok(())
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.concurrency == 0 || args.keys <= 0 || args.threads == 0 {
        bail!("--concurrency, --keys and --threads must be positive");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(args.threads).enable_all().build()?;
    runtime.block_on(run(&args))
}
