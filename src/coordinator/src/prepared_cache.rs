//! The prepared-statement cache, bounded like Cassandra's (`prepared_statements_cache_size`, by
//! default the larger of 10 MiB and 1/256 of the heap): an estimated byte weight per statement,
//! and the oldest statements evicted when the total goes over the capacity. A client that then
//! executes an evicted id gets `Unprepared` (0x2500) and prepares it again, as drivers do
//! transparently.
//!
//! Statements on a table that is dropped (by `DROP TABLE` or `DROP KEYSPACE`, or dropped and
//! created again) are removed at once, as Cassandra does: executing them gives `Unprepared`, and
//! the driver prepares them again against the schema of the day.
//!
//! Eviction is second-chance FIFO (CLOCK): statements leave in the order they were inserted,
//! except that one used since it last came up for eviction goes round again. Lookups only set a
//! flag under the read lock, so executing a prepared statement never takes the write lock.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::RwLock;

use crate::processor::Prepared;

/// The default capacity in bytes: Cassandra's minimum for `prepared_statements_cache_size`.
pub const PREPARED_CACHE_BYTES: usize = 10 * 1024 * 1024;

/// The estimated size of a prepared statement besides its text: the plan (column
/// specifications, restrictions, operations) and the cache's own bookkeeping.
const PLAN_BASE_BYTES: usize = 1024;

/// The estimated memory a prepared statement holds: its text, its keyspace, and a plan that
/// grows with the text (terms, markers, column lists).
pub fn weight(p: &Prepared) -> usize {
    PLAN_BASE_BYTES + 2 * p.query.len() + p.keyspace.as_ref().map_or(0, String::len)
}

struct Entry {
    prepared: Arc<Prepared>,
    weight: usize,
    /// Used since it last came up for eviction.
    referenced: AtomicBool,
}

#[derive(Default)]
struct State {
    entries: HashMap<[u8; 16], Entry>,
    /// Every id of `entries` once, oldest first.
    queue: VecDeque<[u8; 16]>,
    bytes: usize,
}

/// Prepared statements by id, bounded in (estimated) bytes.
pub struct PreparedCache {
    capacity: AtomicUsize,
    state: RwLock<State>,
}

impl PreparedCache {
    pub fn new(capacity_bytes: usize) -> Self {
        PreparedCache { capacity: AtomicUsize::new(capacity_bytes), state: RwLock::new(State::default()) }
    }

    /// The statement with this id, if cached (and marks it used).
    pub fn get(&self, id: &[u8; 16]) -> Option<Arc<Prepared>> {
        let state = self.state.read();
        let e = state.entries.get(id)?;
        e.referenced.store(true, Ordering::Relaxed);
        Some(Arc::clone(&e.prepared))
    }

    /// Caches `p` (replacing a statement with the same id), then evicts the oldest statements
    /// while over capacity. The statement just inserted always stays, even if larger than
    /// the whole capacity, so the client that prepared it can execute it.
    pub fn insert(&self, p: Arc<Prepared>) {
        let id = p.id;
        let weight = weight(&p);
        let mut state = self.state.write();
        let entry = Entry { prepared: p, weight, referenced: AtomicBool::new(false) };
        match state.entries.insert(id, entry) {
            Some(old) => state.bytes -= old.weight,
            None => state.queue.push_back(id),
        }
        state.bytes += weight;
        Self::evict(&mut state, self.capacity.load(Ordering::Relaxed), &id);
    }

    /// Removes every statement `stale` says no longer holds (e.g. on a table that was dropped);
    /// returns how many.
    pub fn remove_if(&self, stale: impl Fn(&Prepared) -> bool) -> usize {
        let mut state = self.state.write();
        let ids: Vec<[u8; 16]> = state.entries.iter().filter(|(_, e)| stale(&e.prepared)).map(|(id, _)| *id).collect();
        for id in &ids {
            self.remove_locked(&mut state, id);
        }
        ids.len()
    }

    /// Removes the statement with this id if it is `p` itself (not one prepared again since).
    pub fn remove(&self, p: &Arc<Prepared>) {
        let mut state = self.state.write();
        if state.entries.get(&p.id).is_some_and(|e| Arc::ptr_eq(&e.prepared, p)) {
            self.remove_locked(&mut state, &p.id);
        }
    }

    fn remove_locked(&self, state: &mut State, id: &[u8; 16]) {
        if let Some(e) = state.entries.remove(id) {
            state.bytes -= e.weight;
            state.queue.retain(|q| q != id);
        }
    }

    /// Changes the capacity (evicting down to it at once).
    pub fn set_capacity(&self, capacity_bytes: usize) {
        self.capacity.store(capacity_bytes, Ordering::Relaxed);
        let mut state = self.state.write();
        Self::evict(&mut state, capacity_bytes, &[0; 16]);
    }

    /// The number of cached statements and their estimated bytes.
    pub fn usage(&self) -> (usize, usize) {
        let state = self.state.read();
        (state.entries.len(), state.bytes)
    }

    fn evict(state: &mut State, capacity: usize, keep: &[u8; 16]) {
        // Each entry gets at most one second chance per call: the loop ends.
        let mut budget = 2 * state.queue.len();
        while state.bytes > capacity && budget > 0 {
            budget -= 1;
            let Some(id) = state.queue.pop_front() else { break };
            let second_chance = state.entries.get(&id).is_some_and(|e| e.referenced.swap(false, Ordering::Relaxed));
            if id == *keep || second_chance {
                state.queue.push_back(id);
                continue;
            }
            if let Some(e) = state.entries.remove(&id) {
                state.bytes -= e.weight;
            }
        }
    }
}
