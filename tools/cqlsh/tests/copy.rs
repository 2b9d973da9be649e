//! `COPY TO` / `COPY FROM` and `CAPTURE` against a real node, compared with what cqlsh 6.2.2
//! writes and prints for the same table (the CSV records below were written by the real cqlsh
//! against sibyl; with `SIBYL_COMPAT_PYTHON` set, the real cqlsh also runs here).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod node;

use std::path::PathBuf;
use std::process::Command;

use node::{check, keyspace_cql, Node};

const SCHEMA: &str = "
    CREATE TYPE cp.addr (street text, zip int);
    CREATE TABLE cp.t (k int PRIMARY KEY, txt text, l list<int>, s set<text>, m map<text, int>, tu tuple<int, text>,
        u frozen<addr>, b blob, ts timestamp, d date, tm time, f float, db double, bo boolean, id uuid, dec decimal,
        vi varint, ip inet, bi bigint);
    CREATE TABLE cp.t2 (k int PRIMARY KEY, txt text, l list<int>, s set<text>, m map<text, int>, tu tuple<int, text>,
        u frozen<addr>, b blob, ts timestamp, d date, tm time, f float, db double, bo boolean, id uuid, dec decimal,
        vi varint, ip inet, bi bigint);
    INSERT INTO cp.t (k, txt, l, s, m, tu, u, b, ts, d, tm, f, db, bo, id, dec, vi, ip, bi) VALUES (1, 'plain',
        [1, 2, 3], {'a', 'b'}, {'x': 1, 'y': 2}, (1, 'one'), {street: 'Main St', zip: 12345}, 0xcafe,
        '2024-01-02 03:04:05.678+0000', '2024-01-02', '12:34:56.789', 1.5, 3.141592653589793, true,
        123e4567-e89b-42d3-a456-426614174000, 12.345, 123456789012345678901234567890, '10.0.0.1', 9000000000);
    INSERT INTO cp.t (k, txt) VALUES (2, 'with, comma and \"quotes\" and ''single''');
    INSERT INTO cp.t (k, txt, l, tu) VALUES (3, 'multi
line', [], (2, 'two'));
    INSERT INTO cp.t (k) VALUES (4);
    INSERT INTO cp.t (k, txt, s, m) VALUES (5, '', {'it''s', 'x,y'}, {'k''q': 5});
    INSERT INTO cp.t (k, txt) VALUES (6, 'back\\slash');
";

const COLUMNS: &str = "[k, b, bi, bo, d, db, dec, f, id, ip, l, m, s, tm, ts, tu, txt, u, vi]";

/// `COPY cp.t TO` as cqlsh 6.2.2 writes it (records end with `\r\n`; a newline inside text is
/// written as `\n`, a backslash as `\\`, and the CSV escape doubles both again).
const EXPORTED: &[&str] = &[
    r#"5,,,,,,,,,,,{'k''q': 5},"{'it''s', 'x,y'}",,,,,,"#,
    r#"1,0xcafe,9000000000,True,2024-01-02,3.14159265359,12.345,1.5,123e4567-e89b-42d3-a456-426614174000,10.0.0.1,"[1, 2, 3]","{'x': 1, 'y': 2}","{'a', 'b'}",12:34:56.789000000,2024-01-02 03:04:05.678+0000,"(1, 'one')",plain,"{street: 'Main St', zip: 12345}",123456789012345678901234567890"#,
    r#"2,,,,,,,,,,,,,,,,"with, comma and \"quotes\" and 'single'",,"#,
    r#"4,,,,,,,,,,,,,,,,,,"#,
    r#"6,,,,,,,,,,,,,,,,back\\\\slash,,"#,
    r#"3,,,,,,,,,,,,,,,"(2, 'two')",multi\\nline,,"#,
];

/// The export of the table imported from [`EXPORTED`], by cqlsh 6.2.2: cqlsh imports text
/// verbatim, so its escapes (`\\`, `\n`) come back doubled. Everything else round-trips.
const REEXPORTED: &[&str] = &[
    r#"5,,,,,,,,,,,{'k''q': 5},"{'it''s', 'x,y'}",,,,,,"#,
    r#"1,0xcafe,9000000000,True,2024-01-02,3.14159265359,12.345,1.5,123e4567-e89b-42d3-a456-426614174000,10.0.0.1,"[1, 2, 3]","{'x': 1, 'y': 2}","{'a', 'b'}",12:34:56.789000000,2024-01-02 03:04:05.678+0000,"(1, 'one')",plain,"{street: 'Main St', zip: 12345}",123456789012345678901234567890"#,
    r#"2,,,,,,,,,,,,,,,,"with, comma and \"quotes\" and 'single'",,"#,
    r#"4,,,,,,,,,,,,,,,,,,"#,
    r#"6,,,,,,,,,,,,,,,,back\\\\\\\\slash,,"#,
    r#"3,,,,,,,,,,,,,,,"(2, 'two')",multi\\\\nline,,"#,
];

/// The records of a CSV file written by COPY TO (each ends with `\r\n`), sorted: rows come in
/// token-range order, which cqlsh's parallel workers do not keep.
fn records(text: &str) -> Vec<String> {
    assert!(text.is_empty() || text.ends_with("\r\n"), "records end with \\r\\n: {text:?}");
    let mut r: Vec<String> = text.split_terminator("\r\n").map(str::to_string).collect();
    r.sort();
    r
}

fn sorted(expected: &[&str]) -> Vec<String> {
    let mut r: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    r.sort();
    r
}

/// COPY's messages with the timing taken out: `Processed: ...` progress lines (ended by `\r`)
/// dropped, `in 0.012 seconds` made `in X seconds`.
fn untimed(stdout: &str) -> String {
    let mut text = stdout.to_string();
    while let Some(start) = text.find("Processed: ") {
        let end = text[start..].find('\r').map_or(text.len(), |i| start + i);
        let end = end + text[end..].chars().take_while(|c| *c == '\r').count();
        text.replace_range(start..end, "");
    }
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        match (line.find(" files in "), line.rfind(" seconds")) {
            (Some(a), Some(b)) if b > a => {
                out.push_str(&line[..a + " files in ".len()]);
                out.push('X');
                out.push_str(&line[b..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// The real cqlsh next to `$SIBYL_COMPAT_PYTHON` (scripts/test-all sets it), if any.
fn real_cqlsh() -> Option<PathBuf> {
    let python = PathBuf::from(std::env::var_os("SIBYL_COMPAT_PYTHON")?);
    let cqlsh = python.parent()?.join("cqlsh");
    cqlsh.is_file().then_some(cqlsh)
}

fn setup(node: &Node) {
    node.ok(&["-e", &format!("{}{SCHEMA}", keyspace_cql("cp"))]);
}

#[test]
fn copy_round_trip_of_many_types_matches_cqlsh() {
    let node = Node::start();
    setup(&node);
    let run = node.cqlsh(&["-e", "COPY cp.t TO 'out.csv'"], None);
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""), "{}", run.stdout);
    assert!(run.stdout.contains("Processed: 6 rows; Rate: "), "{:?}", run.stdout);
    check(
        &untimed(&run.stdout),
        &format!(
            "Using 1 child processes\n\nStarting copy of cp.t with columns {COLUMNS}.\n\n6 rows exported to 1 files in X seconds."
        ),
    );
    let exported = std::fs::read_to_string(node.dir().join("out.csv")).unwrap();
    assert_eq!(records(&exported), sorted(EXPORTED));

    let run = node.cqlsh(&["-e", "COPY cp.t2 FROM 'out.csv'"], None);
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""), "{}", run.stdout);
    check(
        &untimed(&run.stdout),
        &format!(
            "Using 1 child processes\n\nStarting copy of cp.t2 with columns {COLUMNS}.\n\n6 rows imported from 1 files in X seconds (0 skipped)."
        ),
    );
    // Typed values, not text: the collections, UDT, timestamp and blob read back as values.
    let out = node.ok(&["-e", "SELECT l, m, u, ts, b, vi FROM cp.t2 WHERE k = 1"]);
    check(
        &out,
        "
         l         | m                | u                               | ts                              | b      | vi
        -----------+------------------+---------------------------------+---------------------------------+--------+--------------------------------
         [1, 2, 3] | {'x': 1, 'y': 2} | {street: 'Main St', zip: 12345} | 2024-01-02 03:04:05.678000+0000 | 0xcafe | 123456789012345678901234567890

        (1 rows)
        ",
    );
    node.ok(&["-e", "COPY cp.t2 TO 'again.csv'"]);
    let again = std::fs::read_to_string(node.dir().join("again.csv")).unwrap();
    assert_eq!(records(&again), sorted(REEXPORTED));

    // The real cqlsh, when available, writes the same file for the same table.
    if let Some(cqlsh) = real_cqlsh() {
        let status = Command::new(cqlsh)
            .args([&node.addr.ip().to_string(), &node.addr.port().to_string(), "-e", "COPY cp.t TO 'real.csv'"])
            .current_dir(node.dir())
            .env("HOME", node.dir())
            .output()
            .expect("run cqlsh");
        assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
        let real = std::fs::read_to_string(node.dir().join("real.csv")).unwrap();
        assert_eq!(records(&real), records(&exported));
    }
}

#[test]
fn copy_header_delimiter_and_null_options() {
    let node = Node::start();
    setup(&node);
    // To STDOUT cqlsh prints the CSV only.
    let out =
        node.ok(&["-e", "COPY cp.t (k, txt, l, bo, ts) TO STDOUT WITH HEADER=true AND DELIMITER='|' AND NULL='<n>'"]);
    let expected = [
        "k|txt|l|bo|ts",
        "5||<n>|<n>|<n>",
        "1|plain|[1, 2, 3]|True|2024-01-02 03:04:05.678+0000",
        r#"2|with, comma and \"quotes\" and 'single'|<n>|<n>|<n>"#,
        "4|<n>|<n>|<n>|<n>",
        r"6|back\\\\slash|<n>|<n>|<n>",
        r"3|multi\\nline|<n>|<n>|<n>",
    ];
    let mut lines: Vec<&str> = out.split_terminator("\r\n").collect();
    assert_eq!(lines.remove(0), expected[0], "the header comes first");
    lines.sort_unstable();
    let mut rows = expected[1..].to_vec();
    rows.sort_unstable();
    assert_eq!(lines, rows);

    // From a file with a header, `;` between fields and a NULL marker: an empty text is then
    // an empty string, an empty int still null.
    node.ok(&["-e", "CREATE TABLE cp.o (k int PRIMARY KEY, v text, n int, l list<int>);"]);
    node.file(
        "opt.csv",
        "k;v;n;l\n1;one;<null>;[1, 2]\n2;<null>;20;<null>\n3;\"semi;colon\";30;[]\n4;;40;[3]\n5;x;;[4]\n",
    );
    let run = node.cqlsh(
        &["-e", "COPY cp.o (k, v, n, l) FROM 'opt.csv' WITH HEADER=true AND DELIMITER=';' AND NULL='<null>'"],
        None,
    );
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""), "{}", run.stdout);
    assert!(untimed(&run.stdout).contains("\n5 rows imported from 1 files in X seconds (0 skipped)."));
    let out = node.ok(&["-e", "SELECT * FROM cp.o; SELECT k, v FROM cp.o WHERE k = 4;"]);
    check(
        &out,
        "
         k | l      | n    | v
        ---+--------+------+------------
         5 |    [4] | null |          x
         1 | [1, 2] | null |        one
         2 |   null |   20 |       null
         4 |    [3] |   40 |
         3 |   null |   30 | semi;colon

        (5 rows)

         k | v
        ---+---
         4 |

        (1 rows)
        ",
    );

    // SKIPROWS and MAXROWS count records after the header.
    node.ok(&["-e", "TRUNCATE cp.o"]);
    let run = node.cqlsh(
        &["-e", "COPY cp.o (k, v, n, l) FROM 'opt.csv' WITH HEADER=true AND DELIMITER=';' AND NULL='<null>' AND SKIPROWS=1 AND MAXROWS=3"],
        None,
    );
    assert!(
        untimed(&run.stdout).contains("\n2 rows imported from 1 files in X seconds (1 skipped)."),
        "{}",
        run.stdout
    );
    let out = node.ok(&["-e", "SELECT k FROM cp.o"]);
    check(&out, "\n k\n---\n 2\n 3\n\n(2 rows)\n");
}

#[test]
fn copy_from_reports_malformed_rows_and_imports_the_rest() {
    let node = Node::start();
    node.ok(&["-e", &format!("{} CREATE TABLE cp.kv (k int PRIMARY KEY, v text, n int);", keyspace_cql("cp"))]);
    node.file("bad.csv", "k,v,n\n1,one,10\nx,bad,1\n2,two\n3,three,zz\n4,\"four, quoted\",40\n5,\"unterminated\n");
    let run = node.cqlsh(&["-e", "COPY cp.kv (k, v, n) FROM 'bad.csv' WITH HEADER=true"], None);
    assert_eq!(run.code, Some(2));
    check(
        &run.stderr,
        "
        <stdin>:1:Failed to import 1 rows: ParseError - Failed to parse x : invalid literal for int() with base 10: 'x',  given up without retries (line 3 of bad.csv)
        <stdin>:1:Failed to import 1 rows: ParseError - Invalid row length 2 should be 3,  given up without retries (line 4 of bad.csv)
        <stdin>:1:Failed to import 1 rows: ParseError - Failed to parse zz : invalid literal for int() with base 10: 'zz',  given up without retries (line 5 of bad.csv)
        <stdin>:1:Failed to import 1 rows: ParseError - Invalid row length 2 should be 3,  given up without retries (line 7 of bad.csv)
        <stdin>:1:Failed to process 4 rows; failed rows written to import_cp_kv.err
        ",
    );
    check(
        &untimed(&run.stdout),
        "Using 1 child processes\n\nStarting copy of cp.kv with columns [k, v, n].\n\n2 rows imported from 1 files in X seconds (0 skipped).",
    );
    let failed = std::fs::read_to_string(node.dir().join("import_cp_kv.err")).unwrap();
    assert_eq!(failed, "x,bad,1\r\n2,two\r\n3,three,zz\r\n5,\"unterminated\n\"\r\n");
    let out = node.ok(&["-e", "SELECT * FROM cp.kv"]);
    check(&out, "\n k | n  | v\n---+----+--------------\n 1 | 10 |          one\n 4 | 40 | four, quoted\n\n(2 rows)\n");

    // Files are read as the import goes: a field over cqlsh's field size limit is one failed
    // row, and bytes that are not UTF-8 end the file with an error after the rows before them.
    let mut bytes = format!("10,ten,1\n11,{},2\n12,twelve,3\n13,", "y".repeat(131_073)).into_bytes();
    bytes.extend_from_slice(b"\xff\xfe,4\n14,fourteen,5\n");
    std::fs::write(node.dir().join("mixed.csv"), bytes).unwrap();
    let run = node.cqlsh(&["-e", "COPY cp.kv (k, v, n) FROM 'mixed.csv'"], None);
    assert_eq!(run.code, Some(2));
    check(
        &run.stderr,
        "
        <stdin>:1:Failed to import 1 rows: ParseError - field larger than field limit (131072),  given up without retries (line 2 of mixed.csv)
        <stdin>:1:Failed to import the rest of mixed.csv from line 4: not valid UTF-8 (only ENCODING='utf8' is supported)
        <stdin>:1:Failed to process 1 rows; failed rows written to import_cp_kv.err
        ",
    );
    assert!(untimed(&run.stdout).contains("2 rows imported from 1 files"), "{}", run.stdout);
    let out = node.ok(&["-e", "SELECT k, v FROM cp.kv WHERE k IN (10, 11, 12, 13, 14)"]);
    check(&out, "\n k  | v\n----+--------\n 10 |    ten\n 12 | twelve\n\n(2 rows)\n");

    // A null key, and the errors cqlsh gives before starting.
    node.file("nullkey.csv", ",v,1\n");
    let run = node.cqlsh(&["-e", "COPY cp.kv (k, v, n) FROM 'nullkey.csv'"], None);
    assert!(run.stderr.contains(
        "ParseError - Cannot insert null value for primary key column 'k'. If you want to insert empty strings, consider using the WITH NULL=<marker> option for COPY."
    ), "{}", run.stderr);
    for (cmd, err) in [
        ("COPY cp.kv TO STDOUT WITH FOO=1 AND bar=2", "<stdin>:1:Unrecognized COPY TO options: foo, bar"),
        ("COPY cp.kv FROM 'bad.csv' WITH foo=1", "<stdin>:1:Unrecognized COPY FROM options: foo"),
        ("COPY cp.nope TO STDOUT", "<stdin>:1:Column family nope not found"),
        ("COPY nope.kv TO STDOUT", "<stdin>:1:Keyspace 'nope' not found."),
        ("COPY cp.kv (k, zz) TO STDOUT", "<stdin>:1:Invalid column name zz"),
        ("COPY cp.kv (v) FROM 'bad.csv'", "<stdin>:1:Primary key column 'k' missing or skipped"),
        (
            "COPY cp.kv FROM 'missing.csv'",
            "<stdin>:1:Failed to import 0 rows: OSError - Can't open 'missing.csv' for reading: no matching file found,  given up after 1 attempts",
        ),
        (
            "COPY cp.kv TO STDOUT WITH ENCODING='latin1'",
            "<stdin>:1:Unsupported encoding 'latin1': sibyl-cqlsh reads and writes UTF-8 only (ENCODING='utf8')",
        ),
    ] {
        let run = node.cqlsh(&["-e", cmd], None);
        assert_eq!(run.code, Some(2), "{cmd}");
        check(&run.stderr, err);
    }
}

#[test]
fn capture_sends_query_results_to_a_file() {
    let node = Node::start();
    node.ok(&[
        "-e",
        &format!(
            "{} CREATE TABLE cp.kv (k int PRIMARY KEY, v text); INSERT INTO cp.kv (k, v) VALUES (1, 'one');",
            keyspace_cql("cp")
        ),
    ]);
    let out = node.ok(&[
        "-e",
        "CAPTURE; CAPTURE 'cap.txt'; CAPTURE; SELECT * FROM cp.kv; CONSISTENCY; CAPTURE OFF; CAPTURE; SELECT k FROM cp.kv;",
    ]);
    check(
        &out,
        "
        Currently not capturing query output.
        Now capturing query output to 'cap.txt'.
        Currently capturing query output to 'cap.txt'.
        Current consistency level is ONE.
        Currently not capturing query output.

         k
        ---
         1

        (1 rows)
        ",
    );
    let captured = std::fs::read_to_string(node.dir().join("cap.txt")).unwrap();
    assert_eq!(captured, "\n k | v\n---+-----\n 1 | one\n\n(1 rows)\n");
    let run = node.cqlsh(&["-e", "CAPTURE 'a.txt'; CAPTURE 'b.txt'; CAPTURE nofile"], None);
    check(
        &run.stderr,
        "
        <stdin>:1:Already capturing output to a.txt. Use CAPTURE OFF to disable.
        <stdin>:1:Improper CAPTURE command.
        ",
    );
}

#[test]
fn copy_from_stdin_reads_the_lines_of_the_script() {
    let node = Node::start();
    node.ok(&["-e", &format!("{} CREATE TABLE cp.kv (k int PRIMARY KEY, v text);", keyspace_cql("cp"))]);
    let script = "COPY cp.kv (k, v) FROM STDIN;\n1,\"one, two\"\n2,two\n.\nSELECT * FROM cp.kv;\n";
    let run = node.cqlsh(&[], Some(script));
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""), "{}", run.stdout);
    check(
        &untimed(&run.stdout),
        "
        Using 1 child processes

        Starting copy of cp.kv with columns [k, v].
        [Use . on a line by itself to end input]

        2 rows imported from 1 files in X seconds (0 skipped).

         k | v
        ---+----------
         1 | one, two
         2 |      two

        (2 rows)
        ",
    );
}
