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
    #[cfg(test)]
    pub fn reader<'a>(&'a self, text: &'a str) -> Reader<'a, std::str::Chars<'a>> {
        self.reader_from(text.chars())
    }

    /// A reader of the records of a stream of characters (a file read as it goes: see
    /// [`StreamChars`]).
    pub fn reader_from<I: Iterator<Item = char>>(&self, chars: I) -> Reader<'_, I> {
        Reader { dialect: self, chars, peeked: None, line: 1, field_limit: FIELD_SIZE_LIMIT }
    }
}

/// cqlsh's default `field_size_limit` (Python's `csv.field_size_limit()`, 128 Ki characters):
/// a longer field makes its record an error instead of growing without bound.
pub const FIELD_SIZE_LIMIT: usize = 131_072;

/// One record read: its fields and the line it starts on (1-based), or why it is unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub fields: Vec<String>,
    pub line: usize,
    /// Python's `_csv.Error` for this record (a field over the size limit).
    pub error: Option<String>,
}

/// The characters of a buffered UTF-8 source, read a line at a time, so a file of any size is
/// parsed in bounded memory. Reading stops at the first I/O or UTF-8 error, which
/// [`StreamChars::error`] then holds.
pub struct StreamChars<R> {
    source: R,
    line: String,
    pos: usize,
    error: Option<std::io::Error>,
}

impl<R: std::io::BufRead> StreamChars<R> {
    pub fn new(source: R) -> Self {
        StreamChars { source, line: String::new(), pos: 0, error: None }
    }

    /// The error that ended the input early, if one did.
    pub fn error(&self) -> Option<&std::io::Error> {
        self.error.as_ref()
    }
}

impl<R: std::io::BufRead> Iterator for StreamChars<R> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        loop {
            if let Some(c) = self.line.get(self.pos..).and_then(|rest| rest.chars().next()) {
                self.pos += c.len_utf8();
                return Some(c);
            }
            if self.error.is_some() {
                return None;
            }
            self.line.clear();
            self.pos = 0;
            match self.source.read_line(&mut self.line) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => {
                    self.error = Some(e);
                    return None;
                }
            }
        }
    }
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
pub struct Reader<'a, I> {
    dialect: &'a Dialect,
    chars: I,
    peeked: Option<char>,
    line: usize,
    field_limit: usize,
}

impl<I: Iterator<Item = char>> Reader<'_, I> {
    /// The characters read from (to see why a stream ended).
    pub fn source(&self) -> &I {
        &self.chars
    }

    /// The line the reader has reached (1-based).
    pub fn line(&self) -> usize {
        self.line
    }

    fn next_char(&mut self) -> Option<char> {
        self.peeked.take().or_else(|| self.chars.next())
    }

    fn peek_char(&mut self) -> Option<char> {
        if self.peeked.is_none() {
            self.peeked = self.chars.next();
        }
        self.peeked
    }
}

impl<I: Iterator<Item = char>> Iterator for Reader<'_, I> {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        let d = self.dialect;
        loop {
            let start_line = self.line;
            let mut fields = Vec::new();
            let mut field = String::new();
            let mut field_chars = 0usize;
            let mut error = None;
            let mut state = State::StartField;
            let mut any = false;
            let mut ended = false;
            while let Some(c) = self.next_char() {
                any = true;
                if c == '\n' {
                    self.line += 1;
                }
                let newline = c == '\n' || c == '\r';
                let before = field.len();
                match state {
                    State::StartField | State::InField | State::QuoteInQuoted if newline => {
                        if c == '\r' && self.peek_char() == Some('\n') {
                            self.next_char();
                            self.line += 1;
                        }
                        ended = true;
                        break;
                    }
                    State::StartField if c == d.quote => state = State::Quoted,
                    State::StartField | State::InField if Some(c) == d.escape => state = State::Escaped,
                    State::StartField | State::InField | State::QuoteInQuoted if c == d.delimiter => {
                        fields.push(std::mem::take(&mut field));
                        field_chars = 0;
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
                if field.len() > before {
                    field_chars += 1;
                    // Past the limit the record is an error: the rest of the field is read, not kept.
                    if field_chars > self.field_limit {
                        error.get_or_insert_with(|| format!("field larger than field limit ({})", self.field_limit));
                        field.clear();
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
            return Some(Record { fields, line: start_line, error });
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
        assert_eq!(records[1], Record { fields: vec!["2".into(), "multi\nline".into()], line: 3, error: None });
        assert_eq!(records[2], Record { fields: vec!["3".into(), "open".into()], line: 5, error: None });
        let doubled = Dialect { escape: None, ..Dialect::default() };
        let r: Vec<Record> = doubled.reader("\"a \"\"q\"\", b\",c\\d").collect();
        assert_eq!(r[0].fields, vec!["a \"q\", b", "c\\d"]);
    }

    #[test]
    fn a_stream_reads_as_the_text_and_long_fields_are_errors() {
        let d = Dialect::default();
        let text = "1,\"a,\nb\",\"é\"\r\n2,x\n";
        let from_text: Vec<Record> = d.reader(text).collect();
        let mut stream = d.reader_from(StreamChars::new(std::io::BufReader::with_capacity(3, text.as_bytes())));
        let from_stream: Vec<Record> = stream.by_ref().collect();
        assert_eq!(from_stream, from_text);
        assert!(stream.source().error().is_none());

        let long = format!("1,{}\n2,ok\n", "z".repeat(FIELD_SIZE_LIMIT + 1));
        let records: Vec<Record> = d.reader(&long).collect();
        assert_eq!(records[0].error.as_deref(), Some("field larger than field limit (131072)"));
        assert!(records[0].fields[1].len() <= 1, "the long field is not kept");
        assert_eq!(records[1], Record { fields: vec!["2".into(), "ok".into()], line: 2, error: None });
        let exact = format!("{}\n", "z".repeat(FIELD_SIZE_LIMIT));
        assert_eq!(d.reader(&exact).next().unwrap().error, None);

        // Invalid UTF-8 ends the stream with the error kept.
        let bad: &[u8] = b"1,a\n2,\xff\n3,c\n";
        let mut stream = d.reader_from(StreamChars::new(bad));
        assert_eq!(stream.by_ref().count(), 1);
        assert_eq!(stream.source().error().map(std::io::Error::kind), Some(std::io::ErrorKind::InvalidData));
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
