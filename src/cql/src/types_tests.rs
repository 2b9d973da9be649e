//! Tests of [`CqlType`]: text form and parsing, protocol options, key and nesting rules.

#![allow(clippy::unwrap_used)]

use super::*;

fn list(t: CqlType, frozen: bool) -> CqlType {
    CqlType::List { element: Box::new(t), frozen }
}

fn set(t: CqlType, frozen: bool) -> CqlType {
    CqlType::Set { element: Box::new(t), frozen }
}

fn map(k: CqlType, v: CqlType, frozen: bool) -> CqlType {
    CqlType::Map { key: Box::new(k), value: Box::new(v), frozen }
}

fn udt(name: &str, frozen: bool) -> CqlType {
    CqlType::Udt {
        keyspace: "ks".to_string(),
        name: name.to_string(),
        fields: vec![("a".to_string(), CqlType::Int), ("b".to_string(), CqlType::Text)],
        frozen,
    }
}

fn natives() -> Vec<CqlType> {
    NATIVE_NAMES.iter().map(|(_, t)| t.clone()).collect()
}

#[test]
fn native_names_print_and_parse() {
    for (name, ty) in NATIVE_NAMES {
        assert_eq!(CqlType::parse(name).unwrap(), *ty);
        assert_eq!(CqlType::parse(&name.to_uppercase()).unwrap(), *ty);
        if *name != "varchar" {
            assert_eq!(ty.to_string(), *name);
        }
    }
    assert_eq!(CqlType::Text.to_string(), "text");
    assert_eq!(CqlType::parse("VarChar").unwrap(), CqlType::Text);
}

#[test]
fn display_matches_cassandra() {
    assert_eq!(map(CqlType::Text, CqlType::Int, true).to_string(), "frozen<map<text, int>>");
    assert_eq!(map(CqlType::Text, list(CqlType::Int, true), false).to_string(), "map<text, frozen<list<int>>>");
    assert_eq!(set(CqlType::Uuid, false).to_string(), "set<uuid>");
    assert_eq!(CqlType::Tuple(vec![CqlType::Int, CqlType::Text]).to_string(), "frozen<tuple<int, text>>");
    assert_eq!(udt("address", true).to_string(), "frozen<address>");
    assert_eq!(udt("address", false).to_string(), "address");
    assert_eq!(udt("Address", true).to_string(), "frozen<\"Address\">");
    assert_eq!(udt("select", false).to_string(), "\"select\"");
    assert_eq!(
        list(CqlType::Tuple(vec![CqlType::Int, list(CqlType::Text, true)]), false).to_string(),
        "list<frozen<tuple<int, frozen<list<text>>>>>"
    );
}

#[test]
fn parse_round_trips() {
    let mut types = natives();
    let nested = vec![
        list(CqlType::Int, false),
        list(CqlType::Int, true),
        set(CqlType::Text, false),
        set(CqlType::Timeuuid, true),
        map(CqlType::Text, CqlType::Int, false),
        map(CqlType::Text, list(CqlType::Int, true), false),
        map(CqlType::Text, map(CqlType::Int, set(CqlType::Blob, true), true), true),
        CqlType::Tuple(vec![CqlType::Int]),
        CqlType::Tuple(vec![CqlType::Int, CqlType::Tuple(vec![CqlType::Text, CqlType::Date])]),
        list(CqlType::Tuple(vec![CqlType::Int, CqlType::Text]), false),
        CqlType::UdtRef { keyspace: None, name: "address".into(), frozen: false },
        CqlType::UdtRef { keyspace: None, name: "Address Book".into(), frozen: true },
        list(CqlType::UdtRef { keyspace: None, name: "a\"b".into(), frozen: true }, false),
    ];
    types.extend(nested);
    for t in types {
        let text = t.to_string();
        assert_eq!(CqlType::parse(&text).unwrap(), t, "{text}");
    }
}

#[test]
fn parse_details() {
    assert_eq!(
        CqlType::parse(" map < text ,frozen< list<int> > > ").unwrap(),
        map(CqlType::Text, list(CqlType::Int, true), false)
    );
    // frozen<> freezes what is inside too; tuple elements are frozen.
    assert_eq!(CqlType::parse("frozen<list<list<int>>>").unwrap(), list(list(CqlType::Int, true), true));
    assert_eq!(
        CqlType::parse("tuple<list<int>, int>").unwrap(),
        CqlType::Tuple(vec![list(CqlType::Int, true), CqlType::Int])
    );
    assert_eq!(
        CqlType::parse("ks.\"MyType\"").unwrap(),
        CqlType::UdtRef { keyspace: Some("ks".into()), name: "MyType".into(), frozen: false }
    );
    assert_eq!(
        CqlType::parse("frozen<MyType>").unwrap(),
        CqlType::UdtRef { keyspace: None, name: "mytype".into(), frozen: true }
    );
    for bad in [
        "",
        "list",
        "list<>",
        "list<int",
        "map<int>",
        "map<int, int, int>",
        "tuple<>",
        "frozen<int>",
        "'org.apache.cassandra.db.marshal.BytesType'",
        "vector<float, 3>",
        "int int",
        "\"unterminated",
        "foo<int>",
        "list<int>>",
    ] {
        assert!(CqlType::parse(bad).is_err(), "{bad:?} parsed");
    }
    assert_eq!(
        CqlType::parse("frozen<int>").unwrap_err().to_string(),
        "frozen<> is only allowed on collections, tuples, and user-defined types (got int)"
    );
    let deep = format!("{}int{}", "list<".repeat(200), ">".repeat(200));
    assert!(CqlType::parse(&deep).is_err());
}

#[test]
fn parse_with_resolves_user_types() {
    let resolve = |ks: Option<&str>, name: &str| -> Option<CqlType> {
        (name == "address" && ks.is_none_or(|k| k == "ks")).then(|| udt("address", false))
    };
    assert_eq!(CqlType::parse_with("address", &resolve).unwrap(), udt("address", false));
    assert_eq!(CqlType::parse_with("frozen<ks.address>", &resolve).unwrap(), udt("address", true));
    assert_eq!(CqlType::parse_with("list<frozen<address>>", &resolve).unwrap(), list(udt("address", true), false));
    assert_eq!(CqlType::parse_with("other.address", &resolve).unwrap_err().to_string(), "Unknown type other.address");
    assert_eq!(CqlType::parse_with("nope", &resolve).unwrap_err().to_string(), "Unknown type nope");
}

#[test]
fn option_ids() {
    let ids: Vec<(CqlType, u16)> = vec![
        (CqlType::Ascii, 0x01),
        (CqlType::Bigint, 0x02),
        (CqlType::Blob, 0x03),
        (CqlType::Boolean, 0x04),
        (CqlType::Counter, 0x05),
        (CqlType::Decimal, 0x06),
        (CqlType::Double, 0x07),
        (CqlType::Float, 0x08),
        (CqlType::Int, 0x09),
        (CqlType::Timestamp, 0x0B),
        (CqlType::Uuid, 0x0C),
        (CqlType::Text, 0x0D),
        (CqlType::Varint, 0x0E),
        (CqlType::Timeuuid, 0x0F),
        (CqlType::Inet, 0x10),
        (CqlType::Date, 0x11),
        (CqlType::Time, 0x12),
        (CqlType::Smallint, 0x13),
        (CqlType::Tinyint, 0x14),
        (CqlType::Duration, 0x15),
        (list(CqlType::Int, false), 0x20),
        (map(CqlType::Int, CqlType::Int, false), 0x21),
        (set(CqlType::Int, false), 0x22),
        (udt("a", false), 0x30),
        (CqlType::Tuple(vec![CqlType::Int]), 0x31),
    ];
    for (t, id) in ids {
        assert_eq!(t.option_id(), id, "{t}");
    }
}

#[test]
fn option_bytes() {
    let mut out = Vec::new();
    map(CqlType::Text, list(CqlType::Int, true), false).write_option(&mut out, 4).unwrap();
    assert_eq!(out, [0, 0x21, 0, 0x0D, 0, 0x20, 0, 0x09]);

    let mut out = Vec::new();
    CqlType::Tuple(vec![CqlType::Int, CqlType::Text]).write_option(&mut out, 4).unwrap();
    assert_eq!(out, [0, 0x31, 0, 2, 0, 9, 0, 0x0D]);

    let mut out = Vec::new();
    udt("ad", false).write_option(&mut out, 4).unwrap();
    let expected: Vec<u8> =
        [&[0u8, 0x30][..], &[0, 2], b"ks", &[0, 2], b"ad", &[0, 2], &[0, 1], b"a", &[0, 9], &[0, 1], b"b", &[0, 0x0D]]
            .concat();
    assert_eq!(out, expected);

    // duration: custom before v5, 0x15 from v5.
    let mut v4 = Vec::new();
    CqlType::Duration.write_option(&mut v4, 4).unwrap();
    assert_eq!(&v4[..4], &[0, 0, 0, DURATION_CLASS.len() as u8]);
    assert_eq!(&v4[4..], DURATION_CLASS.as_bytes());
    let mut v5 = Vec::new();
    CqlType::Duration.write_option(&mut v5, 5).unwrap();
    assert_eq!(v5, [0, 0x15]);

    let unresolved = CqlType::UdtRef { keyspace: None, name: "x".into(), frozen: true };
    assert!(unresolved.write_option(&mut Vec::new(), 4).is_err());
}

#[test]
fn options_read_back() {
    let mut types = natives();
    types.extend([
        list(CqlType::Int, false),
        set(CqlType::Text, false),
        map(CqlType::Text, list(CqlType::Int, false), false),
        CqlType::Tuple(vec![CqlType::Int, set(CqlType::Uuid, false)]),
        udt("ad", false),
    ]);
    for t in types {
        for version in [4, 5] {
            let mut out = Vec::new();
            t.write_option(&mut out, version).unwrap();
            out.push(0xEE);
            let (read, used) = CqlType::read_option(&out).unwrap();
            assert_eq!(used, out.len() - 1);
            // varchar reads back as text, its one variant.
            assert_eq!(read, t, "{t} v{version}");
        }
    }
    for bad in [&[][..], &[0], &[0, 0x20], &[0, 0x0A], &[0, 0x30, 0, 5, b'a'], &[0, 0, 0, 1, b'x']] {
        assert!(CqlType::read_option(bad).is_err(), "{bad:?}");
    }
    let mut deep = Vec::new();
    for _ in 0..1000 {
        deep.extend_from_slice(&[0, 0x20]);
    }
    deep.extend_from_slice(&[0, 9]);
    assert!(CqlType::read_option(&deep).is_err());
}

#[test]
fn clustering_types() {
    use ClusteringType as C;
    assert_eq!(CqlType::Int.clustering_type(), Some(C::Int));
    assert_eq!(CqlType::Text.clustering_type(), Some(C::Text));
    assert_eq!(CqlType::Timeuuid.clustering_type(), Some(C::Timeuuid));
    assert_eq!(CqlType::Counter.clustering_type(), None);
    assert_eq!(CqlType::Duration.clustering_type(), None);
    assert_eq!(list(CqlType::Int, false).clustering_type(), None);
    assert_eq!(list(CqlType::Int, true).clustering_type(), Some(C::List(Box::new(C::Int))));
    // Nested collections are serialized whole inside a frozen value, whatever their flag.
    assert_eq!(
        list(list(CqlType::Text, false), true).clustering_type(),
        Some(C::List(Box::new(C::List(Box::new(C::Text)))))
    );
    assert_eq!(list(CqlType::Duration, true).clustering_type(), None);
    assert_eq!(set(CqlType::Varint, true).clustering_type(), Some(C::Set(Box::new(C::Varint))));
    let m = map(CqlType::Int, udt("a", true), true);
    assert_eq!(m.clustering_type(), Some(C::Map(Box::new(C::Int), Box::new(C::Tuple(vec![C::Int, C::Text])))));
    assert_eq!(map(CqlType::Int, CqlType::Blob, false).clustering_type(), None);
    let tuple = CqlType::Tuple(vec![CqlType::Int, CqlType::Text]);
    assert_eq!(tuple.clustering_type(), Some(C::Tuple(vec![C::Int, C::Text])));
    assert_eq!(CqlType::Tuple(vec![CqlType::Duration]).clustering_type(), None);
    assert_eq!(CqlType::Tuple(vec![CqlType::Counter]).clustering_type(), None);
    // A UDT is the tuple of its fields (a int, b text).
    assert_eq!(udt("a", true).clustering_type(), Some(C::Tuple(vec![C::Int, C::Text])));
    assert_eq!(udt("a", false).clustering_type(), None);
    assert_eq!(CqlType::UdtRef { keyspace: None, name: "a".into(), frozen: true }.clustering_type(), None);
    for t in natives() {
        assert_eq!(t.can_be_primary_key(), !matches!(t, CqlType::Counter | CqlType::Duration), "{t}");
    }
}

#[test]
fn primary_key_rules() {
    let msg = |t: CqlType| t.validate_primary_key_column("c").unwrap_err().to_string();
    assert_eq!(
        msg(list(CqlType::Int, false)),
        "Invalid non-frozen collection type list<int> for PRIMARY KEY column 'c'"
    );
    assert_eq!(msg(udt("address", false)), "Invalid non-frozen user-defined type address for PRIMARY KEY column 'c'");
    assert_eq!(msg(CqlType::Counter), "counter type is not supported for PRIMARY KEY column 'c'");
    assert_eq!(msg(CqlType::Duration), "duration type is not supported for PRIMARY KEY column 'c'");
    assert_eq!(
        msg(map(CqlType::Text, CqlType::Duration, true)),
        "duration type is not supported for PRIMARY KEY column 'c'"
    );
    assert!(list(CqlType::Int, true).validate_primary_key_column("c").is_ok());
    assert!(CqlType::Blob.validate_primary_key_column("c").is_ok());
}

#[test]
fn nesting_rules() {
    let msg = |t: CqlType| t.validate_column_type().unwrap_err().to_string();
    assert_eq!(
        msg(list(list(CqlType::Int, false), false)),
        "Non-frozen collections are not allowed inside collections: list<list<int>>"
    );
    assert_eq!(msg(set(udt("u", false), false)), "Non-frozen UDTs are not allowed inside collections: set<u>");
    assert_eq!(
        msg(map(CqlType::Int, CqlType::Counter, false)),
        "Counters are not allowed inside collections: map<int, counter>"
    );
    assert_eq!(msg(set(CqlType::Duration, false)), "Durations are not allowed inside sets: set<duration>");
    assert_eq!(
        msg(map(CqlType::Duration, CqlType::Text, false)),
        "Durations are not allowed as map keys: map<duration, text>"
    );
    assert!(map(CqlType::Text, CqlType::Duration, false).validate_column_type().is_ok());
    assert!(list(list(CqlType::Int, true), false).validate_column_type().is_ok());
    assert!(CqlType::Tuple(vec![CqlType::Counter]).validate_column_type().is_err());
}

#[test]
fn freeze_and_flags() {
    let t = map(CqlType::Text, list(CqlType::Int, false), false);
    assert!(t.is_multi_cell());
    let f = t.freeze();
    assert_eq!(f, map(CqlType::Text, list(CqlType::Int, true), true));
    assert!(!f.is_multi_cell());
    assert!(f.is_frozen());
    assert!(CqlType::Int.is_frozen());
    assert!(CqlType::Tuple(vec![]).is_frozen());
    assert!(udt("u", false).is_multi_cell());
    assert_eq!(maybe_quote("abc_1"), "abc_1");
    assert_eq!(maybe_quote("1abc"), "\"1abc\"");
    assert_eq!(maybe_quote("token"), "\"token\"");
    assert_eq!(maybe_quote("a\"b"), "\"a\"\"b\"");
    // Every reserved keyword is quoted; unreserved keywords are not.
    for k in crate::keywords::RESERVED {
        let lower = k.to_ascii_lowercase();
        assert_eq!(maybe_quote(&lower), format!("\"{lower}\""));
    }
    assert_eq!(maybe_quote("ttl"), "ttl");
    assert_eq!(maybe_quote("key"), "key");
}
