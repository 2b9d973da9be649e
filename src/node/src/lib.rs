//! The sibyl node: wiring only. Configuration ([`config`]), start-up and shutdown order
//! ([`node`]), and the CQL native-protocol listener ([`server`], [`connection`], [`dispatch`]).
//!
//! What it is not: the query logic (that is `sibyl-coordinator`) or the wire codec (that is
//! `sibyl-protocol`); this crate moves bytes between them and enforces the transport's limits.

pub mod config;
pub mod connection;
pub mod convert;
pub mod dispatch;
pub mod node;
pub mod server;
