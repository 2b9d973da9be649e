//! Unit tests of user types: `CREATE`/`ALTER`/`DROP TYPE` and user-typed columns.

#![allow(clippy::unwrap_used)]

use crate::schema::test_support::*;
use crate::schema::{ChangeType, SchemaChange};
use crate::types::CqlType;

#[test]
fn user_types() {
    let s = ok(&base(), "CREATE TYPE addr (street text, zip int)");
    let o = run(&s, "CREATE TYPE person (name text, home frozen<addr>)").unwrap();
    assert_eq!(
        o.change,
        Some(SchemaChange::Type { change: ChangeType::Created, keyspace: "ks".into(), name: "person".into() })
    );
    let s = o.schema;
    invalid(&s, "CREATE TYPE addr (a int)", "A user type with name 'addr' already exists");
    noop(&s, "CREATE TYPE IF NOT EXISTS addr (a int)");
    invalid(&s, "CREATE TYPE x (a int, a text)", "Duplicate field name 'a' in type 'x'");
    invalid(&s, "CREATE TYPE x (a counter)", "A user type cannot contain counters");
    invalid(&s, "CREATE TYPE x (a addr)", "A user type cannot contain non-frozen UDTs");
    invalid(&s, "CREATE TYPE x (a frozen<nope>)", "Unknown type ks.nope");
    invalid(&s, "CREATE TYPE nope.x (a int)", "Keyspace 'nope' doesn't exist");

    let s = ok(&s, "CREATE TABLE t (k int PRIMARY KEY, p frozen<person>, a addr)");
    // ALTER TYPE ADD refreshes every use: the nesting type and the table columns.
    let s2 = ok(&s, "ALTER TYPE addr ADD city text");
    let person = s2.keyspace("ks").unwrap().types.get("person").unwrap().clone();
    let CqlType::Udt { fields, .. } = &person.fields[1].1 else { panic!("udt") };
    assert_eq!(fields.len(), 3);
    let t = table(&s2, "t");
    let CqlType::Udt { fields, frozen, .. } = &t.column("a").unwrap().ty else { panic!("udt") };
    assert_eq!((fields.len(), *frozen), (3, false));
    invalid(
        &s,
        "ALTER TYPE addr ADD zip int",
        "Cannot add field zip to type ks.addr: a field with name zip already exists",
    );
    noop(&s, "ALTER TYPE addr ADD IF NOT EXISTS zip int");
    invalid(&s, "ALTER TYPE nope ADD zip int", "Type ks.nope doesn't exist");
    invalid(
        &s,
        "ALTER TYPE addr ADD self frozen<person>",
        "Cannot add new field self of type frozen<person> to user type ks.addr as it would create a circular reference",
    );
    invalid(&s, "ALTER TYPE addr ALTER zip TYPE bigint", "Altering field types is no longer supported");
    let s3 = ok(&s, "ALTER TYPE addr RENAME zip TO postcode");
    assert_eq!(s3.keyspace("ks").unwrap().types.get("addr").unwrap().fields[1].0, "postcode");
    invalid(&s, "ALTER TYPE addr RENAME nope TO x", "Unkown field nope in user type ks.addr");
    invalid(&s, "ALTER TYPE addr RENAME zip TO street", "Duplicate field name street in type ks");
    let pk = ok(&s, "CREATE TABLE pk (k frozen<addr> PRIMARY KEY)");
    invalid(
        &pk,
        "ALTER TYPE addr ADD x int",
        "Cannot add new field x of type int to user type ks.addr as the type is being used in partition key by the \
         following tables: ks.pk",
    );

    invalid(&s, "DROP TYPE addr", "Cannot drop user type 'ks.addr' as it is still used by user types person");
    invalid(&s, "DROP TYPE person", "Cannot drop user type 'ks.person' as it is still used by tables t");
    invalid(&s, "DROP TYPE nope", "Type 'ks.nope' doesn't exist");
    noop(&s, "DROP TYPE IF EXISTS nope");
    let s4 = ok(&s, "DROP TABLE t");
    let o = run(&s4, "DROP TYPE person").unwrap();
    assert_eq!(
        o.change,
        Some(SchemaChange::Type { change: ChangeType::Dropped, keyspace: "ks".into(), name: "person".into() })
    );
    invalid(&s, "CREATE TABLE other.t (k int PRIMARY KEY, a frozen<ks.addr>)", "Keyspace 'other' doesn't exist");
}

#[test]
fn udt_columns_and_drops() {
    let s = ok(&base(), "CREATE TYPE addr (street text, tags set<text>)");
    invalid(
        &s,
        "CREATE TABLE t (k int PRIMARY KEY, a addr)",
        "Non-frozen UDTs with nested non-frozen collections are not supported",
    );
    let s = ok(&s, "CREATE TABLE t (k int PRIMARY KEY, a frozen<addr>, b int)");
    let s2 = ok(&s, "ALTER TABLE t DROP a");
    let d = table(&s2, "t").dropped_columns.get("a").unwrap().ty.clone();
    assert_eq!(d.to_string(), "frozen<tuple<text, frozen<set<text>>>>", "user types expand to tuples");
    let s3 = ok(&base(), "CREATE TYPE pt (x int)");
    let s3 = ok(&s3, "CREATE TABLE u (k int PRIMARY KEY, p pt)");
    invalid(&s3, "ALTER TABLE u DROP p", "Cannot drop non-frozen column p of user type pt");
    let other = ok(&s3, "CREATE KEYSPACE o WITH replication = {'class': 'SimpleStrategy'}");
    invalid(
        &other,
        "CREATE TABLE o.t (k int PRIMARY KEY, p frozen<ks.pt>)",
        "Statement on keyspace o cannot refer to a user type in keyspace ks; user types can only be used in the \
         keyspace they are defined in",
    );
}
