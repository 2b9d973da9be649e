//! `GROUP BY` with paging, `LIMIT` and `PER PARTITION LIMIT`, as Cassandra's
//! `CQLGroupByLimits` / `AggregationQueryPager` define them: the page size, `LIMIT` and `PER
//! PARTITION LIMIT` count groups (result rows), a group is never split across pages, and the
//! paging state resumes with the next group, within a partition or across partitions. An
//! aggregate without `GROUP BY` returns its single row whatever the page size, with no paging
//! state. Expected results come from Cassandra's `SelectGroupByTest`, and paging through a larger
//! data set at many page sizes must give exactly the unpaged result.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use sibyl_coordinator::{QueryOptions, QueryResult};
use support::{int, render, table, Harness};

/// The pages of `cql` fetched `page_size` at a time.
fn pages(h: &Harness, cql: &str, page_size: i32) -> Vec<Vec<Vec<String>>> {
    let mut out = Vec::new();
    let mut state = None;
    for _ in 0..100_000 {
        let o = h.opts().page_size(page_size).paging_state(state.take());
        let r = match h.proc.query(cql, &o) {
            Ok(QueryResult::Rows(r)) => r,
            other => panic!("{cql}: {other:?}"),
        };
        out.push(render(&r));
        match r.paging_state {
            Some(s) => state = Some(s),
            None => return out,
        }
    }
    panic!("{cql}: paging does not end");
}

/// Asserts that every full page has `page_size` rows (groups), that only the last page may
/// be shorter (and is not empty unless the whole result is), and returns the rows.
fn paged(h: &Harness, cql: &str, page_size: i32) -> Vec<Vec<String>> {
    let pages = pages(h, cql, page_size);
    let (last, full) = pages.split_last().unwrap();
    for p in full {
        assert_eq!(p.len(), page_size as usize, "{cql} by {page_size}: a page of {} rows", p.len());
    }
    assert!(last.len() <= page_size as usize, "{cql} by {page_size}");
    assert!(!last.is_empty() || pages.len() == 1, "{cql} by {page_size}: an empty last page");
    pages.concat()
}

/// `cql` gives `expected` unpaged and paged at every page size from 1 to 9.
fn check(h: &Harness, cql: &str, expected: &[&[&str]]) {
    let expected = table(expected);
    assert_eq!(h.rows(cql), expected, "{cql}");
    for page_size in 1..10 {
        assert_eq!(paged(h, cql, page_size), expected, "{cql} by {page_size}");
    }
}

/// `SelectGroupByTest.testGroupByWithoutPaging` / `testGroupByWithPaging`.
fn cassandra_table() -> Harness {
    let h = Harness::new();
    h.create_table("CREATE TABLE t (a int, b int, c int, d int, e int, PRIMARY KEY (a, b, c, d))");
    for (a, b, c, d, e) in [
        (1, 2, 1, 3, 6),
        (1, 2, 2, 6, 12),
        (1, 3, 2, 12, 24),
        (1, 4, 2, 12, 24),
        (1, 4, 2, 6, 12),
        (2, 2, 3, 3, 6),
        (2, 4, 3, 6, 12),
        (3, 3, 2, 12, 24),
        (4, 8, 2, 12, 24),
    ] {
        h.exec(&format!("INSERT INTO t (a, b, c, d, e) VALUES ({a}, {b}, {c}, {d}, {e})"));
    }
    // Some tombstones.
    h.exec("DELETE FROM t WHERE a = 1 AND b = 3 AND c = 2 AND d = 12");
    h.exec("DELETE FROM t WHERE a = 3");
    h
}

#[test]
fn cassandra_range_queries_paged_by_groups() {
    let h = cassandra_table();
    check(
        &h,
        "SELECT a, b, e, count(b), max(e) FROM t GROUP BY a",
        &[&["1", "2", "6", "4", "24"], &["2", "2", "6", "2", "12"], &["4", "8", "24", "1", "24"]],
    );
    let by_a_b: &[&[&str]] = &[
        &["1", "2", "6", "2", "12"],
        &["1", "4", "12", "2", "24"],
        &["2", "2", "6", "1", "6"],
        &["2", "4", "12", "1", "12"],
        &["4", "8", "24", "1", "24"],
    ];
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t GROUP BY a, b", by_a_b);
    check(
        &h,
        "SELECT a, b, e, count(b), max(e) FROM t WHERE b = 2 GROUP BY a, b ALLOW FILTERING",
        &[&["1", "2", "6", "2", "12"], &["2", "2", "6", "1", "6"]],
    );
    // Without aggregates: the first row of each group.
    check(
        &h,
        "SELECT a, b, c, d FROM t GROUP BY a, b, c",
        &[
            &["1", "2", "1", "3"],
            &["1", "2", "2", "6"],
            &["1", "4", "2", "6"],
            &["2", "2", "3", "3"],
            &["2", "4", "3", "6"],
            &["4", "8", "2", "12"],
        ],
    );
    check(
        &h,
        "SELECT a, b, c, d FROM t GROUP BY a, b",
        &[
            &["1", "2", "1", "3"],
            &["1", "4", "2", "6"],
            &["2", "2", "3", "3"],
            &["2", "4", "3", "6"],
            &["4", "8", "2", "12"],
        ],
    );
    // LIMIT counts groups.
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t GROUP BY a, b LIMIT 2", &by_a_b[..2]);
    check(
        &h,
        "SELECT a, b, c, d FROM t GROUP BY a, b, c LIMIT 3",
        &[&["1", "2", "1", "3"], &["1", "2", "2", "6"], &["1", "4", "2", "6"]],
    );
    check(
        &h,
        "SELECT a, b, c, d FROM t GROUP BY a, b LIMIT 3",
        &[&["1", "2", "1", "3"], &["1", "4", "2", "6"], &["2", "2", "3", "3"]],
    );
    // PER PARTITION LIMIT counts groups.
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t GROUP BY a, b PER PARTITION LIMIT 3", by_a_b);
    let first_per_partition: &[&[&str]] =
        &[&["1", "2", "6", "2", "12"], &["2", "2", "6", "1", "6"], &["4", "8", "24", "1", "24"]];
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t GROUP BY a, b PER PARTITION LIMIT 1", first_per_partition);
    check(
        &h,
        "SELECT a, b, e, count(b), max(e) FROM t GROUP BY a PER PARTITION LIMIT 2",
        &[&["1", "2", "6", "4", "24"], &["2", "2", "6", "2", "12"], &["4", "8", "24", "1", "24"]],
    );
    check(
        &h,
        "SELECT a, b, e, count(b), max(e) FROM t GROUP BY a, b PER PARTITION LIMIT 1 LIMIT 2",
        &first_per_partition[..2],
    );
    check(
        &h,
        "SELECT a, b, c, d FROM t GROUP BY a, b, c PER PARTITION LIMIT 2",
        &[
            &["1", "2", "1", "3"],
            &["1", "2", "2", "6"],
            &["2", "2", "3", "3"],
            &["2", "4", "3", "6"],
            &["4", "8", "2", "12"],
        ],
    );
    check(
        &h,
        "SELECT a, b, c, d FROM t GROUP BY a, b, c PER PARTITION LIMIT 2 LIMIT 3",
        &[&["1", "2", "1", "3"], &["1", "2", "2", "6"], &["2", "2", "3", "3"]],
    );
    // DISTINCT.
    check(&h, "SELECT DISTINCT a, count(a) FROM t GROUP BY a", &[&["1", "1"], &["2", "1"], &["4", "1"]]);
    check(&h, "SELECT DISTINCT a, count(a) FROM t GROUP BY a LIMIT 2", &[&["1", "1"], &["2", "1"]]);
    // Aggregates without GROUP BY: one row whatever the page size or LIMIT.
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t", &[&["1", "2", "6", "7", "24"]]);
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t LIMIT 2", &[&["1", "2", "6", "7", "24"]]);
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t WHERE b = 2 ALLOW FILTERING", &[&["1", "2", "6", "3", "12"]]);
    check(&h, "SELECT DISTINCT a, count(a) FROM t", &[&["1", "3"]]);
    check(&h, "SELECT DISTINCT a, count(a) FROM t LIMIT 2", &[&["1", "3"]]);
}

#[test]
fn cassandra_single_and_multi_partition_queries_paged_by_groups() {
    let h = cassandra_table();
    let by_a_b_c: &[&[&str]] =
        &[&["1", "2", "6", "1", "6"], &["1", "2", "12", "1", "12"], &["1", "4", "12", "2", "24"]];
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1 GROUP BY a, b, c", by_a_b_c);
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1 GROUP BY b, c", by_a_b_c);
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1", &[&["1", "2", "6", "4", "24"]]);
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1 AND b = 2 GROUP BY a, b, c", &by_a_b_c[..2]);
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1 AND b = 2 GROUP BY c", &by_a_b_c[..2]);
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1 AND b = 2", &[&["1", "2", "6", "2", "12"]]);
    check(&h, "SELECT a, b, c, d FROM t WHERE a = 1 GROUP BY a, b", &[&["1", "2", "1", "3"], &["1", "4", "2", "6"]]);
    check(&h, "SELECT DISTINCT a, count(a) FROM t WHERE a = 1 GROUP BY a", &[&["1", "1"]]);
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1 GROUP BY a, b, c LIMIT 10", by_a_b_c);
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1 GROUP BY a, b, c LIMIT 2", &by_a_b_c[..2]);
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1 LIMIT 2", &[&["1", "2", "6", "4", "24"]]);
    check(&h, "SELECT count(b), max(e) FROM t WHERE a = 1 GROUP BY a, b, c LIMIT 1", &[&["1", "6"]]);
    check(
        &h,
        "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1 GROUP BY a, b, c PER PARTITION LIMIT 2",
        &by_a_b_c[..2],
    );
    check(&h, "SELECT a, b, c, d FROM t WHERE a = 1 GROUP BY a, b LIMIT 1", &[&["1", "2", "1", "3"]]);
    // ORDER BY on one partition: groups in reverse clustering order.
    let reversed: &[&[&str]] =
        &[&["1", "4", "24", "2", "24"], &["1", "2", "12", "1", "12"], &["1", "2", "6", "1", "6"]];
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1 GROUP BY a, b, c ORDER BY b DESC, c DESC", reversed);
    check(
        &h,
        "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1 GROUP BY a, b, c ORDER BY b DESC, c DESC LIMIT 2",
        &reversed[..2],
    );
    check(
        &h,
        "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1 GROUP BY a, b, c ORDER BY b DESC, c DESC PER PARTITION LIMIT 2",
        &reversed[..2],
    );
    check(
        &h,
        "SELECT a, b, e, count(b), max(e) FROM t WHERE a = 1 ORDER BY b DESC, c DESC",
        &[&["1", "4", "24", "4", "24"]],
    );
    // Several partitions.
    check(
        &h,
        "SELECT a, b, e, count(b), max(e) FROM t WHERE a IN (1, 2, 4) GROUP BY a, b, c",
        &[
            &["1", "2", "6", "1", "6"],
            &["1", "2", "12", "1", "12"],
            &["1", "4", "12", "2", "24"],
            &["2", "2", "6", "1", "6"],
            &["2", "4", "12", "1", "12"],
            &["4", "8", "24", "1", "24"],
        ],
    );
    check(
        &h,
        "SELECT a, b, e, count(b), max(e) FROM t WHERE a IN (1, 2, 4) AND b = 2 GROUP BY a, b, c",
        &[&["1", "2", "6", "1", "6"], &["1", "2", "12", "1", "12"], &["2", "2", "6", "1", "6"]],
    );
    check(&h, "SELECT a, b, e, count(b), max(e) FROM t WHERE a IN (1, 2, 4)", &[&["1", "2", "6", "7", "24"]]);
    check(
        &h,
        "SELECT a, b, e, count(b), max(e) FROM t WHERE a IN (1, 2, 4) GROUP BY a, b, c PER PARTITION LIMIT 2",
        &[
            &["1", "2", "6", "1", "6"],
            &["1", "2", "12", "1", "12"],
            &["2", "2", "6", "1", "6"],
            &["2", "4", "12", "1", "12"],
            &["4", "8", "24", "1", "24"],
        ],
    );
    check(
        &h,
        "SELECT a, b, e, count(b), max(e) FROM t WHERE a IN (1, 2, 4) GROUP BY a, b, c PER PARTITION LIMIT 1",
        &[&["1", "2", "6", "1", "6"], &["2", "2", "6", "1", "6"], &["4", "8", "24", "1", "24"]],
    );
    check(
        &h,
        "SELECT a, b, c, d FROM t WHERE a IN (1, 2, 4) GROUP BY a, b",
        &[
            &["1", "2", "1", "3"],
            &["1", "4", "2", "6"],
            &["2", "2", "3", "3"],
            &["2", "4", "3", "6"],
            &["4", "8", "2", "12"],
        ],
    );
    check(
        &h,
        "SELECT DISTINCT a, count(a) FROM t WHERE a IN (1, 2, 4) GROUP BY a",
        &[&["1", "1"], &["2", "1"], &["4", "1"]],
    );
    check(
        &h,
        "SELECT DISTINCT a, count(a) FROM t WHERE a IN (1, 2, 4) GROUP BY a LIMIT 2",
        &[&["1", "1"], &["2", "1"]],
    );
    check(&h, "SELECT DISTINCT a, count(a) FROM t WHERE a IN (1, 2, 4)", &[&["1", "3"]]);
}

/// `SelectGroupByTest.testGroupByWithStaticColumnsWithoutPaging`, also paged: a partition
/// with only its static row is a group of its own.
#[test]
fn static_columns_and_static_only_partitions() {
    let h = Harness::new();
    h.create_table("CREATE TABLE s (a int, b int, c int, s int static, d int, PRIMARY KEY (a, b, c))");
    h.exec("UPDATE s SET s = 1 WHERE a = 1");
    h.exec("UPDATE s SET s = 2 WHERE a = 2");
    h.exec("UPDATE s SET s = 3 WHERE a = 4");
    let only_static: &[&[&str]] =
        &[&["1", "null", "1", "0", "1"], &["2", "null", "2", "0", "1"], &["4", "null", "3", "0", "1"]];
    check(&h, "SELECT a, b, s, count(b), count(s) FROM s GROUP BY a", only_static);
    check(&h, "SELECT a, b, s, count(b), count(s) FROM s GROUP BY a, b", only_static);
    check(&h, "SELECT a, b, s, count(b), count(s) FROM s GROUP BY a, b LIMIT 2", &only_static[..2]);
    check(&h, "SELECT a, b, s, count(b), count(s) FROM s GROUP BY a PER PARTITION LIMIT 2", only_static);
    check(
        &h,
        "SELECT DISTINCT a, s, count(s) FROM s GROUP BY a",
        &[&["1", "1", "1"], &["2", "2", "1"], &["4", "3", "1"]],
    );

    h.exec("UPDATE s SET s = 3 WHERE a = 3");
    h.exec("DELETE s FROM s WHERE a = 4");
    for (a, b, c, d) in [
        (1, 2, 1, 3),
        (1, 2, 2, 6),
        (1, 3, 2, 12),
        (1, 4, 2, 12),
        (1, 4, 3, 6),
        (2, 2, 3, 3),
        (2, 4, 3, 6),
        (4, 8, 2, 12),
    ] {
        h.exec(&format!("INSERT INTO s (a, b, c, d) VALUES ({a}, {b}, {c}, {d})"));
    }
    h.exec("INSERT INTO s (a, b, c, d) VALUES (5, 8, 2, 12)");
    h.exec("DELETE FROM s WHERE a = 1 AND b = 3 AND c = 2");
    h.exec("DELETE FROM s WHERE a = 5");
    check(
        &h,
        "SELECT a, b, s, count(b), count(s) FROM s GROUP BY a",
        &[
            &["1", "2", "1", "4", "4"],
            &["2", "2", "2", "2", "2"],
            &["4", "8", "null", "1", "0"],
            &["3", "null", "3", "0", "1"],
        ],
    );
    let by_a_b: &[&[&str]] = &[
        &["1", "2", "1", "2", "2"],
        &["1", "4", "1", "2", "2"],
        &["2", "2", "2", "1", "1"],
        &["2", "4", "2", "1", "1"],
        &["4", "8", "null", "1", "0"],
        &["3", "null", "3", "0", "1"],
    ];
    check(&h, "SELECT a, b, s, count(b), count(s) FROM s GROUP BY a, b", by_a_b);
    check(
        &h,
        "SELECT a, b, s, count(b), count(s) FROM s GROUP BY a, b PER PARTITION LIMIT 1",
        &[by_a_b[0], by_a_b[2], by_a_b[4], by_a_b[5]],
    );
    check(
        &h,
        "SELECT a, b, s, count(b), count(s) FROM s GROUP BY a, b PER PARTITION LIMIT 1 LIMIT 3",
        &[by_a_b[0], by_a_b[2], by_a_b[4]],
    );
    check(
        &h,
        "SELECT a, b, s, count(b), count(s) FROM s WHERE a IN (1, 2, 3, 4) GROUP BY a, b PER PARTITION LIMIT 4 LIMIT 3",
        &by_a_b[..3],
    );
    check(
        &h,
        "SELECT a, b, s FROM s GROUP BY a, b",
        &[
            &["1", "2", "1"],
            &["1", "4", "1"],
            &["2", "2", "2"],
            &["2", "4", "2"],
            &["4", "8", "null"],
            &["3", "null", "3"],
        ],
    );
    check(
        &h,
        "SELECT DISTINCT a, s, count(a), count(s) FROM s GROUP BY a",
        &[&["1", "1", "1", "1"], &["2", "2", "1", "1"], &["4", "null", "1", "0"], &["3", "3", "1", "1"]],
    );
}

/// 30 partitions (k) × 8 values of a × 5 of b: v = k * 100 + a * 10 + b; partition k has a
/// static s = k.
fn big() -> Harness {
    let h = Harness::new();
    h.create_table("CREATE TABLE p (k int, a int, b int, v int, s int static, PRIMARY KEY (k, a, b))");
    let ins = h.proc.prepare("INSERT INTO p (k, a, b, v) VALUES (?, ?, ?, ?)", Some("ks")).unwrap();
    for k in 0..30 {
        h.exec(&format!("INSERT INTO p (k, s) VALUES ({k}, {k})"));
        for a in 0..8 {
            for b in 0..5 {
                let o = QueryOptions::with_values(vec![int(k), int(a), int(b), int(k * 100 + a * 10 + b)]);
                h.proc.execute(&ins, &o).unwrap();
            }
        }
    }
    // Partitions with only a static row, and one with a deleted row.
    for k in 30..33 {
        h.exec(&format!("INSERT INTO p (k, s) VALUES ({k}, {k})"));
    }
    h.exec("DELETE FROM p WHERE k = 3 AND a = 2 AND b = 2");
    h
}

#[test]
fn paging_by_groups_gives_exactly_the_unpaged_result() {
    let h = big();
    let queries = [
        ("SELECT k, count(*), sum(v), max(b) FROM p GROUP BY k", 33),
        ("SELECT k, a, count(*), sum(v), min(b) FROM p GROUP BY k, a", 243),
        ("SELECT k, a, b, v FROM p GROUP BY k, a, b", 1202),
        ("SELECT k, a, b, v FROM p GROUP BY k, a", 243),
        ("SELECT k, a, count(*) FROM p GROUP BY k, a LIMIT 50", 50),
        ("SELECT k, a, count(*) FROM p GROUP BY k, a PER PARTITION LIMIT 3", 93),
        ("SELECT k, a, count(*) FROM p GROUP BY k, a PER PARTITION LIMIT 3 LIMIT 40", 40),
        ("SELECT k, a, b, count(*) FROM p GROUP BY k, a, b PER PARTITION LIMIT 7 LIMIT 100", 100),
        ("SELECT k, a, count(*), s FROM p WHERE b = 3 GROUP BY k, a ALLOW FILTERING", 240),
        ("SELECT k, a, count(*) FROM p WHERE a >= 2 AND a < 6 GROUP BY k, a ALLOW FILTERING", 120),
        ("SELECT k, a, count(*) FROM p WHERE k IN (7, 3, 12, 31) GROUP BY k, a", 25),
        ("SELECT k, a, count(*) FROM p WHERE k IN (7, 3, 12) GROUP BY k, a PER PARTITION LIMIT 5 LIMIT 12", 12),
        ("SELECT k, a, sum(v) FROM p WHERE k = 5 GROUP BY a", 8),
        ("SELECT k, a, b, sum(v) FROM p WHERE k = 5 AND a = 3 GROUP BY b", 5),
        ("SELECT k, a, sum(v) FROM p WHERE k = 5 GROUP BY a ORDER BY a DESC", 8),
        ("SELECT k, a, sum(v) FROM p WHERE k = 5 GROUP BY a ORDER BY a DESC PER PARTITION LIMIT 6 LIMIT 5", 5),
        ("SELECT k, a, count(*) FROM p WHERE k = 5 AND a > 1 AND a <= 6 GROUP BY k, a ORDER BY a DESC", 5),
        ("SELECT k, a, b, v FROM p WHERE k = 5 AND (a, b) > (2, 3) AND (a, b) <= (6, 1) GROUP BY a, b", 18),
        ("SELECT DISTINCT k, s, count(k) FROM p GROUP BY k", 33),
        ("SELECT DISTINCT k, s FROM p GROUP BY k LIMIT 20", 20),
    ];
    for (cql, groups) in queries {
        let unpaged = h.rows(cql);
        assert_eq!(unpaged.len(), groups, "{cql}");
        for page_size in [1, 2, 3, 7, 25, 1000] {
            let pages = pages(&h, cql, page_size);
            assert_eq!(pages.len(), groups.div_ceil(page_size as usize).max(1), "{cql} by {page_size}");
            assert_eq!(paged(&h, cql, page_size), unpaged, "{cql} by {page_size}");
        }
    }
    // The groups are whole on every page: each (k, a) group of `GROUP BY k, a` counts 5 rows
    // (4 in partition 3's a = 2, 1 for a partition with only its static row).
    for row in paged(&h, "SELECT k, a, count(*) FROM p GROUP BY k, a", 4) {
        let expected = if row[0] == "3" && row[1] == "2" {
            "4"
        } else if row[1] == "null" {
            "1"
        } else {
            "5"
        };
        assert_eq!(row[2], expected, "{row:?}");
    }
}

#[test]
fn aggregates_without_group_by_ignore_the_page_size() {
    let h = big();
    for page_size in [1, 10, 5000] {
        for (cql, expected) in [
            ("SELECT count(*), max(v) FROM p", vec!["1202", "2974"]),
            ("SELECT count(*), max(v) FROM p LIMIT 3", vec!["1202", "2974"]),
            ("SELECT count(*), min(v) FROM p WHERE k = 4", vec!["40", "400"]),
            ("SELECT count(*) FROM p WHERE k IN (1, 2, 30)", vec!["81"]),
            ("SELECT count(v) FROM p WHERE b = 0 ALLOW FILTERING", vec!["240"]),
        ] {
            let pages = pages(&h, cql, page_size);
            assert_eq!(pages.len(), 1, "{cql} by {page_size}: no paging state");
            assert_eq!(pages[0], vec![expected.iter().map(|s| s.to_string()).collect::<Vec<_>>()], "{cql}");
        }
    }
}

#[test]
fn in_with_order_by_is_not_paged() {
    let h = big();
    let cql = "SELECT k, a, count(*) FROM p WHERE k IN (1, 2) GROUP BY k, a ORDER BY a DESC";
    assert_eq!(h.rows(cql).len(), 16);
    let e = h.proc.query(cql, &h.opts().page_size(5)).unwrap_err();
    assert_eq!(e.code(), 0x2200);
    assert!(e.message().starts_with("Cannot page queries with both ORDER BY and a IN restriction"), "{e:?}");
}
