//! Real Cassandra clients against a `sibyl` process (`../shared/CLIENTS.md` is what each client
//! needs). Run with `cargo test -p sibyl-tests --test integration compat::`.

mod scylla_driver;
