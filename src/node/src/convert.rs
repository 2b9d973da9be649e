//! Conversions between the query processor's vocabulary and the wire's: column types, column
//! specifications, bound values, schema changes and errors.

use sibyl_coordinator::{BoundValue, ColumnSpec, CqlError};
use sibyl_cql::schema::{ChangeType, SchemaChange};
use sibyl_cql::types::CqlType;
use sibyl_protocol as proto;
use sibyl_protocol::{ColumnType, Value};

/// The wire type of a column.
pub fn column_type(ty: &CqlType) -> ColumnType {
    match ty {
        CqlType::Ascii => ColumnType::Ascii,
        CqlType::Bigint => ColumnType::Bigint,
        CqlType::Blob => ColumnType::Blob,
        CqlType::Boolean => ColumnType::Boolean,
        CqlType::Counter => ColumnType::Counter,
        CqlType::Date => ColumnType::Date,
        CqlType::Decimal => ColumnType::Decimal,
        CqlType::Double => ColumnType::Double,
        CqlType::Duration => ColumnType::Duration,
        CqlType::Float => ColumnType::Float,
        CqlType::Inet => ColumnType::Inet,
        CqlType::Int => ColumnType::Int,
        CqlType::Smallint => ColumnType::Smallint,
        CqlType::Text => ColumnType::Varchar,
        CqlType::Time => ColumnType::Time,
        CqlType::Timestamp => ColumnType::Timestamp,
        CqlType::Timeuuid => ColumnType::Timeuuid,
        CqlType::Tinyint => ColumnType::Tinyint,
        CqlType::Uuid => ColumnType::Uuid,
        CqlType::Varint => ColumnType::Varint,
        CqlType::List { element, .. } => ColumnType::List(Box::new(column_type(element))),
        CqlType::Set { element, .. } => ColumnType::Set(Box::new(column_type(element))),
        CqlType::Map { key, value, .. } => ColumnType::Map(Box::new(column_type(key)), Box::new(column_type(value))),
        CqlType::Tuple(items) => ColumnType::Tuple(items.iter().map(column_type).collect()),
        CqlType::Udt { keyspace, name, fields, .. } => ColumnType::Udt {
            keyspace: keyspace.clone(),
            name: name.clone(),
            fields: fields.iter().map(|(n, t)| (n.clone(), column_type(t))).collect(),
        },
        // Unresolved names never reach result metadata; describe them as blobs rather than fail.
        CqlType::UdtRef { .. } => ColumnType::Blob,
    }
}

/// The wire specification of a column (or bind marker).
pub fn column_spec(spec: &ColumnSpec) -> proto::ColumnSpec {
    proto::ColumnSpec {
        keyspace: spec.keyspace.clone(),
        table: spec.table.clone(),
        name: spec.name.clone(),
        ty: column_type(&spec.ty),
    }
}

pub fn column_specs(specs: &[ColumnSpec]) -> Vec<proto::ColumnSpec> {
    specs.iter().map(column_spec).collect()
}

/// A bound value from the wire.
pub fn bound_value(v: Value) -> BoundValue {
    match v {
        Value::Null => BoundValue::Null,
        Value::Unset => BoundValue::Unset,
        Value::Set(bytes) => BoundValue::Value(bytes),
    }
}

/// A schema change as the wire's RESULT / EVENT carries it.
pub fn schema_change(c: &SchemaChange) -> proto::SchemaChange {
    let change = |t: &ChangeType| match t {
        ChangeType::Created => proto::SchemaChangeType::Created,
        ChangeType::Updated => proto::SchemaChangeType::Updated,
        ChangeType::Dropped => proto::SchemaChangeType::Dropped,
    };
    match c {
        SchemaChange::Keyspace { change: t, keyspace } => proto::SchemaChange {
            change_type: change(t),
            target: proto::SchemaChangeTarget::Keyspace { keyspace: keyspace.clone() },
        },
        SchemaChange::Table { change: t, keyspace, table } => proto::SchemaChange {
            change_type: change(t),
            target: proto::SchemaChangeTarget::Table { keyspace: keyspace.clone(), table: table.clone() },
        },
        SchemaChange::Type { change: t, keyspace, name } => proto::SchemaChange {
            change_type: change(t),
            target: proto::SchemaChangeTarget::Type { keyspace: keyspace.clone(), type_name: name.clone() },
        },
    }
}

/// The wire error for a refused request.
pub fn error_body(e: &CqlError) -> proto::ErrorBody {
    use proto::ErrorKind as K;
    let message = e.to_string();
    let kind = match e {
        CqlError::Server(_) => K::Server,
        CqlError::Protocol(_) => K::Protocol,
        CqlError::Unavailable { consistency, required, alive } => {
            K::Unavailable { consistency: consistency_by_name(consistency), required: *required, alive: *alive }
        }
        CqlError::Overloaded(_) => K::Overloaded,
        CqlError::Truncate(_) => K::TruncateError,
        CqlError::WriteTimeout { consistency, received, block_for, write_type } => K::WriteTimeout {
            consistency: consistency_by_name(consistency),
            received: *received,
            block_for: *block_for,
            write_type: proto::WriteType::parse(write_type),
        },
        CqlError::ReadTimeout { consistency, received, block_for, data_present } => K::ReadTimeout {
            consistency: consistency_by_name(consistency),
            received: *received,
            block_for: *block_for,
            data_present: *data_present,
        },
        CqlError::FunctionFailure(_) => {
            K::FunctionFailure { keyspace: String::new(), function: String::new(), arg_types: Vec::new() }
        }
        CqlError::Syntax(_) => K::Syntax,
        CqlError::Unauthorized(_) => K::Unauthorized,
        CqlError::Invalid(_) => K::Invalid,
        CqlError::Config(_) => K::Config,
        CqlError::AlreadyExists { keyspace, table, .. } => {
            K::AlreadyExists { keyspace: keyspace.clone(), table: table.clone() }
        }
        CqlError::Unprepared { id, .. } => K::Unprepared { id: id.clone() },
    };
    proto::ErrorBody { kind, message }
}

fn consistency_by_name(name: &str) -> proto::Consistency {
    use proto::Consistency as C;
    [
        C::Any,
        C::One,
        C::Two,
        C::Three,
        C::Quorum,
        C::All,
        C::LocalQuorum,
        C::EachQuorum,
        C::Serial,
        C::LocalSerial,
        C::LocalOne,
    ]
    .into_iter()
    .find(|c| c.as_str().eq_ignore_ascii_case(name))
    .unwrap_or(C::One)
}
