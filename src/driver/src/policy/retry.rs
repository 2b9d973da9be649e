//! Retry: what to do after one attempt of a request failed.

use std::fmt;

use sibyl_protocol::{Consistency, ErrorKind, WriteType};

/// What the session does next with a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Send it again to the same node, at this consistency (`None`: the same one).
    RetrySameNode(Option<Consistency>),
    /// Send it to the next node of the query plan, at this consistency (`None`: the same one).
    RetryNextNode(Option<Consistency>),
    /// Give the error to the caller.
    Rethrow,
    /// Give the caller an empty result instead of the error (for writes: as if it succeeded).
    Ignore,
}

/// What the session knows about the failed attempt's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryContext {
    /// The consistency level the attempt was sent at.
    pub consistency: Consistency,
    /// Whether running the statement twice is harmless (`StatementOptions::idempotent`).
    pub is_idempotent: bool,
    /// Retries already made for this request (0 on the first failure).
    pub retry_count: u32,
}

/// How one attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestFailure<'a> {
    /// The node answered with an ERROR.
    Error(&'a ErrorKind),
    /// The connection closed or broke (or missed its heartbeat) with the request in flight:
    /// the request may or may not have run.
    ConnectionBroken,
    /// No answer within the per-attempt timeout: the request may or may not have run.
    ClientTimeout,
}

/// Decides retries. The hooks see the failure's facts; [`RetryPolicy::decide`] dispatches a
/// [`RequestFailure`] to them.
pub trait RetryPolicy: Send + Sync + fmt::Debug {
    /// A ReadTimeout (0x1200): `received` of `block_for` replicas answered in time;
    /// `data_present` tells whether the replica asked for data was among them.
    fn on_read_timeout(
        &self,
        ctx: &RetryContext,
        consistency: Consistency,
        received: i32,
        block_for: i32,
        data_present: bool,
    ) -> RetryDecision;

    /// A WriteTimeout (0x1100): `received` of `block_for` replicas acknowledged in time.
    fn on_write_timeout(
        &self,
        ctx: &RetryContext,
        consistency: Consistency,
        received: i32,
        block_for: i32,
        write_type: &WriteType,
    ) -> RetryDecision;

    /// Unavailable (0x1000): the coordinator saw only `alive` of the `required` replicas up
    /// and did not run the request.
    fn on_unavailable(&self, ctx: &RetryContext, consistency: Consistency, required: i32, alive: i32) -> RetryDecision;

    /// Overloaded, IsBootstrapping, ServerError, TruncateError, ReadFailure, WriteFailure, a
    /// broken connection or a client-side timeout.
    fn on_request_error(&self, ctx: &RetryContext, failure: &RequestFailure<'_>) -> RetryDecision;

    /// The decision for `failure`. Errors a retry cannot fix (syntax, invalid, unauthorized,
    /// already exists, configuration, protocol, credentials, function failure, unknown codes)
    /// are rethrown without asking the hooks; Unprepared is not a retry matter (the session
    /// prepares the statement again and resends it).
    fn decide(&self, ctx: &RetryContext, failure: &RequestFailure<'_>) -> RetryDecision {
        match failure {
            RequestFailure::Error(ErrorKind::ReadTimeout { consistency, received, block_for, data_present }) => {
                self.on_read_timeout(ctx, *consistency, *received, *block_for, *data_present)
            }
            RequestFailure::Error(ErrorKind::WriteTimeout { consistency, received, block_for, write_type }) => {
                self.on_write_timeout(ctx, *consistency, *received, *block_for, write_type)
            }
            RequestFailure::Error(ErrorKind::Unavailable { consistency, required, alive }) => {
                self.on_unavailable(ctx, *consistency, *required, *alive)
            }
            RequestFailure::Error(
                ErrorKind::Overloaded
                | ErrorKind::IsBootstrapping
                | ErrorKind::Server
                | ErrorKind::TruncateError
                | ErrorKind::ReadFailure { .. }
                | ErrorKind::WriteFailure { .. },
            )
            | RequestFailure::ConnectionBroken
            | RequestFailure::ClientTimeout => self.on_request_error(ctx, failure),
            RequestFailure::Error(_) => RetryDecision::Rethrow,
        }
    }
}

impl<P: RetryPolicy + ?Sized> RetryPolicy for Box<P> {
    fn on_read_timeout(&self, ctx: &RetryContext, cl: Consistency, rec: i32, bf: i32, data: bool) -> RetryDecision {
        (**self).on_read_timeout(ctx, cl, rec, bf, data)
    }

    fn on_write_timeout(
        &self,
        ctx: &RetryContext,
        cl: Consistency,
        rec: i32,
        bf: i32,
        wt: &WriteType,
    ) -> RetryDecision {
        (**self).on_write_timeout(ctx, cl, rec, bf, wt)
    }

    fn on_unavailable(&self, ctx: &RetryContext, cl: Consistency, required: i32, alive: i32) -> RetryDecision {
        (**self).on_unavailable(ctx, cl, required, alive)
    }

    fn on_request_error(&self, ctx: &RetryContext, failure: &RequestFailure<'_>) -> RetryDecision {
        (**self).on_request_error(ctx, failure)
    }

    fn decide(&self, ctx: &RetryContext, failure: &RequestFailure<'_>) -> RetryDecision {
        (**self).decide(ctx, failure)
    }
}

/// The DataStax drivers' `DefaultRetryPolicy`, retrying only where a retry is likely to
/// succeed and cannot do harm:
/// * read timeout: once, on the same node, when enough replicas answered but the data
///   replica was not among them (`received >= block_for && !data_present`): the replicas are
///   alive, and the data will most likely be there on a second try;
/// * write timeout: once, on the same node, only for `BATCH_LOG` (the coordinator timed out
///   writing the batch log, before applying the batch); other writes may be partly applied;
/// * unavailable: once, on the next node (another coordinator may see more replicas up);
/// * IsBootstrapping: the next node (the request did not run);
/// * Overloaded, ServerError, TruncateError, a broken connection or a client timeout: the
///   next node if the statement is idempotent, else rethrow (the request may have run; this
///   is the Java driver 4's rule, where the Python driver retries Overloaded unconditionally);
/// * ReadFailure, WriteFailure: rethrow (replicas failed, e.g. on tombstones; a retry fails
///   the same way).
///
/// Next-node retries are bounded by the query plan; same-node ones happen at most once.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultRetryPolicy;

impl RetryPolicy for DefaultRetryPolicy {
    fn on_read_timeout(
        &self,
        ctx: &RetryContext,
        _consistency: Consistency,
        received: i32,
        block_for: i32,
        data_present: bool,
    ) -> RetryDecision {
        if ctx.retry_count == 0 && received >= block_for && !data_present {
            RetryDecision::RetrySameNode(None)
        } else {
            RetryDecision::Rethrow
        }
    }

    fn on_write_timeout(
        &self,
        ctx: &RetryContext,
        _consistency: Consistency,
        _received: i32,
        _block_for: i32,
        write_type: &WriteType,
    ) -> RetryDecision {
        if ctx.retry_count == 0 && *write_type == WriteType::BatchLog {
            RetryDecision::RetrySameNode(None)
        } else {
            RetryDecision::Rethrow
        }
    }

    fn on_unavailable(
        &self,
        ctx: &RetryContext,
        _consistency: Consistency,
        _required: i32,
        _alive: i32,
    ) -> RetryDecision {
        if ctx.retry_count == 0 {
            RetryDecision::RetryNextNode(None)
        } else {
            RetryDecision::Rethrow
        }
    }

    fn on_request_error(&self, ctx: &RetryContext, failure: &RequestFailure<'_>) -> RetryDecision {
        match failure {
            RequestFailure::Error(ErrorKind::IsBootstrapping) => RetryDecision::RetryNextNode(None),
            RequestFailure::Error(ErrorKind::ReadFailure { .. } | ErrorKind::WriteFailure { .. }) => {
                RetryDecision::Rethrow
            }
            _ if ctx.is_idempotent => RetryDecision::RetryNextNode(None),
            _ => RetryDecision::Rethrow,
        }
    }
}

/// Never retries: every failure goes to the caller (the application retries itself).
#[derive(Debug, Clone, Copy, Default)]
pub struct FallthroughRetryPolicy;

impl RetryPolicy for FallthroughRetryPolicy {
    fn on_read_timeout(&self, _: &RetryContext, _: Consistency, _: i32, _: i32, _: bool) -> RetryDecision {
        RetryDecision::Rethrow
    }

    fn on_write_timeout(&self, _: &RetryContext, _: Consistency, _: i32, _: i32, _: &WriteType) -> RetryDecision {
        RetryDecision::Rethrow
    }

    fn on_unavailable(&self, _: &RetryContext, _: Consistency, _: i32, _: i32) -> RetryDecision {
        RetryDecision::Rethrow
    }

    fn on_request_error(&self, _: &RetryContext, _: &RequestFailure<'_>) -> RetryDecision {
        RetryDecision::Rethrow
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RetryDecision::{Rethrow, RetryNextNode, RetrySameNode};

    const Q: Consistency = Consistency::Quorum;

    fn ctx(retry_count: u32, is_idempotent: bool) -> RetryContext {
        RetryContext { consistency: Q, is_idempotent, retry_count }
    }

    fn read_timeout(received: i32, block_for: i32, data_present: bool) -> ErrorKind {
        ErrorKind::ReadTimeout { consistency: Q, received, block_for, data_present }
    }

    fn write_timeout(write_type: WriteType) -> ErrorKind {
        ErrorKind::WriteTimeout { consistency: Q, received: 1, block_for: 2, write_type }
    }

    /// An owned failure, for the table.
    #[derive(Debug)]
    enum F {
        E(ErrorKind),
        Broken,
        Timeout,
    }

    impl F {
        fn failure(&self) -> RequestFailure<'_> {
            match self {
                F::E(kind) => RequestFailure::Error(kind),
                F::Broken => RequestFailure::ConnectionBroken,
                F::Timeout => RequestFailure::ClientTimeout,
            }
        }
    }

    /// (failure, retries so far, idempotent, DefaultRetryPolicy's decision).
    fn table() -> Vec<(F, u32, bool, RetryDecision)> {
        let e = F::E;
        vec![
            // Read timeout: enough replicas answered, but not the data one -> same node, once.
            (e(read_timeout(2, 2, false)), 0, false, RetrySameNode(None)),
            (e(read_timeout(2, 2, false)), 1, false, Rethrow),
            (e(read_timeout(1, 2, false)), 0, true, Rethrow),
            (e(read_timeout(2, 2, true)), 0, true, Rethrow),
            (e(read_timeout(3, 2, false)), 0, false, RetrySameNode(None)),
            // Write timeout: only a batch log write, once, idempotent or not.
            (e(write_timeout(WriteType::BatchLog)), 0, false, RetrySameNode(None)),
            (e(write_timeout(WriteType::BatchLog)), 1, false, Rethrow),
            (e(write_timeout(WriteType::Simple)), 0, true, Rethrow),
            (e(write_timeout(WriteType::Batch)), 0, true, Rethrow),
            (e(write_timeout(WriteType::UnloggedBatch)), 0, true, Rethrow),
            (e(write_timeout(WriteType::Counter)), 0, false, Rethrow),
            (e(write_timeout(WriteType::Cas)), 0, false, Rethrow),
            // Unavailable: the next node, once.
            (e(ErrorKind::Unavailable { consistency: Q, required: 2, alive: 1 }), 0, false, RetryNextNode(None)),
            (e(ErrorKind::Unavailable { consistency: Q, required: 2, alive: 1 }), 1, true, Rethrow),
            // Request errors.
            (e(ErrorKind::IsBootstrapping), 0, false, RetryNextNode(None)),
            (e(ErrorKind::IsBootstrapping), 3, false, RetryNextNode(None)),
            (e(ErrorKind::Overloaded), 0, true, RetryNextNode(None)),
            (e(ErrorKind::Overloaded), 0, false, Rethrow),
            (e(ErrorKind::Server), 2, true, RetryNextNode(None)),
            (e(ErrorKind::Server), 0, false, Rethrow),
            (e(ErrorKind::TruncateError), 0, true, RetryNextNode(None)),
            (
                e(ErrorKind::ReadFailure {
                    consistency: Q,
                    received: 1,
                    block_for: 2,
                    num_failures: 1,
                    data_present: false,
                }),
                0,
                true,
                Rethrow,
            ),
            (
                e(ErrorKind::WriteFailure {
                    consistency: Q,
                    received: 1,
                    block_for: 2,
                    num_failures: 1,
                    write_type: WriteType::Simple,
                }),
                0,
                true,
                Rethrow,
            ),
            (F::Broken, 0, true, RetryNextNode(None)),
            (F::Broken, 0, false, Rethrow),
            (F::Timeout, 1, true, RetryNextNode(None)),
            (F::Timeout, 0, false, Rethrow),
            // Errors no retry can fix, whatever the statement.
            (e(ErrorKind::Syntax), 0, true, Rethrow),
            (e(ErrorKind::Invalid), 0, true, Rethrow),
            (e(ErrorKind::Unauthorized), 0, true, Rethrow),
            (e(ErrorKind::Config), 0, true, Rethrow),
            (e(ErrorKind::Protocol), 0, true, Rethrow),
            (e(ErrorKind::BadCredentials), 0, true, Rethrow),
            (e(ErrorKind::AlreadyExists { keyspace: "ks".into(), table: "t".into() }), 0, true, Rethrow),
            (e(ErrorKind::Unprepared { id: vec![1] }), 0, true, Rethrow),
            (e(ErrorKind::Other { code: 0x7777 }), 0, true, Rethrow),
        ]
    }

    #[test]
    fn default_policy_decision_table() {
        for (failure, retries, idempotent, expected) in table() {
            let got = DefaultRetryPolicy.decide(&ctx(retries, idempotent), &failure.failure());
            assert_eq!(got, expected, "{failure:?} after {retries} retries, idempotent: {idempotent}");
        }
    }

    #[test]
    fn fallthrough_never_retries() {
        let boxed: Box<dyn RetryPolicy> = Box::new(FallthroughRetryPolicy);
        for (failure, retries, idempotent, _) in table() {
            assert_eq!(boxed.decide(&ctx(retries, idempotent), &failure.failure()), Rethrow, "{failure:?}");
        }
    }

    #[test]
    fn a_custom_policy_can_downgrade_or_ignore() {
        /// Retries unavailable writes once at ONE and ignores write timeouts of counters.
        #[derive(Debug)]
        struct Downgrading;
        impl RetryPolicy for Downgrading {
            fn on_read_timeout(&self, _: &RetryContext, _: Consistency, _: i32, _: i32, _: bool) -> RetryDecision {
                Rethrow
            }
            fn on_write_timeout(
                &self,
                _: &RetryContext,
                _: Consistency,
                _: i32,
                _: i32,
                wt: &WriteType,
            ) -> RetryDecision {
                if *wt == WriteType::Counter {
                    RetryDecision::Ignore
                } else {
                    Rethrow
                }
            }
            fn on_unavailable(&self, ctx: &RetryContext, _: Consistency, _: i32, alive: i32) -> RetryDecision {
                if ctx.retry_count == 0 && alive >= 1 {
                    RetrySameNode(Some(Consistency::One))
                } else {
                    Rethrow
                }
            }
            fn on_request_error(&self, _: &RetryContext, _: &RequestFailure<'_>) -> RetryDecision {
                Rethrow
            }
        }
        let unavailable = ErrorKind::Unavailable { consistency: Q, required: 2, alive: 1 };
        assert_eq!(
            Downgrading.decide(&ctx(0, false), &RequestFailure::Error(&unavailable)),
            RetrySameNode(Some(Consistency::One))
        );
        let counter = write_timeout(WriteType::Counter);
        assert_eq!(Downgrading.decide(&ctx(0, false), &RequestFailure::Error(&counter)), RetryDecision::Ignore);
    }
}
