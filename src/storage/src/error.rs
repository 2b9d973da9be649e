//! The storage engine's one error type.

use std::path::PathBuf;

/// Everything that can go wrong in the engine. Variants carry the facts needed to act.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("I/O error on {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },

    #[error("checksum mismatch in {path} at offset {offset}: stored {expected:#010x}, computed {got:#010x}")]
    ChecksumMismatch { path: PathBuf, offset: u64, expected: u32, got: u32 },

    #[error("corrupt data in {path} at offset {offset}: {reason}")]
    Corrupt { path: PathBuf, offset: u64, reason: String },

    #[error(
        "commitlog replay failed: corrupt entry in {path} at offset {offset}: {reason}; \
         start with `commitlog_ignore_replay_errors: true` to skip it (data in it is lost)"
    )]
    CommitlogReplay { path: PathBuf, offset: u64, reason: String },

    #[error("rejected an oversized mutation ({size} bytes, limit {limit} bytes: max_mutation_size)")]
    MutationTooLarge { size: usize, limit: usize },

    #[error("storage engine is poisoned after a failed fsync ({cause}); refusing writes until restart")]
    Poisoned { cause: String },

    #[error("unknown table {0}")]
    UnknownTable(crate::model::TableId),

    #[error("table {0} already exists")]
    TableExists(crate::model::TableId),

    #[error("invalid configuration: {0}")]
    Config(String),

    #[error("engine is shutting down")]
    ShuttingDown,
}

impl StorageError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StorageError::Io { path: path.into(), source }
    }

    pub fn corrupt(path: impl Into<PathBuf>, offset: u64, reason: impl Into<String>) -> Self {
        StorageError::Corrupt { path: path.into(), offset, reason: reason.into() }
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Adds a path to an `io::Result`.
pub(crate) trait IoContext<T> {
    fn ctx(self, path: &std::path::Path) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn ctx(self, path: &std::path::Path) -> Result<T> {
        self.map_err(|e| StorageError::io(path, e))
    }
}
