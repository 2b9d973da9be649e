//! Durable file operations: write to a temporary name, fsync, rename, fsync the directory.

use crate::error::{IoContext, Result};
use std::fs::File;
use std::io::Write;
use std::path::Path;

pub fn fsync_dir(dir: &Path) -> Result<()> {
    File::open(dir).ctx(dir)?.sync_all().ctx(dir)
}

pub fn fsync_file(path: &Path) -> Result<()> {
    File::open(path).ctx(path)?.sync_all().ctx(path)
}

/// Replaces `path` with `data` atomically and durably.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = File::create(&tmp).ctx(&tmp)?;
        f.write_all(data).ctx(&tmp)?;
        f.sync_all().ctx(&tmp)?;
    }
    std::fs::rename(&tmp, path).ctx(path)?;
    if let Some(dir) = path.parent() {
        fsync_dir(dir)?;
    }
    Ok(())
}
