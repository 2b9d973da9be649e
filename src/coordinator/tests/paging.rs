//! Paging: every row exactly once across pages, with LIMIT and PER PARTITION LIMIT, across
//! partitions (key lists and range scans), reversed, with filtering and static rows; bad paging
//! states are Invalid errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use sibyl_coordinator::{QueryOptions, QueryResult};
use support::{int, render, Harness};

/// 100 partitions (k) × 100 rows (c): 10,000 rows, v = k * 1000 + c.
fn big() -> Harness {
    let h = Harness::new();
    h.create_table("CREATE TABLE p (k int, c int, v int, s int static, PRIMARY KEY (k, c))");
    let ins = h.proc.prepare("INSERT INTO p (k, c, v) VALUES (?, ?, ?)", Some("ks")).unwrap();
    for k in 0..100 {
        for c in 0..100 {
            let o = QueryOptions::with_values(vec![int(k), int(c), int(k * 1000 + c)]);
            h.proc.execute(&ins, &o).unwrap();
        }
    }
    h
}

/// All rows of `cql` fetched `page_size` at a time, and the number of pages.
fn page_all(h: &Harness, cql: &str, page_size: i32) -> (Vec<Vec<String>>, usize) {
    let mut out = Vec::new();
    let mut state = None;
    let mut pages = 0;
    loop {
        let o = h.opts().page_size(page_size).paging_state(state.take());
        let QueryResult::Rows(r) = h.proc.query(cql, &o).unwrap() else { panic!("rows") };
        pages += 1;
        assert!(r.rows.len() <= page_size as usize);
        out.extend(render(&r));
        match r.paging_state {
            Some(s) => {
                assert!(!r.rows.is_empty(), "a page with a paging state has rows");
                state = Some(s);
            }
            None => break,
        }
        assert!(pages < 100_000);
    }
    (out, pages)
}

fn unpaged(h: &Harness, cql: &str) -> Vec<Vec<String>> {
    h.rows(cql)
}

#[test]
fn ten_thousand_rows_by_hundreds() {
    let h = big();
    let (rows, pages) = page_all(&h, "SELECT k, c, v FROM p", 100);
    assert_eq!(rows.len(), 10_000);
    assert_eq!(pages, 100);
    assert_eq!(rows, unpaged(&h, "SELECT k, c, v FROM p"));
    let mut seen = std::collections::HashSet::new();
    for r in &rows {
        assert!(seen.insert((r[0].clone(), r[1].clone())), "row {r:?} twice");
    }
}

#[test]
fn with_limit() {
    let h = big();
    let (rows, pages) = page_all(&h, "SELECT k, c FROM p LIMIT 2550", 100);
    assert_eq!(rows.len(), 2550);
    assert_eq!(pages, 26);
    assert_eq!(rows, unpaged(&h, "SELECT k, c FROM p LIMIT 2550"));
}

#[test]
fn with_per_partition_limit() {
    let h = big();
    let (rows, pages) = page_all(&h, "SELECT k, c FROM p PER PARTITION LIMIT 7", 100);
    assert_eq!(rows.len(), 700);
    assert_eq!(pages, 7);
    assert_eq!(rows, unpaged(&h, "SELECT k, c FROM p PER PARTITION LIMIT 7"));
    let (rows, _) = page_all(&h, "SELECT k, c FROM p PER PARTITION LIMIT 30 LIMIT 1000", 64);
    assert_eq!(rows.len(), 1000);
    assert_eq!(rows, unpaged(&h, "SELECT k, c FROM p PER PARTITION LIMIT 30 LIMIT 1000"));
}

#[test]
fn within_one_partition_forward_and_reversed() {
    let h = big();
    let (rows, pages) = page_all(&h, "SELECT c FROM p WHERE k = 5", 7);
    assert_eq!(rows.len(), 100);
    assert_eq!(pages, 15);
    let (rev, _) = page_all(&h, "SELECT c FROM p WHERE k = 5 ORDER BY c DESC", 7);
    let mut expected = rows.clone();
    expected.reverse();
    assert_eq!(rev, expected);
    let (slice, _) = page_all(&h, "SELECT c FROM p WHERE k = 5 AND c >= 10 AND c < 50 ORDER BY c DESC", 6);
    assert_eq!(slice, unpaged(&h, "SELECT c FROM p WHERE k = 5 AND c >= 10 AND c < 50 ORDER BY c DESC"));
    assert_eq!(slice.len(), 40);
}

#[test]
fn across_an_in_list() {
    let h = big();
    let q = "SELECT k, c FROM p WHERE k IN (3, 1, 2) AND c IN (5, 1, 99)";
    let (rows, _) = page_all(&h, q, 2);
    assert_eq!(rows.len(), 9);
    assert_eq!(rows, unpaged(&h, q));
    let q = "SELECT k, c FROM p WHERE k IN (3, 1, 2) PER PARTITION LIMIT 3";
    let (rows, _) = page_all(&h, q, 4);
    assert_eq!(rows, unpaged(&h, q));
    assert_eq!(rows.len(), 9);
}

#[test]
fn with_filtering_and_distinct() {
    let h = big();
    let q = "SELECT k, c FROM p WHERE c = 42 ALLOW FILTERING";
    let (rows, _) = page_all(&h, q, 9);
    assert_eq!(rows.len(), 100);
    assert_eq!(rows, unpaged(&h, q));
    let (keys, _) = page_all(&h, "SELECT DISTINCT k FROM p", 30);
    assert_eq!(keys.len(), 100);
}

#[test]
fn static_only_partitions_page() {
    let h = Harness::new();
    h.create_table("CREATE TABLE s (k int, c int, s int static, v int, PRIMARY KEY (k, c))");
    for k in 0..10 {
        h.exec(&format!("INSERT INTO s (k, s) VALUES ({k}, {k})"));
        if k % 2 == 0 {
            h.exec(&format!("INSERT INTO s (k, c, v) VALUES ({k}, 1, 1)"));
            h.exec(&format!("INSERT INTO s (k, c, v) VALUES ({k}, 2, 2)"));
        }
    }
    let (rows, _) = page_all(&h, "SELECT * FROM s", 3);
    assert_eq!(rows.len(), 15);
    assert_eq!(rows, unpaged(&h, "SELECT * FROM s"));
}

#[test]
fn no_empty_last_page() {
    let h = big();
    let (rows, pages) = page_all(&h, "SELECT c FROM p WHERE k = 1", 50);
    assert_eq!((rows.len(), pages), (100, 2));
    let (rows, pages) = page_all(&h, "SELECT c FROM p WHERE k = 1", 100);
    assert_eq!((rows.len(), pages), (100, 1));
}

#[test]
fn bad_paging_states_are_invalid() {
    let h = big();
    let o = h.opts().page_size(10);
    let QueryResult::Rows(r) = h.proc.query("SELECT * FROM p", &o).unwrap() else { panic!() };
    let good = r.paging_state.unwrap();
    for bad in [vec![], vec![0u8; 3], vec![0xFF; 64], good[..good.len() - 1].to_vec()] {
        if bad.is_empty() {
            continue;
        }
        let e = h.proc.query("SELECT * FROM p", &h.opts().page_size(10).paging_state(Some(bad))).unwrap_err();
        assert_eq!((e.code(), e.message().as_str()), (0x2200, "Invalid value for the paging state"));
    }
    let mut flipped = good.clone();
    flipped[5] ^= 1;
    assert!(h.proc.query("SELECT * FROM p", &h.opts().page_size(10).paging_state(Some(flipped))).is_err());
    // A valid state for a key outside the IN list.
    let e = h
        .proc
        .query("SELECT * FROM p WHERE k IN (1000, 1001)", &h.opts().page_size(10).paging_state(Some(good)))
        .unwrap_err();
    assert_eq!(e.code(), 0x2200);
}
