//! Clustering order of frozen collections, tuples and UDTs, as Cassandra 5.0 compares them
//! (`ListType`/`SetType`/`MapType`, `TupleType`, `UserType`): element by element with the
//! element types' own comparators, a collection that is a prefix of another first, a map entry
//! by key then value, a tuple or UDT component by component with null first (omitted trailing
//! components being nulls). Each case lists values in that order; the tests insert them
//! shuffled, half flushed to an SSTable, and check the rows, every slice restriction, `IN` and
//! `ORDER BY` against the list, for ASC and DESC clustering.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::Harness;

/// A clustering column type and values in Cassandra's order, written as sibyl renders them.
struct Case {
    ty: &'static str,
    values: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        ty: "frozen<list<int>>",
        values: &[
            "[]",
            "[-2147483648]",
            "[-1]",
            "[-1, 5]",
            "[0]",
            "[1]",
            "[1, -2]",
            "[1, 2]",
            "[1, 2, 3]",
            "[2]",
            "[256]",
        ],
    },
    Case { ty: "frozen<set<text>>", values: &["{}", "{''}", "{'', 'a'}", "{'a'}", "{'a', 'b'}", "{'ab'}", "{'b'}"] },
    Case {
        ty: "frozen<map<int, text>>",
        values: &["{}", "{-1: 'z'}", "{0: ''}", "{0: '', 5: ''}", "{0: 'a'}", "{0: 'a', 1: ''}", "{1: ''}"],
    },
    Case {
        ty: "frozen<tuple<int, text, blob>>",
        values: &[
            "(null, null, null)",
            "(null, 'a', null)",
            "(-1, null, null)",
            "(-1, null, 0x)",
            "(-1, '', 0x)",
            "(-1, '', 0x00)",
            "(0, 'a', 0x)",
            "(0, 'a', 0xff)",
            "(0, 'ab', null)",
            "(1, null, null)",
        ],
    },
    Case {
        ty: "frozen<list<frozen<list<int>>>>",
        values: &["[]", "[[]]", "[[], []]", "[[-1]]", "[[0]]", "[[0], [1]]", "[[0, 1]]", "[[1]]"],
    },
    Case {
        ty: "frozen<ord_udt>",
        values: &[
            "{x: null, y: null, z: null}",
            "{x: null, y: 'a', z: null}",
            "{x: null, y: 'a', z: []}",
            "{x: null, y: 'b', z: null}",
            "{x: 0, y: null, z: null}",
            "{x: 0, y: null, z: [1]}",
            "{x: 0, y: '', z: null}",
            "{x: 0, y: '', z: [-1, 2]}",
            "{x: 0, y: '', z: [0]}",
            "{x: 1, y: 'a', z: null}",
        ],
    },
];

fn harness() -> Harness {
    let h = Harness::new();
    h.create_type("CREATE TYPE ord_udt (x int, y text, z frozen<list<int>>)");
    h
}

fn col(h: &Harness, cql: &str) -> Vec<String> {
    h.rows(cql).into_iter().map(|r| r.join(",")).collect()
}

/// `values` in storage order for the given clustering order.
fn stored<T: ToString>(values: impl IntoIterator<Item = T>, desc: bool) -> Vec<String> {
    let mut v: Vec<String> = values.into_iter().map(|x| x.to_string()).collect();
    if desc {
        v.reverse();
    }
    v
}

/// Creates `t` with clustering column `c` of `case.ty` and inserts the values shuffled, the
/// first half of the inserts flushed to an SSTable.
fn load(h: &Harness, case: &Case, desc: bool) {
    let order = if desc { "DESC" } else { "ASC" };
    h.create_table(&format!(
        "CREATE TABLE t (k int, c {}, v int, PRIMARY KEY (k, c)) WITH CLUSTERING ORDER BY (c {order})",
        case.ty
    ));
    let n = case.values.len();
    // Odd positions first, then even ones backwards.
    let shuffled: Vec<usize> = (0..n).filter(|i| i % 2 == 1).chain((0..n).filter(|i| i % 2 == 0).rev()).collect();
    for (done, &i) in shuffled.iter().enumerate() {
        h.exec(&format!("INSERT INTO t (k, c, v) VALUES (0, {}, {i})", case.values[i]));
        h.exec(&format!("INSERT INTO t (k, c, v) VALUES (1, {}, {i})", case.values[i]));
        if done == n / 2 {
            h.proc.engine().flush_all().unwrap();
        }
    }
}

fn check_case(case: &Case, desc: bool) {
    let h = harness();
    load(&h, case, desc);
    let values = case.values;
    let what = format!("{} {}", case.ty, if desc { "DESC" } else { "ASC" });
    let all = stored(values.iter().copied(), desc);
    assert_eq!(col(&h, "SELECT c FROM t WHERE k = 0"), all, "{what}");
    let mut reversed = all.clone();
    reversed.reverse();
    let (asc, desc_order) = if desc { (reversed.clone(), all.clone()) } else { (all.clone(), reversed.clone()) };
    assert_eq!(col(&h, "SELECT c FROM t WHERE k = 0 ORDER BY c ASC"), asc, "{what}");
    assert_eq!(col(&h, "SELECT c FROM t WHERE k = 0 ORDER BY c DESC"), desc_order, "{what}");
    // The values read back are the values written, in both partitions.
    let v: Vec<String> = col(&h, "SELECT v FROM t WHERE k = 1");
    assert_eq!(v, stored(0..values.len(), desc), "{what}");

    for (i, lit) in values.iter().enumerate() {
        let slice = |op: &str, keep: &dyn Fn(usize) -> bool| {
            let got = col(&h, &format!("SELECT c FROM t WHERE k = 0 AND c {op} {lit}"));
            let want = stored(values.iter().enumerate().filter(|(j, _)| keep(*j)).map(|(_, v)| *v), desc);
            assert_eq!(got, want, "{what}: c {op} {lit}");
        };
        slice(">", &|j| j > i);
        slice(">=", &|j| j >= i);
        slice("<", &|j| j < i);
        slice("<=", &|j| j <= i);
        slice("=", &|j| j == i);
        for (k, hi) in values.iter().enumerate().skip(i) {
            let got = col(&h, &format!("SELECT c FROM t WHERE k = 0 AND c > {lit} AND c <= {hi}"));
            let want = stored(values[i + 1..=k].iter().copied(), desc);
            assert_eq!(got, want, "{what}: {lit} < c <= {hi}");
        }
    }
    let n = values.len();
    let got =
        col(&h, &format!("SELECT c FROM t WHERE k = 0 AND c IN ({}, {}, {})", values[n - 1], values[0], values[2]));
    assert_eq!(got, stored([values[0], values[2], values[n - 1]], desc), "{what}: IN");
}

#[test]
fn frozen_collections_tuples_and_udts_order_as_cassandra() {
    for case in CASES {
        for desc in [false, true] {
            check_case(case, desc);
        }
    }
}

#[test]
fn the_documented_list_slice() {
    let h = harness();
    load(&h, &CASES[0], false);
    assert_eq!(col(&h, "SELECT c FROM t WHERE k = 0 AND c > [1, 2]"), ["[1, 2, 3]", "[2]", "[256]"]);
    assert_eq!(
        col(&h, "SELECT c FROM t WHERE k = 0 AND c < [1, 2] AND c >= [-1]"),
        ["[-1]", "[-1, 5]", "[0]", "[1]", "[1, -2]"]
    );
    // Bound values order the same way as literals.
    let q = h.proc.prepare("SELECT v FROM t WHERE k = 0 AND c > ?", Some("ks")).unwrap();
    let mut bound = 1i32.to_be_bytes().to_vec();
    bound.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 1]);
    let opts = sibyl_coordinator::QueryOptions::with_values(vec![sibyl_coordinator::BoundValue::Value(bound)]);
    let sibyl_coordinator::QueryResult::Rows(rows) = h.proc.execute(&q, &opts).unwrap() else { panic!("rows") };
    let got: Vec<String> = support::render(&rows).into_iter().map(|r| r.join(",")).collect();
    assert_eq!(got, ["6", "7", "8", "9", "10"], "c > [1]");
}

/// A frozen clustering column followed by another: each value's encoding delimits itself, so
/// a slice on the first column covers exactly the rows with those values, whatever follows.
#[test]
fn frozen_column_before_another() {
    for desc in [false, true] {
        let h = harness();
        let order = if desc { "DESC" } else { "ASC" };
        h.create_table(&format!(
            "CREATE TABLE t2 (k int, c frozen<list<text>>, d int, PRIMARY KEY (k, c, d)) \
             WITH CLUSTERING ORDER BY (c {order}, d ASC)"
        ));
        let lists = ["[]", "['']", "['', '']", "['a']", "['a', '']", "['a', 'b']", "['a\u{0}']", "['ab']", "['b']"];
        for l in lists {
            for d in [-1, 0, 1] {
                h.exec(&format!("INSERT INTO t2 (k, c, d) VALUES (0, {l}, {d})"));
            }
        }
        let rows = |sel: &[&str]| -> Vec<String> {
            let mut v: Vec<&str> = sel.to_vec();
            if desc {
                v.reverse();
            }
            v.iter().flat_map(|l| [-1, 0, 1].map(|d| format!("{l},{d}"))).collect()
        };
        assert_eq!(col(&h, "SELECT c, d FROM t2 WHERE k = 0"), rows(&lists), "{order}");
        for (i, l) in lists.iter().enumerate() {
            assert_eq!(col(&h, &format!("SELECT c, d FROM t2 WHERE k = 0 AND c > {l}")), rows(&lists[i + 1..]));
            assert_eq!(col(&h, &format!("SELECT c, d FROM t2 WHERE k = 0 AND c <= {l}")), rows(&lists[..=i]));
            let got = col(&h, &format!("SELECT c, d FROM t2 WHERE k = 0 AND c = {l} AND d > -1"));
            assert_eq!(got, [format!("{l},0"), format!("{l},1")]);
        }
    }
}
