//! sibyl's integration tests: one binary, a module per area.

mod compat;
mod storage;
