//! The schema version: a UUID computed from the schema's content, so every node holding the
//! same schema reports the same version (drivers wait for this agreement after DDL).
//!
//! The content is written in a canonical text form (keyspaces, tables, columns and types in
//! name order, every option), hashed with a 128-bit FNV-1a, and stamped as a name-based UUID
//! (version 3 bits, IETF variant) as Cassandra's `UUID.nameUUIDFromBytes` stamps its digest.

use super::Schema;
use std::fmt::Write;

pub fn schema_version(schema: &Schema) -> [u8; 16] {
    let mut text = String::new();
    for ks in schema.keyspaces.values() {
        let _ = writeln!(text, "K {} {} {:?}", ks.name, ks.durable_writes, ks.replication);
        for ty in ks.types.values() {
            let _ = writeln!(
                text,
                " U {} {:?}",
                ty.name,
                ty.fields.iter().map(|(n, t)| format!("{n}:{t}")).collect::<Vec<_>>()
            );
        }
        for t in ks.tables.values() {
            let _ = writeln!(text, " T {} {:02x?} {:?}", t.name, t.id, t.params);
            for c in &t.columns {
                let _ =
                    writeln!(text, "  C {} {} {} {} {}", c.name, c.ty, c.kind.as_str(), c.position, c.order.as_str());
            }
            for (n, d) in &t.dropped_columns {
                let _ = writeln!(text, "  D {} {} {}", n, d.ty, d.dropped_time_micros);
            }
        }
    }
    let mut h = fnv1a_128(text.as_bytes()).to_be_bytes();
    h[6] = (h[6] & 0x0f) | 0x30;
    h[8] = (h[8] & 0x3f) | 0x80;
    h
}

fn fnv1a_128(data: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013B;
    let mut h = OFFSET;
    for b in data {
        h ^= u128::from(*b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::KeyspaceDef;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    #[test]
    fn same_content_same_version_and_any_change_changes_it() {
        let mut a = Schema::default();
        let ks = KeyspaceDef::new("ks", BTreeMap::from([("class".into(), "SimpleStrategy".into())]), true);
        a.keyspaces.insert("ks".into(), Arc::new(ks.clone()));
        let b = a.clone();
        assert_eq!(schema_version(&a), schema_version(&b));
        let mut c = a.clone();
        let mut ks2 = ks;
        ks2.durable_writes = false;
        c.keyspaces.insert("ks".into(), Arc::new(ks2));
        assert_ne!(schema_version(&a), schema_version(&c));
        let v = schema_version(&a);
        assert_eq!(v[6] >> 4, 3);
    }
}
