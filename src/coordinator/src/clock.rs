//! Time for the query processor: the clock (real or driven by tests), strictly increasing write
//! timestamps (Cassandra's `ClientState.getTimestamp`), and the [`TermEnv`] that gives `now()`,
//! `uuid()` and `currentTimestamp()` their values.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use sibyl_cql::value::timeuuid::timeuuid_at;
use sibyl_cql::value::TermEnv;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Microseconds since the Unix epoch.
    fn now_micros(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_micros(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// A clock tests move by hand.
#[derive(Debug, Default)]
pub struct ManualClock {
    micros: AtomicI64,
}

impl ManualClock {
    pub fn new(micros: i64) -> Self {
        ManualClock { micros: AtomicI64::new(micros) }
    }

    pub fn set(&self, micros: i64) {
        self.micros.store(micros, Ordering::SeqCst);
    }

    pub fn advance_secs(&self, secs: i64) {
        self.micros.fetch_add(secs * 1_000_000, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_micros(&self) -> i64 {
        self.micros.load(Ordering::SeqCst)
    }
}

/// Strictly increasing microsecond timestamps and unique ids, shared by a processor.
#[derive(Debug)]
pub struct Sequencer {
    last_micros: AtomicI64,
    /// Last (millisecond << 14 | tick) handed to a `now()` uuid.
    last_uuid: AtomicI64,
    counter: AtomicU64,
    node: u64,
    clock_seq: u16,
}

impl Default for Sequencer {
    fn default() -> Self {
        let node = rand::random::<u64>() & 0xFFFF_FFFF_FFFF | 0x0100_0000_0000;
        Sequencer {
            last_micros: AtomicI64::new(i64::MIN),
            last_uuid: AtomicI64::new(i64::MIN),
            counter: AtomicU64::new(0),
            node,
            clock_seq: rand::random::<u16>() & 0x3FFF,
        }
    }
}

impl Sequencer {
    /// A write timestamp: the clock's, or one more than the last one given.
    pub fn next_timestamp(&self, now_micros: i64) -> i64 {
        let mut last = self.last_micros.load(Ordering::Relaxed);
        loop {
            let next = if now_micros > last { now_micros } else { last.saturating_add(1) };
            match self.last_micros.compare_exchange_weak(last, next, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return next,
                Err(seen) => last = seen,
            }
        }
    }

    /// A number never given before by this sequencer.
    pub fn next_id(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// The clock sequence and node of this sequencer's version-1 uuids.
    pub fn uuid_node(&self) -> (u16, u64) {
        (self.clock_seq, self.node)
    }

    /// A version-1 uuid for `now()`, unique and increasing.
    pub fn next_timeuuid(&self, now_millis: i64) -> [u8; 16] {
        let floor = now_millis.saturating_mul(1 << 14);
        let mut last = self.last_uuid.load(Ordering::Relaxed);
        loop {
            let next = if floor > last { floor } else { last.saturating_add(1) };
            match self.last_uuid.compare_exchange_weak(last, next, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => {
                    let millis = next >> 14;
                    let tick = ((next & 0x3FFF) % 10_000) as u16;
                    return timeuuid_at(millis, tick, self.clock_seq, self.node);
                }
                Err(seen) => last = seen,
            }
        }
    }
}

/// The environment of one statement execution.
pub struct ExecEnv<'a> {
    pub now_micros: i64,
    pub sequencer: &'a Sequencer,
}

impl TermEnv for ExecEnv<'_> {
    fn now_millis(&self) -> Option<i64> {
        Some(self.now_micros.div_euclid(1000))
    }

    fn next_timeuuid(&mut self) -> Option<[u8; 16]> {
        Some(self.sequencer.next_timeuuid(self.now_micros.div_euclid(1000)))
    }

    fn random_uuid(&mut self) -> Option<[u8; 16]> {
        let mut b: [u8; 16] = rand::random();
        b[6] = (b[6] & 0x0F) | 0x40;
        b[8] = (b[8] & 0x3F) | 0x80;
        Some(b)
    }
}
