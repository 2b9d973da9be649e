//! Server-side `DESCRIBE`, answered as Cassandra 4.0+ answers it (`DescribeStatement`): cqlsh
//! 6.x sends every `DESCRIBE` to the server and prints the rows.
//!
//! - The result's table spec is `system.describe`. Listings (`KEYSPACES`, `TABLES`, `TYPES`,
//!   `FUNCTIONS`, `AGGREGATES`) have the text columns `keyspace_name, type, name`; the element
//!   forms add `create_statement`; `CLUSTER` has `cluster, partitioner, snitch` and, when a
//!   non-system keyspace is in use, `range_ownership map<text, frozen<list<text>>>`.
//! - Elements sort by name ignoring case (`SchemaElement.NAME_COMPARATOR`), except the types
//!   of a keyspace's description, which come in dependency order; names are quoted when
//!   needed.
//! - Paging is by row offset, the paging state carrying the schema version: a page asked for
//!   after a schema change is refused, as Cassandra does.
//!
//! sibyl has no secondary indexes, materialized views, functions or aggregates, so their
//! listings are empty and naming one fails with Cassandra's "not found" message. The system
//! keyspaces describe like any keyspace (their `CREATE` statements: `LocalStrategy` for
//! `system` and `system_schema`, `SimpleStrategy` for `system_auth`, `system_distributed` and
//! `system_traces`), as in Cassandra; the virtual keyspaces (`system_views`,
//! `system_virtual_schema`) and their tables as a comment holding their structure
//! (`VIRTUAL KEYSPACE …`, `VIRTUAL TABLE …`). `DESCRIBE FULL SCHEMA` adds all of them.

use std::cmp::Ordering;
use std::net::IpAddr;

use sibyl_cql::ast::{DescribeStatement, DescribeTarget, Ident};
use sibyl_cql::plan::error::{invalid, CqlResult};
use sibyl_cql::plan::{ColumnSpec, CqlError};
use sibyl_cql::schema::describe::{
    create_keyspace_statement, create_table_statement_with, create_type_statement, virtual_keyspace_statement,
    virtual_table_statement,
};
use sibyl_cql::schema::system::is_virtual_keyspace;
use sibyl_cql::schema::{KeyspaceDef, Schema, TableDef, UserType};
use sibyl_cql::types::{maybe_quote, CqlType};
use sibyl_cql::value::CqlValue;

use crate::processor::QueryProcessor;
use crate::result::{QueryOptions, QueryResult, Rows};

/// The keyspace and table of the result metadata.
const KS: &str = "system";
const CF: &str = "describe";

/// The first two bytes of a paging state ("magic version", as Cassandra's).
const PAGING_STATE_VERSION: u16 = 1;

const SCHEMA_CHANGED_WHILE_PAGING: &str =
    "The schema has changed since the previous page of the DESCRIBE statement result. Please retry the DESCRIBE \
     statement.";

/// What `DESCRIBE CLUSTER` reports about the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterInfo {
    pub cluster_name: String,
    /// The partitioner's class (printed without the `org.apache.cassandra.dht.` package).
    pub partitioner: String,
    /// The snitch's class (printed without the `org.apache.cassandra.locator.` package).
    pub snitch: String,
    /// The token ring: every token of every node (any order).
    pub ring: Vec<RingToken>,
}

/// One token of the ring and the node owning it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RingToken {
    pub token: i64,
    /// The node's internode address and port (printed as Cassandra prints an
    /// `InetAddressAndPort`: `/127.0.0.1:7000`).
    pub address: IpAddr,
    pub port: u16,
    pub datacenter: String,
}

impl Default for ClusterInfo {
    fn default() -> Self {
        ClusterInfo {
            cluster_name: "Test Cluster".into(),
            partitioner: "org.apache.cassandra.dht.Murmur3Partitioner".into(),
            snitch: "org.apache.cassandra.locator.SimpleSnitch".into(),
            ring: Vec::new(),
        }
    }
}

impl QueryProcessor {
    /// Sets what `DESCRIBE CLUSTER` reports (the default: "Test Cluster", Murmur3Partitioner,
    /// SimpleSnitch and an empty ring).
    pub fn set_cluster_info(&self, info: ClusterInfo) {
        *self.inner().cluster_info.write() = info;
    }

    /// What `DESCRIBE CLUSTER` reports.
    pub fn cluster_info(&self) -> ClusterInfo {
        self.inner().cluster_info.read().clone()
    }
}

/// Executes a `DESCRIBE` statement on the processor's current schema.
pub fn execute_describe(
    p: &QueryProcessor,
    stmt: &DescribeStatement,
    options: &QueryOptions,
) -> CqlResult<QueryResult> {
    let cluster = p.cluster_info();
    let rows = describe(
        &p.schema(),
        stmt,
        options.keyspace.as_deref(),
        &cluster,
        options.page_size,
        options.paging_state.as_deref(),
    )?;
    Ok(QueryResult::Rows(rows))
}

/// The rows of `DESCRIBE …` on `schema`, for a session whose keyspace is `session_keyspace`:
/// one page of `page_size` rows (all rows if `None` or `<= 0`) starting where `paging_state`
/// (from the previous page) says.
pub fn describe(
    schema: &Schema,
    stmt: &DescribeStatement,
    session_keyspace: Option<&str>,
    cluster: &ClusterInfo,
    page_size: Option<i32>,
    paging_state: Option<&[u8]>,
) -> CqlResult<Rows> {
    let page_size = page_size.filter(|n| *n > 0).map(|n| n as usize);
    let version = (page_size.is_some() || paging_state.is_some()).then(|| schema.version());
    let offset = match (paging_state, &version) {
        (Some(state), Some(v)) => decode_paging_state(state, v)?,
        _ => 0,
    };
    let (metadata, all) = match describe_all(schema, &stmt.target, session_keyspace, cluster)? {
        Output::Listing(elements) => (specs(&["keyspace_name", "type", "name"]), AllRows::Elements(elements, false)),
        Output::Elements(elements) => {
            (specs(&["keyspace_name", "type", "name", "create_statement"]), AllRows::Elements(elements, true))
        }
        Output::Cluster(metadata, row) => (metadata, AllRows::Raw(vec![row])),
    };
    let total = all.len();
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(total);
    let end = page_size.map_or(total, |n| start.saturating_add(n).min(total));
    let rows = match all {
        AllRows::Elements(elements, with_statement) => {
            elements[start..end].iter().map(|e| element_row(e, with_statement, stmt.with_internals)).collect()
        }
        AllRows::Raw(rows) => rows.into_iter().skip(start).take(end - start).collect::<Vec<_>>(),
    };
    // As Cassandra: a full page says more may follow (the next one may be empty).
    let paging_state = match (page_size, &version) {
        (Some(n), Some(v)) if rows.len() == n => Some(encode_paging_state(offset + n as u64, v)),
        _ => None,
    };
    Ok(Rows { metadata, rows, paging_state, warnings: Vec::new() })
}

/// All the rows of a result, before paging.
enum AllRows<'a> {
    /// Schema elements, rendered with or without their `create_statement`.
    Elements(Vec<Element<'a>>, bool),
    Raw(Vec<Vec<Option<Vec<u8>>>>),
}

impl AllRows<'_> {
    fn len(&self) -> usize {
        match self {
            AllRows::Elements(e, _) => e.len(),
            AllRows::Raw(r) => r.len(),
        }
    }
}

/// What a `DESCRIBE` form returns.
enum Output<'a> {
    Listing(Vec<Element<'a>>),
    Elements(Vec<Element<'a>>),
    Cluster(Vec<ColumnSpec>, Vec<Option<Vec<u8>>>),
}

/// A schema element (`SchemaElement`).
#[derive(Clone, Copy)]
enum Element<'a> {
    Keyspace(&'a KeyspaceDef),
    Type(&'a UserType),
    Table(&'a TableDef),
}

impl Element<'_> {
    fn keyspace(&self) -> &str {
        match self {
            Element::Keyspace(k) => &k.name,
            Element::Type(t) => &t.keyspace,
            Element::Table(t) => &t.keyspace,
        }
    }

    fn name(&self) -> &str {
        match self {
            Element::Keyspace(k) => &k.name,
            Element::Type(t) => &t.name,
            Element::Table(t) => &t.name,
        }
    }

    /// `SchemaElementType`, lower case.
    fn kind(&self) -> &'static str {
        match self {
            Element::Keyspace(_) => "keyspace",
            Element::Type(_) => "type",
            Element::Table(_) => "table",
        }
    }

    fn create_statement(&self, with_internals: bool) -> String {
        match self {
            Element::Keyspace(k) if is_virtual_keyspace(&k.name) => virtual_keyspace_statement(k),
            Element::Keyspace(k) => create_keyspace_statement(k),
            Element::Type(t) => create_type_statement(t),
            Element::Table(t) if is_virtual_keyspace(&t.keyspace) => virtual_table_statement(t, with_internals),
            Element::Table(t) => create_table_statement_with(t, with_internals),
        }
    }
}

fn text(s: &str) -> Option<Vec<u8>> {
    Some(s.as_bytes().to_vec())
}

fn specs(names: &[&str]) -> Vec<ColumnSpec> {
    names.iter().map(|n| ColumnSpec::new(KS, CF, *n, CqlType::Text)).collect()
}

fn element_row(e: &Element<'_>, with_statement: bool, with_internals: bool) -> Vec<Option<Vec<u8>>> {
    let mut row = vec![text(&maybe_quote(e.keyspace())), text(e.kind()), text(&maybe_quote(e.name()))];
    if with_statement {
        row.push(text(&e.create_statement(with_internals)));
    }
    row
}

/// `String.compareToIgnoreCase`.
fn compare_ignore_case(a: &str, b: &str) -> Ordering {
    let fold = |c: char| c.to_uppercase().next().unwrap_or(c).to_lowercase().next().unwrap_or(c);
    a.chars().map(fold).cmp(b.chars().map(fold))
}

fn sort_by_name(elements: &mut [Element<'_>]) {
    elements.sort_by(|a, b| compare_ignore_case(a.name(), b.name()));
}

/// `SchemaConstants.isSystemKeyspace`: the local, replicated and virtual system keyspaces.
fn is_system_keyspace(name: &str) -> bool {
    const SYSTEM: [&str; 7] = [
        "system",
        "system_schema",
        "system_auth",
        "system_traces",
        "system_distributed",
        "system_views",
        "system_virtual_schema",
    ];
    SYSTEM.contains(&name.to_lowercase().as_str())
}

/// The keyspace called `name`, else Cassandra's `KeyspaceNotDefinedException`.
fn validate_keyspace<'a>(schema: &'a Schema, name: &str) -> CqlResult<&'a KeyspaceDef> {
    schema.keyspace(name).map(|k| &**k).ok_or_else(|| CqlError::invalid(format!("'{name}' not found in keyspaces")))
}

/// The keyspace an element form describes in: the named one, else the session's.
fn element_keyspace<'a>(
    schema: &'a Schema,
    named: Option<&Ident>,
    session_keyspace: Option<&str>,
) -> CqlResult<&'a KeyspaceDef> {
    let name = match named {
        Some(k) => k.as_str(),
        None => session_keyspace.ok_or_else(|| CqlError::invalid("No keyspace specified and no current keyspace"))?,
    };
    validate_keyspace(schema, name)
}

/// Keyspaces sorted by name.
fn sorted_keyspaces(schema: &Schema) -> Vec<&KeyspaceDef> {
    let mut all: Vec<&KeyspaceDef> = schema.keyspaces.values().map(|k| &**k).collect();
    all.sort_by(|a, b| compare_ignore_case(&a.name, &b.name));
    all
}

/// A keyspace's description: the keyspace, then (unless `only`) its types in dependency
/// order, its functions and aggregates, and its tables by name, each followed by its indexes
/// and materialized views.
fn keyspace_elements(ks: &KeyspaceDef, only: bool) -> Vec<Element<'_>> {
    let mut out = vec![Element::Keyspace(ks)];
    if !only {
        out.extend(types_in_dependency_order(ks).into_iter().map(Element::Type));
        let mut tables: Vec<Element<'_>> = ks.tables.values().map(|t| Element::Table(t)).collect();
        sort_by_name(&mut tables);
        out.extend(tables);
    }
    out
}

/// `Types.sortedStream`: the types (in the order of their names' bytes, as Java compares
/// `ByteBuffer`s: signed) each after the types it uses.
fn types_in_dependency_order(ks: &KeyspaceDef) -> Vec<&UserType> {
    let mut names: Vec<&String> = ks.types.keys().collect();
    names.sort_by(|a, b| a.bytes().map(|x| x as i8).cmp(b.bytes().map(|x| x as i8)));
    let mut order: Vec<&str> = Vec::new();
    for name in names {
        add_type_and_dependencies(ks, name, &mut order);
    }
    order.into_iter().filter_map(|n| ks.types.get(n).map(|t| &**t)).collect()
}

fn add_type_and_dependencies<'a>(ks: &'a KeyspaceDef, name: &str, order: &mut Vec<&'a str>) {
    let Some((key, t)) = ks.types.get_key_value(name) else { return };
    if order.contains(&key.as_str()) {
        return;
    }
    for (_, ty) in &t.fields {
        add_dependencies(ks, ty, order);
    }
    if !order.contains(&key.as_str()) {
        order.push(key);
    }
}

fn add_dependencies<'a>(ks: &'a KeyspaceDef, ty: &CqlType, order: &mut Vec<&'a str>) {
    match ty {
        CqlType::List { element, .. } | CqlType::Set { element, .. } => add_dependencies(ks, element, order),
        CqlType::Map { key, value, .. } => {
            add_dependencies(ks, key, order);
            add_dependencies(ks, value, order);
        }
        CqlType::Tuple(items) => items.iter().for_each(|t| add_dependencies(ks, t, order)),
        CqlType::Udt { name, .. } | CqlType::UdtRef { name, .. } => add_type_and_dependencies(ks, name, order),
        _ => {}
    }
}

/// Every row of `DESCRIBE target`, before paging.
fn describe_all<'a>(
    schema: &'a Schema,
    target: &DescribeTarget,
    session_keyspace: Option<&str>,
    cluster: &ClusterInfo,
) -> CqlResult<Output<'a>> {
    let listing = |of: &dyn Fn(&'a KeyspaceDef) -> Vec<Element<'a>>| -> CqlResult<Output<'a>> {
        let keyspaces = match session_keyspace {
            Some(ks) => vec![validate_keyspace(schema, ks)?],
            None => sorted_keyspaces(schema),
        };
        let mut out = Vec::new();
        for ks in keyspaces {
            let mut elements = of(ks);
            sort_by_name(&mut elements);
            out.extend(elements);
        }
        Ok(Output::Listing(out))
    };
    Ok(match target {
        DescribeTarget::Cluster => describe_cluster(schema, session_keyspace, cluster)?,
        DescribeTarget::Keyspaces => {
            Output::Listing(sorted_keyspaces(schema).into_iter().map(Element::Keyspace).collect())
        }
        DescribeTarget::Schema { full } => Output::Elements(
            sorted_keyspaces(schema)
                .into_iter()
                .filter(|k| *full || !is_system_keyspace(&k.name))
                .flat_map(|k| keyspace_elements(k, false))
                .collect(),
        ),
        DescribeTarget::Keyspace { only, name } => {
            Output::Elements(keyspace_elements(element_keyspace(schema, name.as_ref(), session_keyspace)?, *only))
        }
        DescribeTarget::Tables => listing(&|ks| ks.tables.values().map(|t| Element::Table(t)).collect())?,
        DescribeTarget::Types => listing(&|ks| ks.types.values().map(|t| Element::Type(t)).collect())?,
        DescribeTarget::Functions | DescribeTarget::Aggregates => listing(&|_| Vec::new())?,
        DescribeTarget::Table(n) => {
            let ks = element_keyspace(schema, n.keyspace.as_ref(), session_keyspace)?;
            let name = n.name.as_str();
            let Some(t) = ks.tables.get(name) else {
                return invalid(format!("Table '{name}' not found in keyspace '{}'", ks.name));
            };
            Output::Elements(vec![Element::Table(t)])
        }
        DescribeTarget::Index(n) => {
            let ks = element_keyspace(schema, n.keyspace.as_ref(), session_keyspace)?;
            return invalid(format!("Table for existing index '{}' not found in '{}'", n.name.as_str(), ks.name));
        }
        DescribeTarget::MaterializedView(n) => {
            let ks = element_keyspace(schema, n.keyspace.as_ref(), session_keyspace)?;
            return invalid(format!("Materialized view '{}' not found in '{}'", n.name.as_str(), ks.name));
        }
        DescribeTarget::Type(n) => {
            let ks = element_keyspace(schema, n.keyspace.as_ref(), session_keyspace)?;
            let name = n.name.as_str();
            let Some(t) = ks.types.get(name) else {
                return invalid(format!("User defined type '{name}' not found in '{}'", ks.name));
            };
            Output::Elements(vec![Element::Type(t)])
        }
        DescribeTarget::Function(n) => {
            let ks = element_keyspace(schema, n.keyspace.as_ref(), session_keyspace)?;
            return invalid(format!("User defined function '{}' not found in '{}'", n.name.as_str(), ks.name));
        }
        DescribeTarget::Aggregate(n) => {
            let ks = element_keyspace(schema, n.keyspace.as_ref(), session_keyspace)?;
            return invalid(format!("User defined aggregate '{}' not found in '{}'", n.name.as_str(), ks.name));
        }
        DescribeTarget::Generic(n) => {
            // A keyspace, else a table, an index or a view (cqlsh's order) of the keyspace
            // named, else of the session's.
            let name = n.name.as_str();
            let ks_name = match &n.keyspace {
                Some(k) => k.as_str(),
                None => {
                    if let Some(ks) = schema.keyspace(name) {
                        return Ok(Output::Elements(keyspace_elements(ks, false)));
                    }
                    session_keyspace.unwrap_or(name)
                }
            };
            let ks = validate_keyspace(schema, ks_name)?;
            let Some(t) = ks.tables.get(name) else {
                return invalid(format!("'{name}' not found in keyspace '{ks_name}'"));
            };
            Output::Elements(vec![Element::Table(t)])
        }
    })
}

/// `DESCRIBE CLUSTER`: the cluster name, the partitioner and the snitch, and, when a
/// non-system keyspace is in use, which nodes replicate each token range of it.
fn describe_cluster<'a>(
    schema: &Schema,
    session_keyspace: Option<&str>,
    cluster: &ClusterInfo,
) -> CqlResult<Output<'a>> {
    let trim = |s: &str, prefix: &str| s.strip_prefix(prefix).unwrap_or(s).to_string();
    let mut metadata = specs(&["cluster", "partitioner", "snitch"]);
    let mut row = vec![
        text(&cluster.cluster_name),
        text(&trim(&cluster.partitioner, "org.apache.cassandra.dht.")),
        text(&trim(&cluster.snitch, "org.apache.cassandra.locator.")),
    ];
    if let Some(ks) = session_keyspace.filter(|k| !is_system_keyspace(k)) {
        let ks = validate_keyspace(schema, ks)?;
        let list = CqlType::List { element: Box::new(CqlType::Text), frozen: true };
        let ty = CqlType::Map { key: Box::new(CqlType::Text), value: Box::new(list.clone()), frozen: false };
        let entries = range_ownership(ks, &cluster.ring)
            .into_iter()
            .map(|(token, endpoints)| {
                (CqlValue::Text(token), CqlValue::List(endpoints.into_iter().map(CqlValue::Text).collect()))
            })
            .collect();
        let value = CqlValue::map(&CqlType::Text, entries)
            .serialize(&ty)
            .map_err(|e| CqlError::Server(format!("cannot serialize range_ownership: {e}")))?;
        metadata.push(ColumnSpec::new(KS, CF, "range_ownership", ty));
        row.push(Some(value));
    }
    Ok(Output::Cluster(metadata, row))
}

/// `StorageService.getRangeToAddressMap(ks)`: for each range (keyed by its end token) the
/// endpoints replicating it, walking the ring clockwise from the range's end: SimpleStrategy
/// takes the first `replication_factor` distinct nodes, NetworkTopologyStrategy the first
/// nodes of each data center up to its factor (racks are not considered), any other strategy
/// every node.
fn range_ownership(ks: &KeyspaceDef, ring: &[RingToken]) -> Vec<(String, Vec<String>)> {
    let mut ring: Vec<&RingToken> = ring.iter().collect();
    ring.sort_by_key(|t| t.token);
    let class = ks.replication.get("class").map(String::as_str).unwrap_or_default();
    let simple = class.ends_with("SimpleStrategy");
    let nts = class.ends_with("NetworkTopologyStrategy");
    let factor = |dc: &str| -> usize {
        let key = if simple { "replication_factor" } else { dc };
        let rf = ks.replication.get(key).map(String::as_str).unwrap_or("0");
        // "3/1" (transient replicas): the total.
        rf.split('/').next().and_then(|n| n.trim().parse().ok()).unwrap_or(0)
    };
    let mut out = Vec::with_capacity(ring.len());
    for i in 0..ring.len() {
        let mut replicas: Vec<(IpAddr, u16)> = Vec::new();
        let mut per_dc: Vec<(&str, usize)> = Vec::new();
        for step in 0..ring.len() {
            let node = ring[(i + step) % ring.len()];
            let endpoint = (node.address, node.port);
            if replicas.contains(&endpoint) {
                continue;
            }
            let wanted = if simple {
                replicas.len() < factor("")
            } else if nts {
                let taken = per_dc.iter().find(|(dc, _)| *dc == node.datacenter).map_or(0, |(_, n)| *n);
                taken < factor(&node.datacenter)
            } else {
                true
            };
            if !wanted {
                continue;
            }
            replicas.push(endpoint);
            match per_dc.iter_mut().find(|(dc, _)| *dc == node.datacenter) {
                Some((_, n)) => *n += 1,
                None => per_dc.push((&node.datacenter, 1)),
            }
        }
        let endpoints = replicas.into_iter().map(|(a, p)| endpoint_text(a, p)).collect();
        out.push((ring[i].token.to_string(), endpoints));
    }
    out
}

/// `InetAddressAndPort.toString()` of an address without a host name: `/127.0.0.1:7000`, or
/// for IPv6 `/[0:0:0:0:0:0:0:1]:7000` (Java's uncompressed form).
pub fn endpoint_text(address: IpAddr, port: u16) -> String {
    match address {
        IpAddr::V4(a) => format!("/{a}:{port}"),
        IpAddr::V6(a) => {
            let groups: Vec<String> = a.segments().iter().map(|g| format!("{g:x}")).collect();
            format!("/[{}]:{port}", groups.join(":"))
        }
    }
}

fn encode_paging_state(next_offset: u64, schema_version: &[u8; 16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(26);
    out.extend_from_slice(&PAGING_STATE_VERSION.to_be_bytes());
    out.extend_from_slice(schema_version);
    out.extend_from_slice(&next_offset.to_be_bytes());
    out
}

fn decode_paging_state(state: &[u8], schema_version: &[u8; 16]) -> CqlResult<u64> {
    if state.len() != 26 {
        return invalid("Invalid paging state.");
    }
    if state[..2] != PAGING_STATE_VERSION.to_be_bytes() {
        return invalid("Incompatible paging state");
    }
    if state[2..18] != schema_version[..] {
        return invalid(SCHEMA_CHANGED_WHILE_PAGING);
    }
    let mut offset = [0u8; 8];
    offset.copy_from_slice(&state[18..]);
    Ok(u64::from_be_bytes(offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_ignoring_case() {
        assert_eq!(compare_ignore_case("Test", "has_all_types"), Ordering::Greater);
        assert_eq!(compare_ignore_case("abc", "ABD"), Ordering::Less);
        assert_eq!(compare_ignore_case("Ab", "aB"), Ordering::Equal);
    }

    #[test]
    fn endpoints_print_like_java() {
        assert_eq!(endpoint_text("127.0.0.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0])), 7000), "/127.0.0.1:7000");
        assert_eq!(endpoint_text(IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]), 7000), "/[0:0:0:0:0:0:0:1]:7000");
    }

    #[test]
    fn paging_states_round_trip_and_check_the_schema() {
        let v = [7u8; 16];
        let state = encode_paging_state(42, &v);
        assert_eq!(decode_paging_state(&state, &v).ok(), Some(42));
        assert!(decode_paging_state(&state, &[8u8; 16]).is_err());
        assert!(decode_paging_state(&state[1..], &v).is_err());
    }
}
