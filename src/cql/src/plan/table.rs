//! A table as planning sees it: its definition plus the lookups every plan needs (key column
//! positions, clustering encodings, `SELECT *` order), and the name resolution rules with
//! Cassandra's messages.

use std::sync::Arc;

use sibyl_common::clustering::{ClusteringType, Order};

use super::error::{invalid, CqlError, CqlResult};
use super::vars::ColumnSpec;
use crate::ast::{Ident, QualifiedName};
use crate::schema::{ClusteringOrder, ColumnDef, ColumnKind, Schema, TableDef};
use crate::types::maybe_quote;

/// A table with the lookups planning needs.
#[derive(Debug, Clone)]
pub struct TableInfo {
    pub def: Arc<TableDef>,
    /// Partition key columns (indexes into `def.columns`), by position.
    pub pk: Vec<usize>,
    /// Clustering columns (indexes into `def.columns`), by position.
    pub ck: Vec<usize>,
    /// Each clustering column's byte-comparable encoding.
    pub ck_types: Vec<(ClusteringType, Order)>,
    /// `SELECT *` order: partition key, clustering, static columns by name, regular by name.
    pub select_order: Vec<usize>,
}

impl TableInfo {
    pub fn new(def: Arc<TableDef>) -> CqlResult<TableInfo> {
        let mut pk: Vec<(i32, usize)> = Vec::new();
        let mut ck: Vec<(i32, usize)> = Vec::new();
        let mut statics: Vec<usize> = Vec::new();
        let mut regulars: Vec<usize> = Vec::new();
        for (i, c) in def.columns.iter().enumerate() {
            match c.kind {
                ColumnKind::PartitionKey => pk.push((c.position, i)),
                ColumnKind::Clustering => ck.push((c.position, i)),
                ColumnKind::Static => statics.push(i),
                ColumnKind::Regular => regulars.push(i),
            }
        }
        pk.sort();
        ck.sort();
        let by_name =
            |v: &mut Vec<usize>| v.sort_by(|a, b| def.columns[*a].name.as_bytes().cmp(def.columns[*b].name.as_bytes()));
        by_name(&mut statics);
        by_name(&mut regulars);
        let pk: Vec<usize> = pk.into_iter().map(|(_, i)| i).collect();
        let ck: Vec<usize> = ck.into_iter().map(|(_, i)| i).collect();
        let mut ck_types = Vec::with_capacity(ck.len());
        for &i in &ck {
            let c = &def.columns[i];
            let ty = c.ty.clustering_type().ok_or_else(|| {
                CqlError::Server(format!("column {} of type {} cannot be a clustering column", c.name, c.ty))
            })?;
            let order = if c.order == ClusteringOrder::Desc { Order::Desc } else { Order::Asc };
            ck_types.push((ty, order));
        }
        let select_order = pk.iter().chain(&ck).chain(&statics).chain(&regulars).copied().collect();
        Ok(TableInfo { def, pk, ck, ck_types, select_order })
    }

    pub fn keyspace(&self) -> &str {
        &self.def.keyspace
    }

    pub fn name(&self) -> &str {
        &self.def.name
    }

    pub fn column(&self, index: usize) -> &ColumnDef {
        &self.def.columns[index]
    }

    /// The column named `name`, or Cassandra's "Undefined column name" error.
    pub fn column_index(&self, name: &Ident) -> CqlResult<usize> {
        self.find(name.as_str()).ok_or_else(|| {
            CqlError::invalid(format!(
                "Undefined column name {} in table {}.{}",
                maybe_quote(name.as_str()),
                self.def.keyspace,
                self.def.name
            ))
        })
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        self.def.columns.iter().position(|c| c.name == name)
    }

    /// The specification of column `index` (for bind markers and result metadata).
    pub fn spec(&self, index: usize) -> ColumnSpec {
        let c = self.column(index);
        ColumnSpec::new(&self.def.keyspace, &self.def.name, c.name.clone(), c.ty.clone())
    }

    /// A specification named `name` in this table.
    pub fn named_spec(&self, name: impl Into<String>, ty: crate::types::CqlType) -> ColumnSpec {
        ColumnSpec::new(&self.def.keyspace, &self.def.name, name, ty)
    }

    /// The position of column `index` within the partition key.
    pub fn pk_position(&self, index: usize) -> Option<usize> {
        self.pk.iter().position(|&i| i == index)
    }

    /// The position of column `index` among the clustering columns.
    pub fn ck_position(&self, index: usize) -> Option<usize> {
        self.ck.iter().position(|&i| i == index)
    }

    pub fn is_counter(&self) -> bool {
        self.def.is_counter()
    }

    /// The name of column `index` as Cassandra prints it in messages.
    pub fn quoted(&self, index: usize) -> String {
        maybe_quote(&self.column(index).name)
    }
}

/// The keyspace a statement addresses: its own, else the session's.
pub fn keyspace_of<'a>(name: &'a QualifiedName, current: Option<&'a str>) -> CqlResult<&'a str> {
    match (&name.keyspace, current) {
        (Some(k), _) => Ok(k.as_str()),
        (None, Some(c)) => Ok(c),
        (None, None) => {
            invalid("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename")
        }
    }
}

/// Resolves a table name, with Cassandra 5.0's messages for a missing keyspace or table
/// (`Schema.validateTable`, used by SELECT, INSERT, UPDATE, DELETE and TRUNCATE; both Invalid,
/// 0x2200). Cassandra 3.x said `unconfigured table t`; 4.0 and later say `table t does not exist`.
pub fn resolve_table(schema: &Schema, name: &QualifiedName, current: Option<&str>) -> CqlResult<Arc<TableDef>> {
    let ks = keyspace_of(name, current)?;
    let table = name.name.as_str();
    let Some(keyspace) = schema.keyspace(ks) else {
        return invalid(format!("keyspace {ks} does not exist"));
    };
    match keyspace.tables.get(table) {
        Some(t) => Ok(Arc::clone(t)),
        None => invalid(format!("table {table} does not exist")),
    }
}
