//! The token ring: sorted (token, node) pairs with each node's datacenter and rack.

use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

use sibyl_common::Token;

/// A ring member as the cluster describes it (gossip, or `system.local`/`system.peers` for a
/// driver): its id, location and the tokens it owns (`num_tokens` vnodes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingNode<N> {
    pub id: N,
    pub datacenter: String,
    pub rack: String,
    pub tokens: Vec<Token>,
}

impl<N> RingNode<N> {
    pub fn new(id: N, datacenter: impl Into<String>, rack: impl Into<String>, tokens: Vec<Token>) -> Self {
        RingNode { id, datacenter: datacenter.into(), rack: rack.into(), tokens }
    }
}

/// Why a ring cannot be built from the nodes given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RingError {
    #[error("node {node} is listed twice; give each node once with all its tokens")]
    DuplicateNode { node: String },
    #[error("token {token} is claimed by both {first} and {second}; a token has exactly one owner")]
    DuplicateToken { token: Token, first: String, second: String },
    #[error("the ring has more than {max} nodes or racks")]
    TooLarge { max: u32 },
}

/// A token ring: every member's tokens in order, with the member owning each.
///
/// Ownership is Cassandra's (and every token-aware driver's): a key whose token is `t` belongs
/// to the node owning the first ring token `>= t`, wrapping to the first token past the
/// largest. Nodes with no tokens are not members. Cheap to clone (shared, immutable).
#[derive(Debug)]
pub struct TokenRing<N> {
    pub(crate) inner: Arc<RingInner<N>>,
}

impl<N> Clone for TokenRing<N> {
    fn clone(&self) -> Self {
        TokenRing { inner: Arc::clone(&self.inner) }
    }
}

/// Everything indexed by small integers so replica walks touch no hash maps.
#[derive(Debug)]
pub(crate) struct RingInner<N> {
    /// Ring tokens, ascending.
    pub(crate) tokens: Vec<Token>,
    /// Per ring position: the owner's node index.
    pub(crate) owners: Vec<u32>,
    /// Node index -> id, in order of first appearance in the input.
    pub(crate) nodes: Vec<N>,
    pub(crate) node_dc: Vec<u32>,
    /// Rack index, unique per (datacenter, rack) pair.
    pub(crate) node_rack: Vec<u32>,
    pub(crate) dc_names: Vec<String>,
    pub(crate) rack_names: Vec<String>,
    /// Per datacenter index: its member count and its distinct rack count.
    pub(crate) dc_node_count: Vec<usize>,
    pub(crate) dc_rack_count: Vec<usize>,
    pub(crate) index: HashMap<N, u32>,
}

impl<N: Clone + Eq + Hash + Debug> TokenRing<N> {
    /// Builds the ring. A node listed twice or a token claimed by two nodes is an error; a
    /// node repeating one of its own tokens is not.
    pub fn new(nodes: impl IntoIterator<Item = RingNode<N>>) -> Result<Self, RingError> {
        let mut seen: HashSet<N> = HashSet::new();
        let mut index: HashMap<N, u32> = HashMap::new();
        let mut ids = Vec::new();
        let mut node_dc = Vec::new();
        let mut node_rack = Vec::new();
        let mut dc_names: Vec<String> = Vec::new();
        let mut rack_keys: Vec<(u32, String)> = Vec::new();
        let mut entries: Vec<(Token, u32)> = Vec::new();
        let too_large = RingError::TooLarge { max: u32::MAX };
        for node in nodes {
            if !seen.insert(node.id.clone()) {
                return Err(RingError::DuplicateNode { node: format!("{:?}", node.id) });
            }
            if node.tokens.is_empty() {
                continue;
            }
            let n = u32::try_from(ids.len()).map_err(|_| too_large.clone())?;
            let dc = match dc_names.iter().position(|d| *d == node.datacenter) {
                Some(i) => i,
                None => {
                    dc_names.push(node.datacenter.clone());
                    dc_names.len() - 1
                }
            };
            let dc = u32::try_from(dc).map_err(|_| too_large.clone())?;
            let rack = match rack_keys.iter().position(|(d, r)| *d == dc && *r == node.rack) {
                Some(i) => i,
                None => {
                    rack_keys.push((dc, node.rack.clone()));
                    rack_keys.len() - 1
                }
            };
            let rack = u32::try_from(rack).map_err(|_| too_large.clone())?;
            entries.extend(node.tokens.iter().map(|t| (*t, n)));
            index.insert(node.id.clone(), n);
            ids.push(node.id);
            node_dc.push(dc);
            node_rack.push(rack);
        }
        entries.sort_unstable();
        entries.dedup();
        for pair in entries.windows(2) {
            if pair[0].0 == pair[1].0 {
                return Err(RingError::DuplicateToken {
                    token: pair[0].0,
                    first: format!("{:?}", ids[pair[0].1 as usize]),
                    second: format!("{:?}", ids[pair[1].1 as usize]),
                });
            }
        }
        let mut dc_node_count = vec![0; dc_names.len()];
        for dc in &node_dc {
            dc_node_count[*dc as usize] += 1;
        }
        let mut dc_rack_count = vec![0; dc_names.len()];
        for (dc, _) in &rack_keys {
            dc_rack_count[*dc as usize] += 1;
        }
        let (tokens, owners) = entries.into_iter().unzip();
        Ok(TokenRing {
            inner: Arc::new(RingInner {
                tokens,
                owners,
                nodes: ids,
                node_dc,
                node_rack,
                dc_names,
                rack_names: rack_keys.into_iter().map(|(_, r)| r).collect(),
                dc_node_count,
                dc_rack_count,
                index,
            }),
        })
    }

    /// Whether `id` owns tokens in this ring.
    pub fn contains(&self, id: &N) -> bool {
        self.inner.index.contains_key(id)
    }

    /// `id`'s datacenter, if it is a member.
    pub fn datacenter(&self, id: &N) -> Option<&str> {
        let n = *self.inner.index.get(id)? as usize;
        Some(&self.inner.dc_names[self.inner.node_dc[n] as usize])
    }

    /// `id`'s rack, if it is a member.
    pub fn rack(&self, id: &N) -> Option<&str> {
        let n = *self.inner.index.get(id)? as usize;
        Some(&self.inner.rack_names[self.inner.node_rack[n] as usize])
    }

    /// The tokens `id` owns, ascending.
    pub fn tokens_of(&self, id: &N) -> Vec<Token> {
        let Some(&n) = self.inner.index.get(id) else { return Vec::new() };
        self.inner.owners.iter().zip(&self.inner.tokens).filter(|(o, _)| **o == n).map(|(_, t)| *t).collect()
    }
}

impl<N> RingInner<N> {
    pub(crate) fn position(&self, token: Token) -> Option<usize> {
        if self.tokens.is_empty() {
            return None;
        }
        let i = self.tokens.partition_point(|t| *t < token);
        Some(if i == self.tokens.len() { 0 } else { i })
    }
}

impl<N> TokenRing<N> {
    /// The ring position (index into [`TokenRing::tokens`]) owning `token`: the first ring
    /// token `>= token`, wrapping to 0. `None` on an empty ring.
    pub fn position(&self, token: Token) -> Option<usize> {
        self.inner.position(token)
    }

    /// The node owning `token` (its primary replica under SimpleStrategy).
    pub fn primary(&self, token: Token) -> Option<&N> {
        self.position(token).map(|p| self.owner_at(p))
    }

    /// The node owning the ring token at `position` (panics past [`TokenRing::len`]).
    pub fn owner_at(&self, position: usize) -> &N {
        &self.inner.nodes[self.inner.owners[position] as usize]
    }

    /// Number of ring tokens (all vnodes of all members).
    pub fn len(&self) -> usize {
        self.inner.tokens.len()
    }

    pub fn is_empty(&self) -> bool {
        self.inner.tokens.is_empty()
    }

    /// The ring tokens, ascending.
    pub fn tokens(&self) -> &[Token] {
        &self.inner.tokens
    }

    /// (token, owner) in ring order.
    pub fn entries(&self) -> impl Iterator<Item = (Token, &N)> + '_ {
        self.inner.tokens.iter().zip(&self.inner.owners).map(|(t, o)| (*t, &self.inner.nodes[*o as usize]))
    }

    /// The members (nodes owning at least one token), in the order they were given.
    pub fn nodes(&self) -> &[N] {
        &self.inner.nodes
    }

    /// The datacenters of the members, in order of first appearance.
    pub fn datacenters(&self) -> impl Iterator<Item = &str> + '_ {
        self.inner.dc_names.iter().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn t(v: i64) -> Token {
        Token(v)
    }

    #[test]
    fn ownership_is_first_token_at_or_after_wrapping() {
        let ring = TokenRing::new([
            RingNode::new("a", "dc1", "r1", vec![t(-100)]),
            RingNode::new("b", "dc1", "r1", vec![t(0)]),
            RingNode::new("c", "dc1", "r1", vec![t(100)]),
        ])
        .unwrap();
        assert_eq!(ring.primary(Token::MIN), Some(&"a"));
        assert_eq!(ring.primary(t(-101)), Some(&"a"));
        assert_eq!(ring.primary(t(-100)), Some(&"a"), "a token equal to a ring token belongs to its owner");
        assert_eq!(ring.primary(t(-99)), Some(&"b"));
        assert_eq!(ring.primary(t(0)), Some(&"b"));
        assert_eq!(ring.primary(t(1)), Some(&"c"));
        assert_eq!(ring.primary(t(100)), Some(&"c"));
        assert_eq!(ring.primary(t(101)), Some(&"a"), "past the last token wraps to the first");
        assert_eq!(ring.primary(Token::MAX), Some(&"a"));
    }

    #[test]
    fn empty_ring_owns_nothing() {
        let ring: TokenRing<u32> = TokenRing::new([RingNode::new(1, "dc1", "r1", vec![])]).unwrap();
        assert!(ring.is_empty());
        assert_eq!(ring.primary(t(5)), None);
        assert!(!ring.contains(&1), "a node without tokens is not a member");
    }

    #[test]
    fn duplicates_are_errors() {
        let err =
            TokenRing::new([RingNode::new(1, "dc1", "r1", vec![t(1)]), RingNode::new(1, "dc1", "r1", vec![t(2)])])
                .unwrap_err();
        assert_eq!(err, RingError::DuplicateNode { node: "1".into() });
        let err =
            TokenRing::new([RingNode::new(1, "dc1", "r1", vec![t(1)]), RingNode::new(2, "dc1", "r1", vec![t(1)])])
                .unwrap_err();
        assert_eq!(err, RingError::DuplicateToken { token: t(1), first: "1".into(), second: "2".into() });
        // A node repeating its own token is tolerated.
        let ring = TokenRing::new([RingNode::new(1, "dc1", "r1", vec![t(1), t(1)])]).unwrap();
        assert_eq!(ring.len(), 1);
    }

    #[test]
    fn locations_and_tokens() {
        let ring = TokenRing::new([
            RingNode::new("a", "dc1", "r1", vec![t(30), t(10)]),
            RingNode::new("b", "dc2", "r1", vec![t(20)]),
        ])
        .unwrap();
        assert_eq!(ring.tokens(), &[t(10), t(20), t(30)]);
        assert_eq!(ring.entries().map(|(tk, n)| (tk.0, *n)).collect::<Vec<_>>(), vec![(10, "a"), (20, "b"), (30, "a")]);
        assert_eq!(ring.datacenter(&"b"), Some("dc2"));
        assert_eq!(ring.rack(&"a"), Some("r1"));
        assert_eq!(ring.tokens_of(&"a"), vec![t(10), t(30)]);
        assert_eq!(ring.datacenters().collect::<Vec<_>>(), vec!["dc1", "dc2"]);
        assert_eq!(ring.nodes(), &["a", "b"]);
    }
}
