//! The interactive shell on a pseudo-terminal: prompts, continuation lines, `---MORE---`
//! between pages and the tty result layout, compared with what cqlsh 6.2.2 printed for the same
//! keystrokes against sibyl (minus its history notice).

#[allow(dead_code)]
mod node;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use node::{keyspace_cql, Node};

fn openpty() -> (File, File) {
    let (mut master, mut slave): (RawFd, RawFd) = (-1, -1);
    // SAFETY: openpty writes two new descriptors into the out-pointers; the name and termios
    // and window arguments may be null.
    let rc =
        unsafe { libc::openpty(&mut master, &mut slave, std::ptr::null_mut(), std::ptr::null(), std::ptr::null()) };
    assert_eq!(rc, 0, "openpty failed");
    // SAFETY: both descriptors were just opened and are owned by nothing else.
    unsafe { (File::from_raw_fd(master), File::from_raw_fd(slave)) }
}

/// A child process killed (by pid) when the test ends, however it ends.
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

#[test]
fn interactive_session_like_cqlsh() {
    let node = Node::start();
    let values: String = (0..5).map(|i| format!("INSERT INTO d1.pg (p, c) VALUES (0, {i});")).collect();
    node.ok(&[
        "-e",
        &format!("{} CREATE TABLE d1.pg (p int, c int, PRIMARY KEY (p, c)); {values}", keyspace_cql("d1")),
    ]);

    let (mut master, slave) = openpty();
    let mut child = Stopped(
        Command::new(env!("CARGO_BIN_EXE_sibyl-cqlsh"))
            .arg("127.0.0.1")
            .arg(node.addr.port().to_string())
            .env("HOME", node.dir())
            .env("TERM", "dumb")
            .stdin(Stdio::from(slave.try_clone().expect("dup")))
            .stdout(Stdio::from(slave.try_clone().expect("dup")))
            .stderr(Stdio::from(slave))
            .spawn()
            .expect("run sibyl-cqlsh"),
    );
    let mut reader = master.try_clone().expect("dup master");
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut output = String::new();
    // Waits for `suffix` at the end of what came after byte `from` (the echo of the last line
    // typed comes first, so an old prompt never counts).
    let wait_for = |output: &mut String, from: usize, suffix: &str| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !(output.len() > from && output.ends_with(suffix)) {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(chunk) => output.push_str(&String::from_utf8_lossy(&chunk).replace("\r\n", "\n")),
                Err(_) => panic!("no {suffix:?} in:\n{output}"),
            }
        }
    };
    let steps = [
        ("cqlsh> ", "USE d1;"),
        ("cqlsh:d1> ", "SELECT c FROM pg"),
        ("  ... ", "WHERE p = 0 AND c = 1;"),
        ("cqlsh:d1> ", "PAGING 2"),
        ("cqlsh:d1> ", "SELECT c FROM pg WHERE p = 0 LIMIT 5;"),
        ("---MORE---", ""),
        ("---MORE---", ""),
        ("cqlsh:d1> ", "EXPAND ON"),
        ("cqlsh:d1> ", "SELECT c FROM pg WHERE p = 0 LIMIT 3;"),
        ("---MORE---", ""),
        ("cqlsh:d1> ", "SELECT nope FROM pg;"),
        ("cqlsh:d1> ", "EXIT"),
    ];
    let mut from = 0;
    for (prompt, line) in steps {
        wait_for(&mut output, from, prompt);
        from = output.len() + line.len() + 1;
        master.write_all(format!("{line}\n").as_bytes()).expect("type");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.0.try_wait().expect("wait").is_none() {
        assert!(Instant::now() < deadline, "sibyl-cqlsh did not exit:\n{output}");
        std::thread::sleep(Duration::from_millis(20));
    }
    while let Ok(chunk) = rx.recv_timeout(Duration::from_millis(200)) {
        output.push_str(&String::from_utf8_lossy(&chunk).replace("\r\n", "\n"));
    }
    let expected = format!(
        "Connected to Test Cluster at 127.0.0.1:{}
[cqlsh 6.2.2 | Cassandra 5.0.0 | CQL spec 3.4.7 | Native protocol v4]
Use HELP for help.
cqlsh> USE d1;
cqlsh:d1> SELECT c FROM pg
      ... WHERE p = 0 AND c = 1;

 c
---
 1

(1 rows)
cqlsh:d1> PAGING 2
Page size: 2
cqlsh:d1> SELECT c FROM pg WHERE p = 0 LIMIT 5;

 c
---
 0
 1

---MORE---
 c
---
 2
 3

---MORE---
 c
---
 4

(5 rows)
cqlsh:d1> EXPAND ON
EXPAND set to ON
cqlsh:d1> SELECT c FROM pg WHERE p = 0 LIMIT 3;

@ Row 1
---+---
 c | 0

@ Row 2
---+---
 c | 1

---MORE---
@ Row 3
---+---
 c | 2

(3 rows)
cqlsh:d1> SELECT nope FROM pg;
InvalidRequest: Error from server: code=2200 [Invalid query] message=\"Undefined column name nope in table d1.pg\"
cqlsh:d1> EXIT
",
        node.addr.port()
    );
    assert_eq!(output, expected);
}

/// A shell on a pseudo-terminal with line editing (`TERM=xterm`): what it printed, with the
/// terminal's control sequences dropped, and the keys to type.
struct Pty {
    master: File,
    child: Stopped,
    rx: mpsc::Receiver<Vec<u8>>,
    output: String,
    /// How many line reads (cursor position requests) were waited for.
    reads: usize,
}

/// `text` without CSI sequences and carriage returns.
fn strip_controls(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for d in chars.by_ref() {
                        if ('@'..='~').contains(&d) {
                            break;
                        }
                    }
                }
            }
            '\r' | '\x07' => {}
            c => out.push(c),
        }
    }
    out
}

impl Pty {
    fn start(node: &Node) -> Pty {
        Pty::start_with(node, &[])
    }

    /// A shell with more arguments, in a session of its own whose controlling terminal is the
    /// pseudo-terminal (so `/dev/tty` is it, as for a user at a terminal).
    fn start_with(node: &Node, args: &[&str]) -> Pty {
        use std::os::unix::process::CommandExt;
        let (master, slave) = openpty();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sibyl-cqlsh"));
        // SAFETY: setsid and ioctl are async-signal-safe; they run in the child before exec.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd
            .arg("127.0.0.1")
            .arg(node.addr.port().to_string())
            .args(args)
            .env("HOME", node.dir())
            .env_remove("CQL_HISTORY")
            .env("TERM", "xterm")
            .stdin(Stdio::from(slave.try_clone().expect("dup")))
            .stdout(Stdio::from(slave.try_clone().expect("dup")))
            .stderr(Stdio::from(slave))
            .spawn()
            .expect("run sibyl-cqlsh");
        let mut reader = master.try_clone().expect("dup master");
        let (tx, rx) = mpsc::channel::<Vec<u8>>();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Pty { master, child: Stopped(child), rx, output: String::new(), reads: 0 }
    }

    /// Waits until what was printed after byte `from` (of the stripped output) has `text`;
    /// returns the end of the output.
    fn wait_for(&mut self, from: usize, text: &str) -> usize {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let shown = strip_controls(&self.output);
            if shown.len() > from && shown[from..].contains(text) {
                return shown.len();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(chunk) => self.output.push_str(&String::from_utf8_lossy(&chunk)),
                Err(_) => panic!("no {text:?} after {from} in:\n{shown}"),
            }
        }
    }

    /// Waits for the editor's next line read (it turns bracketed paste on once the terminal is
    /// in raw mode), so that keys typed next reach the editor, not the tty's line discipline.
    fn next_read(&mut self) {
        self.reads += 1;
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.output.matches("\x1b[?2004h").count() < self.reads {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(chunk) => self.output.push_str(&String::from_utf8_lossy(&chunk)),
                Err(_) => panic!("no line read {} in:\n{}", self.reads, self.shown()),
            }
        }
    }

    /// Waits until the editor gave back the line being read (it turns bracketed paste off on
    /// leaving raw mode): what was typed is now being run.
    fn line_taken(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.output.matches("\x1b[?2004l").count() < self.reads {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(chunk) => self.output.push_str(&String::from_utf8_lossy(&chunk)),
                Err(_) => panic!("line {} never taken in:\n{}", self.reads, self.shown()),
            }
        }
    }

    fn shown(&self) -> String {
        strip_controls(&self.output)
    }

    fn send(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).expect("type");
        // Lets the editor take each batch of keys on its own.
        std::thread::sleep(Duration::from_millis(150));
    }

    fn wait_exit(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.0.try_wait().expect("wait").is_none() {
            assert!(Instant::now() < deadline, "sibyl-cqlsh did not exit:\n{}", self.shown());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn line_editing_history_completion_multiline() {
    let node = Node::start();
    node.ok(&[
        "-e",
        &format!(
            "{} CREATE TABLE d2.things (k int PRIMARY KEY, velocity int); INSERT INTO d2.things (k, velocity) VALUES (1, 3); INSERT INTO d2.things (k, velocity) VALUES (2, 4);",
            keyspace_cql("d2")
        ),
    ]);

    // First session: completion of a table and a column, Ctrl-C, a multi-line statement, Ctrl-D.
    let mut s = Pty::start(&node);
    s.next_read();
    s.send("USE d2;\r");
    s.next_read();
    s.send("UPDATE thi\t");
    s.send("SET vel\t");
    s.send("= 7 WHERE k = 1;");
    s.wait_for(0, "cqlsh:d2> UPDATE things SET velocity = 7 WHERE k = 1;");
    s.send("\r");
    // Ctrl-C drops the line being typed (else the next statement would be a syntax error).
    s.next_read();
    s.send("SELECT junk\x03");
    s.next_read();
    s.send("SELECT velocity\r");
    s.next_read();
    let at = s.wait_for(0, "      ... ");
    s.send("FROM d2.things WHERE k = 1;\r");
    s.wait_for(at, "(1 rows)");
    s.next_read();
    let shown = s.shown();
    assert!(shown.contains(" velocity\n----------\n        7\n"), "{shown}");
    assert!(!shown.contains("SyntaxException"), "{shown}");
    s.send("\x04");
    s.wait_exit();

    let history = std::fs::read_to_string(node.dir().join(".cassandra").join("cqlsh_history")).expect("history");
    assert!(history.contains("SELECT velocity FROM d2.things WHERE k = 1;"), "{history}");

    // Second session: Up recalls the last statement (typed over two lines, kept as one).
    let mut s = Pty::start(&node);
    s.next_read();
    s.send("\x1b[A");
    s.send("\r");
    s.wait_for(0, "(1 rows)");
    s.next_read();
    let shown = s.shown();
    assert!(shown.contains("cqlsh> SELECT velocity FROM d2.things WHERE k = 1;"), "{shown}");
    assert!(shown.contains(" velocity\n----------\n        7\n"), "{shown}");
    // ---MORE--- between pages still reads its Enter outside the editor.
    s.send("PAGING 1\r");
    s.next_read();
    s.send("SELECT k FROM d2.things WHERE k IN (1, 2);\r");
    let at = s.wait_for(0, "---MORE---");
    s.send("\r");
    s.wait_for(at, "(2 rows)");
    s.next_read();
    s.send("\x04");
    s.wait_exit();
}

/// Sends `signal` to process `pid` (a child of this test).
fn signal(pid: u32, signal: libc::c_int) {
    let pid = libc::pid_t::try_from(pid).expect("pid fits pid_t");
    // SAFETY: kill(2) on a child process of this test that has not been reaped.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal})");
}

/// Continues a node paused with SIGSTOP, however the test ends.
struct Paused(u32);

impl Drop for Paused {
    fn drop(&mut self) {
        signal(self.0, libc::SIGCONT);
    }
}

#[test]
fn ctrl_c_cancels_the_running_statement() {
    let node = Node::start();
    node.ok(&[
        "-e",
        &format!("{} CREATE TABLE d3.t (k int PRIMARY KEY); INSERT INTO d3.t (k) VALUES (1);", keyspace_cql("d3")),
    ]);
    let mut s = Pty::start(&node);
    s.next_read();
    // The node is paused, so the SELECT waits for an answer until Ctrl-C (SIGINT) cancels it.
    let node_pid = node.pid().expect("node pid");
    let paused = Paused(node_pid);
    signal(node_pid, libc::SIGSTOP);
    s.send("SELECT k FROM d3.t;\r");
    s.line_taken();
    std::thread::sleep(Duration::from_millis(300));
    signal(s.child.0.id(), libc::SIGINT);
    s.next_read();
    assert!(s.child.0.try_wait().expect("wait").is_none(), "Ctrl-C ended the shell:\n{}", s.shown());
    // Cancelled: no rows, back at the prompt while the node is still paused.
    assert!(!s.shown().contains("(1 rows)"), "the statement was not cancelled:\n{}", s.shown());
    drop(paused);
    let at = s.shown().len();
    s.send("SELECT k FROM d3.t WHERE k = 1;\r");
    s.wait_for(at, "(1 rows)");
    s.next_read();
    s.send("\x04");
    s.wait_exit();
}

#[test]
fn password_prompt_login_and_history() {
    let node = Node::start();
    let mut s = Pty::start_with(&node, &["-u", "bob"]);
    // As cqlsh's getpass: asked on the terminal, typed without echo.
    s.wait_for(0, "Password: ");
    s.send("s3cret\r");
    s.next_read();
    let at = s.wait_for(0, "bob@cqlsh> ");
    assert!(!s.shown().contains("s3cret"), "the password was echoed:\n{}", s.shown());
    s.send("SELECT cluster_name FROM system.local;\r");
    s.wait_for(at, "(1 rows)");
    s.next_read();
    let at = s.shown().len();
    s.send("LOGIN Carol 'x';\r");
    s.next_read();
    s.wait_for(at, "Carol@cqlsh> ");
    let at = s.shown().len();
    s.send("HISTORY\r");
    s.next_read();
    let end = s.wait_for(at, "Carol@cqlsh> ");
    let listed = s.shown()[at..end].to_string();
    assert!(listed.contains("SELECT cluster_name FROM system.local;\nLOGIN Carol 'x';\nCarol@cqlsh> "), "{listed}");
    let at = s.shown().len();
    s.send("HISTORY 1\r");
    s.next_read();
    let end = s.wait_for(at, "Carol@cqlsh> ");
    let listed = s.shown()[at..end].to_string();
    assert!(listed.ends_with("HISTORY 1\nHISTORY\nCarol@cqlsh> "), "{listed:?}");
    s.send("\x04");
    s.wait_exit();
}
