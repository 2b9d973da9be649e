"""Bad input on the native protocol (RELIABILITY.md §7.2, B1-B12 and B16), on raw sockets.

Each case checks the error code (ERROR opcode 0x00, then its [int] code) or the close, the
stream id of the answer, and that a fresh, well-behaved connection still gets OPTIONS ->
SUPPORTED, STARTUP -> READY and `SELECT release_version FROM system.local` answered.
"""

import random
import ssl
import struct
import threading
import time
import uuid

import pytest

import cqlwire as w
from cqlwire import Conn, healthy

KS = "conformance"
MIB = 1024 * 1024


def expect_error(f: w.Frame, code: int | tuple, stream: int | None = None) -> str:
    codes = code if isinstance(code, tuple) else (code,)
    assert f.opcode == w.ERROR, f"expected ERROR {[hex(c) for c in codes]}, got {f!r}"
    got, msg = f.error()
    assert got in codes, f"expected {[hex(c) for c in codes]}, got {f!r}"
    assert f.version == 0x84, f
    if stream is not None:
        assert f.stream == stream, f"answer on stream {f.stream}, request was on {stream}: {f!r}"
    return msg


def closes_after(c: Conn, timeout: float = 5.0) -> list:
    """Frames the server sent before closing the connection (it must close within `timeout`)."""
    return w.split_frames(c.wait_closed(timeout))


@pytest.fixture(scope="module")
def schema(node):
    with Conn(node) as c:
        c.startup()
        for cql in [
            f"CREATE KEYSPACE IF NOT EXISTS {KS} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}",
            f"CREATE TABLE IF NOT EXISTS {KS}.kv (k text PRIMARY KEY, i int, t text, a ascii, l list<int>)",
            f"CREATE TABLE IF NOT EXISTS {KS}.two (k int, c int, v int, PRIMARY KEY (k, c))",
        ]:
            f = c.query(cql)
            assert f.opcode == w.RESULT, f
    return KS


@pytest.fixture
def ready(node, schema):
    """A started connection; after the test, a fresh connection must still work."""
    with Conn(node) as c:
        c.startup()
        yield c
    healthy(node)


@pytest.fixture
def fresh(node):
    """A connection before STARTUP; after the test, a fresh connection must still work."""
    with Conn(node) as c:
        yield c
    healthy(node)


def test_healthy_baseline(node):
    healthy(node)


# --- B1: non-CQL bytes -------------------------------------------------------------------------

def tls_client_hello() -> bytes:
    """The first flight of a real TLS client (Python's ssl module)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    ctx = ssl.create_default_context()
    tls = ctx.wrap_bio(incoming, outgoing, server_hostname="sibyl.test")
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    hello = outgoing.read()
    assert hello[0] == 0x16  # handshake record
    return hello


def random_bytes() -> bytes:
    data = bytearray(random.Random(20261126).randbytes(4096))
    data[0] = 0x9C  # not 0x04: otherwise the bytes could be a valid v4 header waiting for a body
    return bytes(data)


@pytest.mark.parametrize("kind", ["http", "tls", "random"])
def test_b1_non_cql_bytes_get_protocol_error_and_close(fresh, node, kind):
    data = {
        "http": b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/8.0\r\nAccept: */*\r\n\r\n",
        "tls": tls_client_hello(),
        "random": random_bytes(),
    }[kind]
    fresh.send_raw(data)
    frames = closes_after(fresh)
    # The first byte is an unsupported version, so the header is enough to answer.
    assert len(frames) == 1, frames
    msg = expect_error(frames[0], w.PROTOCOL_ERROR, stream=struct.unpack(">h", data[2:4])[0])
    assert "unsupported protocol version" in msg


# --- B2: unsupported protocol versions ---------------------------------------------------------

@pytest.mark.parametrize("version", [0x01, 0x02, 0x03, 0x05, 0x06, 0x41, 0x42, 0x7F])
def test_b2_unsupported_version(fresh, version):
    if version in (0x01, 0x02):
        # v1/v2 headers are 8 bytes with a one-byte stream id.
        stream = 0x05
        fresh.send_raw(struct.pack(">BBbBi", version, 0, stream, w.OPTIONS, 0))
    else:
        stream = 0x0123
        fresh.send(w.OPTIONS, b"", stream=stream, version=version)
    f = fresh.recv()
    msg = expect_error(f, w.PROTOCOL_ERROR, stream=stream)
    assert "unsupported protocol version" in msg, msg
    assert f"({version})" in msg and "4/v4" in msg, msg
    closes_after(fresh)


# --- B3: wrong order ---------------------------------------------------------------------------

@pytest.mark.parametrize("opcode,body", [
    (w.QUERY, w.query_body("SELECT release_version FROM system.local")),
    (w.PREPARE, w.long_string("SELECT release_version FROM system.local")),
    (w.EXECUTE, w.execute_body(b"\x01" * 16)),
    (w.REGISTER, w.string_list(["SCHEMA_CHANGE"])),
    (w.BATCH, b"\x00" + w.short(0) + w.short(1) + b"\x00"),
    (w.AUTH_RESPONSE, w.value(b"\x00cassandra\x00cassandra")),
], ids=["QUERY", "PREPARE", "EXECUTE", "REGISTER", "BATCH", "AUTH_RESPONSE"])
def test_b3_request_before_startup(fresh, opcode, body):
    f = fresh.request(opcode, body, stream=7)
    expect_error(f, w.PROTOCOL_ERROR, stream=7)
    # The connection can still be started and used.
    fresh.startup()
    f = fresh.query("SELECT release_version FROM system.local", stream=8)
    assert f.opcode == w.RESULT and f.stream == 8, f


def test_b3_second_startup(ready):
    f = ready.request(w.STARTUP, w.string_map({"CQL_VERSION": "3.4.7"}), stream=9)
    expect_error(f, w.PROTOCOL_ERROR, stream=9)
    f = ready.query("SELECT release_version FROM system.local", stream=10)
    assert f.opcode == w.RESULT and f.stream == 10, f


def test_b3_auth_response_without_authenticate(ready):
    f = ready.request(w.AUTH_RESPONSE, w.value(b"\x00cassandra\x00cassandra"), stream=11)
    expect_error(f, w.PROTOCOL_ERROR, stream=11)
    f = ready.query("SELECT release_version FROM system.local", stream=12)
    assert f.opcode == w.RESULT and f.stream == 12, f


# --- B4: opcodes, stream ids, flags ------------------------------------------------------------

@pytest.mark.parametrize("opcode", [0x04, 0x11, 0x7F, 0xFF, w.RESULT, w.READY, w.ERROR, w.SUPPORTED, w.EVENT,
                                    w.AUTH_SUCCESS])
def test_b4_unknown_or_response_opcode(ready, opcode):
    f = ready.request(opcode, b"", stream=21)
    msg = expect_error(f, w.PROTOCOL_ERROR, stream=21)
    assert msg
    f = ready.query("SELECT release_version FROM system.local", stream=22)
    assert f.opcode == w.RESULT and f.stream == 22, f


def test_b4_negative_stream_id(ready):
    ready.send(w.QUERY, w.query_body("SELECT release_version FROM system.local"), stream=-5)
    f = ready.recv()
    expect_error(f, w.PROTOCOL_ERROR, stream=-5)


def test_b4_compression_flag_without_negotiation(ready):
    f = ready.request(w.QUERY, w.query_body("SELECT release_version FROM system.local"), stream=23, flags=0x01)
    expect_error(f, w.PROTOCOL_ERROR, stream=23)


def test_b4_unknown_header_flag_bits_are_ignored(ready):
    f = ready.request(w.QUERY, w.query_body("SELECT release_version FROM system.local"), stream=24, flags=0x40)
    assert f.opcode == w.RESULT and f.stream == 24, f


# --- B5: frame length from the header ----------------------------------------------------------

@pytest.mark.parametrize("length", [16 * MIB + 1, 256 * MIB, 0x7FFFFFFF, -1, -0x80000000])
def test_b5_bad_length_refused_from_header(ready, sibyl_node, length):
    rss_before = sibyl_node.rss_kib()
    ready.send_raw(w.header(w.QUERY, length, stream=31))  # no body follows
    t0 = time.monotonic()
    frames = closes_after(ready, timeout=5)
    assert time.monotonic() - t0 < 3, "closed only after a timeout, not from the header"
    assert len(frames) == 1, frames
    expect_error(frames[0], w.PROTOCOL_ERROR, stream=31)
    assert sibyl_node.rss_kib() - rss_before < 32 * 1024, "memory allocated for a refused frame"


# --- B6: slow senders ---------------------------------------------------------------------------

def test_b6_slowloris_closed_after_receive_timeout(start_node):
    n = start_node(config={"native_transport_receive_timeout": "1000ms", "native_transport_idle_timeout": "60s"})
    stalled = []
    for _ in range(50):
        c = Conn(n.addr)
        c.startup()
        c.send_raw(w.header(w.QUERY, MIB, stream=41) + b"\x00" * 10)  # promises 1 MiB, sends 10 bytes
        stalled.append(c)
    t0 = time.monotonic()
    # Healthy clients are served while the slow ones hang.
    healthy(n.addr)
    for c in stalled:
        closes_after(c, timeout=5)
        c.close()
    elapsed = time.monotonic() - t0
    assert 0.5 < elapsed < 5, elapsed
    assert "native_transport_receive_timeout" in n.log_text()
    healthy(n.addr)


def test_b6_idle_connection_closed_after_idle_timeout(start_node):
    n = start_node(config={"native_transport_idle_timeout": "1000ms"})
    with Conn(n.addr) as idle, Conn(n.addr) as busy:
        idle.startup()
        busy.startup()
        t0 = time.monotonic()
        # A client that heartbeats (OPTIONS, as the drivers do) stays connected.
        while time.monotonic() - t0 < 2.0:
            f = busy.request(w.OPTIONS, stream=2)
            assert f.opcode == w.SUPPORTED, f
            time.sleep(0.2)
        closes_after(idle, timeout=3)
        f = busy.query("SELECT release_version FROM system.local")
        assert f.opcode == w.RESULT, f


# --- B8: malformed bodies ----------------------------------------------------------------------

def test_b8_string_longer_than_body(fresh):
    body = w.short(1) + w.short(200) + b"CQL_VERSION"  # the key claims 200 bytes
    f = fresh.request(w.STARTUP, body, stream=51)
    expect_error(f, w.PROTOCOL_ERROR, stream=51)


def test_b8_long_string_longer_than_body(ready):
    body = w.int32(100_000) + b"SELECT release_version FROM system.local" + w.short(1) + b"\x00"
    f = ready.request(w.QUERY, body, stream=52)
    expect_error(f, w.PROTOCOL_ERROR, stream=52)


def test_b8_truncated_query_parameters(ready):
    body = w.long_string("SELECT release_version FROM system.local") + b"\x00"  # half a consistency
    f = ready.request(w.QUERY, body, stream=53)
    expect_error(f, w.PROTOCOL_ERROR, stream=53)


def test_b8_value_length_minus_three(ready):
    pid, _ = ready.prepare(f"INSERT INTO {KS}.kv (k, i) VALUES (?, ?)")
    body = w.short_bytes(pid) + w.short(w.ONE) + b"\x01" + w.short(2) + w.value(b"k1") + w.int32(-3)
    f = ready.request(w.EXECUTE, body, stream=54)
    expect_error(f, (w.PROTOCOL_ERROR, w.INVALID), stream=54)


@pytest.mark.parametrize("count", [0x7FFFFFFF, -0x80000000, -1])
def test_b8_huge_collection_count_in_bound_value(ready, count):
    pid, _ = ready.prepare(f"INSERT INTO {KS}.kv (k, l) VALUES (?, ?)")
    f = ready.request(w.EXECUTE, w.execute_body(pid, values=[b"coll", w.int32(count) + w.int32(4) + w.int32(7)]),
                      stream=55)
    expect_error(f, w.INVALID, stream=55)
    f = ready.query(f"SELECT k FROM {KS}.kv WHERE k = 'coll'")
    assert w.parse_rows(f.body)[1] == [], "a malformed value was written"


def test_b8_bad_consistency_code(ready):
    body = w.long_string("SELECT release_version FROM system.local") + w.short(0x00FF) + b"\x00"
    f = ready.request(w.QUERY, body, stream=56)
    msg = expect_error(f, w.PROTOCOL_ERROR, stream=56)
    assert "consistency" in msg.lower(), msg


def test_b8_wrong_number_of_bound_values(ready):
    pid, _ = ready.prepare(f"INSERT INTO {KS}.kv (k, i) VALUES (?, ?)")
    f = ready.request(w.EXECUTE, w.execute_body(pid, values=[b"k1"]), stream=57)
    expect_error(f, w.INVALID, stream=57)
    f = ready.request(w.EXECUTE, w.execute_body(pid, values=[b"k1", w.int32(1), w.int32(2)]), stream=58)
    expect_error(f, w.INVALID, stream=58)
    # The connection is fine afterwards.
    f = ready.query("SELECT release_version FROM system.local", stream=59)
    assert f.opcode == w.RESULT and f.stream == 59, f


# --- B9: invalid CQL ----------------------------------------------------------------------------

@pytest.mark.parametrize("cql", [
    "SELEC * FROM system.local",
    "SELECT * FROM",
    "SELECT * FROM system.local WHERE",
    f"INSERT INTO {KS}.kv (k) VALUES ('unterminated)",
    "CREATE TABLE x (",
    "\x00\x01\x02",
])
def test_b9_syntax_error(ready, cql):
    f = ready.query(cql, stream=61)
    expect_error(f, w.SYNTAX_ERROR, stream=61)


def test_b9_deeply_nested_parentheses(ready, sibyl_node):
    depth = 100_000
    cql = "SELECT release_version FROM system.local WHERE key = " + "(" * depth + "'local'" + ")" * depth
    t0 = time.monotonic()
    f = ready.query(cql, stream=62)
    assert time.monotonic() - t0 < 5
    expect_error(f, (w.SYNTAX_ERROR, w.INVALID), stream=62)
    assert sibyl_node.alive()


def test_b9_deeply_nested_types(ready, sibyl_node):
    depth = 100_000
    typ = "frozen<list<" * depth + "int" + ">>" * depth
    t0 = time.monotonic()
    f = ready.query(f"CREATE TABLE {KS}.deep (k int PRIMARY KEY, v {typ})", stream=63)
    assert time.monotonic() - t0 < 5
    expect_error(f, (w.SYNTAX_ERROR, w.INVALID), stream=63)
    assert sibyl_node.alive()


# --- B10: semantically invalid CQL --------------------------------------------------------------

@pytest.mark.parametrize("cql", [
    "SELECT * FROM no_such_keyspace.t",
    f"SELECT * FROM {KS}.no_such_table",
    f"SELECT no_such_column FROM {KS}.kv",
    f"INSERT INTO {KS}.kv (k, no_such_column) VALUES ('a', 1)",
    f"INSERT INTO {KS}.two (k, v) VALUES (1, 1)",  # clustering column missing
    f"INSERT INTO {KS}.kv (k, i) VALUES ('a', 'not an int')",
    f"UPDATE {KS}.kv SET t = 'x' WHERE i = 1",  # not a primary key column
    "USE no_such_keyspace",
    "DROP TABLE no_such_keyspace.t",
    f"CREATE TABLE {KS}.nokey (a int, b int)",
])
def test_b10_invalid_query(ready, cql):
    f = ready.query(cql, stream=71)
    expect_error(f, w.INVALID, stream=71)


def test_b10_already_exists_table(ready):
    f = ready.query(f"CREATE TABLE {KS}.kv (k text PRIMARY KEY)", stream=72)
    expect_error(f, w.ALREADY_EXISTS, stream=72)
    r = w.Reader(f.error_extra())
    assert (r.string(), r.string()) == (KS, "kv")


def test_b10_already_exists_keyspace(ready):
    f = ready.query(f"CREATE KEYSPACE {KS} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}",
                    stream=73)
    expect_error(f, w.ALREADY_EXISTS, stream=73)
    r = w.Reader(f.error_extra())
    assert (r.string(), r.string()) == (KS, "")


# --- B11: bad bound values ---------------------------------------------------------------------

@pytest.mark.parametrize("column,cell", [
    ("i", b"\x00\x00\x01"),  # 3-byte int
    ("i", b"\x00\x00\x00\x00\x01"),  # 5-byte int
    ("t", b"\xff\xfe broken \xc3\x28"),  # invalid UTF-8
    ("a", "caf\u00e9".encode()),  # non-ASCII in ascii
], ids=["int-3-bytes", "int-5-bytes", "text-invalid-utf8", "ascii-non-ascii"])
def test_b11_bad_bound_value(ready, column, cell):
    pid, _ = ready.prepare(f"INSERT INTO {KS}.kv (k, {column}) VALUES (?, ?)")
    f = ready.request(w.EXECUTE, w.execute_body(pid, values=[b"bad-" + column.encode(), cell]), stream=81)
    expect_error(f, w.INVALID, stream=81)
    f = ready.query(f"SELECT k FROM {KS}.kv WHERE k = 'bad-{column}'")
    assert w.parse_rows(f.body)[1] == [], "the bad value was written"


def test_b11_partition_key_too_long(ready):
    pid, _ = ready.prepare(f"INSERT INTO {KS}.kv (k, i) VALUES (?, ?)")
    f = ready.request(w.EXECUTE, w.execute_body(pid, values=[b"x" * 65536, w.int32(1)]), stream=82)
    expect_error(f, w.INVALID, stream=82)
    # The longest legal key is fine.
    f = ready.request(w.EXECUTE, w.execute_body(pid, values=[b"x" * 65535, w.int32(1)]), stream=83)
    assert f.opcode == w.RESULT and f.result_kind() == w.VOID, f


def test_b11_good_bound_values_are_accepted(ready):
    pid, _ = ready.prepare(f"INSERT INTO {KS}.kv (k, i, t, a) VALUES (?, ?, ?, ?)")
    f = ready.request(w.EXECUTE, w.execute_body(pid, values=[b"good", w.int32(7), "caf\u00e9".encode(), b"plain"]))
    assert f.opcode == w.RESULT and f.result_kind() == w.VOID, f
    f = ready.query(f"SELECT i, t, a FROM {KS}.kv WHERE k = 'good'")
    assert w.parse_rows(f.body)[1] == [[w.int32(7), "caf\u00e9".encode(), b"plain"]]


# --- B12: prepared ids -------------------------------------------------------------------------

def test_b12_unknown_prepared_id(ready):
    unknown = uuid.uuid4().bytes
    f = ready.request(w.EXECUTE, w.execute_body(unknown), stream=91)
    expect_error(f, w.UNPREPARED, stream=91)
    assert w.Reader(f.error_extra()).short_bytes() == unknown


def test_b12_prepared_ids_are_stable(ready, node):
    cql = f"SELECT k, i FROM {KS}.kv WHERE k = ?"
    pid1, cols = ready.prepare(cql)
    with Conn(node) as other:
        other.startup()
        pid2, _ = other.prepare(cql)
    assert pid1 == pid2
    assert cols == [("k", 0x000D)]


def test_b12_result_metadata_follows_alter_table(ready):
    ready.query(f"CREATE TABLE IF NOT EXISTS {KS}.alt (k int PRIMARY KEY, a int)")
    ready.query(f"INSERT INTO {KS}.alt (k, a) VALUES (1, 10)")
    pid, _ = ready.prepare(f"SELECT * FROM {KS}.alt WHERE k = ?")
    f = ready.request(w.EXECUTE, w.execute_body(pid, values=[w.int32(1)]))
    assert w.parse_rows(f.body)[:2] == (["k", "a"], [[w.int32(1), w.int32(10)]])
    f = ready.query(f"ALTER TABLE {KS}.alt ADD b text")
    assert f.opcode == w.RESULT, f
    ready.query(f"UPDATE {KS}.alt SET b = 'x' WHERE k = 1")
    f = ready.request(w.EXECUTE, w.execute_body(pid, values=[w.int32(1)]))
    if f.opcode == w.ERROR:  # re-preparation requested: allowed
        expect_error(f, w.UNPREPARED)
        pid, _ = ready.prepare(f"SELECT * FROM {KS}.alt WHERE k = ?")
        f = ready.request(w.EXECUTE, w.execute_body(pid, values=[w.int32(1)]))
    names, rows, _ = w.parse_rows(f.body)
    assert names == ["k", "a", "b"] and rows == [[w.int32(1), w.int32(10), b"x"]], (names, rows)


# --- events ------------------------------------------------------------------------------------

def read_event(c: Conn) -> list:
    ev = c.recv(timeout=5)
    assert (ev.version, ev.stream, ev.opcode) == (0x84, -1, w.EVENT), ev
    r = w.Reader(ev.body)
    out = [r.string(), r.string(), r.string(), r.string()]
    if out[2] != "KEYSPACE":
        out.append(r.string())
    return out


def test_schema_change_events_on_stream_minus_one(node, schema):
    with Conn(node) as listener, Conn(node) as status_only, Conn(node) as ddl:
        for c in (listener, status_only, ddl):
            c.startup()
        f = listener.request(w.REGISTER, w.string_list(["SCHEMA_CHANGE", "TOPOLOGY_CHANGE", "STATUS_CHANGE"]), stream=95)
        assert f.opcode == w.READY and f.stream == 95, f
        f = status_only.request(w.REGISTER, w.string_list(["STATUS_CHANGE"]), stream=96)
        assert f.opcode == w.READY and f.stream == 96, f
        steps = [
            ("CREATE KEYSPACE evks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
             ["CREATED", "KEYSPACE", "evks"]),
            ("CREATE TABLE evks.t (k int PRIMARY KEY)", ["CREATED", "TABLE", "evks", "t"]),
            ("ALTER TABLE evks.t ADD v text", ["UPDATED", "TABLE", "evks", "t"]),
            ("CREATE TYPE evks.ty (a int)", ["CREATED", "TYPE", "evks", "ty"]),
            ("DROP TYPE evks.ty", ["DROPPED", "TYPE", "evks", "ty"]),
            ("DROP TABLE evks.t", ["DROPPED", "TABLE", "evks", "t"]),
            ("ALTER KEYSPACE evks WITH durable_writes = false", ["UPDATED", "KEYSPACE", "evks"]),
            ("DROP KEYSPACE evks", ["DROPPED", "KEYSPACE", "evks"]),
        ]
        for cql, change in steps:
            f = ddl.query(cql)
            assert f.opcode == w.RESULT and f.result_kind() == w.SCHEMA_CHANGE, (cql, f)
            r = w.Reader(f.body, 4)
            assert [r.string() for _ in change] == change, cql
            assert read_event(listener) == ["SCHEMA_CHANGE"] + change, cql
        # IF NOT EXISTS on an existing object changes nothing: Void and no event.
        f = ddl.query(f"CREATE TABLE IF NOT EXISTS {KS}.kv (k text PRIMARY KEY)")
        assert f.opcode == w.RESULT and f.result_kind() == w.VOID, f
        # Not registered for schema changes: nothing but the answer arrives.
        f = status_only.request(w.OPTIONS, stream=97)
        assert (f.stream, f.opcode) == (97, w.SUPPORTED), f
        f = listener.request(w.OPTIONS, stream=98)
        assert (f.stream, f.opcode) == (98, w.SUPPORTED), f


def test_use_keyspace_result(ready):
    f = ready.query(f'USE "{KS}"')
    assert f.opcode == w.RESULT and f.result_kind() == w.SET_KEYSPACE, f
    assert w.Reader(f.body, 4).string() == KS
    f = ready.query("SELECT k FROM kv WHERE k = 'nothing'")
    assert f.opcode == w.RESULT and f.result_kind() == w.ROWS, f


def test_named_values_in_query(ready):
    body = (w.long_string(f"SELECT i FROM {KS}.kv WHERE k = :key") + w.short(w.ONE) + bytes([0x01 | 0x40])
            + w.short(1) + w.string("key") + w.value(b"good-named"))
    ready.query(f"INSERT INTO {KS}.kv (k, i) VALUES ('good-named', 5)")
    f = ready.request(w.QUERY, body)
    assert f.opcode == w.RESULT and w.parse_rows(f.body)[1] == [[w.int32(5)]], f


def test_b12_statement_prepared_on_a_dropped_table(ready):
    """A table dropped and created again with other types: the old statement must not write the old types."""
    ready.query(f"DROP TABLE IF EXISTS {KS}.recreated")
    ready.query(f"CREATE TABLE {KS}.recreated (k int PRIMARY KEY, v text)")
    pid, _ = ready.prepare(f"INSERT INTO {KS}.recreated (k, v) VALUES (?, ?)")
    ready.query(f"DROP TABLE {KS}.recreated")
    f = ready.request(w.EXECUTE, w.execute_body(pid, values=[w.int32(1), b"hello"]))
    expect_error(f, (w.UNPREPARED, w.INVALID))
    ready.query(f"CREATE TABLE {KS}.recreated (k int PRIMARY KEY, v int)")
    f = ready.request(w.EXECUTE, w.execute_body(pid, values=[w.int32(1), b"hello"]))
    expect_error(f, (w.UNPREPARED, w.INVALID))
    f = ready.query(f"SELECT k, v FROM {KS}.recreated")
    assert w.parse_rows(f.body)[1] == []


def test_batch_errors(ready):
    unknown = b"\x11" * 16
    body = b"\x00" + w.short(1) + b"\x01" + w.short_bytes(unknown) + w.short(0) + w.short(w.ONE) + b"\x00"
    f = ready.request(w.BATCH, body, stream=99)
    expect_error(f, w.UNPREPARED, stream=99)
    assert w.Reader(f.error_extra()).short_bytes() == unknown
    ready.query(f"CREATE TABLE IF NOT EXISTS {KS}.cnt (k int PRIMARY KEY, c counter)")
    mixed = (b"\x00" + w.short(2)
             + b"\x00" + w.long_string(f"UPDATE {KS}.cnt SET c = c + 1 WHERE k = 1") + w.short(0)
             + b"\x00" + w.long_string(f"INSERT INTO {KS}.kv (k, i) VALUES ('batch', 1)") + w.short(0)
             + w.short(w.ONE) + b"\x00")
    expect_error(ready.request(w.BATCH, mixed), w.INVALID)
    select = (b"\x01" + w.short(1) + b"\x00" + w.long_string(f"SELECT * FROM {KS}.kv") + w.short(0)
              + w.short(w.ONE) + b"\x00")
    expect_error(ready.request(w.BATCH, select), w.INVALID)
    bad_type = b"\x07" + w.short(0) + w.short(w.ONE) + b"\x00"
    expect_error(ready.request(w.BATCH, bad_type), w.PROTOCOL_ERROR)
    f = ready.query(f"SELECT k FROM {KS}.kv WHERE k = 'batch'")
    assert w.parse_rows(f.body)[1] == [], "part of a refused batch was applied"


# --- B16: floods -------------------------------------------------------------------------------

def test_b16_connections_beyond_per_ip_limit_are_closed(start_node):
    n = start_node(config={"native_transport_max_concurrent_connections_per_ip": 8})
    kept = [Conn(n.addr).startup() for _ in range(8)]
    try:
        extra = [Conn(n.addr) for _ in range(6)]
        for c in extra:
            try:
                c.send(w.OPTIONS, stream=1)
            except OSError:
                pass  # already closed by the server
            closes_after(c, timeout=5)
            c.close()
        for i, c in enumerate(kept):
            f = c.query("SELECT release_version FROM system.local", stream=i + 1)
            assert f.opcode == w.RESULT and f.stream == i + 1, f
        assert "connection refused" in n.log_text()
        # Slots are given back when connections end.
        kept.pop().close()
        deadline = time.monotonic() + 5
        while True:
            try:
                healthy(n.addr)
                break
            except (w.Closed, ConnectionError):
                assert time.monotonic() < deadline, "no slot freed after a client left"
                time.sleep(0.05)
    finally:
        for c in kept:
            c.close()


def pipeline(addr, queries: list[bytes], first_stream: int = 1) -> dict:
    """Writes every QUERY body on one connection without waiting; returns {stream: frame}."""
    c = Conn(addr, timeout=120)
    c.startup()
    frames = [w.frame(w.QUERY, q, stream=(first_stream + i) % 32768) for i, q in enumerate(queries)]
    writer_error = []

    def write():
        try:
            for i in range(0, len(frames), 256):
                c.send_raw(b"".join(frames[i:i + 256]))
        except OSError as e:
            writer_error.append(e)

    t = threading.Thread(target=write)
    t.start()
    got = {}
    try:
        while len(got) < len(frames):
            f = c.recv()
            assert f.stream not in got, f"two answers on stream {f.stream}"
            got[f.stream] = f
    finally:
        t.join()
        c.close()
    assert not writer_error, writer_error
    return got


def test_b16_pipelined_streams(sibyl_node, node):
    n = 5000
    rss_before = sibyl_node.rss_kib()
    got = pipeline(node, [w.query_body("SELECT release_version FROM system.local")] * n)
    assert sorted(got) == list(range(1, n + 1))
    for s, f in got.items():
        assert f.opcode == w.RESULT and w.parse_rows(f.body)[1] == [[b"5.0.0"]], f
    grown_mib = (sibyl_node.rss_kib() - rss_before) / 1024
    assert grown_mib < 128, f"RSS grew by {grown_mib:.0f} MiB for {n} small pipelined requests"
    healthy(node)


def test_b16_all_stream_ids_with_large_queries(sibyl_node, node):
    """32,768 streams in flight at once, every frame 4 KiB: all answered, memory bounded."""
    pad = "x" * 4000
    q = w.query_body(f"SELECT release_version FROM system.local WHERE key = 'local' /* {pad} */")
    rss_before = sibyl_node.rss_kib()
    got = pipeline(node, [q] * 32768, first_stream=0)
    assert sorted(got) == list(range(32768))
    bad = [f for f in got.values() if not (f.opcode == w.RESULT and w.parse_rows(f.body)[1] == [[b"5.0.0"]])]
    assert not bad, bad[:3]
    grown_mib = (sibyl_node.rss_kib() - rss_before) / 1024
    assert grown_mib < 256, f"RSS grew by {grown_mib:.0f} MiB for 128 MiB of pipelined requests"
    healthy(node)


# --- compressed bodies (v4 LZ4: [int] uncompressed length + raw block) --------------------------

def lz4_body(plain: bytes, stated: int | None = None) -> bytes:
    import lz4.block
    return w.int32(len(plain) if stated is None else stated) + lz4.block.compress(plain, store_size=False)


@pytest.fixture
def lz4_conn(node, schema):
    with Conn(node) as c:
        c.startup({"CQL_VERSION": "3.4.7", "COMPRESSION": "lz4"})
        yield c
    healthy(node)


def test_lz4_compressed_request_is_answered(lz4_conn):
    f = lz4_conn.request(w.QUERY, lz4_body(w.query_body("SELECT release_version FROM system.local")), flags=0x01)
    assert f.opcode == w.RESULT, f
    assert f.flags & 0x01, "the response to a compressed connection was not compressed"
    assert w.parse_rows(f.body)[1] == [[b"5.0.0"]]


@pytest.mark.parametrize("stated", [1 << 30, 0x7FFFFFFF, -1, 3])
def test_lz4_lying_uncompressed_length(lz4_conn, sibyl_node, stated):
    rss_before = sibyl_node.rss_kib()
    body = lz4_body(w.query_body("SELECT release_version FROM system.local" + " " * 5000), stated=stated)
    f = lz4_conn.request(w.QUERY, body, stream=97, flags=0x01)
    expect_error(f, w.PROTOCOL_ERROR, stream=97)
    assert sibyl_node.rss_kib() - rss_before < 64 * 1024, "decompression allocated by the stated length"


def test_lz4_garbage_block(lz4_conn):
    f = lz4_conn.request(w.QUERY, w.int32(1000) + random.Random(7).randbytes(300), stream=98, flags=0x01)
    expect_error(f, w.PROTOCOL_ERROR, stream=98)


def test_snappy_compression(node, schema):
    with Conn(node) as c:
        c.compression = "snappy"
        c.startup({"CQL_VERSION": "3.4.7", "COMPRESSION": "snappy"})
        big = "snappy " * 3000
        f = c.request(w.QUERY, w.snappy_compress_literal(
            w.query_body(f"INSERT INTO {KS}.kv (k, t) VALUES ('snappy', '{big}')")), flags=0x01)
        assert f.opcode == w.RESULT and f.result_kind() == w.VOID, f
        f = c.request(w.QUERY, w.snappy_compress_literal(w.query_body(f"SELECT t FROM {KS}.kv WHERE k = 'snappy'")),
                      flags=0x01)
        assert f.flags & 0x01, "the response to a compressed connection was not compressed"
        assert w.parse_rows(f.body)[1] == [[big.encode()]]
        # A block whose stated length lies is refused, and the connection stays usable.
        lying = b"\xff\xff\xff\xff\x07" + w.snappy_compress_literal(b"x")[1:]
        f = c.request(w.QUERY, lying, stream=5, flags=0x01)
        expect_error(f, w.PROTOCOL_ERROR, stream=5)
    healthy(node)


def test_unknown_compression_refused(fresh):
    f = fresh.request(w.STARTUP, w.string_map({"CQL_VERSION": "3.4.7", "COMPRESSION": "zstd"}), stream=3)
    expect_error(f, w.PROTOCOL_ERROR, stream=3)


def test_query_flags_default_timestamp_serial_and_skip_metadata(ready):
    # Values, serial consistency and a default timestamp: flags 0x01 | 0x10 | 0x20.
    body = (w.long_string(f"INSERT INTO {KS}.kv (k, i) VALUES (?, ?)") + w.short(w.ONE) + bytes([0x01 | 0x10 | 0x20])
            + w.short(2) + w.value(b"flags") + w.value(w.int32(3)) + w.short(0x0009) + struct.pack(">q", 4242))
    f = ready.request(w.QUERY, body)
    assert f.opcode == w.RESULT and f.result_kind() == w.VOID, f
    f = ready.query(f"SELECT WRITETIME(i) FROM {KS}.kv WHERE k = 'flags'")
    assert w.parse_rows(f.body)[1] == [[struct.pack(">q", 4242)]]
    # Skip_metadata (0x02) on EXECUTE: the rows come with NO_METADATA (or with metadata; both decode).
    pid, _ = ready.prepare(f"SELECT k, i FROM {KS}.kv WHERE k = ?")
    body = w.short_bytes(pid) + w.short(w.ONE) + bytes([0x01 | 0x02]) + w.short(1) + w.value(b"flags")
    f = ready.request(w.EXECUTE, body)
    assert f.opcode == w.RESULT and f.result_kind() == w.ROWS, f
    r = w.Reader(f.body, 4)
    flags, ncols = r.int(), r.int()
    assert ncols == 2
    if flags & 0x0004:
        assert r.int() == 1 and [r.bytes(), r.bytes()] == [b"flags", w.int32(3)]
    else:
        assert w.parse_rows(f.body)[1] == [[b"flags", w.int32(3)]]


def test_unpaged_request_has_no_paging_state(ready):
    for i in range(30):
        ready.query(f"INSERT INTO {KS}.two (k, c, v) VALUES (5, {i}, {i})")
    f = ready.query(f"SELECT c FROM {KS}.two WHERE k = 5")
    names, rows, state = w.parse_rows(f.body)
    assert len(rows) == 30 and state is None
    f = ready.query(f"SELECT c FROM {KS}.two WHERE k = 5", page_size=30)
    _, rows, state = w.parse_rows(f.body)
    assert len(rows) == 30  # an exactly full page may or may not say there is more
    if state is not None:
        f = ready.query(f"SELECT c FROM {KS}.two WHERE k = 5", page_size=30, paging_state=state)
        _, rows, state = w.parse_rows(f.body)
        assert rows == [] and state is None
    f = ready.query(f"SELECT c FROM {KS}.two WHERE k = 5", page_size=29)
    _, rows, state = w.parse_rows(f.body)
    assert len(rows) == 29 and state is not None
    f = ready.query(f"SELECT c FROM {KS}.two WHERE k = 5", page_size=29, paging_state=state)
    _, rows, state = w.parse_rows(f.body)
    assert rows == [[w.int32(29)]] and state is None


def test_garbage_paging_state(ready):
    f = ready.query(f"SELECT c FROM {KS}.two WHERE k = 5", page_size=10, paging_state=b"\x00garbage\xff" * 3, stream=9)
    expect_error(f, (w.PROTOCOL_ERROR, w.INVALID), stream=9)
