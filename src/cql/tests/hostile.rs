//! Hostile inputs: deep nesting, long inputs and random token soup fail fast (or parse in
//! linear time) without panicking or overflowing the stack.

use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sibyl_cql::{parse_statement, parse_statements, ParseError};

fn assert_fast_error(text: &str) -> ParseError {
    let start = Instant::now();
    let r = parse_statement(text);
    let elapsed = start.elapsed();
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    match r {
        Ok(st) => panic!("unexpectedly parsed: {st}"),
        Err(e) => e,
    }
}

#[test]
fn deep_nesting_fails_fast() {
    let n = 100_000;
    let cases = [
        format!("SELECT {} FROM t", "(".repeat(n)),
        format!("SELECT {}a{} FROM t", "(".repeat(n), ")".repeat(n)),
        format!("INSERT INTO t (a) VALUES ({}", "(".repeat(n)),
        format!("INSERT INTO t (a) VALUES ({}", "[".repeat(n)),
        format!("INSERT INTO t (a) VALUES ({}", "{".repeat(n)),
        format!("INSERT INTO t (a) VALUES ({}", "f(".repeat(n)),
        format!("INSERT INTO t (a) VALUES ({}", "(int) ".repeat(n)),
        format!("SELECT {} FROM t", "- ".repeat(n)),
        format!("SELECT {} FROM t", "[{(".repeat(n)),
        format!("CREATE TABLE t (k {}int", "frozen<".repeat(n)),
        format!("CREATE TABLE t (k {}int", "map<int, ".repeat(n)),
        format!("SELECT * FROM t WHERE {}", "(".repeat(n)),
        format!("SELECT * FROM t WHERE a = {}", "(".repeat(n)),
    ];
    for text in &cases {
        let e = assert_fast_error(text);
        assert!(matches!(e, ParseError::Invalid { .. }), "{e}");
        assert!(e.message().contains("nested more than 64 levels"), "{e}");
    }
    // Long flat inputs without nesting are fine and fast.
    let closers = format!("INSERT INTO t (a) VALUES ({}", ")".repeat(n));
    let _ = assert_fast_error(&closers);
}

#[test]
fn large_inputs_parse_in_linear_time() {
    // 20,000 values in an IN list.
    let values: Vec<String> = (0..20_000).map(|i| i.to_string()).collect();
    let text = format!("SELECT * FROM t WHERE k IN ({})", values.join(", "));
    let start = Instant::now();
    let st = parse_statement(&text);
    assert!(st.is_ok());
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());

    // Many selectors each nested 60 deep with type hints and tuples (worst case for the
    // `(type) x` vs `(x, …)` decisions).
    let one = format!("{}a{}", "(int) (".repeat(30), ")".repeat(30));
    let text = format!("SELECT {} FROM t", vec![one; 300].join(", "));
    let start = Instant::now();
    assert!(parse_statement(&text).is_ok());
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());

    // Thousands of statements.
    let script = "INSERT INTO t (a, b) VALUES (1, 'x');\n".repeat(5_000);
    let start = Instant::now();
    assert_eq!(parse_statements(&script).map(|v| v.len()).ok(), Some(5_000));
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
}

#[test]
fn random_garbage_never_panics() {
    let mut rng = SmallRng::seed_from_u64(7);
    let pieces = [
        "SELECT",
        "FROM",
        "WHERE",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ";",
        "'a'",
        "\"q\"",
        "?",
        ":",
        "1",
        "-",
        "+",
        "=",
        "<",
        "..",
        ".",
        "t",
        "a",
        "INSERT",
        "INTO",
        "VALUES",
        "BEGIN",
        "BATCH",
        "APPLY",
        "CREATE",
        "TABLE",
        "int",
        "frozen",
        "<",
        ">",
        "AND",
        "IN",
        "token",
        "expr(",
        "$$x$$",
        "0x1",
        "P1D",
        "1h",
        "NaN",
        "-Infinity",
        "/*",
        "*/",
        "--",
        "\n",
        "DESCRIBE",
        "WITH",
        "AS",
        "CAST",
        "COUNT",
        "*",
        "IF",
        "NOT",
        "EXISTS",
        "USING",
        "TTL",
        "#",
        "é",
        "\"",
    ];
    for _ in 0..20_000 {
        let n = rng.gen_range(0..25);
        let text: Vec<&str> = (0..n).map(|_| pieces[rng.gen_range(0..pieces.len())]).collect();
        let text = text.join(" ");
        let _ = parse_statement(&text);
        let _ = parse_statements(&text);
    }
}
