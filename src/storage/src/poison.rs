//! The poisoned latch: after a failed fsync the engine cannot know what reached the disk, so
//! it refuses every further write until restarted (the fsyncgate lesson: never retry an
//! fsync and carry on).

use crate::error::{Result, StorageError};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Default)]
pub struct Poison {
    poisoned: AtomicBool,
    cause: Mutex<Option<String>>,
}

impl Poison {
    pub fn poison(&self, cause: impl Into<String>) {
        let mut c = self.cause.lock();
        if c.is_none() {
            *c = Some(cause.into());
        }
        self.poisoned.store(true, Ordering::Release);
    }

    pub fn is_poisoned(&self) -> bool {
        self.poisoned.load(Ordering::Acquire)
    }

    pub fn check(&self) -> Result<()> {
        if self.is_poisoned() {
            let cause = self.cause.lock().clone().unwrap_or_default();
            return Err(StorageError::Poisoned { cause });
        }
        Ok(())
    }
}
