//! Statements other than DML and `SELECT`: schema changes (through
//! `sibyl_cql::schema::ddl::apply_ddl`, with the storage tables created or dropped to match)
//! and `TRUNCATE`.

use std::sync::Arc;

use sibyl_cql::ast::Statement;
use sibyl_cql::plan::error::{invalid, CqlResult};
use sibyl_cql::plan::table::resolve_table;
use sibyl_cql::schema::ddl::{apply_ddl, DdlContext};

use crate::mapping::{self, storage_error};
use crate::processor::QueryProcessor;
use crate::result::{QueryOptions, QueryResult};

/// Executes a statement the planner does not plan.
pub fn execute_other(p: &QueryProcessor, stmt: &Statement, options: &QueryOptions) -> CqlResult<QueryResult> {
    let ks = options.keyspace.as_deref();
    if let Statement::Describe(d) = stmt {
        return crate::describe::execute_describe(p, d, options);
    }
    if let Statement::Truncate(name) = stmt {
        let def = resolve_table(&p.schema(), name, ks)?;
        crate::virtual_tables::check_truncatable(&def)?;
        p.engine().truncate_table(mapping::table_id(&def)).map_err(storage_error)?;
        return Ok(QueryResult::Void);
    }
    let schema = p.schema();
    let micros = p.inner().clock.now_micros();
    let table_id: [u8; 16] = {
        let mut b: [u8; 16] = rand::random();
        b[6] = (b[6] & 0x0F) | 0x40;
        b[8] = (b[8] & 0x3F) | 0x80;
        b
    };
    let outcome = match stmt {
        Statement::CreateKeyspace(_)
        | Statement::AlterKeyspace(_)
        | Statement::DropKeyspace(_)
        | Statement::CreateTable(_)
        | Statement::AlterTable(_)
        | Statement::DropTable(_)
        | Statement::CreateType(_)
        | Statement::AlterType(_)
        | Statement::DropType(_)
        | Statement::CreateIndex(_)
        | Statement::DropIndex(_)
        | Statement::CreateMaterializedView(_)
        | Statement::AlterMaterializedView(_)
        | Statement::DropMaterializedView(_)
        | Statement::CreateFunction(_)
        | Statement::DropFunction(_)
        | Statement::CreateAggregate(_)
        | Statement::DropAggregate(_)
        | Statement::CreateTrigger(_)
        | Statement::DropTrigger(_) => apply_ddl(&schema, stmt, ks, &DdlContext::new(micros, table_id, Vec::new()))?,
        other => return invalid(format!("{} statements are not supported by this processor", kind(other))),
    };
    let Some(change) = outcome.change else { return Ok(QueryResult::Void) };
    let new_schema = Arc::new(outcome.schema);
    // Refuse what the storage engine cannot do before anything is written or dropped.
    for t in new_schema.keyspaces.values().flat_map(|k| k.tables.values()) {
        if schema.table(&t.keyspace, &t.name).is_none_or(|old| old.id != t.id || old.params != t.params) {
            mapping::check_storage_options(t)?;
        }
    }
    // The new definitions reach system_schema before the schema is used, so an
    // acknowledged DDL survives a restart; a dropped table's data goes only after that.
    crate::schema_store::persist(p, &schema, &new_schema, micros)?;
    p.set_schema(Arc::clone(&new_schema))?;
    for old_ks in schema.keyspaces.values() {
        for t in old_ks.tables.values() {
            if new_schema.table_by_id(&t.id).is_none() {
                p.engine().drop_table(mapping::table_id(t)).map_err(storage_error)?;
            }
        }
    }
    Ok(QueryResult::SchemaChange(change))
}

fn kind(stmt: &Statement) -> String {
    let text = stmt.to_string();
    text.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}
