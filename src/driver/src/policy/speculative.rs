//! Speculative execution: when to send one more copy of a slow request to the next node.
//!
//! Only idempotent statements are ever executed speculatively (two executions of a
//! non-idempotent one could both apply). The first answer wins; the session cancels the rest.

use std::fmt;
use std::time::Duration;

/// Decides whether and when to start each speculative execution.
pub trait SpeculativeExecutionPolicy: Send + Sync + fmt::Debug {
    /// The delay before speculative execution number `n` (1 for the first one after the
    /// initial execution), counted from the start of the previous execution, or `None` to
    /// start no more. `is_idempotent` is the statement's flag.
    fn delay_before(&self, is_idempotent: bool, n: u32) -> Option<Duration>;
}

impl<P: SpeculativeExecutionPolicy + ?Sized> SpeculativeExecutionPolicy for Box<P> {
    fn delay_before(&self, is_idempotent: bool, n: u32) -> Option<Duration> {
        (**self).delay_before(is_idempotent, n)
    }
}

/// Never speculates (the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSpeculativeExecution;

impl SpeculativeExecutionPolicy for NoSpeculativeExecution {
    fn delay_before(&self, _is_idempotent: bool, _n: u32) -> Option<Duration> {
        None
    }
}

/// A new execution every `delay` while none has answered, up to `max_executions` executions
/// in all, the initial one included (the Java driver 4's `ConstantSpeculativeExecutionPolicy`;
/// `max_executions` of 0 or 1 means no speculative execution).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConstantSpeculativeExecution {
    pub max_executions: u32,
    pub delay: Duration,
}

impl ConstantSpeculativeExecution {
    pub fn new(max_executions: u32, delay: Duration) -> Self {
        ConstantSpeculativeExecution { max_executions, delay }
    }
}

impl SpeculativeExecutionPolicy for ConstantSpeculativeExecution {
    fn delay_before(&self, is_idempotent: bool, n: u32) -> Option<Duration> {
        (is_idempotent && n >= 1 && n < self.max_executions).then_some(self.delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_policy_counts_the_initial_execution() {
        let p = ConstantSpeculativeExecution::new(3, Duration::from_millis(50));
        let delays: Vec<_> = (1..=4).map(|n| p.delay_before(true, n)).collect();
        assert_eq!(delays, [Some(Duration::from_millis(50)), Some(Duration::from_millis(50)), None, None]);
        assert_eq!(p.delay_before(true, 0), None, "execution 0 is the initial one, never speculative");
    }

    #[test]
    fn only_idempotent_statements_speculate() {
        let p = ConstantSpeculativeExecution::new(5, Duration::from_millis(10));
        assert_eq!(p.delay_before(false, 1), None);
        for max in [0, 1] {
            assert_eq!(ConstantSpeculativeExecution::new(max, Duration::ZERO).delay_before(true, 1), None);
        }
    }

    #[test]
    fn no_speculation_by_default() {
        let p: Box<dyn SpeculativeExecutionPolicy> = Box::new(NoSpeculativeExecution);
        assert_eq!(p.delay_before(true, 1), None);
    }
}
