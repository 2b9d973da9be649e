//! Compaction strategies: which SSTables to compact together next, and how.
//!
//! The design follows fjall-rs/lsm-tree's `compaction` module: a strategy is a *pure decision*.
//! [`CompactionStrategy::choose`] takes a snapshot of the live SSTables (their [`SstableInfo`]
//! metadata), the generations already being compacted, the current time and the table's
//! `gc_grace_seconds`, and returns a [`CompactionTask`]: input generations plus output
//! settings. It does no I/O, reads no clock, starts no thread and keeps no state between
//! calls. A worker elsewhere marks the inputs as compacting, executes the task, installs the
//! outputs (at `output_level`) and asks again; the same snapshot always yields the same task.
//!
//! The three strategies behave as Cassandra 5.0's do, each in its own file:
//! - `stcs.rs`: `SizeTieredCompactionStrategy`, the default;
//! - `lcs.rs`: `LeveledCompactionStrategy` (with size-tiering inside L0 when L0 falls behind);
//! - `twcs.rs`: `TimeWindowCompactionStrategy` (size-tiering inside the newest window).
//!
//! Where Cassandra keeps state between calls (LCS's per-level round-robin position, TWCS's
//! highest window seen and the time of its last expiry check), a stateless equivalent derived
//! from the SSTables' own metadata is used instead; each file says which.
//!
//! Options are Cassandra's `compaction` table option map: the same names, defaults,
//! validation and error messages ([`CompactionStrategy::from_options`]), printed back with
//! the class fully qualified ([`CompactionStrategy::to_options`],
//! [`CompactionStrategy::normalize_options`]).

use sibyl_common::Token;
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// What a strategy knows about one live SSTable.
#[derive(Debug, Clone, PartialEq)]
pub struct SstableInfo {
    pub generation: u64,
    /// Bytes on disk (Cassandra's `onDiskLength`).
    pub size_bytes: u64,
    /// LCS level; 0 for SSTables written by flush and under the other strategies.
    pub level: u32,
    /// Token of the first partition.
    pub min_token: Token,
    /// Token of the last partition.
    pub max_token: Token,
    /// Smallest write timestamp in the SSTable, microseconds (normally).
    pub min_timestamp: i64,
    /// Largest write timestamp; TWCS puts the SSTable in the window holding it.
    pub max_timestamp: i64,
    /// Largest local deletion time of any tombstone or expiring (TTL) cell, epoch seconds;
    /// `u32::MAX` if there is none.
    pub max_local_deletion_time: u32,
    /// Whether anything in the SSTable never expires: a cell, row marker or partition that
    /// is neither a tombstone nor has a TTL. (Cassandra's `maxLocalDeletionTime` is then
    /// `NO_DELETION_TIME`.) Only an SSTable without such data can expire as a whole, so
    /// `true` is always the safe answer.
    pub has_non_expiring_data: bool,
    /// Tombstones of any kind plus expiring (TTL) cells: what may become droppable.
    pub tombstone_count: u64,
    /// Cells (and other atoms) written, the denominator of the droppable-tombstone ratio.
    pub cell_count: u64,
    pub partition_count: u64,
    /// Epoch seconds when the SSTable was written.
    pub created_at: u64,
}

impl SstableInfo {
    /// Whether the two SSTables' token ranges (both ends inclusive) intersect.
    pub fn overlaps(&self, other: &SstableInfo) -> bool {
        self.min_token <= other.max_token && other.min_token <= self.max_token
    }
}

/// Why a task was chosen; also Cassandra's operation type for `compactionstats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompactionReason {
    /// STCS: a bucket of similar-sized SSTables.
    SizeTiered,
    /// LCS: L0 into L0/L1, or one SSTable of level n with its overlaps in level n+1.
    Leveled,
    /// LCS: size-tiering inside L0 because L0 holds more than 32 SSTables.
    L0SizeTiered,
    /// TWCS: SSTables of one time window.
    TimeWindow,
    /// One SSTable rewritten alone to drop its droppable tombstones.
    TombstoneRatio,
    /// TWCS: only fully expired SSTables; every input can be deleted without being read.
    Expired,
    /// `nodetool compact`. Under LCS the outputs fill levels upward: they start in
    /// `output_level` (1) and move to the next level once a level has received
    /// [`LcsOptions::max_bytes_for_level`] bytes, as Cassandra's major leveled writer does.
    Major,
}

/// One compaction to run: merge `inputs` into new SSTables at `output_level`.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactionTask {
    /// Generations to compact, ascending.
    pub inputs: Vec<u64>,
    pub output_level: u32,
    /// Split the output into SSTables of at most this many bytes (LCS); `None`: one output.
    pub max_output_bytes: Option<u64>,
    pub reason: CompactionReason,
}

impl CompactionTask {
    pub(super) fn new(
        inputs: impl IntoIterator<Item = u64>,
        output_level: u32,
        max_output_bytes: Option<u64>,
        reason: CompactionReason,
    ) -> Self {
        let mut inputs: Vec<u64> = inputs.into_iter().collect();
        inputs.sort_unstable();
        inputs.dedup();
        CompactionTask { inputs, output_level, max_output_bytes, reason }
    }
}

/// A rejected compaction option map; the message is Cassandra's `ConfigurationException` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyError {
    pub message: String,
}

impl fmt::Display for StrategyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StrategyError {}

pub(super) fn error(message: impl Into<String>) -> StrategyError {
    StrategyError { message: message.into() }
}

/// `provide_overlapping_tombstones`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TombstoneOption {
    #[default]
    None,
    Row,
    Cell,
}

/// Options every strategy takes.
#[derive(Debug, Clone, PartialEq)]
pub struct CommonOptions {
    /// `enabled`: run background compactions (major compaction ignores it). Default true.
    pub enabled: bool,
    /// `min_threshold`: SSTables needed for a size-tiered compaction. Default 4.
    pub min_threshold: u32,
    /// `max_threshold`: most SSTables compacted at once. Default 32.
    pub max_threshold: u32,
    /// `tombstone_threshold`: droppable-tombstone ratio above which one SSTable is compacted
    /// alone. A Java float, as in Cassandra. Default 0.2.
    pub tombstone_threshold: f32,
    /// `tombstone_compaction_interval`: seconds an SSTable must exist before such a
    /// compaction. Default 86400.
    pub tombstone_compaction_interval: u64,
    /// `unchecked_tombstone_compaction`: skip the overlap estimate. Default false.
    pub unchecked_tombstone_compaction: bool,
    /// `log_all`. Default false.
    pub log_all: bool,
    /// `only_purge_repaired_tombstones`. Default false. sibyl repairs nothing, so when set no
    /// SSTable counts as fully expired.
    pub only_purge_repaired_tombstones: bool,
    /// `provide_overlapping_tombstones`. Default NONE.
    pub provide_overlapping_tombstones: TombstoneOption,
}

impl Default for CommonOptions {
    fn default() -> Self {
        CommonOptions {
            enabled: true,
            min_threshold: 4,
            max_threshold: 32,
            tombstone_threshold: 0.2,
            tombstone_compaction_interval: 86_400,
            unchecked_tombstone_compaction: false,
            log_all: false,
            only_purge_repaired_tombstones: false,
            provide_overlapping_tombstones: TombstoneOption::None,
        }
    }
}

/// Size-tiering options, used by STCS and also inside LCS's L0 and TWCS's newest window.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeTieredOptions {
    /// `min_sstable_size`: bytes below which all SSTables share one bucket. Default 50 MiB.
    pub min_sstable_size: u64,
    /// `bucket_low`: a bucket takes SSTables larger than its average times this. Default 0.5.
    pub bucket_low: f64,
    /// `bucket_high`: ... and smaller than its average times this. Default 1.5.
    pub bucket_high: f64,
}

impl Default for SizeTieredOptions {
    fn default() -> Self {
        SizeTieredOptions { min_sstable_size: 50 * 1024 * 1024, bucket_low: 0.5, bucket_high: 1.5 }
    }
}

/// `SizeTieredCompactionStrategy` options.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StcsOptions {
    pub common: CommonOptions,
    pub size_tiered: SizeTieredOptions,
}

/// `LeveledCompactionStrategy` options.
#[derive(Debug, Clone, PartialEq)]
pub struct LcsOptions {
    pub common: CommonOptions,
    /// `sstable_size_in_mb`: target output SSTable size. Default 160.
    pub sstable_size_in_mb: u32,
    /// `fanout_size`: each level holds this many times the previous. Default 10.
    pub fanout_size: u32,
    /// `single_sstable_uplevel`: a worker may move a lone input SSTable up a level without
    /// rewriting it. Default false. Parsed and printed only.
    pub single_sstable_uplevel: bool,
    /// Used when L0 is size-tiered.
    pub size_tiered: SizeTieredOptions,
}

impl Default for LcsOptions {
    fn default() -> Self {
        LcsOptions {
            common: CommonOptions::default(),
            sstable_size_in_mb: 160,
            fanout_size: 10,
            single_sstable_uplevel: false,
            size_tiered: SizeTieredOptions::default(),
        }
    }
}

/// `compaction_window_unit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowUnit {
    Minutes,
    Hours,
    Days,
}

/// `timestamp_resolution`: the unit of write timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimestampResolution {
    Seconds,
    Milliseconds,
    Microseconds,
    Nanoseconds,
}

/// `TimeWindowCompactionStrategy` options.
#[derive(Debug, Clone, PartialEq)]
pub struct TwcsOptions {
    pub common: CommonOptions,
    /// Default DAYS.
    pub compaction_window_unit: WindowUnit,
    /// Default 1.
    pub compaction_window_size: u32,
    /// Default MICROSECONDS.
    pub timestamp_resolution: TimestampResolution,
    /// Default 600. Parsed and printed only: expiry is checked on every call.
    pub expired_sstable_check_frequency_seconds: u64,
    /// Drop fully expired SSTables without checking older overlapping data. Default false.
    pub unsafe_aggressive_sstable_expiration: bool,
    /// As in Cassandra, TWCS runs single-SSTable tombstone compactions only when the option
    /// map names `tombstone_threshold` or `tombstone_compaction_interval`; `from_options`
    /// sets this accordingly. Default false.
    pub tombstone_compactions: bool,
    /// Used inside the newest window.
    pub size_tiered: SizeTieredOptions,
}

impl Default for TwcsOptions {
    fn default() -> Self {
        TwcsOptions {
            common: CommonOptions::default(),
            compaction_window_unit: WindowUnit::Days,
            compaction_window_size: 1,
            timestamp_resolution: TimestampResolution::Microseconds,
            expired_sstable_check_frequency_seconds: 600,
            unsafe_aggressive_sstable_expiration: false,
            tombstone_compactions: false,
            size_tiered: SizeTieredOptions::default(),
        }
    }
}

/// A table's compaction strategy with its options.
#[derive(Debug, Clone, PartialEq)]
pub enum CompactionStrategy {
    SizeTiered(StcsOptions),
    Leveled(LcsOptions),
    TimeWindow(TwcsOptions),
}

impl Default for CompactionStrategy {
    fn default() -> Self {
        CompactionStrategy::SizeTiered(StcsOptions::default())
    }
}

const PACKAGE: &str = "org.apache.cassandra.db.compaction.";
const STCS: &str = "SizeTieredCompactionStrategy";
const LCS: &str = "LeveledCompactionStrategy";
const TWCS: &str = "TimeWindowCompactionStrategy";

impl CompactionStrategy {
    /// Parse Cassandra's table option map, e.g. `{"class": "SizeTieredCompactionStrategy",
    /// "min_threshold": "4"}`. A class without a dot is in Cassandra's compaction package.
    pub fn from_options(map: &BTreeMap<String, String>) -> Result<Self, StrategyError> {
        let mut reader = OptionReader { rest: map.clone() };
        let class =
            reader.take("class").ok_or_else(|| error("Missing sub-option 'class' for the 'compaction' option"))?;
        let class = qualified_class(&class);
        let simple = class.strip_prefix(PACKAGE).unwrap_or(&class);
        if ![STCS, LCS, TWCS].contains(&simple) {
            return Err(if simple == "UnifiedCompactionStrategy" {
                error(format!("Compaction strategy class '{class}' is not supported"))
            } else {
                error(format!("Unable to find compaction strategy class '{class}'"))
            });
        }
        let min_threshold = reader.take("min_threshold");
        let max_threshold = reader.take("max_threshold");
        let common = CommonOptions::parse(&mut reader)?;
        let mut strategy = match simple {
            STCS => CompactionStrategy::SizeTiered(StcsOptions {
                common,
                size_tiered: SizeTieredOptions::parse(&mut reader)?,
            }),
            LCS => CompactionStrategy::Leveled(LcsOptions::parse(common, &mut reader)?),
            _ => {
                let mut options = TwcsOptions::parse(common, &mut reader)?;
                options.tombstone_compactions =
                    map.contains_key("tombstone_threshold") || map.contains_key("tombstone_compaction_interval");
                CompactionStrategy::TimeWindow(options)
            }
        };
        reader.finish(simple)?;
        let (min, max) = parse_thresholds(min_threshold, max_threshold)?;
        let common = strategy.common_mut();
        common.min_threshold = min;
        common.max_threshold = max;
        Ok(strategy)
    }

    /// The option map back, canonical: the fully qualified class, `min_threshold` and
    /// `max_threshold` (which Cassandra always shows), and every other option that differs
    /// from its default. `from_options(&s.to_options()) == Ok(s)`.
    pub fn to_options(&self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        map.insert("class".to_string(), self.class_name().to_string());
        match self {
            CompactionStrategy::SizeTiered(o) => {
                o.common.write(&mut map);
                o.size_tiered.write(&mut map);
            }
            CompactionStrategy::Leveled(o) => o.write(&mut map),
            CompactionStrategy::TimeWindow(o) => o.write(&mut map),
        }
        map
    }

    /// Validate a user's option map and return it as Cassandra stores it in
    /// `system_schema.tables.compaction` and prints it in DESCRIBE: the user's options as
    /// given, the class fully qualified, and `min_threshold`/`max_threshold` added if absent.
    pub fn normalize_options(map: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, StrategyError> {
        let strategy = Self::from_options(map)?;
        let mut out = map.clone();
        out.insert("class".to_string(), strategy.class_name().to_string());
        out.entry("min_threshold".to_string()).or_insert_with(|| "4".to_string());
        out.entry("max_threshold".to_string()).or_insert_with(|| "32".to_string());
        Ok(out)
    }

    /// The fully qualified Cassandra class name.
    pub fn class_name(&self) -> &'static str {
        match self {
            CompactionStrategy::SizeTiered(_) => "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy",
            CompactionStrategy::Leveled(_) => "org.apache.cassandra.db.compaction.LeveledCompactionStrategy",
            CompactionStrategy::TimeWindow(_) => "org.apache.cassandra.db.compaction.TimeWindowCompactionStrategy",
        }
    }

    pub fn common(&self) -> &CommonOptions {
        match self {
            CompactionStrategy::SizeTiered(o) => &o.common,
            CompactionStrategy::Leveled(o) => &o.common,
            CompactionStrategy::TimeWindow(o) => &o.common,
        }
    }

    fn common_mut(&mut self) -> &mut CommonOptions {
        match self {
            CompactionStrategy::SizeTiered(o) => &mut o.common,
            CompactionStrategy::Leveled(o) => &mut o.common,
            CompactionStrategy::TimeWindow(o) => &mut o.common,
        }
    }

    /// Choose the next background compaction, ignoring SSTables in `compacting`. `None` if
    /// there is nothing to do or background compaction is disabled (`enabled: false`).
    pub fn choose(
        &self,
        sstables: &[SstableInfo],
        compacting: &HashSet<u64>,
        now_secs: u32,
        gc_grace_seconds: u32,
    ) -> Option<CompactionTask> {
        if !self.common().enabled || sstables.is_empty() {
            return None;
        }
        let snapshot = Snapshot {
            all: sstables,
            compacting,
            now_secs,
            gc_before: i64::from(now_secs) - i64::from(gc_grace_seconds),
        };
        match self {
            CompactionStrategy::SizeTiered(o) => super::stcs::choose(o, &snapshot),
            CompactionStrategy::Leveled(o) => super::lcs::choose(o, &snapshot),
            CompactionStrategy::TimeWindow(o) => super::twcs::choose(o, &snapshot),
        }
    }

    /// Major compaction (`nodetool compact`) of everything not already compacting. STCS: all
    /// into one SSTable; LCS: all, output split to `sstable_size_in_mb` and placed from L1
    /// upward; TWCS: one task (one output) per time window, newest first. Empty if nothing.
    pub fn choose_major(&self, sstables: &[SstableInfo], compacting: &HashSet<u64>) -> Vec<CompactionTask> {
        let candidates: Vec<&SstableInfo> = sstables.iter().filter(|s| !compacting.contains(&s.generation)).collect();
        if candidates.is_empty() {
            return Vec::new();
        }
        let all = candidates.iter().map(|s| s.generation);
        match self {
            CompactionStrategy::SizeTiered(_) => {
                vec![CompactionTask::new(all, 0, None, CompactionReason::Major)]
            }
            CompactionStrategy::Leveled(o) => {
                vec![CompactionTask::new(all, 1, Some(o.max_sstable_bytes()), CompactionReason::Major)]
            }
            CompactionStrategy::TimeWindow(o) => super::twcs::choose_major(o, &candidates),
        }
    }
}

fn qualified_class(name: &str) -> String {
    if name.contains('.') {
        name.to_string()
    } else {
        format!("{PACKAGE}{name}")
    }
}

/// What every strategy looks at during one `choose` call.
pub(super) struct Snapshot<'a> {
    pub all: &'a [SstableInfo],
    pub compacting: &'a HashSet<u64>,
    pub now_secs: u32,
    /// Tombstones whose local deletion time is before this may be purged.
    pub gc_before: i64,
}

impl<'a> Snapshot<'a> {
    pub fn is_compacting(&self, s: &SstableInfo) -> bool {
        self.compacting.contains(&s.generation)
    }

    pub fn uncompacting(&self) -> Vec<&'a SstableInfo> {
        self.all.iter().filter(|s| !self.compacting.contains(&s.generation)).collect()
    }

    /// Live SSTables other than `s` whose token range intersects `s`'s.
    pub fn overlapping(&self, s: &SstableInfo) -> Vec<&'a SstableInfo> {
        self.all.iter().filter(|o| o.generation != s.generation && o.overlaps(s)).collect()
    }
}

/// Estimated share of `s`'s cells that are tombstones purgeable at `gc_before`. Without a
/// histogram of deletion times, the tombstones count as droppable only once all of them are
/// (`max_local_deletion_time < gc_before`); before that the estimate is 0.
pub(super) fn droppable_tombstone_ratio(s: &SstableInfo, gc_before: i64) -> f64 {
    if s.cell_count == 0 || i64::from(s.max_local_deletion_time) >= gc_before {
        return 0.0;
    }
    s.tombstone_count as f64 / s.cell_count as f64
}

/// Cassandra's `worthDroppingTombstones`: is `s` worth compacting alone to drop tombstones?
pub(super) fn worth_dropping_tombstones(o: &CommonOptions, s: &SstableInfo, snap: &Snapshot) -> bool {
    // Estimates may be wrong; waiting tombstone_compaction_interval after the SSTable was
    // written keeps a wrong one from compacting the same SSTable again and again.
    if u64::from(snap.now_secs) < s.created_at.saturating_add(o.tombstone_compaction_interval) {
        return false;
    }
    let ratio = droppable_tombstone_ratio(s, snap.gc_before);
    let threshold = f64::from(o.tombstone_threshold);
    if ratio <= threshold {
        return false;
    }
    if o.unchecked_tombstone_compaction {
        return true;
    }
    let overlaps = snap.overlapping(s);
    if overlaps.is_empty() || !fully_expired(&[s], &overlaps, snap.gc_before, false, o).is_empty() {
        return true;
    }
    if s.partition_count < 2 {
        return false; // too few keys to estimate how many lie outside the overlaps
    }
    // Tombstones can only be dropped where nothing older overlaps: assume keys are spread
    // evenly over the token range and count the part of it no other SSTable covers.
    uncovered_fraction(s, &overlaps) * ratio > threshold
}

/// The share of `s`'s token range that none of `others` covers.
fn uncovered_fraction(s: &SstableInfo, others: &[&SstableInfo]) -> f64 {
    let (lo, hi) = (i128::from(s.min_token.0), i128::from(s.max_token.0));
    let mut ranges: Vec<(i128, i128)> = others
        .iter()
        .map(|o| (i128::from(o.min_token.0).max(lo), i128::from(o.max_token.0).min(hi)))
        .filter(|(a, b)| a <= b)
        .collect();
    ranges.sort_unstable();
    let (mut covered, mut next) = (0i128, lo);
    for (a, b) in ranges {
        let start = a.max(next);
        if start <= b {
            covered += b - start + 1;
            next = b + 1;
        }
    }
    1.0 - covered as f64 / (hi - lo + 1) as f64
}

/// Cassandra's `getFullyExpiredSSTables`: the `candidates` holding only data purgeable at
/// `gc_before` and newer than every constructive (not fully expired) cell elsewhere, so they
/// can be deleted whole. `overlapping` are the other live SSTables to consider. Memtables
/// are not seen here; data in them that is older than such an SSTable is not protected.
pub(super) fn fully_expired<'a>(
    candidates: &[&'a SstableInfo],
    overlapping: &[&SstableInfo],
    gc_before: i64,
    ignore_overlaps: bool,
    o: &CommonOptions,
) -> Vec<&'a SstableInfo> {
    if o.only_purge_repaired_tombstones {
        return Vec::new();
    }
    let expired = |s: &SstableInfo| !s.has_non_expiring_data && i64::from(s.max_local_deletion_time) < gc_before;
    let min_live_timestamp = if ignore_overlaps {
        i64::MAX
    } else {
        overlapping
            .iter()
            .chain(candidates.iter())
            .filter(|s| !expired(s))
            .map(|s| s.min_timestamp)
            .min()
            .unwrap_or(i64::MAX)
    };
    candidates.iter().copied().filter(|s| expired(s) && s.max_timestamp < min_live_timestamp).collect()
}

// ---------------------------------------------------------------------------------------
// Option maps: reading (Cassandra's parsing and validation) and writing.
// ---------------------------------------------------------------------------------------

/// The options not read yet, Cassandra's `uncheckedOptions`: any left at the end is unknown.
pub(super) struct OptionReader {
    rest: BTreeMap<String, String>,
}

impl OptionReader {
    pub fn take(&mut self, key: &str) -> Option<String> {
        self.rest.remove(key)
    }

    fn finish(self, strategy: &str) -> Result<(), StrategyError> {
        if self.rest.is_empty() {
            return Ok(());
        }
        let keys: Vec<&str> = self.rest.keys().map(String::as_str).collect();
        Err(error(format!("Properties specified [{}] are not understood by {strategy}", keys.join(", "))))
    }
}

/// `Long.parseLong` / `Integer.parseInt`, with Cassandra's message on failure.
pub(super) fn parse_integer<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, StrategyError> {
    value.parse().map_err(|_| error(format!("{value} is not a parsable int (base10) for {key}")))
}

/// `Double.parseDouble` / `Float.parseFloat` (surrounding whitespace and a type suffix allowed).
pub(super) fn parse_decimal<T: std::str::FromStr>(value: &str) -> Option<T> {
    let v = value.trim();
    v.parse().ok().or_else(|| {
        v.strip_suffix(['d', 'D', 'f', 'F'])
            .filter(|s| s.ends_with(|c: char| c.is_ascii_digit() || c == '.'))
            .and_then(|s| s.parse().ok())
    })
}

/// A boolean option Cassandra validates: `true` or `false`, any case.
pub(super) fn parse_strict_bool(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// Java's `Double.toString` for ordinary values: `0.5`, `2.0`.
pub(super) fn java_decimal(value: impl fmt::Display) -> String {
    let s = value.to_string();
    match s.as_str() {
        "inf" => "Infinity".to_string(),
        "-inf" => "-Infinity".to_string(),
        _ if s.contains(['.', 'e', 'N']) => s,
        _ => s + ".0",
    }
}

fn parse_thresholds(min: Option<String>, max: Option<String>) -> Result<(u32, u32), StrategyError> {
    let parse =
        |key: &str, value: Option<String>, default: u32| match value {
            None => Ok(default),
            Some(v) => v.parse::<u32>().ok().filter(|_| v.bytes().all(|b| b.is_ascii_digit())).ok_or_else(|| {
                error(format!("Invalid value {v} for '{key}' compaction sub-option - must be an integer"))
            }),
        };
    let min = parse("min_threshold", min, 4)?;
    let max = parse("max_threshold", max, 32)?;
    if min == 0 || max == 0 {
        return Err(error(
            "Disabling compaction by setting compaction thresholds to 0 has been removed, \
             set the compaction option 'enabled' to false instead.",
        ));
    }
    if min <= 1 {
        return Err(error(format!("Min compaction threshold cannot be less than 2 (got {min})")));
    }
    if min > max {
        return Err(error(format!(
            "Min compaction threshold (got {min}) cannot be greater than max compaction threshold (got {max})"
        )));
    }
    Ok((min, max))
}

impl CommonOptions {
    pub(super) fn parse(r: &mut OptionReader) -> Result<Self, StrategyError> {
        let mut o = CommonOptions::default();
        if let Some(v) = r.take("provide_overlapping_tombstones") {
            o.provide_overlapping_tombstones = match v.to_uppercase().as_str() {
                "NONE" => TombstoneOption::None,
                "ROW" => TombstoneOption::Row,
                "CELL" => TombstoneOption::Cell,
                other => {
                    return Err(error(format!(
                        "Invalid value {other} for 'provide_overlapping_tombstones' compaction \
                         sub-option - must be one of the following [NONE, ROW, CELL]."
                    )))
                }
            };
        }
        if let Some(v) = r.take("tombstone_threshold") {
            let t: f32 = parse_decimal(&v)
                .ok_or_else(|| error(format!("{v} is not a parsable int (base10) for tombstone_threshold")))?;
            if t < 0.0 {
                return Err(error(format!("tombstone_threshold must be greater than 0, but was {t:.6}")));
            }
            o.tombstone_threshold = t;
        }
        if let Some(v) = r.take("tombstone_compaction_interval") {
            let i: i64 = parse_integer("tombstone_compaction_interval", &v)?;
            o.tombstone_compaction_interval = u64::try_from(i)
                .map_err(|_| error(format!("tombstone_compaction_interval must be greater than 0, but was {i}")))?;
        }
        if let Some(v) = r.take("unchecked_tombstone_compaction") {
            o.unchecked_tombstone_compaction = parse_strict_bool(&v).ok_or_else(|| {
                error(format!("'unchecked_tombstone_compaction' should be either 'true' or 'false', not '{v}'"))
            })?;
        }
        if let Some(v) = r.take("log_all") {
            o.log_all = parse_strict_bool(&v)
                .ok_or_else(|| error(format!("'log_all' should either be 'true' or 'false', not {v}")))?;
        }
        if let Some(v) = r.take("enabled") {
            o.enabled = parse_strict_bool(&v)
                .ok_or_else(|| error(format!("enabled should either be 'true' or 'false', not {v}")))?;
        }
        if let Some(v) = r.take("only_purge_repaired_tombstones") {
            o.only_purge_repaired_tombstones = v.eq_ignore_ascii_case("true");
        }
        Ok(o)
    }

    pub(super) fn write(&self, map: &mut BTreeMap<String, String>) {
        let d = CommonOptions::default();
        map.insert("min_threshold".into(), self.min_threshold.to_string());
        map.insert("max_threshold".into(), self.max_threshold.to_string());
        let mut put = |key: &str, differs: bool, value: String| {
            if differs {
                map.insert(key.to_string(), value);
            }
        };
        put("enabled", self.enabled != d.enabled, self.enabled.to_string());
        put(
            "tombstone_threshold",
            self.tombstone_threshold != d.tombstone_threshold,
            java_decimal(self.tombstone_threshold),
        );
        put(
            "tombstone_compaction_interval",
            self.tombstone_compaction_interval != d.tombstone_compaction_interval,
            self.tombstone_compaction_interval.to_string(),
        );
        put(
            "unchecked_tombstone_compaction",
            self.unchecked_tombstone_compaction != d.unchecked_tombstone_compaction,
            self.unchecked_tombstone_compaction.to_string(),
        );
        put("log_all", self.log_all != d.log_all, self.log_all.to_string());
        put(
            "only_purge_repaired_tombstones",
            self.only_purge_repaired_tombstones != d.only_purge_repaired_tombstones,
            self.only_purge_repaired_tombstones.to_string(),
        );
        let overlapping = match self.provide_overlapping_tombstones {
            TombstoneOption::None => "NONE",
            TombstoneOption::Row => "ROW",
            TombstoneOption::Cell => "CELL",
        };
        put(
            "provide_overlapping_tombstones",
            self.provide_overlapping_tombstones != d.provide_overlapping_tombstones,
            overlapping.to_string(),
        );
    }
}

impl SizeTieredOptions {
    pub(super) fn parse(r: &mut OptionReader) -> Result<Self, StrategyError> {
        let mut o = SizeTieredOptions::default();
        if let Some(v) = r.take("min_sstable_size") {
            let n: i64 = parse_integer("min_sstable_size", &v)?;
            o.min_sstable_size =
                u64::try_from(n).map_err(|_| error(format!("min_sstable_size must be non negative: {n}")))?;
        }
        for (key, field) in [("bucket_low", &mut o.bucket_low), ("bucket_high", &mut o.bucket_high)] {
            if let Some(v) = r.take(key) {
                *field =
                    parse_decimal(&v).ok_or_else(|| error(format!("{v} is not a parsable int (base10) for {key}")))?;
            }
        }
        if o.bucket_high <= o.bucket_low {
            return Err(error(format!(
                "Bucket high value ({}) is less than or equal bucket low value ({})",
                java_decimal(o.bucket_high),
                java_decimal(o.bucket_low)
            )));
        }
        Ok(o)
    }

    pub(super) fn write(&self, map: &mut BTreeMap<String, String>) {
        let d = SizeTieredOptions::default();
        if self.min_sstable_size != d.min_sstable_size {
            map.insert("min_sstable_size".into(), self.min_sstable_size.to_string());
        }
        if self.bucket_low != d.bucket_low {
            map.insert("bucket_low".into(), java_decimal(self.bucket_low));
        }
        if self.bucket_high != d.bucket_high {
            map.insert("bucket_high".into(), java_decimal(self.bucket_high));
        }
    }
}

impl LcsOptions {
    /// Target size of an output SSTable, bytes.
    pub fn max_sstable_bytes(&self) -> u64 {
        u64::from(self.sstable_size_in_mb) * 1024 * 1024
    }

    /// Bytes level `level` should hold: `sstable_size * fanout^level`, and 4 SSTables for L0.
    pub fn max_bytes_for_level(&self, level: u32) -> u64 {
        if level == 0 {
            return 4 * self.max_sstable_bytes();
        }
        let bytes = f64::from(self.fanout_size).powi(level as i32) * self.max_sstable_bytes() as f64;
        if bytes >= u64::MAX as f64 {
            u64::MAX
        } else {
            bytes as u64
        }
    }
}

#[cfg(test)]
pub(super) mod test_util {
    use super::*;

    /// An SSTable of `size_bytes` with no tombstones, level 0, covering tokens -1000..=1000.
    pub fn sst(generation: u64, size_bytes: u64) -> SstableInfo {
        SstableInfo {
            generation,
            size_bytes,
            level: 0,
            min_token: Token(-1000),
            max_token: Token(1000),
            min_timestamp: 0,
            max_timestamp: 0,
            max_local_deletion_time: u32::MAX,
            has_non_expiring_data: true,
            tombstone_count: 0,
            cell_count: 1000,
            partition_count: 100,
            created_at: 0,
        }
    }

    pub fn with_tokens(mut s: SstableInfo, min: i64, max: i64) -> SstableInfo {
        s.min_token = Token(min);
        s.max_token = Token(max);
        s
    }

    pub fn none() -> HashSet<u64> {
        HashSet::new()
    }

    pub fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::test_util::*;
    use super::*;

    fn parse_err(pairs: &[(&str, &str)]) -> String {
        match CompactionStrategy::from_options(&map(pairs)) {
            Err(e) => e.message,
            Ok(s) => panic!("accepted {pairs:?} as {s:?}"),
        }
    }

    #[test]
    fn defaults() {
        let s = CompactionStrategy::from_options(&map(&[("class", STCS)])).unwrap();
        assert_eq!(s, CompactionStrategy::default());
        let CompactionStrategy::SizeTiered(o) = s else { panic!() };
        assert_eq!((o.common.min_threshold, o.common.max_threshold), (4, 32));
        assert_eq!(o.size_tiered.min_sstable_size, 50 * 1024 * 1024);
        assert_eq!((o.size_tiered.bucket_low, o.size_tiered.bucket_high), (0.5, 1.5));
        assert_eq!(o.common.tombstone_threshold, 0.2);
        assert_eq!(o.common.tombstone_compaction_interval, 86_400);
        assert!(!o.common.unchecked_tombstone_compaction && o.common.enabled);

        let l = CompactionStrategy::from_options(&map(&[("class", LCS)])).unwrap();
        assert_eq!(l, CompactionStrategy::Leveled(LcsOptions::default()));
        let CompactionStrategy::Leveled(o) = l else { panic!() };
        assert_eq!((o.sstable_size_in_mb, o.fanout_size), (160, 10));
        assert_eq!(o.max_bytes_for_level(2), 100 * 160 * 1024 * 1024);

        let t = CompactionStrategy::from_options(&map(&[("class", TWCS)])).unwrap();
        assert_eq!(t, CompactionStrategy::TimeWindow(TwcsOptions::default()));
        let CompactionStrategy::TimeWindow(o) = t else { panic!() };
        assert_eq!(o.compaction_window_unit, WindowUnit::Days);
        assert_eq!(o.compaction_window_size, 1);
        assert_eq!(o.timestamp_resolution, TimestampResolution::Microseconds);
        assert!(!o.tombstone_compactions);
    }

    #[test]
    fn class_names() {
        for name in [STCS, "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy"] {
            let s = CompactionStrategy::from_options(&map(&[("class", name)])).unwrap();
            assert!(matches!(s, CompactionStrategy::SizeTiered(_)));
        }
        let l = map(&[("class", "org.apache.cassandra.db.compaction.LeveledCompactionStrategy")]);
        assert!(matches!(CompactionStrategy::from_options(&l), Ok(CompactionStrategy::Leveled(_))));
        assert_eq!(
            parse_err(&[("class", "NoSuchStrategy")]),
            "Unable to find compaction strategy class 'org.apache.cassandra.db.compaction.NoSuchStrategy'"
        );
        assert_eq!(
            parse_err(&[("class", "com.example.Custom")]),
            "Unable to find compaction strategy class 'com.example.Custom'"
        );
        assert_eq!(parse_err(&[("min_threshold", "4")]), "Missing sub-option 'class' for the 'compaction' option");
    }

    #[test]
    fn round_trip() {
        let cases: &[&[(&str, &str)]] = &[
            &[("class", STCS)],
            &[("class", STCS), ("min_threshold", "6"), ("max_threshold", "20"), ("bucket_low", "0.3")],
            &[("class", STCS), ("bucket_high", "2"), ("min_sstable_size", "0"), ("enabled", "false")],
            &[("class", STCS), ("tombstone_threshold", "0.5"), ("unchecked_tombstone_compaction", "TRUE")],
            &[("class", LCS), ("sstable_size_in_mb", "64"), ("fanout_size", "4")],
            &[("class", LCS), ("single_sstable_uplevel", "true"), ("provide_overlapping_tombstones", "row")],
            &[("class", TWCS), ("compaction_window_unit", "HOURS"), ("compaction_window_size", "6")],
            &[("class", TWCS), ("timestamp_resolution", "MILLISECONDS"), ("tombstone_threshold", "0.2")],
            &[("class", TWCS), ("tombstone_compaction_interval", "3600"), ("log_all", "true")],
        ];
        for case in cases {
            let s = CompactionStrategy::from_options(&map(case)).unwrap();
            let printed = s.to_options();
            assert_eq!(CompactionStrategy::from_options(&printed).unwrap(), s, "{printed:?}");
        }
    }

    #[test]
    fn printed_form() {
        let s = CompactionStrategy::from_options(&map(&[("class", STCS), ("bucket_high", "2")])).unwrap();
        assert_eq!(
            s.to_options(),
            map(&[
                ("class", "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy"),
                ("bucket_high", "2.0"),
                ("max_threshold", "32"),
                ("min_threshold", "4"),
            ])
        );
        let t = map(&[("class", TWCS), ("compaction_window_unit", "HOURS"), ("compaction_window_size", "2")]);
        let printed = CompactionStrategy::from_options(&t).unwrap().to_options();
        assert_eq!(printed.get("compaction_window_unit").map(String::as_str), Some("HOURS"));
        assert_eq!(printed.get("compaction_window_size").map(String::as_str), Some("2"));
        assert_eq!(printed.len(), 5);
    }

    #[test]
    fn normalized_schema_map_keeps_user_spelling() {
        let given = map(&[("class", LCS), ("sstable_size_in_mb", "160"), ("bucket_low", ".5")]);
        let stored = CompactionStrategy::normalize_options(&given).unwrap();
        assert_eq!(
            stored,
            map(&[
                ("class", "org.apache.cassandra.db.compaction.LeveledCompactionStrategy"),
                ("bucket_low", ".5"),
                ("max_threshold", "32"),
                ("min_threshold", "4"),
                ("sstable_size_in_mb", "160"),
            ])
        );
    }

    #[test]
    fn bad_options() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("class", STCS), ("foo", "1"), ("bar", "2")], "Properties specified [bar, foo] are not understood by SizeTieredCompactionStrategy"),
            (&[("class", LCS), ("compaction_window_unit", "DAYS")], "Properties specified [compaction_window_unit] are not understood by LeveledCompactionStrategy"),
            (&[("class", STCS), ("min_threshold", "x")], "Invalid value x for 'min_threshold' compaction sub-option - must be an integer"),
            (&[("class", STCS), ("max_threshold", "-3")], "Invalid value -3 for 'max_threshold' compaction sub-option - must be an integer"),
            (&[("class", STCS), ("min_threshold", "0")], "Disabling compaction by setting compaction thresholds to 0 has been removed, set the compaction option 'enabled' to false instead."),
            (&[("class", STCS), ("min_threshold", "1")], "Min compaction threshold cannot be less than 2 (got 1)"),
            (&[("class", STCS), ("min_threshold", "40")], "Min compaction threshold (got 40) cannot be greater than max compaction threshold (got 32)"),
            (&[("class", STCS), ("bucket_low", "1.5")], "Bucket high value (1.5) is less than or equal bucket low value (1.5)"),
            (&[("class", STCS), ("bucket_high", "abc")], "abc is not a parsable int (base10) for bucket_high"),
            (&[("class", STCS), ("min_sstable_size", "-1")], "min_sstable_size must be non negative: -1"),
            (&[("class", STCS), ("min_sstable_size", "1.5")], "1.5 is not a parsable int (base10) for min_sstable_size"),
            (&[("class", STCS), ("tombstone_threshold", "-1")], "tombstone_threshold must be greater than 0, but was -1.000000"),
            (&[("class", STCS), ("tombstone_threshold", "lots")], "lots is not a parsable int (base10) for tombstone_threshold"),
            (&[("class", STCS), ("tombstone_compaction_interval", "-5")], "tombstone_compaction_interval must be greater than 0, but was -5"),
            (&[("class", STCS), ("unchecked_tombstone_compaction", "yes")], "'unchecked_tombstone_compaction' should be either 'true' or 'false', not 'yes'"),
            (&[("class", STCS), ("enabled", "no")], "enabled should either be 'true' or 'false', not no"),
            (&[("class", STCS), ("log_all", "1")], "'log_all' should either be 'true' or 'false', not 1"),
            (&[("class", STCS), ("provide_overlapping_tombstones", "all")], "Invalid value ALL for 'provide_overlapping_tombstones' compaction sub-option - must be one of the following [NONE, ROW, CELL]."),
            (&[("class", LCS), ("sstable_size_in_mb", "0")], "sstable_size_in_mb must be larger than 0, but was 0"),
            (&[("class", LCS), ("sstable_size_in_mb", "big")], "big is not a parsable int (base10) for sstable_size_in_mb"),
            (&[("class", LCS), ("fanout_size", "0")], "fanout_size must be larger than 0, but was 0"),
            (&[("class", TWCS), ("compaction_window_unit", "WEEKS")], "WEEKS is not valid for compaction_window_unit"),
            (&[("class", TWCS), ("compaction_window_unit", "SECONDS")], "SECONDS is not valid for compaction_window_unit"),
            (&[("class", TWCS), ("compaction_window_unit", "days")], "days is not valid for compaction_window_unit"),
            (&[("class", TWCS), ("compaction_window_size", "0")], "0 must be greater than 1 for compaction_window_size"),
            (&[("class", TWCS), ("compaction_window_size", "one")], "one is not a parsable int (base10) for compaction_window_size"),
            (&[("class", TWCS), ("timestamp_resolution", "DAYS")], "DAYS is not valid for timestamp_resolution"),
            (&[("class", TWCS), ("expired_sstable_check_frequency_seconds", "-1")], "expired_sstable_check_frequency_seconds must not be negative, but was -1"),
            (&[("class", TWCS), ("unsafe_aggressive_sstable_expiration", "maybe")], "unsafe_aggressive_sstable_expiration is not 'true' or 'false' (maybe)"),
        ];
        for (pairs, message) in cases {
            assert_eq!(parse_err(pairs), *message, "{pairs:?}");
        }
    }

    #[test]
    fn java_number_forms() {
        assert_eq!(parse_decimal::<f64>(" 0.25 "), Some(0.25));
        assert_eq!(parse_decimal::<f64>("2d"), Some(2.0));
        assert_eq!(parse_decimal::<f64>("1e1"), Some(10.0));
        assert_eq!(parse_decimal::<f64>("x"), None);
        assert_eq!(java_decimal(2.0f64), "2.0");
        assert_eq!(java_decimal(0.2f32), "0.2");
        assert_eq!(java_decimal(f64::INFINITY), "Infinity");
    }

    #[test]
    fn tombstone_ratio_counts_only_purgeable_tombstones() {
        let mut s = sst(1, 10);
        s.tombstone_count = 300;
        s.max_local_deletion_time = 1_000;
        assert_eq!(droppable_tombstone_ratio(&s, 1_000), 0.0);
        assert!((droppable_tombstone_ratio(&s, 1_001) - 0.3).abs() < 1e-9);
        s.cell_count = 0;
        assert_eq!(droppable_tombstone_ratio(&s, 1_001), 0.0);
    }

    #[test]
    fn uncovered_share_of_token_range() {
        let s = with_tokens(sst(1, 1), 0, 99);
        let a = with_tokens(sst(2, 1), -50, 24);
        let b = with_tokens(sst(3, 1), 10, 49);
        assert!((uncovered_fraction(&s, &[&a, &b]) - 0.5).abs() < 1e-9);
        assert_eq!(uncovered_fraction(&s, &[]), 1.0);
    }

    #[test]
    fn expiry_is_blocked_by_older_live_data() {
        let o = CommonOptions::default();
        let mut dead = sst(1, 10);
        dead.has_non_expiring_data = false;
        dead.max_local_deletion_time = 100;
        dead.min_timestamp = 50;
        dead.max_timestamp = 60;
        let mut older_live = sst(2, 10);
        older_live.min_timestamp = 10;
        assert!(fully_expired(&[&dead], &[&older_live], 200, false, &o).is_empty());
        assert_eq!(fully_expired(&[&dead], &[&older_live], 200, true, &o).len(), 1);
        older_live.min_timestamp = 70;
        assert_eq!(fully_expired(&[&dead], &[&older_live], 200, false, &o).len(), 1);
        assert!(fully_expired(&[&dead], &[], 100, false, &o).is_empty());
    }

    #[test]
    fn choose_on_nothing_is_none() {
        for class in [STCS, LCS, TWCS] {
            let s = CompactionStrategy::from_options(&map(&[("class", class)])).unwrap();
            assert_eq!(s.choose(&[], &none(), 1_000_000, 864_000), None);
            assert!(s.choose_major(&[], &none()).is_empty());
        }
    }

    #[test]
    fn disabled_strategy_only_compacts_on_request() {
        let s = CompactionStrategy::from_options(&map(&[("class", STCS), ("enabled", "false")])).unwrap();
        let tables: Vec<SstableInfo> = (1..=8).map(|g| sst(g, 1000)).collect();
        assert_eq!(s.choose(&tables, &none(), 0, 0), None);
        assert_eq!(s.choose_major(&tables, &none()).len(), 1);
    }

    /// Random snapshots: every task names live, idle SSTables, once each, and is reproducible.
    #[test]
    fn tasks_only_name_idle_live_sstables() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |bound: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % bound
        };
        let strategies = [
            CompactionStrategy::default(),
            CompactionStrategy::Leveled(LcsOptions { sstable_size_in_mb: 1, ..LcsOptions::default() }),
            CompactionStrategy::TimeWindow(TwcsOptions { tombstone_compactions: true, ..TwcsOptions::default() }),
        ];
        for round in 0..600 {
            let tables: Vec<SstableInfo> = (1..=next(60))
                .map(|g| {
                    let mut s = with_tokens(sst(g, 1 + next(3 << 20)), 0, 0);
                    let a = next(2000) as i64 - 1000;
                    (s.min_token, s.max_token) = (Token(a), Token(a + next(500) as i64));
                    s.level = next(4) as u32;
                    s.max_timestamp = next(4 * 86_400) as i64 * 1_000_000;
                    s.min_timestamp = s.max_timestamp - next(1000) as i64;
                    s.tombstone_count = next(1000);
                    s.max_local_deletion_time = next(200_000) as u32;
                    s.has_non_expiring_data = next(2) == 0;
                    s.created_at = next(100_000);
                    s
                })
                .collect();
            let compacting: HashSet<u64> = tables.iter().map(|s| s.generation).filter(|_| next(4) == 0).collect();
            let strategy = &strategies[round % strategies.len()];
            let now = 100_000 + next(200_000) as u32;
            let mut tasks: Vec<CompactionTask> = strategy.choose(&tables, &compacting, now, 3600).into_iter().collect();
            assert_eq!(strategy.choose(&tables, &compacting, now, 3600), tasks.first().cloned());
            tasks.extend(strategy.choose_major(&tables, &compacting));
            let mut majors_seen = HashSet::new();
            for task in tasks {
                assert!(!task.inputs.is_empty(), "{task:?}");
                assert!(task.inputs.windows(2).all(|w| w[0] < w[1]), "{task:?}");
                for g in &task.inputs {
                    assert!(tables.iter().any(|s| s.generation == *g) && !compacting.contains(g), "{task:?}");
                    if task.reason == CompactionReason::Major {
                        assert!(majors_seen.insert(*g), "{g} in two major tasks");
                    }
                }
            }
        }
    }

    #[test]
    fn major_skips_compacting() {
        let tables: Vec<SstableInfo> = (1..=5).map(|g| sst(g, 1000)).collect();
        let compacting: HashSet<u64> = [2, 4].into_iter().collect();
        let stcs = CompactionStrategy::default();
        let tasks = stcs.choose_major(&tables, &compacting);
        assert_eq!(tasks, vec![CompactionTask::new([1, 3, 5], 0, None, CompactionReason::Major)]);
        let lcs = CompactionStrategy::Leveled(LcsOptions::default());
        let tasks = lcs.choose_major(&tables, &compacting);
        assert_eq!(tasks[0].inputs, vec![1, 3, 5]);
        assert_eq!((tasks[0].output_level, tasks[0].max_output_bytes), (1, Some(160 << 20)));
        let all: HashSet<u64> = (1..=5).collect();
        assert!(stcs.choose_major(&tables, &all).is_empty());
    }
}
