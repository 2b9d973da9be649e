//! `sibyl-cqlsh` against a real node, with `-e`, `-f` and stdin, compared with what cqlsh
//! 6.2.2 prints for the same statements (expectations from tests/compat/test_cqlsh.py, which
//! were verified with the real cqlsh against sibyl and Cassandra 5.0).

mod node;

use node::{check, keyspace_cql, norm, Node};

const LZ4: &str = "WITH compression = {'class': 'LZ4Compressor'}";
const TABLE_OPTIONS: &str = "    AND additional_write_policy = '99p'
    AND allow_auto_snapshot = true
    AND bloom_filter_fp_chance = 0.01
    AND caching = {'keys': 'ALL', 'rows_per_partition': 'NONE'}
    AND cdc = false
    AND comment = ''
    AND compaction = {'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', 'max_threshold': '32', 'min_threshold': '4'}
    AND compression = {'chunk_length_in_kb': '16', 'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}
    AND memtable = 'default'
    AND crc_check_chance = 1.0
    AND default_time_to_live = 0
    AND extensions = {}
    AND gc_grace_seconds = 864000
    AND incremental_backups = true
    AND max_index_interval = 2048
    AND memtable_flush_period_in_ms = 0
    AND min_index_interval = 128
    AND read_repair = 'BLOCKING'
    AND speculative_retry = '99p';";

/// TABLE_OPTIONS after the `WITH` of a table without clustering columns.
fn with_options() -> String {
    TABLE_OPTIONS.trim()[4..].to_string()
}

#[test]
fn execute_ddl_insert_select() {
    let node = Node::start();
    let out = node.ok(&[
        "-e",
        &format!(
            "{}
        CREATE TABLE cq_e.kv (k int PRIMARY KEY, v text) {LZ4};
        INSERT INTO cq_e.kv (k, v) VALUES (1, 'one');
        INSERT INTO cq_e.kv (k, v) VALUES (2, 'two');
        INSERT INTO cq_e.kv (k, v) VALUES (3, 'three');
        SELECT * FROM cq_e.kv;
        SELECT v FROM cq_e.kv WHERE k = 2;
        SELECT * FROM cq_e.kv WHERE k = 42;",
            keyspace_cql("cq_e")
        ),
    ]);
    check(
        &out,
        "
         k | v
        ---+-------
         1 |   one
         2 |   two
         3 | three

        (3 rows)

         v
        -----
         two

        (1 rows)

         k | v
        ---+---


        (0 rows)
        ",
    );
    // The last statement needs no `;` with -e.
    let out = node.ok(&["-e", "SELECT v FROM cq_e.kv WHERE k = 1"]);
    check(&out, "\n v\n-----\n one\n\n(1 rows)\n");
}

#[test]
fn use_describe_and_system_tables() {
    let node = Node::start();
    node.ok(&[
        "-e",
        &format!(
            "{} CREATE TABLE cq_use.zebra (k int PRIMARY KEY) {LZ4};
            CREATE TABLE cq_use.apple (k int PRIMARY KEY) {LZ4};
            CREATE TABLE cq_use.\"MixedCase\" (k int PRIMARY KEY) {LZ4};
            CREATE TYPE cq_use.point (x int, y int);",
            keyspace_cql("cq_use")
        ),
    ]);
    let out = node.ok(&["-e", "DESCRIBE KEYSPACES;"]);
    let names: Vec<&str> = out.split_whitespace().collect();
    assert!(names.contains(&"cq_use") && names.contains(&"system_schema"), "{out}");
    let out = node.ok(&["-e", "USE cq_use; DESCRIBE TABLES; DESCRIBE TYPES;"]);
    check(&out, "\napple  \"MixedCase\"  zebra\n\n\npoint\n");
    let out = node.ok(&["-k", "cq_use", "-e", "DESCRIBE TABLE zebra; DESC TYPE point;"]);
    check(
        &out,
        &format!(
            "
CREATE TABLE cq_use.zebra (
    k int PRIMARY KEY
) WITH {}

CREATE TYPE cq_use.point (
    x int,
    y int
);
",
            with_options()
        ),
    );
    // Without a keyspace in use, listings are grouped under a "Keyspace" header.
    let out = node.ok(&["-e", "DESCRIBE TYPES;"]);
    assert!(norm(&out).contains("Keyspace cq_use\n---------------\npoint"), "{out}");

    let out = node.ok(&[
        "-e",
        "SELECT key, cluster_name, release_version, cql_version, partitioner, data_center, rack \
         FROM system.local WHERE key = 'local';",
    ]);
    check(
        &out,
        "
         key   | cluster_name | release_version | cql_version | partitioner                                 | data_center | rack
        -------+--------------+-----------------+-------------+---------------------------------------------+-------------+-------
         local | Test Cluster |           5.0.0 |       3.4.7 | org.apache.cassandra.dht.Murmur3Partitioner | datacenter1 | rack1

        (1 rows)
        ",
    );
    let out = node.ok(&["-e", "SELECT * FROM system.peers;"]);
    check(
        &out,
        "
         peer | data_center | host_id | preferred_ip | rack | release_version | rpc_address | schema_version | tokens
        ------+-------------+---------+--------------+------+-----------------+-------------+----------------+--------


        (0 rows)
        ",
    );
    let out = node.ok(&["-e", "DESCRIBE CLUSTER; SHOW VERSION; SHOW HOST"]);
    let expected = format!(
        "Cluster: Test Cluster\nPartitioner: Murmur3Partitioner\nSnitch: DynamicEndpointSnitch\n\n\
         [cqlsh 6.2.2 | Cassandra 5.0.0 | CQL spec 3.4.7 | Native protocol v4]\n\
         Connected to Test Cluster at 127.0.0.1:{}",
        node.addr.port()
    );
    check(&out, &expected);
}

#[test]
fn errors_go_to_stderr_with_line_numbers() {
    let node = Node::start();
    let run = node.cqlsh(&["-e", "SELECT * FROM no_such_ks.t;"], None);
    assert_ne!(run.code, Some(0));
    assert_eq!(run.stdout.trim(), "");
    assert!(
        run.stderr.starts_with("<stdin>:1:InvalidRequest: Error from server: code=2200 [Invalid query] message=\""),
        "{}",
        run.stderr
    );
    let run = node.cqlsh(&["-e", "SELEKT 1;"], None);
    assert_ne!(run.code, Some(0));
    // The Python driver keeps syntax errors as the server's bare message.
    assert!(run.stderr.starts_with("<stdin>:1:SyntaxException: line 1:0 "), "{}", run.stderr);
    node.ok(&["-e", &format!("{} CREATE TABLE cq_err.t (k int PRIMARY KEY) {LZ4};", keyspace_cql("cq_err"))]);
    let run = node.cqlsh(&["-e", &format!("CREATE TABLE cq_err.t (k int PRIMARY KEY) {LZ4};")], None);
    assert_ne!(run.code, Some(0));
    assert!(run.stderr.contains("AlreadyExists: Table 'cq_err.t' already exists"), "{}", run.stderr);

    // -f: file:line: prefix, and later statements still run.
    let path =
        node.file("bad.cql", "SELECT k FROM cq_err.t;\n\nSELECT nope\n  FROM cq_err.t;\nSELECT k FROM cq_err.t;\n");
    let run = node.cqlsh(&["-f", path.to_str().unwrap_or_default()], None);
    assert_ne!(run.code, Some(0));
    assert!(
        run.stderr.starts_with(&format!("{}:5:InvalidRequest: Error from server: code=2200", path.display())),
        "{}",
        run.stderr
    );
    check(&run.stdout, "\n k\n---\n\n\n(0 rows)\n\n k\n---\n\n\n(0 rows)\n");
    // An unknown keyspace for DESCRIBE prints the bare message.
    let run = node.cqlsh(&["-e", "DESCRIBE KEYSPACE no_such_ks;"], None);
    assert_ne!(run.code, Some(0));
    assert!(run.stderr.starts_with("<stdin>:1:") && !run.stderr.contains("code="), "{}", run.stderr);
    // A lone `;` goes to the server (a syntax error), and -e text may start with a comment.
    let run = node.cqlsh(&["-e", ";"], None);
    assert!(run.stderr.starts_with("<stdin>:1:SyntaxException: line 1:0 "), "{}", run.stderr);
    assert_eq!(node.ok(&["-e", "-- only a comment"]), "");
    // An unknown keyspace with -k.
    let run = node.cqlsh(&["-k", "nope", "-e", "SELECT 1"], None);
    assert_eq!(run.code, Some(1));
    assert_eq!(
        run.stderr,
        "Connection error: (\"Unable to connect to any servers using keyspace 'nope'\", ['127.0.0.1'])\n"
    );
    // A connection failure.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = dead.local_addr().expect("addr").port();
    drop(dead);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sibyl-cqlsh"))
        .args(["127.0.0.1", &port.to_string(), "--connect-timeout", "2", "-e", "SELECT 1"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("Connection error: "));
}

const SESSION: &str = "
USE cq_f;
CREATE TABLE users (id int PRIMARY KEY, name text, email text, tags set<text>, score double) WITH compression = {'class': 'LZ4Compressor'};
INSERT INTO users (id, name, email, tags, score) VALUES (1, 'alice', 'a@example.com', {'dev', 'admin'}, 9.5);
INSERT INTO users (id, name, score) VALUES (2, 'bob', -1.25);
INSERT INTO users (id, name) VALUES (3, 'carol');
SELECT * FROM users;
SELECT name, score FROM users WHERE id = 1;
SELECT count(*) FROM users WHERE id = 1;
UPDATE users SET email = 'b@example.com' WHERE id = 2;
DELETE FROM users WHERE id = 3;
SELECT id, email FROM users;
CONSISTENCY;
CONSISTENCY QUORUM;
CONSISTENCY;
SELECT id, name FROM users WHERE id = 2;
CONSISTENCY ONE;
PAGING;
PAGING 1;
SELECT id FROM users;
PAGING OFF;
SELECT id FROM users;
CREATE TABLE events (day date, at timestamp, kind text, payload map<text, int>, PRIMARY KEY (day, at, kind))
    WITH CLUSTERING ORDER BY (at DESC, kind ASC) AND compression = {'class': 'LZ4Compressor'};
INSERT INTO events (day, at, kind, payload) VALUES ('2024-05-01', '2024-05-01 10:00:00+0000', 'login', {'n': 1});
INSERT INTO events (day, at, kind, payload) VALUES ('2024-05-01', '2024-05-01 12:30:00.250+0000', 'logout', {'n': 2, 'm': 3});
INSERT INTO events (day, at, kind) VALUES ('2024-05-01', '2024-05-01 12:30:00.250+0000', 'audit');
SELECT * FROM events WHERE day = '2024-05-01';
SELECT kind FROM events WHERE day = '2024-05-01' AND at < '2024-05-01 12:00:00+0000';
DESCRIBE TABLE events;
";

fn session_output(ks: &str) -> String {
    format!(
        "
 id | email         | name  | score | tags
----+---------------+-------+-------+------------------
  1 | a@example.com | alice |   9.5 | {{'admin', 'dev'}}
  2 |          null |   bob | -1.25 |             null
  3 |          null | carol |  null |             null

(3 rows)

 name  | score
-------+-------
 alice |   9.5

(1 rows)

 count
-------
     1

(1 rows)

 id | email
----+---------------
  1 | a@example.com
  2 | b@example.com

(2 rows)
Current consistency level is ONE.
Consistency level set to QUORUM.
Current consistency level is QUORUM.

 id | name
----+------
  2 |  bob

(1 rows)
Consistency level set to ONE.
PAGING is ON
Page size: 100
Page size: 1

 id
----
  1
  2

(2 rows)
PAGING set to OFF

 id
----
  1
  2

(2 rows)

 day        | at                              | kind   | payload
------------+---------------------------------+--------+------------------
 2024-05-01 | 2024-05-01 12:30:00.250000+0000 |  audit |             null
 2024-05-01 | 2024-05-01 12:30:00.250000+0000 | logout | {{'m': 3, 'n': 2}}
 2024-05-01 | 2024-05-01 10:00:00.000000+0000 |  login |         {{'n': 1}}

(3 rows)

 kind
-------
 login

(1 rows)

CREATE TABLE {ks}.events (
    day date,
    at timestamp,
    kind text,
    payload map<text, int>,
    PRIMARY KEY (day, at, kind)
) WITH CLUSTERING ORDER BY (at DESC, kind ASC)
{TABLE_OPTIONS}
"
    )
}

#[test]
fn file_session_and_stdin_session() {
    let node = Node::start();
    let script = node.file("session.cql", &(keyspace_cql("cq_f") + SESSION));
    let run = node.cqlsh(&["-f", script.to_str().unwrap_or_default()], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stderr, "");
    check(&run.stdout, &session_output("cq_f"));

    let input = (keyspace_cql("cq_f") + SESSION).replace("cq_f", "cq_stdin");
    let run = node.cqlsh(&[], Some(&input));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    check(&run.stdout, &session_output("cq_stdin"));

    // SOURCE runs a file inside a session; a cqlshrc supplies the keyspace.
    let src = node.file("one.cql", "SELECT name FROM users WHERE id = 1;\n");
    let rc = node.file("cqlshrc", "[authentication]\nkeyspace = cq_f\n");
    let out = node.ok(&["--cqlshrc", rc.to_str().unwrap_or_default(), "-e", &format!("SOURCE '{}'", src.display())]);
    check(&out, "\n name\n-------\n alice\n\n(1 rows)\n");
}

#[test]
fn types_expand_paging_and_warnings() {
    let node = Node::start();
    node.ok(&[
        "-e",
        &format!(
            "{} CREATE TYPE cq_types.pt (x int, y text);
        CREATE TABLE cq_types.t (k int PRIMARY KEY, a ascii, b bigint, bl blob, bo boolean, d date, de decimal,
            db double, du duration, f float, ip inet, si smallint, tm time, tu timeuuid, ti tinyint, u uuid,
            vi varint, l list<text>, m map<int, boolean>, tup tuple<int, text>, p frozen<pt>) {LZ4};
        INSERT INTO cq_types.t (k, a, b, bl, bo, d, de, db, du, f, ip, si, tm, tu, ti, u, vi, l, m, tup, p)
            VALUES (1, 'asc', -42, 0xcafe, true, '2024-02-29', 1.50, 2.5, 1h30m, 0.25, '10.0.0.1', 7, '01:02:03.5',
                    d2177dd0-eaa2-11de-a572-001b779c76e3, -3, 01234567-89ab-cdef-0123-456789abcdef,
                    123456789012345678901234567890, ['x', 'it''s'], {{2: false, 1: true}}, (5, 'five'), {{x: 9, y: 'nine'}});",
            keyspace_cql("cq_types")
        ),
    ]);
    let out = node.ok(&["-e", "SELECT * FROM cq_types.t; EXPAND ON; SELECT k, u, du FROM cq_types.t;"]);
    check(
        &out,
        "
 k | a   | b   | bl     | bo   | d          | db  | de   | du    | f    | ip       | l              | m                   | p                 | si | ti | tm                 | tu                                   | tup         | u                                    | vi
---+-----+-----+--------+------+------------+-----+------+-------+------+----------+----------------+---------------------+-------------------+----+----+--------------------+--------------------------------------+-------------+--------------------------------------+--------------------------------
 1 | asc | -42 | 0xcafe | True | 2024-02-29 | 2.5 | 1.50 | 1h30m | 0.25 | 10.0.0.1 | ['x', 'it''s'] | {1: True, 2: False} | {x: 9, y: 'nine'} |  7 | -3 | 01:02:03.500000000 | d2177dd0-eaa2-11de-a572-001b779c76e3 | (5, 'five') | 01234567-89ab-cdef-0123-456789abcdef | 123456789012345678901234567890

(1 rows)
EXPAND set to ON

@ Row 1
----+--------------------------------------
 k  | 1
 u  | 01234567-89ab-cdef-0123-456789abcdef
 du | 1h30m


(1 rows)
",
    );

    let values: String = (0..250).map(|i| format!("INSERT INTO cq_pg.t (p, c) VALUES (0, {i});\n")).collect();
    let script = node.file(
        "pg.cql",
        &format!("{} CREATE TABLE cq_pg.t (p int, c int, PRIMARY KEY (p, c)) {LZ4};\n{values}", keyspace_cql("cq_pg")),
    );
    node.ok(&["-f", script.to_str().unwrap_or_default()]);
    let out = norm(&node.ok(&["-e", "SELECT c FROM cq_pg.t WHERE p = 0;"]));
    let lines: Vec<&str> = out.split('\n').collect();
    assert_eq!(lines[..2], [" c", "----"]);
    let numbers: Vec<i32> = lines[2..lines.len() - 2].iter().map(|l| l.trim().parse().unwrap_or(-1)).collect();
    assert_eq!(numbers, (0..250).collect::<Vec<_>>());
    assert_eq!(lines[lines.len() - 2..], ["", "(250 rows)"]);
    let out = norm(&node.ok(&["-e", "PAGING 7; SELECT c FROM cq_pg.t WHERE p = 0 LIMIT 20;"]));
    let lines: Vec<&str> = out.split('\n').collect();
    assert_eq!(lines[0], "Page size: 7");
    assert_eq!(lines[1..4], ["", " c", "---"]);
    let numbers: Vec<i32> = lines[4..lines.len() - 2].iter().map(|l| l.trim().parse().unwrap_or(-1)).collect();
    assert_eq!(numbers, (0..20).collect::<Vec<_>>());
    assert_eq!(lines[lines.len() - 1], "(20 rows)");

    node.ok(&[
        "-e",
        &format!(
            "{} CREATE TABLE cq_agg.t (k int PRIMARY KEY, v int) {LZ4}; \
             INSERT INTO cq_agg.t (k, v) VALUES (1, 10); INSERT INTO cq_agg.t (k, v) VALUES (2, 5);",
            keyspace_cql("cq_agg")
        ),
    ]);
    let out = node.ok(&["-e", "SELECT count(*), sum(v), max(v) FROM cq_agg.t;"]);
    check(
        &out,
        "
         count | system.sum(v) | system.max(v)
        -------+---------------+---------------
             2 |            15 |            10

        (1 rows)

        Warnings :
        Aggregation query used without partition key
        ",
    );
}

#[test]
fn describe_keyspace() {
    let node = Node::start();
    node.ok(&[
        "-e",
        &format!(
            "{} CREATE TYPE cq_desc.addr (street text, \"Zip\" int);
        CREATE TABLE cq_desc.b_table (k int, c int, v frozen<addr>, PRIMARY KEY ((k), c)) {LZ4};
        CREATE TABLE cq_desc.a_table (k text PRIMARY KEY, l list<int>, s int) {LZ4};",
            keyspace_cql("cq_desc")
        ),
    ]);
    let out = node.ok(&["-e", "DESCRIBE KEYSPACE cq_desc;"]);
    check(
        &out,
        &format!(
            "
CREATE KEYSPACE cq_desc WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': '1'}}  AND durable_writes = true;

CREATE TYPE cq_desc.addr (
    street text,
    \"Zip\" int
);

CREATE TABLE cq_desc.a_table (
    k text PRIMARY KEY,
    s int,
    l list<int>
) WITH {}

CREATE TABLE cq_desc.b_table (
    k int,
    c int,
    v frozen<addr>,
    PRIMARY KEY (k, c)
) WITH CLUSTERING ORDER BY (c ASC)
{TABLE_OPTIONS}
",
            with_options()
        ),
    );
    let out = node.ok(&["-e", "DESCRIBE ONLY KEYSPACE cq_desc;"]);
    check(
        &out,
        "CREATE KEYSPACE cq_desc WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}  AND durable_writes = true;",
    );
    let out = node.ok(&["-k", "cq_desc", "-e", "DESCRIBE a_table;"]);
    assert!(norm(&out).starts_with("CREATE TABLE cq_desc.a_table (\n    k text PRIMARY KEY,"), "{out}");
}

/// Shell commands, line numbers and batches in a file: stdout and stderr exactly as cqlsh 6.2.2
/// printed them for this script against sibyl (errors name the line after the one that
/// completed the statement: cqlsh counts a line as soon as it has read it).
#[test]
fn shell_commands_and_line_numbers_like_cqlsh() {
    let node = Node::start();
    node.ok(&["-e", &format!("{} CREATE TABLE d1.t (k int PRIMARY KEY, v text);", keyspace_cql("d1"))]);
    node.ok(&["-e", "INSERT INTO d1.t (k, v) VALUES (1, 'a'); INSERT INTO d1.t (k, v) VALUES (2, 'b');"]);
    let script = node.file(
        "s2.cql",
        "CONSISTENCY
CONSISTENCY local_quorum
CONSISTENCY bogus
SERIAL CONSISTENCY
SERIAL CONSISTENCY LOCAL_SERIAL
SERIAL CONSISTENCY ONE
PAGING
PAGING ON
PAGING OFF
PAGING OFF
PAGING 5
PAGING x
EXPAND
EXPAND ON
EXPAND ON
EXPAND OFF
SHOW foo
HELP nothing
SELECT k
  FROM d1.t WHERE k = 1;
SELECT nope FROM d1.t; SELECT k
FROM d1.t WHERE k = 2;
BEGIN BATCH
  INSERT INTO d1.t (k, v) VALUES (20, 'x');
  INSERT INTO d1.t (k, v) VALUES (21, 'y');
APPLY BATCH;
SELECT k
",
    );
    let run = node.cqlsh(&["-f", "s2.cql"], None);
    assert!(script.is_file());
    assert_eq!(run.code, Some(2));
    assert_eq!(
        run.stdout,
        "Current consistency level is ONE.
Consistency level set to LOCAL_QUORUM.
Current serial consistency level is SERIAL.
Serial consistency level set to LOCAL_SERIAL.
PAGING is ON
Page size: 100
PAGING is already ON
Page size: 100
PAGING set to OFF
PAGING is already OFF
Page size: 5
EXPAND is OFF
EXPAND set to ON
EXPAND is already ON
EXPAND set to OFF

 k
---
 1

(1 rows)

 k
---
 2

(1 rows)
"
    );
    assert_eq!(
        run.stderr,
        "s2.cql:4:Improper CONSISTENCY command.
s2.cql:7:Improper SERIAL command.
s2.cql:13:Improper PAGING command.
s2.cql:18:Improper SHOW command.
s2.cql:19:*** No help on nothing
s2.cql:23:InvalidRequest: Error from server: code=2200 [Invalid query] message=\"Undefined column name nope in table d1.t\"
s2.cql:28:Incomplete statement at end of file
"
    );
    let out = node.ok(&["-e", "SELECT k, v FROM d1.t WHERE k IN (20, 21)"]);
    check(&out, "\n k  | v\n----+---\n 20 | x\n 21 | y\n\n(2 rows)\n");
    // SOURCE runs a sub-shell: default settings, its own EXIT, nothing carried back.
    node.file("s3.cql", "CONSISTENCY\nEXIT\nCONSISTENCY ALL\n");
    let out = node.ok(&["-e", "CONSISTENCY QUORUM; SOURCE 's3.cql'; CONSISTENCY"]);
    assert_eq!(
        out,
        "Consistency level set to QUORUM.\nCurrent consistency level is ONE.\nCurrent consistency level is QUORUM.\n"
    );
    let out = node.ok(&["-e", "HELP"]);
    assert!(out.starts_with("\nDocumented shell commands:\n===========================\nCAPTURE  CLS "), "{out}");
}

/// Wide characters take two columns (cqlsh measures with wcwidth); a null tuple component
/// prints as `None`, a null UDT field as `null` (as cqlsh 6.2.2 printed these rows).
#[test]
fn wide_text_and_nulls_inside_values() {
    let node = Node::start();
    node.ok(&[
        "-e",
        &format!(
            "{} CREATE TYPE d1.u (a int, b text);
            CREATE TABLE d1.w (k int PRIMARY KEY, u frozen<u>, lt list<frozen<tuple<int, text>>>, ut frozen<tuple<int, u>>);
            INSERT INTO d1.w (k, u, lt, ut) VALUES (1, {{a: 1}}, [(1, null)], (null, {{b: 'x'}}));
            CREATE TABLE d1.x (k int PRIMARY KEY, t text);
            INSERT INTO d1.x (k, t) VALUES (1, 'Ünïcödé 日本'); INSERT INTO d1.x (k, t) VALUES (2, 'tab\tx');",
            keyspace_cql("d1")
        ),
    ]);
    let out = node.ok(&["-e", "SELECT * FROM d1.w; SELECT * FROM d1.x WHERE k IN (1, 2)"]);
    check(
        &out,
        "
 k | lt          | u               | ut
---+-------------+-----------------+---------------------------
 1 | [(1, None)] | {a: 1, b: null} | (None, {a: null, b: 'x'})

(1 rows)

 k | t
---+--------------
 1 | Ünïcödé 日本
 2 |       tab\\tx

(2 rows)
",
    );
}

/// cqlshrc `[ui]` float_precision / double_precision, as cqlsh 6.2.2 applied them.
#[test]
fn cqlshrc_display_precision() {
    let node = Node::start();
    node.ok(&[
        "-e",
        &format!(
            "{} CREATE TABLE d1.fp (k int PRIMARY KEY, d double, f float);
            INSERT INTO d1.fp (k, d, f) VALUES (1, 123456789.123, 3.14159265);",
            keyspace_cql("d1")
        ),
    ]);
    let rc = node.file("rc", "[ui]\nfloat_precision = 3\ndouble_precision = 8\n");
    let out = node.ok(&["--cqlshrc", rc.to_str().unwrap_or_default(), "-e", "SELECT d, f FROM d1.fp"]);
    check(&out, "\n d             | f\n---------------+-------\n 1.2345679e+08 | 3.142\n\n(1 rows)\n");
}

#[test]
fn login_opens_a_session_as_another_user_and_history_is_interactive() {
    let node = Node::start();
    // The node does not ask for authentication: any credentials connect.
    let out = node.ok(&["-e", "LOGIN bob 'secret'; SELECT cluster_name FROM system.local;"]);
    check(
        &out,
        "
         cluster_name
        --------------
         Test Cluster

        (1 rows)",
    );
    let run = node.cqlsh(&["-e", "LOGIN;"], None);
    assert_ne!(run.code, Some(0));
    assert_eq!(run.stderr.trim(), "<stdin>:1:Improper login command.");
    // Outside a terminal there is no line-editing history.
    assert_eq!(node.ok(&["-e", "HISTORY"]), "");
}
