//! Splits input into statements on `;` outside strings, quoted names, `$$` strings and
//! comments. Comments are dropped from the statement text (newlines kept); shell commands
//! (`EXIT`, `CONSISTENCY`, `DESCRIBE`, ...) also end at the end of their line, as in cqlsh.

/// One complete statement: its text (comments removed, trimmed, no trailing `;`) and the
/// 1-based line cqlsh reports its errors at: the end of the first line, from the one the
/// statement ended on, after which no statement is left unfinished (cqlsh reads line by line and
/// runs the buffer once it ends with a complete statement).
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

/// Whether a statement is a shell command that a newline ends.
pub fn is_line_command(text: &str) -> bool {
    LINE_COMMANDS.contains(&first_word(text).as_str())
}

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
    // Pieces whose line is assigned when the buffer next holds no unfinished statement.
    let mut pending = 0;
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
                ';' if first_word(&cur) == "BEGIN" && !ends_batch(&cur) => cur.push(c),
                // A lone `;` is an (empty) statement too: cqlsh sends it to the server.
                ';' => {
                    if cur.trim().is_empty() {
                        cur.clear();
                        pieces.push(Piece { text: String::new(), line });
                    } else {
                        finish(&mut cur, line, &mut pieces);
                    }
                }
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
                    if is_line_command(&cur) {
                        finish(&mut cur, line, &mut pieces);
                    } else {
                        cur.push(c);
                    }
                    if cur.trim().is_empty() {
                        for p in &mut pieces[pending..] {
                            p.line = line;
                        }
                        pending = pieces.len();
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
    let last = if input.ends_with('\n') { line - 1 } else { line };
    for p in &mut pieces[pending..] {
        p.line = last.max(1);
    }
    (pieces, cur.trim().to_string())
}

/// Whether a `BEGIN ... BATCH` statement has reached its `APPLY BATCH`.
fn ends_batch(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().rev().take(2).collect();
    matches!(words.as_slice(), [b, a] if b.eq_ignore_ascii_case("BATCH") && a.eq_ignore_ascii_case("APPLY"))
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
        assert_eq!(texts(";;"), ["", ""]);
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
    fn batches_stay_whole_and_lines_are_cqlsh_s() {
        let input =
            "BEGIN BATCH\nINSERT INTO t (k) VALUES (1);\nINSERT INTO t (k) VALUES (2);\nAPPLY BATCH;\nSELECT 1;";
        let (pieces, _) = split(input);
        assert_eq!(pieces.len(), 2);
        assert!(pieces[0].text.ends_with("APPLY BATCH") && pieces[0].text.contains("(1);\nINSERT"));
        assert_eq!((pieces[0].line, pieces[1].line), (4, 5));
        // Both statements are run (and report errors) once line 2 completes the buffer.
        let (pieces, _) = split("SELECT 1; SELECT\n2;\n");
        assert_eq!((pieces[0].line, pieces[1].line), (2, 2));
    }

    #[test]
    fn shell_commands_end_at_newline() {
        assert_eq!(texts("CONSISTENCY\nSELECT 1\n;\nexit\n"), ["CONSISTENCY", "SELECT 1", "exit"]);
        assert_eq!(texts("paging off -- c\nSELECT 1;"), ["paging off", "SELECT 1"]);
    }
}
