//! `WITH name = value` options: the property map of a statement (Cassandra's
//! `PropertyDefinitions`) and the table options built from it (`TableAttributes`,
//! `TableParams`, `CompactionParams`, `CompressionParams`, `CachingParams`, speculative retry
//! policies), with Cassandra 5.0's validation and messages.

use std::collections::BTreeMap;

use super::ddl::DdlError;
use super::java::double_to_string;
use super::TableParams;
use crate::ast::{Literal, Property, PropertyValue};

/// A property's value: a constant (as its raw text) or a map of constants.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PropValue {
    Simple(String),
    Map(Vec<(String, String)>),
}

/// The properties of one statement, in the order written (names are unique: the parser refuses
/// duplicates).
#[derive(Debug, Clone, Default)]
pub(crate) struct Props(Vec<(String, PropValue)>);

/// The text Cassandra takes from a constant (`Constants.Literal.getRawText`).
fn raw_text(l: &Literal) -> String {
    match l {
        Literal::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Props {
    pub(crate) fn new(properties: &[Property]) -> Props {
        Props(
            properties
                .iter()
                .map(|p| {
                    let value = match &p.value {
                        PropertyValue::Constant(l) => PropValue::Simple(raw_text(l)),
                        PropertyValue::Keyword(k) => PropValue::Simple(k.clone()),
                        PropertyValue::Map(entries) => {
                            PropValue::Map(entries.iter().map(|(k, v)| (raw_text(k), raw_text(v))).collect())
                        }
                    };
                    (p.name.as_str().to_string(), value)
                })
                .collect(),
        )
    }

    /// `PropertyDefinitions.validate`: every name must be one of `valid`.
    pub(crate) fn validate_names(&self, valid: &[&str]) -> Result<(), DdlError> {
        match self.0.iter().find(|(n, _)| !valid.contains(&n.as_str())) {
            Some((n, _)) => Err(DdlError::Syntax(format!("Unknown property '{n}'"))),
            None => Ok(()),
        }
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }

    fn get(&self, name: &str) -> Option<&PropValue> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub(crate) fn string(&self, name: &str) -> Result<Option<&str>, DdlError> {
        match self.get(name) {
            None => Ok(None),
            Some(PropValue::Simple(s)) => Ok(Some(s)),
            Some(PropValue::Map(_)) => {
                Err(DdlError::Syntax(format!("Invalid value for property '{name}'. It should be a string")))
            }
        }
    }

    pub(crate) fn map(&self, name: &str) -> Result<Option<BTreeMap<String, String>>, DdlError> {
        match self.get(name) {
            None => Ok(None),
            Some(PropValue::Map(entries)) => Ok(Some(entries.iter().cloned().collect())),
            Some(PropValue::Simple(_)) => {
                Err(DdlError::Syntax(format!("Invalid value for property '{name}'. It should be a map.")))
            }
        }
    }

    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>, DdlError> {
        self.string(name)?.map(|v| parse_boolean(name, v)).transpose()
    }

    fn int(&self, name: &str) -> Result<Option<i32>, DdlError> {
        self.string(name)?
            .map(|v| v.parse::<i32>().map_err(|_| DdlError::Syntax(format!("Invalid integer value {v} for '{name}'"))))
            .transpose()
    }

    fn double(&self, name: &str) -> Result<Option<f64>, DdlError> {
        self.string(name)?
            .map(|v| {
                v.trim().parse::<f64>().map_err(|_| DdlError::Syntax(format!("Invalid double value {v} for '{name}'")))
            })
            .transpose()
    }
}

/// `PropertyDefinitions.parseBoolean`.
pub(crate) fn parse_boolean(key: &str, value: &str) -> Result<bool, DdlError> {
    match value.to_lowercase().as_str() {
        "1" | "true" | "yes" => Ok(true),
        "0" | "false" | "no" => Ok(false),
        _ => Err(DdlError::Syntax(format!(
            "Invalid boolean value {value} for '{key}'. Positive values can be '1', 'true' or 'yes'. \
             Negative values can be '0', 'false' or 'no'."
        ))),
    }
}

/// Java's `Boolean.parseBoolean`: true only for "true" in any case.
fn java_parse_boolean(value: &str) -> bool {
    value.eq_ignore_ascii_case("true")
}

/// The names `CREATE TABLE` / `ALTER TABLE … WITH` accept (`TableParams.Option` and `id`).
pub(crate) const TABLE_OPTIONS: &[&str] = &[
    "allow_auto_snapshot",
    "bloom_filter_fp_chance",
    "caching",
    "comment",
    "compaction",
    "compression",
    "memtable",
    "default_time_to_live",
    "extensions",
    "gc_grace_seconds",
    "incremental_backups",
    "max_index_interval",
    "memtable_flush_period_in_ms",
    "min_index_interval",
    "speculative_retry",
    "additional_write_policy",
    "crc_check_chance",
    "cdc",
    "read_repair",
    "id",
];

/// `Attributes.MAX_TTL`: 20 years in seconds.
pub(crate) const MAX_TTL_SECONDS: i64 = 20 * 365 * 24 * 60 * 60;

/// `BloomCalculations.minSupportedBloomFilterFpChance()`.
const MIN_BLOOM_FILTER_FP_CHANCE: f64 = 6.710808136638059E-5;

/// The memtable configurations of Cassandra 5.0's default `cassandra.yaml`.
const MEMTABLE_CONFIGURATIONS: &[&str] = &["default", "skiplist", "trie"];

const COMPACTION_PACKAGE: &str = "org.apache.cassandra.db.compaction.";
const COMPRESSION_PACKAGE: &str = "org.apache.cassandra.io.compress.";
const LEVELED: &str = "org.apache.cassandra.db.compaction.LeveledCompactionStrategy";
const UNIFIED: &str = "org.apache.cassandra.db.compaction.UnifiedCompactionStrategy";

fn config(msg: String) -> DdlError {
    DdlError::ConfigurationError(msg)
}

/// Builds table options from `props` (`TableAttributes.build` then `TableParams.validate`): on
/// top of `previous` for `ALTER TABLE`, or of the defaults for `CREATE TABLE`.
pub(crate) fn table_params(props: &Props, previous: Option<&TableParams>) -> Result<TableParams, DdlError> {
    props.validate_names(TABLE_OPTIONS)?;
    // Cassandra validates the options on top of the defaults first (`attrs.validate()`).
    let fresh = build(props, None)?;
    validate(&fresh)?;
    match previous {
        None => Ok(fresh),
        Some(p) => {
            let altered = build(props, Some(p))?;
            validate(&altered)?;
            Ok(altered)
        }
    }
}

fn build(props: &Props, previous: Option<&TableParams>) -> Result<TableParams, DdlError> {
    let mut p = previous.cloned().unwrap_or_default();
    if let Some(v) = props.boolean("allow_auto_snapshot")? {
        p.allow_auto_snapshot = v;
    }
    let bloom = props.double("bloom_filter_fp_chance")?;
    if let Some(m) = props.map("caching")? {
        p.caching = caching_from_map(&m)?;
    }
    if let Some(c) = props.string("comment")? {
        p.comment = c.to_string();
    }
    if let Some(m) = props.map("compaction")? {
        p.compaction = compaction_from_map(&m)?;
    }
    if let Some(m) = props.map("compression")? {
        p.compression = compression_from_map(&m)?;
    }
    if let Some(m) = props.string("memtable")? {
        if !MEMTABLE_CONFIGURATIONS.contains(&m) {
            return Err(config(format!("Memtable configuration \"{m}\" not found.")));
        }
        p.memtable = m.to_string();
    }
    if let Some(v) = props.int("default_time_to_live")? {
        p.default_time_to_live = v;
    }
    if let Some(v) = props.int("gc_grace_seconds")? {
        p.gc_grace_seconds = v;
    }
    if let Some(v) = props.boolean("incremental_backups")? {
        p.incremental_backups = v;
    }
    if let Some(v) = props.int("max_index_interval")? {
        p.max_index_interval = v;
    }
    if let Some(v) = props.int("memtable_flush_period_in_ms")? {
        p.memtable_flush_period_in_ms = v;
    }
    if let Some(v) = props.int("min_index_interval")? {
        p.min_index_interval = v;
    }
    if let Some(v) = props.string("speculative_retry")? {
        p.speculative_retry = speculative_retry(v)?;
    }
    if let Some(v) = props.string("additional_write_policy")? {
        p.additional_write_policy = speculative_retry(v)?;
    }
    if let Some(v) = props.double("crc_check_chance")? {
        p.crc_check_chance = v;
    }
    if let Some(v) = props.boolean("cdc")? {
        p.cdc = v;
    }
    if let Some(v) = props.string("read_repair")? {
        p.read_repair = read_repair(v)?;
    }
    // An unset bloom_filter_fp_chance follows the compaction strategy on creation only.
    p.bloom_filter_fp_chance = match (bloom, previous) {
        (Some(b), _) => b,
        (None, Some(prev)) => prev.bloom_filter_fp_chance,
        (None, None) => default_bloom_filter_fp_chance(&p.compaction),
    };
    Ok(p)
}

/// `CompactionParams.defaultBloomFilterFbChance`.
fn default_bloom_filter_fp_chance(compaction: &BTreeMap<String, String>) -> f64 {
    if compaction.get("class").map(String::as_str) == Some(LEVELED) {
        0.1
    } else {
        0.01
    }
}

/// `TableParams.validate`.
fn validate(p: &TableParams) -> Result<(), DdlError> {
    validate_compaction(&p.compaction)?;
    let bloom = p.bloom_filter_fp_chance;
    if bloom <= MIN_BLOOM_FILTER_FP_CHANCE || bloom > 1.0 {
        return Err(config(format!(
            "bloom_filter_fp_chance must be larger than {} and less than or equal to 1.0 (got {})",
            double_to_string(MIN_BLOOM_FILTER_FP_CHANCE),
            double_to_string(bloom)
        )));
    }
    if !(0.0..=1.0).contains(&p.crc_check_chance) {
        return Err(config(format!(
            "crc_check_chance must be larger than or equal to 0 and smaller than or equal to 1.0 (got {})",
            double_to_string(p.crc_check_chance)
        )));
    }
    if p.default_time_to_live < 0 {
        return Err(config(format!(
            "default_time_to_live must be greater than or equal to 0 (got {})",
            p.default_time_to_live
        )));
    }
    if i64::from(p.default_time_to_live) > MAX_TTL_SECONDS {
        return Err(config(format!(
            "default_time_to_live must be less than or equal to {MAX_TTL_SECONDS} (got {})",
            p.default_time_to_live
        )));
    }
    if p.gc_grace_seconds < 0 {
        return Err(config(format!(
            "gc_grace_seconds must be greater than or equal to 0 (got {})",
            p.gc_grace_seconds
        )));
    }
    if p.min_index_interval < 1 {
        return Err(config(format!(
            "min_index_interval must be greater than or equal to 1 (got {})",
            p.min_index_interval
        )));
    }
    if p.max_index_interval < p.min_index_interval {
        return Err(config(format!(
            "max_index_interval must be greater than or equal to min_index_interval ({}) (got {})",
            p.min_index_interval, p.max_index_interval
        )));
    }
    if p.memtable_flush_period_in_ms < 0 {
        return Err(config(format!(
            "memtable_flush_period_in_ms must be greater than or equal to 0 (got {})",
            p.memtable_flush_period_in_ms
        )));
    }
    Ok(())
}

/// `CachingParams.fromMap` then `asMap`.
fn caching_from_map(map: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, DdlError> {
    let keys = match map.get("keys") {
        None => "NONE",
        Some(v) if v.eq_ignore_ascii_case("ALL") => "ALL",
        Some(v) if v.eq_ignore_ascii_case("NONE") => "NONE",
        Some(v) => {
            return Err(config(format!(
                "Invalid value '{v}' for caching sub-option 'keys': only 'ALL' and 'NONE' are allowed"
            )))
        }
    };
    let rows = match map.get("rows_per_partition") {
        None => "NONE".to_string(),
        Some(v) if v.eq_ignore_ascii_case("ALL") => "ALL".to_string(),
        Some(v) if v.eq_ignore_ascii_case("NONE") => "NONE".to_string(),
        Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => match v.parse::<i32>() {
            Ok(0) => "NONE".to_string(),
            Ok(i32::MAX) => "ALL".to_string(),
            Ok(n) => n.to_string(),
            Err(_) => return Err(config(format!("For input string: \"{v}\""))),
        },
        Some(v) => {
            return Err(config(format!(
                "Invalid value '{v}' for caching sub-option 'rows_per_partition': only 'ALL', 'NONE', and integer \
                 values are allowed"
            )))
        }
    };
    let others: Vec<&String> = map.keys().filter(|k| *k != "keys" && *k != "rows_per_partition").collect();
    if !others.is_empty() {
        return Err(config(format!(
            "Invalid caching sub-options {}: only 'keys' and 'rows_per_partition' are allowed",
            java_set(&others)
        )));
    }
    Ok(BTreeMap::from([("keys".to_string(), keys.to_string()), ("rows_per_partition".to_string(), rows)]))
}

/// A Java collection's `toString()`: `[a, b]`.
fn java_set(items: &[&String]) -> String {
    format!("[{}]", items.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))
}

/// The sub-options each compaction strategy understands (`validateOptions`).
fn compaction_options(class: &str) -> Vec<&'static str> {
    const COMMON: &[&str] = &[
        "enabled",
        "provide_overlapping_tombstones",
        "tombstone_threshold",
        "tombstone_compaction_interval",
        "unchecked_tombstone_compaction",
        "log_all",
        "only_purge_repaired_tombstones",
    ];
    const THRESHOLDS: &[&str] = &["min_threshold", "max_threshold"];
    const STCS: &[&str] = &["min_sstable_size", "bucket_low", "bucket_high"];
    let simple = class.rsplit('.').next().unwrap_or(class);
    let specific: &[&str] = match simple {
        "SizeTieredCompactionStrategy" => STCS,
        "LeveledCompactionStrategy" => &["sstable_size_in_mb", "fanout_size", "single_sstable_uplevel"],
        "TimeWindowCompactionStrategy" => &[
            "compaction_window_unit",
            "compaction_window_size",
            "timestamp_resolution",
            "expired_sstable_check_frequency_seconds",
            "unsafe_aggressive_sstable_expiration",
        ],
        _ => &[
            "scaling_parameters",
            "static_scaling_parameters",
            "min_sstable_size",
            "flush_size_override",
            "base_shard_count",
            "sstable_growth",
            "target_sstable_size",
            "max_sstables_to_compact",
            "expired_sstable_check_frequency_seconds",
            "unsafe_aggressive_sstable_expiration",
            "overlap_inclusion_method",
            "survival_factor",
        ],
    };
    let mut out: Vec<&'static str> = COMMON.iter().chain(specific).copied().collect();
    if class != UNIFIED {
        out.extend(THRESHOLDS);
    }
    if matches!(simple, "LeveledCompactionStrategy" | "TimeWindowCompactionStrategy") {
        out.extend(STCS);
    }
    out
}

/// `CompactionParams.fromMap` then `asMap`: the class fully qualified, and (for every strategy
/// but UCS) `min_threshold`/`max_threshold` filled in as Cassandra shows them.
pub(crate) fn compaction_from_map(map: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, DdlError> {
    let Some(class) = map.get("class") else {
        return Err(config("Missing sub-option 'class' for the 'compaction' option".to_string()));
    };
    let full = if class.contains('.') { class.clone() } else { format!("{COMPACTION_PACKAGE}{class}") };
    const KNOWN: &[&str] = &[
        "SizeTieredCompactionStrategy",
        "LeveledCompactionStrategy",
        "TimeWindowCompactionStrategy",
        "UnifiedCompactionStrategy",
    ];
    if !KNOWN.iter().any(|k| full == format!("{COMPACTION_PACKAGE}{k}")) {
        return Err(config(format!("Unable to find compaction strategy class '{full}'")));
    }
    if let Some(t) = map.get("provide_overlapping_tombstones") {
        let upper = t.to_uppercase();
        if !matches!(upper.as_str(), "NONE" | "ROW" | "CELL") {
            return Err(config(format!(
                "Invalid value {upper} for 'provide_overlapping_tombstones' compaction sub-option - must be one of \
                 the following [NONE, ROW, CELL]."
            )));
        }
    }
    let mut out: BTreeMap<String, String> =
        map.iter().filter(|(k, _)| *k != "class").map(|(k, v)| (k.clone(), v.clone())).collect();
    if full != UNIFIED {
        out.entry("min_threshold".into()).or_insert_with(|| "4".into());
        out.entry("max_threshold".into()).or_insert_with(|| "32".into());
    }
    out.insert("class".into(), full);
    Ok(out)
}

/// `CompactionParams.validate`.
fn validate_compaction(map: &BTreeMap<String, String>) -> Result<(), DdlError> {
    let class = map.get("class").cloned().unwrap_or_default();
    let known = compaction_options(&class);
    let unknown: Vec<&String> = map.keys().filter(|k| *k != "class" && !known.contains(&k.as_str())).collect();
    if !unknown.is_empty() {
        let simple = class.rsplit('.').next().unwrap_or(&class);
        return Err(config(format!("Properties specified {} are not understood by {simple}", java_set(&unknown))));
    }
    let threshold = |name: &str, default: i64| -> Result<i64, DdlError> {
        match map.get(name) {
            None => Ok(default),
            Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
                v.parse::<i64>().map_err(|_| config(format!("For input string: \"{v}\"")))
            }
            Some(v) => {
                Err(config(format!("Invalid value {v} for '{name}' compaction sub-option - must be an integer")))
            }
        }
    };
    let min = threshold("min_threshold", 4)?;
    let max = threshold("max_threshold", 32)?;
    if min <= 0 || max <= 0 {
        return Err(config(
            "Disabling compaction by setting compaction thresholds to 0 has been removed, set the compaction option \
             'enabled' to false instead."
                .to_string(),
        ));
    }
    if min <= 1 {
        return Err(config(format!("Min compaction threshold cannot be less than 2 (got {min})")));
    }
    if min > max {
        return Err(config(format!(
            "Min compaction threshold (got {min}) cannot be greater than max compaction threshold (got {max})"
        )));
    }
    Ok(())
}

/// `CompressionParams.fromMap` (with `validate`) then `asMap`.
pub(crate) fn compression_from_map(map: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, DdlError> {
    let mut options = map.clone();
    let enabled = options.remove("enabled").map(|e| java_parse_boolean(&e)).unwrap_or(true);
    if !map.is_empty() && enabled && !options.contains_key("class") {
        return Err(config("Missing sub-option 'class' for the 'compression' option.".to_string()));
    }
    if !enabled && !options.is_empty() {
        return Err(config("If the 'enabled' option is set to false no other options must be specified".to_string()));
    }
    let class = match options.remove("class") {
        Some(c) if c.is_empty() => {
            return Err(config(
                "The 'class' option must not be empty. To disable compression use 'enabled' : false".to_string(),
            ))
        }
        other => other,
    };
    let chunk_length_kb: i64 = match options.remove("chunk_length_in_kb") {
        None => 16,
        Some(v) => {
            let parsed = v.parse::<i32>().map_err(|_| config("Invalid value for chunk_length_in_kb".to_string()))?;
            if parsed > i32::MAX / 1024 {
                return Err(config(format!("Value of chunk_length_in_kb is too large ({parsed})")));
            }
            i64::from(parsed)
        }
    };
    let min_compress_ratio: f64 = match options.remove("min_compress_ratio") {
        None => 0.0,
        Some(v) => v.trim().parse::<f64>().map_err(|_| config(format!("For input string: \"{v}\"")))?,
    };
    let Some(class) = class else {
        if !options.is_empty() {
            let keys: Vec<&String> = options.keys().collect();
            return Err(config(format!(
                "Unknown compression options ({}) since no compression class found",
                java_set(&keys)
            )));
        }
        return Ok(BTreeMap::from([("enabled".to_string(), "false".to_string())]));
    };
    let full = if class.contains('.') { class.clone() } else { format!("{COMPRESSION_PACKAGE}{class}") };
    let supported: &[&str] = match full.strip_prefix(COMPRESSION_PACKAGE) {
        Some("LZ4Compressor") => &["lz4_compressor_type", "lz4_high_compressor_level"],
        Some("ZstdCompressor") => &["compression_level"],
        Some("SnappyCompressor" | "DeflateCompressor" | "NoopCompressor") => &[],
        _ => return Err(config(format!("Could not create Compression for type {full}"))),
    };
    if let Some(k) = options.keys().find(|k| !supported.contains(&k.as_str())) {
        return Err(config(format!("Unknown compression options {k}")));
    }
    // validate(): the chunk length in bytes must be a positive power of two.
    let chunk_length = chunk_length_kb * 1024;
    if chunk_length <= 0 {
        return Err(config("Invalid negative or null chunk_length_in_kb".to_string()));
    }
    if chunk_length & (chunk_length - 1) != 0 {
        return Err(config("chunk_length_in_kb must be a power of 2".to_string()));
    }
    let max_compressed_length = (chunk_length as f64 / min_compress_ratio).min(f64::from(i32::MAX)).ceil();
    if max_compressed_length < 0.0 {
        return Err(config("Invalid negative min_compress_ratio".to_string()));
    }
    if max_compressed_length > chunk_length as f64 && max_compressed_length < f64::from(i32::MAX) {
        return Err(config("min_compress_ratio can either be 0 or greater than or equal to 1".to_string()));
    }
    let mut out = options;
    out.insert("class".into(), full);
    out.insert("chunk_length_in_kb".into(), chunk_length_kb.to_string());
    if min_compress_ratio != 0.0 {
        out.insert("min_compress_ratio".into(), double_to_string(min_compress_ratio));
    }
    Ok(out)
}

/// `ReadRepairStrategy.fromString`.
fn read_repair(value: &str) -> Result<String, DdlError> {
    let upper = value.to_uppercase();
    match upper.as_str() {
        "NONE" | "BLOCKING" => Ok(upper),
        _ => Err(config(format!(
            "No enum constant org.apache.cassandra.service.reads.repair.ReadRepairStrategy.{upper}"
        ))),
    }
}

enum Retry {
    Percentile(f64),
    Fixed(i64),
    Other(String),
}

fn invalid_retry(s: &str) -> DdlError {
    config(format!("Invalid value {s} for option 'speculative_retry'"))
}

/// `DecimalFormat("#.####")`.
fn format_percentile(p: f64) -> String {
    let s = format!("{p:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

fn parse_retry(s: &str) -> Result<Retry, DdlError> {
    let lower = s.to_ascii_lowercase();
    if lower == "always" {
        return Ok(Retry::Other("ALWAYS".into()));
    }
    if lower == "never" || lower == "none" {
        return Ok(Retry::Other("NEVER".into()));
    }
    let number = |v: &str| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let percentile = lower.strip_suffix("percentile").or_else(|| lower.strip_suffix('p'));
    if let Some(v) = percentile.filter(|v| number(v)) {
        let p: f64 = v.parse().map_err(|_| invalid_retry(s))?;
        if p <= 0.0 || p >= 100.0 {
            return Err(config(format!(
                "Invalid value {s} for PERCENTILE option 'speculative_retry': must be between (0.0 and 100.0)"
            )));
        }
        return Ok(Retry::Percentile(p));
    }
    if let Some(v) = lower.strip_suffix("ms").filter(|v| number(v)) {
        let ms: f64 = v.parse().map_err(|_| invalid_retry(s))?;
        return Ok(Retry::Fixed(ms as i64));
    }
    let hybrid =
        lower.strip_prefix("min(").map(|r| ("MIN", r)).or_else(|| lower.strip_prefix("max(").map(|r| ("MAX", r)));
    if let Some((fun, rest)) = hybrid {
        if let Some((a, b)) = rest.strip_suffix(')').and_then(|r| r.split_once(',')) {
            let (a, b) = (a.trim(), b.trim());
            let parts = (parse_retry(a), parse_retry(b));
            return match parts {
                (Ok(Retry::Percentile(p)), Ok(Retry::Fixed(f))) | (Ok(Retry::Fixed(f)), Ok(Retry::Percentile(p))) => {
                    Ok(Retry::Other(format!("{fun}({}p,{f}ms)", format_percentile(p))))
                }
                (Ok(Retry::Percentile(_)), Ok(Retry::Percentile(_))) => Err(config(format!(
                    "Invalid value {s} for option 'speculative_retry': MIN()/MAX() arguments should be of different \
                     types, but both are of type PERCENTILE"
                ))),
                (Ok(Retry::Fixed(_)), Ok(Retry::Fixed(_))) => Err(config(format!(
                    "Invalid value {s} for option 'speculative_retry': MIN()/MAX() arguments should be of different \
                     types, but both are of type FIXED"
                ))),
                _ => Err(invalid_retry(s)),
            };
        }
    }
    Err(invalid_retry(s))
}

/// `SpeculativeRetryPolicy.fromString(s).toString()`.
pub(crate) fn speculative_retry(s: &str) -> Result<String, DdlError> {
    Ok(match parse_retry(s)? {
        Retry::Percentile(p) => format!("{}p", format_percentile(p)),
        Retry::Fixed(ms) => format!("{ms}ms"),
        Retry::Other(o) => o,
    })
}
