//! The node's configuration: one YAML file whose keys are `cassandra.yaml`'s, with Cassandra's
//! defaults, plus command-line overrides for the common ones.
//!
//! Durations and sizes are written as Cassandra 4.1+ writes them (`10000ms`, `10s`, `16MiB`)
//! or as plain numbers under the older `_in_ms` / `_in_mb` / `_in_kb` key names. Keys sibyl
//! does not know are reported at start-up and ignored, so an existing `cassandra.yaml` loads.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use sibyl_storage::{EngineConfig, SyncMode};

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("invalid yaml in {path}: {source}")]
    Yaml { path: PathBuf, source: serde_yaml::Error },
    #[error("invalid value for {key}: {message}")]
    Value { key: &'static str, message: String },
}

/// A duration or size as YAML may hold it: a number or a string with a unit.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Quantity {
    Number(i64),
    Text(String),
}

/// The file's contents: `cassandra.yaml` key names, every one optional.
#[derive(Debug, Default, Deserialize)]
pub struct RawConfig {
    pub cluster_name: Option<String>,
    pub listen_address: Option<IpAddr>,
    pub broadcast_address: Option<IpAddr>,
    pub rpc_address: Option<IpAddr>,
    pub broadcast_rpc_address: Option<IpAddr>,
    pub native_transport_port: Option<u16>,
    pub storage_port: Option<u16>,
    pub num_tokens: Option<u32>,
    pub initial_token: Option<String>,
    pub endpoint_snitch: Option<String>,
    pub dynamic_snitch: Option<bool>,
    pub data_file_directories: Option<Vec<PathBuf>>,
    pub commitlog_directory: Option<PathBuf>,
    pub commitlog_sync: Option<String>,
    pub commitlog_sync_period: Option<Quantity>,
    pub commitlog_sync_period_in_ms: Option<i64>,
    pub commitlog_sync_group_window: Option<Quantity>,
    pub commitlog_sync_group_window_in_ms: Option<i64>,
    pub commitlog_segment_size: Option<Quantity>,
    pub commitlog_segment_size_in_mb: Option<i64>,
    pub max_mutation_size: Option<Quantity>,
    pub memtable_heap_space: Option<Quantity>,
    pub memtable_heap_space_in_mb: Option<i64>,
    pub memtable_cleanup_threshold: Option<f64>,
    pub compaction_throughput: Option<Quantity>,
    pub compaction_throughput_mb_per_sec: Option<i64>,
    pub auto_snapshot: Option<bool>,
    pub native_transport_max_frame_size: Option<Quantity>,
    pub native_transport_max_frame_size_in_mb: Option<i64>,
    pub native_transport_max_concurrent_connections: Option<i64>,
    pub native_transport_max_concurrent_connections_per_ip: Option<i64>,
    pub native_transport_max_requests_per_connection: Option<i64>,
    pub native_transport_max_threads: Option<i64>,
    pub native_transport_max_request_data_in_flight_per_ip: Option<Quantity>,
    pub native_transport_max_request_data_in_flight: Option<Quantity>,
    pub native_transport_idle_timeout: Option<Quantity>,
    pub native_transport_receive_timeout: Option<Quantity>,
    pub prepared_statements_cache_size: Option<Quantity>,
    /// Everything else, reported and ignored.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_yaml::Value>,
}

/// The node's settings, resolved.
#[derive(Debug, Clone)]
pub struct Config {
    pub cluster_name: String,
    pub listen_address: IpAddr,
    pub broadcast_address: IpAddr,
    pub rpc_address: IpAddr,
    pub broadcast_rpc_address: IpAddr,
    pub native_transport_port: u16,
    pub storage_port: u16,
    pub num_tokens: u32,
    pub initial_tokens: Vec<i64>,
    pub endpoint_snitch: String,
    /// `dynamic_snitch`: the configured snitch is wrapped in Cassandra's DynamicEndpointSnitch
    /// (what DESCRIBE CLUSTER reports).
    pub dynamic_snitch: bool,
    pub data_center: String,
    pub rack: String,
    pub data_file_directory: PathBuf,
    pub commitlog_directory: PathBuf,
    pub commitlog_sync: SyncMode,
    pub commitlog_segment_size_bytes: usize,
    pub max_mutation_size_bytes: usize,
    pub memtable_heap_space_bytes: usize,
    pub memtable_cleanup_threshold: f64,
    pub compaction_throughput_bytes_per_sec: u64,
    pub auto_snapshot: bool,
    pub limits: NativeLimits,
    /// Keys of the file that sibyl ignored.
    pub ignored_keys: Vec<String>,
}

/// The native transport's bounds: each protects the node from one kind of client excess.
#[derive(Debug, Clone)]
pub struct NativeLimits {
    /// `native_transport_max_frame_size`: larger frames are refused from their header.
    pub max_frame_bytes: usize,
    /// `native_transport_max_concurrent_connections` (0: unlimited).
    pub max_connections: usize,
    /// `native_transport_max_concurrent_connections_per_ip` (0: unlimited).
    pub max_connections_per_ip: usize,
    /// `native_transport_max_requests_per_connection`: beyond it the connection stops reading.
    pub max_requests_per_connection: usize,
    /// `native_transport_max_request_data_in_flight_per_ip` (per connection here): request
    /// bytes being executed; beyond it the connection stops reading.
    pub max_request_bytes_per_connection: usize,
    /// `native_transport_max_request_data_in_flight`: the same over all connections.
    pub max_request_bytes_in_flight: usize,
    /// `native_transport_idle_timeout`: a connection that sends nothing for this long is
    /// closed (drivers send OPTIONS heartbeats every 30 s). Zero disables it.
    pub idle_timeout: Duration,
    /// `native_transport_receive_timeout`: a started frame must arrive whole within this time
    /// (slow senders are cut off).
    pub receive_timeout: Duration,
    /// `prepared_statements_cache_size`: bytes of prepared statements kept.
    pub prepared_cache_bytes: usize,
    /// `native_transport_max_threads`: threads that may run requests which wait for a
    /// commitlog sync (batch and group modes) at once; more requests queue for them.
    pub max_threads: usize,
}

impl Default for NativeLimits {
    fn default() -> Self {
        NativeLimits {
            max_frame_bytes: 16 * 1024 * 1024,
            max_connections: 4096,
            max_connections_per_ip: 1024,
            max_requests_per_connection: 2048,
            max_request_bytes_per_connection: 64 * 1024 * 1024,
            max_request_bytes_in_flight: 256 * 1024 * 1024,
            idle_timeout: Duration::from_secs(300),
            receive_timeout: Duration::from_secs(15),
            prepared_cache_bytes: 64 * 1024 * 1024,
            max_threads: 128,
        }
    }
}

impl Default for Config {
    /// A one-node cluster on 127.0.0.1 with data under `./data`.
    fn default() -> Self {
        let local: IpAddr = [127, 0, 0, 1].into();
        Config {
            cluster_name: "Test Cluster".into(),
            listen_address: local,
            broadcast_address: local,
            rpc_address: local,
            broadcast_rpc_address: local,
            native_transport_port: 9042,
            storage_port: 7000,
            num_tokens: 16,
            initial_tokens: Vec::new(),
            endpoint_snitch: "SimpleSnitch".into(),
            dynamic_snitch: true,
            data_center: "datacenter1".into(),
            rack: "rack1".into(),
            data_file_directory: PathBuf::from("data/data"),
            commitlog_directory: PathBuf::from("data/commitlog"),
            commitlog_sync: SyncMode::Periodic { period: Duration::from_secs(10) },
            commitlog_segment_size_bytes: 32 * 1024 * 1024,
            max_mutation_size_bytes: 16 * 1024 * 1024,
            memtable_heap_space_bytes: 256 * 1024 * 1024,
            memtable_cleanup_threshold: 0.25,
            compaction_throughput_bytes_per_sec: 64 * 1024 * 1024,
            auto_snapshot: true,
            limits: NativeLimits::default(),
            ignored_keys: Vec::new(),
        }
    }
}

/// Parses `10ms`, `10s`, `5m`, `1h`, `2d`, `10000` (with `default_unit_ms` for bare numbers).
pub fn parse_duration(q: &Quantity, default_unit_ms: u64, key: &'static str) -> Result<Duration, ConfigError> {
    let bad = |m: String| ConfigError::Value { key, message: m };
    match q {
        Quantity::Number(n) if *n >= 0 => Ok(Duration::from_millis(*n as u64 * default_unit_ms)),
        Quantity::Number(n) => Err(bad(format!("{n} is negative"))),
        Quantity::Text(t) => {
            let t = t.trim();
            let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
            let (num, unit) = t.split_at(split);
            let n: u64 = num.parse().map_err(|_| bad(format!("{t:?} is not a duration")))?;
            let unit_ms = match unit.trim().to_ascii_lowercase().as_str() {
                "" => default_unit_ms,
                "ms" | "milliseconds" => 1,
                "s" | "seconds" => 1000,
                "m" | "minutes" => 60_000,
                "h" | "hours" => 3_600_000,
                "d" | "days" => 86_400_000,
                "us" | "µs" | "microseconds" => return Ok(Duration::from_micros(n)),
                other => return Err(bad(format!("unknown duration unit {other:?} in {t:?}"))),
            };
            Ok(Duration::from_millis(n.saturating_mul(unit_ms)))
        }
    }
}

/// Parses `16MiB`, `512KiB`, `1GiB`, `100B`, `64MiB/s`, or a number of `default_unit` bytes.
pub fn parse_size(q: &Quantity, default_unit: u64, key: &'static str) -> Result<u64, ConfigError> {
    let bad = |m: String| ConfigError::Value { key, message: m };
    match q {
        Quantity::Number(n) if *n >= 0 => Ok((*n as u64).saturating_mul(default_unit)),
        Quantity::Number(n) => Err(bad(format!("{n} is negative"))),
        Quantity::Text(t) => {
            let t = t.trim();
            let t_unit = t.strip_suffix("/s").unwrap_or(t);
            let split = t_unit.find(|c: char| !c.is_ascii_digit()).unwrap_or(t_unit.len());
            let (num, unit) = t_unit.split_at(split);
            let n: u64 = num.parse().map_err(|_| bad(format!("{t:?} is not a size")))?;
            let mult = match unit.trim() {
                "" => default_unit,
                "B" | "b" => 1,
                "KiB" | "kib" | "KB" | "kb" => 1024,
                "MiB" | "mib" | "MB" | "mb" => 1024 * 1024,
                "GiB" | "gib" | "GB" | "gb" => 1024 * 1024 * 1024,
                other => return Err(bad(format!("unknown size unit {other:?} in {t:?}"))),
            };
            Ok(n.saturating_mul(mult))
        }
    }
}

fn limit(n: Option<i64>, default: usize) -> usize {
    match n {
        None => default,
        Some(v) if v <= 0 => 0,
        Some(v) => v as usize,
    }
}

impl Config {
    /// Reads a YAML file over the defaults.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Config::from_yaml(&text).map_err(|e| match e {
            ConfigError::Yaml { source, .. } => ConfigError::Yaml { path: path.to_path_buf(), source },
            other => other,
        })
    }

    /// Parses YAML text over the defaults.
    pub fn from_yaml(text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = if text.trim().is_empty() {
            RawConfig::default()
        } else {
            serde_yaml::from_str(text).map_err(|source| ConfigError::Yaml { path: PathBuf::new(), source })?
        };
        Config::from_raw(raw)
    }

    fn from_raw(raw: RawConfig) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        if let Some(v) = raw.cluster_name {
            c.cluster_name = v;
        }
        if let Some(v) = raw.listen_address {
            c.listen_address = v;
            c.broadcast_address = v;
        }
        if let Some(v) = raw.broadcast_address {
            c.broadcast_address = v;
        }
        if let Some(v) = raw.rpc_address {
            c.rpc_address = v;
            c.broadcast_rpc_address = v;
        }
        if let Some(v) = raw.broadcast_rpc_address {
            c.broadcast_rpc_address = v;
        }
        if let Some(v) = raw.native_transport_port {
            c.native_transport_port = v;
        }
        if let Some(v) = raw.storage_port {
            c.storage_port = v;
        }
        if let Some(v) = raw.num_tokens {
            if v == 0 || v > 1536 {
                return Err(ConfigError::Value { key: "num_tokens", message: format!("{v} is not in 1..=1536") });
            }
            c.num_tokens = v;
        }
        if let Some(v) = raw.initial_token {
            c.initial_tokens = v
                .split(',')
                .map(|t| t.trim())
                .filter(|t| !t.is_empty())
                .map(|t| {
                    t.parse::<i64>().map_err(|_| ConfigError::Value {
                        key: "initial_token",
                        message: format!("{t:?} is not a Murmur3 token"),
                    })
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = raw.endpoint_snitch {
            c.endpoint_snitch = v;
        }
        if let Some(v) = raw.dynamic_snitch {
            c.dynamic_snitch = v;
        }
        if let Some(v) = raw.data_file_directories.and_then(|d| d.into_iter().next()) {
            c.data_file_directory = v;
        }
        if let Some(v) = raw.commitlog_directory {
            c.commitlog_directory = v;
        }
        let period = match (raw.commitlog_sync_period, raw.commitlog_sync_period_in_ms) {
            (Some(q), _) => parse_duration(&q, 1, "commitlog_sync_period")?,
            (None, Some(ms)) => parse_duration(&Quantity::Number(ms), 1, "commitlog_sync_period_in_ms")?,
            (None, None) => Duration::from_secs(10),
        };
        let window = match (raw.commitlog_sync_group_window, raw.commitlog_sync_group_window_in_ms) {
            (Some(q), _) => parse_duration(&q, 1, "commitlog_sync_group_window")?,
            (None, Some(ms)) => parse_duration(&Quantity::Number(ms), 1, "commitlog_sync_group_window_in_ms")?,
            (None, None) => Duration::from_millis(15),
        };
        c.commitlog_sync = match raw.commitlog_sync.as_deref().unwrap_or("periodic") {
            "periodic" => SyncMode::Periodic { period },
            "batch" => SyncMode::Batch,
            "group" => SyncMode::Group { window },
            other => {
                return Err(ConfigError::Value {
                    key: "commitlog_sync",
                    message: format!("{other:?} is not one of periodic, batch, group"),
                })
            }
        };
        const MIB: u64 = 1024 * 1024;
        if let Some(q) = raw.commitlog_segment_size {
            c.commitlog_segment_size_bytes = parse_size(&q, MIB, "commitlog_segment_size")? as usize;
        } else if let Some(n) = raw.commitlog_segment_size_in_mb {
            c.commitlog_segment_size_bytes =
                parse_size(&Quantity::Number(n), MIB, "commitlog_segment_size_in_mb")? as usize;
        }
        if let Some(q) = raw.max_mutation_size {
            c.max_mutation_size_bytes = parse_size(&q, 1024, "max_mutation_size")? as usize;
        } else {
            c.max_mutation_size_bytes = c.commitlog_segment_size_bytes / 2;
        }
        if let Some(q) = raw.memtable_heap_space {
            c.memtable_heap_space_bytes = parse_size(&q, MIB, "memtable_heap_space")? as usize;
        } else if let Some(n) = raw.memtable_heap_space_in_mb {
            c.memtable_heap_space_bytes = parse_size(&Quantity::Number(n), MIB, "memtable_heap_space_in_mb")? as usize;
        }
        if let Some(v) = raw.memtable_cleanup_threshold {
            if !(0.01..=0.99).contains(&v) {
                return Err(ConfigError::Value {
                    key: "memtable_cleanup_threshold",
                    message: format!("{v} is not in 0.01..=0.99"),
                });
            }
            c.memtable_cleanup_threshold = v;
        }
        if let Some(q) = raw.compaction_throughput {
            c.compaction_throughput_bytes_per_sec = parse_size(&q, MIB, "compaction_throughput")?;
        } else if let Some(n) = raw.compaction_throughput_mb_per_sec {
            c.compaction_throughput_bytes_per_sec =
                parse_size(&Quantity::Number(n), MIB, "compaction_throughput_mb_per_sec")?;
        }
        if let Some(v) = raw.auto_snapshot {
            c.auto_snapshot = v;
        }
        let l = &mut c.limits;
        if let Some(q) = raw.native_transport_max_frame_size {
            l.max_frame_bytes = parse_size(&q, MIB, "native_transport_max_frame_size")? as usize;
        } else if let Some(n) = raw.native_transport_max_frame_size_in_mb {
            l.max_frame_bytes =
                parse_size(&Quantity::Number(n), MIB, "native_transport_max_frame_size_in_mb")? as usize;
        }
        if l.max_frame_bytes < 1024 || l.max_frame_bytes > 256 * 1024 * 1024 {
            return Err(ConfigError::Value {
                key: "native_transport_max_frame_size",
                message: format!("{} bytes is not in 1KiB..=256MiB", l.max_frame_bytes),
            });
        }
        l.max_connections = limit(raw.native_transport_max_concurrent_connections, l.max_connections);
        l.max_connections_per_ip =
            limit(raw.native_transport_max_concurrent_connections_per_ip, l.max_connections_per_ip);
        l.max_requests_per_connection =
            limit(raw.native_transport_max_requests_per_connection, l.max_requests_per_connection).max(1);
        l.max_threads = limit(raw.native_transport_max_threads, l.max_threads).clamp(1, 4096);
        if let Some(q) = raw.native_transport_max_request_data_in_flight_per_ip {
            l.max_request_bytes_per_connection =
                parse_size(&q, 1, "native_transport_max_request_data_in_flight_per_ip")? as usize;
        }
        if let Some(q) = raw.native_transport_max_request_data_in_flight {
            l.max_request_bytes_in_flight = parse_size(&q, 1, "native_transport_max_request_data_in_flight")? as usize;
        }
        // A request as large as the largest frame must always fit.
        l.max_request_bytes_per_connection = l.max_request_bytes_per_connection.max(l.max_frame_bytes);
        l.max_request_bytes_in_flight = l.max_request_bytes_in_flight.max(l.max_frame_bytes);
        if let Some(q) = raw.native_transport_idle_timeout {
            l.idle_timeout = parse_duration(&q, 1, "native_transport_idle_timeout")?;
        }
        if let Some(q) = raw.native_transport_receive_timeout {
            l.receive_timeout = parse_duration(&q, 1, "native_transport_receive_timeout")?;
        }
        if let Some(q) = raw.prepared_statements_cache_size {
            l.prepared_cache_bytes = parse_size(&q, MIB, "prepared_statements_cache_size")?.max(1024 * 1024) as usize;
        }
        c.ignored_keys = raw.other.into_keys().collect();
        Ok(c)
    }

    /// Puts data and commitlog under `dir` (the `--data-dir` option).
    pub fn set_data_dir(&mut self, dir: &Path) {
        self.data_file_directory = dir.join("data");
        self.commitlog_directory = dir.join("commitlog");
    }

    /// The storage engine's configuration.
    pub fn engine_config(&self) -> EngineConfig {
        let mut e = EngineConfig::new(&self.data_file_directory);
        e.data_dir = self.data_file_directory.clone();
        e.commitlog_dir = self.commitlog_directory.clone();
        e.commitlog_sync = self.commitlog_sync;
        e.commitlog_segment_size_bytes = self.commitlog_segment_size_bytes;
        e.max_mutation_size_bytes = self.max_mutation_size_bytes;
        e.memtable_space_bytes = self.memtable_heap_space_bytes;
        e.memtable_cleanup_threshold = self.memtable_cleanup_threshold;
        e.compaction_throughput_bytes_per_sec = self.compaction_throughput_bytes_per_sec;
        e.auto_snapshot = self.auto_snapshot;
        e
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn empty_file_gives_the_one_node_defaults() {
        let c = Config::from_yaml("").unwrap();
        assert_eq!(c.native_transport_port, 9042);
        assert_eq!(c.rpc_address, IpAddr::from([127, 0, 0, 1]));
        assert_eq!(c.limits.max_frame_bytes, 16 * 1024 * 1024);
        assert_eq!(c.data_file_directory, PathBuf::from("data/data"));
        assert_eq!(c.limits.max_threads, 128);
    }

    #[test]
    fn cassandra_yaml_keys_new_and_old_style() {
        let c = Config::from_yaml(
            "cluster_name: 'Prod'\nlisten_address: 127.0.0.2\nrpc_address: 127.0.0.2\nnum_tokens: 8\n\
             commitlog_sync: batch\ncommitlog_segment_size: 8MiB\nnative_transport_max_frame_size_in_mb: 4\n\
             data_file_directories:\n  - /tmp/x/data\ncommitlog_directory: /tmp/x/cl\n\
             native_transport_idle_timeout: 60s\nhints_directory: /tmp/hints\nnative_transport_max_threads: 32\n",
        )
        .unwrap();
        assert_eq!(c.cluster_name, "Prod");
        assert_eq!(c.broadcast_address, IpAddr::from([127, 0, 0, 2]));
        assert_eq!(c.num_tokens, 8);
        assert!(matches!(c.commitlog_sync, SyncMode::Batch));
        assert_eq!(c.commitlog_segment_size_bytes, 8 * 1024 * 1024);
        assert_eq!(c.max_mutation_size_bytes, 4 * 1024 * 1024);
        assert_eq!(c.limits.max_frame_bytes, 4 * 1024 * 1024);
        assert_eq!(c.limits.idle_timeout, Duration::from_secs(60));
        assert_eq!(c.limits.max_threads, 32);
        assert_eq!(c.commitlog_directory, PathBuf::from("/tmp/x/cl"));
        assert_eq!(c.ignored_keys, vec!["hints_directory".to_string()]);
    }

    #[test]
    fn bad_values_are_named() {
        let e = Config::from_yaml("commitlog_sync: sometimes\n").unwrap_err().to_string();
        assert!(e.contains("commitlog_sync"), "{e}");
        let e = Config::from_yaml("native_transport_max_frame_size: 16 parsecs\n").unwrap_err().to_string();
        assert!(e.contains("native_transport_max_frame_size"), "{e}");
        assert!(Config::from_yaml("num_tokens: 0\n").is_err());
        assert!(Config::from_yaml("initial_token: abc\n").is_err());
        assert!(Config::from_yaml("listen_address: [1, 2\n").is_err());
    }

    #[test]
    fn quantities() {
        let d = |s: &str| parse_duration(&Quantity::Text(s.into()), 1, "k").unwrap();
        assert_eq!(d("10000ms"), Duration::from_secs(10));
        assert_eq!(d("2m"), Duration::from_secs(120));
        let z = |s: &str| parse_size(&Quantity::Text(s.into()), 1, "k").unwrap();
        assert_eq!(z("64MiB/s"), 64 * 1024 * 1024);
        assert_eq!(z("512KiB"), 512 * 1024);
        assert!(parse_size(&Quantity::Number(-1), 1, "k").is_err());
    }
}
