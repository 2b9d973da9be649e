//! What a request carries besides its statement ([`QueryOptions`]) and what it returns
//! ([`QueryResult`]).

use sibyl_cql::plan::{BoundValue, ColumnSpec};
use sibyl_cql::schema::SchemaChange;

/// A request's options, as the native protocol's QUERY / EXECUTE / BATCH carry them.
#[derive(Debug, Clone, Default)]
pub struct QueryOptions {
    /// Values for the bind markers, in marker order (or matched by `names`).
    pub values: Vec<BoundValue>,
    /// Names of the values, when sent by name.
    pub names: Option<Vec<String>>,
    /// Rows per page; `None` or `<= 0`: no paging.
    pub page_size: Option<i32>,
    /// The paging state of the previous page.
    pub paging_state: Option<Vec<u8>>,
    /// The client-provided default timestamp (microseconds).
    pub timestamp: Option<i64>,
    /// The session keyspace (`USE`).
    pub keyspace: Option<String>,
}

impl QueryOptions {
    /// Options with these positional values.
    pub fn with_values(values: Vec<BoundValue>) -> Self {
        QueryOptions { values, ..Default::default() }
    }

    pub fn keyspace(mut self, ks: &str) -> Self {
        self.keyspace = Some(ks.to_string());
        self
    }

    pub fn page_size(mut self, n: i32) -> Self {
        self.page_size = Some(n);
        self
    }

    pub fn paging_state(mut self, state: Option<Vec<u8>>) -> Self {
        self.paging_state = state;
        self
    }
}

/// One value of a result row: its serialization, `None` for null.
pub type Value = Option<Vec<u8>>;

/// A `Rows` result.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rows {
    pub metadata: Vec<ColumnSpec>,
    pub rows: Vec<Vec<Value>>,
    /// Set when more rows may follow: pass it back to get them.
    pub paging_state: Option<Vec<u8>>,
    /// Client warnings (the protocol's warning flag), e.g. an aggregate over every partition.
    pub warnings: Vec<String>,
}

/// The outcome of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryResult {
    Void,
    Rows(Rows),
    /// `USE ks`.
    SetKeyspace(String),
    SchemaChange(SchemaChange),
}

impl QueryResult {
    /// The rows, for a `Rows` result.
    pub fn rows(&self) -> Option<&Rows> {
        match self {
            QueryResult::Rows(r) => Some(r),
            _ => None,
        }
    }
}
