//! The CQL parser: nom combinators over the lexer's tokens.
//!
//! Entry points are [`parse_statement`] and [`parse_statements`]. The grammar follows Apache
//! Cassandra 5.0 (`Parser.g`, `Lexer.g`, `reserved_keywords.txt`).
//!
//! Covered: `SELECT` (JSON, DISTINCT, selectors with functions, `COUNT(*)`, `WRITETIME`,
//! `MAXWRITETIME`, `TTL`, `CAST`, arithmetic, field/element/slice selection, type hints,
//! collection and tuple selectors, aliases; `WHERE` with single- and multi-column relations,
//! `IN`, `CONTAINS [KEY]`, `LIKE`, `IS NOT NULL`, map elements, `token(…)`, custom index
//! expressions `expr(i, t)`; `GROUP BY`, `ORDER BY … [ANN OF t]`, `PER PARTITION LIMIT`,
//! `LIMIT`, `ALLOW FILTERING`), `INSERT` (values or JSON), `UPDATE`, `DELETE`, `BATCH`, `USE`,
//! `TRUNCATE`, `CREATE/ALTER/DROP` of keyspaces, tables (incl. masking, `COMPACT STORAGE`,
//! `CLUSTERING ORDER BY`), types, materialized views, `CREATE/DROP` of indexes, functions,
//! aggregates, triggers, roles, users, `ADD/DROP IDENTITY`, `GRANT`/`REVOKE` of permissions
//! and roles, `LIST` permissions/roles/users/superusers, `DESCRIBE`.
//!
//! Not covered (Cassandra 5.1+ or not in the grammar): `BETWEEN`, `NOT IN`, `NOT CONTAINS`,
//! column constraints (`CHECK`), `CREATE TABLE … LIKE`, and arithmetic inside terms (`SET c =
//! 1 + 2`); those are syntax errors here.
//!
//! Design:
//! - The input is a token slice plus a shared context ([`Input`]). Combinators come from nom
//!   (`alt`, `opt`, `many0`, `separated_list1`, …); token matching is done by small
//!   primitives here.
//! - Error reporting: every failed token test records what it expected at its position; the
//!   furthest position wins. If exactly one *required* token was expected there, the message
//!   is ANTLR's `mismatched input 'x' expecting K_FROM`; otherwise it is `no viable alternative
//!   at input 'x'`. Tests of optional clauses are recorded as *soft* (they do not count), which
//!   mirrors how ANTLR skips optional sub-rules before failing on the next required token.
//! - Ambiguities are settled with bounded lookahead before recursing, so no nested structure
//!   is parsed twice per level: parsing stays linear. Nesting of parentheses, brackets, braces,
//!   type parameters and unary minus is bounded by [`MAX_NESTING`]; deeper input fails at once.
//! - Refusals that Cassandra reports from inside the grammar (e.g. `Multiple definition for
//!   property x`) stop the parse with [`ParseError::Invalid`].

mod auth;
mod common;
mod ddl;
mod dml;
mod select;

use std::cell::{Cell, RefCell};

use nom::{error::ErrorKind, IResult, InputLength};

use crate::ast::Statement;
use crate::error::{quote_display, ParseError};
use crate::keywords;
use crate::lexer::{lex, Lexed, Span, TokKind, Token};

/// How deeply parentheses, brackets, braces, type parameters and unary minus may nest.
pub const MAX_NESTING: usize = 64;

/// What a failed token test wanted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// A keyword (upper case, canonical spelling).
    Kw(&'static str),
    /// A punctuation symbol.
    Sym(&'static str),
    /// A token kind (e.g. `STRING_LITERAL`, `EOF`).
    Kind(TokKind),
    /// One of many tokens (an identifier, a term, a type): never "the one expected token".
    Many,
}

#[derive(Debug, Default)]
struct Furthest {
    pos: usize,
    hard: Vec<Expect>,
}

/// State shared by all parsers of one parse.
#[derive(Debug, Default)]
pub(crate) struct Ctx {
    furthest: RefCell<Furthest>,
    depth: Cell<usize>,
    /// A refusal that stopped the parse: token index and message.
    failure: RefCell<Option<(usize, String)>>,
}

/// Parser input: the significant tokens (ending with `Eof`), a position, the shared context.
#[derive(Clone, Copy)]
pub(crate) struct Input<'a> {
    toks: &'a [Token],
    pos: usize,
    ctx: &'a Ctx,
}

impl std::fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Input@{}", self.pos)
    }
}

impl InputLength for Input<'_> {
    fn input_len(&self) -> usize {
        self.toks.len().saturating_sub(self.pos)
    }
}

/// The nom error type: positions and expectations live in [`Ctx`], so it carries nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PErr;

impl<'a> nom::error::ParseError<Input<'a>> for PErr {
    fn from_error_kind(_: Input<'a>, _: ErrorKind) -> Self {
        PErr
    }
    fn append(_: Input<'a>, _: ErrorKind, other: Self) -> Self {
        other
    }
}

pub(crate) type PResult<'a, O> = IResult<Input<'a>, O, PErr>;

static EOF_TOKEN: Token = Token {
    kind: TokKind::Eof,
    text: String::new(),
    upper: String::new(),
    start: 0,
    end: 0,
    line: 0,
    col: 0,
    full_index: 0,
};

impl<'a> Input<'a> {
    /// The current token (`Eof` at the end).
    pub(crate) fn tok(&self) -> &'a Token {
        self.peek(0)
    }

    /// The token `n` places ahead (`Eof` past the end).
    pub(crate) fn peek(&self, n: usize) -> &'a Token {
        let last = self.toks.len().saturating_sub(1);
        self.toks.get((self.pos + n).min(last)).unwrap_or(&EOF_TOKEN)
    }

    /// The input after the current token (never moves past `Eof`).
    pub(crate) fn advance(self) -> Input<'a> {
        let last = self.toks.len().saturating_sub(1);
        Input { pos: (self.pos + 1).min(last), ..self }
    }

    /// Records that `e` was expected here. `hard`: a required token, not an optional probe.
    pub(crate) fn expected(&self, e: Expect, hard: bool) {
        let mut f = self.ctx.furthest.borrow_mut();
        if self.pos > f.pos {
            f.pos = self.pos;
            f.hard.clear();
        }
        if self.pos == f.pos && hard && !f.hard.contains(&e) {
            f.hard.push(e);
        }
    }

    /// An error (backtrackable) after recording the expectation.
    pub(crate) fn fail<O>(&self, e: Expect, hard: bool) -> PResult<'a, O> {
        self.expected(e, hard);
        Err(nom::Err::Error(PErr))
    }

    /// A refusal that stops the whole parse.
    pub(crate) fn refuse<O>(&self, message: impl Into<String>) -> PResult<'a, O> {
        Err(self.refusal(message))
    }

    /// The error value of [`Input::refuse`].
    pub(crate) fn refusal(&self, message: impl Into<String>) -> nom::Err<PErr> {
        let mut failure = self.ctx.failure.borrow_mut();
        if failure.is_none() {
            *failure = Some((self.pos, message.into()));
        }
        nom::Err::Failure(PErr)
    }
}

// ---------------------------------------------------------------------------------------------
// Token primitives
// ---------------------------------------------------------------------------------------------

/// Whether `tok` is the keyword `word` (upper case; `TABLE`/`COLUMNFAMILY`,
/// `TABLES`/`COLUMNFAMILIES` and `KEYSPACE`/`SCHEMA` are synonyms).
pub(crate) fn is_kw(tok: &Token, word: &str) -> bool {
    if tok.kind != TokKind::Word {
        return false;
    }
    let u = tok.upper.as_str();
    u == word
        || matches!(
            (word, u),
            ("COLUMNFAMILY", "TABLE")
                | ("TABLE", "COLUMNFAMILY")
                | ("TABLES", "COLUMNFAMILIES")
                | ("KEYSPACE", "SCHEMA")
        )
}

/// Whether `tok` is the symbol `s`.
pub(crate) fn is_sym(tok: &Token, s: &str) -> bool {
    tok.kind == TokKind::Sym && tok.text == s
}

fn kw_impl<'a>(word: &'static str, hard: bool) -> impl Fn(Input<'a>) -> PResult<'a, ()> {
    move |i: Input<'a>| {
        if is_kw(i.tok(), word) {
            Ok((i.advance(), ()))
        } else {
            i.fail(Expect::Kw(word), hard)
        }
    }
}

/// A required keyword.
pub(crate) fn kw<'a>(word: &'static str) -> impl Fn(Input<'a>) -> PResult<'a, ()> {
    kw_impl(word, true)
}

/// An optional keyword (probe of an optional clause).
pub(crate) fn skw<'a>(word: &'static str) -> impl Fn(Input<'a>) -> PResult<'a, ()> {
    kw_impl(word, false)
}

fn sym_impl<'a>(s: &'static str, hard: bool) -> impl Fn(Input<'a>) -> PResult<'a, ()> {
    move |i: Input<'a>| {
        if is_sym(i.tok(), s) {
            Ok((i.advance(), ()))
        } else {
            i.fail(Expect::Sym(s), hard)
        }
    }
}

/// A required symbol.
pub(crate) fn sym<'a>(s: &'static str) -> impl Fn(Input<'a>) -> PResult<'a, ()> {
    sym_impl(s, true)
}

/// An optional symbol.
pub(crate) fn ssym<'a>(s: &'static str) -> impl Fn(Input<'a>) -> PResult<'a, ()> {
    sym_impl(s, false)
}

/// A required token of kind `k`; returns it.
pub(crate) fn kind<'a>(k: TokKind) -> impl Fn(Input<'a>) -> PResult<'a, &'a Token> {
    move |i: Input<'a>| {
        let t = i.tok();
        if t.kind == k && k != TokKind::Eof {
            Ok((i.advance(), t))
        } else {
            i.fail(Expect::Kind(k), true)
        }
    }
}

/// The end of input (required).
pub(crate) fn eof(i: Input<'_>) -> PResult<'_, ()> {
    if i.tok().kind == TokKind::Eof {
        Ok((i, ()))
    } else {
        i.fail(Expect::Kind(TokKind::Eof), true)
    }
}

/// Runs `p` one nesting level deeper; refuses input nested more than [`MAX_NESTING`] deep.
pub(crate) fn nested<'a, O>(mut p: impl FnMut(Input<'a>) -> PResult<'a, O>) -> impl FnMut(Input<'a>) -> PResult<'a, O> {
    move |i: Input<'a>| {
        let d = i.ctx.depth.get();
        if d >= MAX_NESTING {
            return i.refuse(format!(
                "line {}:{} input nested more than {MAX_NESTING} levels deep at input {}",
                i.tok().line,
                i.tok().col,
                quote_display(&i.tok().text)
            ));
        }
        i.ctx.depth.set(d + 1);
        let r = p(i);
        i.ctx.depth.set(d);
        r
    }
}

// ---------------------------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------------------------

/// Parses exactly one statement, optionally followed by `;` (comments and whitespace allowed
/// around it).
pub fn parse_statement(text: &str) -> Result<Statement, ParseError> {
    let lexed = lex(text);
    let ctx = Ctx::default();
    let input = Input { toks: &lexed.tokens, pos: 0, ctx: &ctx };
    let r = (|i| {
        let (i, st) = common::statement(i)?;
        let (i, _) = nom::multi::many0(ssym(";"))(i)?;
        let (i, _) = eof(i)?;
        Ok((i, st))
    })(input);
    finish(text, &lexed, &ctx, r)
}

/// Parses statements separated by `;` (empty statements are skipped; an empty text gives an
/// empty list).
pub fn parse_statements(text: &str) -> Result<Vec<Statement>, ParseError> {
    let lexed = lex(text);
    let ctx = Ctx::default();
    let mut i = Input { toks: &lexed.tokens, pos: 0, ctx: &ctx };
    let mut out = Vec::new();
    loop {
        while is_sym(i.tok(), ";") {
            i = i.advance();
        }
        if i.tok().kind == TokKind::Eof {
            break;
        }
        match common::statement(i) {
            Ok((rest, st)) => {
                out.push(st);
                if rest.tok().kind != TokKind::Eof && !is_sym(rest.tok(), ";") {
                    rest.expected(Expect::Sym(";"), true);
                    return finish(text, &lexed, &ctx, Err(nom::Err::Error(PErr)));
                }
                i = rest;
            }
            Err(e) => return finish(text, &lexed, &ctx, Err(e)),
        }
    }
    finish(text, &lexed, &ctx, Ok((i, out)))
}

fn finish<O>(text: &str, lexed: &Lexed, ctx: &Ctx, r: PResult<'_, O>) -> Result<O, ParseError> {
    let last = lexed.tokens.len().saturating_sub(1);
    match r {
        Ok((_, v)) => match &lexed.error {
            Some(e) => Err(e.clone()),
            None => Ok(v),
        },
        Err(_) => {
            let (pos, refusal) = match ctx.failure.borrow_mut().take() {
                Some((pos, msg)) => (pos, Some(msg)),
                None => (ctx.furthest.borrow().pos, None),
            };
            // The lexer stopped at its error: a parser error there is really the lexer's.
            if pos >= last {
                if let Some(e) = &lexed.error {
                    return Err(e.clone());
                }
            }
            let tok = lexed.tokens.get(pos.min(last)).unwrap_or(&EOF_TOKEN);
            let at_eof = tok.kind == TokKind::Eof;
            let (line, column) = if at_eof { (0, -1) } else { (tok.line, i64::from(tok.col)) };
            let token = if at_eof { "<EOF>".to_string() } else { tok.text.clone() };
            if let Some(message) = refusal {
                return Err(ParseError::Invalid {
                    line: tok.line,
                    column: i64::from(tok.col),
                    offset: tok.start,
                    token,
                    message,
                });
            }
            let shown = if at_eof { "'<EOF>'".to_string() } else { quote_display(&tok.text) };
            let hard = ctx.furthest.borrow().hard.clone();
            let message = match hard.as_slice() {
                [one] if *one != Expect::Many => {
                    format!("mismatched input {shown} expecting {}", expect_name(*one))
                }
                _ => format!("no viable alternative at input {shown}"),
            };
            let snippet = if at_eof { None } else { snippet(text, &lexed.spans, tok.full_index) };
            Err(ParseError::Syntax { line, column, offset: tok.start, token, message, snippet })
        }
    }
}

fn expect_name(e: Expect) -> String {
    match e {
        Expect::Kw(w) => keywords::token_name(w),
        Expect::Sym(s) => format!("'{s}'"),
        Expect::Kind(k) => k.name().to_string(),
        Expect::Many => String::new(),
    }
}

/// Cassandra's query snippet: from 10 tokens (hidden ones included) before the offending one
/// to 2 after, the offending token in brackets, `...` where the query is cut.
fn snippet(text: &str, spans: &[Span], index: usize) -> Option<String> {
    if spans.is_empty() || index >= spans.len() {
        return None;
    }
    let from = spans.get(index.saturating_sub(10))?;
    let to = spans.get((index + 2).min(spans.len() - 1))?;
    let off = spans.get(index)?;
    let lines: Vec<&str> = text.split('\n').collect();
    // Java's split drops trailing empty strings.
    let line_count = lines.iter().rposition(|l| !l.is_empty()).map_or(0, |p| p + 1);
    let col = |s: &Span| s.start - s.line_start;
    let last_col = |s: &Span| col(s) + (s.end - s.start);
    let include_start = from.line == 1 && col(from) == 0;
    let to_line_len = lines.get(to.line as usize - 1).map_or(0, |l| l.len());
    let include_end = to.line as usize == line_count && last_col(to) >= to_line_len;

    let mut work: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let clamp = |s: &str, at: usize| {
        let mut at = at.min(s.len());
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let ti = to.line as usize - 1;
    if let Some(l) = work.get_mut(ti) {
        let end = clamp(l, last_col(to));
        l.truncate(end);
    }
    let oi = off.line as usize - 1;
    if let Some(l) = work.get_mut(oi) {
        let e = clamp(l, last_col(off));
        l.insert(e, ']');
        let s = clamp(l, col(off));
        l.insert(s, '[');
    }
    let fi = from.line as usize - 1;
    if let Some(l) = work.get_mut(fi) {
        let s = clamp(l, col(from));
        *l = l[s..].to_string();
    }
    let mut out = String::from("(");
    if !include_start {
        out.push_str("...");
    }
    for l in work.get(fi..=ti.max(fi))? {
        out.push_str(l);
    }
    if !include_end {
        out.push_str("...");
    }
    out.push(')');
    Some(out)
}
