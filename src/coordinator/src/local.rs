//! The node's own row in `system.local`, kept the way Cassandra keeps it: a real row in a real
//! table, written at start-up and whenever the schema version changes, so every client reads it
//! with an ordinary `SELECT` (also prepared and paged).
//!
//! The host id and the tokens are chosen once, on the first start, and read back from the row
//! on every later start: a node keeps its identity and its place on the ring across restarts.

use std::net::IpAddr;

use sibyl_cql::plan::{BoundValue, CqlError, CqlResult};
use sibyl_cql::types::CqlType;
use sibyl_cql::value::CqlValue;

use crate::processor::{expect_rows, QueryProcessor};
use crate::result::QueryOptions;

/// Cassandra's partitioner class, the only one sibyl has.
pub const PARTITIONER: &str = "org.apache.cassandra.dht.Murmur3Partitioner";
/// The Cassandra release sibyl behaves as (cqlsh warns unless it is 5.0.0).
pub const RELEASE_VERSION: &str = "5.0.0";
/// The CQL language version of Cassandra 5.0.
pub const CQL_VERSION: &str = "3.4.7";
/// The native protocol version sibyl speaks.
pub const NATIVE_PROTOCOL_VERSION: &str = "4";

/// What a node says about itself in `system.local`.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalNode {
    pub cluster_name: String,
    pub host_id: [u8; 16],
    pub listen_address: IpAddr,
    pub listen_port: i32,
    pub broadcast_address: IpAddr,
    pub rpc_address: IpAddr,
    pub rpc_port: i32,
    pub data_center: String,
    pub rack: String,
    /// The node's ring tokens.
    pub tokens: Vec<i64>,
    /// Seconds since the epoch at this start (changes on every restart).
    pub gossip_generation: i32,
}

/// The identity stored by an earlier start, if any: its host id and tokens.
pub fn stored_identity(p: &QueryProcessor) -> CqlResult<Option<([u8; 16], Vec<i64>)>> {
    let rows = expect_rows(
        p.query("SELECT host_id, tokens FROM system.local WHERE key = 'local'", &QueryOptions::default())?,
    )?;
    let Some(row) = rows.rows.into_iter().next() else { return Ok(None) };
    let mut cells = row.into_iter();
    let (Some(Some(host_id)), Some(tokens)) = (cells.next(), cells.next()) else { return Ok(None) };
    let host_id: [u8; 16] =
        host_id.as_slice().try_into().map_err(|_| CqlError::Server("system.local holds a malformed host_id".into()))?;
    let mut parsed = Vec::new();
    if let Some(bytes) = tokens {
        let value = CqlValue::deserialize(&set_of_text(), &bytes)
            .map_err(|e| CqlError::Server(format!("system.local holds malformed tokens: {e}")))?;
        if let CqlValue::Set(items) = value {
            for item in items {
                if let CqlValue::Text(t) = item {
                    parsed.push(
                        t.parse::<i64>()
                            .map_err(|_| CqlError::Server(format!("system.local holds a malformed token {t:?}")))?,
                    );
                }
            }
        }
    }
    if parsed.is_empty() {
        return Ok(None);
    }
    parsed.sort_unstable();
    Ok(Some((host_id, parsed)))
}

fn set_of_text() -> CqlType {
    CqlType::Set { element: Box::new(CqlType::Text), frozen: false }
}

fn ser(v: CqlValue, ty: &CqlType) -> CqlResult<BoundValue> {
    Ok(BoundValue::Value(v.serialize(ty).map_err(|e| CqlError::Server(e.to_string()))?))
}

/// Writes the whole `system.local` row, including the current schema version, and the
/// settings it shows in `system_views.settings`.
pub fn write_local(p: &QueryProcessor, node: &LocalNode) -> CqlResult<()> {
    let text = CqlType::Text;
    let inet = CqlType::Inet;
    let int = CqlType::Int;
    let t = |s: &str| ser(CqlValue::Text(s.to_string()), &text);
    let tokens = CqlValue::Set(node.tokens.iter().map(|t| CqlValue::Text(t.to_string())).collect());
    let values = vec![
        t("COMPLETED")?,
        ser(CqlValue::Inet(node.broadcast_address), &inet)?,
        ser(CqlValue::Int(node.listen_port), &int)?,
        t(&node.cluster_name)?,
        t(CQL_VERSION)?,
        t(&node.data_center)?,
        ser(CqlValue::Int(node.gossip_generation), &int)?,
        ser(CqlValue::Uuid(node.host_id), &CqlType::Uuid)?,
        ser(CqlValue::Inet(node.listen_address), &inet)?,
        ser(CqlValue::Int(node.listen_port), &int)?,
        t(NATIVE_PROTOCOL_VERSION)?,
        t(PARTITIONER)?,
        t(&node.rack)?,
        t(RELEASE_VERSION)?,
        ser(CqlValue::Inet(node.rpc_address), &inet)?,
        ser(CqlValue::Int(node.rpc_port), &int)?,
        ser(CqlValue::Uuid(p.schema().version()), &CqlType::Uuid)?,
        ser(tokens, &set_of_text())?,
    ];
    p.query(
        "INSERT INTO system.local (key, bootstrapped, broadcast_address, broadcast_port, cluster_name, cql_version, \
         data_center, gossip_generation, host_id, listen_address, listen_port, native_protocol_version, partitioner, \
         rack, release_version, rpc_address, rpc_port, schema_version, tokens) \
         VALUES ('local', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &QueryOptions::with_values(values),
    )?;
    crate::virtual_tables::write_settings(p, node, p.inner().clock.now_micros())?;
    p.enable_local_row();
    Ok(())
}

/// Records the current schema version in `system.local` (after every schema change).
pub fn write_schema_version(p: &QueryProcessor) -> CqlResult<()> {
    let version = ser(CqlValue::Uuid(p.schema().version()), &CqlType::Uuid)?;
    p.query(
        "UPDATE system.local SET schema_version = ? WHERE key = 'local'",
        &QueryOptions::with_values(vec![version]),
    )?;
    Ok(())
}
