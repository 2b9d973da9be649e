//! A real `sibyl` node process per test (127.0.0.1, a free port, a temporary data directory),
//! stopped by pid on drop, and the `sibyl-cqlsh` binary run against it.
//!
//! The node binary is `$SIBYL_BIN`, or `target/<profile>/sibyl` next to the test binary: build
//! it first with `cargo build -p sibyl-node --bin sibyl`.

use std::fs::File;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const START_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

pub struct Node {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
}

/// What one `sibyl-cqlsh` run printed.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

impl Node {
    pub fn start() -> Node {
        let dir = tempfile::Builder::new().prefix("sibyl-cqlsh-").tempdir().expect("temp dir");
        let mut last = String::new();
        for _ in 0..3 {
            let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
            match spawn(dir.path(), addr) {
                Ok(child) => return Node { child: Some(child), addr, dir },
                Err(e) => last = e,
            }
        }
        panic!("sibyl did not start: {last}");
    }

    /// Runs `sibyl-cqlsh <host> <port> args...` with `stdin` piped in (or /dev/null), in the
    /// node's temp dir, with an empty HOME.
    pub fn cqlsh(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let home = self.dir.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sibyl-cqlsh"));
        cmd.arg(self.addr.ip().to_string())
            .arg(self.addr.port().to_string())
            .args(["--connect-timeout", "20", "--request-timeout", "60"])
            .args(args)
            .current_dir(self.dir.path())
            .env("HOME", &home)
            .env_remove("CQLSH_HOST")
            .env_remove("CQLSH_PORT")
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run sibyl-cqlsh");
        if let Some(input) = stdin {
            let mut pipe = child.stdin.take().expect("stdin");
            pipe.write_all(input.as_bytes()).expect("write stdin");
        }
        let output = child.wait_with_output().expect("sibyl-cqlsh output");
        Run {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code(),
        }
    }

    /// Runs and requires success with nothing on stderr.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.cqlsh(args, None);
        assert!(
            run.code == Some(0) && run.stderr.is_empty(),
            "cqlsh failed ({:?}):\n{}\n{}",
            run.code,
            run.stdout,
            run.stderr
        );
        run.stdout
    }

    /// The node's process id (to pause it with SIGSTOP in a test).
    #[allow(dead_code, reason = "used by some test binaries only")]
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write file");
        path
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("node.log")).unwrap_or_default()
    }
}

fn spawn(dir: &Path, addr: SocketAddr) -> Result<Child, String> {
    let log = File::options().create(true).append(true).open(dir.join("node.log")).expect("log file");
    let mut child = Command::new(sibyl_bin())
        .arg("--data-dir")
        .arg(dir.join("node"))
        .arg("--listen-address")
        .arg("127.0.0.1")
        .arg("--native-transport-port")
        .arg(addr.port().to_string())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", sibyl_bin().display()))?;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("sibyl exited during start-up with {status}"));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(child);
        }
        if Instant::now() > deadline {
            stop(child);
            return Err(format!("no connection accepted on {addr} within {START_TIMEOUT:?}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stop(mut child: Child) {
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

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            stop(child);
        }
        if std::thread::panicking() {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
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

/// cqlsh output compared as tests/compat/test_cqlsh.py does: trailing whitespace of each line
/// and blank lines at both ends ignored.
pub fn norm(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').map(str::trim_end).collect();
    lines.join("\n").trim_matches('\n').to_string()
}

pub fn dedent(text: &str) -> String {
    let indent =
        text.lines().filter(|l| !l.trim().is_empty()).map(|l| l.len() - l.trim_start().len()).min().unwrap_or(0);
    text.lines().map(|l| if l.len() >= indent { &l[indent..] } else { l.trim_start() }).collect::<Vec<_>>().join("\n")
}

#[track_caller]
pub fn check(actual: &str, expected: &str) {
    let expected = norm(&dedent(expected));
    let actual = norm(actual);
    assert!(actual == expected, "cqlsh output differs.\n--- expected\n{expected}\n--- actual\n{actual}");
}

pub fn keyspace_cql(ks: &str) -> String {
    format!("CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}};")
}
