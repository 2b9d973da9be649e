//! Load balancing: which nodes a request tries, in order (the query plan).

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sibyl_protocol::Consistency;

use super::{NodeInfo, RoutingInfo, Topology};

/// How far a node is from the client, as a policy sees it. The session keeps connection
/// pools to `Local` and `Remote` nodes and none to `Ignored` ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Distance {
    Local,
    Remote,
    Ignored,
}

/// Decides the query plan of each request.
pub trait LoadBalancingPolicy: Send + Sync + fmt::Debug {
    /// How far `node` is.
    fn distance(&self, topo: &Topology, node: &NodeInfo) -> Distance;

    /// The nodes to try for one request, first choice first, each at most once. Nodes the
    /// topology marks down are left out; an empty plan means no node is available.
    fn plan<'t>(&self, topo: &'t Topology, routing: &RoutingInfo<'_>) -> Vec<&'t NodeInfo>;
}

impl<P: LoadBalancingPolicy + ?Sized> LoadBalancingPolicy for Box<P> {
    fn distance(&self, topo: &Topology, node: &NodeInfo) -> Distance {
        (**self).distance(topo, node)
    }

    fn plan<'t>(&self, topo: &'t Topology, routing: &RoutingInfo<'_>) -> Vec<&'t NodeInfo> {
        (**self).plan(topo, routing)
    }
}

impl<P: LoadBalancingPolicy + ?Sized> LoadBalancingPolicy for Arc<P> {
    fn distance(&self, topo: &Topology, node: &NodeInfo) -> Distance {
        (**self).distance(topo, node)
    }

    fn plan<'t>(&self, topo: &'t Topology, routing: &RoutingInfo<'_>) -> Vec<&'t NodeInfo> {
        (**self).plan(topo, routing)
    }
}

/// The levels satisfied inside one datacenter (Java driver's `ConsistencyLevel.isDCLocal`).
pub fn is_dc_local(consistency: Consistency) -> bool {
    matches!(consistency, Consistency::LocalOne | Consistency::LocalQuorum | Consistency::LocalSerial)
}

/// Round robin over the up nodes of the local datacenter, then up to
/// `used_hosts_per_remote_dc` up nodes of each other datacenter (by datacenter name), as the
/// DataStax drivers' `DCAwareRoundRobinPolicy` does:
/// * each plan starts one node further into the local nodes (an internal counter), and the
///   remote nodes chosen per datacenter rotate the same way;
/// * remote nodes are only in plans of non-`LOCAL_*` consistency levels, unless
///   [`DcAwareRoundRobin::with_remote_dcs_for_local_consistency`] allows them (a `LOCAL_*`
///   level sent to a remote coordinator would be local to the wrong datacenter);
/// * with no local datacenter configured, the topology's [`Topology::local_dc_hint`] is used,
///   and with neither, every node is local (plain round robin);
/// * `used_hosts_per_remote_dc` is 0 by default (no remote fallback), as in the Python driver.
#[derive(Debug)]
pub struct DcAwareRoundRobin {
    local_dc: Option<String>,
    used_hosts_per_remote_dc: usize,
    remote_for_local_consistency: bool,
    counter: AtomicUsize,
}

impl DcAwareRoundRobin {
    pub fn new(local_dc: Option<String>) -> Self {
        DcAwareRoundRobin {
            local_dc,
            used_hosts_per_remote_dc: 0,
            remote_for_local_consistency: false,
            counter: AtomicUsize::new(0),
        }
    }

    /// Up to `n` up nodes of each remote datacenter follow the local ones in a plan.
    pub fn with_used_hosts_per_remote_dc(mut self, n: usize) -> Self {
        self.used_hosts_per_remote_dc = n;
        self
    }

    /// Whether plans of `LOCAL_ONE`/`LOCAL_QUORUM`/`LOCAL_SERIAL` requests include remote nodes.
    pub fn with_remote_dcs_for_local_consistency(mut self, allow: bool) -> Self {
        self.remote_for_local_consistency = allow;
        self
    }

    /// Where the rotation starts (the Python driver starts at a random position; the session
    /// may pass a random number, tests a fixed one).
    pub fn with_start(self, start: usize) -> Self {
        self.counter.store(start, Ordering::Relaxed);
        self
    }

    pub fn local_dc(&self) -> Option<&str> {
        self.local_dc.as_deref()
    }

    pub fn used_hosts_per_remote_dc(&self) -> usize {
        self.used_hosts_per_remote_dc
    }

    fn effective_local_dc<'a>(&'a self, topo: &'a Topology) -> Option<&'a str> {
        self.local_dc.as_deref().or_else(|| topo.local_dc_hint())
    }
}

impl Default for DcAwareRoundRobin {
    fn default() -> Self {
        DcAwareRoundRobin::new(None)
    }
}

/// Appends `indexes` rotated left by `start % len`.
fn push_rotated<'t>(plan: &mut Vec<&'t NodeInfo>, topo: &'t Topology, indexes: &[usize], start: usize) {
    if indexes.is_empty() {
        return;
    }
    let (front, back) = indexes.split_at(start % indexes.len());
    plan.extend(back.iter().chain(front).map(|i| topo.node_at(*i)));
}

impl LoadBalancingPolicy for DcAwareRoundRobin {
    fn distance(&self, topo: &Topology, node: &NodeInfo) -> Distance {
        let Some(local) = self.effective_local_dc(topo) else { return Distance::Local };
        if node.datacenter == local {
            return Distance::Local;
        }
        let live = topo.live_indexes_in(&node.datacenter);
        let used = &live[..live.len().min(self.used_hosts_per_remote_dc)];
        if used.iter().any(|i| topo.node_at(*i).host_id == node.host_id) {
            Distance::Remote
        } else {
            Distance::Ignored
        }
    }

    fn plan<'t>(&self, topo: &'t Topology, routing: &RoutingInfo<'_>) -> Vec<&'t NodeInfo> {
        let start = self.counter.fetch_add(1, Ordering::Relaxed);
        let Some(local) = self.effective_local_dc(topo) else {
            let mut plan = Vec::with_capacity(topo.live_indexes().len());
            push_rotated(&mut plan, topo, topo.live_indexes(), start);
            return plan;
        };
        let local_live = topo.live_indexes_in(local);
        let remote_allowed = self.used_hosts_per_remote_dc > 0
            && (self.remote_for_local_consistency || !is_dc_local(routing.consistency));
        let mut plan =
            Vec::with_capacity(local_live.len() + if remote_allowed { self.used_hosts_per_remote_dc } else { 0 });
        push_rotated(&mut plan, topo, local_live, start);
        if remote_allowed {
            for (dc, live) in topo.live_indexes_by_dc() {
                if dc != local {
                    push_rotated(&mut plan, topo, &live[..live.len().min(self.used_hosts_per_remote_dc)], start);
                }
            }
        }
        plan
    }
}

/// In which order [`TokenAware`] lists a partition's replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplicaOrder {
    /// Ring order: the primary replica first, then the next ones clockwise (the Python
    /// driver with `shuffle_replicas=False`; best for lightweight transactions, which then
    /// contend on one coordinator).
    Ring,
    /// Each plan starts one replica further (an internal counter): spreads a hot partition's
    /// load over its replicas, the deterministic counterpart of the Python driver's default
    /// `shuffle_replicas=True`.
    #[default]
    RoundRobin,
}

/// Token-aware routing over a child policy, as the DataStax drivers' `TokenAwarePolicy`:
/// when the request has a keyspace and a partition token, the partition's full replicas that
/// are up and at [`Distance::Local`] for the child come first (see [`ReplicaOrder`]), then
/// the child's plan without them (remote replicas stay where the child puts them). Without a
/// keyspace or token, or when the keyspace's strategy places no replicas (unknown keyspace,
/// LocalStrategy, a custom class), the plan is the child's.
#[derive(Debug)]
pub struct TokenAware<P> {
    child: P,
    order: ReplicaOrder,
    counter: AtomicUsize,
}

impl<P> TokenAware<P> {
    pub fn new(child: P) -> Self {
        TokenAware { child, order: ReplicaOrder::default(), counter: AtomicUsize::new(0) }
    }

    pub fn with_replica_order(mut self, order: ReplicaOrder) -> Self {
        self.order = order;
        self
    }

    pub fn child(&self) -> &P {
        &self.child
    }

    pub fn replica_order(&self) -> ReplicaOrder {
        self.order
    }
}

impl<P: LoadBalancingPolicy> LoadBalancingPolicy for TokenAware<P> {
    fn distance(&self, topo: &Topology, node: &NodeInfo) -> Distance {
        self.child.distance(topo, node)
    }

    fn plan<'t>(&self, topo: &'t Topology, routing: &RoutingInfo<'_>) -> Vec<&'t NodeInfo> {
        let child_plan = self.child.plan(topo, routing);
        let (Some(keyspace), Some(token)) = (routing.keyspace, routing.token) else { return child_plan };
        let mut plan: Vec<&'t NodeInfo> = Vec::with_capacity(child_plan.len() + 3);
        plan.extend(topo.replicas(keyspace, token).filter(|n| n.up && self.child.distance(topo, n) == Distance::Local));
        if plan.is_empty() {
            return child_plan;
        }
        if self.order == ReplicaOrder::RoundRobin && plan.len() > 1 {
            let start = self.counter.fetch_add(1, Ordering::Relaxed) % plan.len();
            plan.rotate_left(start);
        }
        let replicas = plan.len();
        for node in child_plan {
            if !plan[..replicas].iter().any(|r| r.host_id == node.host_id) {
                plan.push(node);
            }
        }
        plan
    }
}

/// The DataStax drivers' default: token-aware over DC-aware round robin.
pub fn default_policy(local_dc: Option<String>) -> TokenAware<DcAwareRoundRobin> {
    TokenAware::new(DcAwareRoundRobin::new(local_dc))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use sibyl_common::Token;

    use super::super::test_cluster::{host, names, two_dcs};
    use super::*;

    const Q: Consistency = Consistency::Quorum;

    fn dc1() -> DcAwareRoundRobin {
        DcAwareRoundRobin::new(Some("dc1".into()))
    }

    fn plans(
        policy: &dyn LoadBalancingPolicy,
        topo: &Topology,
        routing: RoutingInfo<'_>,
        n: usize,
    ) -> Vec<Vec<String>> {
        (0..n).map(|_| names(&policy.plan(topo, &routing))).collect()
    }

    #[test]
    fn dc_aware_rotates_over_local_nodes_only_by_default() {
        let topo = two_dcs();
        assert_eq!(
            plans(&dc1(), &topo, RoutingInfo::new(Q), 4),
            [["a1", "a2", "a3"], ["a2", "a3", "a1"], ["a3", "a1", "a2"], ["a1", "a2", "a3"]]
        );
    }

    #[test]
    fn dc_aware_falls_back_to_remote_nodes_after_local_ones() {
        let topo = two_dcs();
        let policy = dc1().with_used_hosts_per_remote_dc(2);
        assert_eq!(
            plans(&policy, &topo, RoutingInfo::new(Q), 2),
            [["a1", "a2", "a3", "b1", "b2"], ["a2", "a3", "a1", "b2", "b1"]]
        );
        // LOCAL_* levels stay in the local datacenter unless allowed (third plan: starts at a3).
        assert_eq!(plans(&policy, &topo, RoutingInfo::new(Consistency::LocalQuorum), 1), [["a3", "a1", "a2"]]);
        let allowing = dc1().with_used_hosts_per_remote_dc(1).with_remote_dcs_for_local_consistency(true);
        assert_eq!(plans(&allowing, &topo, RoutingInfo::new(Consistency::LocalOne), 1), [["a1", "a2", "a3", "b1"]]);
    }

    #[test]
    fn dc_aware_skips_down_nodes_and_falls_back_when_the_local_dc_is_down() {
        let mut topo = two_dcs();
        topo.set_up(&host(&topo, "a2"), false);
        topo.set_up(&host(&topo, "b1"), false);
        let policy = dc1().with_used_hosts_per_remote_dc(2);
        // b1 is down: dc2's two remote nodes are the first two up ones, b2 and b3.
        assert_eq!(plans(&policy, &topo, RoutingInfo::new(Q), 2), [["a1", "a3", "b2", "b3"], ["a3", "a1", "b3", "b2"]]);
        for n in ["a1", "a3"] {
            topo.set_up(&host(&topo, n), false);
        }
        assert_eq!(plans(&policy, &topo, RoutingInfo::new(Q), 1), [["b2", "b3"]]);
        assert!(dc1().plan(&topo, &RoutingInfo::new(Q)).is_empty(), "no local node up and no remote fallback");
    }

    #[test]
    fn dc_aware_without_a_local_dc_uses_the_hint_or_every_node() {
        let topo = two_dcs();
        let policy = DcAwareRoundRobin::default();
        assert_eq!(plans(&policy, &topo, RoutingInfo::new(Q), 1), [["a1", "b1", "a2", "b2", "a3", "b3"]]);
        assert_eq!(policy.distance(&topo, topo.node(&host(&topo, "b3")).unwrap()), Distance::Local);
        let hinted = topo.clone().with_local_dc_hint("dc2");
        assert_eq!(plans(&DcAwareRoundRobin::default(), &hinted, RoutingInfo::new(Q), 1), [["b1", "b2", "b3"]]);
    }

    #[test]
    fn dc_aware_distances() {
        let topo = two_dcs();
        let d = |p: &DcAwareRoundRobin, n: &str| p.distance(&topo, topo.node(&host(&topo, n)).unwrap());
        assert_eq!(d(&dc1(), "a3"), Distance::Local);
        assert_eq!(d(&dc1(), "b1"), Distance::Ignored);
        let remote2 = dc1().with_used_hosts_per_remote_dc(2);
        assert_eq!(
            [d(&remote2, "b1"), d(&remote2, "b2"), d(&remote2, "b3")],
            [Distance::Remote, Distance::Remote, Distance::Ignored]
        );
    }

    #[test]
    fn token_aware_puts_local_up_replicas_first() {
        let topo = two_dcs();
        let policy = TokenAware::new(dc1().with_used_hosts_per_remote_dc(2)).with_replica_order(ReplicaOrder::Ring);
        // Token 150 belongs to a2@200: nts replicas a2, b2, a3, b3; the local ones are a2, a3.
        let routing = RoutingInfo::new(Q).with_keyspace("nts").with_token(Token(150));
        assert_eq!(
            plans(&policy, &topo, routing, 2),
            [["a2", "a3", "a1", "b1", "b2"], ["a2", "a3", "a1", "b2", "b1"]],
            "replicas in ring order, then the child's rotating plan without them"
        );
        // SimpleStrategy rf 3 from a2: a2, b2, a3.
        let routing = RoutingInfo::new(Q).with_keyspace("simple").with_token(Token(150));
        assert_eq!(names(&policy.plan(&topo, &routing))[..2], ["a2", "a3"]);
        // Token 250 belongs to b2@300 (remote): simple replicas b2, a3, b3; a3 is the local one.
        let routing = RoutingInfo::new(Q).with_keyspace("simple").with_token(Token(250));
        assert_eq!(names(&policy.plan(&topo, &routing))[0], "a3");
    }

    #[test]
    fn token_aware_skips_down_replicas() {
        let mut topo = two_dcs();
        topo.set_up(&host(&topo, "a2"), false);
        let policy = TokenAware::new(dc1().with_used_hosts_per_remote_dc(1)).with_replica_order(ReplicaOrder::Ring);
        let routing = RoutingInfo::new(Q).with_keyspace("nts").with_token(Token(150));
        assert_eq!(plans(&policy, &topo, routing, 1), [["a3", "a1", "b1"]]);
        topo.set_up(&host(&topo, "a3"), false);
        // No local replica up: the child's plan as is.
        assert_eq!(plans(&policy, &topo, routing, 1), [["a1", "b1"]]);
    }

    #[test]
    fn token_aware_round_robin_rotates_the_replicas() {
        let topo = two_dcs();
        let policy = TokenAware::new(dc1());
        assert_eq!(policy.replica_order(), ReplicaOrder::RoundRobin);
        let routing = RoutingInfo::new(Q).with_keyspace("nts").with_token(Token(150));
        let firsts: Vec<Vec<String>> = plans(&policy, &topo, routing, 3).into_iter().map(|p| p[..2].to_vec()).collect();
        assert_eq!(firsts, [["a2", "a3"], ["a3", "a2"], ["a2", "a3"]]);
    }

    #[test]
    fn token_aware_falls_back_to_the_child_without_routing_information() {
        let topo = two_dcs();
        let policy = TokenAware::new(dc1());
        let cases = [
            RoutingInfo::new(Q),
            RoutingInfo::new(Q).with_keyspace("nts"),
            RoutingInfo::new(Q).with_token(Token(150)),
            RoutingInfo::new(Q).with_keyspace("system").with_token(Token(150)),
            RoutingInfo::new(Q).with_keyspace("unknown").with_token(Token(150)),
        ];
        for (i, routing) in cases.iter().enumerate() {
            // The child's counter moves once per plan, so plan i is a fresh child's from i.
            let expected = names(&dc1().with_start(i).plan(&topo, routing));
            assert_eq!(names(&policy.plan(&topo, routing)), expected, "{routing:?}");
        }
    }

    #[test]
    fn token_aware_with_every_node_local_lists_all_up_replicas_first() {
        let topo = two_dcs();
        let policy = default_policy(None).with_replica_order(ReplicaOrder::Ring);
        let routing = RoutingInfo::new(Q).with_keyspace("nts").with_token(Token(150));
        assert_eq!(plans(&policy, &topo, routing, 1), [["a2", "b2", "a3", "b3", "a1", "b1"]]);
        let boxed: Box<dyn LoadBalancingPolicy> = Box::new(default_policy(Some("dc2".into())));
        assert_eq!(names(&boxed.plan(&topo, &routing))[..2], ["b2", "b3"]);
    }
}
