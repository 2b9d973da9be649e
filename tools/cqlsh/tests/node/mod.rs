//! A real `sibyl` node process per test (sibyl-testkit: 127.0.0.1, a free port, a temporary
//! directory, stopped by pid on drop), and the `sibyl-cqlsh` binary run against it.

use std::io::Write;
use std::ops::Deref;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use sibyl_testkit::NodeProcess;

pub struct Node(NodeProcess);

impl Deref for Node {
    type Target = NodeProcess;

    fn deref(&self) -> &NodeProcess {
        &self.0
    }
}

/// What one `sibyl-cqlsh` run printed.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

impl Node {
    pub fn start() -> Node {
        Node(NodeProcess::options().prefix("sibyl-cqlsh-").start())
    }

    /// Runs `sibyl-cqlsh <host> <port> args...` with `stdin` piped in (or /dev/null), in the
    /// node's temp dir, with an empty HOME.
    pub fn cqlsh(&self, args: &[&str], stdin: Option<&str>) -> Run {
        let home = self.dir().join("home");
        std::fs::create_dir_all(&home).expect("home");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sibyl-cqlsh"));
        cmd.arg(self.addr.ip().to_string())
            .arg(self.addr.port().to_string())
            .args(["--connect-timeout", "20", "--request-timeout", "60"])
            .args(args)
            .current_dir(self.dir())
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

    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir().join(name);
        std::fs::write(&path, text).expect("write file");
        path
    }
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
