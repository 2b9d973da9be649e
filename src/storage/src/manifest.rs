//! The manifest: which tables exist, which SSTables are live for each, and from where the
//! commitlog must be replayed. Replaced atomically (temporary file, fsync, rename, directory
//! fsync) on every change, and checksummed.

use crate::commitlog::Position;
use crate::config::TableOptions;
use crate::error::{IoContext, Result, StorageError};
use crate::model::TableId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "MANIFEST.json";
const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SstableEntry {
    pub generation: u64,
    pub level: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableEntry {
    pub options: TableOptions,
    pub sstables: Vec<SstableEntry>,
    /// Commitlog entries for this table ending at or before this position are already in
    /// SSTables (or were truncated away).
    pub replay_from: Position,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub next_generation: u64,
    pub next_segment_id: u64,
    /// Keyed by table id in hex.
    pub tables: BTreeMap<String, TableEntry>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest { format_version: FORMAT_VERSION, next_generation: 1, next_segment_id: 1, tables: BTreeMap::new() }
    }
}

pub fn table_key(id: TableId) -> String {
    id.to_string()
}

pub fn parse_table_key(s: &str) -> Option<TableId> {
    u128::from_str_radix(s, 16).ok().map(TableId)
}

/// Directory of a table's SSTables: `<data>/<keyspace>/<table>-<id>`, as Cassandra lays it out.
pub fn table_dir(data_dir: &Path, id: TableId, o: &TableOptions) -> PathBuf {
    data_dir.join(&o.keyspace).join(format!("{}-{}", o.name, id))
}

impl Manifest {
    pub fn load(data_dir: &Path) -> Result<Manifest> {
        let path = data_dir.join(FILE_NAME);
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Manifest::default()),
            Err(e) => return Err(StorageError::io(&path, e)),
        };
        let (crc_line, body) = match text.iter().position(|b| *b == b'\n') {
            Some(i) => (&text[..i], &text[i + 1..]),
            None => return Err(StorageError::corrupt(&path, 0, "manifest has no checksum line")),
        };
        let expected = std::str::from_utf8(crc_line)
            .ok()
            .and_then(|s| s.strip_prefix("crc32c "))
            .and_then(|s| u32::from_str_radix(s.trim(), 16).ok())
            .ok_or_else(|| StorageError::corrupt(&path, 0, "malformed manifest checksum line"))?;
        let got = crc32c::crc32c(body);
        if got != expected {
            return Err(StorageError::ChecksumMismatch { path, offset: crc_line.len() as u64 + 1, expected, got });
        }
        let m: Manifest =
            serde_json::from_slice(body).map_err(|e| StorageError::corrupt(&path, 0, format!("manifest: {e}")))?;
        if m.format_version != FORMAT_VERSION {
            return Err(StorageError::corrupt(&path, 0, format!("unsupported manifest version {}", m.format_version)));
        }
        Ok(m)
    }

    pub fn store(&self, data_dir: &Path) -> Result<()> {
        let path = data_dir.join(FILE_NAME);
        let body = serde_json::to_vec_pretty(self).map_err(|e| StorageError::corrupt(&path, 0, e.to_string()))?;
        let mut out = format!("crc32c {:08x}\n", crc32c::crc32c(&body)).into_bytes();
        out.extend_from_slice(&body);
        std::fs::create_dir_all(data_dir).ctx(data_dir)?;
        crate::fsutil::write_atomic(&path, &out)
    }
}
