//! Simple and prepared statements with raw serialized values, and statement options.

use sibyl_driver::{BoundValues, Consistency, Statement, Value};

use crate::harness::{int, keyspace, to_int, Node};

#[tokio::test]
async fn simple_statements_with_bound_values() {
    let node = Node::start();
    let session = node.session().await;
    keyspace(&session, "simple").await;
    session.query("CREATE TABLE t (k int PRIMARY KEY, v text, n int)", ()).await.unwrap();
    let values = BoundValues::new().with(int(1)).with("one").with_null();
    session.query("INSERT INTO t (k, v, n) VALUES (?, ?, ?)", values).await.unwrap();
    let result = session.query("SELECT k, v, n FROM t WHERE k = ?", vec![int(1)]).await.unwrap();
    let row = result.first_row().expect("a row");
    assert_eq!(to_int(row.raw_by_name("k")), 1);
    assert_eq!(row.raw_by_name("v"), Some(&b"one"[..]));
    assert_eq!(row.raw_by_name("n"), None);
    assert_eq!(result.columns.len(), 3);
    assert!(!result.has_more_pages());
}

#[tokio::test]
async fn prepared_statements_bind_and_cache() {
    let node = Node::start();
    let session = node.session().await;
    keyspace(&session, "prep").await;
    session.query("CREATE TABLE t (p int, c int, v text, PRIMARY KEY (p, c))", ()).await.unwrap();
    let insert = session.prepare("INSERT INTO t (p, c, v) VALUES (?, ?, ?)").await.unwrap();
    assert_eq!(insert.bind_specs().len(), 3);
    assert_eq!(insert.bind_specs()[0].name, "p");
    assert_eq!(insert.pk_indexes(), &[0]);
    assert_eq!(insert.table(), Some("t"));
    // Cached by text: the same id, without a round trip.
    let again = session.prepare("INSERT INTO t (p, c, v) VALUES (?, ?, ?)").await.unwrap();
    assert_eq!(again.id(), insert.id());

    for c in 0..5 {
        let v =
            BoundValues::positional(vec![Value::Set(int(7)), Value::Set(int(c)), Value::Set(format!("v{c}").into())]);
        session.execute(&insert, v).await.unwrap();
    }
    let select = session.prepare("SELECT c, v FROM t WHERE p = ?").await.unwrap().with_consistency(Consistency::One);
    assert_eq!(select.result_specs().iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["c", "v"]);
    let result = session.execute(&select, [int(7)]).await.unwrap();
    let got: Vec<(i32, Vec<u8>)> =
        result.rows().iter().map(|r| (to_int(r.raw(0)), r.raw(1).unwrap().to_vec())).collect();
    assert_eq!(got, (0..5).map(|c| (c, format!("v{c}").into_bytes())).collect::<Vec<_>>());

    // Wrong number of values is caught before sending.
    let err = session.execute(&select, ()).await.unwrap_err();
    assert!(matches!(err, sibyl_driver::DriverError::InvalidArgument(_)), "{err:?}");
}

#[tokio::test]
async fn timestamps_and_unset_values() {
    let node = Node::start();
    let session = node.session().await;
    keyspace(&session, "opts").await;
    session.query("CREATE TABLE t (k int PRIMARY KEY, a int, b int)", ()).await.unwrap();
    let insert = session.prepare("INSERT INTO t (k, a, b) VALUES (?, ?, ?)").await.unwrap();
    session.execute(&insert.clone().with_timestamp(1_000), [int(1), int(10), int(20)]).await.unwrap();
    // An older write loses; unset leaves b alone.
    session.execute(&insert.clone().with_timestamp(500), [int(1), int(99), int(99)]).await.unwrap();
    session
        .execute(&insert.clone().with_timestamp(2_000), BoundValues::new().with(int(1)).with(int(11)).with_unset())
        .await
        .unwrap();
    let result = session.query(Statement::new("SELECT a, b, writetime(a) FROM t WHERE k = 1"), ()).await.unwrap();
    let row = result.first_row().unwrap();
    assert_eq!(to_int(row.raw(0)), 11);
    assert_eq!(to_int(row.raw(1)), 20);
    assert_eq!(i64::from_be_bytes(row.raw(2).unwrap().try_into().unwrap()), 2_000);
}
