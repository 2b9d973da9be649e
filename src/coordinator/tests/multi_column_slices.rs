//! Multi-column (tuple) slices on clustering columns, including columns of mixed ASC/DESC
//! clustering order, which Cassandra accepts since 2.2 (CASSANDRA-7281) by splitting the slice
//! into several ranges in storage order.
//!
//! A tuple relation compares lexicographically in CQL order: `(a, b) > (1, 2)` is `a > 1 OR
//! (a = 1 AND b > 2)`, whatever the columns' clustering order. Rows come back in clustering
//! order (reversed by `ORDER BY`), and paging, `LIMIT` and `PER PARTITION LIMIT` work across the
//! ranges. Every form is checked against a brute-force filter of a grid of rows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::cmp::Ordering;

use sibyl_coordinator::{BoundValue, QueryOptions, QueryResult};
use support::{int, render, table, Harness};

const COLUMNS: [&str; 3] = ["a", "b", "c"];

/// A clustering key (a, b, c).
type Key = [i32; 3];

/// Partitions k in 0..2, each with every (a, b, c) in 0..3³; `desc` gives each clustering
/// column's order.
struct Grid {
    h: Harness,
    desc: [bool; 3],
    /// One partition's keys in storage (clustering) order.
    keys: Vec<Key>,
}

fn grid(desc: [bool; 3]) -> Grid {
    let h = Harness::new();
    let order: Vec<String> =
        COLUMNS.iter().zip(desc).map(|(c, d)| format!("{c} {}", if d { "DESC" } else { "ASC" })).collect();
    h.create_table(&format!(
        "CREATE TABLE m (k int, a int, b int, c int, v int, PRIMARY KEY (k, a, b, c)) WITH CLUSTERING ORDER BY ({})",
        order.join(", ")
    ));
    let ins = h.proc.prepare("INSERT INTO m (k, a, b, c, v) VALUES (?, ?, ?, ?, ?)", Some("ks")).unwrap();
    let mut keys = Vec::new();
    for a in 0..3 {
        for b in 0..3 {
            for c in 0..3 {
                keys.push([a, b, c]);
                for k in 0..2 {
                    let o = QueryOptions::with_values(vec![int(k), int(a), int(b), int(c), int(a * 100 + b * 10 + c)]);
                    h.proc.execute(&ins, &o).unwrap();
                }
            }
        }
    }
    keys.sort_by(|x, y| storage_cmp(&desc, x, y));
    Grid { h, desc, keys }
}

fn storage_cmp(desc: &[bool; 3], x: &Key, y: &Key) -> Ordering {
    for i in 0..3 {
        let o = x[i].cmp(&y[i]);
        let o = if desc[i] { o.reverse() } else { o };
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

/// A tuple relation `(a, …) op (v, …)` on the first `values.len()` clustering columns.
#[derive(Debug, Clone)]
struct Rel {
    op: &'static str,
    values: Vec<i32>,
}

impl Rel {
    fn cql(&self) -> String {
        let cols = &COLUMNS[..self.values.len()];
        let vals: Vec<String> = self.values.iter().map(i32::to_string).collect();
        format!("({}) {} ({})", cols.join(", "), self.op, vals.join(", "))
    }

    /// Whether `key` satisfies the relation: lexicographic comparison in CQL order.
    fn holds(&self, key: &Key) -> bool {
        let o = key[..self.values.len()].cmp(&self.values[..]);
        match self.op {
            ">" => o.is_gt(),
            ">=" => o.is_ge(),
            "<" => o.is_lt(),
            "<=" => o.is_le(),
            other => panic!("op {other}"),
        }
    }
}

fn all_tuples(width: usize) -> Vec<Vec<i32>> {
    let mut out = vec![Vec::new()];
    for _ in 0..width {
        out = out.into_iter().flat_map(|t| (-1..=3).map(move |v| [t.clone(), vec![v]].concat())).collect();
    }
    out
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    fn rel(&mut self, ops: &[&'static str]) -> Rel {
        let width = 1 + self.next(3);
        Rel { op: ops[self.next(ops.len())], values: (0..width).map(|_| self.next(5) as i32 - 1).collect() }
    }
}

impl Grid {
    fn where_clause(&self, rels: &[Rel]) -> String {
        rels.iter().map(|r| format!(" AND {}", r.cql())).collect()
    }

    /// `ORDER BY` reversing the clustering order.
    fn reversed_order_by(&self) -> String {
        let cols: Vec<String> =
            COLUMNS.iter().zip(self.desc).map(|(c, d)| format!("{c} {}", if d { "ASC" } else { "DESC" })).collect();
        format!(" ORDER BY {}", cols.join(", "))
    }

    /// One partition's keys satisfying `rels`, in clustering order (reversed on demand).
    fn expected(&self, rels: &[Rel], reversed: bool) -> Vec<Key> {
        let mut out: Vec<Key> = self.keys.iter().filter(|k| rels.iter().all(|r| r.holds(k))).copied().collect();
        if reversed {
            out.reverse();
        }
        out
    }

    fn rendered(k: i32, keys: &[Key]) -> Vec<Vec<String>> {
        keys.iter().map(|key| [k, key[0], key[1], key[2]].iter().map(i32::to_string).collect()).collect()
    }

    fn check(&self, rels: &[Rel], reversed: bool) {
        let order = if reversed { self.reversed_order_by() } else { String::new() };
        let cql = format!("SELECT k, a, b, c FROM m WHERE k = 1{}{order}", self.where_clause(rels));
        let expected = Self::rendered(1, &self.expected(rels, reversed));
        assert_eq!(self.h.rows(&cql), expected, "{cql} (clustering desc: {:?})", self.desc);
    }
}

/// All rows of `cql` fetched `page_size` at a time.
fn paged(h: &Harness, cql: &str, page_size: i32) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut state = None;
    for _ in 0..10_000 {
        let o = h.opts().page_size(page_size).paging_state(state.take());
        let QueryResult::Rows(r) = h.proc.query(cql, &o).unwrap() else { panic!("rows") };
        assert!(r.rows.len() <= page_size as usize, "{cql}: page of {} rows", r.rows.len());
        out.extend(render(&r));
        match r.paging_state {
            Some(s) => {
                assert!(!r.rows.is_empty(), "{cql}: an empty page with a paging state");
                state = Some(s);
            }
            None => return out,
        }
    }
    panic!("{cql}: paging does not end");
}

const LAYOUTS: [[bool; 3]; 5] =
    [[false, true, false], [true, false, true], [true, true, false], [false, false, true], [false, true, true]];

#[test]
fn single_bounds_match_a_brute_force_filter() {
    for desc in LAYOUTS {
        let g = grid(desc);
        for width in 1..=3 {
            for values in all_tuples(width) {
                for op in [">", ">=", "<", "<="] {
                    g.check(&[Rel { op, values: values.clone() }], false);
                }
            }
        }
    }
}

#[test]
fn two_bounds_of_any_widths_match_a_brute_force_filter() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for desc in LAYOUTS {
        let g = grid(desc);
        for i in 0..250 {
            let lower = rng.rel(&[">", ">="]);
            let upper = rng.rel(&["<", "<="]);
            // The bounds may come in either order in the WHERE clause.
            let rels = if i % 2 == 0 { vec![lower, upper] } else { vec![upper, lower] };
            g.check(&rels, i % 3 == 0);
        }
    }
}

#[test]
fn reversed_order_matches_a_brute_force_filter() {
    let mut rng = Rng(42);
    for desc in LAYOUTS {
        let g = grid(desc);
        for _ in 0..60 {
            g.check(&[rng.rel(&[">", ">=", "<", "<="])], true);
        }
    }
}

#[test]
fn paging_limit_and_per_partition_limit_across_the_split_ranges() {
    let mut rng = Rng(7);
    for desc in LAYOUTS {
        let g = grid(desc);
        for i in 0..24 {
            let mut rels = vec![rng.rel(&[">", ">="])];
            if i % 2 == 1 {
                rels.push(rng.rel(&["<", "<="]));
            }
            let reversed = i % 4 >= 2;
            let order = if reversed { g.reversed_order_by() } else { String::new() };
            let filter = g.where_clause(&rels);
            let one = g.expected(&rels, reversed);

            // One partition, paged.
            let cql = format!("SELECT k, a, b, c FROM m WHERE k = 0{filter}{order}");
            let expected = Grid::rendered(0, &one);
            for page_size in [1, 2, 5, 100] {
                assert_eq!(paged(&g.h, &cql, page_size), expected, "{cql} by {page_size}");
            }

            // LIMIT, paged or not.
            let cql = format!("SELECT k, a, b, c FROM m WHERE k = 0{filter}{order} LIMIT 7");
            let limited: Vec<Key> = one.iter().take(7).copied().collect();
            assert_eq!(g.h.rows(&cql), Grid::rendered(0, &limited), "{cql}");
            assert_eq!(paged(&g.h, &cql, 3), Grid::rendered(0, &limited), "{cql} by 3");

            // Two partitions: PER PARTITION LIMIT, then LIMIT, paged (with IN, ORDER BY sorts
            // the merged rows and cannot be paged: that is tested elsewhere).
            if reversed {
                continue;
            }
            let per: Vec<Key> = one.iter().take(4).copied().collect();
            let mut both = Grid::rendered(0, &per);
            both.extend(Grid::rendered(1, &per));
            let cql = format!("SELECT k, a, b, c FROM m WHERE k IN (1, 0){filter}{order} PER PARTITION LIMIT 4");
            assert_eq!(g.h.rows(&cql), both, "{cql}");
            assert_eq!(paged(&g.h, &cql, 3), both, "{cql} by 3");
            let cql = format!("{cql} LIMIT 6");
            let limited: Vec<Vec<String>> = both.iter().take(6).cloned().collect();
            assert_eq!(g.h.rows(&cql), limited, "{cql}");
            for page_size in [1, 4] {
                assert_eq!(paged(&g.h, &cql, page_size), limited, "{cql} by {page_size}");
            }

            // A scan of every partition (a clustering slice on a range of partitions needs
            // ALLOW FILTERING), in the order the partitions are stored.
            let order_of_keys: Vec<i32> =
                g.h.rows("SELECT DISTINCT k FROM m").iter().map(|r| r[0].parse().unwrap()).collect();
            let mut expected = Vec::new();
            for k in order_of_keys {
                expected.extend(Grid::rendered(k, &one));
            }
            let where_ = filter.trim_start_matches(" AND ");
            let cql = format!("SELECT k, a, b, c FROM m WHERE {where_} ALLOW FILTERING");
            assert_eq!(g.h.rows(&cql), expected, "{cql}");
            assert_eq!(paged(&g.h, &cql, 4), expected, "{cql} by 4");
        }
    }
}

fn tuple(values: &[i32]) -> BoundValue {
    let mut out = Vec::new();
    for v in values {
        out.extend_from_slice(&4i32.to_be_bytes());
        out.extend_from_slice(&v.to_be_bytes());
    }
    BoundValue::Value(out)
}

#[test]
fn bound_tuple_markers() {
    let g = grid([false, true, false]);
    let p =
        g.h.proc
            .prepare("SELECT k, a, b, c FROM m WHERE k = ? AND (a, b, c) >= ? AND (a, b) < (?, ?)", Some("ks"))
            .unwrap();
    let mut rng = Rng(99);
    for _ in 0..40 {
        let lower: Vec<i32> = (0..3).map(|_| rng.next(5) as i32 - 1).collect();
        let upper: Vec<i32> = (0..2).map(|_| rng.next(5) as i32 - 1).collect();
        let o = QueryOptions::with_values(vec![int(1), tuple(&lower), int(upper[0]), int(upper[1])]);
        let QueryResult::Rows(r) = g.h.proc.execute(&p, &o).unwrap() else { panic!("rows") };
        let rels = [Rel { op: ">=", values: lower.clone() }, Rel { op: "<", values: upper.clone() }];
        assert_eq!(render(&r), Grid::rendered(1, &g.expected(&rels, false)), "{lower:?} .. {upper:?}");
    }
}

#[test]
fn range_deletes_remove_exactly_the_slice() {
    let mut rng = Rng(1234);
    for desc in [[false, true, false], [true, false, true]] {
        for _ in 0..8 {
            let g = grid(desc);
            let mut rels = vec![rng.rel(&[">", ">="])];
            if rng.next(2) == 0 {
                rels.push(rng.rel(&["<", "<="]));
            }
            g.h.exec(&format!("DELETE FROM m WHERE k = 0{}", g.where_clause(&rels)));
            let kept: Vec<Key> = g.keys.iter().filter(|k| !rels.iter().all(|r| r.holds(k))).copied().collect();
            assert_eq!(g.h.rows("SELECT k, a, b, c FROM m WHERE k = 0"), Grid::rendered(0, &kept), "{rels:?}");
            // The other partition is untouched.
            assert_eq!(g.h.rows("SELECT k, a, b, c FROM m WHERE k = 1").len(), 27);
        }
    }
}

/// Cassandra's own example (`SelectMultiColumnRelationTest.testMixedOrderColumns1`).
#[test]
fn cassandra_mixed_order_example() {
    let h = Harness::new();
    h.create_table(
        "CREATE TABLE t (a int, b int, c int, d int, e int, PRIMARY KEY (a, b, c, d, e)) \
         WITH CLUSTERING ORDER BY (b DESC, c ASC, d DESC, e ASC)",
    );
    let rows = [
        (2, 0, -1, 0),
        (2, 0, -1, 1),
        (2, 0, 1, 1),
        (1, -1, 0, 0),
        (1, -1, 1, 1),
        (1, -1, 1, 0),
        (1, 0, 1, -1),
        (1, 0, 1, 1),
        (1, 0, 0, -1),
        (1, 0, 0, 0),
        (1, 0, 0, 1),
        (1, 0, -1, -1),
        (1, 1, 0, -1),
        (1, 1, 0, 0),
        (1, 1, 0, 1),
        (1, 1, -1, 0),
        (0, 0, 0, 0),
        (-1, 0, -1, 0),
        (-1, 0, 0, 0),
    ];
    for (b, c, d, e) in rows {
        h.exec(&format!("INSERT INTO t (a, b, c, d, e) VALUES (0, {b}, {c}, {d}, {e})"));
    }
    let q = |w: &str| h.rows(&format!("SELECT * FROM t WHERE a = 0 AND {w}"));
    assert_eq!(
        q("(b, c, d, e) <= (2, 0, 1, 1) AND (b) > (-1)"),
        table(&[
            &["0", "2", "0", "1", "1"],
            &["0", "2", "0", "-1", "0"],
            &["0", "2", "0", "-1", "1"],
            &["0", "1", "-1", "1", "0"],
            &["0", "1", "-1", "1", "1"],
            &["0", "1", "-1", "0", "0"],
            &["0", "1", "0", "1", "-1"],
            &["0", "1", "0", "1", "1"],
            &["0", "1", "0", "0", "-1"],
            &["0", "1", "0", "0", "0"],
            &["0", "1", "0", "0", "1"],
            &["0", "1", "0", "-1", "-1"],
            &["0", "1", "1", "0", "-1"],
            &["0", "1", "1", "0", "0"],
            &["0", "1", "1", "0", "1"],
            &["0", "1", "1", "-1", "0"],
            &["0", "0", "0", "0", "0"],
        ])
    );
    assert_eq!(
        q("(b, c, d) >= (1, 1, 0) AND (b, c, d, e) < (1, 1, 0, 1)"),
        table(&[&["0", "1", "1", "0", "-1"], &["0", "1", "1", "0", "0"]])
    );
    assert_eq!(
        q("(b, c, d, e) < (1, 0, 0, 0) AND (b, c, d, e) > (1, 0, -1, -1)"),
        table(&[&["0", "1", "0", "0", "-1"]])
    );
    assert_eq!(
        q("(b, c, d, e) <= (1, 0, 0, 0) AND (b, c, d, e) > (1, 0, -1, -1)"),
        table(&[&["0", "1", "0", "0", "-1"], &["0", "1", "0", "0", "0"]])
    );
    assert_eq!(
        q("(b, c, d, e) <= (1, 0, 0, 0)"),
        table(&[
            &["0", "1", "-1", "1", "0"],
            &["0", "1", "-1", "1", "1"],
            &["0", "1", "-1", "0", "0"],
            &["0", "1", "0", "0", "-1"],
            &["0", "1", "0", "0", "0"],
            &["0", "1", "0", "-1", "-1"],
            &["0", "0", "0", "0", "0"],
            &["0", "-1", "0", "0", "0"],
            &["0", "-1", "0", "-1", "0"],
        ])
    );
    assert_eq!(
        q("(b, c, d, e) > (1, 0, 0, 0)"),
        table(&[
            &["0", "2", "0", "1", "1"],
            &["0", "2", "0", "-1", "0"],
            &["0", "2", "0", "-1", "1"],
            &["0", "1", "0", "1", "-1"],
            &["0", "1", "0", "1", "1"],
            &["0", "1", "0", "0", "1"],
            &["0", "1", "1", "0", "-1"],
            &["0", "1", "1", "0", "0"],
            &["0", "1", "1", "0", "1"],
            &["0", "1", "1", "-1", "0"],
        ])
    );
    // Reversed: the same rows from the other end.
    let mut reversed = q("(b, c, d, e) > (1, 0, 0, 0)");
    reversed.reverse();
    assert_eq!(q("(b, c, d, e) > (1, 0, 0, 0) ORDER BY b ASC, c DESC, d ASC, e DESC"), reversed);
}
