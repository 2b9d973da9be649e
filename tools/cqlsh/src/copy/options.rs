//! The `COPY` command line: `COPY [ks.]table [(col, ...)] TO|FROM 'file'|STDOUT|STDIN
//! [WITH opt = value [AND ...]]`, and its options with cqlsh's names and defaults.

use super::csv::Dialect;
use super::values::Conversion;
use super::CopyError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    To,
    From,
}

impl Direction {
    pub fn word(self) -> &'static str {
        match self {
            Direction::To => "TO",
            Direction::From => "FROM",
        }
    }
}

/// A parsed `COPY` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyCommand {
    pub keyspace: Option<String>,
    pub table: String,
    pub columns: Option<Vec<String>>,
    pub direction: Direction,
    /// The file name(s); `None` for STDOUT / STDIN.
    pub file: Option<String>,
    /// Option names lower-cased, values unquoted, in the order given.
    pub options: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Str(String),
    Punct(char),
}

fn tokenize(text: &str) -> Option<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' || c == '"' {
            let mut s = String::new();
            i += 1;
            loop {
                let ch = *chars.get(i)?;
                if ch == c {
                    if chars.get(i + 1) == Some(&c) {
                        s.push(c);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                s.push(ch);
                i += 1;
            }
            tokens.push(if c == '\'' { Token::Str(s) } else { Token::Quoted(s) });
        } else if "().,=;".contains(c) {
            tokens.push(Token::Punct(c));
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"().,=;'\"".contains(chars[i]) {
                i += 1;
            }
            tokens.push(Token::Word(chars[start..i].iter().collect()));
        }
    }
    Some(tokens)
}

fn name(token: Option<&Token>) -> Option<String> {
    match token? {
        Token::Word(w) => Some(w.to_lowercase()),
        Token::Quoted(q) => Some(q.clone()),
        _ => None,
    }
}

/// Parses the text of a `COPY` statement (without its `;`).
pub fn parse_command(text: &str) -> Result<CopyCommand, CopyError> {
    let improper = || CopyError::Syntax;
    let tokens = tokenize(text).ok_or_else(improper)?;
    let mut it = tokens.iter().peekable();
    match it.next() {
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("copy") => {}
        _ => return Err(improper()),
    }
    let first = name(it.next()).ok_or_else(improper)?;
    let (keyspace, table) = if it.peek() == Some(&&Token::Punct('.')) {
        it.next();
        (Some(first), name(it.next()).ok_or_else(improper)?)
    } else {
        (None, first)
    };
    let mut columns = None;
    if it.peek() == Some(&&Token::Punct('(')) {
        it.next();
        let mut cols = Vec::new();
        loop {
            cols.push(name(it.next()).ok_or_else(improper)?);
            match it.next() {
                Some(Token::Punct(',')) => {}
                Some(Token::Punct(')')) => break,
                _ => return Err(improper()),
            }
        }
        columns = Some(cols);
    }
    let direction = match it.next() {
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("to") => Direction::To,
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("from") => Direction::From,
        _ => return Err(improper()),
    };
    let file = match it.next() {
        Some(Token::Str(s)) => Some(s.clone()),
        Some(Token::Word(w)) if direction == Direction::To && w.eq_ignore_ascii_case("stdout") => None,
        Some(Token::Word(w)) if direction == Direction::From && w.eq_ignore_ascii_case("stdin") => None,
        _ => return Err(improper()),
    };
    let mut options = Vec::new();
    match it.next() {
        None | Some(Token::Punct(';')) => {}
        Some(Token::Word(w)) if w.eq_ignore_ascii_case("with") => loop {
            let opt = match it.next() {
                Some(Token::Word(w)) => w.to_lowercase(),
                _ => return Err(improper()),
            };
            if it.next() != Some(&Token::Punct('=')) {
                return Err(improper());
            }
            let value = match it.next() {
                Some(Token::Str(s)) => s.clone(),
                Some(Token::Word(w)) => {
                    // A number such as 0.5 arrives as three tokens.
                    let mut v = w.clone();
                    if it.peek() == Some(&&Token::Punct('.')) {
                        it.next();
                        v.push('.');
                        if let Some(Token::Word(frac)) = it.peek() {
                            v.push_str(frac);
                            it.next();
                        }
                    }
                    v
                }
                _ => return Err(improper()),
            };
            options.push((opt, value));
            match it.next() {
                None | Some(Token::Punct(';')) => break,
                Some(Token::Word(w)) if w.eq_ignore_ascii_case("and") => {}
                _ => return Err(improper()),
            }
        },
        _ => return Err(improper()),
    }
    if it.next().is_some() {
        return Err(improper());
    }
    Ok(CopyCommand { keyspace, table, columns, direction, file, options })
}

/// Every option cqlsh 6.2 knows (for both directions); others are "Unrecognized".
const KNOWN: &[&str] = &[
    "quote",
    "escape",
    "delimiter",
    "null",
    "header",
    "encoding",
    "maxrequests",
    "pagesize",
    "pagetimeout",
    "maxattempts",
    "datetimeformat",
    "floatprecision",
    "doubleprecision",
    "chunksize",
    "ingestrate",
    "maxbatchsize",
    "minbatchsize",
    "reportfrequency",
    "decimalsep",
    "thousandssep",
    "boolstyle",
    "numprocesses",
    "begintoken",
    "endtoken",
    "maxrows",
    "skiprows",
    "skipcols",
    "maxparseerrors",
    "maxinserterrors",
    "errfile",
    "ratefile",
    "maxoutputsize",
    "preparedstatements",
    "ttl",
    "maxinflightmessages",
    "maxbackoffattempts",
    "maxpendingchunks",
    "requesttimeout",
    "childtimeout",
    "configfile",
];

/// The options in effect.
#[derive(Debug, Clone)]
pub struct CopyOptions {
    pub dialect: Dialect,
    pub conversion: Conversion,
    pub header: bool,
    pub page_size: i32,
    pub max_attempts: u32,
    /// Rows read at most (`-1`: no limit), header excluded.
    pub max_rows: i64,
    pub skip_rows: u64,
    pub skip_cols: Vec<String>,
    /// Rows parsed before their inserts are sent.
    pub chunk_size: usize,
    /// Inserts in flight at most.
    pub max_in_flight: usize,
    pub max_parse_errors: i64,
    pub max_insert_errors: i64,
    pub err_file: String,
    pub ttl: i64,
    pub report_frequency_s: f64,
}

fn int<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, CopyError> {
    v.trim()
        .parse()
        .map_err(|_| CopyError::BadOption(format!("invalid literal for int() with base 10: '{v}' (option {name})")))
}

fn one_char(name: &str, v: &str) -> Result<char, CopyError> {
    let mut chars = v.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(CopyError::BadOption(format!("\"{name}\" must be a 1-character string"))),
    }
}

impl CopyOptions {
    /// The options of `cmd` over cqlsh's defaults; unknown names are an error naming them
    /// all, as cqlsh's `Unrecognized COPY TO options: a, b`.
    pub fn parse(cmd: &CopyCommand, keyspace: &str) -> Result<CopyOptions, CopyError> {
        let unknown: Vec<String> =
            cmd.options.iter().filter(|(k, _)| !KNOWN.contains(&k.as_str())).map(|(k, _)| k.clone()).collect();
        if !unknown.is_empty() {
            return Err(CopyError::UnrecognizedOptions { direction: cmd.direction.word(), names: unknown.join(", ") });
        }
        let get = |k: &str| cmd.options.iter().rev().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let quote = one_char("quotechar", get("quote").unwrap_or("\""))?;
        let escape = one_char("escapechar", get("escape").unwrap_or("\\"))?;
        let delimiter = one_char("delimiter", get("delimiter").unwrap_or(","))?;
        let dialect = Dialect { delimiter, quote, escape: (escape != quote).then_some(escape) };
        let encoding = get("encoding").unwrap_or("utf8");
        if !matches!(encoding.to_ascii_lowercase().replace(['-', '_'], "").as_str(), "utf8") {
            return Err(CopyError::Encoding(encoding.to_string()));
        }
        let mut conversion = Conversion::default();
        if let Some(n) = get("null") {
            conversion.nullval = n.to_string();
        }
        if let Some(f) = get("datetimeformat") {
            conversion.datetime_format = f.to_string();
        }
        if let Some(p) = get("floatprecision") {
            conversion.display.float_precision = int("floatprecision", p)?;
        }
        if let Some(p) = get("doubleprecision") {
            conversion.display.double_precision = int("doubleprecision", p)?;
        }
        if let Some(style) = get("boolstyle") {
            let parts: Vec<&str> = style.split(',').map(str::trim).collect();
            match parts.as_slice() {
                [t, f] if !t.is_empty() && !f.is_empty() && t != f => {
                    conversion.bool_style = (t.to_string(), f.to_string());
                }
                _ => return Err(CopyError::BadOption(format!("Invalid boolean styles {parts:?}"))),
            }
        }
        let max_batch_size: usize = int("maxbatchsize", get("maxbatchsize").unwrap_or("20"))?;
        let max_requests: usize = int("maxrequests", get("maxrequests").unwrap_or("6"))?;
        let page_size: i32 = int("pagesize", get("pagesize").unwrap_or("1000"))?;
        if page_size <= 0 {
            return Err(CopyError::BadOption(format!("PAGESIZE must be positive, not {page_size}")));
        }
        let skip_cols = get("skipcols")
            .map(|s| s.split(',').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect())
            .unwrap_or_default();
        Ok(CopyOptions {
            dialect,
            conversion,
            header: get("header").is_some_and(|h| h.eq_ignore_ascii_case("true")),
            page_size,
            max_attempts: int::<u32>("maxattempts", get("maxattempts").unwrap_or("5"))?.max(1),
            max_rows: int("maxrows", get("maxrows").unwrap_or("-1"))?,
            skip_rows: int("skiprows", get("skiprows").unwrap_or("0"))?,
            skip_cols,
            chunk_size: int::<usize>("chunksize", get("chunksize").unwrap_or("5000"))?.max(1),
            // cqlsh sends batches of MAXBATCHSIZE rows, MAXREQUESTS at a time per worker; here
            // each row is one INSERT, so as many rows are in flight.
            max_in_flight: (max_batch_size.max(1) * max_requests.max(1)).clamp(1, super::MAX_INSERTS_IN_FLIGHT),
            max_parse_errors: int("maxparseerrors", get("maxparseerrors").unwrap_or("-1"))?,
            max_insert_errors: int("maxinserterrors", get("maxinserterrors").unwrap_or("1000"))?,
            err_file: get("errfile")
                .map(str::to_string)
                .unwrap_or_else(|| format!("import_{keyspace}_{}.err", cmd.table)),
            ttl: int("ttl", get("ttl").unwrap_or("-1"))?,
            report_frequency_s: get("reportfrequency").and_then(|f| f.trim().parse().ok()).unwrap_or(0.25),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn commands() {
        let c = parse_command(
            "COPY ks.\"T\" (a, \"B\") TO 'out.csv' WITH header = true AND delimiter='|' AND reportfrequency=0.5",
        )
        .unwrap();
        assert_eq!(c.keyspace.as_deref(), Some("ks"));
        assert_eq!(c.table, "T");
        assert_eq!(c.columns, Some(vec!["a".to_string(), "B".to_string()]));
        assert_eq!(c.direction, Direction::To);
        assert_eq!(c.file.as_deref(), Some("out.csv"));
        assert_eq!(
            c.options,
            vec![
                ("header".into(), "true".into()),
                ("delimiter".into(), "|".into()),
                ("reportfrequency".into(), "0.5".into())
            ]
        );
        let c = parse_command("copy t from stdin").unwrap();
        assert_eq!((c.keyspace, c.file, c.direction), (None, None, Direction::From));
        assert!(parse_command("COPY t TO").is_err());
        assert!(parse_command("COPY t FROM STDOUT").is_err());
        assert!(parse_command("COPY t TO 'f' WITH").is_err());
    }

    #[test]
    fn options() {
        let c = parse_command("COPY t TO 'f' WITH foo=1 AND Bar=2").unwrap();
        let e = CopyOptions::parse(&c, "ks").unwrap_err();
        assert_eq!(e.to_string(), "Unrecognized COPY TO options: foo, bar");
        let c = parse_command("COPY t TO 'f' WITH encoding='latin1'").unwrap();
        assert!(matches!(CopyOptions::parse(&c, "ks"), Err(CopyError::Encoding(_))));
        let c = parse_command("COPY t FROM 'f' WITH QUOTE='''' AND ESCAPE=''''").unwrap();
        let o = CopyOptions::parse(&c, "ks").unwrap();
        assert_eq!(o.dialect, Dialect { delimiter: ',', quote: '\'', escape: None });
        assert_eq!(o.err_file, "import_ks_t.err");
    }
}
