//! The one error type of the CQL parser, worded like Cassandra's `SyntaxException` messages.
//!
//! Positions follow ANTLR as Cassandra prints them: 1-based line, 0-based column counted in
//! UTF-16 units. A parser error *at the end of input* is printed as `line 0:-1`, exactly as
//! Cassandra does (its end-of-input token has no position); [`ParseError::offset`] still gives
//! the byte offset into the query for every error.

/// Why a CQL text could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The lexer could not form a token, e.g.
    /// `line 1:7 no viable alternative at character '#'` or
    /// `line 1:20 mismatched character '<EOF>' expecting '''`.
    #[error("line {line}:{column} {message}")]
    Lexical {
        /// 1-based line.
        line: u32,
        /// 0-based column (UTF-16 units).
        column: i64,
        /// Byte offset of the offending character (or the input length at end of input).
        offset: usize,
        /// The offending character as ANTLR displays it (`<EOF>` at end of input).
        token: String,
        /// The message after the position, e.g. `no viable alternative at character '#'`.
        message: String,
    },
    /// The parser met a token it could not use, e.g.
    /// `line 1:9 mismatched input 'x' expecting K_FROM (SELECT * [x] FROM...)`.
    #[error("line {line}:{column} {message}{}", snippet.as_deref().map(|s| format!(" {s}")).unwrap_or_default())]
    Syntax {
        /// 1-based line, or 0 at end of input (as Cassandra prints it).
        line: u32,
        /// 0-based column (UTF-16 units), or -1 at end of input.
        column: i64,
        /// Byte offset of the offending token (the input length at end of input).
        offset: usize,
        /// The offending token's text (`<EOF>` at end of input).
        token: String,
        /// E.g. `no viable alternative at input 'FROM'`.
        message: String,
        /// Cassandra's query snippet with the token in brackets, e.g. `(SELECT * [x] FROM...)`.
        snippet: Option<String>,
    },
    /// A well-formed construct the grammar refuses while parsing (Cassandra's "recognition
    /// errors"), e.g. `Multiple definition for property comment`; also the nesting limit.
    #[error("{message}")]
    Invalid {
        /// 1-based line of the token where it was detected.
        line: u32,
        /// 0-based column (UTF-16 units).
        column: i64,
        /// Byte offset.
        offset: usize,
        /// The token where it was detected.
        token: String,
        /// The whole message.
        message: String,
    },
}

impl ParseError {
    /// The line as printed in the message (1-based; 0 for a parser error at end of input).
    pub fn line(&self) -> u32 {
        match self {
            ParseError::Lexical { line, .. } | ParseError::Syntax { line, .. } | ParseError::Invalid { line, .. } => {
                *line
            }
        }
    }

    /// The column as printed in the message (0-based; -1 for a parser error at end of input).
    pub fn column(&self) -> i64 {
        match self {
            ParseError::Lexical { column, .. }
            | ParseError::Syntax { column, .. }
            | ParseError::Invalid { column, .. } => *column,
        }
    }

    /// Byte offset into the parsed text.
    pub fn offset(&self) -> usize {
        match self {
            ParseError::Lexical { offset, .. }
            | ParseError::Syntax { offset, .. }
            | ParseError::Invalid { offset, .. } => *offset,
        }
    }

    /// The offending token (or character) text.
    pub fn token(&self) -> &str {
        match self {
            ParseError::Lexical { token, .. }
            | ParseError::Syntax { token, .. }
            | ParseError::Invalid { token, .. } => token,
        }
    }

    /// The message without the `line L:C` header and without the snippet.
    pub fn message(&self) -> &str {
        match self {
            ParseError::Lexical { message, .. }
            | ParseError::Syntax { message, .. }
            | ParseError::Invalid { message, .. } => message,
        }
    }
}

/// ANTLR's display of an offending token or character: escapes `\n`, `\r`, `\t` and wraps it in
/// single quotes.
pub(crate) fn quote_display(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Display helper used by the lexer for a character (or end of input).
pub(crate) fn char_display(c: Option<char>) -> String {
    match c {
        None => "'<EOF>'".to_string(),
        Some(c) => quote_display(&c.to_string()),
    }
}
