//! Helpers shared by the DDL unit tests: apply a statement, expect a change, a no-op or an
//! error with its exact message.

#![allow(clippy::unwrap_used)]

use crate::parse_statement;
use crate::schema::ddl::{apply_ddl, DdlContext, DdlError, DdlOutcome};
use crate::schema::{Schema, TableDef};

pub(crate) const NOW: i64 = 1_700_000_000_123_000;

pub(crate) fn ctx() -> DdlContext {
    DdlContext::new(NOW, [7u8; 16], vec!["dc1".into(), "dc2".into()])
}

pub(crate) fn run(schema: &Schema, cql: &str) -> Result<DdlOutcome, DdlError> {
    let stmt = parse_statement(cql).unwrap_or_else(|e| panic!("{cql}: {e}"));
    apply_ddl(schema, &stmt, Some("ks"), &ctx())
}

pub(crate) fn ok(schema: &Schema, cql: &str) -> Schema {
    match run(schema, cql) {
        Ok(o) => {
            assert!(o.change.is_some(), "{cql}: expected a change");
            o.schema
        }
        Err(e) => panic!("{cql}: {e:?}"),
    }
}

pub(crate) fn noop(schema: &Schema, cql: &str) {
    let o = run(schema, cql).unwrap_or_else(|e| panic!("{cql}: {e:?}"));
    assert_eq!(o.change, None, "{cql}");
    assert_eq!(&o.schema, schema);
}

pub(crate) fn fails(schema: &Schema, cql: &str) -> DdlError {
    match run(schema, cql) {
        Ok(_) => panic!("{cql}: expected an error"),
        Err(e) => e,
    }
}

pub(crate) fn invalid(schema: &Schema, cql: &str, msg: &str) {
    assert_eq!(fails(schema, cql), DdlError::Invalid(msg.to_string()), "{cql}");
}

pub(crate) fn config(schema: &Schema, cql: &str, msg: &str) {
    assert_eq!(fails(schema, cql), DdlError::ConfigurationError(msg.to_string()), "{cql}");
}

pub(crate) fn base() -> Schema {
    ok(&Schema::default(), "CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
}

pub(crate) fn table(schema: &Schema, name: &str) -> TableDef {
    TableDef::clone(schema.table("ks", name).expect("table"))
}
