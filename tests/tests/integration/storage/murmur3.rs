//! The partitioner's token function reproduces every Murmur3 vector drivers compute.

use sibyl_common::murmur3_token;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

#[test]
fn every_vector_matches() {
    let text = std::fs::read_to_string(sibyl_tests::fixtures_dir().join("murmur3_tokens.tsv")).expect("vectors");
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 3, "malformed line {line:?}");
        let key = unhex(cols[1]);
        let want: i64 = cols[2].parse().expect("token");
        assert_eq!(murmur3_token(&key).0, want, "kind {} key {}", cols[0], cols[1]);
        checked += 1;
    }
    assert!(checked >= 200, "only {checked} vectors");
}
