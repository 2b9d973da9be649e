//! The token ring and replica placement, as Cassandra computes them.
//!
//! What it is: a [`TokenRing`] of (token, node) with vnodes (many tokens per node), each node
//! with a datacenter and a rack; ownership by Murmur3 token ([`TokenRing::primary`]: the node
//! owning the first ring token `>=` the key's token, wrapping), exactly as Cassandra and the
//! token-aware drivers compute it; [`ReplicationStrategy`] parsed from a
//! `system_schema.keyspaces.replication` map; and the replicas of a token under a strategy
//! ([`TokenRing::replicas`], or precomputed for every ring position in a [`ReplicaMap`]) by
//! Cassandra 5.0's algorithms: SimpleStrategy's clockwise walk and NetworkTopologyStrategy's
//! rack-aware one (see [`replicas`](crate::TokenRing::replicas) and the module notes in
//! `replicas.rs`). Node ids are any `Clone + Eq + Hash + Debug` type (an address, a host id,
//! an index).
//!
//! What it is not: no I/O, no clock, no threads, no tokio. It does not learn the ring (gossip
//! and `system.peers` do), does not hash keys (`sibyl_common::murmur3_token` does), does not
//! know which nodes are up (replicas are *natural* replicas; a coordinator or a driver's
//! load-balancing policy filters live ones), and computes no pending ranges during bootstrap
//! or decommission.
//!
//! ```
//! use sibyl_common::{murmur3_token, Token};
//! use sibyl_ring::{ReplicationStrategy, RingNode, TokenRing};
//!
//! let ring = TokenRing::new([
//!     RingNode::new("10.0.0.1", "dc1", "rack1", vec![Token(-6_000_000_000_000_000_000)]),
//!     RingNode::new("10.0.0.2", "dc1", "rack1", vec![Token(0)]),
//!     RingNode::new("10.0.0.3", "dc1", "rack1", vec![Token(6_000_000_000_000_000_000)]),
//! ])
//! .expect("distinct nodes and tokens");
//! let strategy = ReplicationStrategy::from_replication_map([
//!     ("class", "org.apache.cassandra.locator.SimpleStrategy"),
//!     ("replication_factor", "2"),
//! ])
//! .expect("a valid replication map");
//! let token = murmur3_token(&1i32.to_be_bytes()); // -4069959284402364209
//! assert_eq!(ring.primary(token), Some(&"10.0.0.2"));
//! assert_eq!(ring.replicas(&strategy, token), vec!["10.0.0.2", "10.0.0.3"]);
//! let map = ring.replica_map(&strategy); // every ring position at once
//! assert_eq!(map.replicas(token), &["10.0.0.2", "10.0.0.3"]);
//! ```

mod replicas;
mod ring;
mod strategy;

pub use replicas::{Replica, ReplicaMap};
pub use ring::{RingError, RingNode, TokenRing};
pub use strategy::{ReplicationFactor, ReplicationStrategy, StrategyError, REPLICATION_FACTOR, STRATEGY_PACKAGE};
