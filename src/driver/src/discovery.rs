//! Cluster discovery: `system.local`, `system.peers` and `system_schema.keyspaces`, read on one
//! connection and decoded into the nodes and keyspaces of a [`Topology`].
//!
//! Rows are decoded with the value layer ([`CqlValue::deserialize`]); a row without a host id
//! is skipped, as are duplicate host ids or addresses and keyspaces whose replication map does
//! not parse (they are routed without token awareness).

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use sibyl_common::Token;
use sibyl_protocol::{Consistency, QueryParameters, Request, Response, ResultBody};
use sibyl_ring::ReplicationStrategy;

use crate::connection::Connection;
use crate::error::DriverError;
use crate::policy::{HostId, NodeInfo};
use crate::row::Row;
use crate::value::CqlValue;

pub(crate) const LOCAL_QUERY: &str = "SELECT * FROM system.local WHERE key='local'";
pub(crate) const PEERS_V2_QUERY: &str = "SELECT * FROM system.peers_v2";
pub(crate) const PEERS_QUERY: &str = "SELECT * FROM system.peers";
pub(crate) const KEYSPACES_QUERY: &str = "SELECT keyspace_name, replication FROM system_schema.keyspaces";
pub(crate) const LOCAL_SCHEMA_QUERY: &str = "SELECT schema_version FROM system.local WHERE key='local'";
pub(crate) const PEERS_SCHEMA_QUERY: &str = "SELECT host_id, schema_version FROM system.peers";

/// What discovery found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Discovered {
    /// The node the connection is to first, then its peers.
    pub nodes: Vec<NodeInfo>,
    pub keyspaces: Vec<(String, ReplicationStrategy)>,
    /// The datacenter of the node the connection is to.
    pub local_dc: Option<String>,
}

/// Runs an unpaged QUERY at ONE and returns its rows.
pub(crate) async fn select(conn: &Connection, text: &str, timeout: Duration) -> Result<Vec<Row>, DriverError> {
    let request = Request::Query { query: text.to_owned(), params: QueryParameters::new(Consistency::One) };
    match conn.send(&request, false, timeout).await?.response {
        Response::Result(ResultBody::Rows(rows)) => {
            let specs: Arc<[sibyl_protocol::ColumnSpec]> = rows.metadata.columns.unwrap_or_default().into();
            Ok(rows.rows.into_iter().map(|cells| Row::new(Arc::clone(&specs), cells)).collect())
        }
        Response::Error(e) => Err(e.into()),
        other => Err(DriverError::UnexpectedResponse { request: "QUERY", response: format!("{:?}", other.opcode()) }),
    }
}

/// Reads the cluster through `conn`. Peers come from `system.peers_v2` (their native address
/// and port), or from `system.peers` on servers without it (then they are reached on the
/// contact point's port).
pub(crate) async fn discover(conn: &Connection, timeout: Duration) -> Result<Discovered, DriverError> {
    let local = select(conn, LOCAL_QUERY, timeout).await?;
    let peers = match select(conn, PEERS_V2_QUERY, timeout).await {
        Ok(rows) => rows,
        Err(e) if e.code().is_some() => {
            tracing::debug!(error = %e, "no system.peers_v2; reading system.peers");
            select(conn, PEERS_QUERY, timeout).await?
        }
        Err(e) => return Err(e),
    };
    let keyspaces = select(conn, KEYSPACES_QUERY, timeout).await?;
    let discovered = decode(conn.addr(), &local, &peers, &keyspaces);
    if discovered.nodes.is_empty() {
        return Err(DriverError::UnexpectedResponse {
            request: "discovery",
            response: "system.local has no row with a host_id".into(),
        });
    }
    Ok(discovered)
}

/// Decodes discovery's rows; `local_addr` is the address the connection reached (the local
/// node's, whatever it reports), and its port is every peer's.
pub(crate) fn decode(local_addr: SocketAddr, local: &[Row], peers: &[Row], keyspaces: &[Row]) -> Discovered {
    let mut nodes: Vec<NodeInfo> = Vec::new();
    let mut hosts = HashSet::new();
    let mut addrs = HashSet::new();
    let mut local_dc = None;
    let local_node = local.first().and_then(|row| node_from_row(row, Some(local_addr), local_addr.port()));
    for node in local_node.into_iter().chain(peers.iter().filter_map(|row| node_from_row(row, None, local_addr.port())))
    {
        if !hosts.insert(node.host_id) || !addrs.insert(node.address) {
            tracing::warn!(host_id = %node.host_id, address = %node.address, "duplicate node in system.peers; skipped");
            continue;
        }
        if nodes.is_empty() && !node.datacenter.is_empty() {
            local_dc = Some(node.datacenter.clone());
        }
        nodes.push(node);
    }
    // Two nodes claiming one token make the ring invalid: keep the first claimant's tokens.
    let mut seen_tokens = HashSet::new();
    for n in &mut nodes {
        n.tokens.retain(|t| seen_tokens.insert(*t));
    }
    let keyspaces = keyspaces.iter().filter_map(keyspace_from_row).collect();
    Discovered { nodes, keyspaces, local_dc }
}

fn cell(row: &Row, name: &str) -> Option<CqlValue> {
    let i = row.column_index(name)?;
    let bytes = row.raw(i)?;
    CqlValue::deserialize(&row.columns()[i].ty, bytes).ok()
}

fn text(row: &Row, name: &str) -> Option<String> {
    cell(row, name).and_then(|v| v.as_text().map(str::to_owned))
}

fn inet(row: &Row, name: &str) -> Option<IpAddr> {
    match cell(row, name)? {
        CqlValue::Inet(ip) => Some(ip),
        _ => None,
    }
}

/// One node from a `system.local` (`local_addr` given), `system.peers_v2` (`native_address`
/// and `native_port`) or `system.peers` (`rpc_address`, reached on `port`) row. An
/// unspecified address (0.0.0.0: the node listens everywhere) means the `peer` address.
fn node_from_row(row: &Row, local_addr: Option<SocketAddr>, port: u16) -> Option<NodeInfo> {
    let host_id = HostId(cell(row, "host_id")?.as_uuid()?);
    let address = match local_addr {
        Some(addr) => addr,
        None => {
            let native = inet(row, "native_address").or_else(|| inet(row, "rpc_address"));
            let ip = native.filter(|ip| !ip.is_unspecified()).or_else(|| inet(row, "peer"))?;
            let port = match cell(row, "native_port") {
                Some(CqlValue::Int(p)) => u16::try_from(p).ok().filter(|p| *p != 0).unwrap_or(port),
                _ => port,
            };
            SocketAddr::new(ip, port)
        }
    };
    let tokens = cell(row, "tokens")
        .and_then(|v| v.as_seq().map(<[CqlValue]>::to_vec))
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.as_text()?.trim().parse::<i64>().ok().map(Token))
        .collect();
    Some(NodeInfo {
        host_id,
        address,
        datacenter: text(row, "data_center").unwrap_or_default(),
        rack: text(row, "rack").unwrap_or_default(),
        tokens,
        up: true,
    })
}

fn keyspace_from_row(row: &Row) -> Option<(String, ReplicationStrategy)> {
    let name = text(row, "keyspace_name")?;
    let CqlValue::Map(entries) = cell(row, "replication")? else { return None };
    let map: Vec<(String, String)> =
        entries.iter().filter_map(|(k, v)| Some((k.as_text()?.to_owned(), v.as_text()?.to_owned()))).collect();
    match ReplicationStrategy::from_replication_map(map) {
        Ok(strategy) => Some((name, strategy)),
        Err(e) => {
            tracing::debug!(keyspace = %name, error = %e, "replication map not understood; no token-aware routing");
            None
        }
    }
}

/// The schema versions of the reachable node (host id `None`) and of its peers, nulls left out.
pub(crate) async fn schema_versions(
    conn: &Connection,
    timeout: Duration,
) -> Result<Vec<(Option<HostId>, [u8; 16])>, DriverError> {
    let mut versions = Vec::new();
    for text in [LOCAL_SCHEMA_QUERY, PEERS_SCHEMA_QUERY] {
        for row in select(conn, text, timeout).await? {
            if let Some(v) = cell(&row, "schema_version").and_then(|v| v.as_uuid()) {
                versions.push((cell(&row, "host_id").and_then(|h| h.as_uuid()).map(HostId), v));
            }
        }
    }
    Ok(versions)
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used)]

    use sibyl_protocol::{ColumnSpec, ColumnType};

    use super::*;

    fn rows(table: &str, columns: &[(&str, ColumnType)], data: Vec<Vec<Option<Vec<u8>>>>) -> Vec<Row> {
        let specs: Arc<[ColumnSpec]> =
            columns.iter().map(|(n, t)| ColumnSpec::new("system", table, *n, t.clone())).collect::<Vec<_>>().into();
        data.into_iter().map(|cells| Row::new(Arc::clone(&specs), cells)).collect()
    }

    fn text_set(items: &[&str]) -> Vec<u8> {
        let mut out = (items.len() as i32).to_be_bytes().to_vec();
        for i in items {
            out.extend_from_slice(&(i.len() as i32).to_be_bytes());
            out.extend_from_slice(i.as_bytes());
        }
        out
    }

    fn text_map(items: &[(&str, &str)]) -> Vec<u8> {
        let mut out = (items.len() as i32).to_be_bytes().to_vec();
        for (k, v) in items {
            for s in [k, v] {
                out.extend_from_slice(&(s.len() as i32).to_be_bytes());
                out.extend_from_slice(s.as_bytes());
            }
        }
        out
    }

    fn node_columns() -> Vec<(&'static str, ColumnType)> {
        vec![
            ("peer", ColumnType::Inet),
            ("host_id", ColumnType::Uuid),
            ("rpc_address", ColumnType::Inet),
            ("data_center", ColumnType::Varchar),
            ("rack", ColumnType::Varchar),
            ("tokens", ColumnType::Set(Box::new(ColumnType::Varchar))),
        ]
    }

    fn node_row(peer: [u8; 4], id: u128, rpc: [u8; 4], dc: &str, tokens: &[&str]) -> Vec<Option<Vec<u8>>> {
        vec![
            Some(peer.to_vec()),
            Some(id.to_be_bytes().to_vec()),
            Some(rpc.to_vec()),
            Some(dc.as_bytes().to_vec()),
            Some(b"rack1".to_vec()),
            Some(text_set(tokens)),
        ]
    }

    #[test]
    fn decodes_local_peers_and_keyspaces() {
        let contact: SocketAddr = "127.0.0.1:9142".parse().unwrap();
        let local = rows("local", &node_columns(), vec![node_row([0; 4], 1, [0; 4], "dc1", &["-100", "5"])]);
        let peers = rows(
            "peers",
            &node_columns(),
            vec![
                node_row([10, 0, 0, 2], 2, [10, 0, 1, 2], "dc2", &["7"]),
                // rpc_address 0.0.0.0: reached on `peer`.
                node_row([10, 0, 0, 3], 3, [0, 0, 0, 0], "dc1", &["9", "5"]),
                // Duplicate host id, and a row without one: skipped.
                node_row([10, 0, 0, 4], 2, [10, 0, 0, 4], "dc1", &[]),
                vec![Some(vec![10, 0, 0, 5]), None, None, None, None, None],
            ],
        );
        let ks_cols = [
            ("keyspace_name", ColumnType::Varchar),
            ("replication", ColumnType::Map(Box::new(ColumnType::Varchar), Box::new(ColumnType::Varchar))),
        ];
        let keyspaces = rows(
            "keyspaces",
            &ks_cols,
            vec![
                vec![
                    Some(b"ks".to_vec()),
                    Some(text_map(&[
                        ("class", "org.apache.cassandra.locator.SimpleStrategy"),
                        ("replication_factor", "2"),
                    ])),
                ],
                vec![Some(b"bad".to_vec()), Some(text_map(&[("class", "SimpleStrategy")]))],
            ],
        );
        let d = decode(contact, &local, &peers, &keyspaces);
        assert_eq!(d.local_dc.as_deref(), Some("dc1"));
        let addrs: Vec<String> = d.nodes.iter().map(|n| n.address.to_string()).collect();
        assert_eq!(addrs, ["127.0.0.1:9142", "10.0.1.2:9142", "10.0.0.3:9142"]);
        assert_eq!(d.nodes[0].tokens, vec![Token(-100), Token(5)]);
        // Token 5 was claimed by the local node first.
        assert_eq!(d.nodes[2].tokens, vec![Token(9)]);
        assert_eq!(d.nodes[1].host_id, HostId::from(2));
        assert_eq!(d.nodes[1].datacenter, "dc2");
        assert_eq!(d.keyspaces, vec![("ks".to_owned(), ReplicationStrategy::simple(2))]);
        crate::policy::Topology::new(d.nodes, d.keyspaces).unwrap();
    }

    #[test]
    fn peers_v2_rows_give_native_address_and_port() {
        let contact: SocketAddr = "127.0.0.1:9042".parse().unwrap();
        let local = rows("local", &node_columns(), vec![node_row([0; 4], 1, [0; 4], "dc1", &["1"])]);
        let columns = [
            ("peer", ColumnType::Inet),
            ("peer_port", ColumnType::Int),
            ("host_id", ColumnType::Uuid),
            ("native_address", ColumnType::Inet),
            ("native_port", ColumnType::Int),
            ("data_center", ColumnType::Varchar),
            ("rack", ColumnType::Varchar),
            ("tokens", ColumnType::Set(Box::new(ColumnType::Varchar))),
        ];
        let row = |peer: [u8; 4], id: u128, native: [u8; 4], port: Option<i32>, token: &str| {
            vec![
                Some(peer.to_vec()),
                Some(7000i32.to_be_bytes().to_vec()),
                Some(id.to_be_bytes().to_vec()),
                Some(native.to_vec()),
                port.map(|p| p.to_be_bytes().to_vec()),
                Some(b"dc1".to_vec()),
                Some(b"r1".to_vec()),
                Some(text_set(&[token])),
            ]
        };
        let peers = rows(
            "peers_v2",
            &columns,
            vec![
                row([127, 0, 0, 2], 2, [127, 0, 0, 2], Some(9142), "2"),
                // No native port: the contact point's; 0.0.0.0: the peer address.
                row([127, 0, 0, 3], 3, [0, 0, 0, 0], None, "3"),
            ],
        );
        let d = decode(contact, &local, &peers, &[]);
        let addrs: Vec<String> = d.nodes.iter().map(|n| n.address.to_string()).collect();
        assert_eq!(addrs, ["127.0.0.1:9042", "127.0.0.2:9142", "127.0.0.3:9042"]);
    }
}
