//! `HELP`: cqlsh's topic listing (shell commands, then CQL topics), a short text per shell
//! command, and the documentation address for a CQL topic (cqlsh opens it in a browser).

/// Shell commands with help, as cqlsh lists them.
pub const SHELL_TOPICS: &[(&str, &str)] = &[
    (
        "CAPTURE",
        "CAPTURE '<file>' | OFF: appends query results to a file instead of showing them (`~/` is the home \
         directory); errors and the output of shell commands are still shown. CAPTURE OFF stops; CAPTURE alone \
         tells where output goes.",
    ),
    ("CLEAR", "CLEAR / CLS: clears the terminal."),
    ("CLS", "CLEAR / CLS: clears the terminal."),
    ("CONSISTENCY", "CONSISTENCY [<level>]: shows or sets the consistency level for further requests (default ONE)."),
    ("COPY", COPY_HELP),
    ("DESC", "DESC: short for DESCRIBE."),
    (
        "DESCRIBE",
        "DESCRIBE KEYSPACES | [ONLY] KEYSPACE [<ks>] | TABLES | TABLE [<ks>.]<t> | INDEX <i> | MATERIALIZED VIEW <v> | \
         TYPES | TYPE <t> | FUNCTIONS | FUNCTION <f> | AGGREGATES | AGGREGATE <a> | CLUSTER | [FULL] SCHEMA | <name>: \
         the schema, described by the server.",
    ),
    ("EXIT", "EXIT / QUIT: leaves the shell."),
    ("EXPAND", "EXPAND [ON | OFF]: shows or sets vertical output, one block per row."),
    ("HELP", "HELP [<topic> ...]: the topics, or help on each topic."),
    (
        "HISTORY",
        "HISTORY [<n>]: the most recent lines typed in this shell (50, or the last <n>, which then stays for the \
         session).",
    ),
    (
        "LOGIN",
        "LOGIN <user> ['<password>']: reconnects as another user, in the current keyspace; without a password \
         it is asked for.",
    ),
    ("PAGING", "PAGING [ON | OFF | <page size>]: shows or sets query paging (default ON, 100 rows a page)."),
    ("SERIAL", "SERIAL CONSISTENCY [SERIAL | LOCAL_SERIAL]: shows or sets the serial consistency level."),
    ("SHOW", "SHOW VERSION | HOST: the versions of the shell and the server, or where the shell is connected."),
    ("SOURCE", "SOURCE '<file>': runs the statements of a file; errors do not stop it."),
    ("TRACING", "TRACING [ON | OFF]: shows or sets request tracing; each traced statement is followed by its trace."),
    ("UNICODE", "Text values are printed as UTF-8; control characters as escapes."),
];

/// `HELP COPY`: the syntax and the options with their defaults.
const COPY_HELP: &str = "COPY <table> [(<column>, ...)] TO ('<file>' | STDOUT) [WITH <option> = '<value>' [AND ...]]
        COPY <table> [(<column>, ...)] FROM ('<file>[, <file> ...]' | STDIN) [WITH <option> = '<value>' [AND ...]]

          Exports a table to CSV, or imports CSV into it (typed by the table's columns: collections, tuples
          and user types in CQL literal syntax, blobs as 0x..., timestamps as DATETIMEFORMAT). Without
          columns, all of them: the primary key first, then the others by name. On STDIN, a line with
          only . ends the input.

          Common options and defaults:
            DELIMITER=','        the character between fields
            QUOTE='\"'            the character that quotes fields
            ESCAPE='\\'           the character before a QUOTE inside a quoted field (QUOTE doubles it when equal)
            HEADER=false         the first line holds the column names
            NULL=''              the text of a null
            DATETIMEFORMAT='%Y-%m-%d %H:%M:%S.%f%z'  timestamps (strftime: %Y %m %d %H %M %S %f %z)
            MAXATTEMPTS=5        attempts per page or row when the server times out or is unavailable
            BOOLSTYLE='True,False', FLOATPRECISION=5, DOUBLEPRECISION=12, REPORTFREQUENCY=0.25
            ENCODING='utf8'      the only encoding supported

          COPY FROM options:
            CHUNKSIZE=5000       rows parsed before their INSERTs are sent
            MAXBATCHSIZE=20, MAXREQUESTS=6  INSERTs in flight: their product (at most 256)
            MAXROWS=-1           rows read at most (-1: all)
            SKIPROWS=0           rows skipped first
            SKIPCOLS=''          columns of the file not imported
            MAXPARSEERRORS=-1, MAXINSERTERRORS=1000  errors before giving up (-1: no limit)
            ERRFILE='import_<ks>_<table>.err'  where the rows that failed are written
            TTL=-1               the rows' time to live in seconds (-1: none)

          COPY TO options:
            PAGESIZE=1000        rows per page of the SELECT";

/// CQL help topics and their anchor in the CQL documentation.
pub const CQL_TOPICS: &[(&str, &str)] = &[
    ("AGGREGATES", "aggregates"),
    ("ALTER_KEYSPACE", "alterKeyspaceStmt"),
    ("ALTER_MATERIALIZED_VIEW", "alterMVStmt"),
    ("ALTER_TABLE", "alterTableStmt"),
    ("ALTER_TYPE", "alterTypeStmt"),
    ("ALTER_USER", "alterUserStmt"),
    ("APPLY", "batchStmt"),
    ("ASCII", "constants"),
    ("BATCH", "batchStmt"),
    ("BEGIN", "batchStmt"),
    ("BLOB", "constants"),
    ("BOOLEAN", "constants"),
    ("COUNTER", "counters"),
    ("CREATE_AGGREGATE", "createAggregateStmt"),
    ("CREATE_COLUMNFAMILY", "createTableStmt"),
    ("CREATE_FUNCTION", "createFunctionStmt"),
    ("CREATE_INDEX", "createIndexStmt"),
    ("CREATE_KEYSPACE", "createKeyspaceStmt"),
    ("CREATE_MATERIALIZED_VIEW", "createMVStmt"),
    ("CREATE_ROLE", "createRoleStmt"),
    ("CREATE_TABLE", "createTableStmt"),
    ("CREATE_TRIGGER", "createTriggerStmt"),
    ("CREATE_TYPE", "createTypeStmt"),
    ("CREATE_USER", "createUserStmt"),
    ("DATE", "usingdates"),
    ("DELETE", "deleteStmt"),
    ("DROP_AGGREGATE", "dropAggregateStmt"),
    ("DROP_COLUMNFAMILY", "dropTableStmt"),
    ("DROP_FUNCTION", "dropFunctionStmt"),
    ("DROP_INDEX", "dropIndexStmt"),
    ("DROP_KEYSPACE", "dropKeyspaceStmt"),
    ("DROP_MATERIALIZED_VIEW", "dropMVStmt"),
    ("DROP_ROLE", "dropRoleStmt"),
    ("DROP_TABLE", "dropTableStmt"),
    ("DROP_TRIGGER", "dropTriggerStmt"),
    ("DROP_TYPE", "dropTypeStmt"),
    ("DROP_USER", "dropUserStmt"),
    ("FUNCTIONS", "functions"),
    ("GRANT", "grantRoleStmt"),
    ("INSERT", "insertStmt"),
    ("INSERT_JSON", "insertJson"),
    ("INT", "constants"),
    ("JSON", "json"),
    ("KEYWORDS", "appendixA"),
    ("LIST_PERMISSIONS", "listPermissionsStmt"),
    ("LIST_ROLES", "listRolesStmt"),
    ("LIST_USERS", "listUsersStmt"),
    ("PERMISSIONS", "permissions"),
    ("REVOKE", "revokeRoleStmt"),
    ("SELECT", "selectStmt"),
    ("SELECT_JSON", "selectJson"),
    ("TEXT", "constants"),
    ("TIME", "usingtime"),
    ("TIMESTAMP", "usingtimestamps"),
    ("TRUNCATE", "truncateStmt"),
    ("TYPES", "types"),
    ("UPDATE", "updateStmt"),
    ("USE", "useStmt"),
    ("UUID", "constants"),
];

/// Where cqlsh points for CQL topics.
pub const CQL_DOC_URL: &str = "https://cassandra.apache.org/doc/latest/cassandra/cql/cql_singlefile.html";

/// `cmd.Cmd.print_topics`: the header, a ruler as long as it, the names columnised to 79
/// columns, a blank line.
pub fn listing() -> String {
    let mut out = String::new();
    for (header, topics) in [("\nDocumented shell commands:", SHELL_TOPICS), ("CQL help topics:", CQL_TOPICS)] {
        out.push_str(header);
        out.push('\n');
        out.push_str(&"=".repeat(header.len()));
        out.push('\n');
        let names: Vec<String> = topics.iter().map(|(n, _)| n.to_string()).collect();
        crate::format::columnize(&names, 79, &mut out);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_like_cqlsh() {
        let text = listing();
        assert!(text.starts_with(
            "\nDocumented shell commands:\n===========================\n\
             CAPTURE  CLS          COPY  DESCRIBE  EXPAND  HISTORY  PAGING  SHOW    TRACING\n\
             CLEAR    CONSISTENCY  DESC  EXIT      HELP    LOGIN    SERIAL  SOURCE  UNICODE\n\n\
             CQL help topics:\n================\n\
             AGGREGATES               CREATE_KEYSPACE           DROP_TRIGGER      TEXT     \n"
        ));
        assert!(text.ends_with("CREATE_INDEX             DROP_TABLE                SELECT_JSON     \n\n"));
    }
}
