//! The CQL language: parser, AST, types and values, and (later) schema-aware validation and
//! planning.
//!
//! What it is: pure functions from CQL text and schema to plans and typed values. What it is
//! not: it never touches sockets, files, threads or the clock; `now` is an argument.

pub mod ast;
pub mod error;
pub mod keywords;
mod lexer;
pub mod parser;
pub mod plan;
pub mod schema;
pub mod term;
pub mod types;
pub mod value;

pub use error::ParseError;
pub use parser::{parse_statement, parse_statements};
