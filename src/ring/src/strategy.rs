//! Replication strategies as `system_schema.keyspaces.replication` stores them.
//!
//! The map has a `class` (the full Java class name, or the short name Cassandra resolves in
//! `org.apache.cassandra.locator`) and the strategy's options:
//!
//! | class | options |
//! |---|---|
//! | `SimpleStrategy` | `replication_factor` (required, nothing else) |
//! | `NetworkTopologyStrategy` | one `<datacenter>: <rf>` per datacenter (at least one) |
//! | `LocalStrategy` | none (system keyspaces kept on every node, never replicated) |
//! | `EverywhereStrategy` | none (DSE's: every node is a replica) |
//!
//! A replication factor is `<replicas>` or Cassandra 4.0+'s transient form
//! `<replicas>/<transient>` (`'3/1'`: three replicas of which one is transient), parsed and
//! validated exactly as `ReplicationFactor.fromString` does. Whether transient replication is
//! *enabled* is a server setting (`transient_replication_enabled`, off by default, and Cassandra
//! refuses it with vnodes); a stored map may carry the syntax, so it is accepted here and the
//! transient replicas are reported as such (see [`crate::Replica::full`]).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The package Cassandra prefixes to a strategy class name that has no dot.
pub const STRATEGY_PACKAGE: &str = "org.apache.cassandra.locator.";

/// The option naming SimpleStrategy's replication factor.
pub const REPLICATION_FACTOR: &str = "replication_factor";

/// Why a replication map is not a valid strategy. Messages follow Cassandra's
/// `ConfigurationException` texts where Cassandra has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StrategyError {
    #[error("Missing replication strategy class: the replication map must have a 'class' entry")]
    MissingClass,
    #[error("SimpleStrategy requires a replication_factor strategy option.")]
    MissingReplicationFactor,
    #[error("Unrecognized strategy option {{{option}}} passed to {class}")]
    UnrecognizedOption { class: &'static str, option: String },
    #[error(
        "replication_factor should not appear as an option to NetworkTopologyStrategy: \
         give a replication factor per datacenter ('<dc>': <rf>)"
    )]
    ReplicationFactorInNetworkTopology,
    #[error("Configuration for at least one datacenter must be present")]
    NoDatacenter,
    #[error("Invalid replication factor '{value}' for '{option}': {reason}")]
    InvalidReplicationFactor { option: String, value: String, reason: String },
}

/// A replication factor: `all` replicas, of which `transient` are transient (Cassandra 4.0+).
///
/// Invariants (checked by every constructor): `transient == 0 || transient < all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplicationFactor {
    all: u32,
    transient: u32,
}

impl ReplicationFactor {
    /// `replicas` full replicas, no transient ones.
    pub const fn full_only(replicas: u32) -> Self {
        ReplicationFactor { all: replicas, transient: 0 }
    }

    /// `all` replicas of which `transient` are transient; `transient` must be 0 or below `all`.
    pub fn with_transient(all: u32, transient: u32) -> Result<Self, String> {
        if transient != 0 && transient >= all {
            return Err(format!(
                "Transient replicas must be zero, or less than total replication factor. For {all}/{transient}"
            ));
        }
        Ok(ReplicationFactor { all, transient })
    }

    /// Every replica, full and transient.
    pub const fn all(self) -> u32 {
        self.all
    }

    /// The replicas holding a full copy (the ones a driver routes to).
    pub const fn full(self) -> u32 {
        self.all - self.transient
    }

    /// The transient replicas.
    pub const fn transient(self) -> u32 {
        self.transient
    }
}

impl FromStr for ReplicationFactor {
    type Err = String;

    /// Cassandra's `ReplicationFactor.fromString`: `"3"` or `"3/1"`, integers as Java's
    /// `Integer.parseInt` reads them (optional sign, no spaces).
    fn from_str(s: &str) -> Result<Self, String> {
        let java_int = |part: &str| part.parse::<i32>().map_err(|_| format!("For input string: \"{part}\""));
        let (all, transient) = if s.contains('/') {
            // Java's String.split drops trailing empty parts ("3/" is one part).
            let mut parts: Vec<&str> = s.split('/').collect();
            while parts.last().is_some_and(|p| p.is_empty()) {
                parts.pop();
            }
            if parts.len() != 2 {
                return Err("Replication factor format is <replicas> or <replicas>/<transient>".to_owned());
            }
            (java_int(parts[0])?, java_int(parts[1])?)
        } else {
            (java_int(s)?, 0)
        };
        if all < 0 {
            return Err(format!("Replication factor must be non-negative, found {all}"));
        }
        if transient != 0 && transient >= all {
            return Err(format!(
                "Transient replicas must be zero, or less than total replication factor. For {all}/{transient}"
            ));
        }
        if transient < 0 {
            return Err(format!("Amount of transient nodes should be strictly positive, but was: '{transient}'"));
        }
        Ok(ReplicationFactor { all: all.unsigned_abs(), transient: transient.unsigned_abs() })
    }
}

impl fmt::Display for ReplicationFactor {
    /// Cassandra's `toParseableString`: `3`, or `3/1` with transient replicas.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.transient == 0 {
            write!(f, "{}", self.all)
        } else {
            write!(f, "{}/{}", self.all, self.transient)
        }
    }
}

/// How a keyspace's data is placed on the ring.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReplicationStrategy {
    /// `LocalStrategy`: the data lives only on the node that has it (system keyspaces). No node
    /// of the ring is a replica of another's local data, so it has no ring replicas.
    Local,
    /// `SimpleStrategy`: the token's owner and the next distinct nodes clockwise.
    Simple { replication_factor: ReplicationFactor },
    /// `NetworkTopologyStrategy`: per datacenter, rack-aware (Cassandra's algorithm).
    NetworkTopology { datacenters: BTreeMap<String, ReplicationFactor> },
    /// `EverywhereStrategy` (DataStax Enterprise's): every node is a replica.
    Everywhere,
    /// Any other class (a custom strategy). Its placement is unknown here, so it has no
    /// ring replicas and token-aware routing falls back to the child policy.
    Other { class: String, options: BTreeMap<String, String> },
}

impl ReplicationStrategy {
    /// Parses a `system_schema.keyspaces.replication` map (as stored, i.e. after Cassandra
    /// expanded NetworkTopologyStrategy's `replication_factor` into datacenters).
    pub fn from_replication_map<K, V>(map: impl IntoIterator<Item = (K, V)>) -> Result<Self, StrategyError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut options: BTreeMap<String, String> =
            map.into_iter().map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned())).collect();
        let class = options.remove("class").ok_or(StrategyError::MissingClass)?;
        let short = class.strip_prefix(STRATEGY_PACKAGE).unwrap_or(&class);
        match short {
            "SimpleStrategy" => {
                let mut replication_factor = None;
                for (option, value) in options {
                    if option != REPLICATION_FACTOR {
                        return Err(StrategyError::UnrecognizedOption { class: "SimpleStrategy", option });
                    }
                    replication_factor = Some(parse_rf(option, value)?);
                }
                let replication_factor = replication_factor.ok_or(StrategyError::MissingReplicationFactor)?;
                Ok(ReplicationStrategy::Simple { replication_factor })
            }
            "NetworkTopologyStrategy" => {
                let mut datacenters = BTreeMap::new();
                for (dc, value) in options {
                    if dc.eq_ignore_ascii_case(REPLICATION_FACTOR) {
                        return Err(StrategyError::ReplicationFactorInNetworkTopology);
                    }
                    let rf = parse_rf(dc.clone(), value)?;
                    datacenters.insert(dc, rf);
                }
                if datacenters.is_empty() {
                    return Err(StrategyError::NoDatacenter);
                }
                Ok(ReplicationStrategy::NetworkTopology { datacenters })
            }
            "LocalStrategy" => Ok(ReplicationStrategy::Local),
            "EverywhereStrategy" => Ok(ReplicationStrategy::Everywhere),
            _ => Ok(ReplicationStrategy::Other { class, options }),
        }
    }

    /// A SimpleStrategy with `rf` full replicas.
    pub fn simple(rf: u32) -> Self {
        ReplicationStrategy::Simple { replication_factor: ReplicationFactor::full_only(rf) }
    }

    /// A NetworkTopologyStrategy with full replicas per datacenter.
    pub fn network_topology<S: Into<String>>(dcs: impl IntoIterator<Item = (S, u32)>) -> Self {
        ReplicationStrategy::NetworkTopology {
            datacenters: dcs.into_iter().map(|(dc, rf)| (dc.into(), ReplicationFactor::full_only(rf))).collect(),
        }
    }

    /// The full class name, as `system_schema.keyspaces` stores it.
    pub fn class_name(&self) -> &str {
        match self {
            ReplicationStrategy::Local => "org.apache.cassandra.locator.LocalStrategy",
            ReplicationStrategy::Simple { .. } => "org.apache.cassandra.locator.SimpleStrategy",
            ReplicationStrategy::NetworkTopology { .. } => "org.apache.cassandra.locator.NetworkTopologyStrategy",
            ReplicationStrategy::Everywhere => "org.apache.cassandra.locator.EverywhereStrategy",
            ReplicationStrategy::Other { class, .. } => class,
        }
    }

    /// The replication map as `system_schema.keyspaces.replication` stores it.
    pub fn to_replication_map(&self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        map.insert("class".to_owned(), self.class_name().to_owned());
        match self {
            ReplicationStrategy::Simple { replication_factor } => {
                map.insert(REPLICATION_FACTOR.to_owned(), replication_factor.to_string());
            }
            ReplicationStrategy::NetworkTopology { datacenters } => {
                map.extend(datacenters.iter().map(|(dc, rf)| (dc.clone(), rf.to_string())));
            }
            ReplicationStrategy::Other { options, .. } => map.extend(options.clone()),
            ReplicationStrategy::Local | ReplicationStrategy::Everywhere => {}
        }
        map
    }

    /// Whether some replica is transient (then [`crate::ReplicaMap::full_replicas`] differs
    /// from [`crate::ReplicaMap::replicas`]).
    pub fn has_transient_replicas(&self) -> bool {
        match self {
            ReplicationStrategy::Simple { replication_factor } => replication_factor.transient() > 0,
            ReplicationStrategy::NetworkTopology { datacenters } => datacenters.values().any(|rf| rf.transient() > 0),
            _ => false,
        }
    }
}

fn parse_rf(option: String, value: String) -> Result<ReplicationFactor, StrategyError> {
    value.parse().map_err(|reason| StrategyError::InvalidReplicationFactor { option, value, reason })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<ReplicationStrategy, StrategyError> {
        ReplicationStrategy::from_replication_map(pairs.iter().copied())
    }

    #[test]
    fn simple_full_and_short_class_names() {
        for class in ["org.apache.cassandra.locator.SimpleStrategy", "SimpleStrategy"] {
            let s = parse(&[("class", class), ("replication_factor", "3")]).unwrap();
            assert_eq!(s, ReplicationStrategy::simple(3));
        }
    }

    #[test]
    fn network_topology_per_dc() {
        let s = parse(&[("class", "org.apache.cassandra.locator.NetworkTopologyStrategy"), ("dc1", "3"), ("dc2", "2")])
            .unwrap();
        assert_eq!(s, ReplicationStrategy::network_topology([("dc1", 3), ("dc2", 2)]));
        let s = parse(&[("class", "NetworkTopologyStrategy"), ("DC1", "0")]).unwrap();
        assert_eq!(s, ReplicationStrategy::network_topology([("DC1", 0)]));
    }

    #[test]
    fn local_everywhere_and_custom() {
        assert_eq!(
            parse(&[("class", "org.apache.cassandra.locator.LocalStrategy")]).unwrap(),
            ReplicationStrategy::Local
        );
        assert_eq!(parse(&[("class", "EverywhereStrategy")]).unwrap(), ReplicationStrategy::Everywhere);
        let custom = parse(&[("class", "com.example.MyStrategy"), ("x", "1")]).unwrap();
        assert_eq!(
            custom,
            ReplicationStrategy::Other {
                class: "com.example.MyStrategy".into(),
                options: [("x".to_owned(), "1".to_owned())].into_iter().collect()
            }
        );
        assert_eq!(custom.class_name(), "com.example.MyStrategy");
    }

    #[test]
    fn transient_syntax_parsed_as_cassandra_does() {
        let s = parse(&[("class", "SimpleStrategy"), ("replication_factor", "3/1")]).unwrap();
        let ReplicationStrategy::Simple { replication_factor: rf } = s else { panic!("simple") };
        assert_eq!((rf.all(), rf.full(), rf.transient()), (3, 2, 1));
        assert_eq!(rf.to_string(), "3/1");
        assert!(s.has_transient_replicas());
        let s = parse(&[("class", "NetworkTopologyStrategy"), ("dc1", "3/1"), ("dc2", "2")]).unwrap();
        assert!(s.has_transient_replicas());
        assert_eq!(s.to_replication_map().get("dc1").map(String::as_str), Some("3/1"));
    }

    #[test]
    fn invalid_replication_factors() {
        let rf = |v: &str| v.parse::<ReplicationFactor>();
        assert_eq!(rf("-1").unwrap_err(), "Replication factor must be non-negative, found -1");
        assert_eq!(rf("abc").unwrap_err(), "For input string: \"abc\"");
        assert_eq!(rf(" 3").unwrap_err(), "For input string: \" 3\"");
        assert_eq!(
            rf("3/3").unwrap_err(),
            "Transient replicas must be zero, or less than total replication factor. For 3/3"
        );
        assert_eq!(rf("3/-1").unwrap_err(), "Amount of transient nodes should be strictly positive, but was: '-1'");
        assert_eq!(rf("3/1/1").unwrap_err(), "Replication factor format is <replicas> or <replicas>/<transient>");
        assert_eq!(rf("3/").unwrap_err(), "Replication factor format is <replicas> or <replicas>/<transient>");
        assert_eq!(rf("/1").unwrap_err(), "For input string: \"\"");
        assert_eq!(rf("99999999999").unwrap_err(), "For input string: \"99999999999\"");
        assert_eq!(rf("+2").unwrap(), ReplicationFactor::full_only(2));
        assert_eq!(rf("3/0").unwrap(), ReplicationFactor::full_only(3));
        assert_eq!(rf("0").unwrap(), ReplicationFactor::full_only(0));
    }

    #[test]
    fn invalid_maps() {
        assert_eq!(parse(&[("replication_factor", "3")]), Err(StrategyError::MissingClass));
        assert_eq!(parse(&[("class", "SimpleStrategy")]), Err(StrategyError::MissingReplicationFactor));
        assert_eq!(
            parse(&[("class", "SimpleStrategy"), ("replication_factor", "1"), ("dc1", "1")]),
            Err(StrategyError::UnrecognizedOption { class: "SimpleStrategy", option: "dc1".into() })
        );
        assert_eq!(
            parse(&[("class", "SimpleStrategy"), ("replication_factor", "x")]).unwrap_err().to_string(),
            "Invalid replication factor 'x' for 'replication_factor': For input string: \"x\""
        );
        assert_eq!(
            parse(&[("class", "NetworkTopologyStrategy"), ("replication_factor", "3")]),
            Err(StrategyError::ReplicationFactorInNetworkTopology)
        );
        assert_eq!(parse(&[("class", "NetworkTopologyStrategy")]), Err(StrategyError::NoDatacenter));
        assert!(matches!(
            parse(&[("class", "NetworkTopologyStrategy"), ("dc1", "-2")]),
            Err(StrategyError::InvalidReplicationFactor { .. })
        ));
        assert_eq!(
            StrategyError::UnrecognizedOption { class: "SimpleStrategy", option: "x".into() }.to_string(),
            "Unrecognized strategy option {x} passed to SimpleStrategy"
        );
    }

    #[test]
    fn replication_map_round_trips() {
        for s in [
            ReplicationStrategy::simple(2),
            ReplicationStrategy::network_topology([("dc1", 3), ("dc2", 1)]),
            ReplicationStrategy::Local,
            ReplicationStrategy::Everywhere,
        ] {
            assert_eq!(ReplicationStrategy::from_replication_map(s.to_replication_map()).unwrap(), s);
        }
    }
}
