//! Replica placement: which nodes hold a token's data under a strategy, in Cassandra's order.
//!
//! * SimpleStrategy (`SimpleStrategy.calculateNaturalReplicas`): from the token's owner,
//!   clockwise, the first `rf` distinct nodes; the first `rf.full()` are full replicas.
//! * NetworkTopologyStrategy (`NetworkTopologyStrategy.calculateNaturalReplicas`, Cassandra
//!   5.0): one walk clockwise from the owner, serving every datacenter at once. A datacenter
//!   with `rf > 0` and members wants `min(rf, members)` replicas. A node is taken when it is
//!   not already a replica and either its rack has not been used yet, or the datacenter may
//!   still repeat racks (`rf - racks_in_dc` repeats are allowed, taken by the first nodes met
//!   in used racks). The walk stops once every datacenter is served or the ring is walked
//!   round. Replicas are listed in the order the walk took them, so the first one is the
//!   token's owner whenever the owner's datacenter has replicas. Within a datacenter, the
//!   replicas taken while `rf_left > transient` are full.
//! * EverywhereStrategy: every member, clockwise from the owner.
//! * LocalStrategy and unknown classes: no ring replicas.

use sibyl_common::Token;

use crate::ring::{RingInner, TokenRing};
use crate::strategy::{ReplicationFactor, ReplicationStrategy};

/// One natural replica of a token: the node, and whether it holds a full copy (`false`:
/// transient replica, Cassandra 4.0+).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Replica<N> {
    pub node: N,
    pub full: bool,
}

/// A strategy resolved against one ring (datacenter names turned into ring indexes).
enum Placement {
    Nothing,
    Simple(ReplicationFactor),
    Everywhere,
    /// Replication factor per ring datacenter index (`None`: not replicated there).
    NetworkTopology(Vec<Option<ReplicationFactor>>),
}

impl Placement {
    fn resolve<N>(ring: &RingInner<N>, strategy: &ReplicationStrategy) -> Placement {
        match strategy {
            ReplicationStrategy::Simple { replication_factor } => Placement::Simple(*replication_factor),
            ReplicationStrategy::NetworkTopology { datacenters } => {
                Placement::NetworkTopology(ring.dc_names.iter().map(|dc| datacenters.get(dc).copied()).collect())
            }
            ReplicationStrategy::Everywhere => Placement::Everywhere,
            ReplicationStrategy::Local | ReplicationStrategy::Other { .. } => Placement::Nothing,
        }
    }
}

/// Per-datacenter progress of a NetworkTopologyStrategy walk (Cassandra's `DatacenterEndpoints`).
#[derive(Clone, Copy, Default)]
struct DcProgress {
    active: bool,
    rf_left: usize,
    acceptable_rack_repeats: i64,
    transients: usize,
}

/// Scratch state reused across walks: "seen" marks are generation stamps, so a walk never
/// clears arrays.
struct Walker {
    stamp: u64,
    node_seen: Vec<u64>,
    rack_seen: Vec<u64>,
    dcs: Vec<DcProgress>,
}

impl Walker {
    fn new<N>(ring: &RingInner<N>) -> Self {
        Walker {
            stamp: 0,
            node_seen: vec![0; ring.nodes.len()],
            rack_seen: vec![0; ring.rack_names.len()],
            dcs: vec![DcProgress::default(); ring.dc_names.len()],
        }
    }

    /// Natural replicas of the token owned by ring `position`, as (node index, full) pairs.
    fn walk<N>(&mut self, ring: &RingInner<N>, placement: &Placement, position: usize, out: &mut Vec<(u32, bool)>) {
        out.clear();
        self.stamp += 1;
        let len = ring.tokens.len();
        if len == 0 {
            return;
        }
        match placement {
            Placement::Nothing => {}
            Placement::Simple(rf) => self.walk_simple(ring, position, rf.all() as usize, rf.full() as usize, out),
            Placement::Everywhere => self.walk_simple(ring, position, ring.nodes.len(), ring.nodes.len(), out),
            Placement::NetworkTopology(rfs) => self.walk_nts(ring, rfs, position, out),
        }
    }

    fn walk_simple<N>(
        &mut self,
        ring: &RingInner<N>,
        position: usize,
        all: usize,
        full: usize,
        out: &mut Vec<(u32, bool)>,
    ) {
        let len = ring.tokens.len();
        for step in 0..len {
            if out.len() >= all {
                break;
            }
            let node = ring.owners[(position + step) % len];
            let seen = &mut self.node_seen[node as usize];
            if *seen != self.stamp {
                *seen = self.stamp;
                out.push((node, out.len() < full));
            }
        }
    }

    fn walk_nts<N>(
        &mut self,
        ring: &RingInner<N>,
        rfs: &[Option<ReplicationFactor>],
        position: usize,
        out: &mut Vec<(u32, bool)>,
    ) {
        let mut dcs_to_fill = 0;
        for (dc, progress) in self.dcs.iter_mut().enumerate() {
            let nodes = ring.dc_node_count[dc];
            *progress = match rfs[dc] {
                Some(rf) if rf.all() > 0 && nodes > 0 => {
                    dcs_to_fill += 1;
                    let all = rf.all() as usize;
                    let rf_left = all.min(nodes);
                    DcProgress {
                        active: true,
                        rf_left,
                        acceptable_rack_repeats: i64::from(rf.all()) - ring.dc_rack_count[dc] as i64,
                        // Fewer nodes than the rf asks for: fewer transients accordingly.
                        transients: (rf.transient() as usize).saturating_sub(all - rf_left),
                    }
                }
                _ => DcProgress::default(),
            };
        }
        let len = ring.tokens.len();
        for step in 0..len {
            if dcs_to_fill == 0 {
                break;
            }
            let node = ring.owners[(position + step) % len];
            let progress = &mut self.dcs[ring.node_dc[node as usize] as usize];
            if !progress.active || progress.rf_left == 0 {
                continue;
            }
            let node_seen = &mut self.node_seen[node as usize];
            if *node_seen == self.stamp {
                continue; // cannot repeat a node
            }
            let full = progress.rf_left > progress.transients;
            let rack_seen = &mut self.rack_seen[ring.node_rack[node as usize] as usize];
            if *rack_seen != self.stamp {
                *rack_seen = self.stamp; // a new rack
            } else if progress.acceptable_rack_repeats <= 0 {
                continue; // the racks still unused must supply the rest
            } else {
                progress.acceptable_rack_repeats -= 1;
            }
            *node_seen = self.stamp;
            out.push((node, full));
            progress.rf_left -= 1;
            if progress.rf_left == 0 {
                dcs_to_fill -= 1;
            }
        }
    }
}

impl<N: Clone> TokenRing<N> {
    /// The natural replicas of `token` under `strategy`, in Cassandra's order, each marked
    /// full or transient.
    pub fn natural_replicas(&self, strategy: &ReplicationStrategy, token: Token) -> Vec<Replica<N>> {
        let ring = &*self.inner;
        let Some(position) = ring.position(token) else { return Vec::new() };
        let placement = Placement::resolve(ring, strategy);
        let mut out = Vec::new();
        Walker::new(ring).walk(ring, &placement, position, &mut out);
        out.into_iter().map(|(n, full)| Replica { node: ring.nodes[n as usize].clone(), full }).collect()
    }

    /// The natural replicas of `token` under `strategy` (full and transient), in Cassandra's
    /// order. For many look-ups, build a [`ReplicaMap`] once instead.
    pub fn replicas(&self, strategy: &ReplicationStrategy, token: Token) -> Vec<N> {
        self.natural_replicas(strategy, token).into_iter().map(|r| r.node).collect()
    }

    /// Precomputes the replicas of every ring position under `strategy`.
    pub fn replica_map(&self, strategy: &ReplicationStrategy) -> ReplicaMap<N> {
        ReplicaMap::new(self, strategy)
    }
}

/// The replicas of every ring position under one strategy, computed once, so a look-up is a
/// binary search and a slice. Rebuild it when the ring or the strategy changes.
#[derive(Debug, Clone)]
pub struct ReplicaMap<N> {
    ring: TokenRing<N>,
    strategy: ReplicationStrategy,
    /// Per ring position, every natural replica; empty when the strategy places nothing.
    all: Vec<Box<[N]>>,
    /// Per ring position, only the full replicas; `None` when none is transient.
    full: Option<Vec<Box<[N]>>>,
}

impl<N: Clone> ReplicaMap<N> {
    pub fn new(ring: &TokenRing<N>, strategy: &ReplicationStrategy) -> Self {
        let inner = &*ring.inner;
        let placement = Placement::resolve(inner, strategy);
        let mut all = Vec::new();
        let mut full = strategy.has_transient_replicas().then(Vec::new);
        if !matches!(placement, Placement::Nothing) {
            let mut walker = Walker::new(inner);
            let mut out = Vec::new();
            all.reserve_exact(inner.tokens.len());
            for position in 0..inner.tokens.len() {
                walker.walk(inner, &placement, position, &mut out);
                all.push(out.iter().map(|(n, _)| inner.nodes[*n as usize].clone()).collect());
                if let Some(full) = &mut full {
                    full.push(out.iter().filter(|(_, f)| *f).map(|(n, _)| inner.nodes[*n as usize].clone()).collect());
                }
            }
        }
        ReplicaMap { ring: ring.clone(), strategy: strategy.clone(), all, full }
    }
}

impl<N> ReplicaMap<N> {
    /// Every natural replica of `token` (full and transient), in Cassandra's order.
    pub fn replicas(&self, token: Token) -> &[N] {
        match self.position(token) {
            Some(p) => self.replicas_at(p),
            None => &[],
        }
    }

    /// The full replicas of `token`: what a token-aware driver routes to (transient replicas
    /// hold only unrepaired data). The same as [`ReplicaMap::replicas`] without transients.
    pub fn full_replicas(&self, token: Token) -> &[N] {
        match self.position(token) {
            Some(p) => self.full_replicas_at(p),
            None => &[],
        }
    }

    /// Every natural replica of the range ending at ring `position`.
    pub fn replicas_at(&self, position: usize) -> &[N] {
        self.all.get(position).map_or(&[], |r| r)
    }

    /// The full replicas of the range ending at ring `position`.
    pub fn full_replicas_at(&self, position: usize) -> &[N] {
        match &self.full {
            Some(full) => full.get(position).map_or(&[], |r| r),
            None => self.replicas_at(position),
        }
    }

    pub fn ring(&self) -> &TokenRing<N> {
        &self.ring
    }

    pub fn strategy(&self) -> &ReplicationStrategy {
        &self.strategy
    }

    fn position(&self, token: Token) -> Option<usize> {
        self.ring.inner.position(token)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::RingNode;

    fn t(v: i64) -> Token {
        Token(v)
    }

    fn node(id: &'static str, dc: &str, rack: &str, tokens: &[i64]) -> RingNode<&'static str> {
        RingNode::new(id, dc, rack, tokens.iter().map(|v| Token(*v)).collect())
    }

    fn nts(pairs: &[(&str, &str)]) -> ReplicationStrategy {
        let mut map = vec![("class", "NetworkTopologyStrategy")];
        map.extend_from_slice(pairs);
        ReplicationStrategy::from_replication_map(map).unwrap()
    }

    /// Three single-token nodes: A owns (80, -100], B (-100, 0], C (0, 100] ... wrapping.
    fn three_nodes() -> TokenRing<&'static str> {
        TokenRing::new([node("A", "dc1", "r1", &[-100]), node("B", "dc1", "r1", &[0]), node("C", "dc1", "r1", &[100])])
            .unwrap()
    }

    #[test]
    fn simple_strategy_rf_1_to_4_walks_clockwise_from_the_owner() {
        let ring = three_nodes();
        let at = |rf, tok| ring.replicas(&ReplicationStrategy::simple(rf), t(tok));
        assert_eq!(at(1, 50), vec!["C"]);
        assert_eq!(at(2, 50), vec!["C", "A"]);
        assert_eq!(at(3, 50), vec!["C", "A", "B"]);
        assert_eq!(at(4, 50), vec!["C", "A", "B"], "rf above the node count gives every node once");
        assert_eq!(at(2, 150), vec!["A", "B"], "wraps past the last token");
        assert_eq!(at(2, 0), vec!["B", "C"]);
        assert_eq!(at(0, 0), Vec::<&str>::new());
    }

    #[test]
    fn simple_strategy_skips_repeated_vnodes() {
        // 10a 20b 30c 40d 50a 60b 70c 80d
        let ring = TokenRing::new([
            node("a", "dc1", "r1", &[10, 50]),
            node("b", "dc1", "r1", &[20, 60]),
            node("c", "dc1", "r2", &[30, 70]),
            node("d", "dc2", "r1", &[40, 80]),
        ])
        .unwrap();
        let s = |rf| ReplicationStrategy::simple(rf);
        assert_eq!(ring.replicas(&s(3), t(45)), vec!["a", "b", "c"]);
        assert_eq!(ring.replicas(&s(3), t(75)), vec!["d", "a", "b"]);
        assert_eq!(ring.replicas(&s(2), t(25)), vec!["c", "d"]);
        assert_eq!(ring.replicas(&s(9), t(25)), vec!["c", "d", "a", "b"]);
        // NetworkTopologyStrategy over the same vnodes (dc1: a, b in r1, c in r2; dc2: d).
        let n = nts(&[("dc1", "2"), ("dc2", "1")]);
        assert_eq!(ring.replicas(&n, t(25)), vec!["c", "d", "a"]);
        assert_eq!(ring.replicas(&n, t(15)), vec!["b", "c", "d"]);
        assert_eq!(ring.replicas(&n, t(5)), vec!["a", "c", "d"], "b is skipped: rack r1 is used and r2 is not");
    }

    /// Two datacenters of four nodes, two racks each, one token per node:
    ///
    /// ```text
    /// token  10  20  30  40  50  60  70  80
    /// node   a1  a2  b1  a3  b2  b3  a4  b4
    /// dc     1   1   2   1   2   2   1   2
    /// rack   r1  r1  r1  r2  r1  r2  r2  r2
    /// ```
    fn two_dcs_two_racks() -> TokenRing<&'static str> {
        TokenRing::new([
            node("a1", "dc1", "r1", &[10]),
            node("a2", "dc1", "r1", &[20]),
            node("b1", "dc2", "r1", &[30]),
            node("a3", "dc1", "r2", &[40]),
            node("b2", "dc2", "r1", &[50]),
            node("b3", "dc2", "r2", &[60]),
            node("a4", "dc1", "r2", &[70]),
            node("b4", "dc2", "r2", &[80]),
        ])
        .unwrap()
    }

    #[test]
    fn network_topology_one_replica_per_rack_first() {
        let ring = two_dcs_two_racks();
        let s = nts(&[("dc1", "2"), ("dc2", "2")]);
        // a1 (dc1/r1), a2 skipped (r1 used, no repeats allowed), b1 (dc2/r1), a3 (dc1/r2),
        // b2 skipped, b3 (dc2/r2).
        assert_eq!(ring.replicas(&s, t(5)), vec!["a1", "b1", "a3", "b3"]);
        assert_eq!(ring.replicas(&s, t(15)), vec!["a2", "b1", "a3", "b3"]);
        // From b2: b2, b3 fill dc2; a4, then wrapping a1 (a new rack for dc1).
        assert_eq!(ring.replicas(&s, t(45)), vec!["b2", "b3", "a4", "a1"]);
        // Racks are per datacenter (dc2's r1 is not dc1's r1). From b1: b1, a3, b2 skipped,
        // b3 fills dc2, a4 skipped (dc1's r2 is used), b4 not needed, a1 wraps in.
        assert_eq!(ring.replicas(&s, t(25)), vec!["b1", "a3", "b3", "a1"]);
    }

    #[test]
    fn network_topology_rack_repeats_when_rf_exceeds_racks() {
        let ring = two_dcs_two_racks();
        let s = nts(&[("dc1", "3"), ("dc2", "1")]);
        // dc1 may repeat a rack once (rf 3 - 2 racks): a2 is taken at once after a1.
        assert_eq!(ring.replicas(&s, t(5)), vec!["a1", "a2", "b1", "a3"]);
        assert_eq!(ring.replicas(&s, t(35)), vec!["a3", "b2", "a4", "a1"]);
        // rf above the datacenter's node count: every node of it, once.
        let s = nts(&[("dc1", "5")]);
        assert_eq!(ring.replicas(&s, t(5)), vec!["a1", "a2", "a3", "a4"]);
    }

    #[test]
    fn network_topology_ignores_unknown_and_zero_datacenters() {
        let ring = two_dcs_two_racks();
        assert_eq!(ring.replicas(&nts(&[("dc3", "3")]), t(5)), Vec::<&str>::new());
        assert_eq!(ring.replicas(&nts(&[("dc1", "2"), ("dc3", "3")]), t(5)), vec!["a1", "a3"]);
        assert_eq!(ring.replicas(&nts(&[("dc1", "0"), ("dc2", "1")]), t(5)), vec!["b1"]);
    }

    #[test]
    fn transient_replicas_are_the_last_of_each_datacenter() {
        let ring = two_dcs_two_racks();
        let s = nts(&[("dc1", "3/1"), ("dc2", "1")]);
        let natural = ring.natural_replicas(&s, t(5));
        let flags: Vec<(&str, bool)> = natural.iter().map(|r| (r.node, r.full)).collect();
        assert_eq!(flags, vec![("a1", true), ("a2", true), ("b1", true), ("a3", false)]);
        let map = ring.replica_map(&s);
        assert_eq!(map.replicas(t(5)), &["a1", "a2", "b1", "a3"]);
        assert_eq!(map.full_replicas(t(5)), &["a1", "a2", "b1"]);
        let simple =
            ReplicationStrategy::from_replication_map([("class", "SimpleStrategy"), ("replication_factor", "3/1")])
                .unwrap();
        let flags: Vec<bool> = ring.natural_replicas(&simple, t(5)).iter().map(|r| r.full).collect();
        assert_eq!(flags, vec![true, true, false]);
        assert_eq!(ring.replica_map(&simple).full_replicas(t(5)), &["a1", "a2"]);
    }

    #[test]
    fn local_everywhere_and_custom_strategies() {
        let ring = three_nodes();
        assert!(ring.replicas(&ReplicationStrategy::Local, t(5)).is_empty());
        assert_eq!(ring.replicas(&ReplicationStrategy::Everywhere, t(5)), vec!["C", "A", "B"]);
        let other = ReplicationStrategy::Other { class: "x.Y".into(), options: Default::default() };
        assert!(ring.replicas(&other, t(5)).is_empty());
        assert!(ring.replica_map(&other).replicas(t(5)).is_empty());
        assert!(ring.replica_map(&ReplicationStrategy::Local).full_replicas(t(5)).is_empty());
    }

    #[test]
    fn replica_map_matches_direct_computation_at_every_boundary() {
        let ring = two_dcs_two_racks();
        for s in
            [ReplicationStrategy::simple(3), nts(&[("dc1", "2"), ("dc2", "2")]), nts(&[("dc1", "3"), ("dc2", "1")])]
        {
            let map = ring.replica_map(&s);
            for v in [i64::MIN + 1, 0, 9, 10, 11, 40, 79, 80, 81, i64::MAX] {
                assert_eq!(map.replicas(t(v)), ring.replicas(&s, t(v)).as_slice(), "{s:?} at {v}");
            }
        }
    }

    #[test]
    fn empty_ring_has_no_replicas() {
        let ring: TokenRing<&str> = TokenRing::new(Vec::new()).unwrap();
        assert!(ring.replicas(&ReplicationStrategy::simple(3), t(1)).is_empty());
        assert!(ring.replica_map(&ReplicationStrategy::simple(3)).replicas(t(1)).is_empty());
    }
}
