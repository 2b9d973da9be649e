//! SSTables: immutable sorted files of partitions.
//!
//! One SSTable is a set of component files sharing a generation number:
//!
//! | component | content |
//! |---|---|
//! | `Data.db` | file header, then checksummed compressed blocks of whole partitions |
//! | `Index.db` | the partition index: first partition key of every data block and the block's position, in checksummed chunks |
//! | `Summary.db` | a sparse summary of the index (first key of every index chunk), kept in memory |
//! | `Filter.db` | bloom filter of partition keys |
//! | `Statistics.db` | min/max timestamp, token and clustering, tombstone and TTL counts, level, commitlog bound |
//! | `TOC.txt` | the list of components |
//!
//! Every component starts with a magic and format version. Components are written under a
//! temporary name, fsynced, renamed, and then the directory is fsynced; only then does the
//! manifest name the SSTable.

pub mod block;
pub mod bloom;
pub mod reader;
pub mod stats;
pub mod writer;

use std::path::{Path, PathBuf};

pub const MAGIC: &[u8; 8] = b"SIBYLSST";
pub const FORMAT_VERSION: u32 = 1;
/// Magic + version + CRC32C of both.
pub const FILE_HEADER_BYTES: usize = 16;

pub fn file_header() -> [u8; FILE_HEADER_BYTES] {
    let mut h = [0u8; FILE_HEADER_BYTES];
    h[..8].copy_from_slice(MAGIC);
    h[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    let crc = crc32c::crc32c(&h[..12]);
    h[12..].copy_from_slice(&crc.to_le_bytes());
    h
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Data,
    Index,
    Summary,
    Filter,
    Statistics,
    Toc,
}

impl Component {
    pub const ALL: [Component; 6] = [
        Component::Data,
        Component::Index,
        Component::Summary,
        Component::Filter,
        Component::Statistics,
        Component::Toc,
    ];

    pub fn suffix(self) -> &'static str {
        match self {
            Component::Data => "Data.db",
            Component::Index => "Index.db",
            Component::Summary => "Summary.db",
            Component::Filter => "Filter.db",
            Component::Statistics => "Statistics.db",
            Component::Toc => "TOC.txt",
        }
    }
}

/// Where an SSTable's files live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    pub dir: PathBuf,
    pub generation: u64,
}

impl Descriptor {
    pub fn new(dir: &Path, generation: u64) -> Self {
        Descriptor { dir: dir.to_path_buf(), generation }
    }

    pub fn path(&self, c: Component) -> PathBuf {
        self.dir.join(format!("sb-{}-big-{}", self.generation, c.suffix()))
    }

    pub fn tmp_path(&self, c: Component) -> PathBuf {
        self.dir.join(format!("tmp-sb-{}-big-{}", self.generation, c.suffix()))
    }

    /// Parses the generation out of a component file name (`sb-<gen>-big-<Component>`).
    pub fn parse_generation(name: &str) -> Option<u64> {
        name.strip_prefix("sb-")?.split('-').next()?.parse().ok()
    }

    /// Removes every component file, ignoring ones already gone.
    pub fn delete_files(&self) {
        for c in Component::ALL {
            for p in [self.path(c), self.tmp_path(c)] {
                if let Err(e) = std::fs::remove_file(&p) {
                    if e.kind() != std::io::ErrorKind::NotFound {
                        tracing::warn!(path = %p.display(), error = %e, "could not delete sstable component");
                    }
                }
            }
        }
    }
}
