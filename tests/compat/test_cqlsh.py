"""The real cqlsh 6.2.2 (from the venv) against a `sibyl` node, output compared with the text
Cassandra 5.0 makes cqlsh print for the same session.

Only trailing whitespace is normalised. Formatting is cqlsh's own; what the server controls is
everything the text is made of: result columns and their order (SELECT * lists partition key,
clustering, then the other columns alphabetically), row order (token order, then clustering
order), values and types, Rows metadata, and server-side DESCRIBE rows (`create_statement`).
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

CQLSH = Path(sys.executable).parent / "cqlsh"
TABLE_OPTIONS = """\
    AND additional_write_policy = '99p'
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
    AND speculative_retry = '99p';"""
# Cassandra 5.0's default compression, spelled out so DESCRIBE TABLE output does not depend on it
# (see test_describe_table_default_options).
LZ4 = "WITH compression = {'class': 'LZ4Compressor'}"


def norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def columnized(text: str) -> list[str]:
    """The names of a listing cqlsh printed with `cmd.Cmd.columnize`, in their order: it fills the
    columns first, so they are read column by column."""
    rows = [line.split() for line in norm(text).split("\n") if line.strip()]
    return [row[c] for c in range(max(map(len, rows), default=0)) for row in rows if c < len(row)]


HOME: Path | None = None


@pytest.fixture(scope="module", autouse=True)
def cqlsh_home(tmp_path_factory):
    """cqlsh reads ~/.cassandra/cqlshrc and writes its history there: use an empty home."""
    global HOME
    HOME = tmp_path_factory.mktemp("cqlsh-home")
    yield HOME
    HOME = None


def cqlsh(node, *args: str, stdin: str | None = None, cwd: Path | None = None, ok: bool = True):
    host, port = node
    env = dict(os.environ)
    env["HOME"] = str(HOME)
    env.pop("CQLSH_HOST", None)
    env.pop("CQLSH_PORT", None)
    # Without statements to pipe in, stdin is /dev/null (CI may run with no stdin at all).
    feed = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
    p = subprocess.run([str(CQLSH), host, str(port), "--connect-timeout", "20", "--request-timeout", "60", *args],
                       capture_output=True, text=True, timeout=120, env=env, cwd=cwd, **feed)
    if ok:
        assert p.returncode == 0, f"cqlsh failed ({p.returncode}):\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
        assert p.stderr == "", f"cqlsh wrote to stderr:\n{p.stderr}"
    return p


def check(actual: str, expected: str):
    expected = norm(textwrap.dedent(expected))
    actual = norm(actual)
    assert actual == expected, f"cqlsh output differs from Cassandra's.\n--- expected\n{expected}\n--- actual\n{actual}"


def keyspace_cql(ks: str) -> str:
    return f"CREATE KEYSPACE {ks} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}};"


# --- -e ---------------------------------------------------------------------------------------

def test_e_ddl_insert_select(node):
    p = cqlsh(node, "-e", keyspace_cql("cq_e") + f"""
        CREATE TABLE cq_e.kv (k int PRIMARY KEY, v text) {LZ4};
        INSERT INTO cq_e.kv (k, v) VALUES (1, 'one');
        INSERT INTO cq_e.kv (k, v) VALUES (2, 'two');
        INSERT INTO cq_e.kv (k, v) VALUES (3, 'three');
        SELECT * FROM cq_e.kv;
        SELECT v FROM cq_e.kv WHERE k = 2;
        SELECT * FROM cq_e.kv WHERE k = 42;""")
    # Token order: int 1 -> -4069959284402364209, 2 -> -3248873570005575792, 3 -> 9010454139840013625.
    check(p.stdout, """
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
        """)


def test_e_use_and_describe_tables(node):
    cqlsh(node, "-e", keyspace_cql("cq_use") + f"""
        CREATE TABLE cq_use.zebra (k int PRIMARY KEY) {LZ4};
        CREATE TABLE cq_use.apple (k int PRIMARY KEY) {LZ4};
        CREATE TABLE cq_use."MixedCase" (k int PRIMARY KEY) {LZ4};
        CREATE TYPE cq_use.point (x int, y int);""")
    p = cqlsh(node, "-e", "DESCRIBE KEYSPACES;")
    names = columnized(p.stdout)
    assert {"cq_use", "system", "system_schema"} <= set(names) and names == sorted(names), p.stdout
    p = cqlsh(node, "-e", "USE cq_use; DESCRIBE TABLES; DESCRIBE TYPES;")
    # Sorted by name ignoring case, quoted when needed; a keyspace is in use, so no "Keyspace" header.
    check(p.stdout, """
        apple  "MixedCase"  zebra


        point
        """)
    p = cqlsh(node, "-k", "cq_use", "-e", "DESCRIBE TABLE zebra; DESCRIBE TYPE point;")
    check(p.stdout, f"""
CREATE TABLE cq_use.zebra (
    k int PRIMARY KEY
) WITH {TABLE_OPTIONS.strip()[4:]}

CREATE TYPE cq_use.point (
    x int,
    y int
);
""")


def test_e_select_from_system_tables(node):
    p = cqlsh(node, "-e", "SELECT key, cluster_name, release_version, cql_version, partitioner, data_center, rack "
                          "FROM system.local WHERE key = 'local';")
    check(p.stdout, """
         key   | cluster_name | release_version | cql_version | partitioner                                 | data_center | rack
        -------+--------------+-----------------+-------------+---------------------------------------------+-------------+-------
         local | Test Cluster |           5.0.0 |       3.4.7 | org.apache.cassandra.dht.Murmur3Partitioner | datacenter1 | rack1

        (1 rows)
        """)
    p = cqlsh(node, "-e", "SELECT * FROM system.peers;")
    check(p.stdout, """
         peer | data_center | host_id | preferred_ip | rack | release_version | rpc_address | schema_version | tokens
        ------+-------------+---------+--------------+------+-----------------+-------------+----------------+--------


        (0 rows)
        """)


def test_e_errors_go_to_stderr(node):
    p = cqlsh(node, "-e", "SELECT * FROM no_such_ks.t;", ok=False)
    assert p.returncode != 0 and p.stdout.strip() == ""
    assert "InvalidRequest: Error from server: code=2200 [Invalid query]" in p.stderr, p.stderr
    p = cqlsh(node, "-e", "SELEKT 1;", ok=False)
    assert p.returncode != 0
    assert "SyntaxException" in p.stderr or "Syntax error" in p.stderr or "Improper" in p.stderr, p.stderr
    cqlsh(node, "-e", keyspace_cql("cq_err") + f" CREATE TABLE cq_err.t (k int PRIMARY KEY) {LZ4};")
    p = cqlsh(node, "-e", f"CREATE TABLE cq_err.t (k int PRIMARY KEY) {LZ4};", ok=False)
    assert p.returncode != 0
    assert "AlreadyExists: Table 'cq_err.t' already exists" in p.stderr, p.stderr


# --- -f: a whole session ----------------------------------------------------------------------

SESSION = keyspace_cql("cq_f") + f"""
USE cq_f;
CREATE TABLE users (id int PRIMARY KEY, name text, email text, tags set<text>, score double) {LZ4};
INSERT INTO users (id, name, email, tags, score) VALUES (1, 'alice', 'a@example.com', {{'dev', 'admin'}}, 9.5);
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
    WITH CLUSTERING ORDER BY (at DESC, kind ASC) AND compression = {{'class': 'LZ4Compressor'}};
INSERT INTO events (day, at, kind, payload) VALUES ('2024-05-01', '2024-05-01 10:00:00+0000', 'login', {{'n': 1}});
INSERT INTO events (day, at, kind, payload) VALUES ('2024-05-01', '2024-05-01 12:30:00.250+0000', 'logout', {{'n': 2, 'm': 3}});
INSERT INTO events (day, at, kind) VALUES ('2024-05-01', '2024-05-01 12:30:00.250+0000', 'audit');
SELECT * FROM events WHERE day = '2024-05-01';
SELECT kind FROM events WHERE day = '2024-05-01' AND at < '2024-05-01 12:00:00+0000';
DESCRIBE TABLE events;
"""

SESSION_OUTPUT = f"""
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

CREATE TABLE cq_f.events (
    day date,
    at timestamp,
    kind text,
    payload map<text, int>,
    PRIMARY KEY (day, at, kind)
) WITH CLUSTERING ORDER BY (at DESC, kind ASC)
{TABLE_OPTIONS}
"""


def test_f_session(node, tmp_path):
    script = tmp_path / "session.cql"
    script.write_text(SESSION)
    p = cqlsh(node, "-f", str(script), cwd=tmp_path, ok=False)
    assert p.returncode == 0, p.stderr
    check(p.stdout, SESSION_OUTPUT)
    assert p.stderr == "", p.stderr


def test_stdin_session_matches_file_session(node, tmp_path):
    """The same statements piped into cqlsh (no tty: no ---MORE--- pauses) print the same."""
    p = cqlsh(node, stdin=SESSION.replace("cq_f", "cq_stdin"), cwd=tmp_path, ok=False)
    assert p.returncode == 0, p.stderr
    check(p.stdout, SESSION_OUTPUT.replace("cq_f", "cq_stdin"))


def test_describe_keyspace(node):
    cqlsh(node, "-e", keyspace_cql("cq_desc") + f"""
        CREATE TYPE cq_desc.addr (street text, "Zip" int);
        CREATE TABLE cq_desc.b_table (k int, c int, v frozen<addr>, PRIMARY KEY ((k), c)) {LZ4};
        CREATE TABLE cq_desc.a_table (k text PRIMARY KEY, l list<int>, s int) {LZ4};""")
    p = cqlsh(node, "-e", "DESCRIBE KEYSPACE cq_desc;")
    check(p.stdout, f"""
CREATE KEYSPACE cq_desc WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': '1'}}  AND durable_writes = true;

CREATE TYPE cq_desc.addr (
    street text,
    "Zip" int
);

CREATE TABLE cq_desc.a_table (
    k text PRIMARY KEY,
    s int,
    l list<int>
) WITH {TABLE_OPTIONS.strip()[4:]}

CREATE TABLE cq_desc.b_table (
    k int,
    c int,
    v frozen<addr>,
    PRIMARY KEY (k, c)
) WITH CLUSTERING ORDER BY (c ASC)
{TABLE_OPTIONS}
""")
    # ONLY: just the keyspace.
    p = cqlsh(node, "-e", "DESCRIBE ONLY KEYSPACE cq_desc;")
    check(p.stdout, "CREATE KEYSPACE cq_desc WITH replication = {'class': 'SimpleStrategy', 'replication_factor': '1'}"
                    "  AND durable_writes = true;")
    # A bare name is a keyspace first, then a table of the current keyspace.
    p = cqlsh(node, "-k", "cq_desc", "-e", "DESCRIBE a_table;")
    assert norm(p.stdout).startswith("CREATE TABLE cq_desc.a_table (\n    k text PRIMARY KEY,"), p.stdout


def test_types_through_cqlsh(node):
    cqlsh(node, "-e", keyspace_cql("cq_types") + f"""
        CREATE TYPE cq_types.pt (x int, y text);
        CREATE TABLE cq_types.t (k int PRIMARY KEY, a ascii, b bigint, bl blob, bo boolean, d date, de decimal,
            db double, du duration, f float, ip inet, si smallint, tm time, tu timeuuid, ti tinyint, u uuid,
            vi varint, l list<text>, m map<int, boolean>, tup tuple<int, text>, p frozen<pt>) {LZ4};
        INSERT INTO cq_types.t (k, a, b, bl, bo, d, de, db, du, f, ip, si, tm, tu, ti, u, vi, l, m, tup, p)
            VALUES (1, 'asc', -42, 0xcafe, true, '2024-02-29', 1.50, 2.5, 1h30m, 0.25, '10.0.0.1', 7, '01:02:03.5',
                    d2177dd0-eaa2-11de-a572-001b779c76e3, -3, 01234567-89ab-cdef-0123-456789abcdef,
                    123456789012345678901234567890, ['x', 'it''s'], {{2: false, 1: true}}, (5, 'five'), {{x: 9, y: 'nine'}});""")
    p = cqlsh(node, "-e", "SELECT * FROM cq_types.t; EXPAND ON; SELECT k, u, du FROM cq_types.t;")
    check(p.stdout, """
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
""")


def test_paging_through_many_rows(node):
    """cqlsh pages at 100 rows by default; without a tty it prints every page, one header."""
    values = " ".join(f"INSERT INTO cq_pg.t (p, c) VALUES (0, {i});" for i in range(250))
    cqlsh(node, "-e", keyspace_cql("cq_pg") + f" CREATE TABLE cq_pg.t (p int, c int, PRIMARY KEY (p, c)) {LZ4}; {values}")
    p = cqlsh(node, "-e", "SELECT c FROM cq_pg.t WHERE p = 0;")
    lines = norm(p.stdout).split("\n")
    assert lines[:2] == [" c", "----"]  # widths of the first page
    assert [int(x) for x in lines[2:-2]] == list(range(250))
    assert lines[-2:] == ["", "(250 rows)"]
    p = cqlsh(node, "-e", "PAGING 7; SELECT c FROM cq_pg.t WHERE p = 0 LIMIT 20;")
    lines = norm(p.stdout).split("\n")
    assert lines[0] == "Page size: 7"
    assert lines[1:4] == ["", " c", "---"]  # the first page (0-6) is one digit wide: 7 rows came
    assert [int(x) for x in lines[4:-2]] == list(range(20))
    assert lines[-1] == "(20 rows)"


def test_copy_to_and_from(node, tmp_path):
    """COPY TO scans token ranges with paged SELECTs; COPY FROM writes with prepared INSERTs."""
    values = " ".join(f"INSERT INTO cq_copy.src (p, c, v) VALUES ({i % 7}, {i}, 'row {i}');" for i in range(300))
    cqlsh(node, "-e", keyspace_cql("cq_copy") + f"""
        CREATE TABLE cq_copy.src (p int, c int, v text, PRIMARY KEY (p, c)) {LZ4};
        CREATE TABLE cq_copy.dst (p int, c int, v text, PRIMARY KEY (p, c)) {LZ4}; {values}""")
    csv = tmp_path / "src.csv"
    p = cqlsh(node, "-e", f"COPY cq_copy.src (p, c, v) TO '{csv}';", cwd=tmp_path, ok=False)
    assert p.returncode == 0, p.stderr
    assert "300 rows exported to 1 files" in p.stdout, p.stdout
    lines = csv.read_text().splitlines()
    assert sorted(lines) == sorted(f"{i % 7},{i},row {i}" for i in range(300))
    p = cqlsh(node, "-e", f"COPY cq_copy.dst (p, c, v) FROM '{csv}';", cwd=tmp_path, ok=False)
    assert p.returncode == 0, p.stderr
    assert "300 rows imported from 1 files" in p.stdout, p.stdout
    p = cqlsh(node, "-e", "SELECT count(*) FROM cq_copy.dst WHERE p = 3; SELECT v FROM cq_copy.dst WHERE p = 3 AND c = 290;")
    check(p.stdout, """
         count
        -------
            43

        (1 rows)

         v
        ---------
         row 290

        (1 rows)
        """)


# --- where sibyl still differs from Cassandra 5.0 ---------------------------------------------

def test_aggregation_without_partition_key_warns(node):
    """Cassandra sends a client warning (RESULT with the warning flag) that cqlsh prints."""
    cqlsh(node, "-e", keyspace_cql("cq_agg") + f" CREATE TABLE cq_agg.t (k int PRIMARY KEY, v int) {LZ4};"
                      " INSERT INTO cq_agg.t (k, v) VALUES (1, 10); INSERT INTO cq_agg.t (k, v) VALUES (2, 5);")
    p = cqlsh(node, "-e", "SELECT count(*), sum(v), max(v) FROM cq_agg.t;")
    check(p.stdout, """
         count | system.sum(v) | system.max(v)
        -------+---------------+---------------
             2 |            15 |            10

        (1 rows)

        Warnings :
        Aggregation query used without partition key
        """)


def test_describe_keyspaces(node):
    cqlsh(node, "-e", keyspace_cql("cq_ks"))
    p = cqlsh(node, "-e", "DESCRIBE KEYSPACES;")
    names = columnized(p.stdout)
    assert {"cq_ks", "system", "system_schema"} <= set(names)
    assert sorted(names) == names
    assert [n for n in names if n.startswith("system")] == [
        "system", "system_auth", "system_distributed", "system_schema", "system_traces", "system_views",
        "system_virtual_schema"]


def test_describe_cluster(node):
    p = cqlsh(node, "-e", "DESCRIBE CLUSTER;")
    check(p.stdout, """
        Cluster: Test Cluster
        Partitioner: Murmur3Partitioner
        Snitch: DynamicEndpointSnitch
        """)


def test_describe_cluster_range_ownership(node):
    """With a keyspace in use, DESCRIBE CLUSTER adds the ranges and their replicas."""
    cqlsh(node, "-e", keyspace_cql("cq_cl"))
    p = cqlsh(node, "-k", "cq_cl", "-e", "DESCRIBE CLUSTER; SELECT tokens FROM system.local;")
    out = norm(p.stdout)
    head, _, rest = out.partition("Range ownership:\n")
    assert head.startswith("Cluster: Test Cluster\nPartitioner: Murmur3Partitioner\nSnitch: ")
    ranges = [line.split() for line in rest.split("\n\n")[0].split("\n")]
    tokens = rest.split("{")[1].split("}")[0].replace("'", "").split(", ")
    assert sorted(int(r[0]) for r in ranges) == sorted(int(t) for t in tokens)
    assert {r[1] for r in ranges} == {"[/127.0.0.1:7000]"}


def test_describe_table_default_options(node):
    """Every default option as Cassandra 5.0 prints it, except compression: sibyl's default is
    ZstdCompressor (a deliberate choice, DESIGN.md), where Cassandra's is LZ4Compressor."""
    cqlsh(node, "-e", keyspace_cql("cq_dflt") + " CREATE TABLE cq_dflt.t (k int PRIMARY KEY, v text);")
    p = cqlsh(node, "-e", "DESCRIBE TABLE cq_dflt.t;")
    options = TABLE_OPTIONS.strip()[4:].replace("org.apache.cassandra.io.compress.LZ4Compressor",
                                                "org.apache.cassandra.io.compress.ZstdCompressor")
    check(p.stdout, f"""
CREATE TABLE cq_dflt.t (
    k int PRIMARY KEY,
    v text
) WITH {options}
""")
