//! Shared helpers for sibyl's integration tests.

use std::path::PathBuf;

/// Directory of the frozen test fixtures (`tests/fixtures`).
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub mod crash;
