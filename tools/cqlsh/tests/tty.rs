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

#[test]
fn interactive_session_like_cqlsh() {
    let node = Node::start();
    let values: String = (0..5).map(|i| format!("INSERT INTO d1.pg (p, c) VALUES (0, {i});")).collect();
    node.ok(&[
        "-e",
        &format!("{} CREATE TABLE d1.pg (p int, c int, PRIMARY KEY (p, c)); {values}", keyspace_cql("d1")),
    ]);

    let (mut master, slave) = openpty();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sibyl-cqlsh"))
        .arg("127.0.0.1")
        .arg(node.addr.port().to_string())
        .env("HOME", node.dir.path())
        .env("TERM", "dumb")
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
    while child.try_wait().expect("wait").is_none() {
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
