//! Planning `BATCH`: its statements, its timestamp, and Cassandra's batch rules
//! (`BatchStatement.validate`).

use super::error::{invalid, CqlResult};
use super::modify::ModificationPlan;
use super::table::TableInfo;
use super::vars::{prepare_parameter, PTerm, Vars};
use crate::ast::{BatchKind, Using};
use crate::types::CqlType;

/// A planned batch.
#[derive(Debug, Clone)]
pub struct BatchPlan {
    pub kind: BatchKind,
    pub statements: Vec<ModificationPlan>,
    /// Where each statement's markers start among the batch's values.
    pub offsets: Vec<usize>,
    /// `BEGIN BATCH USING TIMESTAMP t`.
    pub timestamp: Option<PTerm>,
    /// All markers of the batch, in order.
    pub vars: Vars,
}

impl BatchPlan {
    pub fn has_conditions(&self) -> bool {
        self.statements.iter().any(ModificationPlan::has_conditions)
    }
}

/// The batch-level `USING` clause, planned before the statements (its markers come first).
pub fn plan_batch_using(using: &Using, first_table: Option<&TableInfo>, vars: &mut Vars) -> CqlResult<Option<PTerm>> {
    if using.ttl.is_some() {
        return invalid("Global TTL on the BATCH statement is not supported.");
    }
    let Some(t) = &using.timestamp else { return Ok(None) };
    let (ks, table) = first_table.map(|t| (t.keyspace().to_string(), t.name().to_string())).unwrap_or_default();
    let spec = super::vars::ColumnSpec::new(&ks, &table, "[timestamp]", CqlType::Bigint);
    Ok(Some(prepare_parameter(t, spec, vars)?))
}

/// Assembles and checks a batch from its planned statements (each with its own markers).
pub fn finish_batch(
    kind: BatchKind,
    timestamp: Option<PTerm>,
    batch_vars: Vars,
    statements: Vec<ModificationPlan>,
) -> CqlResult<BatchPlan> {
    let timestamp_set = timestamp.is_some();
    let has_conditions = statements.iter().any(ModificationPlan::has_conditions);
    let is_counter_batch = kind == BatchKind::Counter;
    if timestamp_set {
        if has_conditions {
            return invalid("Cannot provide custom timestamp for conditional BATCH");
        }
        if is_counter_batch {
            return invalid("Cannot provide custom timestamp for counter BATCH");
        }
    }
    let mut has_counters = false;
    let mut has_non_counters = false;
    for s in &statements {
        if timestamp_set && s.is_counter() {
            return invalid("Cannot provide custom timestamp for a BATCH containing counters");
        }
        if timestamp_set && s.timestamp.is_some() {
            return invalid("Timestamp must be set either on BATCH or individual statements");
        }
        if is_counter_batch && !s.is_counter() {
            return invalid("Cannot include non-counter statement in a counter batch");
        }
        if kind == BatchKind::Logged && s.is_counter() {
            return invalid("Cannot include a counter statement in a logged batch");
        }
        if s.is_counter() {
            has_counters = true;
        } else {
            has_non_counters = true;
        }
    }
    if has_counters && has_non_counters {
        return invalid("Counter and non-counter mutations cannot exist in the same batch");
    }
    if has_conditions {
        let mut table: Option<(&str, &str)> = None;
        for s in &statements {
            let t = (s.table.keyspace(), s.table.name());
            if table.is_some_and(|x| x != t) {
                return invalid("Batch with conditions cannot span multiple tables");
            }
            table = Some(t);
        }
    }
    let mut vars = batch_vars;
    let mut offsets = Vec::with_capacity(statements.len());
    for s in &statements {
        offsets.push(vars.len());
        // Routing indexes only make sense for a single statement.
        vars.append(&s.vars);
    }
    Ok(BatchPlan { kind, statements, offsets, timestamp, vars })
}
