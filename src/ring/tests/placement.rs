//! Ownership and replica placement against independent oracles: the Murmur3 test vectors on
//! a ccm-style ring, the Python driver's own placement algorithms, and properties over random
//! vnode rings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sibyl_common::{murmur3_token, Token};
use sibyl_ring::{ReplicationFactor, ReplicationStrategy, RingNode, TokenRing};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// (key bytes, token) from the shared Murmur3 vectors.
fn vectors() -> Vec<(Vec<u8>, Token)> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/murmur3_tokens.tsv");
    let text = std::fs::read_to_string(path).expect("tests/fixtures/murmur3_tokens.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (hex(cols[1]), Token(cols[2].parse().expect("token")))
        })
        .collect()
}

/// The Python driver's `TokenMap.get_replicas` ownership: `bisect_left` on the sorted ring,
/// wrapping to the first token.
fn python_owner<'a>(ring: &'a [(Token, &'a str)], token: Token) -> &'a str {
    let point = ring.partition_point(|(t, _)| *t < token);
    ring.get(point).unwrap_or(&ring[0]).1
}

#[test]
fn ccm_three_node_ring_owns_the_vectors_as_the_python_driver_does() {
    // The initial tokens ccm gives a 3-node Murmur3 cluster.
    let tokens = [
        (Token(i64::MIN), "127.0.0.1"),
        (Token(-3_074_457_345_618_258_603), "127.0.0.2"),
        (Token(3_074_457_345_618_258_602), "127.0.0.3"),
    ];
    let ring = TokenRing::new(tokens.iter().map(|(t, n)| RingNode::new(*n, "datacenter1", "rack1", vec![*t]))).unwrap();
    // Hand-checked: int 1 hashes to -4069959284402364209, in (MIN, -3074457345618258603].
    assert_eq!(ring.primary(murmur3_token(&1i32.to_be_bytes())), Some(&"127.0.0.2"));
    // bigint 1 hashes to 6292367497774912474, past the last token: wraps to node 1.
    assert_eq!(ring.primary(murmur3_token(&1i64.to_be_bytes())), Some(&"127.0.0.1"));
    let vectors = vectors();
    assert!(vectors.len() > 200);
    for (key, token) in vectors {
        assert_eq!(murmur3_token(&key), token, "murmur3 of {key:02x?}");
        assert_eq!(ring.primary(token), Some(&python_owner(&tokens, token)), "owner of {token}");
    }
}

#[test]
fn vnode_ring_owns_the_vectors_as_the_python_driver_does() {
    let mut rng = SmallRng::seed_from_u64(7);
    let names = ["n1", "n2", "n3", "n4", "n5"];
    let nodes: Vec<RingNode<&str>> =
        names.iter().map(|n| RingNode::new(*n, "dc1", "r1", (0..16).map(|_| Token(rng.gen())).collect())).collect();
    let mut flat: Vec<(Token, &str)> = nodes.iter().flat_map(|n| n.tokens.iter().map(move |t| (*t, n.id))).collect();
    flat.sort();
    let ring = TokenRing::new(nodes).unwrap();
    for (_, token) in vectors() {
        assert_eq!(ring.primary(token), Some(&python_owner(&flat, token)));
    }
    for (t, owner) in &flat {
        assert_eq!(ring.primary(*t), Some(owner), "a ring token is owned by its own node");
    }
}

#[derive(Debug, Clone)]
struct Member {
    id: u32,
    dc: String,
    rack: String,
    tokens: Vec<Token>,
}

fn random_cluster(rng: &mut SmallRng) -> Vec<Member> {
    let n_nodes = rng.gen_range(1..=9);
    let n_dcs = rng.gen_range(1..=3);
    let vnodes = [1, 2, 4, 16][rng.gen_range(0..4)];
    (0..n_nodes)
        .map(|id| {
            let dc = rng.gen_range(0..n_dcs);
            Member {
                id,
                dc: format!("dc{dc}"),
                rack: format!("r{}", rng.gen_range(0..3)),
                tokens: (0..vnodes).map(|_| Token(rng.gen_range(-1000..1000) * 1_000_000 + i64::from(id))).collect(),
            }
        })
        .collect()
}

fn random_strategy(rng: &mut SmallRng) -> ReplicationStrategy {
    if rng.gen_bool(0.3) {
        ReplicationStrategy::simple(rng.gen_range(1..=5))
    } else {
        let mut dcs: Vec<(String, u32)> = vec![];
        for dc in 0..4 {
            if rng.gen_bool(0.7) {
                dcs.push((format!("dc{dc}"), rng.gen_range(0..=4)));
            }
        }
        if dcs.is_empty() {
            dcs.push(("dc0".into(), 1));
        }
        ReplicationStrategy::network_topology(dcs)
    }
}

/// The Python driver's `NetworkTopologyStrategy.make_token_replica_map` for one ring position
/// (per datacenter: place one node per rack, remember the nodes skipped for using a placed
/// rack, and append them once every rack has a replica). It lists replicas grouped by
/// datacenter where Cassandra interleaves them in walk order, so only the sets compare.
fn python_nts(ring: &[(Token, &Member)], dc_rf: &BTreeMap<String, ReplicationFactor>, i: usize) -> BTreeSet<u32> {
    let mut replicas: Vec<u32> = vec![];
    let mut dc_offsets: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut dc_racks: HashMap<&str, BTreeSet<&str>> = HashMap::new();
    let mut dc_hosts: HashMap<&str, BTreeSet<u32>> = HashMap::new();
    for (j, (_, m)) in ring.iter().enumerate() {
        dc_offsets.entry(&m.dc).or_default().push(j);
        dc_racks.entry(&m.dc).or_default().insert(&m.rack);
        dc_hosts.entry(&m.dc).or_default().insert(m.id);
    }
    for (dc, offsets) in &dc_offsets {
        let Some(rf) = dc_rf.get(*dc).map(|rf| rf.full() as usize).filter(|rf| *rf > 0) else { continue };
        let index = offsets.iter().position(|o| *o >= i).unwrap_or(offsets.len());
        let mut remaining = rf;
        let mut this_dc = 0;
        let mut skipped: Vec<u32> = vec![];
        let mut racks_placed: BTreeSet<&str> = BTreeSet::new();
        for k in index..index + offsets.len() {
            let m = ring[offsets[k % offsets.len()]].1;
            if remaining == 0 || this_dc == dc_hosts[dc].len() {
                break;
            }
            if replicas.contains(&m.id) {
                continue;
            }
            if racks_placed.contains(m.rack.as_str()) && racks_placed.len() < dc_racks[dc].len() {
                // The Python driver pushes a vnode's host again each time it is met, and so can
                // list one host twice (and place fewer distinct replicas than Cassandra) when a
                // datacenter's rf reaches its node count; Cassandra skips a host once.
                if !skipped.contains(&m.id) {
                    skipped.push(m.id);
                }
                continue;
            }
            replicas.push(m.id);
            this_dc += 1;
            remaining -= 1;
            racks_placed.insert(&m.rack);
            if racks_placed.len() == dc_racks[dc].len() {
                for s in skipped.drain(..) {
                    if remaining == 0 {
                        break;
                    }
                    replicas.push(s);
                    remaining -= 1;
                }
            }
        }
    }
    replicas.into_iter().collect()
}

#[test]
fn random_rings_replica_properties() {
    let mut rng = SmallRng::seed_from_u64(0x5eed);
    for case in 0..400 {
        let members = random_cluster(&mut rng);
        let strategy = random_strategy(&mut rng);
        let ring =
            TokenRing::new(members.iter().map(|m| RingNode::new(m.id, m.dc.clone(), m.rack.clone(), m.tokens.clone())))
                .unwrap();
        let by_id: HashMap<u32, &Member> = members.iter().map(|m| (m.id, m)).collect();
        let mut flat: Vec<(Token, &Member)> =
            members.iter().flat_map(|m| m.tokens.iter().map(move |t| (*t, m))).collect();
        flat.sort_by_key(|(t, _)| *t);
        flat.dedup_by_key(|(t, _)| *t);
        let map = ring.replica_map(&strategy);
        let probes: Vec<Token> = (0..20).map(|_| Token(rng.gen_range(-1_100_000_000..1_100_000_000))).collect();
        for token in probes.into_iter().chain(flat.iter().map(|(t, _)| *t)) {
            let replicas = ring.replicas(&strategy, token);
            let ctx = format!("case {case}: {strategy:?} at {token} on {members:?}");
            assert_eq!(map.replicas(token), replicas.as_slice(), "map vs direct, {ctx}");
            let distinct: BTreeSet<u32> = replicas.iter().copied().collect();
            assert_eq!(distinct.len(), replicas.len(), "distinct, {ctx}");
            let primary = *ring.primary(token).unwrap();
            match &strategy {
                ReplicationStrategy::Simple { replication_factor } => {
                    let rf = replication_factor.all() as usize;
                    assert_eq!(replicas.len(), rf.min(members.len()), "rf-bounded, {ctx}");
                    assert_eq!(replicas[0], primary, "first replica is the primary, {ctx}");
                }
                ReplicationStrategy::NetworkTopology { datacenters } => {
                    let mut per_dc: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
                    for r in &replicas {
                        per_dc.entry(&by_id[r].dc).or_default().push(*r);
                    }
                    let dcs: BTreeSet<&str> = members.iter().map(|m| m.dc.as_str()).collect();
                    for dc in dcs {
                        let nodes_in_dc: Vec<&Member> = members.iter().filter(|m| m.dc == dc).collect();
                        let racks_in_dc: BTreeSet<&str> = nodes_in_dc.iter().map(|m| m.rack.as_str()).collect();
                        let rf = datacenters.get(dc).map_or(0, |rf| rf.all() as usize);
                        let got = per_dc.get(dc).cloned().unwrap_or_default();
                        assert_eq!(got.len(), rf.min(nodes_in_dc.len()), "per-dc count in {dc}, {ctx}");
                        let racks_used: BTreeSet<&str> = got.iter().map(|r| by_id[r].rack.as_str()).collect();
                        assert_eq!(racks_used.len(), got.len().min(racks_in_dc.len()), "rack spread in {dc}, {ctx}");
                    }
                    if datacenters.get(&by_id[&primary].dc).is_some_and(|rf| rf.all() > 0) {
                        assert_eq!(replicas[0], primary, "first replica is the primary, {ctx}");
                    }
                    let i = flat.partition_point(|(t, _)| *t < token) % flat.len();
                    assert_eq!(python_nts(&flat, datacenters, i), distinct, "same set as the Python driver, {ctx}");
                }
                _ => unreachable!(),
            }
        }
    }
}
