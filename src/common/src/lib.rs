//! Plain shared types for sibyl.
//!
//! What lives here: the partitioner's [`Token`] and Cassandra's Murmur3 token function,
//! the byte-comparable encodings of clustering values ([`clustering`]), named limits, calendar
//! arithmetic ([`calendar`]), values as cqlsh prints them ([`cqlsh_text`]) and a bounded
//! reader of the protocol's value encodings ([`value_reader`]).
//! What does not: any I/O, clock, socket or thread. Everything here is a pure function of
//! its inputs, so every other crate can depend on it.

pub mod calendar;
pub mod clustering;
pub mod cqlsh_text;
pub mod limits;
pub mod timeuuid;
pub mod token;
pub mod value_reader;

pub use token::{murmur3_token, Token};
