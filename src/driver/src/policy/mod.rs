//! Routing and failover policies as pure decisions.
//!
//! What it is: the driver's pluggable policies, each a plain function of a described cluster
//! and a request that returns what to do, so every rule is unit-tested without sockets,
//! sleeps or a cluster:
//! * [`LoadBalancingPolicy`] returns the query plan (the nodes to try, in order):
//!   [`DcAwareRoundRobin`] (local datacenter first, rotating, then a few nodes of each remote
//!   datacenter) and [`TokenAware`] (the partition's up, local replicas first, computed with
//!   `sibyl_ring` from the statement's routing key, then the child policy's plan);
//! * [`RetryPolicy`] returns a [`RetryDecision`] for a failed attempt:
//!   [`DefaultRetryPolicy`] (the DataStax drivers' rules) and [`FallthroughRetryPolicy`];
//! * [`SpeculativeExecutionPolicy`] returns when to start one more execution of an idempotent
//!   request: [`NoSpeculativeExecution`], [`ConstantSpeculativeExecution`].
//!
//! The cluster is described by a [`Topology`] snapshot: the nodes ([`NodeInfo`]: host id,
//! address, datacenter, rack, tokens, up or down as the driver sees it), the token ring they
//! form and each keyspace's replication strategy, with the replicas of every ring position
//! precomputed per strategy ([`sibyl_ring::ReplicaMap`]), so routing a request is a binary
//! search and a slice. [`routing_token`] turns a prepared statement's partition-key bind
//! markers (`pk_indexes`) and bound values into the partition's token.
//!
//! What it is not: no I/O, no timers, no tokio, no randomness. The session carries the
//! decisions out: it opens pools for nodes at [`Distance::Local`]/[`Distance::Remote`], walks
//! the plan, sleeps the speculative delays, and rebuilds or updates the [`Topology`] from
//! `system.peers`, `system_schema.keyspaces` and pushed TOPOLOGY/STATUS/SCHEMA events.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;

use sibyl_common::{murmur3_token, Token};
use sibyl_protocol::{Consistency, Value};
use sibyl_ring::{ReplicaMap, ReplicationStrategy, RingError, RingNode, TokenRing};

pub mod load_balancing;
pub mod retry;
pub mod speculative;

pub use load_balancing::{DcAwareRoundRobin, Distance, LoadBalancingPolicy, ReplicaOrder, TokenAware};
pub use retry::{DefaultRetryPolicy, FallthroughRetryPolicy, RequestFailure, RetryContext, RetryDecision, RetryPolicy};
pub use speculative::{ConstantSpeculativeExecution, NoSpeculativeExecution, SpeculativeExecutionPolicy};

/// A node's host id (`host_id` in `system.local` / `system.peers`): a UUID.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct HostId(pub [u8; 16]);

impl From<u128> for HostId {
    fn from(v: u128) -> Self {
        HostId(v.to_be_bytes())
    }
}

impl fmt::Display for HostId {
    /// The UUID's canonical form, `8-4-4-4-12` lower-case hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for HostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// One node as the driver knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeInfo {
    pub host_id: HostId,
    /// Where the driver connects (`rpc_address`/`native_address` and port).
    pub address: SocketAddr,
    pub datacenter: String,
    pub rack: String,
    /// The node's ring tokens (`tokens` of `system.local`/`system.peers`); empty for a node
    /// that owns no range (it can still coordinate).
    pub tokens: Vec<Token>,
    /// Whether the driver considers the node up (connectable, not reported DOWN).
    pub up: bool,
}

/// Why a [`Topology`] cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TopologyError {
    /// Two nodes have the same host id.
    DuplicateHost(HostId),
    /// Two nodes have the same address.
    DuplicateAddress(SocketAddr),
    /// The tokens do not form a ring (a token claimed by two nodes).
    Ring(RingError),
}

impl fmt::Display for TopologyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopologyError::DuplicateHost(id) => write!(f, "two nodes have host id {id}"),
            TopologyError::DuplicateAddress(a) => write!(f, "two nodes have address {a}"),
            TopologyError::Ring(e) => write!(f, "invalid token ring: {e}"),
        }
    }
}

impl std::error::Error for TopologyError {}

/// A ring member: the node's index in [`Topology::nodes`], shown by host id in ring errors.
#[derive(Clone, Copy)]
struct Member {
    index: usize,
    host_id: HostId,
}

impl PartialEq for Member {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
    }
}

impl Eq for Member {}

impl Hash for Member {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.index.hash(state);
    }
}

impl fmt::Debug for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.host_id)
    }
}

/// A snapshot of the cluster for routing: nodes, their ring, and keyspace strategies with
/// their replicas precomputed. Cloning shares the ring and the replica maps.
#[derive(Debug, Clone)]
pub struct Topology {
    nodes: Vec<NodeInfo>,
    by_host: HashMap<HostId, usize>,
    by_address: HashMap<SocketAddr, usize>,
    ring: TokenRing<Member>,
    /// Every datacenter (sorted by name) with its up nodes, in node order.
    live_by_dc: BTreeMap<String, Vec<usize>>,
    /// Every up node, in node order.
    live: Vec<usize>,
    /// Keyspace name -> its strategy's replica map (keyspaces with one strategy share one).
    keyspaces: HashMap<String, Arc<ReplicaMap<Member>>>,
    local_dc_hint: Option<String>,
}

impl Topology {
    /// Builds a snapshot: `nodes` in the order round-robin policies visit them, `keyspaces` as
    /// (name, strategy) — parse `system_schema.keyspaces.replication` with
    /// [`ReplicationStrategy::from_replication_map`].
    pub fn new(
        nodes: Vec<NodeInfo>,
        keyspaces: impl IntoIterator<Item = (String, ReplicationStrategy)>,
    ) -> Result<Self, TopologyError> {
        let mut by_host = HashMap::with_capacity(nodes.len());
        let mut by_address = HashMap::with_capacity(nodes.len());
        for (i, n) in nodes.iter().enumerate() {
            if by_host.insert(n.host_id, i).is_some() {
                return Err(TopologyError::DuplicateHost(n.host_id));
            }
            if by_address.insert(n.address, i).is_some() {
                return Err(TopologyError::DuplicateAddress(n.address));
            }
        }
        let ring = TokenRing::new(nodes.iter().enumerate().map(|(index, n)| {
            RingNode::new(Member { index, host_id: n.host_id }, n.datacenter.clone(), n.rack.clone(), n.tokens.clone())
        }))
        .map_err(TopologyError::Ring)?;
        let mut topo = Topology {
            nodes,
            by_host,
            by_address,
            ring,
            live_by_dc: BTreeMap::new(),
            live: Vec::new(),
            keyspaces: HashMap::new(),
            local_dc_hint: None,
        };
        topo.refresh_live();
        for (name, strategy) in keyspaces {
            topo.set_keyspace(name, strategy);
        }
        Ok(topo)
    }

    /// Every node, in the order given.
    pub fn nodes(&self) -> &[NodeInfo] {
        &self.nodes
    }

    pub fn node(&self, host_id: &HostId) -> Option<&NodeInfo> {
        self.by_host.get(host_id).map(|i| &self.nodes[*i])
    }

    pub fn node_by_address(&self, address: &SocketAddr) -> Option<&NodeInfo> {
        self.by_address.get(address).map(|i| &self.nodes[*i])
    }

    /// Marks a node up or down (a STATUS event, a failed or restored connection). Returns
    /// whether the node is known.
    pub fn set_up(&mut self, host_id: &HostId, up: bool) -> bool {
        let Some(&i) = self.by_host.get(host_id) else { return false };
        if self.nodes[i].up != up {
            self.nodes[i].up = up;
            self.refresh_live();
        }
        true
    }

    /// Adds or replaces a keyspace's strategy (a SCHEMA_CHANGE event). Keyspaces with equal
    /// strategies share one replica map.
    pub fn set_keyspace(&mut self, name: String, strategy: ReplicationStrategy) {
        let shared = self.keyspaces.values().find(|m| *m.strategy() == strategy).cloned();
        let map = shared.unwrap_or_else(|| Arc::new(self.ring.replica_map(&strategy)));
        self.keyspaces.insert(name, map);
    }

    pub fn remove_keyspace(&mut self, name: &str) -> bool {
        self.keyspaces.remove(name).is_some()
    }

    pub fn strategy(&self, keyspace: &str) -> Option<&ReplicationStrategy> {
        self.keyspaces.get(keyspace).map(|m| m.strategy())
    }

    /// The full replicas of `token` in `keyspace`, in ring order (Cassandra's), up or down.
    /// Empty for an unknown keyspace, a LocalStrategy or custom one, or an empty ring.
    pub fn replicas<'t>(&'t self, keyspace: &str, token: Token) -> impl Iterator<Item = &'t NodeInfo> + 't {
        let replicas: &'t [Member] = match self.keyspaces.get(keyspace) {
            Some(map) => map.full_replicas(token),
            None => &[],
        };
        replicas.iter().map(|m| &self.nodes[m.index])
    }

    /// The datacenters of all nodes, sorted by name.
    pub fn datacenters(&self) -> impl Iterator<Item = &str> + '_ {
        self.live_by_dc.keys().map(String::as_str)
    }

    /// The up nodes of `dc`, in node order.
    pub fn live_nodes_in<'t>(&'t self, dc: &str) -> impl Iterator<Item = &'t NodeInfo> + 't {
        self.live_by_dc.get(dc).into_iter().flatten().map(|i| &self.nodes[*i])
    }

    /// The datacenter of the node the driver first reached, used by policies that were given
    /// no local datacenter (the Python driver infers its local DC the same way).
    pub fn local_dc_hint(&self) -> Option<&str> {
        self.local_dc_hint.as_deref()
    }

    pub fn set_local_dc_hint(&mut self, dc: Option<String>) {
        self.local_dc_hint = dc;
    }

    pub fn with_local_dc_hint(mut self, dc: impl Into<String>) -> Self {
        self.local_dc_hint = Some(dc.into());
        self
    }

    /// Up node indexes of `dc` (empty for an unknown one).
    pub(crate) fn live_indexes_in(&self, dc: &str) -> &[usize] {
        self.live_by_dc.get(dc).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn live_indexes(&self) -> &[usize] {
        &self.live
    }

    pub(crate) fn live_indexes_by_dc(&self) -> impl Iterator<Item = (&str, &[usize])> + '_ {
        self.live_by_dc.iter().map(|(dc, live)| (dc.as_str(), live.as_slice()))
    }

    pub(crate) fn node_at(&self, index: usize) -> &NodeInfo {
        &self.nodes[index]
    }

    fn refresh_live(&mut self) {
        self.live_by_dc.clear();
        self.live.clear();
        for (i, n) in self.nodes.iter().enumerate() {
            let dc = self.live_by_dc.entry(n.datacenter.clone()).or_default();
            if n.up {
                dc.push(i);
                self.live.push(i);
            }
        }
    }
}

/// What a load-balancing policy knows about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoutingInfo<'a> {
    /// The keyspace the statement's table is in (the prepared statement's, or the session's).
    pub keyspace: Option<&'a str>,
    /// The partition's token, when the partition key is known ([`routing_token`]).
    pub token: Option<Token>,
    pub consistency: Consistency,
}

impl<'a> RoutingInfo<'a> {
    pub fn new(consistency: Consistency) -> Self {
        RoutingInfo { keyspace: None, token: None, consistency }
    }

    pub fn with_keyspace(mut self, keyspace: &'a str) -> Self {
        self.keyspace = Some(keyspace);
        self
    }

    pub fn with_token(mut self, token: Token) -> Self {
        self.token = Some(token);
        self
    }
}

/// The partition token of a statement from its partition-key bind markers (`pk_indexes`, in
/// key order, from the PREPARED result) and a way to read bound value `i`'s serialized bytes.
/// `None` (no token-aware routing) when there are no pk indexes or a key value is missing,
/// null or unset. One key column hashes its bytes; several hash the composite key (each
/// component as a 2-byte length, the bytes and a 0 byte), as Cassandra does.
pub fn routing_token<'v>(pk_indexes: &[u16], value: impl Fn(usize) -> Option<&'v [u8]>) -> Option<Token> {
    match pk_indexes {
        [] => None,
        [one] => value(usize::from(*one)).map(murmur3_token),
        many => {
            let mut key = Vec::new();
            for i in many {
                let bytes = value(usize::from(*i))?;
                key.extend_from_slice(&u16::try_from(bytes.len()).ok()?.to_be_bytes());
                key.extend_from_slice(bytes);
                key.push(0);
            }
            Some(murmur3_token(&key))
        }
    }
}

/// [`routing_token`] over protocol [`Value`]s.
pub fn routing_token_of_values(pk_indexes: &[u16], values: &[Value]) -> Option<Token> {
    routing_token(pk_indexes, |i| match values.get(i) {
        Some(Value::Set(bytes)) => Some(bytes.as_slice()),
        _ => None,
    })
}

#[cfg(test)]
pub(crate) mod test_cluster {
    //! The described cluster the policy tests run against.
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Two datacenters of three nodes, one rack per node, four vnodes each:
    ///
    /// ```text
    /// node   a1     b1     a2     b2     a3     b3
    /// dc     dc1    dc2    dc1    dc2    dc1    dc2
    /// rack   r1     r1     r2     r2     r3     r3
    /// tokens k*100 + j*600 for node index k in 0..6 and j in 0..4: the ring is
    ///        a1@0 b1@100 a2@200 b2@300 a3@400 b3@500 a1@600 ... b3@2300
    /// ```
    ///
    /// Keyspaces: `simple` (SimpleStrategy rf 3), `nts` (NetworkTopologyStrategy dc1: 2,
    /// dc2: 2), `system` (LocalStrategy).
    pub(crate) fn two_dcs() -> Topology {
        let names = ["a1", "b1", "a2", "b2", "a3", "b3"];
        let nodes = names
            .iter()
            .enumerate()
            .map(|(k, name)| NodeInfo {
                host_id: HostId::from(k as u128 + 1),
                address: addr(name),
                datacenter: if name.starts_with('a') { "dc1" } else { "dc2" }.to_owned(),
                rack: format!("r{}", k / 2 + 1),
                tokens: (0..4).map(|j| Token(k as i64 * 100 + j * 600)).collect(),
                up: true,
            })
            .collect();
        Topology::new(
            nodes,
            [
                ("simple".to_owned(), ReplicationStrategy::simple(3)),
                ("nts".to_owned(), ReplicationStrategy::network_topology([("dc1", 2), ("dc2", 2)])),
                ("system".to_owned(), ReplicationStrategy::Local),
            ],
        )
        .unwrap()
    }

    /// a1 -> 10.0.1.1:9042, b3 -> 10.0.2.3:9042.
    pub(crate) fn addr(name: &str) -> SocketAddr {
        let dc = if name.starts_with('a') { 1 } else { 2 };
        format!("10.0.{dc}.{}:9042", &name[1..]).parse().unwrap()
    }

    pub(crate) fn host(topo: &Topology, name: &str) -> HostId {
        topo.node_by_address(&addr(name)).unwrap().host_id
    }

    /// A plan as node names.
    pub(crate) fn names(plan: &[&NodeInfo]) -> Vec<String> {
        plan.iter()
            .map(|n| {
                let o = n.address.ip().to_string();
                let parts: Vec<&str> = o.split('.').collect();
                format!("{}{}", if parts[2] == "1" { "a" } else { "b" }, parts[3])
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::test_cluster::{addr, host, names, two_dcs};
    use super::*;

    #[test]
    fn topology_replicas_follow_the_keyspace_strategy() {
        let topo = two_dcs();
        let r = |ks: &str, t: i64| names(&topo.replicas(ks, Token(t)).collect::<Vec<_>>());
        // Token 150 belongs to a2@200.
        assert_eq!(r("simple", 150), ["a2", "b2", "a3"]);
        assert_eq!(r("nts", 150), ["a2", "b2", "a3", "b3"]);
        // Past the last token (2300): wraps to a1@0.
        assert_eq!(r("simple", 2301), ["a1", "b1", "a2"]);
        assert!(r("system", 150).is_empty());
        assert!(r("unknown", 150).is_empty());
    }

    #[test]
    fn topology_tracks_liveness_and_keyspaces() {
        let mut topo = two_dcs();
        assert_eq!(topo.datacenters().collect::<Vec<_>>(), ["dc1", "dc2"]);
        assert!(topo.set_up(&host(&topo, "a2"), false));
        assert_eq!(names(&topo.live_nodes_in("dc1").collect::<Vec<_>>()), ["a1", "a3"]);
        assert!(!topo.set_up(&HostId::from(99), false));
        // Down nodes are still replicas (natural replicas); policies filter them.
        assert_eq!(topo.replicas("nts", Token(150)).count(), 4);
        topo.set_keyspace("other".into(), ReplicationStrategy::simple(3));
        assert_eq!(topo.strategy("other"), Some(&ReplicationStrategy::simple(3)));
        assert!(Arc::ptr_eq(&topo.keyspaces["other"], &topo.keyspaces["simple"]), "equal strategies share a map");
        assert!(topo.remove_keyspace("other"));
        assert_eq!(topo.node_by_address(&addr("b3")).map(|n| n.rack.as_str()), Some("r3"));
    }

    #[test]
    fn topology_rejects_duplicates() {
        let topo = two_dcs();
        let mut nodes = topo.nodes().to_vec();
        nodes[1].host_id = nodes[0].host_id;
        assert_eq!(Topology::new(nodes, []).unwrap_err(), TopologyError::DuplicateHost(HostId::from(1)));
        let mut nodes = topo.nodes().to_vec();
        nodes[1].address = nodes[0].address;
        assert!(matches!(Topology::new(nodes, []), Err(TopologyError::DuplicateAddress(_))));
        let mut nodes = topo.nodes().to_vec();
        nodes[1].tokens = vec![Token(0)];
        let err = Topology::new(nodes, []).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid token ring: token 0 is claimed by both 00000000-0000-0000-0000-000000000001 and \
             00000000-0000-0000-0000-000000000002; a token has exactly one owner"
        );
    }

    #[test]
    fn routing_tokens_match_the_murmur3_vectors() {
        let int1 = 1i32.to_be_bytes();
        // One partition-key column: its bytes (tests/fixtures/murmur3_tokens.tsv, int 1).
        assert_eq!(routing_token(&[0], |_| Some(&int1[..])), Some(Token(-4_069_959_284_402_364_209)));
        // Two columns (int 1, text "x"): the composite key, as in the vectors.
        let values = vec![Value::Set(b"x".to_vec()), Value::Set(int1.to_vec())];
        assert_eq!(routing_token_of_values(&[1, 0], &values), Some(Token(746_584_927_563_629_270)));
        let hello = [Value::Set(2i32.to_be_bytes().to_vec()), Value::Set(b"hello".to_vec())];
        assert_eq!(routing_token_of_values(&[0, 1], &hello), Some(Token(-3_732_127_422_929_965_840)));
        // No key, a null, an unset or a missing value: no token.
        assert_eq!(routing_token_of_values(&[], &values), None);
        assert_eq!(routing_token_of_values(&[0, 1], &[Value::Null, Value::Set(vec![1])]), None);
        assert_eq!(routing_token_of_values(&[0], &[Value::Unset]), None);
        assert_eq!(routing_token_of_values(&[3], &values), None);
    }

    #[test]
    fn host_ids_print_as_uuids() {
        assert_eq!(
            HostId::from(0x0123_4567_89ab_cdef_0011_2233_4455_6677).to_string(),
            "01234567-89ab-cdef-0011-223344556677"
        );
    }
}
