//! CSV as Python's `csv` module reads and writes it with cqlsh's dialect: a delimiter, a quote
//! character, an escape character (or doubled quotes when the quote and escape characters are
//! the same), `QUOTE_MINIMAL`, `\r\n` after each record. Written by hand rather than with the
//! `csv` crate so that the bytes match cqlsh's files exactly (Python escapes the escape
//! character itself, and an escaped quote does not force quoting).

/// cqlsh's CSV dialect (`DELIMITER`, `QUOTE`, `ESCAPE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialect {
    pub delimiter: char,
    pub quote: char,
    /// `None`: quotes inside quoted fields are doubled (cqlsh, when QUOTE equals ESCAPE).
    pub escape: Option<char>,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect { delimiter: ',', quote: '"', escape: Some('\\') }
    }
}

impl Dialect {
    /// One record, `\r\n` terminated, appended to `out`.
    pub fn write_record<S: AsRef<str>>(&self, fields: &[S], out: &mut String) {
        if let [only] = fields {
            if only.as_ref().is_empty() {
                // Python writes a lone empty field as `""` so the record is not a blank line.
                out.push(self.quote);
                out.push(self.quote);
                out.push_str("\r\n");
                return;
            }
        }
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                out.push(self.delimiter);
            }
            self.write_field(field.as_ref(), out);
        }
        out.push_str("\r\n");
    }

    fn write_field(&self, field: &str, out: &mut String) {
        let mut body = String::with_capacity(field.len());
        let mut quoted = false;
        for c in field.chars() {
            if c == self.quote {
                match self.escape {
                    None => body.push(c),
                    Some(e) => body.push(e),
                }
            } else if Some(c) == self.escape {
                body.push(c);
            } else if c == self.delimiter || c == '\r' || c == '\n' {
                quoted = true;
            }
            body.push(c);
        }
        if quoted {
            out.push(self.quote);
            out.push_str(&body);
            out.push(self.quote);
        } else {
            out.push_str(&body);
        }
    }

    /// A reader of the records of `text`.
    pub fn reader<'a>(&'a self, text: &'a str) -> Reader<'a> {
        Reader { dialect: self, chars: text.chars().peekable(), line: 1 }
    }
}

/// One record read: its fields and the line it starts on (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub fields: Vec<String>,
    pub line: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    StartField,
    Escaped,
    InField,
    Quoted,
    EscapeInQuoted,
    QuoteInQuoted,
}

/// Python's lenient reader (`strict=False`): a stray quote inside a field is kept, a quoted
/// field left open at the end of the input ends there, blank lines are skipped.
pub struct Reader<'a> {
    dialect: &'a Dialect,
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
}

impl Iterator for Reader<'_> {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        let d = self.dialect;
        loop {
            let start_line = self.line;
            let mut fields = Vec::new();
            let mut field = String::new();
            let mut state = State::StartField;
            let mut any = false;
            let mut ended = false;
            while let Some(c) = self.chars.next() {
                any = true;
                if c == '\n' {
                    self.line += 1;
                }
                let newline = c == '\n' || c == '\r';
                match state {
                    State::StartField | State::InField | State::QuoteInQuoted if newline => {
                        if c == '\r' && self.chars.peek().is_some_and(|n| *n == '\n') {
                            self.chars.next();
                            self.line += 1;
                        }
                        ended = true;
                        break;
                    }
                    State::StartField if c == d.quote => state = State::Quoted,
                    State::StartField | State::InField if Some(c) == d.escape => state = State::Escaped,
                    State::StartField | State::InField | State::QuoteInQuoted if c == d.delimiter => {
                        fields.push(std::mem::take(&mut field));
                        state = State::StartField;
                    }
                    State::StartField | State::InField | State::Escaped => {
                        field.push(c);
                        state = State::InField;
                    }
                    State::Quoted if Some(c) == d.escape => state = State::EscapeInQuoted,
                    State::Quoted if c == d.quote => {
                        state = if d.escape.is_none() { State::QuoteInQuoted } else { State::InField };
                    }
                    State::Quoted | State::EscapeInQuoted => {
                        field.push(c);
                        state = State::Quoted;
                    }
                    State::QuoteInQuoted if c == d.quote => {
                        field.push(c);
                        state = State::Quoted;
                    }
                    State::QuoteInQuoted => {
                        field.push(c);
                        state = State::InField;
                    }
                }
            }
            if !any {
                return None;
            }
            if ended && fields.is_empty() && field.is_empty() && state == State::StartField {
                // A blank line.
                continue;
            }
            fields.push(field);
            return Some(Record { fields, line: start_line });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn write(d: &Dialect, fields: &[&str]) -> String {
        let mut out = String::new();
        d.write_record(fields, &mut out);
        out
    }

    #[test]
    fn writes_like_python() {
        let d = Dialect::default();
        assert_eq!(
            write(&d, &["1", "a,b", "say \"hi\"", "back\\slash", ""]),
            "1,\"a,b\",say \\\"hi\\\",back\\\\slash,\r\n"
        );
        assert_eq!(write(&d, &["x\ny"]), "\"x\ny\"\r\n");
        assert_eq!(write(&d, &[""]), "\"\"\r\n");
        let doubled = Dialect { escape: None, ..Dialect::default() };
        assert_eq!(write(&doubled, &["a \"q\", b", "c\\d"]), "\"a \"\"q\"\", b\",c\\d\r\n");
        let pipe = Dialect { delimiter: '|', ..Dialect::default() };
        assert_eq!(write(&pipe, &["a,b", "c|d"]), "a,b|\"c|d\"\r\n");
    }

    #[test]
    fn reads_like_python() {
        let d = Dialect::default();
        let text = "1,\"a,b\",say \\\"hi\\\",back\\\\slash,\r\n\n2,\"multi\nline\"\n3,\"open";
        let records: Vec<Record> = d.reader(text).collect();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].fields, vec!["1", "a,b", "say \"hi\"", "back\\slash", ""]);
        assert_eq!(records[1], Record { fields: vec!["2".into(), "multi\nline".into()], line: 3 });
        assert_eq!(records[2], Record { fields: vec!["3".into(), "open".into()], line: 5 });
        let doubled = Dialect { escape: None, ..Dialect::default() };
        let r: Vec<Record> = doubled.reader("\"a \"\"q\"\", b\",c\\d").collect();
        assert_eq!(r[0].fields, vec!["a \"q\", b", "c\\d"]);
    }

    #[test]
    fn round_trips() {
        let d = Dialect { delimiter: ';', quote: '\'', escape: Some('#') };
        let fields = ["a;b", "it's", "#x", "", "new\r\nline"];
        let text = write(&d, &fields);
        let back: Vec<Record> = d.reader(&text).collect();
        assert_eq!(back[0].fields, fields);
    }
}
