//! A real `sibyl` node process per test: started on 127.0.0.1 and a free port with a
//! temporary data directory, restartable on the same port and data, stopped on drop
//! (SIGTERM, then kill). The node's log is printed when a test fails.
//!
//! The binary is `$SIBYL_BIN`, or `target/<profile>/sibyl` next to the test binary; build it
//! first with `cargo build -p sibyl-node --bin sibyl` (the driver does not depend on the node).

use std::fs::File;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sibyl_driver::{Session, SessionBuilder};

const START_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Node {
    child: Option<Child>,
    pub addr: SocketAddr,
    dir: Option<tempfile::TempDir>,
}

impl Node {
    pub fn start() -> Node {
        let dir = tempfile::Builder::new().prefix("sibyl-driver-").tempdir().expect("temp dir");
        let mut last = String::new();
        for _ in 0..3 {
            let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
            let mut node = Node { child: None, addr, dir: None };
            match node.spawn(dir.path()) {
                Ok(()) => {
                    node.dir = Some(dir);
                    return node;
                }
                Err(e) => last = e,
            }
        }
        panic!("sibyl did not start: {last}");
    }

    fn spawn(&mut self, dir: &std::path::Path) -> Result<(), String> {
        let log = File::options().create(true).append(true).open(dir.join("node.log")).expect("log file");
        let child = Command::new(sibyl_bin())
            .arg("--data-dir")
            .arg(dir.join("node"))
            .arg("--listen-address")
            .arg("127.0.0.1")
            .arg("--native-transport-port")
            .arg(self.addr.port().to_string())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", sibyl_bin().display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                self.child = None;
                return Err(format!("sibyl exited during start-up with {status}"));
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.stop();
                return Err(format!("no connection accepted on {} within {START_TIMEOUT:?}", self.addr));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the process (SIGTERM, kill after a timeout) and starts it again on the same
    /// port and data directory.
    pub fn restart(&mut self) {
        self.stop();
        let dir = self.dir.as_ref().expect("data dir").path().to_path_buf();
        self.spawn(&dir).unwrap_or_else(|e| panic!("restart failed: {e}\n{}", self.log()));
    }

    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        let pid = libc::pid_t::try_from(child.id()).expect("pid fits pid_t");
        // SAFETY: kill(2) on our own child, not yet reaped, so the pid cannot have been reused.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            match child.try_wait() {
                Ok(Some(_)) => return,
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    pub fn log(&self) -> String {
        self.dir
            .as_ref()
            .map(|d| std::fs::read_to_string(d.path().join("node.log")).unwrap_or_default())
            .unwrap_or_default()
    }

    pub fn builder(&self) -> SessionBuilder {
        SessionBuilder::new().known_node_addr(self.addr).request_timeout(Duration::from_secs(30))
    }

    pub async fn session(&self) -> Session {
        self.builder().build().await.expect("connect")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            eprintln!("--- sibyl node {} log tail ---", self.addr);
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn sibyl_bin() -> PathBuf {
    if let Some(bin) = std::env::var_os("SIBYL_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("current exe");
    let deps = exe.parent().expect("deps dir");
    let profile = if deps.file_name().is_some_and(|n| n == "deps") { deps.parent().expect("profile") } else { deps };
    let bin = profile.join(format!("sibyl{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build -p sibyl-node --bin sibyl` first (or set SIBYL_BIN)",
        bin.display()
    );
    bin
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
