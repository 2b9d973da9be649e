//! `sibyl`: a database node. With no arguments it starts a one-node cluster on 127.0.0.1:9042
//! with data under `./data`, ready for `cqlsh`.

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use sibyl_node::config::Config;
use sibyl_node::node::Node;
use tokio::net::TcpListener;
use tokio::sync::watch;

// The memtable allocates many small nodes; glibc's malloc fragments under that load.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A sibyl database node (Cassandra-compatible CQL on port 9042).
#[derive(Debug, Parser)]
#[command(name = "sibyl", version)]
struct Args {
    /// A YAML file with cassandra.yaml key names.
    #[arg(long, short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory for data and commitlog (`<dir>/data`, `<dir>/commitlog`); default ./data.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// `cluster_name`.
    #[arg(long)]
    cluster_name: Option<String>,
    /// `listen_address` (also the default `rpc_address`).
    #[arg(long)]
    listen_address: Option<IpAddr>,
    /// `rpc_address`: the address CQL clients connect to.
    #[arg(long)]
    rpc_address: Option<IpAddr>,
    /// `native_transport_port`.
    #[arg(long)]
    native_transport_port: Option<u16>,
    /// `num_tokens`.
    #[arg(long)]
    num_tokens: Option<u32>,
    /// `commitlog_sync`: periodic, batch or group.
    #[arg(long)]
    commitlog_sync: Option<String>,
}

fn config_from(args: &Args) -> anyhow::Result<Config> {
    let mut config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let mut overrides = String::new();
    if let Some(v) = &args.commitlog_sync {
        overrides.push_str(&format!("commitlog_sync: {v}\n"));
    }
    if !overrides.is_empty() {
        let o = Config::from_yaml(&overrides)?;
        config.commitlog_sync = o.commitlog_sync;
    }
    if let Some(dir) = &args.data_dir {
        config.set_data_dir(dir);
    }
    if let Some(v) = &args.cluster_name {
        config.cluster_name = v.clone();
    }
    if let Some(v) = args.listen_address {
        config.listen_address = v;
        config.broadcast_address = v;
        if args.rpc_address.is_none() {
            config.rpc_address = v;
            config.broadcast_rpc_address = v;
        }
    }
    if let Some(v) = args.rpc_address {
        config.rpc_address = v;
        config.broadcast_rpc_address = v;
    }
    if let Some(v) = args.native_transport_port {
        config.native_transport_port = v;
    }
    if let Some(v) = args.num_tokens {
        anyhow::ensure!((1..=1536).contains(&v), "--num-tokens {v} is not in 1..=1536");
        config.num_tokens = v;
    }
    Ok(config)
}

fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let config = config_from(&args)?;
    for key in &config.ignored_keys {
        tracing::warn!(key = %key, "configuration key not supported by sibyl; ignored");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("sibyl-native")
        .max_blocking_threads(config.limits.max_threads)
        .build()?;
    let node = Node::open(config)?;
    let addr = node.native_address();
    runtime.block_on(async move {
        let listener = TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        tracing::info!(%addr, cluster = %node.config.cluster_name, "Starting listening for CQL clients");
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down: closing client connections and flushing memtables");
            let _ = tx.send(true);
        });
        node.serve(listener, rx).await
    })
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
