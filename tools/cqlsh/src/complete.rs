//! Interactive line editing: tab completion of CQL keywords, keyspaces, tables and columns
//! from a cached copy of `system_schema`, for rustyline.

use std::collections::BTreeMap;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

/// Keywords, shell commands and COPY options offered anywhere (a context-free list, as cqlsh's grammar-free
/// fallback would).
const KEYWORDS: &[&str] = &[
    "ADD",
    "AGGREGATE",
    "ALL",
    "ALLOW",
    "ALTER",
    "AND",
    "APPLY",
    "AS",
    "ASC",
    "AUTHORIZE",
    "BATCH",
    "BEGIN",
    "BOOLSTYLE",
    "BY",
    "CALLED",
    "CAPTURE",
    "CHUNKSIZE",
    "CLEAR",
    "CLS",
    "CLUSTERING",
    "COMPACT",
    "CONSISTENCY",
    "CONTAINS",
    "COPY",
    "COUNT",
    "CREATE",
    "CUSTOM",
    "DATETIMEFORMAT",
    "DELETE",
    "DELIMITER",
    "DESC",
    "DESCRIBE",
    "DISTINCT",
    "DROP",
    "ENCODING",
    "ENTRIES",
    "ERRFILE",
    "ESCAPE",
    "EXECUTE",
    "EXISTS",
    "EXIT",
    "EXPAND",
    "FILTERING",
    "FINALFUNC",
    "FROM",
    "FROZEN",
    "FULL",
    "FUNCTION",
    "FUNCTIONS",
    "GRANT",
    "GROUP",
    "HEADER",
    "HELP",
    "IF",
    "IN",
    "INDEX",
    "INITCOND",
    "INPUT",
    "INSERT",
    "INTO",
    "IS",
    "JSON",
    "KEY",
    "KEYS",
    "KEYSPACE",
    "KEYSPACES",
    "LANGUAGE",
    "LIMIT",
    "LIST",
    "LOGIN",
    "MATERIALIZED",
    "MAXATTEMPTS",
    "MAXBATCHSIZE",
    "MAXINSERTERRORS",
    "MAXPARSEERRORS",
    "MAXROWS",
    "MODIFY",
    "NOT",
    "NULL",
    "OF",
    "OFF",
    "ON",
    "OR",
    "ORDER",
    "PAGESIZE",
    "PAGING",
    "PARTITION",
    "PASSWORD",
    "PER",
    "PERMISSION",
    "PERMISSIONS",
    "PRIMARY",
    "QUIT",
    "QUOTE",
    "RENAME",
    "REPLACE",
    "RETURNS",
    "REVOKE",
    "ROLE",
    "ROLES",
    "SCHEMA",
    "SELECT",
    "SERIAL",
    "SET",
    "SFUNC",
    "SHOW",
    "SKIPCOLS",
    "SKIPROWS",
    "SOURCE",
    "STATIC",
    "STDIN",
    "STDOUT",
    "STORAGE",
    "STYPE",
    "SUPERUSER",
    "TABLE",
    "TABLES",
    "TIMESTAMP",
    "TO",
    "TOKEN",
    "TRIGGER",
    "TRUNCATE",
    "TTL",
    "TYPE",
    "TYPES",
    "UNLOGGED",
    "UPDATE",
    "USE",
    "USER",
    "USERS",
    "USING",
    "VALUES",
    "VIEW",
    "WHERE",
    "WITH",
    "WRITETIME",
];

/// Keyspaces, their tables and the tables' columns, as last read from `system_schema`.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// keyspace -> table -> columns (in `system_schema.columns` order).
    pub keyspaces: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

/// rustyline's helper: completion only (no hints, highlighting or validation; statements are
/// split by the shell).
#[derive(Debug, Default)]
pub struct CqlHelper {
    pub schema: Schema,
    pub keyspace: Option<String>,
    /// The lines of the statement typed so far, before the current one.
    pub pending: String,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '.' || c == '"'
}

fn unquote(name: &str) -> String {
    match name.strip_prefix('"').and_then(|n| n.strip_suffix('"')) {
        Some(n) => n.replace("\"\"", "\""),
        None => name.to_lowercase(),
    }
}

impl CqlHelper {
    /// The candidates (full replacements of the word being typed) for `text`, the statement so
    /// far up to the cursor, and `whole`, the whole statement (for the table it names).
    pub fn candidates(&self, text: &str, whole: &str) -> (usize, Vec<String>) {
        // Only the statement being typed counts.
        let stmt_start = text.rfind(';').map_or(0, |i| i + 1);
        let stmt = &text[stmt_start..];
        let start = stmt.char_indices().rev().find(|&(_, c)| !is_word_char(c)).map_or(0, |(i, c)| i + c.len_utf8());
        let word = &stmt[start..];
        let before = stmt[..start].trim_end();
        let prev = match before.chars().last() {
            Some(c) if !is_word_char(c) => c.to_string(),
            Some(_) => before.rsplit(|c: char| !is_word_char(c)).next().unwrap_or("").to_lowercase(),
            None => String::new(),
        };
        let lower = word.to_lowercase();
        let mut out: Vec<String> = Vec::new();
        let tables_of = |ks: &str| self.schema.keyspaces.get(ks).map(|t| t.keys().cloned().collect::<Vec<_>>());
        match prev.as_str() {
            "from" | "into" | "update" | "table" | "truncate" => {
                if let Some((ks, part)) = word.split_once('.') {
                    for t in tables_of(&unquote(ks)).unwrap_or_default() {
                        let q = crate::copy::protect(&t);
                        if q.starts_with(part) {
                            out.push(format!("{ks}.{q} "));
                        }
                    }
                } else {
                    if let Some(ks) = &self.keyspace {
                        for t in tables_of(ks).unwrap_or_default() {
                            out.push(format!("{} ", crate::copy::protect(&t)));
                        }
                    }
                    for ks in self.schema.keyspaces.keys() {
                        out.push(format!("{}.", crate::copy::protect(ks)));
                    }
                    out.retain(|c| c.starts_with(word));
                }
            }
            "use" | "keyspace" => {
                out = self
                    .schema
                    .keyspaces
                    .keys()
                    .map(|k| crate::copy::protect(k))
                    .filter(|k| k.starts_with(word))
                    .collect();
                if prev == "use" {
                    out.iter_mut().for_each(|k| k.push(';'));
                }
            }
            _ => {
                let columns = self.columns_of(whole);
                let column_context = matches!(
                    prev.as_str(),
                    "where" | "set" | "and" | "select" | "distinct" | "," | "(" | "by" | "if" | "json"
                );
                if column_context {
                    out.extend(
                        columns
                            .iter()
                            .map(|c| crate::copy::protect(c))
                            .filter(|c| c.starts_with(word))
                            .map(|c| c + " "),
                    );
                }
                if !word.starts_with('"') {
                    let upper = word.chars().next().is_none_or(|c| c.is_uppercase());
                    for k in KEYWORDS {
                        if k.to_lowercase().starts_with(&lower) {
                            let k = if upper { k.to_string() } else { k.to_lowercase() };
                            out.push(k + " ");
                        }
                    }
                }
            }
        }
        out.dedup();
        (stmt_start + start, out)
    }

    /// The columns of the table the statement names (after FROM, UPDATE or INTO).
    fn columns_of(&self, whole: &str) -> Vec<String> {
        let words: Vec<String> =
            whole.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty()).map(|w| w.to_string()).collect();
        let name = words.windows(2).find_map(|w| {
            matches!(w[0].to_lowercase().as_str(), "from" | "update" | "into" | "table").then(|| w[1].clone())
        });
        let Some(name) = name else { return Vec::new() };
        let (ks, table) = match name.split_once('.') {
            Some((k, t)) => (unquote(k), unquote(t)),
            None => match &self.keyspace {
                Some(k) => (k.clone(), unquote(&name)),
                None => return Vec::new(),
            },
        };
        self.schema.keyspaces.get(&ks).and_then(|t| t.get(&table)).cloned().unwrap_or_default()
    }
}

impl Completer for CqlHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let text = format!("{}{}", self.pending, &line[..pos]);
        let whole = format!("{}{}", self.pending, line);
        let (start, found) = self.candidates(&text, &whole);
        let start = start.saturating_sub(self.pending.len()).min(pos);
        let pairs = found
            .into_iter()
            .map(|c| Pair { display: c.trim_end_matches([' ', ';']).to_string(), replacement: c })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for CqlHelper {
    type Hint = String;
}
impl Highlighter for CqlHelper {}
impl Validator for CqlHelper {}
impl Helper for CqlHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> CqlHelper {
        let mut schema = Schema::default();
        let mut t = BTreeMap::new();
        t.insert("users".to_string(), vec!["id".to_string(), "name".to_string(), "Mixed".to_string()]);
        t.insert("events".to_string(), vec!["k".to_string()]);
        schema.keyspaces.insert("app".to_string(), t);
        schema.keyspaces.insert("system".to_string(), BTreeMap::new());
        CqlHelper { schema, keyspace: Some("app".to_string()), pending: String::new() }
    }

    fn cands(text: &str) -> Vec<String> {
        helper().candidates(text, text).1
    }

    #[test]
    fn keywords_tables_keyspaces_columns() {
        assert_eq!(cands("SEL"), vec!["SELECT "]);
        assert_eq!(cands("sel"), vec!["select "]);
        assert_eq!(cands("SELECT * FROM us"), vec!["users "]);
        assert_eq!(cands("SELECT * FROM app.e"), vec!["app.events "]);
        assert_eq!(cands("SELECT * FROM sy"), vec!["system."]);
        assert_eq!(cands("USE ap"), vec!["app;"]);
        assert_eq!(cands("DESCRIBE KEYSPACE s"), vec!["system"]);
        assert_eq!(cands("SELECT * FROM users WHERE na"), vec!["name "]);
        assert_eq!(cands("UPDATE users SET \"M"), vec!["\"Mixed\" "]);
        assert_eq!(cands("SELECT id, n"), vec!["not ", "null "]);
        let h = helper();
        assert_eq!(h.candidates("SELECT id, n", "SELECT id, n FROM users").1, vec!["name ", "not ", "null "]);
        assert_eq!(h.candidates("x; SELECT * FROM users WHERE i", "").0, 29);
    }
}
