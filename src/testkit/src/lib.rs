//! Test support: a real `sibyl` node process per test.
//!
//! [`NodeProcess::start`] runs the node binary ([`sibyl_bin`]) on a loopback address and a free
//! port with a temporary data directory, and waits until it accepts CQL connections. Its
//! stdout and stderr go to `node.log` in that directory. The process is stopped by pid
//! (SIGTERM, then SIGKILL after a timeout) by [`NodeProcess::stop`] or on drop, also when the
//! test fails; a failing test gets the tail of the node's log on stderr and keeps the data
//! directory for inspection. [`NodeProcess::restart`] starts it again on the same address and
//! data.
//!
//! Tests only: panics (with the node's log) instead of returning errors.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long a starting node gets to accept its first connection.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a node gets to exit after SIGTERM before it is killed.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// Log lines printed when a test fails.
const LOG_TAIL_LINES: usize = 80;

/// How to start a node.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    /// The loopback address the node listens on (127.0.0.1 unless set).
    pub listen: IpAddr,
    /// `--cluster-name`, when set.
    pub cluster_name: Option<String>,
    /// Prefix of the temporary directory's name.
    pub prefix: String,
    /// More command-line arguments.
    pub args: Vec<String>,
}

impl Default for NodeOptions {
    fn default() -> Self {
        NodeOptions {
            listen: IpAddr::V4(Ipv4Addr::LOCALHOST),
            cluster_name: None,
            prefix: "sibyl-test-".into(),
            args: Vec::new(),
        }
    }
}

impl NodeOptions {
    pub fn cluster_name(mut self, name: impl Into<String>) -> Self {
        self.cluster_name = Some(name.into());
        self
    }

    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Starts the node and waits until it accepts connections.
    pub fn start(self) -> NodeProcess {
        NodeProcess::start_with(self)
    }
}

/// A running `sibyl` process, stopped when dropped.
#[derive(Debug)]
pub struct NodeProcess {
    child: Option<Child>,
    /// The address CQL clients connect to.
    pub addr: SocketAddr,
    dir: Option<tempfile::TempDir>,
    options: NodeOptions,
}

impl NodeProcess {
    /// A one-node cluster on 127.0.0.1 and a free port.
    pub fn start() -> NodeProcess {
        NodeOptions::default().start()
    }

    /// Options to start a node with ([`NodeOptions::start`]).
    pub fn options() -> NodeOptions {
        NodeOptions::default()
    }

    fn start_with(options: NodeOptions) -> NodeProcess {
        let mut last_failure = String::new();
        // A free port is found by binding port 0 and closing it again; another process can
        // take it in between, so a node that fails to listen is retried on a new port.
        for _attempt in 0..3 {
            let dir = tempfile::Builder::new().prefix(&options.prefix).tempdir().expect("temp dir");
            let addr = SocketAddr::new(options.listen, free_port(options.listen));
            let mut node = NodeProcess { child: None, addr, dir: Some(dir), options: options.clone() };
            match node.spawn() {
                Ok(()) => return node,
                Err(e) => {
                    last_failure = format!("{e}\n--- node log ---\n{}", node.log_tail(LOG_TAIL_LINES));
                    node.stop();
                    // Not panicking: dropping `node` removes the directory.
                }
            }
        }
        panic!("sibyl did not start: {last_failure}");
    }

    fn spawn(&mut self) -> Result<(), String> {
        let bin = sibyl_bin();
        let log = File::options().create(true).append(true).open(self.log_path()).expect("node log file");
        let mut cmd = Command::new(bin);
        cmd.arg("--data-dir")
            .arg(self.dir().join("node"))
            .arg("--listen-address")
            .arg(self.addr.ip().to_string())
            .arg("--native-transport-port")
            .arg(self.addr.port().to_string());
        if let Some(name) = &self.options.cluster_name {
            cmd.arg("--cluster-name").arg(name);
        }
        let child = cmd
            .args(&self.options.args)
            .env("RUST_LOG", std::env::var("SIBYL_LOG").unwrap_or_else(|_| "info".into()))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        self.child = Some(child);
        self.wait_until_accepting()
    }

    fn wait_until_accepting(&mut self) -> Result<(), String> {
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
                return Err(format!("sibyl did not accept connections on {} within {START_TIMEOUT:?}", self.addr));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops the process and starts it again on the same address and data directory.
    pub fn restart(&mut self) {
        self.stop();
        if let Err(e) = self.spawn() {
            panic!("restart failed: {e}\n--- node log ---\n{}", self.log_tail(LOG_TAIL_LINES));
        }
    }

    /// SIGTERM, then wait for the exit (killing the process after [`STOP_TIMEOUT`]). Returns the
    /// exit status, or `None` if the process had to be killed or was not running.
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

    /// The process id while the node runs (e.g. to pause it with SIGSTOP).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The node's temporary directory (its data is in `node/`, its log in `node.log`).
    pub fn dir(&self) -> &Path {
        self.dir.as_ref().map(tempfile::TempDir::path).expect("the directory lives as long as the node")
    }

    fn log_path(&self) -> PathBuf {
        self.dir().join("node.log")
    }

    /// The whole log of the node so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// The last `lines` lines of the node's log.
    pub fn log_tail(&self, lines: usize) -> String {
        let Ok(mut f) = File::open(self.log_path()) else {
            return format!("(no log at {})", self.log_path().display());
        };
        // Enough for any reasonable tail without reading a huge log whole.
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = f.seek(SeekFrom::Start(len.saturating_sub(256 * 1024)));
        let mut buf = Vec::new();
        let _ = f.read_to_end(&mut buf);
        let text = String::from_utf8_lossy(&buf);
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let stopped = self.stop();
        if std::thread::panicking() {
            let tail = self.log_tail(LOG_TAIL_LINES);
            let dir = self.dir.take().map(tempfile::TempDir::keep);
            eprintln!(
                "--- sibyl node {} (stopped: {stopped:?}; data and log kept in {dir:?}) last {LOG_TAIL_LINES} log lines ---\n{tail}\n--- end of node log ---",
                self.addr
            );
        }
    }
}

/// A port nothing listens on at `ip` right now.
pub fn free_port(ip: IpAddr) -> u16 {
    let listener = TcpListener::bind((ip, 0)).expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// The `sibyl` binary: `$SIBYL_BIN`, or `sibyl` in the test binary's profile directory
/// (`target/debug/deps/x-…` → `target/debug/sibyl`), built with cargo if missing.
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
    // src/testkit → the workspace root.
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("workspace root");
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
    eprintln!("testkit: {} is missing; running {cmd:?}", profile_dir.join("sibyl").display());
    let status = cmd.status().expect("run cargo build");
    assert!(status.success(), "cargo build -p sibyl-node --bin sibyl failed: {status}");
}
