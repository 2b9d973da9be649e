//! Start-up and shutdown order: open the engine (replaying the commitlog), load the schema from
//! `system_schema`, settle the node's identity, write `system.local`, then serve.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sibyl_coordinator::describe::{ClusterInfo, RingToken};
use sibyl_coordinator::local::{stored_identity, write_local, LocalNode};
use sibyl_coordinator::schema_store::{bootstrap, system_schema};
use sibyl_coordinator::QueryProcessor;
use sibyl_storage::{Engine, SyncMode};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::server::{Server, ServerContext};

/// A running node's parts.
pub struct Node {
    pub config: Config,
    pub engine: Arc<Engine>,
    pub processor: QueryProcessor,
    pub local: LocalNode,
}

fn random_uuid_v4() -> [u8; 16] {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0F) | 0x40;
    b[8] = (b[8] & 0x3F) | 0x80;
    b
}

impl Node {
    /// Opens storage and settles the node's identity (blocking: run before serving).
    pub fn open(config: Config) -> anyhow::Result<Node> {
        let engine_config = config.engine_config();
        let engine = Arc::new(Engine::open(engine_config).with_context(|| {
            format!(
                "cannot open storage (data {}, commitlog {})",
                config.data_file_directory.display(),
                config.commitlog_directory.display()
            )
        })?);
        let processor = QueryProcessor::new(Arc::clone(&engine), Arc::new(system_schema()));
        processor.set_prepared_cache_capacity(config.limits.prepared_cache_bytes);
        bootstrap(&processor).map_err(|e| anyhow::anyhow!("cannot load the schema: {e}"))?;
        let (host_id, tokens) = match stored_identity(&processor).map_err(|e| anyhow::anyhow!("{e}"))? {
            Some(found) => found,
            None => {
                let tokens = if config.initial_tokens.is_empty() {
                    let mut t: Vec<i64> =
                        (0..config.num_tokens).map(|_| rand::random::<i64>().max(i64::MIN + 1)).collect();
                    t.sort_unstable();
                    t.dedup();
                    t
                } else {
                    let mut t = config.initial_tokens.clone();
                    t.sort_unstable();
                    t
                };
                (random_uuid_v4(), tokens)
            }
        };
        let now_secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let local = LocalNode {
            cluster_name: config.cluster_name.clone(),
            host_id,
            listen_address: config.listen_address,
            listen_port: i32::from(config.storage_port),
            broadcast_address: config.broadcast_address,
            rpc_address: config.broadcast_rpc_address,
            rpc_port: i32::from(config.native_transport_port),
            data_center: config.data_center.clone(),
            rack: config.rack.clone(),
            tokens,
            gossip_generation: i32::try_from(now_secs).unwrap_or(i32::MAX),
        };
        write_local(&processor, &local).map_err(|e| anyhow::anyhow!("cannot write system.local: {e}"))?;
        let configured = config.endpoint_snitch.rsplit('.').next().unwrap_or("SimpleSnitch");
        let snitch = if config.dynamic_snitch { "DynamicEndpointSnitch" } else { configured };
        processor.set_cluster_info(ClusterInfo {
            cluster_name: config.cluster_name.clone(),
            partitioner: sibyl_coordinator::local::PARTITIONER.to_string(),
            snitch: format!("org.apache.cassandra.locator.{snitch}"),
            ring: local
                .tokens
                .iter()
                .map(|&token| RingToken {
                    token,
                    address: config.broadcast_address,
                    port: config.storage_port,
                    datacenter: config.data_center.clone(),
                })
                .collect(),
        });
        Ok(Node { config, engine, processor, local })
    }

    /// Serves CQL clients until `shutdown` turns true, then stops every connection and
    /// closes storage (flushing memtables, retiring clean commitlog segments).
    pub async fn serve(self, listener: TcpListener, shutdown: watch::Receiver<bool>) -> anyhow::Result<()> {
        let Node { config, engine, processor, .. } = self;
        let inline_writes = matches!(config.commitlog_sync, SyncMode::Periodic { .. });
        let ctx = Arc::new(
            ServerContext::new(processor, config.limits.clone(), inline_writes)
                .with_trace_source(config.broadcast_address, config.storage_port),
        );
        Server::new(listener, Arc::clone(&ctx)).run(shutdown).await;
        drop(ctx);
        tokio::task::spawn_blocking(move || match Arc::try_unwrap(engine) {
            Ok(engine) => engine.shutdown(),
            Err(shared) => {
                tracing::warn!("storage still in use at shutdown; flushing without closing");
                shared.flush_all()
            }
        })
        .await
        .context("shutdown task failed")?
        .context("storage shutdown failed")?;
        tracing::info!("storage closed");
        Ok(())
    }

    /// The address the CQL listener binds.
    pub fn native_address(&self) -> SocketAddr {
        SocketAddr::new(self.config.rpc_address, self.config.native_transport_port)
    }
}
