//! Logged, unlogged and counter batches of simple and prepared statements.

use sibyl_driver::{Batch, BoundValues, DriverError};

use crate::harness::{int, keyspace, to_int, Node};

#[tokio::test]
async fn batches_apply_every_statement() {
    let node = Node::start();
    let session = node.session().await;
    keyspace(&session, "bat").await;
    session.query("CREATE TABLE t (k int PRIMARY KEY, v text)", ()).await.unwrap();
    session.query("CREATE TABLE c (k int PRIMARY KEY, n counter)", ()).await.unwrap();
    let insert = session.prepare("INSERT INTO t (k, v) VALUES (?, ?)").await.unwrap();

    let batch = Batch::logged()
        .with_statement(&insert)
        .with_statement(&insert)
        .with_statement("INSERT INTO t (k, v) VALUES (?, 'three')");
    let values = vec![
        BoundValues::new().with(int(1)).with("one"),
        BoundValues::new().with(int(2)).with("two"),
        BoundValues::new().with(int(3)),
    ];
    session.batch(&batch, values).await.unwrap();

    let unlogged = Batch::unlogged().with_statement("DELETE FROM t WHERE k = 1").with_statement(&insert);
    session.batch(&unlogged, [BoundValues::new(), BoundValues::new().with(int(4)).with("four")]).await.unwrap();

    let counter = Batch::counter()
        .with_statement("UPDATE c SET n = n + 5 WHERE k = 1")
        .with_statement("UPDATE c SET n = n + 2 WHERE k = 1");
    session.batch(&counter, [(), ()]).await.unwrap();

    let rows = session.query("SELECT k, v FROM t", ()).await.unwrap();
    let mut got: Vec<(i32, Vec<u8>)> =
        rows.rows().iter().map(|r| (to_int(r.raw(0)), r.raw(1).unwrap().to_vec())).collect();
    got.sort();
    assert_eq!(got, vec![(2, b"two".to_vec()), (3, b"three".to_vec()), (4, b"four".to_vec())]);
    let n = session.query("SELECT n FROM c WHERE k = 1", ()).await.unwrap();
    assert_eq!(i64::from_be_bytes(n.rows()[0].raw(0).unwrap().try_into().unwrap()), 7);

    let err = session.batch(&batch, [BoundValues::new()]).await.unwrap_err();
    assert!(matches!(err, DriverError::InvalidArgument(_)), "{err:?}");
}
