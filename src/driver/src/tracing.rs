//! Query traces: what a node recorded for a request sent with tracing on
//! ([`StatementOptions::tracing`](crate::StatementOptions), the id in
//! [`QueryResult::tracing_id`](crate::QueryResult)), read back from `system_traces.sessions`
//! and `system_traces.events` the way the Python driver's `QueryTrace.populate` does: the
//! session row is polled (3 ms, doubling) until its `duration` and `started_at` are set.
//!
//! ```no_run
//! # use sibyl_driver::{DriverError, Session, Statement};
//! # async fn demo(session: Session) -> Result<(), DriverError> {
//! let result = session.query(Statement::new("SELECT * FROM ks.t WHERE k = 1").with_tracing(true), ()).await?;
//! if let Some(id) = result.tracing_id {
//!     let trace = session.tracing_info(id).await?;
//!     for e in &trace.events {
//!         println!("{} [{}] {} us", e.activity, e.thread, e.source_elapsed_micros);
//!     }
//! }
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::error::DriverError;
use crate::row::Row;
use crate::session::Session;
use crate::value::{CqlTimestamp, CqlValue};

/// How long [`Session::tracing_info`] waits for a trace to be complete (the Python driver's
/// `max_trace_wait` default).
pub const DEFAULT_MAX_TRACE_WAIT: Duration = Duration::from_secs(2);
/// The first pause between polls of an incomplete trace; it doubles each time.
const BASE_RETRY_SLEEP: Duration = Duration::from_millis(3);

const SELECT_SESSION: &str = "SELECT * FROM system_traces.sessions WHERE session_id = ?";
const SELECT_EVENTS: &str = "SELECT * FROM system_traces.events WHERE session_id = ?";

/// A traced request: its `system_traces.sessions` row and its events.
#[derive(Debug, Clone, PartialEq)]
pub struct TracingInfo {
    pub session_id: [u8; 16],
    /// What was traced, e.g. "Execute CQL3 query", "Execute CQL3 prepared query".
    pub request: String,
    /// The trace type: `QUERY`.
    pub command: String,
    pub client: Option<IpAddr>,
    pub coordinator: Option<IpAddr>,
    pub coordinator_port: Option<i32>,
    /// How long the request took on the coordinator.
    pub duration: Duration,
    /// When the request started, in milliseconds since the Unix epoch.
    pub started_at: CqlTimestamp,
    /// `query`, `consistency_level`, `page_size`, `serial_consistency_level`, bound values...
    pub parameters: BTreeMap<String, String>,
    /// In the order they happened.
    pub events: Vec<TracingEvent>,
}

/// One event of a trace.
#[derive(Debug, Clone, PartialEq)]
pub struct TracingEvent {
    /// A time-based uuid of when the event happened.
    pub event_id: [u8; 16],
    pub activity: String,
    /// The node that recorded it.
    pub source: Option<IpAddr>,
    pub source_port: Option<i32>,
    /// Microseconds since the request began on that node.
    pub source_elapsed_micros: i64,
    pub thread: String,
}

impl TracingEvent {
    /// When the event happened, in microseconds since the Unix epoch (from its time-based id).
    pub fn timestamp_micros(&self) -> i64 {
        sibyl_common::timeuuid::unix_micros(&self.event_id)
    }
}

fn text(row: &Row, name: &str) -> Result<String, DriverError> {
    Ok(row.get::<Option<String>>(name)?.unwrap_or_default())
}

impl TracingInfo {
    /// The trace from its session row, or `None` if the row is not complete yet.
    fn from_session_row(session_id: [u8; 16], row: &Row) -> Result<Option<TracingInfo>, DriverError> {
        let (Some(duration), Some(started_at)) =
            (row.get::<Option<i32>>("duration")?, row.get::<Option<CqlTimestamp>>("started_at")?)
        else {
            return Ok(None);
        };
        Ok(Some(TracingInfo {
            session_id,
            request: text(row, "request")?,
            command: text(row, "command")?,
            client: row.get("client")?,
            coordinator: row.get("coordinator")?,
            coordinator_port: row.get("coordinator_port")?,
            duration: Duration::from_micros(u64::try_from(duration).unwrap_or(0)),
            started_at,
            parameters: row.get::<Option<BTreeMap<String, String>>>("parameters")?.unwrap_or_default(),
            events: Vec::new(),
        }))
    }
}

fn event(row: &Row) -> Result<TracingEvent, DriverError> {
    Ok(TracingEvent {
        event_id: row.get("event_id")?,
        activity: text(row, "activity")?,
        source: row.get("source")?,
        source_port: row.get("source_port")?,
        source_elapsed_micros: i64::from(row.get::<Option<i32>>("source_elapsed")?.unwrap_or(0)),
        thread: text(row, "thread")?,
    })
}

impl Session {
    /// The trace of a request sent with tracing on, waiting up to [`DEFAULT_MAX_TRACE_WAIT`]
    /// for the node to finish writing it.
    pub async fn tracing_info(&self, session_id: [u8; 16]) -> Result<TracingInfo, DriverError> {
        self.tracing_info_within(session_id, DEFAULT_MAX_TRACE_WAIT).await
    }

    /// [`Session::tracing_info`] with another wait: polls the session row until its
    /// `duration` is set, then reads the events. [`DriverError::TraceUnavailable`] if the
    /// trace is not complete within `max_wait`.
    pub async fn tracing_info_within(
        &self,
        session_id: [u8; 16],
        max_wait: Duration,
    ) -> Result<TracingInfo, DriverError> {
        let start = Instant::now();
        let mut pause = BASE_RETRY_SLEEP;
        let mut info = loop {
            let result = self.query(SELECT_SESSION, vec![CqlValue::Uuid(session_id)]).await?;
            if let Some(row) = result.first_row() {
                if let Some(info) = TracingInfo::from_session_row(session_id, row)? {
                    break info;
                }
            }
            let elapsed = start.elapsed();
            if elapsed >= max_wait {
                return Err(DriverError::TraceUnavailable(format!(
                    "Trace information was not available within {max_wait:?}"
                )));
            }
            tokio::time::sleep(pause.min(max_wait - elapsed)).await;
            pause = pause.saturating_mul(2);
        };
        let events = self.query(SELECT_EVENTS, vec![CqlValue::Uuid(session_id)]).await?;
        info.events = events.rows().iter().map(event).collect::<Result<_, _>>()?;
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeuuid_times_are_unix_microseconds() {
        // 30c01d90-e948-11f1-9f5f-d5be7cde0988: 2026-11-26 03:19:29.001000 UTC.
        let id = [0x30, 0xc0, 0x1d, 0x90, 0xe9, 0x48, 0x11, 0xf1, 0x9f, 0x5f, 0xd5, 0xbe, 0x7c, 0xde, 0x09, 0x88];
        assert_eq!(
            TracingEvent {
                event_id: id,
                activity: String::new(),
                source: None,
                source_port: None,
                source_elapsed_micros: 0,
                thread: String::new()
            }
            .timestamp_micros(),
            1_795_663_169_001_000
        );
    }
}
