//! Query tracing, as Cassandra does it: a traced request collects events ("Parsing ...",
//! "Executing single-partition query on t", "Read 1 live rows and 0 tombstone cells", ...) into
//! a [`Trace`] value that the caller passes in and reads back; the caller then stores it in
//! `system_traces.sessions` and `system_traces.events` with [`write_trace`] (at the edge, after
//! the request, with Cassandra's tracing TTL of one day).
//!
//! An untraced request passes no trace (`None`): recording an event is then a branch on an
//! empty option, without a clock read or an allocation.

use std::collections::BTreeMap;
use std::net::IpAddr;

use sibyl_cql::plan::{BoundValue, CqlError, CqlResult};
use sibyl_cql::types::CqlType;
use sibyl_cql::value::timeuuid::timeuuid_at;
use sibyl_cql::value::CqlValue;

use crate::clock::Clock;
use crate::processor::QueryProcessor;
use crate::result::QueryOptions;

/// Cassandra's `tracetype_query_ttl` default: trace rows live one day.
pub const TRACE_TTL_SECONDS: i32 = 24 * 60 * 60;

/// One event of a trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEvent {
    /// What happened (`system_traces.events.activity`).
    pub activity: String,
    /// When, in microseconds since the Unix epoch.
    pub at_micros: i64,
}

/// The events of one traced request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// The tracing session id: a time-based (version 1) uuid of the request's start.
    pub session_id: [u8; 16],
    /// When the request began, in microseconds since the Unix epoch.
    pub started_at_micros: i64,
    /// The thread that ran the request (`system_traces.events.thread`).
    pub thread: String,
    pub events: Vec<TraceEvent>,
}

impl Trace {
    pub fn new(session_id: [u8; 16], started_at_micros: i64, thread: impl Into<String>) -> Self {
        Trace { session_id, started_at_micros, thread: thread.into(), events: Vec::new() }
    }

    /// Records `activity` at `at_micros`.
    pub fn event(&mut self, at_micros: i64, activity: impl Into<String>) {
        self.events.push(TraceEvent { activity: activity.into(), at_micros });
    }

    /// Microseconds from the start of the request to `at_micros` (`source_elapsed`), never
    /// negative (the wall clock may step back) and within an `int`.
    pub fn elapsed(&self, at_micros: i64) -> i32 {
        i32::try_from(at_micros.saturating_sub(self.started_at_micros).max(0)).unwrap_or(i32::MAX)
    }

    /// The activities, in order (for tests and logs).
    pub fn activities(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.activity.as_str()).collect()
    }
}

/// The trace of a request being executed, if it is traced.
pub type Tracer<'a> = Option<&'a mut Trace>;

/// Records an event when the request is traced; `activity` is only built then.
pub(crate) fn trace(clock: &dyn Clock, t: &mut Tracer<'_>, activity: impl FnOnce() -> String) {
    if let Some(t) = t.as_deref_mut() {
        let now = clock.now_micros();
        t.event(now, activity());
    }
}

/// What `system_traces.sessions` says about a traced request besides its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceSession {
    /// The client's address.
    pub client: IpAddr,
    /// This node's broadcast address and storage port (`coordinator`, `source`, and their ports).
    pub coordinator: IpAddr,
    pub coordinator_port: i32,
    /// The trace type: `QUERY`.
    pub command: String,
    /// "Execute CQL3 query", "Execute CQL3 prepared query", "Execute batch of CQL3 queries",
    /// "Preparing CQL3 query".
    pub request: String,
    /// query, consistency_level, page_size, serial_consistency_level, bound values...
    pub parameters: BTreeMap<String, String>,
    /// The request's duration in microseconds.
    pub duration_micros: i64,
}

fn ser(v: CqlValue, ty: &CqlType) -> CqlResult<BoundValue> {
    Ok(BoundValue::Value(v.serialize(ty).map_err(|e| CqlError::Server(e.to_string()))?))
}

/// The rows of `system_traces.sessions` (one) and `system_traces.events` (one per event) for a
/// trace: `(statement, values)` pairs ready to be executed.
pub fn trace_rows(
    trace: &Trace,
    session: &TraceSession,
    clock_seq: u16,
    node: u64,
) -> CqlResult<Vec<(&'static str, Vec<BoundValue>)>> {
    let id = ser(CqlValue::Uuid(trace.session_id), &CqlType::Uuid)?;
    let coordinator = ser(CqlValue::Inet(session.coordinator), &CqlType::Inet)?;
    let port = ser(CqlValue::Int(session.coordinator_port), &CqlType::Int)?;
    let parameters = CqlValue::Map(
        session.parameters.iter().map(|(k, v)| (CqlValue::Text(k.clone()), CqlValue::Text(v.clone()))).collect(),
    );
    let map_type = CqlType::Map { key: Box::new(CqlType::Text), value: Box::new(CqlType::Text), frozen: false };
    let duration = i32::try_from(session.duration_micros.max(0)).unwrap_or(i32::MAX);
    let mut rows = Vec::with_capacity(trace.events.len() + 1);
    rows.push((
        "INSERT INTO system_traces.sessions (session_id, client, command, coordinator, coordinator_port, duration, \
         parameters, request, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL 86400",
        vec![
            id.clone(),
            ser(CqlValue::Inet(session.client), &CqlType::Inet)?,
            ser(CqlValue::Text(session.command.clone()), &CqlType::Text)?,
            coordinator.clone(),
            port.clone(),
            ser(CqlValue::Int(duration), &CqlType::Int)?,
            ser(parameters, &map_type)?,
            ser(CqlValue::Text(session.request.clone()), &CqlType::Text)?,
            ser(CqlValue::Timestamp(trace.started_at_micros.div_euclid(1000)), &CqlType::Timestamp)?,
        ],
    ));
    // Event ids: time-based uuids of the events' times, distinct within a millisecond.
    let mut last: Option<(i64, u16)> = None;
    for e in &trace.events {
        let millis = e.at_micros.div_euclid(1000);
        let mut ticks = u16::try_from(e.at_micros.rem_euclid(1000) * 10).unwrap_or(0);
        if let Some((m, t)) = last {
            if m == millis && ticks <= t {
                ticks = t.saturating_add(1).min(9_999);
            }
        }
        last = Some((millis, ticks));
        rows.push((
            "INSERT INTO system_traces.events (session_id, event_id, activity, source, source_elapsed, source_port, \
             thread) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL 86400",
            vec![
                id.clone(),
                ser(CqlValue::Timeuuid(timeuuid_at(millis, ticks, clock_seq, node)), &CqlType::Timeuuid)?,
                ser(CqlValue::Text(e.activity.clone()), &CqlType::Text)?,
                coordinator.clone(),
                ser(CqlValue::Int(trace.elapsed(e.at_micros)), &CqlType::Int)?,
                port.clone(),
                ser(CqlValue::Text(trace.thread.clone()), &CqlType::Text)?,
            ],
        ));
    }
    Ok(rows)
}

/// Stores a finished trace in `system_traces` (with the one-day tracing TTL).
pub fn write_trace(p: &QueryProcessor, trace: &Trace, session: &TraceSession) -> CqlResult<()> {
    let (clock_seq, node) = p.inner().sequencer.uuid_node();
    for (cql, values) in trace_rows(trace, session, clock_seq, node)? {
        p.query(cql, &QueryOptions::with_values(values))?;
    }
    Ok(())
}
