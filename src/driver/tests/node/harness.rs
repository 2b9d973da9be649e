//! A real `sibyl` node process per test (sibyl-testkit: 127.0.0.1, a free port, a temporary
//! data directory, restartable on the same port and data, stopped by pid on drop, its log
//! printed when a test fails), plus sessions to it.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use sibyl_driver::{Session, SessionBuilder};
use sibyl_testkit::NodeProcess;

pub struct Node(NodeProcess);

impl Node {
    pub fn start() -> Node {
        Node(NodeProcess::options().prefix("sibyl-driver-").start())
    }

    pub fn builder(&self) -> SessionBuilder {
        SessionBuilder::new().known_node_addr(self.addr).request_timeout(Duration::from_secs(30))
    }

    pub async fn session(&self) -> Session {
        self.builder().build().await.expect("connect")
    }
}

impl Deref for Node {
    type Target = NodeProcess;

    fn deref(&self) -> &NodeProcess {
        &self.0
    }
}

impl DerefMut for Node {
    fn deref_mut(&mut self) -> &mut NodeProcess {
        &mut self.0
    }
}

/// Creates keyspace `ks` (RF 1) and switches the session to it.
pub async fn keyspace(session: &Session, ks: &str) {
    session
        .query(
            format!("CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"),
            (),
        )
        .await
        .expect("create keyspace");
    session.use_keyspace(ks).await.expect("use keyspace");
}

pub fn int(v: i32) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

pub fn to_int(cell: Option<&[u8]>) -> i32 {
    i32::from_be_bytes(cell.expect("non-null int").try_into().expect("4 bytes"))
}
