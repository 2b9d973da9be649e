//! Golden-file tests of the CQL parser.
//!
//! Each `tests/golden/*.txt` file holds cases:
//!
//! ```text
//! === case name
//! CQL input (one or more lines)
//! ---
//! expected output
//! ```
//!
//! The output of a successful parse is `display: <Display>` followed by the pretty `Debug` of
//! the AST; a failure is `error: <message>`. A case whose name contains `[multi]` is parsed
//! with `parse_statements`. Every successful case is also checked to round-trip:
//! `parse(display(ast)) == ast`. Run with `SIBYL_BLESS=1` to rewrite the expected outputs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sibyl_cql::{parse_statement, parse_statements};

struct Case {
    name: String,
    input: String,
    expected: String,
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden")
}

fn read_cases(text: &str) -> (String, Vec<Case>) {
    let mut header = String::new();
    let mut cases: Vec<Case> = Vec::new();
    let mut in_expected = false;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            cases.push(Case { name: name.to_string(), input: String::new(), expected: String::new() });
            in_expected = false;
            continue;
        }
        let Some(case) = cases.last_mut() else {
            header.push_str(line);
            header.push('\n');
            continue;
        };
        if line == "---" && !in_expected {
            in_expected = true;
            continue;
        }
        let target = if in_expected { &mut case.expected } else { &mut case.input };
        target.push_str(line);
        target.push('\n');
    }
    for c in &mut cases {
        // Inputs keep their inner newlines but not the last one.
        if c.input.ends_with('\n') {
            c.input.pop();
        }
        c.expected = c.expected.trim_end().to_string();
    }
    (header, cases)
}

/// The output of a case, and round-trip failures (as panics with context).
fn run_case(case: &Case) -> String {
    let mut out = String::new();
    if case.name.contains("[multi]") {
        match parse_statements(&case.input) {
            Ok(stmts) => {
                let _ = writeln!(out, "{} statements", stmts.len());
                for s in &stmts {
                    let _ = writeln!(out, "display: {s}");
                    check_round_trip(&case.name, s);
                }
            }
            Err(e) => {
                let _ = write!(out, "error: {e}");
            }
        }
    } else {
        match parse_statement(&case.input) {
            Ok(s) => {
                let _ = write!(out, "display: {s}\n{s:#?}");
                check_round_trip(&case.name, &s);
            }
            Err(e) => {
                let _ = write!(out, "error: {e}");
            }
        }
    }
    out.trim_end().to_string()
}

fn check_round_trip(name: &str, s: &sibyl_cql::ast::Statement) {
    let text = s.to_string();
    match parse_statement(&text) {
        Ok(again) => assert_eq!(&again, s, "case `{name}`: round trip of `{text}` changed the AST"),
        Err(e) => panic!("case `{name}`: display `{text}` does not parse: {e}"),
    }
}

#[test]
fn golden_files() {
    let bless = std::env::var("SIBYL_BLESS").is_ok_and(|v| v == "1");
    let mut files: Vec<PathBuf> = std::fs::read_dir(golden_dir())
        .expect("golden dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no golden files");
    let mut failures = Vec::new();
    let mut count = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read golden file");
        let (header, cases) = read_cases(&text);
        let mut rewritten = header;
        for case in &cases {
            count += 1;
            let actual = run_case(case);
            if actual != case.expected {
                failures.push(format!(
                    "{}: case `{}`\n--- input\n{}\n--- expected\n{}\n--- actual\n{}\n",
                    path.display(),
                    case.name,
                    case.input,
                    case.expected,
                    actual
                ));
            }
            let _ = write!(rewritten, "=== {}\n{}\n---\n{}\n\n", case.name, case.input, actual);
        }
        if bless {
            std::fs::write(&path, rewritten.trim_end().to_string() + "\n").expect("write golden file");
        }
    }
    assert!(count > 0);
    if !bless && !failures.is_empty() {
        panic!("{} golden case(s) differ (SIBYL_BLESS=1 to update):\n{}", failures.len(), failures.join("\n"));
    }
}
