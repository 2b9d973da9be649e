//! CQL keywords: which words are reserved, which unreserved keywords may name what, and how an
//! identifier must be written (bare or `"quoted"`) to be read back as the same name.
//!
//! Follows Apache Cassandra 5.0: a word is *reserved* when the grammar never accepts it as a
//! name (`reserved_keywords.txt`); the other keywords are *unreserved* and name columns, tables,
//! keyspaces, fields and properties like any identifier. Two finer classes exist: function names
//! may not be `ttl`, `writetime`, `maxwritetime`, `key`, `cast`, `json` or `distinct` (but may be
//! `token` or `count`), and user type names may not be a native type name nor one of those.

/// Reserved keywords (upper case): never an identifier unless quoted.
pub const RESERVED: &[&str] = &[
    "ADD",
    "ALLOW",
    "ALTER",
    "AND",
    "APPLY",
    "ASC",
    "AUTHORIZE",
    "BATCH",
    "BEGIN",
    "BY",
    "COLUMNFAMILY",
    "CREATE",
    "DELETE",
    "DESC",
    "DESCRIBE",
    "DROP",
    "ENTRIES",
    "EXECUTE",
    "FROM",
    "FULL",
    "GRANT",
    "IF",
    "IN",
    "INDEX",
    "INFINITY",
    "INSERT",
    "INTO",
    "IS",
    "KEYSPACE",
    "LIMIT",
    "MATERIALIZED",
    "MODIFY",
    "NAN",
    "NORECURSIVE",
    "NOT",
    "NULL",
    "OF",
    "ON",
    "OR",
    "ORDER",
    "PRIMARY",
    "RENAME",
    "REVOKE",
    "SCHEMA",
    "SELECT",
    "SET",
    "TABLE",
    "TO",
    "TOKEN",
    "TRUNCATE",
    "UNLOGGED",
    "UPDATE",
    "USE",
    "USING",
    "VIEW",
    "WHERE",
    "WITH",
];

/// Native type names (lower case). They are unreserved keywords: usable as column or function
/// names, but not as user type names.
pub const NATIVE_TYPES: &[&str] = &[
    "ascii",
    "bigint",
    "blob",
    "boolean",
    "counter",
    "date",
    "decimal",
    "double",
    "duration",
    "float",
    "inet",
    "int",
    "smallint",
    "text",
    "time",
    "timestamp",
    "timeuuid",
    "tinyint",
    "uuid",
    "varchar",
    "varint",
];

/// Unreserved keywords that cannot name a function (lower case).
const NOT_FUNCTION_NAMES: &[&str] = &["ttl", "writetime", "maxwritetime", "key", "cast", "json", "distinct"];

/// Unreserved keywords, besides native types, that cannot name a user type (lower case).
const NOT_TYPE_NAMES: &[&str] = &["ttl", "count", "writetime", "maxwritetime", "cast", "json", "distinct"];

/// Identifiers Cassandra refuses as user type names even though they lex as plain identifiers.
pub const RESERVED_TYPE_NAMES: &[&str] = &["byte", "complex", "enum", "date", "interval", "macaddr", "bitstring"];

/// Every keyword of the lexer (upper case), reserved or not. Used for error messages
/// (`K_<WORD>`) and for deciding whether a bare word is an identifier.
pub const KEYWORDS: &[&str] = &[
    "ACCESS",
    "ADD",
    "AGGREGATE",
    "AGGREGATES",
    "ALL",
    "ALLOW",
    "ALTER",
    "AND",
    "ANN",
    "APPLY",
    "AS",
    "ASC",
    "ASCII",
    "AUTHORIZE",
    "BATCH",
    "BEGIN",
    "BIGINT",
    "BLOB",
    "BOOLEAN",
    "BY",
    "CALLED",
    "CAST",
    "CIDRS",
    "CLUSTER",
    "CLUSTERING",
    "COLUMNFAMILIES",
    "COLUMNFAMILY",
    "COMPACT",
    "CONTAINS",
    "COUNT",
    "COUNTER",
    "CREATE",
    "CUSTOM",
    "DATACENTERS",
    "DATE",
    "DECIMAL",
    "DEFAULT",
    "DELETE",
    "DESC",
    "DESCRIBE",
    "DISTINCT",
    "DOUBLE",
    "DROP",
    "DURATION",
    "ENTRIES",
    "EXECUTE",
    "EXISTS",
    "FILTERING",
    "FINALFUNC",
    "FLOAT",
    "FROM",
    "FROZEN",
    "FULL",
    "FUNCTION",
    "FUNCTIONS",
    "GENERATED",
    "GRANT",
    "GROUP",
    "HASHED",
    "IDENTITY",
    "IF",
    "IN",
    "INDEX",
    "INET",
    "INFINITY",
    "INITCOND",
    "INPUT",
    "INSERT",
    "INT",
    "INTERNALS",
    "INTO",
    "IS",
    "JSON",
    "KEY",
    "KEYS",
    "KEYSPACE",
    "KEYSPACES",
    "LANGUAGE",
    "LIKE",
    "LIMIT",
    "LIST",
    "LOGIN",
    "MAP",
    "MASKED",
    "MATERIALIZED",
    "MAXWRITETIME",
    "MBEAN",
    "MBEANS",
    "MODIFY",
    "NAN",
    "NOLOGIN",
    "NORECURSIVE",
    "NOSUPERUSER",
    "NOT",
    "NULL",
    "OF",
    "ON",
    "ONLY",
    "OPTIONS",
    "OR",
    "ORDER",
    "PARTITION",
    "PASSWORD",
    "PER",
    "PERMISSION",
    "PERMISSIONS",
    "PRIMARY",
    "RENAME",
    "REPLACE",
    "RETURNS",
    "REVOKE",
    "ROLE",
    "ROLES",
    "SCHEMA",
    "SELECT",
    "SELECT_MASKED",
    "SET",
    "SFUNC",
    "SMALLINT",
    "STATIC",
    "STORAGE",
    "STYPE",
    "SUPERUSER",
    "SUPERUSERS",
    "TABLE",
    "TABLES",
    "TEXT",
    "TIME",
    "TIMESTAMP",
    "TIMEUUID",
    "TINYINT",
    "TO",
    "TOKEN",
    "TRIGGER",
    "TRUNCATE",
    "TTL",
    "TUPLE",
    "TYPE",
    "TYPES",
    "UNLOGGED",
    "UNMASK",
    "UNSET",
    "UPDATE",
    "USE",
    "USER",
    "USERS",
    "USING",
    "UUID",
    "VALUES",
    "VARCHAR",
    "VARINT",
    "VECTOR",
    "VIEW",
    "WHERE",
    "WITH",
    "WRITETIME",
];

fn contains_ci(list: &[&str], word: &str) -> bool {
    list.iter().any(|k| k.eq_ignore_ascii_case(word))
}

/// Whether `word` (any case) is a reserved keyword.
pub fn is_reserved(word: &str) -> bool {
    contains_ci(RESERVED, word)
}

/// Whether `word` (any case) is a keyword of the lexer, reserved or not.
pub fn is_keyword(word: &str) -> bool {
    contains_ci(KEYWORDS, word)
}

/// Whether `word` lexes as a boolean literal rather than an identifier.
pub fn is_boolean_word(word: &str) -> bool {
    word.eq_ignore_ascii_case("true") || word.eq_ignore_ascii_case("false")
}

/// Whether a bare word may be used as a column/table/keyspace/field/property name.
pub fn word_is_ident(word: &str) -> bool {
    !is_reserved(word) && !is_boolean_word(word)
}

/// Whether a bare word may be used as a function name.
pub fn word_is_function_name(word: &str) -> bool {
    if word.eq_ignore_ascii_case("token") || word.eq_ignore_ascii_case("count") {
        return true;
    }
    word_is_ident(word) && !contains_ci(NOT_FUNCTION_NAMES, word)
}

/// Whether a bare word may be used as a user type name (syntactically).
pub fn word_is_type_name(word: &str) -> bool {
    word_is_ident(word) && !contains_ci(NATIVE_TYPES, word) && !contains_ci(NOT_TYPE_NAMES, word)
}

/// The ANTLR token name Cassandra prints for a keyword, e.g. `K_FROM`; `TABLE` is
/// `K_COLUMNFAMILY`, `COLUMNFAMILIES` is `K_TABLES`, `NAN` is `K_POSITIVE_NAN`.
pub fn token_name(upper: &str) -> String {
    match upper {
        "TABLE" => "K_COLUMNFAMILY".to_string(),
        "COLUMNFAMILIES" => "K_TABLES".to_string(),
        "NAN" => "K_POSITIVE_NAN".to_string(),
        "INFINITY" => "K_POSITIVE_INFINITY".to_string(),
        _ => format!("K_{upper}"),
    }
}

/// Whether `name` can be written bare: lower-case ASCII letter first, then lower-case letters,
/// digits and underscores.
fn is_simple_lower(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_lowercase() => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Writes `name` as a double-quoted identifier, doubling inner quotes.
pub fn write_quoted(f: &mut impl std::fmt::Write, name: &str) -> std::fmt::Result {
    f.write_char('"')?;
    for c in name.chars() {
        if c == '"' {
            f.write_str("\"\"")?;
        } else {
            f.write_char(c)?;
        }
    }
    f.write_char('"')
}

/// The position an identifier is written in, which decides which keywords need quoting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentClass {
    /// Columns, tables, keyspaces, fields, properties, bind-marker names.
    General,
    /// Function names (`allowedFunctionName`).
    Function,
    /// User type names (`non_type_ident`).
    Type,
}

/// Writes an identifier so that it reads back as `name` in a position of class `class`.
pub fn write_ident(f: &mut impl std::fmt::Write, name: &str, class: IdentClass) -> std::fmt::Result {
    let bare_ok = is_simple_lower(name)
        && match class {
            IdentClass::General => word_is_ident(name),
            // `expr(` is a token of its own (custom index expressions).
            IdentClass::Function => word_is_function_name(name) && name != "expr",
            IdentClass::Type => word_is_type_name(name) && !RESERVED_TYPE_NAMES.contains(&name),
        };
    if bare_ok {
        f.write_str(name)
    } else {
        write_quoted(f, name)
    }
}

/// Writes a string literal with `'` doubled.
pub fn write_string_literal(f: &mut impl std::fmt::Write, s: &str) -> std::fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        if c == '\'' {
            f.write_str("''")?;
        } else {
            f.write_char(c)?;
        }
    }
    f.write_char('\'')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_lists_are_consistent() {
        for r in RESERVED {
            assert!(KEYWORDS.contains(r), "{r} reserved but not a keyword");
        }
        for t in NATIVE_TYPES {
            assert!(is_keyword(t), "{t}");
            assert!(!is_reserved(t), "{t}");
        }
    }

    #[test]
    fn quoting() {
        let q = |s: &str, c| {
            let mut out = String::new();
            write_ident(&mut out, s, c).ok();
            out
        };
        assert_eq!(q("abc", IdentClass::General), "abc");
        assert_eq!(q("Abc", IdentClass::General), "\"Abc\"");
        assert_eq!(q("select", IdentClass::General), "\"select\"");
        assert_eq!(q("key", IdentClass::General), "key");
        assert_eq!(q("true", IdentClass::General), "\"true\"");
        assert_eq!(q("a\"b", IdentClass::General), "\"a\"\"b\"");
        assert_eq!(q("ttl", IdentClass::Function), "\"ttl\"");
        assert_eq!(q("token", IdentClass::Function), "token");
        assert_eq!(q("text", IdentClass::Type), "\"text\"");
        assert_eq!(q("key", IdentClass::Type), "key");
        assert_eq!(q("", IdentClass::General), "\"\"");
    }
}
