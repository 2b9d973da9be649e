//! SELECT, per Cassandra's documented behaviour: key and slice restrictions, ordering, limits,
//! DISTINCT, aggregates, GROUP BY, functions, filtering, JSON and error messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use sibyl_cql::plan::restrict::REQUIRES_ALLOW_FILTERING;
use support::{table, Harness};

/// k in 0..3, c in 0..5, v = k * 10 + c.
fn grid() -> Harness {
    let h = Harness::new();
    h.create_table("CREATE TABLE g (k int, c int, v int, t text, PRIMARY KEY (k, c))");
    for k in 0..3 {
        for c in 0..5 {
            h.exec(&format!("INSERT INTO g (k, c, v, t) VALUES ({k}, {c}, {}, 't{c}')", k * 10 + c));
        }
    }
    h
}

fn col(h: &Harness, cql: &str) -> Vec<String> {
    h.rows(cql).into_iter().map(|r| r.join(",")).collect()
}

#[test]
fn clustering_slices() {
    let h = grid();
    assert_eq!(col(&h, "SELECT c FROM g WHERE k = 1 AND c > 1 AND c <= 3"), vec!["2", "3"]);
    assert_eq!(col(&h, "SELECT c FROM g WHERE k = 1 AND c >= 3"), vec!["3", "4"]);
    assert_eq!(col(&h, "SELECT c FROM g WHERE k = 1 AND c < 1"), vec!["0"]);
    assert_eq!(col(&h, "SELECT c FROM g WHERE k = 1 AND c IN (4, 0, 2)"), vec!["0", "2", "4"]);
    assert_eq!(col(&h, "SELECT c FROM g WHERE k = 1 AND c = 3"), vec!["3"]);
    assert!(col(&h, "SELECT c FROM g WHERE k = 1 AND c > 3 AND c < 2").is_empty());
    assert_eq!(col(&h, "SELECT c FROM g WHERE k = 1 AND c > 1 ORDER BY c DESC"), vec!["4", "3", "2"]);
    assert_eq!(col(&h, "SELECT c FROM g WHERE k = 1 ORDER BY c DESC LIMIT 2"), vec!["4", "3"]);
}

#[test]
fn descending_clustering_order() {
    let h = Harness::new();
    h.create_table("CREATE TABLE d (k int, c int, v int, PRIMARY KEY (k, c)) WITH CLUSTERING ORDER BY (c DESC)");
    for c in 0..5 {
        h.exec(&format!("INSERT INTO d (k, c, v) VALUES (1, {c}, {c})"));
    }
    assert_eq!(col(&h, "SELECT c FROM d WHERE k = 1"), vec!["4", "3", "2", "1", "0"]);
    assert_eq!(col(&h, "SELECT c FROM d WHERE k = 1 AND c > 1 AND c <= 3"), vec!["3", "2"]);
    assert_eq!(col(&h, "SELECT c FROM d WHERE k = 1 ORDER BY c ASC"), vec!["0", "1", "2", "3", "4"]);
    assert_eq!(col(&h, "SELECT c FROM d WHERE k = 1 AND c < 2 ORDER BY c ASC"), vec!["0", "1"]);
}

#[test]
fn multi_column_relations() {
    let h = Harness::new();
    h.create_table("CREATE TABLE m (k int, a int, b int, PRIMARY KEY (k, a, b))");
    for a in 0..3 {
        for b in 0..3 {
            h.exec(&format!("INSERT INTO m (k, a, b) VALUES (0, {a}, {b})"));
        }
    }
    assert_eq!(col(&h, "SELECT a, b FROM m WHERE k = 0 AND (a, b) > (1, 1)"), vec!["1,2", "2,0", "2,1", "2,2"]);
    assert_eq!(col(&h, "SELECT a, b FROM m WHERE k = 0 AND (a, b) >= (0, 2) AND (a, b) < (1, 1)"), vec!["0,2", "1,0"]);
    assert_eq!(col(&h, "SELECT a, b FROM m WHERE k = 0 AND (a, b) IN ((2, 1), (0, 0))"), vec!["0,0", "2,1"]);
    assert_eq!(col(&h, "SELECT a, b FROM m WHERE k = 0 AND (a, b) = (1, 2)"), vec!["1,2"]);
    assert_eq!(col(&h, "SELECT a, b FROM m WHERE k = 0 AND a = 1 AND b IN (0, 2)"), vec!["1,0", "1,2"]);
}

#[test]
fn partition_in_and_token_ranges() {
    let h = grid();
    assert_eq!(col(&h, "SELECT k, c FROM g WHERE k IN (2, 0) AND c = 1"), vec!["0,1", "2,1"]);
    let all = col(&h, "SELECT token(k), k FROM g WHERE c = 0 ALLOW FILTERING");
    assert_eq!(all.len(), 3);
    let tokens: Vec<i64> = all.iter().map(|r| r.split(',').next().unwrap().parse().unwrap()).collect();
    assert!(tokens.windows(2).all(|w| w[0] < w[1]), "range scans are in token order: {tokens:?}");
    let q = format!(
        "SELECT k FROM g WHERE token(k) > {} AND token(k) <= {} AND c = 0 ALLOW FILTERING",
        tokens[0], tokens[2]
    );
    assert_eq!(col(&h, &q).len(), 2);
    let q = format!("SELECT DISTINCT k FROM g WHERE token(k) = {}", tokens[1]);
    assert_eq!(col(&h, &q).len(), 1);
    let q = format!("SELECT k FROM g WHERE token(k) > {} AND token(k) < {}", tokens[2], tokens[0]);
    assert!(col(&h, &q).is_empty());
}

#[test]
fn ordering_with_in_is_applied_after_reading() {
    let h = grid();
    let r = h.proc.query(
        "SELECT k, c FROM g WHERE k IN (0, 1) AND c >= 3 ORDER BY c DESC",
        &sibyl_coordinator::QueryOptions::default().keyspace("ks"),
    );
    let rows = support::render(r.unwrap().rows().unwrap());
    let flat: Vec<String> = rows.iter().map(|r| r.join(",")).collect();
    assert_eq!(flat, vec!["0,4", "1,4", "0,3", "1,3"]);
    let e = h
        .proc
        .query(
            "SELECT k, c FROM g WHERE k IN (0, 1) ORDER BY c DESC",
            &sibyl_coordinator::QueryOptions::default().keyspace("ks").page_size(10),
        )
        .unwrap_err();
    assert!(e.message().starts_with("Cannot page queries with both ORDER BY and a IN restriction"));
}

#[test]
fn limits() {
    let h = grid();
    assert_eq!(col(&h, "SELECT k, c FROM g WHERE k IN (0, 1) LIMIT 3"), vec!["0,0", "0,1", "0,2"]);
    assert_eq!(col(&h, "SELECT k, c FROM g WHERE k IN (0, 1) PER PARTITION LIMIT 2"), vec!["0,0", "0,1", "1,0", "1,1"]);
    assert_eq!(
        col(&h, "SELECT k, c FROM g WHERE k IN (0, 1) PER PARTITION LIMIT 2 LIMIT 3"),
        vec!["0,0", "0,1", "1,0"]
    );
    assert_eq!(h.invalid("SELECT * FROM g LIMIT 0"), "LIMIT must be strictly positive");
    assert_eq!(h.invalid("SELECT * FROM g PER PARTITION LIMIT -1"), "PER PARTITION LIMIT must be strictly positive");
}

#[test]
fn distinct_and_count() {
    let h = grid();
    assert_eq!(h.rows("SELECT DISTINCT k FROM g").len(), 3);
    assert_eq!(h.rows("SELECT count(*) FROM g"), table(&[&["15"]]));
    assert_eq!(h.columns("SELECT count(*) FROM g"), vec!["count"]);
    assert_eq!(h.rows("SELECT COUNT(1) FROM g WHERE k = 1"), table(&[&["5"]]));
    assert_eq!(h.rows("SELECT count(v) FROM g WHERE k = 9"), table(&[&["0"]]));
    assert_eq!(
        h.invalid("SELECT DISTINCT c FROM g"),
        "SELECT DISTINCT queries must only request partition key columns and/or static columns (not c)"
    );
}

#[test]
fn aggregates() {
    let h = grid();
    assert_eq!(
        h.rows("SELECT min(v), max(v), sum(v), avg(v), count(v) FROM g WHERE k = 1"),
        table(&[&["10", "14", "60", "12", "5"]])
    );
    assert_eq!(
        h.columns("SELECT min(v), max(t), sum(v) AS s FROM g WHERE k = 1"),
        vec!["system.min(v)", "system.max(t)", "s"]
    );
    assert_eq!(h.rows("SELECT max(t) FROM g"), table(&[&["'t4'"]]));
    assert_eq!(h.rows("SELECT min(v), avg(v) FROM g WHERE k = 7"), table(&[&["null", "0"]]));
    assert_eq!(h.rows("SELECT avg(CAST(v AS double)) FROM g WHERE k = 0"), table(&[&["2.0"]]));
    assert_eq!(
        h.invalid("SELECT sum(t) FROM g"),
        "Invalid call to function system.sum: no overload accepts an argument of type text"
    );
}

#[test]
fn group_by() {
    let h = grid();
    assert_eq!(col(&h, "SELECT k, count(*), max(c) FROM g GROUP BY k").len(), 3);
    assert_eq!(col(&h, "SELECT k, sum(v) FROM g WHERE k = 2 GROUP BY k"), vec!["2,110"]);
    assert_eq!(col(&h, "SELECT k, c, count(*) FROM g WHERE k = 2 GROUP BY k, c LIMIT 2"), vec!["2,0,1", "2,1,1"]);
    assert_eq!(
        h.invalid("SELECT v FROM g GROUP BY v"),
        "Group by is currently only supported on the columns of the PRIMARY KEY, got v"
    );
    assert_eq!(
        h.invalid("SELECT k FROM g GROUP BY c"),
        "Group by currently only support groups of columns following their declared order in the PRIMARY KEY"
    );
}

#[test]
fn writetime_ttl_functions_and_cast() {
    let h = Harness::new();
    h.create_table("CREATE TABLE f (k int PRIMARY KEY, v int, u timeuuid, ts timestamp)");
    h.exec(
        "INSERT INTO f (k, v, u, ts) VALUES (1, 42, now(), '2011-02-03 04:05:00+0000') USING TIMESTAMP 1234 AND TTL 60",
    );
    assert_eq!(h.rows("SELECT writetime(v), ttl(v) FROM f WHERE k = 1"), table(&[&["1234", "60"]]));
    assert_eq!(
        h.columns("SELECT writetime(v), ttl(v), token(k) FROM f WHERE k = 1"),
        vec!["writetime(v)", "ttl(v)", "system.token(k)"]
    );
    assert_eq!(h.rows("SELECT CAST(v AS text), CAST(v AS double) FROM f WHERE k = 1"), table(&[&["'42'", "42.0"]]));
    assert_eq!(h.columns("SELECT CAST(v AS text) FROM f WHERE k = 1"), vec!["cast(v as text)"]);
    assert_eq!(
        h.rows("SELECT toDate(ts), toUnixTimestamp(ts) FROM f WHERE k = 1"),
        table(&[&["'2011-02-03'", "1296705900000"]])
    );
    let now = support::START_MICROS / 1000;
    assert_eq!(h.rows("SELECT toUnixTimestamp(u) FROM f WHERE k = 1"), table(&[&[&now.to_string()]]));
    assert_eq!(h.rows("SELECT blobAsInt(intAsBlob(v)) FROM f WHERE k = 1"), table(&[&["42"]]));
    let r = h.rows("SELECT now(), currentTimestamp() FROM f WHERE k = 1");
    assert_eq!(r[0][1], "'2024-01-01T00:00:00.000Z'");
    assert_eq!(
        h.invalid("SELECT writetime(k) FROM f"),
        "Cannot use selection function writeTime on PRIMARY KEY part k"
    );
}

#[test]
fn time_uuid_functions_in_where() {
    let h = Harness::new();
    h.create_table("CREATE TABLE e (k int, t timeuuid, PRIMARY KEY (k, t))");
    for _ in 0..3 {
        h.exec("INSERT INTO e (k, t) VALUES (1, now())");
        h.clock.advance_secs(60);
    }
    let r = h.rows(
        "SELECT toTimestamp(t) FROM e WHERE k = 1 AND t > maxTimeuuid('2024-01-01 00:00:30+0000') AND t < minTimeuuid('2024-01-01 00:02:30+0000')",
    );
    assert_eq!(r, table(&[&["'2024-01-01T00:01:00.000Z'"], &["'2024-01-01T00:02:00.000Z'"]]));
}

#[test]
fn filtering() {
    let h = grid();
    assert_eq!(h.invalid("SELECT * FROM g WHERE v = 11"), REQUIRES_ALLOW_FILTERING);
    assert_eq!(h.invalid("SELECT * FROM g WHERE c = 1"), REQUIRES_ALLOW_FILTERING);
    assert_eq!(col(&h, "SELECT k, c FROM g WHERE v = 11 ALLOW FILTERING"), vec!["1,1"]);
    assert_eq!(col(&h, "SELECT k, c FROM g WHERE k = 2 AND v > 22 ALLOW FILTERING"), vec!["2,3", "2,4"]);
    assert_eq!(col(&h, "SELECT c FROM g WHERE k = 0 AND t IN ('t1', 't3') ALLOW FILTERING"), vec!["1", "3"]);
    assert_eq!(h.rows("SELECT count(*) FROM g WHERE c = 4 ALLOW FILTERING"), table(&[&["3"]]));
}

#[test]
fn contains_filtering() {
    let h = Harness::new();
    h.create_table("CREATE TABLE c (k int PRIMARY KEY, s set<int>, m map<text, int>)");
    h.exec("INSERT INTO c (k, s, m) VALUES (1, {1, 2}, {'a': 1})");
    h.exec("INSERT INTO c (k, s, m) VALUES (2, {3}, {'b': 2})");
    assert_eq!(col(&h, "SELECT k FROM c WHERE s CONTAINS 2 ALLOW FILTERING"), vec!["1"]);
    assert_eq!(col(&h, "SELECT k FROM c WHERE m CONTAINS KEY 'b' ALLOW FILTERING"), vec!["2"]);
    assert_eq!(col(&h, "SELECT k FROM c WHERE m CONTAINS 1 ALLOW FILTERING"), vec!["1"]);
    assert_eq!(col(&h, "SELECT k FROM c WHERE m['b'] = 2 ALLOW FILTERING"), vec!["2"]);
    assert_eq!(h.invalid("SELECT k FROM c WHERE s CONTAINS 2"), REQUIRES_ALLOW_FILTERING);
    assert_eq!(h.invalid("SELECT k FROM c WHERE k CONTAINS 2"), "Cannot use CONTAINS on non-collection column k");
}

#[test]
fn restriction_errors() {
    let h = Harness::new();
    h.create_table("CREATE TABLE r (k int, a int, b int, v int, PRIMARY KEY (k, a, b))");
    assert_eq!(
        h.invalid("SELECT * FROM r WHERE k = 1 AND b = 1"),
        "PRIMARY KEY column \"b\" cannot be restricted as preceding column \"a\" is not restricted"
    );
    assert_eq!(
        h.invalid("SELECT * FROM r WHERE k = 1 AND a > 1 AND b = 1"),
        "Clustering column \"b\" cannot be restricted (preceding column \"a\" is restricted by a non-EQ relation)"
    );
    assert!(h.rows("SELECT * FROM r WHERE k = 1 AND b = 1 ALLOW FILTERING").is_empty());
    assert_eq!(
        h.invalid("SELECT * FROM r WHERE k = 1 AND a = 1 AND a = 2"),
        "a cannot be restricted by more than one relation if it includes an Equal"
    );
    assert_eq!(
        h.invalid("SELECT * FROM r WHERE k = 1 AND a > 1 AND a > 2"),
        "More than one restriction was found for the start bound on a"
    );
    assert_eq!(h.invalid("SELECT * FROM r WHERE x = 1"), "Undefined column name x in table ks.r");
    assert_eq!(h.invalid("SELECT x FROM r"), "Undefined column name x in table ks.r");
    assert_eq!(h.invalid("SELECT * FROM nope"), "table nope does not exist");
    assert_eq!(h.invalid("SELECT * FROM r WHERE k = null"), "Invalid null value in condition for column k");
    assert_eq!(
        h.invalid("SELECT * FROM r ORDER BY a DESC"),
        "ORDER BY is only supported when the partition key is restricted by an EQ or an IN."
    );
    assert_eq!(
        h.invalid("SELECT * FROM r WHERE k = 1 ORDER BY v DESC"),
        "Order by is currently only supported on the clustered columns of the PRIMARY KEY, got v"
    );
    assert_eq!(
        h.invalid("SELECT * FROM r WHERE k = 1 ORDER BY b DESC"),
        "Order by currently only support the ordering of columns following their declared order in the PRIMARY KEY"
    );
    assert_eq!(h.invalid("SELECT * FROM r WHERE k = 1 ORDER BY a ASC, b DESC"), "Unsupported order by relation");
    assert_eq!(
        h.invalid("SELECT * FROM r WHERE token(a) > 0"),
        "The token() function is only supported on the partition key, found on a"
    );
    assert_eq!(h.err("SELECT * FROM r WHERE").code(), 0x2000);
    assert_eq!(h.invalid("SELECT * FROM r WHERE k > 1"), REQUIRES_ALLOW_FILTERING);
}

#[test]
fn static_rows_in_results() {
    let h = Harness::new();
    h.create_table("CREATE TABLE s (k int, c int, s int static, v int, PRIMARY KEY (k, c))");
    h.exec("INSERT INTO s (k, s) VALUES (1, 10)");
    h.exec("INSERT INTO s (k, c, s, v) VALUES (2, 1, 20, 1)");
    assert_eq!(col(&h, "SELECT k, c, s, v FROM s WHERE k IN (1, 2)"), vec!["1,null,10,null", "2,1,20,1"]);
    // A clustering restriction selects rows: the static-only partition is not returned.
    assert_eq!(col(&h, "SELECT k, c, s FROM s WHERE k IN (1, 2) AND c = 1"), vec!["2,1,20"]);
    assert_eq!(col(&h, "SELECT s FROM s WHERE k = 1"), vec!["10"]);
    assert_eq!(
        h.invalid("SELECT s FROM s WHERE k = 1 AND c = 1"),
        "Cannot restrict clustering columns when selecting only static columns"
    );
}

#[test]
fn select_json_and_aliases() {
    let h = Harness::new();
    h.create_table("CREATE TABLE j (k int PRIMARY KEY, \"Name\" text, l list<int>, b blob, u uuid)");
    h.exec(
        "INSERT INTO j (k, \"Name\", l, b, u) VALUES (1, 'x\"y', [1], 0xcafe, 123e4567-e89b-12d3-a456-426614174000)",
    );
    assert_eq!(
        h.rows("SELECT JSON * FROM j"),
        table(&[&[
            r#"'{"k": 1, "\"Name\"": "x\"y", "b": "0xcafe", "l": [1], "u": "123e4567-e89b-12d3-a456-426614174000"}'"#
        ]])
    );
    assert_eq!(h.columns("SELECT JSON k FROM j"), vec!["[json]"]);
    assert_eq!(h.columns("SELECT k AS key, \"Name\" FROM j"), vec!["key", "Name"]);
}

#[test]
fn element_and_field_selection() {
    let h = Harness::new();
    h.create_table("CREATE TABLE e (k int PRIMARY KEY, m map<text, int>, l list<text>)");
    h.exec("INSERT INTO e (k, m, l) VALUES (1, {'a': 1, 'b': 2}, ['x', 'y'])");
    assert_eq!(h.rows("SELECT m['b'], l[1], m['z'] FROM e WHERE k = 1"), table(&[&["2", "'y'", "null"]]));
}
