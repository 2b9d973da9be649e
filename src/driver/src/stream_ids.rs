//! Stream ids of one connection: a bitmap of the ids in use plus a semaphore, so a request
//! waits (instead of failing) when every id is taken.

use std::sync::Mutex;

use tokio::sync::Semaphore;

/// Stream ids a client may use on one v4 connection: 0..=32767 (negative ids are the
/// server's; -1 carries events). This is also the limit of requests in flight per connection.
pub const MAX_STREAMS_PER_CONNECTION: usize = 32_768;

const WORDS: usize = MAX_STREAMS_PER_CONNECTION / 64;

/// Which stream ids are in use.
#[derive(Debug)]
struct Bitmap {
    words: Box<[u64; WORDS]>,
    /// Where the next search starts (ids are handed out round-robin so a just-released id,
    /// whose late response could still be on the wire after a timeout, is not reused first).
    next_word: usize,
}

impl Bitmap {
    fn take(&mut self) -> Option<i16> {
        for step in 0..WORDS {
            let w = (self.next_word + step) % WORDS;
            let word = self.words.get_mut(w)?;
            if *word != u64::MAX {
                let bit = word.trailing_ones() as usize;
                *word |= 1 << bit;
                self.next_word = (w + 1) % WORDS;
                return i16::try_from(w * 64 + bit).ok();
            }
        }
        None
    }

    fn release(&mut self, id: i16) -> bool {
        let Ok(id) = usize::try_from(id) else { return false };
        match self.words.get_mut(id / 64) {
            Some(word) if *word & (1 << (id % 64)) != 0 => {
                *word &= !(1 << (id % 64));
                true
            }
            _ => false,
        }
    }
}

/// The stream-id allocator of one connection.
#[derive(Debug)]
pub(crate) struct StreamIds {
    used: Mutex<Bitmap>,
    free: Semaphore,
}

impl StreamIds {
    pub(crate) fn new() -> Self {
        StreamIds {
            used: Mutex::new(Bitmap { words: Box::new([0; WORDS]), next_word: 0 }),
            free: Semaphore::new(MAX_STREAMS_PER_CONNECTION),
        }
    }

    /// Waits for a free id; `None` once [`StreamIds::close`] was called.
    pub(crate) async fn acquire(&self) -> Option<i16> {
        let permit = self.free.acquire().await.ok()?;
        permit.forget();
        let id = self.used.lock().ok()?.take();
        debug_assert!(id.is_some(), "a semaphore permit guarantees a free stream id");
        id
    }

    /// Returns an id; ids not in use are ignored.
    pub(crate) fn release(&self, id: i16) {
        let released = self.used.lock().map(|mut b| b.release(id)).unwrap_or(false);
        if released {
            self.free.add_permits(1);
        }
    }

    /// Wakes every waiter with `None`: the connection is gone.
    pub(crate) fn close(&self) {
        self.free.close();
    }

    /// Ids in use.
    pub(crate) fn in_use(&self) -> usize {
        MAX_STREAMS_PER_CONNECTION - self.free.available_permits()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::HashSet;

    use super::*;

    #[tokio::test]
    async fn every_id_is_handed_out_once_then_callers_wait() {
        let ids = StreamIds::new();
        let mut seen = HashSet::new();
        for _ in 0..MAX_STREAMS_PER_CONNECTION {
            let id = ids.acquire().await.unwrap();
            assert!((0..=i16::MAX).contains(&id));
            assert!(seen.insert(id));
        }
        assert_eq!(ids.in_use(), MAX_STREAMS_PER_CONNECTION);
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(20), ids.acquire()).await;
        assert!(waiting.is_err(), "all ids taken: acquire must wait");
        ids.release(1234);
        ids.release(1234); // double release is ignored
        assert_eq!(ids.acquire().await, Some(1234));
        ids.close();
        assert_eq!(ids.acquire().await, None);
    }

    #[tokio::test]
    async fn ids_rotate_instead_of_reusing_the_last_released() {
        let ids = StreamIds::new();
        let a = ids.acquire().await.unwrap();
        ids.release(a);
        let b = ids.acquire().await.unwrap();
        assert_ne!(a, b);
        ids.release(-1);
        ids.release(b);
        assert_eq!(ids.in_use(), 0);
    }
}
