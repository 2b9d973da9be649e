//! `TRACING ON|OFF` and the trace printed after each traced statement, as cqlsh 6.2
//! (`cqlshmain.py` `do_tracing`, `perform_statement`; `tracing.py` `print_trace`): a blank line,
//! `Tracing session: <id>`, a blank line, then the table of activity, timestamp, source,
//! source_elapsed and client, from the request's start, through its events, to
//! `Request complete`.
//!
//! Timestamps are printed in UTC (cqlsh converts them to the machine's local time), events'
//! with `+00:00` as the Python driver's aware datetimes print.

use sibyl_common::calendar::civil_from_days;
use sibyl_driver::tracing::{TracingEvent, TracingInfo};
use sibyl_driver::value::format_uuid;
use sibyl_driver::DriverError;

use super::{out, Shell};
use crate::format;

/// cqlsh's `max_trace_wait` default (seconds), the `[tracing]` option of cqlshrc.
const MAX_TRACE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl Shell {
    /// `TRACING`, `TRACING ON`, `TRACING OFF`.
    pub(super) fn do_tracing(&mut self, args: &[&str]) {
        match args {
            [] => out(&format!("TRACING is {}\n", if self.tracing { "ON" } else { "OFF" })),
            [a] => {
                if let Some(t) = self.on_off("TRACING", self.tracing, a) {
                    self.tracing = t;
                }
            }
            _ => self.printerr("Improper TRACING command."),
        }
    }

    /// Whether statement `text` goes out with tracing on: cqlsh does not trace a SELECT from
    /// `system_traces` (reading traces must not make more).
    pub(super) fn traces(&self, text: &str) -> bool {
        self.tracing && !reads_system_traces(text, self.keyspace.as_deref())
    }

    /// Prints the traces of a statement's requests (one per page fetched).
    pub(super) async fn print_traces(&mut self, ids: &[[u8; 16]]) {
        for id in ids {
            match self.session.tracing_info_within(*id, MAX_TRACE_WAIT).await {
                Ok(trace) => {
                    let mut text = String::new();
                    if render(&trace, &mut text) {
                        out(&text);
                    } else {
                        self.printerr(&format!("No rows for session {} found.", uuid_text(id)));
                    }
                }
                Err(DriverError::TraceUnavailable(_)) => {
                    out(&format!(
                        "Statement trace did not complete within {} seconds; trace data may be incomplete.\n",
                        MAX_TRACE_WAIT.as_secs()
                    ));
                }
                Err(e) => self.printerr(&format!("Unable to fetch query trace: {e}")),
            }
        }
    }
}

fn uuid_text(id: &[u8; 16]) -> String {
    format_uuid(id)
}

/// Whether `text` is a SELECT from `system_traces` (named, or the current keyspace).
fn reads_system_traces(text: &str, keyspace: Option<&str>) -> bool {
    let words: Vec<String> = text.split_whitespace().map(str::to_ascii_lowercase).collect();
    if words.first().map(String::as_str) != Some("select") {
        return false;
    }
    let Some(table) = words.iter().position(|w| w == "from").and_then(|i| words.get(i + 1)) else {
        return false;
    };
    let table = table.trim_end_matches(';');
    match table.split_once('.') {
        Some((ks, _)) => ks.trim_matches('"') == "system_traces",
        None => keyspace == Some("system_traces"),
    }
}

/// The trace as cqlsh's `print_trace` prints it; `false` when it has no events (cqlsh then
/// says "No rows for session ... found.").
pub(super) fn render(trace: &TracingInfo, text: &mut String) -> bool {
    let Some(rows) = rows(trace) else { return false };
    let names: Vec<String> =
        ["activity", "timestamp", "source", "source_elapsed", "client"].iter().map(|s| s.to_string()).collect();
    text.push('\n');
    text.push_str(&format!("Tracing session: {}\n", uuid_text(&trace.session_id)));
    text.push('\n');
    format::table(&names, Some(&rows), true, false, text);
    text.push('\n');
    true
}

fn ip(addr: Option<std::net::IpAddr>) -> String {
    addr.map_or_else(|| "null".to_string(), |a| a.to_string())
}

/// `make_trace_rows`: the request, its events, and `Request complete`.
fn rows(trace: &TracingInfo) -> Option<Vec<Vec<String>>> {
    if trace.events.is_empty() {
        return None;
    }
    let client = ip(trace.client);
    let coordinator = ip(trace.coordinator);
    let started_micros = trace.started_at.0.saturating_mul(1000);
    let mut rows = vec![vec![
        trace.request.clone(),
        python_datetime(started_micros),
        coordinator.clone(),
        "0".to_string(),
        client.clone(),
    ]];
    for e in &trace.events {
        rows.push(event_row(e, &client));
    }
    let duration = i64::try_from(trace.duration.as_micros()).unwrap_or(i64::MAX);
    if duration > 0 {
        rows.push(vec![
            "Request complete".to_string(),
            python_datetime(started_micros.saturating_add(duration)),
            coordinator,
            duration.to_string(),
            client,
        ]);
    }
    Some(rows)
}

fn event_row(e: &TracingEvent, client: &str) -> Vec<String> {
    vec![
        format!("{} [{}]", e.activity, e.thread),
        // The driver's event times are aware (UTC), the session's start is naive.
        format!("{}+00:00", python_datetime(e.timestamp_micros())),
        ip(e.source),
        e.source_elapsed_micros.to_string(),
        client.to_string(),
    ]
}

/// Python's `str(datetime)`: `YYYY-MM-DD HH:MM:SS` and `.ffffff` unless the microseconds are 0.
pub(super) fn python_datetime(unix_micros: i64) -> String {
    let days = unix_micros.div_euclid(86_400_000_000);
    let rem = unix_micros.rem_euclid(86_400_000_000);
    let (y, m, d) = civil_from_days(days);
    let secs = rem / 1_000_000;
    let us = rem % 1_000_000;
    let time = format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if us == 0 {
        time
    } else {
        format!("{time}.{us:06}")
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use sibyl_driver::value::CqlTimestamp;

    use super::*;

    #[test]
    fn datetimes_print_as_python_does() {
        assert_eq!(python_datetime(0), "1970-01-01 00:00:00");
        assert_eq!(python_datetime(1_795_663_169_001_000), "2026-11-26 03:19:29.001000");
        assert_eq!(python_datetime(951_782_400_000_001), "2000-02-29 00:00:00.000001");
    }

    #[test]
    fn system_traces_selects_are_not_traced() {
        assert!(reads_system_traces("SELECT * FROM system_traces.events WHERE session_id = 1", None));
        assert!(reads_system_traces("select * from sessions;", Some("system_traces")));
        assert!(!reads_system_traces("SELECT * FROM ks.t", Some("system_traces")));
        assert!(!reads_system_traces("INSERT INTO system_traces.sessions (session_id) VALUES (1)", None));
    }

    #[test]
    fn a_trace_prints_as_cqlsh_prints_it() {
        // 30c01d90-e948-11f1-9f5f-d5be7cde0988: 2026-11-26 03:19:29.001000 UTC.
        let id = [0x30, 0xc0, 0x1d, 0x90, 0xe9, 0x48, 0x11, 0xf1, 0x9f, 0x5f, 0xd5, 0xbe, 0x7c, 0xde, 0x09, 0x88];
        let trace = TracingInfo {
            session_id: id,
            request: "Execute CQL3 query".into(),
            command: "QUERY".into(),
            client: Some([127, 0, 0, 1].into()),
            coordinator: Some([127, 0, 0, 60].into()),
            coordinator_port: Some(7000),
            duration: Duration::from_micros(169),
            started_at: CqlTimestamp(1_795_663_169_001),
            parameters: BTreeMap::new(),
            events: vec![TracingEvent {
                event_id: id,
                activity: "Parsing SELECT * FROM ks.t".into(),
                source: Some([127, 0, 0, 60].into()),
                source_port: Some(7000),
                source_elapsed_micros: 5,
                thread: "sibyl-native".into(),
            }],
        };
        let mut text = String::new();
        assert!(render(&trace, &mut text));
        assert_eq!(
            text,
            "\nTracing session: 30c01d90-e948-11f1-9f5f-d5be7cde0988\n\n \
             activity                                  | timestamp                        | source     | source_elapsed | client\n\
             -------------------------------------------+----------------------------------+------------+----------------+-----------\n                        \
             Execute CQL3 query |       2026-11-26 03:19:29.001000 | 127.0.0.60 |              0 | 127.0.0.1\n \
             Parsing SELECT * FROM ks.t [sibyl-native] | 2026-11-26 03:19:29.001000+00:00 | 127.0.0.60 |              5 | 127.0.0.1\n                          \
             Request complete |       2026-11-26 03:19:29.001169 | 127.0.0.60 |            169 | 127.0.0.1\n\n"
        );
        let empty = TracingInfo { events: Vec::new(), ..trace };
        assert!(!render(&empty, &mut String::new()));
    }
}
