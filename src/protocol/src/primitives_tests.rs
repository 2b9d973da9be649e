#![allow(clippy::unwrap_used)]

use super::*;

fn enc(f: impl FnOnce(&mut Vec<u8>) -> Result<()>) -> Vec<u8> {
    let mut out = Vec::new();
    f(&mut out).unwrap();
    out
}

#[test]
fn fixed_width_round_trip() {
    let mut out = Vec::new();
    out.write_byte(0xAB);
    out.write_short(0xFFFE);
    out.write_int(-5);
    out.write_long(i64::MIN);
    out.write_uuid(&[7; 16]);
    let mut r = Reader::new(&out);
    assert_eq!(r.read_byte("b").unwrap(), 0xAB);
    assert_eq!(r.read_short("s").unwrap(), 0xFFFE);
    assert_eq!(r.read_int("i").unwrap(), -5);
    assert_eq!(r.read_long("l").unwrap(), i64::MIN);
    assert_eq!(r.read_uuid("u").unwrap(), [7; 16]);
    assert!(r.is_empty());
}

#[test]
fn string_encodings_are_byte_exact() {
    assert_eq!(enc(|o| o.write_string("ab")), [0, 2, b'a', b'b']);
    assert_eq!(enc(|o| o.write_long_string("ab")), [0, 0, 0, 2, b'a', b'b']);
    assert_eq!(enc(|o| o.write_string_list(&["x".into(), "".into()])), [0, 2, 0, 1, b'x', 0, 0]);
    assert_eq!(enc(|o| o.write_bytes(None)), [0xFF, 0xFF, 0xFF, 0xFF]);
    assert_eq!(enc(|o| o.write_value(&Value::Unset)), [0xFF, 0xFF, 0xFF, 0xFE]);
    assert_eq!(enc(|o| o.write_short_bytes(&[9])), [0, 1, 9]);
}

#[test]
fn variable_notations_round_trip() {
    let mut sm = StringMap::new();
    sm.insert("CQL_VERSION".into(), "3.0.0".into());
    sm.insert("COMPRESSION".into(), "lz4".into());
    let mut mm = StringMultimap::new();
    mm.insert("CQL_VERSION".into(), vec!["3.4.7".into()]);
    mm.insert("COMPRESSION".into(), vec![]);
    let mut bm = BytesMap::new();
    bm.insert("a".into(), Some(vec![1, 2]));
    bm.insert("n".into(), None);
    let v4: SocketAddr = "10.1.2.3:9042".parse().unwrap();
    let v6: SocketAddr = "[::1]:7000".parse().unwrap();
    let mut out = Vec::new();
    out.write_string("héllo").unwrap();
    out.write_long_string("long").unwrap();
    out.write_bytes(Some(&[1, 2, 3])).unwrap();
    out.write_value(&Value::Null).unwrap();
    out.write_value(&Value::Unset).unwrap();
    out.write_value(&Value::Set(vec![])).unwrap();
    out.write_short_bytes(&[4, 5]).unwrap();
    out.write_inet(&v4);
    out.write_inet(&v6);
    out.write_inetaddr(&v4.ip());
    out.write_consistency(Consistency::LocalQuorum);
    out.write_string_map(&sm).unwrap();
    out.write_string_multimap(&mm).unwrap();
    out.write_bytes_map(&bm).unwrap();
    let mut r = Reader::new(&out);
    assert_eq!(r.read_string("s").unwrap(), "héllo");
    assert_eq!(r.read_long_string("s").unwrap(), "long");
    assert_eq!(r.read_bytes("b").unwrap(), Some(&[1u8, 2, 3][..]));
    assert_eq!(r.read_value("v").unwrap(), Value::Null);
    assert_eq!(r.read_value("v").unwrap(), Value::Unset);
    assert_eq!(r.read_value("v").unwrap(), Value::Set(vec![]));
    assert_eq!(r.read_short_bytes("sb").unwrap(), &[4, 5]);
    assert_eq!(r.read_inet("i").unwrap(), v4);
    assert_eq!(r.read_inet("i").unwrap(), v6);
    assert_eq!(r.read_inetaddr("i").unwrap(), v4.ip());
    assert_eq!(r.read_consistency("c").unwrap(), Consistency::LocalQuorum);
    assert_eq!(r.read_string_map("m").unwrap(), sm);
    assert_eq!(r.read_string_multimap("m").unwrap(), mm);
    assert_eq!(r.read_bytes_map("m").unwrap(), bm);
    assert!(r.is_empty());
}

#[test]
fn value_below_minus_two_is_an_error() {
    let bytes = (-3i32).to_be_bytes();
    assert_eq!(Reader::new(&bytes).read_value("v"), Err(ProtocolError::InvalidValueLength { length: -3 }));
    let bytes = i32::MIN.to_be_bytes();
    assert_eq!(Reader::new(&bytes).read_value("v"), Err(ProtocolError::InvalidValueLength { length: i32::MIN }));
}

#[test]
fn negative_bytes_is_null_but_negative_long_string_is_an_error() {
    let bytes = (-7i32).to_be_bytes();
    assert_eq!(Reader::new(&bytes).read_bytes("b").unwrap(), None);
    assert!(matches!(Reader::new(&bytes).read_long_string("q"), Err(ProtocolError::NegativeLength { .. })));
}

#[test]
fn lengths_beyond_the_body_are_truncation_errors() {
    let bytes = [0x7F, 0xFF, 0xFF, 0xFF, 1, 2];
    assert!(matches!(Reader::new(&bytes).read_bytes("b"), Err(ProtocolError::Truncated { needed: 0x7FFF_FFFF, .. })));
    assert!(matches!(Reader::new(&bytes).read_value("b"), Err(ProtocolError::Truncated { .. })));
    let bytes = [0xFF, 0xFF, b'a'];
    assert!(matches!(Reader::new(&bytes).read_string("s"), Err(ProtocolError::Truncated { .. })));
}

#[test]
fn hostile_counts_are_rejected_before_allocating() {
    // 65535 strings claimed with 2 bytes of body.
    let bytes = [0xFF, 0xFF, 0, 0];
    assert!(matches!(Reader::new(&bytes).read_string_list("l"), Err(ProtocolError::CountTooLarge { .. })));
    assert!(matches!(Reader::new(&bytes).read_string_map("m"), Err(ProtocolError::CountTooLarge { .. })));
    assert!(matches!(Reader::new(&bytes).read_string_multimap("m"), Err(ProtocolError::CountTooLarge { .. })));
    assert!(matches!(Reader::new(&bytes).read_bytes_map("m"), Err(ProtocolError::CountTooLarge { .. })));
    let r = Reader::new(&bytes);
    assert!(r.check_count("x", 1 << 31, 4).is_err());
    assert!(r.check_count("x", u64::MAX, u64::MAX).is_err());
    assert_eq!(r.check_count("x", 1, 4).unwrap(), 1);
}

#[test]
fn invalid_utf8_and_inet_length_are_errors() {
    let bytes = [0, 2, 0xC3, 0x28];
    assert_eq!(Reader::new(&bytes).read_string("s"), Err(ProtocolError::InvalidUtf8 { what: "s" }));
    let bytes = [5, 1, 2, 3, 4, 5];
    assert_eq!(Reader::new(&bytes).read_inetaddr("i"), Err(ProtocolError::InvalidInetLength { length: 5 }));
}

#[test]
fn truncation_at_every_position_is_an_error() {
    let mut mm = StringMultimap::new();
    mm.insert("k".into(), vec!["v1".into(), "v2".into()]);
    let full = enc(|o| o.write_string_multimap(&mm));
    for cut in 0..full.len() {
        assert!(Reader::new(&full[..cut]).read_string_multimap("m").is_err(), "cut at {cut}");
    }
}

#[test]
fn overlong_string_is_an_encode_error() {
    let s = "x".repeat(70_000);
    assert!(matches!(Vec::new().write_string(&s), Err(ProtocolError::TooLong { .. })));
}
