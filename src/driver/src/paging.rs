//! [`RowStream`]: the rows of a statement, page by page, fetched on demand.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{self, Stream};

use crate::error::DriverError;
use crate::row::{PagingState, Row};
use crate::session::Session;
use crate::statement::{BoundValues, PreparedStatement, Statement};

/// What a [`RowStream`] pages through.
#[derive(Debug, Clone)]
pub(crate) enum PagedTarget {
    Query(Statement),
    Prepared(PreparedStatement),
}

/// Where the pager is.
struct Pager {
    session: Session,
    target: PagedTarget,
    values: BoundValues,
    page_size: i32,
    rows: std::vec::IntoIter<Row>,
    next: Option<PagingState>,
    done: bool,
}

impl Pager {
    /// Fetches the next page into `rows`.
    async fn fetch(&mut self) -> Result<(), DriverError> {
        let state = self.next.take();
        let page_size = Some(self.page_size);
        let result = match &self.target {
            PagedTarget::Query(s) => self.session.query_page(s, self.values.clone(), page_size, state).await?,
            PagedTarget::Prepared(p) => self.session.execute_page(p, self.values.clone(), page_size, state).await?,
        };
        self.next = result.paging_state.clone();
        self.done = self.next.is_none();
        self.rows = result.into_rows().into_iter();
        Ok(())
    }
}

/// A stream of rows that requests the next page when the current one is used up (one page in
/// flight at a time; the server's page size bounds memory). An error ends the stream.
///
/// Use it with `futures_util::StreamExt` (`next`, `try_collect`...); it is `Unpin`.
pub struct RowStream {
    inner: Pin<Box<dyn Stream<Item = Result<Row, DriverError>> + Send>>,
}

impl RowStream {
    pub(crate) fn new(session: Session, target: PagedTarget, values: BoundValues) -> Self {
        let options = match &target {
            PagedTarget::Query(s) => s.options(),
            PagedTarget::Prepared(p) => p.options(),
        };
        let page_size = options.page_size.filter(|n| *n > 0).unwrap_or(session.config().page_size);
        let pager = Pager { session, target, values, page_size, rows: Vec::new().into_iter(), next: None, done: false };
        let inner = stream::unfold(pager, |mut pager| async move {
            loop {
                if let Some(row) = pager.rows.next() {
                    return Some((Ok(row), pager));
                }
                if pager.done {
                    return None;
                }
                // A page may be empty yet not the last: keep fetching.
                if let Err(e) = pager.fetch().await {
                    pager.done = true;
                    return Some((Err(e), pager));
                }
            }
        });
        RowStream { inner: Box::pin(inner) }
    }
}

impl Stream for RowStream {
    type Item = Result<Row, DriverError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl std::fmt::Debug for RowStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStream").finish_non_exhaustive()
    }
}
