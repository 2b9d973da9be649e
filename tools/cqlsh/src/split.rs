//! Splits input into statements on `;` outside strings, quoted names, `$$` strings and
//! comments. Comments are dropped from the statement text (newlines kept); shell commands
//! (`EXIT`, `CONSISTENCY`, `DESCRIBE`, ...) also end at the end of their line, as in cqlsh.

/// One complete statement: its text (comments removed, trimmed, no trailing `;`) and the
/// 1-based line where it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub text: String,
    pub line: usize,
}

/// Shell commands that a newline ends, like `;`.
const LINE_COMMANDS: &[&str] = &[
    "EXIT",
    "QUIT",
    "CONSISTENCY",
    "SERIAL",
    "PAGING",
    "EXPAND",
    "SHOW",
    "SOURCE",
    "HELP",
    "?",
    "DESC",
    "DESCRIBE",
    "TRACING",
    "CAPTURE",
    "CLEAR",
    "CLS",
    "COPY",
    "LOGIN",
    "HISTORY",
];

/// The first word of a statement, upper-cased.
pub fn first_word(text: &str) -> String {
    let t = text.trim_start();
    let end = t.find(|c: char| c.is_whitespace() || c == ';' || c == '(').unwrap_or(t.len());
    t[..end].to_ascii_uppercase()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Normal,
    Single,
    Double,
    Dollar,
    LineComment,
    BlockComment,
}

/// Splits `input` into complete statements; the text after the last terminator (an
/// unfinished statement, possibly empty) is returned separately.
pub fn split(input: &str) -> (Vec<Piece>, String) {
    let chars: Vec<char> = input.chars().collect();
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let mut state = State::Normal;
    let mut line = 1;
    let mut i = 0;
    let finish = |cur: &mut String, line: usize, pieces: &mut Vec<Piece>| {
        let text = cur.trim().to_string();
        cur.clear();
        if !text.is_empty() {
            pieces.push(Piece { text, line });
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match state {
            State::Normal => match c {
                ';' => finish(&mut cur, line, &mut pieces),
                '\'' => {
                    state = State::Single;
                    cur.push(c);
                }
                '"' => {
                    state = State::Double;
                    cur.push(c);
                }
                '$' if next == Some('$') => {
                    state = State::Dollar;
                    cur.push_str("$$");
                    i += 1;
                }
                '-' if next == Some('-') => {
                    state = State::LineComment;
                    i += 1;
                }
                '/' if next == Some('/') => {
                    state = State::LineComment;
                    i += 1;
                }
                '/' if next == Some('*') => {
                    state = State::BlockComment;
                    cur.push(' ');
                    i += 1;
                }
                '\n' => {
                    if LINE_COMMANDS.contains(&first_word(&cur).as_str()) {
                        finish(&mut cur, line, &mut pieces);
                    } else {
                        cur.push(c);
                    }
                }
                _ => cur.push(c),
            },
            State::Single | State::Double => {
                let quote = if state == State::Single { '\'' } else { '"' };
                cur.push(c);
                if c == quote {
                    if next == Some(quote) {
                        cur.push(quote);
                        i += 1;
                    } else {
                        state = State::Normal;
                    }
                }
            }
            State::Dollar => {
                if c == '$' && next == Some('$') {
                    cur.push_str("$$");
                    i += 1;
                    state = State::Normal;
                } else {
                    cur.push(c);
                }
            }
            State::LineComment => {
                if c == '\n' {
                    state = State::Normal;
                    continue; // the newline is handled in Normal (it may end a shell command)
                }
            }
            State::BlockComment => {
                if c == '*' && next == Some('/') {
                    state = State::Normal;
                    i += 1;
                } else if c == '\n' {
                    cur.push('\n');
                }
            }
        }
        if c == '\n' {
            line += 1;
        }
        i += 1;
    }
    (pieces, cur.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(input: &str) -> Vec<String> {
        split(input).0.into_iter().map(|p| p.text).collect()
    }

    #[test]
    fn splits_on_semicolons_outside_strings_and_comments() {
        assert_eq!(texts("SELECT 1; SELECT 2;"), ["SELECT 1", "SELECT 2"]);
        assert_eq!(texts("INSERT INTO t (k) VALUES ('a;b');"), ["INSERT INTO t (k) VALUES ('a;b')"]);
        assert_eq!(texts("INSERT INTO t (k) VALUES ('it''s;');"), ["INSERT INTO t (k) VALUES ('it''s;')"]);
        assert_eq!(texts("SELECT \"a;b\" FROM t;"), ["SELECT \"a;b\" FROM t"]);
        assert_eq!(texts("SELECT $$a;b$$ FROM t;"), ["SELECT $$a;b$$ FROM t"]);
        assert_eq!(texts("-- a; comment\nSELECT 1; // x;\n/* y; */ SELECT 2;"), ["SELECT 1", "SELECT 2"]);
    }

    #[test]
    fn line_numbers_and_leftovers() {
        let (pieces, rest) = split("SELECT\n1;\n\nSELECT 2;\nSELECT");
        assert_eq!(pieces[0].line, 2);
        assert_eq!(pieces[1].line, 4);
        assert_eq!(rest, "SELECT");
    }

    #[test]
    fn shell_commands_end_at_newline() {
        assert_eq!(texts("CONSISTENCY\nSELECT 1\n;\nexit\n"), ["CONSISTENCY", "SELECT 1", "exit"]);
        assert_eq!(texts("paging off -- c\nSELECT 1;"), ["paging off", "SELECT 1"]);
    }
}
