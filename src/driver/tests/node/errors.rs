//! Server errors arrive as typed variants with their fields.

use sibyl_driver::DriverError;

use crate::harness::{keyspace, Node};

#[tokio::test]
async fn server_errors_are_typed() {
    let node = Node::start();
    let session = node.session().await;
    keyspace(&session, "errs").await;

    let err = session.query("SELECT * FROM no_such_table", ()).await.unwrap_err();
    assert!(matches!(err, DriverError::Invalid(_)), "{err:?}");
    assert_eq!(err.code(), Some(0x2200));

    let err = session.query("SELEKT nonsense", ()).await.unwrap_err();
    assert!(matches!(err, DriverError::Syntax(_)), "{err:?}");

    session.query("CREATE TABLE t (k int PRIMARY KEY)", ()).await.unwrap();
    let err = session.query("CREATE TABLE t (k int PRIMARY KEY)", ()).await.unwrap_err();
    match err {
        DriverError::AlreadyExists { keyspace, table, .. } => {
            assert_eq!((keyspace.as_str(), table.as_str()), ("errs", "t"));
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    let err = session
        .query("CREATE KEYSPACE errs WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", ())
        .await
        .unwrap_err();
    match err {
        DriverError::AlreadyExists { keyspace, table, .. } => {
            assert_eq!((keyspace.as_str(), table.as_str()), ("errs", ""));
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }

    let err = session.prepare("SELECT * FROM missing").await.unwrap_err();
    assert!(matches!(err, DriverError::Invalid(_)), "{err:?}");

    // The connection is still fine after errors.
    session.query("SELECT k FROM t", ()).await.unwrap();
}
