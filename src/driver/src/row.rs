//! Results: [`QueryResult`] (what a RESULT response carried) and [`Row`] (raw cells with
//! their column specs shared between all rows of a page).
//!
//! Typed access: [`Row::get`] / [`Row::get_at`] read one cell as any [`FromCql`] type,
//! [`Row::into_typed`] and [`QueryResult::rows_typed`] read whole rows as any [`FromRow`] type
//! (tuples by position, structs by column name with [`impl_from_row!`](crate::impl_from_row)).
//! Conversion errors are [`DriverError::Value`] naming the column.

use std::sync::Arc;

use sibyl_protocol::{ColumnSpec, SchemaChange};

use crate::error::DriverError;
use crate::value::{FromCql, FromRow, ValueError};

/// One row: a cell per column (`None` is null), with the page's column specs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    columns: Arc<[ColumnSpec]>,
    cells: Vec<Option<Vec<u8>>>,
}

impl Row {
    pub(crate) fn new(columns: Arc<[ColumnSpec]>, cells: Vec<Option<Vec<u8>>>) -> Self {
        Row { columns, cells }
    }

    /// The column specs (keyspace, table, name, type), one per cell.
    pub fn columns(&self) -> &[ColumnSpec] {
        &self.columns
    }

    /// The raw cells.
    pub fn cells(&self) -> &[Option<Vec<u8>>] {
        &self.cells
    }

    /// The raw cells, taken out of the row.
    pub fn into_cells(self) -> Vec<Option<Vec<u8>>> {
        self.cells
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The index of the column called `name` (exact, case-sensitive as the server returns it).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The serialized cell at `index`; `None` for a null cell or an index out of range.
    pub fn raw(&self, index: usize) -> Option<&[u8]> {
        self.cells.get(index).and_then(|c| c.as_deref())
    }

    /// The serialized cell of column `name`; `None` for a null cell or an unknown column.
    pub fn raw_by_name(&self, name: &str) -> Option<&[u8]> {
        self.column_index(name).and_then(|i| self.raw(i))
    }

    /// Like [`Row::raw_by_name`], but an unknown column is an error rather than a null.
    pub fn try_raw_by_name(&self, name: &str) -> Result<Option<&[u8]>, DriverError> {
        let index = self.column_index(name).ok_or_else(|| DriverError::NoSuchColumn { name: name.to_owned() })?;
        Ok(self.raw(index))
    }

    /// The cell of column `name` as a `T` (`Option<T>` for a nullable cell).
    ///
    /// Errors: [`DriverError::NoSuchColumn`] for an unknown column, [`DriverError::Value`]
    /// (naming the column) for a null read as a non-`Option` type or a type mismatch.
    pub fn get<T: FromCql>(&self, name: &str) -> Result<T, DriverError> {
        let index = self.column_index(name).ok_or_else(|| DriverError::NoSuchColumn { name: name.to_owned() })?;
        self.get_at(index)
    }

    /// The cell at `index` as a `T` (see [`Row::get`]); an index out of range is
    /// [`DriverError::Value`] with [`ValueError::ColumnCountMismatch`].
    pub fn get_at<T: FromCql>(&self, index: usize) -> Result<T, DriverError> {
        let spec = self
            .columns
            .get(index)
            .ok_or(ValueError::ColumnCountMismatch { expected: index + 1, got: self.columns.len() })?;
        let cell = self.cells.get(index).and_then(|c| c.as_deref());
        Ok(T::from_cql(&spec.ty, cell).map_err(|e| e.in_column(&spec.name))?)
    }

    /// The whole row as an `R`: a tuple (by position), `Vec<Option<CqlValue>>`, or a struct
    /// with [`impl_from_row!`](crate::impl_from_row) (by column name).
    pub fn into_typed<R: FromRow>(self) -> Result<R, DriverError> {
        self.typed()
    }

    /// Like [`Row::into_typed`], without consuming the row.
    pub fn typed<R: FromRow>(&self) -> Result<R, DriverError> {
        Ok(R::from_row(&self.columns, &self.cells)?)
    }
}

/// What a statement returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryResult {
    /// The rows of a Rows result (this page only when paging); `None` for other results.
    pub rows: Option<Vec<Row>>,
    /// The result columns (empty when the result has no rows kind).
    pub columns: Arc<[ColumnSpec]>,
    /// Where the next page starts; `None` on the last page.
    pub paging_state: Option<PagingState>,
    /// Warnings the server attached to the response.
    pub warnings: Vec<String>,
    /// The trace session id when tracing was requested and the server traced.
    pub tracing_id: Option<[u8; 16]>,
    /// The keyspace a `USE` switched to.
    pub set_keyspace: Option<String>,
    /// The schema change a DDL statement made.
    pub schema_change: Option<SchemaChange>,
}

impl QueryResult {
    /// The rows, or an empty slice for results without rows.
    pub fn rows(&self) -> &[Row] {
        self.rows.as_deref().unwrap_or_default()
    }

    /// The rows, taken out; an empty vector for results without rows.
    pub fn into_rows(self) -> Vec<Row> {
        self.rows.unwrap_or_default()
    }

    /// The rows read as `R` (see [`Row::into_typed`]), in order; the first conversion error
    /// stops the iteration's `collect::<Result<Vec<_>, _>>()`.
    pub fn rows_typed<'a, R: FromRow + 'a>(&'a self) -> impl Iterator<Item = Result<R, DriverError>> + 'a {
        self.rows().iter().map(Row::typed)
    }

    /// The rows taken out and read as `R`; the first conversion error fails the whole call.
    pub fn into_rows_typed<R: FromRow>(self) -> Result<Vec<R>, DriverError> {
        self.into_rows().into_iter().map(Row::into_typed).collect()
    }

    /// The first row read as `R`; `None` when there are no rows.
    pub fn first_row_typed<R: FromRow>(&self) -> Option<Result<R, DriverError>> {
        self.first_row().map(Row::typed)
    }

    /// Whether the result is of the Rows kind (a SELECT), even with zero rows.
    pub fn is_rows(&self) -> bool {
        self.rows.is_some()
    }

    /// The first row, if any.
    pub fn first_row(&self) -> Option<&Row> {
        self.rows().first()
    }

    /// Whether more pages follow.
    pub fn has_more_pages(&self) -> bool {
        self.paging_state.is_some()
    }
}

/// The opaque position of the next page, as the server returned it. Send it back with the
/// same statement and values to get the next page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PagingState(pub(crate) Vec<u8>);

impl PagingState {
    /// Rebuilds a state saved with [`PagingState::as_bytes`] (e.g. handed to a web client).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        PagingState(bytes)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use sibyl_protocol::ColumnType;

    use super::*;

    #[test]
    fn cells_by_index_and_name() {
        let cols: Arc<[ColumnSpec]> = vec![
            ColumnSpec::new("ks", "t", "k", ColumnType::Int),
            ColumnSpec::new("ks", "t", "v", ColumnType::Varchar),
        ]
        .into();
        let row = Row::new(cols, vec![Some(vec![0, 0, 0, 7]), None]);
        assert_eq!(row.raw(0), Some(&[0, 0, 0, 7][..]));
        assert_eq!(row.raw(1), None);
        assert_eq!(row.raw(2), None);
        assert_eq!(row.raw_by_name("k"), Some(&[0, 0, 0, 7][..]));
        assert_eq!(row.try_raw_by_name("v"), Ok(None));
        assert_eq!(row.try_raw_by_name("x"), Err(DriverError::NoSuchColumn { name: "x".into() }));
        assert_eq!(row.columns()[1].name, "v");
    }

    #[test]
    fn typed_cells_and_rows() {
        let cols: Arc<[ColumnSpec]> = vec![
            ColumnSpec::new("ks", "t", "k", ColumnType::Int),
            ColumnSpec::new("ks", "t", "v", ColumnType::Varchar),
        ]
        .into();
        let row = Row::new(cols.clone(), vec![Some(vec![0, 0, 0, 7]), None]);
        assert_eq!(row.get::<i32>("k"), Ok(7));
        assert_eq!(row.get::<Option<String>>("v"), Ok(None));
        assert_eq!(row.get_at::<Option<i32>>(0), Ok(Some(7)));
        assert_eq!(row.get::<i32>("x"), Err(DriverError::NoSuchColumn { name: "x".into() }));
        match row.get::<String>("v") {
            Err(DriverError::Value(ValueError::UnexpectedNull { column, .. })) => {
                assert_eq!(column.as_deref(), Some("v"))
            }
            other => panic!("{other:?}"),
        }
        match row.get::<String>("k") {
            Err(DriverError::Value(e @ ValueError::TypeMismatch { .. })) => assert_eq!(e.column(), Some("k")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(row.get_at::<i32>(5), Err(DriverError::Value(ValueError::ColumnCountMismatch { .. }))));

        struct KV {
            k: i32,
            v: Option<String>,
        }
        crate::impl_from_row!(KV { k, v });
        let result = QueryResult {
            rows: Some(vec![row.clone(), Row::new(cols.clone(), vec![Some(vec![0, 0, 0, 8]), Some(b"x".to_vec())])]),
            columns: cols,
            ..QueryResult::default()
        };
        let kvs: Vec<KV> = result.rows_typed().collect::<Result<_, _>>().expect("typed rows");
        assert_eq!(kvs.iter().map(|r| (r.k, r.v.clone())).collect::<Vec<_>>(), vec![(7, None), (8, Some("x".into()))]);
        let pairs: Vec<(i32, Option<String>)> = result.clone().into_rows_typed().expect("tuples");
        assert_eq!(pairs[1], (8, Some("x".into())));
        assert_eq!(result.first_row_typed::<(i32, Option<String>)>(), Some(Ok((7, None))));
        assert!(row.into_typed::<(i32, String)>().is_err());
    }
}
