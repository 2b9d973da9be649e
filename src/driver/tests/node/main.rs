//! Driver tests against a real `sibyl` node process, one binary (linked once) with a module
//! per behaviour. Each test starts its own node.

#![allow(clippy::unwrap_used)]

mod harness;

mod batches;
mod connect;
mod errors;
mod paging;
mod reprepare;
mod routing;
mod statements;
mod tracing;
