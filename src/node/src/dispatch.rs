//! Executes one QUERY, PREPARE, EXECUTE or BATCH request against the query processor and
//! builds its response. Connection state (the session keyspace) is passed in; events produced
//! by schema changes are published on the server's channel.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use parking_lot::RwLock;
use sibyl_coordinator::trace::{write_trace, Tracer};
use sibyl_coordinator::{BatchItem, CqlError, QueryOptions, QueryResult, TraceSession};
use sibyl_cql::ast::BatchKind;
use sibyl_cql::plan::conditions::Conditions;
use sibyl_cql::plan::restrict::PartitionRestrictions;
use sibyl_cql::plan::Plan;
use sibyl_cql::value::CqlValue;
use sibyl_protocol as proto;
use sibyl_protocol::{
    Batch, BatchQuery, BatchType, Consistency, QueryParameters, Request, Response, ResultBody, RowsMetadata, Value,
    Values,
};

use crate::convert::{bound_value, column_specs, error_body, schema_change};
use crate::server::ServerContext;

/// What a connection remembers between requests.
#[derive(Default)]
pub struct Session {
    /// The keyspace of the last `USE`.
    pub keyspace: RwLock<Option<String>>,
}

/// Runs a statement request; never panics (a bug becomes a logged Server error). Returns the
/// response and its client warnings.
pub fn execute(ctx: &ServerContext, session: &Session, request: Request) -> (Response, Vec<String>) {
    execute_with(ctx, session, request, &mut None)
}

/// [`execute`] for a request with the tracing flag: records its trace, stores it in
/// `system_traces` (sessions and events, one day TTL) and returns its session id for the
/// response's tracing flag. A request that cannot be traced (not a statement) runs untraced.
pub fn execute_traced(
    ctx: &ServerContext,
    session: &Session,
    request: Request,
    client: IpAddr,
) -> (Response, Vec<String>, Option<[u8; 16]>) {
    let Some((request_type, parameters)) = describe_request(ctx, &request) else {
        let (response, warnings) = execute(ctx, session, request);
        return (response, warnings, None);
    };
    let p = &ctx.processor;
    let thread = std::thread::current().name().unwrap_or("Native-Transport-Requests").to_string();
    let mut trace = p.start_trace(thread);
    let (response, warnings) = execute_with(ctx, session, request, &mut Some(&mut trace));
    let (address, port) = ctx.trace_source;
    let record = TraceSession {
        client,
        coordinator: address,
        coordinator_port: port,
        command: "QUERY".into(),
        request: request_type.into(),
        parameters,
        duration_micros: p.now_micros().saturating_sub(trace.started_at_micros).max(0),
    };
    // The client may read the trace as soon as it has the response: store it first.
    if let Err(e) = write_trace(p, &trace, &record) {
        tracing::warn!(error = %e, "cannot store a query trace");
        return (response, warnings, None);
    }
    (response, warnings, Some(trace.session_id))
}

/// Cassandra's `request` and `parameters` of a traced request (`QueryMessage.traceQuery` and
/// its siblings), or `None` if the request is not traced.
fn describe_request(ctx: &ServerContext, request: &Request) -> Option<(&'static str, BTreeMap<String, String>)> {
    let mut parameters = BTreeMap::new();
    let mut levels = |consistency: Consistency, serial: Option<Consistency>| {
        parameters.insert("consistency_level".to_string(), consistency.as_str().to_string());
        if let Some(s) = serial {
            parameters.insert("serial_consistency_level".to_string(), s.as_str().to_string());
        }
    };
    let request_type = match request {
        Request::Query { query, params } => {
            levels(params.consistency, params.serial_consistency);
            put_page_size(&mut parameters, params);
            parameters.insert("query".into(), query.clone());
            "Execute CQL3 query"
        }
        Request::Execute { id, params } => {
            levels(params.consistency, params.serial_consistency);
            put_page_size(&mut parameters, params);
            if let Ok(prepared) = ctx.processor.prepared(id) {
                parameters.insert("query".into(), prepared.query.clone());
                if let Values::Positional(values) = &params.values {
                    for (i, (spec, value)) in prepared.bind_specs().iter().zip(values).enumerate() {
                        parameters.insert(format!("bound_var_{i}_{}", spec.name), bound_literal(&spec.ty, value));
                    }
                }
            }
            "Execute CQL3 prepared query"
        }
        Request::Batch(batch) => {
            levels(batch.consistency, batch.serial_consistency);
            "Execute batch of CQL3 queries"
        }
        Request::Prepare { query } => {
            parameters.insert("query".into(), query.clone());
            "Preparing CQL3 query"
        }
        _ => return None,
    };
    Some((request_type, parameters))
}

fn put_page_size(parameters: &mut BTreeMap<String, String>, params: &QueryParameters) {
    if let Some(n) = params.page_size.filter(|n| *n > 0) {
        parameters.insert("page_size".into(), n.to_string());
    }
}

/// A bound value as Cassandra's trace shows it: a CQL literal, cut at 1000 characters.
fn bound_literal(ty: &sibyl_cql::types::CqlType, value: &Value) -> String {
    let mut literal = match value {
        Value::Null => "null".to_string(),
        Value::Unset => "<unset>".to_string(),
        Value::Set(bytes) => match CqlValue::deserialize(ty, bytes) {
            Ok(v) => v.to_cql_literal(),
            Err(_) => format!("0x{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        },
    };
    if literal.len() > 1000 {
        let mut cut = 1000;
        while !literal.is_char_boundary(cut) {
            cut -= 1;
        }
        literal.truncate(cut);
        literal.push_str("...'");
    }
    literal
}

fn execute_with(
    ctx: &ServerContext,
    session: &Session,
    request: Request,
    t: &mut Tracer<'_>,
) -> (Response, Vec<String>) {
    ctx.metrics.requests.fetch_add(1, Ordering::Relaxed);
    let mut warnings = Vec::new();
    let outcome = catch_unwind(AssertUnwindSafe(|| run(ctx, session, request, &mut warnings, t)));
    let response = match outcome {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => {
            if matches!(e, CqlError::Server(_)) {
                ctx.metrics.server_errors.fetch_add(1, Ordering::Relaxed);
                tracing::error!(error = %e, "request failed inside the node");
            }
            Response::Error(error_body(&e))
        }
        Err(panic) => {
            ctx.metrics.server_errors.fetch_add(1, Ordering::Relaxed);
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            tracing::error!(panic = %what, "bug: request handler panicked");
            Response::Error(error_body(&CqlError::Server(format!("internal error: {what}"))))
        }
    };
    (response, warnings)
}

/// Whether a request is bounded, cheap work that the connection may run in place instead of
/// on a task of its own: an EXECUTE of a prepared single-statement write (when writes do not
/// wait for a commitlog sync) or of a read of whole partitions named by their keys in a table
/// without clustering columns. Everything else (scans, batches, schema changes, unprepared
/// text) runs on its own task so it never holds up the connection's other streams.
pub fn runs_inline(ctx: &ServerContext, request: &Request) -> bool {
    let Request::Execute { id, .. } = request else { return false };
    let Ok(prepared) = ctx.processor.prepared(id) else { return false };
    match &prepared.plan {
        Plan::Modification(m) => ctx.inline_writes && matches!(m.conditions, Conditions::None),
        Plan::Select(s) => {
            matches!(s.restrictions.partition, PartitionRestrictions::Keys(_))
                && s.table.ck.is_empty()
                && s.group_by.is_none()
        }
        _ => false,
    }
}

/// Whether the request may wait for a commitlog sync (batch and group modes: a write is
/// acknowledged only once fsynced). Such requests run on a blocking thread, so that many of
/// them wait for one sync together instead of each holding one of the few runtime workers.
pub fn may_wait_for_sync(ctx: &ServerContext, request: &Request) -> bool {
    if ctx.inline_writes {
        return false;
    }
    match request {
        Request::Execute { id, .. } => ctx.processor.prepared(id).map_or(true, |p| !matches!(p.plan, Plan::Select(_))),
        Request::Query { .. } | Request::Batch(_) => true,
        _ => false,
    }
}

fn options(session: &Session, params: QueryParameters) -> QueryOptions {
    let (values, names) = match params.values {
        Values::None => (Vec::new(), None),
        Values::Positional(v) => (v.into_iter().map(bound_value).collect(), None),
        Values::Named(v) => {
            let (names, values): (Vec<String>, Vec<_>) = v.into_iter().map(|(n, v)| (n, bound_value(v))).unzip();
            (values, Some(names))
        }
    };
    QueryOptions {
        values,
        names,
        page_size: params.page_size.filter(|n| *n > 0),
        paging_state: params.paging_state,
        timestamp: params.default_timestamp,
        keyspace: session.keyspace.read().clone(),
    }
}

fn run(
    ctx: &ServerContext,
    session: &Session,
    request: Request,
    warnings: &mut Vec<String>,
    t: &mut Tracer<'_>,
) -> Result<Response, CqlError> {
    let p = &ctx.processor;
    match request {
        Request::Query { query, params } => {
            let skip = params.skip_metadata;
            let opts = options(session, params);
            let result = p.query_with(&query, &opts, t)?;
            Ok(result_response(ctx, session, result, skip, warnings))
        }
        Request::Prepare { query } => {
            let keyspace = session.keyspace.read().clone();
            let prepared = p.prepare_with(&query, keyspace.as_deref(), t)?;
            let result_columns = column_specs(prepared.result_specs());
            let result_metadata =
                if result_columns.is_empty() { RowsMetadata::empty() } else { RowsMetadata::new(result_columns) };
            Ok(Response::Result(ResultBody::Prepared(proto::Prepared {
                id: prepared.id.to_vec(),
                metadata: proto::PreparedMetadata {
                    pk_indexes: prepared.pk_indexes(),
                    columns: column_specs(prepared.bind_specs()),
                },
                result_metadata,
            })))
        }
        Request::Execute { id, params } => {
            let prepared = p.prepared(&id)?;
            let skip = params.skip_metadata;
            let opts = options(session, params);
            let result = p.execute_with(&prepared, &opts, t)?;
            Ok(result_response(ctx, session, result, skip, warnings))
        }
        Request::Batch(batch) => run_batch(ctx, session, batch, warnings, t),
        other => Err(CqlError::Protocol(format!("unexpected {:?} request", other.opcode()))),
    }
}

fn run_batch(
    ctx: &ServerContext,
    session: &Session,
    batch: Batch,
    warnings: &mut Vec<String>,
    t: &mut Tracer<'_>,
) -> Result<Response, CqlError> {
    let p = &ctx.processor;
    let kind = match batch.batch_type {
        BatchType::Logged => BatchKind::Logged,
        BatchType::Unlogged => BatchKind::Unlogged,
        BatchType::Counter => BatchKind::Counter,
    };
    let mut items = Vec::with_capacity(batch.statements.len());
    for s in batch.statements {
        let values = s.values.into_iter().map(bound_value).collect();
        items.push(match s.query {
            BatchQuery::Query(q) => BatchItem::Query(q, values),
            BatchQuery::Prepared(id) => BatchItem::Prepared(p.prepared(&id)?, values),
        });
    }
    let opts = QueryOptions {
        timestamp: batch.default_timestamp,
        keyspace: session.keyspace.read().clone(),
        ..Default::default()
    };
    let result = p.batch_with(kind, &items, &opts, t)?;
    Ok(result_response(ctx, session, result, false, warnings))
}

fn result_response(
    ctx: &ServerContext,
    session: &Session,
    result: QueryResult,
    skip_metadata: bool,
    warnings: &mut Vec<String>,
) -> Response {
    Response::Result(match result {
        QueryResult::Void => ResultBody::Void,
        QueryResult::Rows(mut rows) => {
            warnings.append(&mut rows.warnings);
            let metadata = if skip_metadata {
                RowsMetadata::no_metadata(rows.metadata.len())
            } else {
                RowsMetadata::new(column_specs(&rows.metadata))
            };
            ResultBody::Rows(proto::Rows { metadata: metadata.with_paging_state(rows.paging_state), rows: rows.rows })
        }
        QueryResult::SetKeyspace(ks) => {
            *session.keyspace.write() = Some(ks.clone());
            ResultBody::SetKeyspace(ks)
        }
        QueryResult::SchemaChange(change) => {
            let change = schema_change(&change);
            // Nobody listening is fine.
            let _ = ctx.events.send(Arc::new(proto::Event::SchemaChange(change.clone())));
            ResultBody::SchemaChange(change)
        }
    })
}
