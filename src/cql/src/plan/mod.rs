//! Query planning: statement + schema → a validated plan ([`plan`]); plan + bound values →
//! storage-agnostic descriptions of the reads and writes to perform ([`keys`], [`selection`],
//! [`conditions`]).
//!
//! Pure like the rest of the crate: the clock and fresh uuids come in through
//! [`crate::value::TermEnv`], data comes in as serialized values. The coordinator crate executes
//! plans against the storage engine.
//!
//! Messages and error classes follow Apache Cassandra 5.0 (`cql3/statements`,
//! `cql3/restrictions`, `cql3/Operation.java`).

pub mod aggregate;
pub mod batch;
pub mod conditions;
pub mod error;
pub mod functions;
pub mod json;
pub mod keys;
mod merge;
pub mod modify;
pub mod paging;
pub mod restrict;
pub mod select;
pub mod selection;
pub mod table;
pub mod vars;

#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use error::{CqlError, CqlResult};
pub use table::TableInfo;
pub use vars::{BoundValue, ColumnSpec, Vars};

use crate::ast::{BatchChild, InsertValues, Statement};
use crate::schema::Schema;

/// A planned statement.
#[derive(Debug, Clone)]
pub enum Plan {
    Select(select::SelectPlan),
    Modification(modify::ModificationPlan),
    Batch(batch::BatchPlan),
    /// `USE keyspace` (checked to exist).
    Use(String),
    /// Anything else (schema statements...): executed by the coordinator as is.
    Other(Statement),
}

impl Plan {
    /// The statement's bind markers.
    pub fn vars(&self) -> Option<&Vars> {
        match self {
            Plan::Select(p) => Some(&p.vars),
            Plan::Modification(p) => Some(&p.vars),
            Plan::Batch(p) => Some(&p.vars),
            Plan::Use(_) | Plan::Other(_) => None,
        }
    }

    /// The tables the statement reads or writes.
    pub fn tables(&self) -> Vec<&TableInfo> {
        match self {
            Plan::Select(p) => vec![&*p.table],
            Plan::Modification(p) => vec![&*p.table],
            Plan::Batch(b) => b.statements.iter().map(|s| &*s.table).collect(),
            Plan::Use(_) | Plan::Other(_) => Vec::new(),
        }
    }

    /// The bind marker specifications (prepared statement metadata).
    pub fn bind_specs(&self) -> &[ColumnSpec] {
        self.vars().map(Vars::specs).unwrap_or_default()
    }

    /// The partition key bind indexes drivers route with (empty when not all are markers).
    pub fn pk_indexes(&self) -> Vec<u16> {
        match self {
            Plan::Select(p) => p.vars.partition_key_indexes(p.table.pk.len()),
            Plan::Modification(p) => p.vars.partition_key_indexes(p.table.pk.len()),
            _ => Vec::new(),
        }
    }

    /// The result metadata of a `SELECT` (empty otherwise).
    pub fn result_specs(&self) -> &[ColumnSpec] {
        match self {
            Plan::Select(p) => &p.result_specs,
            _ => &[],
        }
    }
}

fn table_info(schema: &Schema, name: &crate::ast::QualifiedName, keyspace: Option<&str>) -> CqlResult<Arc<TableInfo>> {
    let def = table::resolve_table(schema, name, keyspace)?;
    Ok(Arc::new(TableInfo::new(def)?))
}

fn plan_child(child: &BatchChild, schema: &Schema, keyspace: Option<&str>) -> CqlResult<modify::ModificationPlan> {
    match child {
        BatchChild::Insert(s) => {
            let t = table_info(schema, &s.table, keyspace)?;
            match &s.values {
                InsertValues::Columns { .. } => modify::plan_insert(s, t),
                InsertValues::Json { .. } => modify::plan_insert_json(s, t),
            }
        }
        BatchChild::Update(s) => modify::plan_update(s, table_info(schema, &s.table, keyspace)?),
        BatchChild::Delete(s) => modify::plan_delete(s, table_info(schema, &s.table, keyspace)?),
    }
}

/// Plans `stmt` against `schema`; unqualified names resolve in `keyspace` (the session's).
pub fn plan(stmt: &Statement, schema: &Schema, keyspace: Option<&str>) -> CqlResult<Plan> {
    Ok(match stmt {
        Statement::Select(s) => Plan::Select(select::plan_select(s, table_info(schema, &s.table, keyspace)?)?),
        Statement::Insert(s) => Plan::Modification(plan_child(&BatchChild::Insert(s.clone()), schema, keyspace)?),
        Statement::Update(s) => Plan::Modification(modify::plan_update(s, table_info(schema, &s.table, keyspace)?)?),
        Statement::Delete(s) => Plan::Modification(modify::plan_delete(s, table_info(schema, &s.table, keyspace)?)?),
        Statement::Batch(b) => {
            let mut vars = Vars::default();
            let first = match b.statements.first() {
                Some(BatchChild::Insert(s)) => Some(table_info(schema, &s.table, keyspace)?),
                Some(BatchChild::Update(s)) => Some(table_info(schema, &s.table, keyspace)?),
                Some(BatchChild::Delete(s)) => Some(table_info(schema, &s.table, keyspace)?),
                None => None,
            };
            let timestamp = batch::plan_batch_using(&b.using, first.as_deref(), &mut vars)?;
            let mut statements = Vec::with_capacity(b.statements.len());
            for child in &b.statements {
                statements.push(plan_child(child, schema, keyspace)?);
            }
            Plan::Batch(batch::finish_batch(b.kind, timestamp, vars, statements)?)
        }
        Statement::Use(ks) => {
            if schema.keyspace(ks.as_str()).is_none() {
                return error::invalid(format!("Keyspace '{}' does not exist", ks.as_str()));
            }
            Plan::Use(ks.as_str().to_string())
        }
        other => Plan::Other(other.clone()),
    })
}
