//! A `sibyl` node process for the client-compatibility tests.
//!
//! [`NodeProcess::start`] runs the real binary (`target/<profile>/sibyl`, or `$SIBYL_BIN`) on
//! 127.0.0.1 and a free port with a temporary data directory, and waits until it accepts
//! connections. Its stderr goes to a file; the guard's `Drop` sends SIGTERM, kills the process
//! if it has not exited within a few seconds, and, when the test is panicking, prints the tail
//! of the node's log and keeps the data directory for inspection.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long a starting node gets to accept its first connection.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a node gets to exit after SIGTERM before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// Log lines printed when a test fails.
const LOG_TAIL_LINES: usize = 80;

/// A running `sibyl` process, stopped when dropped.
pub struct NodeProcess {
    child: Option<Child>,
    /// The address CQL clients connect to.
    pub addr: SocketAddr,
    dir: Option<tempfile::TempDir>,
    log_path: PathBuf,
}

impl NodeProcess {
    /// Starts a one-node cluster called `cluster_name` and waits until it accepts connections.
    pub fn start(cluster_name: &str) -> NodeProcess {
        let bin = sibyl_bin();
        let mut last_failure = String::new();
        // A free port is found by binding port 0 and closing it again; another process can
        // take it in between, so a node that fails to listen is retried on a new port.
        for _attempt in 0..3 {
            let dir = tempfile::Builder::new().prefix("sibyl-compat-").tempdir().expect("temp dir");
            let port = free_port();
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            let log_path = dir.path().join("node.log");
            let log = File::create(&log_path).expect("node log file");
            let child = Command::new(bin)
                .arg("--data-dir")
                .arg(dir.path().join("node"))
                .arg("--listen-address")
                .arg("127.0.0.1")
                .arg("--native-transport-port")
                .arg(port.to_string())
                .arg("--cluster-name")
                .arg(cluster_name)
                .env("RUST_LOG", std::env::var("SIBYL_LOG").unwrap_or_else(|_| "info".into()))
                .env("NO_COLOR", "1")
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log handle"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let mut node = NodeProcess { child: Some(child), addr, dir: Some(dir), log_path };
            match node.wait_until_accepting() {
                Ok(()) => return node,
                Err(e) => {
                    last_failure = format!("{e}\n--- node log ---\n{}", node.log_tail(LOG_TAIL_LINES));
                    // Dropping `node` stops the process (not panicking: the directory goes too).
                }
            }
        }
        panic!("sibyl did not start: {last_failure}");
    }

    fn wait_until_accepting(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!("sibyl exited during start-up with {status}"));
                }
            }
            if TcpStream::connect_timeout(&self.addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("sibyl did not accept connections on {} within {START_TIMEOUT:?}", self.addr));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The last `lines` lines of the node's stdout and stderr.
    pub fn log_tail(&self, lines: usize) -> String {
        let Ok(mut f) = File::open(&self.log_path) else {
            return format!("(no log at {})", self.log_path.display());
        };
        // Enough for any reasonable tail without reading a huge log whole.
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let start = len.saturating_sub(256 * 1024);
        let _ = f.seek(SeekFrom::Start(start));
        let mut buf = Vec::new();
        let _ = f.read_to_end(&mut buf);
        let text = String::from_utf8_lossy(&buf);
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// The whole log of the node so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// SIGTERM, then wait for the exit (killing the process after [`STOP_TIMEOUT`]). Returns the
    /// exit status, or `None` if the process had to be killed.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        let mut child = self.child.take()?;
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        let pid = libc::pid_t::try_from(child.id()).expect("pid fits pid_t");
        // SAFETY: kill(2) with the id of our own child, which has not been reaped yet (so the
        // id cannot have been reused).
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + STOP_TIMEOUT;
        while Instant::now() < deadline {
            match child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let panicking = std::thread::panicking();
        let stopped = self.stop();
        if panicking {
            let tail = self.log_tail(LOG_TAIL_LINES);
            let dir = self.dir.take().map(tempfile::TempDir::keep);
            eprintln!(
                "--- sibyl node {} (stopped: {stopped:?}; data and log kept in {:?}) last {LOG_TAIL_LINES} log lines ---\n{tail}\n--- end of node log ---",
                self.addr, dir
            );
        }
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// The `sibyl` binary: `$SIBYL_BIN`, or `sibyl` next to this test's profile directory
/// (`target/debug/deps/integration-…` → `target/debug/sibyl`), built with cargo if missing.
pub fn sibyl_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("SIBYL_BIN") {
            let bin = PathBuf::from(bin);
            assert!(bin.is_file(), "SIBYL_BIN={} is not a file", bin.display());
            return bin;
        }
        let exe = std::env::current_exe().expect("current exe");
        let deps = exe.parent().expect("test binary directory");
        let profile_dir = if deps.file_name().is_some_and(|n| n == "deps") { deps.parent() } else { Some(deps) };
        let profile_dir = profile_dir.expect("profile directory");
        let bin = profile_dir.join(format!("sibyl{}", std::env::consts::EXE_SUFFIX));
        if !bin.is_file() {
            build_sibyl(profile_dir);
        }
        assert!(bin.is_file(), "{} does not exist after building it", bin.display());
        bin
    })
}

fn build_sibyl(profile_dir: &Path) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace).args(["build", "-p", "sibyl-node", "--bin", "sibyl"]);
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        cmd.arg("--release");
    }
    // target/<profile> → target, so the binary lands where the test looks for it.
    if let Some(target_dir) = profile_dir.parent() {
        cmd.arg("--target-dir").arg(target_dir);
    }
    eprintln!("compat: {} is missing; running {cmd:?}", profile_dir.join("sibyl").display());
    let status = cmd.status().expect("run cargo build");
    assert!(status.success(), "cargo build -p sibyl-node --bin sibyl failed: {status}");
}
