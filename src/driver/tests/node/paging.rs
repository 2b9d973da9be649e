//! Paging over 10,000 rows: as a stream of rows and page by page.

use futures_util::StreamExt;

use crate::harness::{int, keyspace, to_int, Node};

const ROWS: i32 = 10_000;

async fn fill(session: &sibyl_driver::Session) {
    keyspace(session, "pg").await;
    session.query("CREATE TABLE t (p int, c int, v int, PRIMARY KEY (p, c))", ()).await.unwrap();
    let insert = session.prepare("INSERT INTO t (p, c, v) VALUES (?, ?, ?)").await.unwrap();
    // Concurrent inserts in chunks: many streams in flight on one connection.
    for chunk in (0..ROWS).collect::<Vec<_>>().chunks(500) {
        let mut tasks = Vec::new();
        for &c in chunk {
            let (session, insert) = (session.clone(), insert.clone());
            tasks.push(tokio::spawn(async move { session.execute(&insert, [int(0), int(c), int(c * 3)]).await }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
    }
}

#[tokio::test]
async fn execute_iter_streams_every_row_in_order() {
    let node = Node::start();
    let session = node.session().await;
    fill(&session).await;
    let select = session.prepare("SELECT c, v FROM t WHERE p = ?").await.unwrap().with_page_size(100);
    let mut rows = session.execute_iter(&select, [int(0)]);
    let mut expected = 0;
    while let Some(row) = rows.next().await {
        let row = row.unwrap();
        assert_eq!(to_int(row.raw(0)), expected, "rows arrive in clustering order");
        assert_eq!(to_int(row.raw(1)), expected * 3);
        expected += 1;
    }
    assert_eq!(expected, ROWS);

    // The same through query_iter with the session default page size.
    let all: Vec<_> = session.query_iter("SELECT c FROM t WHERE p = 0", ()).collect().await;
    assert_eq!(all.len(), ROWS as usize);
}

#[tokio::test]
async fn paged_calls_return_the_next_state() {
    let node = Node::start();
    let session = node.session().await;
    fill(&session).await;
    let select = session.prepare("SELECT c FROM t WHERE p = ?").await.unwrap().with_page_size(1000);
    let (mut state, mut pages, mut seen) = (None, 0, 0);
    loop {
        let (page, next) = session.execute_paged(&select, [int(0)], state).await.unwrap();
        assert!(page.rows().len() <= 1000);
        for row in page.rows() {
            assert_eq!(to_int(row.raw(0)), seen);
            seen += 1;
        }
        pages += 1;
        match next {
            Some(n) => state = Some(n),
            None => break,
        }
    }
    assert_eq!(seen, ROWS);
    assert!(pages >= 10, "{pages} pages");

    let stmt = sibyl_driver::Statement::new("SELECT c FROM t WHERE p = 0").with_page_size(7);
    let (page, next) = session.query_paged(stmt.clone(), (), None).await.unwrap();
    assert_eq!(page.rows().len(), 7);
    let (page2, _) = session.query_paged(stmt, (), next).await.unwrap();
    assert_eq!(to_int(page2.rows()[0].raw(0)), 7);
}
