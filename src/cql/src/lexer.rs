//! The CQL lexer (nom over `&str`): turns text into tokens the way Cassandra's ANTLR lexer
//! does.
//!
//! Rules followed (Cassandra 5.0 `Lexer.g`): whitespace is only space, tab, CR and LF;
//! comments are `-- …`, `// …` (to end of line) and `/* … */`; strings are `'…'` with `''`
//! escapes or `$$…$$`; quoted names are `"…"` with `""` escapes (`""` alone is the empty
//! name); numbers are `-?digits` (INTEGER), with `.digits*` and/or an exponent (FLOAT);
//! `-NaN`, `-Infinity` are single tokens; `0x…` is a blob; unquoted UUIDs; durations
//! (`1h30m`, `1y2mo3w4d5h6m7s8ms9us10ns`, ISO 8601 `P1DT2H`, `P1W`, `P0001-02-03T04:05:06`);
//! `true`/`false` are booleans; words are `[A-Za-z][A-Za-z0-9_]*`. When several rules match,
//! the longest wins and ties go to the rule listed first in `Lexer.g` (so `P1D` is a duration
//! and `true` a boolean). `expr(` is a token of its own (custom index expressions).
//!
//! Lexing stops at the first bad character; the error is reported unless the parser fails
//! earlier in the text (ANTLR lexes lazily, so the first error in reading order wins).

use nom::{
    branch::alt,
    bytes::complete::{tag, take_while, take_while1},
    character::complete::{char as nchar, digit1, one_of},
    combinator::{opt, recognize},
    sequence::{pair, preceded, tuple},
    IResult,
};

use crate::error::{char_display, ParseError};

/// Kinds of significant tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokKind {
    /// An identifier or a keyword (`text` as written).
    Word,
    /// `"name"` (`text` unescaped).
    Quoted,
    /// `""`.
    EmptyQuoted,
    /// `'…'` or `$$…$$` (`text` unescaped).
    Str,
    Integer,
    Float,
    Boolean,
    Duration,
    Uuid,
    Hex,
    /// `-NaN`.
    NegNaN,
    /// `-Infinity`.
    NegInfinity,
    /// Punctuation; `text` is the symbol.
    Sym,
    /// `expr(`.
    ExprOpen,
    Eof,
}

impl TokKind {
    /// The ANTLR token name, as printed after `expecting`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            TokKind::Word => "IDENT",
            TokKind::Quoted => "QUOTED_NAME",
            TokKind::EmptyQuoted => "EMPTY_QUOTED_NAME",
            TokKind::Str => "STRING_LITERAL",
            TokKind::Integer => "INTEGER",
            TokKind::Float => "FLOAT",
            TokKind::Boolean => "BOOLEAN",
            TokKind::Duration => "DURATION",
            TokKind::Uuid => "UUID",
            TokKind::Hex => "HEXNUMBER",
            TokKind::NegNaN => "K_NEGATIVE_NAN",
            TokKind::NegInfinity => "K_NEGATIVE_INFINITY",
            TokKind::Sym => "SYMBOL",
            TokKind::ExprOpen => "'expr('",
            TokKind::Eof => "EOF",
        }
    }
}

/// A significant token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokKind,
    /// Source text, except for strings and quoted names (their unescaped content).
    pub text: String,
    /// Upper-cased text for words (keyword matching); empty otherwise.
    pub upper: String,
    /// Byte offsets in the source.
    pub start: usize,
    pub end: usize,
    /// 1-based line, 0-based UTF-16 column.
    pub line: u32,
    pub col: u32,
    /// Index in [`Lexed::spans`] (which also holds whitespace and comments).
    pub full_index: usize,
}

/// Any token, hidden ones included, by position (for error snippets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    pub start: usize,
    pub end: usize,
    pub line: u32,
    /// Byte offset where the token's line starts.
    pub line_start: usize,
}

/// The result of lexing: tokens ending with `Eof`, all spans, and the first lexical error.
#[derive(Debug)]
pub(crate) struct Lexed {
    pub tokens: Vec<Token>,
    pub spans: Vec<Span>,
    pub error: Option<ParseError>,
}

type LResult<'a, O = &'a str> = IResult<&'a str, O>;

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn whitespace(i: &str) -> LResult<'_> {
    take_while1(is_ws)(i)
}

/// `-- …` or `// …` up to and including the end of line (or end of input).
fn line_comment(i: &str) -> LResult<'_> {
    recognize(tuple((alt((tag("--"), tag("//"))), take_while(|c| c != '\n' && c != '\r'), opt(one_of("\r\n")))))(i)
}

fn word(i: &str) -> LResult<'_> {
    recognize(pair(
        take_while1(|c: char| c.is_ascii_alphabetic()),
        take_while(|c: char| c.is_ascii_alphanumeric() || c == '_'),
    ))(i)
}

fn hex_number(i: &str) -> LResult<'_> {
    recognize(tuple((nchar('0'), one_of("xX"), take_while(|c: char| c.is_ascii_hexdigit()))))(i)
}

fn hex_n(n: usize) -> impl Fn(&str) -> LResult<'_> {
    move |i: &str| {
        let len = i.chars().take(n).take_while(|c| c.is_ascii_hexdigit()).count();
        if len == n {
            Ok((&i[n..], &i[..n]))
        } else {
            Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::HexDigit)))
        }
    }
}

fn uuid(i: &str) -> LResult<'_> {
    recognize(tuple((
        hex_n(8),
        nchar('-'),
        hex_n(4),
        nchar('-'),
        hex_n(4),
        nchar('-'),
        hex_n(4),
        nchar('-'),
        hex_n(12),
    )))(i)
}

fn integer(i: &str) -> LResult<'_> {
    recognize(pair(opt(nchar('-')), digit1))(i)
}

fn exponent(i: &str) -> LResult<'_> {
    recognize(tuple((one_of("eE"), opt(one_of("+-")), digit1)))(i)
}

/// A FLOAT that is not also an INTEGER (it has a `.` or an exponent). `1..` is INTEGER `1`
/// then RANGE; `1...` is FLOAT `1.` then RANGE.
fn float(i: &str) -> LResult<'_> {
    let (rest, int) = integer(i)?;
    if rest.starts_with("...") {
        let len = int.len() + 1;
        return Ok((&i[len..], &i[..len]));
    }
    if rest.starts_with("..") {
        return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Float)));
    }
    let (rest, frac) = opt(preceded(nchar('.'), take_while(|c: char| c.is_ascii_digit())))(rest)?;
    let (rest, exp) = opt(exponent)(rest)?;
    if frac.is_none() && exp.is_none() {
        return Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Float)));
    }
    let len = i.len() - rest.len();
    Ok((rest, &i[..len]))
}

/// One duration unit, longest first: `mo ms us µs ns y w d h m s` (any case).
fn duration_unit(i: &str) -> LResult<'_> {
    let two = ["mo", "ms", "us", "µs", "ns"];
    for u in two {
        if i.len() >= u.len() && i.is_char_boundary(u.len()) && i[..u.len()].eq_ignore_ascii_case(u) {
            return Ok((&i[u.len()..], &i[..u.len()]));
        }
    }
    recognize(one_of("yYwWdDhHmMsS"))(i)
}

fn digits_then(c: char) -> impl Fn(&str) -> LResult<'_> {
    move |i: &str| recognize(pair(digit1, nchar(c)))(i)
}

/// `T…H[…M][…S]` / `T…M[…S]` / `T…S`.
fn iso_time(i: &str) -> LResult<'_> {
    recognize(preceded(
        nchar('T'),
        alt((
            recognize(tuple((digits_then('H'), opt(digits_then('M')), opt(digits_then('S'))))),
            recognize(pair(digits_then('M'), opt(digits_then('S')))),
            digits_then('S'),
        )),
    ))(i)
}

fn two_digits(i: &str) -> LResult<'_> {
    recognize(pair(one_of("0123456789"), one_of("0123456789")))(i)
}

fn duration(i: &str) -> LResult<'_> {
    let mut units = recognize(pair(opt(nchar('-')), nom::multi::many1_count(pair(digit1, duration_unit))));
    let mut iso_alternative = recognize(tuple((
        opt(nchar('-')),
        nchar('P'),
        hex_free_digits(4),
        nchar('-'),
        two_digits,
        nchar('-'),
        two_digits,
        nchar('T'),
        two_digits,
        nchar(':'),
        two_digits,
        nchar(':'),
        two_digits,
    )));
    let mut iso_period = recognize(tuple((
        opt(nchar('-')),
        nchar('P'),
        alt((
            recognize(pair(
                alt((
                    recognize(tuple((digits_then('Y'), opt(digits_then('M')), opt(digits_then('D'))))),
                    recognize(pair(digits_then('M'), opt(digits_then('D')))),
                    digits_then('D'),
                )),
                opt(iso_time),
            )),
            iso_time,
            digits_then('W'),
        )),
    )));
    // Longest of the three.
    let mut best: Option<&str> = None;
    for r in [units(i), iso_alternative(i), iso_period(i)].into_iter().flatten() {
        if best.is_none_or(|b| r.1.len() > b.len()) {
            best = Some(r.1);
        }
    }
    match best {
        Some(b) => Ok((&i[b.len()..], b)),
        None => Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Alt))),
    }
}

fn hex_free_digits(n: usize) -> impl Fn(&str) -> LResult<'_> {
    move |i: &str| {
        let len = i.chars().take(n).take_while(|c| c.is_ascii_digit()).count();
        if len == n {
            Ok((&i[n..], &i[..n]))
        } else {
            Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Digit)))
        }
    }
}

fn neg_special(i: &str) -> LResult<'_, TokKind> {
    let (rest, _) = nchar('-')(i)?;
    for (w, k) in [("infinity", TokKind::NegInfinity), ("nan", TokKind::NegNaN)] {
        if rest.len() >= w.len() && rest.is_char_boundary(w.len()) && rest[..w.len()].eq_ignore_ascii_case(w) {
            return Ok((&rest[w.len()..], k));
        }
    }
    Err(nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Tag)))
}

const SYMBOLS2: &[&str] = &["<=", ">=", "!=", "+=", "-=", ".."];
const SYMBOLS1: &str = ";(),.*[]-+=<>{}:/%?";

/// Position bookkeeping while scanning.
struct Cursor<'s> {
    src: &'s str,
    pos: usize,
    line: u32,
    col: u32,
    line_start: usize,
}

impl Cursor<'_> {
    fn advance(&mut self, len: usize) {
        let end = (self.pos + len).min(self.src.len());
        for (off, c) in self.src[self.pos..end].char_indices() {
            if c == '\n' {
                self.line += 1;
                self.col = 0;
                self.line_start = self.pos + off + 1;
            } else {
                self.col += c.len_utf16() as u32;
            }
        }
        self.pos = end;
    }

    fn error_at(&self, len: usize, found: Option<char>, message: String) -> ParseError {
        let mut probe =
            Cursor { src: self.src, pos: self.pos, line: self.line, col: self.col, line_start: self.line_start };
        probe.advance(len);
        ParseError::Lexical {
            line: probe.line,
            column: i64::from(probe.col),
            offset: probe.pos,
            token: found.map_or_else(|| "<EOF>".to_string(), |c| c.to_string()),
            message,
        }
    }
}

/// Scans a quoted run that starts with `q` and where `qq` escapes `q`. Returns the consumed
/// length and the unescaped content, or `None` when the input ends first.
fn scan_quoted(rest: &str, q: char) -> Option<(usize, String)> {
    let mut out = String::new();
    let mut iter = rest.char_indices().skip(1).peekable();
    while let Some((i, c)) = iter.next() {
        if c == q {
            if let Some(&(_, c2)) = iter.peek() {
                if c2 == q {
                    out.push(q);
                    iter.next();
                    continue;
                }
            }
            return Some((i + c.len_utf8(), out));
        }
        out.push(c);
    }
    None
}

/// Lexes the whole text.
pub(crate) fn lex(src: &str) -> Lexed {
    let mut cur = Cursor { src, pos: 0, line: 1, col: 0, line_start: 0 };
    let mut tokens = Vec::new();
    let mut spans = Vec::new();
    let mut error = None;

    while cur.pos < src.len() {
        let rest = &src[cur.pos..];
        let span = Span { start: cur.pos, end: cur.pos, line: cur.line, line_start: cur.line_start };

        // Hidden tokens.
        let hidden = if let Ok((r, _)) = whitespace(rest) {
            Some(rest.len() - r.len())
        } else if let Ok((r, _)) = line_comment(rest) {
            Some(rest.len() - r.len())
        } else if let Some(body) = rest.strip_prefix("/*") {
            match body.find("*/") {
                Some(p) => Some(p + 4),
                None => {
                    error = Some(cur.error_at(
                        rest.len(),
                        None,
                        format!("mismatched character {} expecting '*'", char_display(None)),
                    ));
                    break;
                }
            }
        } else {
            None
        };
        if let Some(len) = hidden {
            spans.push(Span { end: cur.pos + len, ..span });
            cur.advance(len);
            continue;
        }

        let first = rest.chars().next().unwrap_or(' ');
        let mut token: Option<(TokKind, usize, String)> = None;
        match first {
            '\'' => match scan_quoted(rest, '\'') {
                Some((len, s)) => token = Some((TokKind::Str, len, s)),
                None => {
                    error = Some(cur.error_at(
                        rest.len(),
                        None,
                        format!("mismatched character {} expecting '''", char_display(None)),
                    ));
                    break;
                }
            },
            '"' => match scan_quoted(rest, '"') {
                Some((2, _)) => token = Some((TokKind::EmptyQuoted, 2, "\"\"".to_string())),
                Some((len, s)) => token = Some((TokKind::Quoted, len, s)),
                None => {
                    error = Some(cur.error_at(
                        rest.len(),
                        None,
                        format!("mismatched character {} expecting '\"'", char_display(None)),
                    ));
                    break;
                }
            },
            '$' => {
                let second = rest[1..].chars().next();
                if second != Some('$') {
                    error = Some(cur.error_at(
                        1,
                        second,
                        format!("mismatched character {} expecting '$'", char_display(second)),
                    ));
                    break;
                }
                match rest[2..].find("$$") {
                    Some(p) => token = Some((TokKind::Str, p + 4, rest[2..2 + p].to_string())),
                    None => {
                        error = Some(cur.error_at(
                            rest.len(),
                            None,
                            format!("mismatched character {} expecting '$'", char_display(None)),
                        ));
                        break;
                    }
                }
            }
            _ => {}
        }

        if token.is_none() {
            token = longest_match(rest);
        }
        if token.is_none() {
            if first == '!' {
                let next = rest[1..].chars().next();
                error =
                    Some(cur.error_at(1, next, format!("mismatched character {} expecting '='", char_display(next))));
            } else {
                error = Some(cur.error_at(
                    0,
                    Some(first),
                    format!("no viable alternative at character {}", char_display(Some(first))),
                ));
            }
            break;
        }
        let Some((kind, len, text)) = token else { break };
        let full_index = spans.len();
        spans.push(Span { end: cur.pos + len, ..span });
        let upper = if kind == TokKind::Word { text.to_ascii_uppercase() } else { String::new() };
        tokens.push(Token {
            kind,
            text,
            upper,
            start: cur.pos,
            end: cur.pos + len,
            line: cur.line,
            col: cur.col,
            full_index,
        });
        cur.advance(len);
    }

    tokens.push(Token {
        kind: TokKind::Eof,
        text: "<EOF>".to_string(),
        upper: String::new(),
        start: cur.pos,
        end: cur.pos,
        line: cur.line,
        col: cur.col,
        full_index: spans.len(),
    });
    Lexed { tokens, spans, error }
}

/// The longest token starting at `rest` among numbers, words, durations, blobs, UUIDs and
/// symbols (ties: the rule listed first in `Lexer.g`).
fn longest_match(rest: &str) -> Option<(TokKind, usize, String)> {
    let mut best: Option<(TokKind, usize)> = None;
    // In `Lexer.g` order: keywords and words, `-NaN`/`-Infinity`, INTEGER, FLOAT, BOOLEAN,
    // DURATION, IDENT, HEXNUMBER, UUID. Keywords, booleans and identifiers are all "words".
    if let Ok((r, k)) = neg_special(rest) {
        best = Some((k, rest.len() - r.len()));
    }
    let mut consider = |kind: TokKind, r: LResult<'_>| {
        if let Ok((_, s)) = r {
            if !s.is_empty() && best.is_none_or(|(_, l)| s.len() > l) {
                best = Some((kind, s.len()));
            }
        }
    };
    consider(TokKind::Integer, integer(rest));
    consider(TokKind::Float, float(rest));
    consider(TokKind::Duration, duration(rest));
    consider(TokKind::Word, word(rest));
    consider(TokKind::Hex, hex_number(rest));
    consider(TokKind::Uuid, uuid(rest));
    // Symbols (only when nothing longer matched, e.g. `-` vs `-1`).
    for s in SYMBOLS2 {
        if rest.starts_with(s) && best.is_none_or(|(_, l)| s.len() > l) {
            best = Some((TokKind::Sym, s.len()));
        }
    }
    if best.is_none() {
        if let Some(c) = rest.chars().next() {
            if SYMBOLS1.contains(c) {
                best = Some((TokKind::Sym, 1));
            }
        }
    }
    let (mut kind, mut len) = best?;
    if kind == TokKind::Word {
        let w = &rest[..len];
        if w == "expr" && rest[len..].starts_with('(') {
            kind = TokKind::ExprOpen;
            len += 1;
        } else if crate::keywords::is_boolean_word(w) {
            kind = TokKind::Boolean;
        }
    }
    Some((kind, len, rest[..len].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(TokKind, String)> {
        lex(s).tokens.into_iter().map(|t| (t.kind, t.text)).collect()
    }

    #[test]
    fn numbers_and_durations() {
        use TokKind::*;
        assert_eq!(
            kinds("1 -2 1.5 1e10 -1.5E-3 1."),
            vec![
                (Integer, "1".into()),
                (Integer, "-2".into()),
                (Float, "1.5".into()),
                (Float, "1e10".into()),
                (Float, "-1.5E-3".into()),
                (Float, "1.".into()),
                (Eof, "<EOF>".into())
            ]
        );
        assert_eq!(kinds("1..3")[..3], [(Integer, "1".into()), (Sym, "..".into()), (Integer, "3".into())]);
        assert_eq!(kinds("1...3")[..3], [(Float, "1.".into()), (Sym, "..".into()), (Integer, "3".into())]);
        assert_eq!(kinds("12h30m")[0], (Duration, "12h30m".into()));
        assert_eq!(kinds("1y2mo3w4d5h6m7s8ms9us10ns")[0], (Duration, "1y2mo3w4d5h6m7s8ms9us10ns".into()));
        assert_eq!(kinds("1µs")[0], (Duration, "1µs".into()));
        assert_eq!(kinds("P1Y2M3DT4H5M6S")[0], (Duration, "P1Y2M3DT4H5M6S".into()));
        assert_eq!(kinds("-PT1H")[0], (Duration, "-PT1H".into()));
        assert_eq!(kinds("P2W")[0], (Duration, "P2W".into()));
        assert_eq!(kinds("P0001-02-03T04:05:06")[0], (Duration, "P0001-02-03T04:05:06".into()));
        assert_eq!(kinds("P1Dx")[0], (Word, "P1Dx".into()));
        assert_eq!(kinds("0xCAFE")[0], (Hex, "0xCAFE".into()));
        assert_eq!(kinds("123e4567-e89b-12d3-a456-426614174000")[0].0, Uuid);
        assert_eq!(kinds("deadbeef-dead-beef-dead-beefdeadbeef")[0].0, Uuid);
        assert_eq!(kinds("-NaN -infinity")[..2], [(NegNaN, "-NaN".into()), (NegInfinity, "-infinity".into())]);
        assert_eq!(
            kinds("true False truex")[..3],
            [(Boolean, "true".into()), (Boolean, "False".into()), (Word, "truex".into())]
        );
    }

    #[test]
    fn strings_names_comments() {
        use TokKind::*;
        assert_eq!(
            kinds("'it''s' $$a'b$$ \"Q\"\"x\" \"\"")[..4],
            [(Str, "it's".into()), (Str, "a'b".into()), (Quoted, "Q\"x".into()), (EmptyQuoted, "\"\"".into())]
        );
        assert_eq!(kinds("a -- c\nb // d\r\nc /* x \n y */ d").len(), 5);
        assert_eq!(kinds("expr(a) expr (")[..3], [(ExprOpen, "expr(".into()), (Word, "a".into()), (Sym, ")".into())]);
    }

    #[test]
    fn errors() {
        let e = lex("SELECT 'abc").error.map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("line 1:11 mismatched character '<EOF>' expecting '''"));
        let e = lex("SELECT #").error.map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("line 1:7 no viable alternative at character '#'"));
        let e = lex("a\n  $x").error.map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("line 2:3 mismatched character 'x' expecting '$'"));
    }
}
