"""The DataStax Python driver (cassandra-driver 3.30.1) against a real `sibyl` node."""

import datetime
import math
import struct
import logging
import time
import uuid
import zlib
from decimal import Decimal
from ipaddress import ip_address

import pytest
from cassandra import AlreadyExists, ConsistencyLevel, InvalidRequest
from cassandra.protocol import SyntaxException
from cassandra.cluster import Cluster, ExecutionProfile, EXEC_PROFILE_DEFAULT
from cassandra.concurrent import execute_concurrent_with_args
from cassandra.metadata import Murmur3Token
from cassandra.policies import ConstantReconnectionPolicy, DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import BatchStatement, BatchType, SimpleStatement, UNSET_VALUE
from cassandra.util import Date, Duration, OrderedMapSerializedKey, SortedSet, Time

KS = "pydriver"


def make_cluster(node, **kw) -> Cluster:
    host, port = node
    profile = ExecutionProfile(load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()),
                               request_timeout=30)
    kw.setdefault("execution_profiles", {EXEC_PROFILE_DEFAULT: profile})
    return Cluster(contact_points=[host], port=port, connect_timeout=10, control_connection_timeout=10, **kw)


@pytest.fixture(scope="module")
def cluster(node):
    c = make_cluster(node)
    try:
        yield c
    finally:
        c.shutdown()


@pytest.fixture(scope="module")
def session(cluster):
    s = cluster.connect()
    s.execute(f"CREATE KEYSPACE IF NOT EXISTS {KS} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
    s.set_keyspace(KS)
    return s


def pool_connections(session):
    return [pool._connection for pool in session._pools.values()]


# --- connecting -------------------------------------------------------------------------------

def test_connect_negotiates_v4(node, caplog):
    caplog.set_level(logging.WARNING, logger="cassandra")
    c = make_cluster(node)
    try:
        s = c.connect()
        assert c.protocol_version == 4
        row = s.execute("SELECT release_version, cql_version, partitioner FROM system.local").one()
        assert row.release_version.startswith("5.0")
        assert row.cql_version == "3.4.7"
        assert row.partitioner == "org.apache.cassandra.dht.Murmur3Partitioner"
    finally:
        c.shutdown()
    # The only warnings: the driver stepping down from its default version, one version at a time.
    msgs = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    downgrades = [m for m in msgs if m.startswith("Downgrading core protocol version")]
    assert [m.split(" for ")[0] for m in downgrades] == [
        "Downgrading core protocol version from 66 to 65",
        "Downgrading core protocol version from 65 to 5",
        "Downgrading core protocol version from 5 to 4",
    ]
    assert len(msgs) == len(downgrades), msgs


def test_explicit_v4_connects_without_warnings(node, caplog):
    caplog.set_level(logging.WARNING, logger="cassandra")
    c = make_cluster(node, protocol_version=4)
    try:
        c.connect().execute("SELECT key FROM system.local")
    finally:
        c.shutdown()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_metadata_is_loaded(cluster, session):
    md = cluster.metadata
    assert md.cluster_name == "Test Cluster"
    assert md.partitioner == "org.apache.cassandra.dht.Murmur3Partitioner"
    hosts = md.all_hosts()
    assert len(hosts) == 1 and hosts[0].is_up
    assert hosts[0].datacenter == "datacenter1" and hosts[0].rack == "rack1"
    assert KS in md.keyspaces
    ks = md.keyspaces[KS]
    assert ks.replication_strategy.replication_factor == 1


def test_table_metadata_from_system_schema(cluster, session):
    """What the driver builds from system_schema: keys, kinds, order, types and options."""
    session.execute("""CREATE TABLE IF NOT EXISTS meta_t (
        a int, b text, c timeuuid, d int, s text static, m map<text, frozen<list<int>>>, v int,
        PRIMARY KEY ((a, b), c, d)) WITH CLUSTERING ORDER BY (c DESC, d ASC)
        AND comment = 'for the driver' AND default_time_to_live = 77 AND gc_grace_seconds = 3600""")
    assert cluster.control_connection.wait_for_schema_agreement()
    t = cluster.metadata.keyspaces[KS].tables["meta_t"]
    assert [c.name for c in t.partition_key] == ["a", "b"]
    assert [c.name for c in t.clustering_key] == ["c", "d"]
    assert [c.is_reversed for c in t.clustering_key] == [True, False]
    assert t.columns["s"].is_static and not t.columns["v"].is_static
    assert {n: c.cql_type for n, c in t.columns.items()} == {
        "a": "int", "b": "text", "c": "timeuuid", "d": "int", "s": "text", "m": "map<text, frozen<list<int>>>",
        "v": "int"}
    assert not t.is_compact_storage
    assert t.options["comment"] == "for the driver"
    assert t.options["default_time_to_live"] == 77 and t.options["gc_grace_seconds"] == 3600
    assert t.options["compaction"]["class"] == "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy"
    ddl = t.export_as_string()
    assert "PRIMARY KEY ((a, b), c, d)" in ddl and "CLUSTERING ORDER BY (c DESC, d ASC)" in ddl, ddl


# --- every CQL type ---------------------------------------------------------------------------

class Address:
    def __init__(self, street=None, zip=None, tags=None):
        self.street, self.zip, self.tags = street, zip, tags

    def __eq__(self, other):
        if not isinstance(other, Address):
            return NotImplemented
        return (self.street, self.zip, self.tags) == (other.street, other.zip, other.tags)

    def __repr__(self):
        return f"Address({self.street!r}, {self.zip!r}, {self.tags!r})"


COLUMNS = {
    "a": "ascii", "b": "bigint", "bl": "blob", "bo": "boolean", "d": "date", "de": "decimal",
    "db": "double", "du": "duration", "f": "float", "ip": "inet", "n": "int", "si": "smallint",
    "t": "text", "tm": "time", "ts": "timestamp", "tu": "timeuuid", "ti": "tinyint", "u": "uuid",
    "vi": "varint", "l": "list<int>", "s": "set<text>", "m": "map<text, int>",
    "fl": "frozen<list<int>>", "fs": "frozen<set<uuid>>", "fm": "frozen<map<int, text>>",
    "tup": "tuple<int, text, boolean>", "udt": "frozen<address>", "udt_nf": "address",
    "nested": "map<text, frozen<list<int>>>",
}

ROWS = {
    1: {
        "a": "plain ascii", "b": -9223372036854775808, "bl": b"\x00\x01\xfe\xff", "bo": True,
        "d": Date(datetime.date(2024, 2, 29)), "de": Decimal("-123.4500"), "db": 3.141592653589793,
        "du": Duration(1, 2, 3_000_000_004), "f": 1.5, "ip": "192.168.10.1", "n": -2147483648,
        "si": -32768, "t": "unicode \u2603 text \U0001F600", "tm": Time("13:14:15.123456789"),
        "ts": datetime.datetime(2024, 1, 2, 3, 4, 5, 678000), "tu": uuid.UUID("d2177dd0-eaa2-11de-a572-001b779c76e3"),
        "ti": -128, "u": uuid.UUID("01234567-89ab-cdef-0123-456789abcdef"), "vi": 2**100 + 1,
        "l": [3, 1, 2, 3], "s": {"b", "a", "c"}, "m": {"x": 1, "y": -2},
        "fl": [7, 8], "fs": {uuid.UUID(int=1), uuid.UUID(int=2)}, "fm": {2: "two", 1: "one"},
        "tup": (1, "a", True), "udt": Address("Main St", 12345, {"home"}), "udt_nf": Address("Side St", None, None),
        "nested": {"k": [1, 2], "j": []},
    },
    2: {
        "a": "", "b": 9223372036854775807, "bl": b"", "bo": False,
        "d": Date(datetime.date(1900, 1, 1)), "de": Decimal("1E+10"), "db": -0.0,
        "du": Duration(0, 0, 0), "f": -2.25, "ip": "2001:db8::ff00:42:8329", "n": 2147483647,
        "si": 32767, "t": "", "tm": Time(0),
        "ts": datetime.datetime(1969, 12, 31, 23, 59, 59, 999000), "tu": uuid.UUID("e7b1b9b0-0000-1000-8000-000000000000"),
        "ti": 127, "u": uuid.UUID(int=0), "vi": -(2**70),
        "l": [0], "s": {""}, "m": {"": 0},
        "fl": [], "fs": set(), "fm": {},
        "tup": (None, None, None), "udt": Address(None, None, None), "udt_nf": Address("", 0, {""}),
        "nested": {"": [0]},
    },
}


def normalize(col, v):
    """The driver's return types, as the plain values written."""
    if isinstance(v, SortedSet):
        return set(v)
    if isinstance(v, OrderedMapSerializedKey):
        return {k: normalize(col, x) for k, x in v.items()}
    if col == "ip" and v is not None:
        return ip_address(v)
    if isinstance(v, list):
        return [normalize(col, x) for x in v]
    return v


def expected_value(col, v):
    return ip_address(v) if col == "ip" else v


@pytest.fixture(scope="module")
def types_table(cluster, session):
    session.execute("CREATE TYPE IF NOT EXISTS address (street text, zip int, tags frozen<set<text>>)")
    cols = ", ".join(f"{c} {t}" for c, t in COLUMNS.items())
    session.execute(f"CREATE TABLE IF NOT EXISTS alltypes (k int PRIMARY KEY, {cols})")
    cluster.register_user_type(KS, "address", Address)
    return "alltypes"


def check_rows(session, table, keys):
    cols = list(COLUMNS)
    for k in keys:
        row = session.execute(f"SELECT {', '.join(cols)} FROM {table} WHERE k = %s", (k % 10,)).one()
        assert row is not None, k
        for c in cols:
            want = expected_value(c, ROWS[k % 10][c])
            got = normalize(c, getattr(row, c))
            if want in ([], set(), {}) and c in ("l", "s", "m"):
                want = None
            assert got == want, f"row {k} column {c} ({COLUMNS[c]}): got {got!r}, want {want!r}"


def test_all_types_prepared_roundtrip(session, types_table):
    cols = list(COLUMNS)
    ins = session.prepare(f"INSERT INTO alltypes (k, {', '.join(cols)}) VALUES (?, {', '.join('?' * len(cols))})")
    assert [c.type.typename for c in ins.column_metadata][:2] == ["int", "ascii"]
    for k, row in ROWS.items():
        session.execute(ins, [k] + [row[c] for c in cols])
    check_rows(session, "alltypes", ROWS)
    # The same through a prepared SELECT.
    sel = session.prepare("SELECT k, du, vi, udt, tup FROM alltypes WHERE k = ?")
    r = session.execute(sel, [1]).one()
    assert (r.k, r.du, r.vi, r.udt, r.tup) == (1, ROWS[1]["du"], ROWS[1]["vi"], ROWS[1]["udt"], ROWS[1]["tup"])


def test_all_types_simple_statement_roundtrip(session, types_table):
    """Simple statements: the driver renders every value as a CQL literal (server-side parsing)."""
    # The driver has no literal form for durations, and renders Python tuples as lists.
    cols = [c for c in COLUMNS if c not in ("du", "tup")]
    for k, row in ROWS.items():
        du = row["du"]
        du_literal = f"{du.months}mo{du.days}d{du.nanoseconds}ns"
        tup_literal = "(" + ", ".join(session.encoder.cql_encode_all_types(v) for v in row["tup"]) + ")"
        session.execute(
            f"INSERT INTO alltypes (k, du, tup, {', '.join(cols)}) "
            f"VALUES (%s, {du_literal}, {tup_literal}, {', '.join(['%s'] * len(cols))})",
            [k + 10] + [row[c] for c in cols])
    check_rows(session, "alltypes", [11, 12])


def test_nulls_unset_and_empty_collections(session, types_table):
    session.execute("INSERT INTO alltypes (k, n, l, fl) VALUES (20, 5, [], [])")
    row = session.execute("SELECT * FROM alltypes WHERE k = 20").one()
    assert row.n == 5
    assert row.l is None, "an empty non-frozen collection is no cells, read as null"
    assert row.fl == [], "an empty frozen collection is a value"
    assert all(getattr(row, c) is None for c in COLUMNS if c not in ("n", "fl"))
    ins = session.prepare("INSERT INTO alltypes (k, n, t) VALUES (?, ?, ?)")
    session.execute(ins, [20, UNSET_VALUE, "kept n"])
    row = session.execute("SELECT n, t FROM alltypes WHERE k = 20").one()
    assert (row.n, row.t) == (5, "kept n"), "UNSET must leave the column alone"
    session.execute(ins, [20, None, UNSET_VALUE])
    row = session.execute("SELECT n, t FROM alltypes WHERE k = 20").one()
    assert (row.n, row.t) == (None, "kept n")


def test_collection_updates(session, types_table):
    session.execute("INSERT INTO alltypes (k, l, s, m) VALUES (30, [1], {'a'}, {'a': 1})")
    session.execute("UPDATE alltypes SET l = l + [2], s = s + {'b'}, m['b'] = 2 WHERE k = 30")
    session.execute("UPDATE alltypes SET l = [0] + l, s = s - {'a'} WHERE k = 30")
    session.execute("DELETE m['a'] FROM alltypes WHERE k = 30")
    row = session.execute("SELECT l, s, m FROM alltypes WHERE k = 30").one()
    assert (row.l, set(row.s), dict(row.m)) == ([0, 1, 2], {"b"}, {"b": 2})


def test_counters(session):
    session.execute("CREATE TABLE IF NOT EXISTS counters (k text PRIMARY KEY, c counter, d counter)")
    upd = session.prepare("UPDATE counters SET c = c + ? WHERE k = ?")
    for delta in (5, -2, 10):
        session.execute(upd, [delta, "x"])
    session.execute("UPDATE counters SET d = d - 7 WHERE k = 'x'")
    row = session.execute("SELECT c, d FROM counters WHERE k = 'x'").one()
    assert (row.c, row.d) == (13, -7)
    with pytest.raises(InvalidRequest):
        session.execute("INSERT INTO counters (k, c) VALUES ('y', 1)")


# --- clustering order: Cassandra's comparator of each type ------------------------------------

def _double_key(x):  # Java's Double.compare: -0.0 < 0.0, NaN above everything
    return (1, 0.0, 0) if math.isnan(x) else (0, x, math.copysign(1, x))


def _timeuuid_key(u):  # timestamp, then the last 8 bytes as signed bytes (TimeUUIDType)
    return (u.time, [b - 256 if b > 127 else b for b in u.bytes[8:]])


def _uuid_key(u):  # version nibble, timestamp for v1, then unsigned bytes (UUIDType)
    version = u.bytes[6] >> 4
    return (version, u.time if version == 1 else 0, u.bytes)


ORDER_CASES = {
    "int": ([0, -1, 1, 2**31 - 1, -(2**31), 7, -7], lambda v: v),
    "bigint": ([0, -1, 1, 2**63 - 1, -(2**63), 2**40, -(2**40)], lambda v: v),
    "smallint": ([0, -1, 1, 32767, -32768, 300], lambda v: v),
    "tinyint": ([0, -1, 1, 127, -128, 5], lambda v: v),
    "varint": ([0, -1, 1, 2**100, -(2**100), 255, 256, -255, -256, 2**63, -(2**63) - 1], lambda v: v),
    "decimal": ([Decimal("0"), Decimal("-1.5"), Decimal("1.25"), Decimal("100"), Decimal("-100.001"),
                 Decimal("0.001"), Decimal("1E+30"), Decimal("-2E-30")], lambda v: v),
    "double": ([0.0, -0.0, 1.5, -1.5, float("inf"), float("-inf"), float("nan"), 1e300, -1e-300], _double_key),
    "float": ([0.0, -0.0, 1.5, -1.5, float("inf"), float("-inf"), float("nan"), 3.0e38, -2.0], _double_key),
    "text": (["", "a", "B", "ab", "\u00e9", "\u4e2d", "Z", "\U0001F600", "a\u0000b", "~"], lambda v: v.encode()),
    "ascii": (["", "a", "B", "ab", "Z", "~", "a b", "0"], lambda v: v.encode()),
    "blob": ([b"", b"\x00", b"\x00\x00", b"\xff", b"\x7f", b"\x80", b"\x01\x02"], lambda v: v),
    "boolean": ([True, False], lambda v: v),
    "date": ([Date(datetime.date(1970, 1, 1)), Date(datetime.date(1969, 12, 31)), Date(datetime.date(2024, 2, 29)),
              Date(datetime.date(1, 1, 1)), Date(datetime.date(9999, 12, 31))], lambda v: v.days_from_epoch),
    "time": ([Time(0), Time(1), Time(86399999999999), Time(43200000000000)], lambda v: v.nanosecond_time),
    "timestamp": ([datetime.datetime(1970, 1, 1), datetime.datetime(1969, 12, 31, 23, 59, 59, 999000),
                   datetime.datetime(2024, 5, 1, 12), datetime.datetime(1900, 1, 1), datetime.datetime(2200, 1, 1)],
                  lambda v: v),
    "inet": (["10.0.0.1", "9.255.255.255", "::1", "::", "255.255.255.255", "fe80::1", "0.0.0.0"],
             lambda v: ip_address(v).packed),
    "timeuuid": ([uuid.UUID("d2177dd0-eaa2-11de-a572-001b779c76e3"), uuid.UUID("d2177dd0-eaa2-11de-0572-001b779c76e3"),
                  uuid.UUID("d2177dd0-eaa2-11de-8000-000000000000"), uuid.UUID("00000000-0000-1000-8000-000000000000"),
                  uuid.UUID("ffffffff-ffff-1fff-bfff-ffffffffffff"), uuid.UUID("12345678-0000-11f0-8000-000000000001")],
                 _timeuuid_key),
    "uuid": ([uuid.UUID("d2177dd0-eaa2-11de-a572-001b779c76e3"), uuid.UUID("7f000000-0000-4000-8000-000000000000"),
              uuid.UUID("80000000-0000-4000-8000-000000000000"), uuid.UUID("00000000-0000-4000-8000-000000000000"),
              uuid.UUID("00000000-0000-4000-8000-000000000001"), uuid.UUID("00000000-0000-4000-ffff-000000000001"),
              uuid.UUID("01234567-89ab-3def-8123-456789abcdef"), uuid.UUID("00000001-0000-11de-a572-001b779c76e3")],
             _uuid_key),
    "frozen<list<int>>": ([[], [1], [1, 2], [0, 5], [-1], [1, -2], [2]], lambda v: v),
    "frozen<set<int>>": ([set(), {1}, {1, 2}, {0, 5}, {-1}, {2}], lambda v: sorted(v)),
    "frozen<map<int, int>>": ([{}, {1: 1}, {1: 0}, {1: 1, 2: 2}, {0: 9}, {-1: 1}], lambda v: sorted(v.items())),
    "frozen<list<text>>": ([["b"], ["a", "z"], ["ab"], [""], []], lambda v: [x.encode() for x in v]),
    "tuple<int, text>": ([(1, "b"), (1, "a"), (0, "z"), (-1, ""), (1, "ab")], lambda v: (v[0], v[1].encode())),
    "frozen<ord_udt>": ([(1, "b"), (1, "a"), (0, "z"), (-1, ""), (1, "ab")], lambda v: (v[0], v[1].encode())),
}


def _plain(v):
    if isinstance(v, SortedSet):
        return set(v)
    if isinstance(v, OrderedMapSerializedKey):
        return dict(v)
    return v


@pytest.mark.parametrize("order", ["ASC", "DESC"])
@pytest.mark.parametrize("cql_type", list(ORDER_CASES))
def test_clustering_order_matches_cassandra(session, cql_type, order):
    values, key = ORDER_CASES[cql_type]
    session.execute("CREATE TYPE IF NOT EXISTS ord_udt (x int, y text)")
    table = "ord_" + "".join(ch if ch.isalnum() else "_" for ch in cql_type) + "_" + order.lower()
    session.execute(f"CREATE TABLE IF NOT EXISTS {table} (k int, c {cql_type}, PRIMARY KEY (k, c)) "
                    f"WITH CLUSTERING ORDER BY (c {order})")
    ins = session.prepare(f"INSERT INTO {table} (k, c) VALUES (0, ?)")
    for v in values:
        session.execute(ins, [v])
    got = [_plain(r.c) for r in session.execute(f"SELECT c FROM {table} WHERE k = 0")]
    if cql_type == "frozen<ord_udt>":
        got = [(u.x, u.y) for u in got]
    want = sorted(values, key=key, reverse=order == "DESC")
    if cql_type == "float":  # what a float column holds
        want = [struct.unpack(">f", struct.pack(">f", x))[0] for x in want]
    if cql_type in ("double", "float"):
        got, want = [_double_key(x) for x in got], [_double_key(x) for x in want]
    if cql_type == "inet":
        got, want = [ip_address(x) for x in got], [ip_address(x) for x in want]
    assert got == want
    # A slice uses the same order: everything after the first value of the sorted list.
    first = sorted(values, key=key)[0]
    sl = session.prepare(f"SELECT c FROM {table} WHERE k = 0 AND c > ?")
    after = [_plain(r.c) for r in session.execute(sl, [first])]
    assert len(after) == len(values) - 1


# --- token-aware routing ----------------------------------------------------------------------

def test_token_map_matches_system_local(cluster, session):
    md = cluster.metadata
    assert md.token_map is not None, "the driver built no token map"
    local_tokens = session.execute("SELECT tokens FROM system.local WHERE key = 'local'").one().tokens
    ring = sorted(t.value for t in md.token_map.ring)
    assert ring == sorted(int(t) for t in local_tokens)
    assert len(ring) >= 1
    host = md.all_hosts()[0]
    assert set(md.token_map.token_to_host_owner.values()) == {host}


@pytest.mark.parametrize("table,ddl,key", [
    ("tok_int", "k int PRIMARY KEY, v int", (1,)),
    ("tok_text", "k text PRIMARY KEY, v int", ("sibyl",)),
    ("tok_uuid", "k uuid PRIMARY KEY, v int", (uuid.UUID("0b8e3f53-6b35-4fd4-8b24-b2e0f2e1f5d4"),)),
    ("tok_composite", "a int, b text, c int, v int, PRIMARY KEY ((a, b), c)", (7, "seven", 1)),
    ("tok_frozen", "k frozen<list<int>> PRIMARY KEY, v int", ([3, -1, 2],)),
    ("tok_tuple", "k tuple<int, text> PRIMARY KEY, v int", ((1, "one"),)),
    ("tok_blob", "k blob PRIMARY KEY, v int", (b"\x00\xff" * 40,)),
])
def test_token_aware_routing(cluster, session, table, ddl, key):
    session.execute(f"CREATE TABLE IF NOT EXISTS {table} ({ddl})")
    pk = [c.strip().split()[0] for c in ddl.split(",")][: len(key)]
    ins = session.prepare(f"INSERT INTO {table} ({', '.join(pk)}, v) VALUES ({', '.join('?' * len(pk))}, ?)")
    npk = 2 if table == "tok_composite" else 1
    assert ins.routing_key_indexes == list(range(npk)), "PREPARED carries no partition key indexes"
    bound = ins.bind(list(key) + [42])
    rk = bound.routing_key
    assert rk
    # The driver's replica for the key is the node.
    replicas = cluster.metadata.get_replicas(KS, rk)
    assert replicas == cluster.metadata.all_hosts()
    session.execute(bound)
    # The driver's Murmur3 token of the routing key is the server's token().
    want = Murmur3Token.from_key(rk)
    assert cluster.metadata.token_map.token_class.from_key(rk) == want
    where = " AND ".join(f"{c} = ?" for c in pk)
    sel = session.prepare(f"SELECT token({', '.join(pk[:npk])}) AS t FROM {table} WHERE {where}")
    assert session.execute(sel, list(key)).one().t == want.value
    if key == (1,):
        assert want.value == -4069959284402364209  # CLIENTS.md test vector


def test_server_tokens_match_driver_for_many_keys(session):
    session.execute("CREATE TABLE IF NOT EXISTS tok_many (k bigint PRIMARY KEY)")
    ins = session.prepare("INSERT INTO tok_many (k) VALUES (?)")
    keys = [i * 7919 - 500_000 for i in range(200)] + [1, 0, -1, 2**63 - 1, -(2**63)]
    execute_concurrent_with_args(session, ins, [(k,) for k in keys], concurrency=50, raise_on_first_error=True)
    rows = session.execute("SELECT k, token(k) AS t FROM tok_many")
    got = {r.k: r.t for r in rows}
    assert len(got) == len(keys)
    for k, t in got.items():
        assert t == Murmur3Token.from_key(ins.bind([k]).routing_key).value, k
    assert got[1] == 6292367497774912474  # CLIENTS.md test vector (bigint 1)
    # A full scan returns partitions in token order.
    assert [r.t for r in session.execute("SELECT token(k) AS t FROM tok_many")] == sorted(got.values())


# --- paging -----------------------------------------------------------------------------------

PAGED_ROWS = 10_007  # 100 partitions x 100 rows + 7: the last page is partial, never ambiguous


@pytest.fixture(scope="module")
def paged_table(session):
    session.execute("CREATE TABLE IF NOT EXISTS paged (p int, c int, v text, PRIMARY KEY (p, c))")
    ins = session.prepare("INSERT INTO paged (p, c, v) VALUES (?, ?, ?)")
    params = [(p, c, f"{p}:{c}") for p in range(100) for c in range(100)] + [(100, c, f"100:{c}") for c in range(7)]
    results = execute_concurrent_with_args(session, ins, params, concurrency=100, raise_on_first_error=True)
    assert len(results) == PAGED_ROWS
    return "paged"


def test_paging_10k_rows_fetch_size_100(session, paged_table):
    st = SimpleStatement("SELECT p, c, v FROM paged", fetch_size=100)
    rs = session.execute(st)
    pages = [list(rs.current_rows)]
    more = [rs.has_more_pages]
    while rs.has_more_pages:
        assert rs.paging_state
        rs = session.execute(st, paging_state=rs.paging_state)
        pages.append(list(rs.current_rows))
        more.append(rs.has_more_pages)
    assert len(pages) == 101
    assert [len(p) for p in pages] == [100] * 100 + [7]
    assert more == [True] * 100 + [False]
    assert rs.paging_state is None
    rows = [r for p in pages for r in p]
    assert len({(r.p, r.c) for r in rows}) == PAGED_ROWS
    assert all(r.v == f"{r.p}:{r.c}" for r in rows)
    # Partitions are contiguous, in token order, each clustered ascending.
    order = []
    for r in rows:
        if not order or order[-1] != r.p:
            order.append(r.p)
    assert len(order) == 101
    tok = session.prepare("SELECT token(p) AS t FROM paged WHERE p = ? LIMIT 1")
    tokens = [session.execute(tok, [p]).one().t for p in order]
    assert tokens == sorted(tokens)
    by_p = {}
    for r in rows:
        by_p.setdefault(r.p, []).append(r.c)
    assert all(cs == sorted(cs) for cs in by_p.values())


def test_paging_prepared_automatic(session, paged_table):
    sel = session.prepare("SELECT p, c FROM paged")
    sel.fetch_size = 100
    rs = session.execute(sel)
    pages = 1
    count = len(rs.current_rows)
    while rs.has_more_pages:
        rs.fetch_next_page()
        pages += 1
        count += len(rs.current_rows)
    assert (pages, count) == (101, PAGED_ROWS)
    # Iterating fetches every page transparently.
    assert sum(1 for _ in session.execute(sel)) == PAGED_ROWS


def test_paging_within_partition_and_resume_elsewhere(node, session, paged_table):
    st = SimpleStatement("SELECT c FROM paged WHERE p = 42", fetch_size=30)
    rs = session.execute(st)
    first = [r.c for r in rs.current_rows]
    assert first == list(range(30)) and rs.has_more_pages
    # The paging state is opaque and not tied to the connection: resume from another client.
    other = make_cluster(node, protocol_version=4)
    try:
        s2 = other.connect(KS)
        rest = []
        state = rs.paging_state
        sizes = []
        while state:
            r2 = s2.execute(st, paging_state=state)
            sizes.append(len(r2.current_rows))
            rest += [r.c for r in r2.current_rows]
            state = r2.paging_state
        assert sizes == [30, 30, 10]
        assert first + rest == list(range(100))
    finally:
        other.shutdown()


def page_sizes(session, cql, fetch_size, params=None):
    st = SimpleStatement(cql, fetch_size=fetch_size)
    rs = session.execute(st, params)
    sizes, rows = [len(rs.current_rows)], list(rs.current_rows)
    while rs.has_more_pages:
        rs = session.execute(st, params, paging_state=rs.paging_state)
        sizes.append(len(rs.current_rows))
        rows += rs.current_rows
    return sizes, rows


def test_paging_with_limits_slices_and_order(session, paged_table):
    assert page_sizes(session, "SELECT p, c FROM paged LIMIT 250", 100)[0] == [100, 100, 50]
    assert page_sizes(session, "SELECT p, c FROM paged LIMIT 50", 100)[0] == [50]
    sizes, rows = page_sizes(session, "SELECT p, c FROM paged WHERE p IN (3, 1, 2) PER PARTITION LIMIT 10", 7)
    assert sizes == [7, 7, 7, 7, 2] and len({(r.p, r.c) for r in rows}) == 30
    assert all(r.c < 10 for r in rows)
    sizes, rows = page_sizes(session, "SELECT c FROM paged WHERE p = 7 AND c >= 10 AND c < 75", 30)
    assert sizes == [30, 30, 5] and [r.c for r in rows] == list(range(10, 75))
    sizes, rows = page_sizes(session, "SELECT c FROM paged WHERE p = 7 ORDER BY c DESC", 30)
    assert sizes == [30, 30, 30, 10] and [r.c for r in rows] == list(range(99, -1, -1))
    sizes, rows = page_sizes(session, "SELECT DISTINCT p FROM paged", 40)
    assert sizes == [40, 40, 21] and sorted(r.p for r in rows) == list(range(101))
    # A paging state may be resumed with another page size.
    rs = session.execute(SimpleStatement("SELECT c FROM paged WHERE p = 8 ORDER BY c DESC", fetch_size=30))
    rest = session.execute(SimpleStatement("SELECT c FROM paged WHERE p = 8 ORDER BY c DESC", fetch_size=50),
                           paging_state=rs.paging_state)
    assert [r.c for r in rest.current_rows] == list(range(69, 19, -1)) and rest.has_more_pages


def test_token_range_scan(session, paged_table):
    """What drivers and COPY do for full scans: consecutive token ranges, prepared, paged."""
    scan = session.prepare("SELECT p, c FROM paged WHERE token(p) > ? AND token(p) <= ?")
    assert [(m.name, m.type.typename) for m in scan.column_metadata] == [("partition key token", "bigint")] * 2
    bounds = [-(2**63), -(2**62), 0, 2**62, 2**63 - 1]
    seen = []
    for lo, hi in zip(bounds, bounds[1:]):
        bound = scan.bind([lo, hi])
        bound.fetch_size = 333
        seen += [(r.p, r.c) for r in session.execute(bound)]
    assert len(seen) == PAGED_ROWS and len(set(seen)) == PAGED_ROWS


def test_large_values(session):
    session.execute("CREATE TABLE IF NOT EXISTS blobs (k int PRIMARY KEY, b blob, t text)")
    big = bytes(range(256)) * (5 * 4096)  # 5 MiB
    session.execute(session.prepare("INSERT INTO blobs (k, b, t) VALUES (?, ?, ?)"), [1, big, "\u00e9" * 500_000])
    row = session.execute("SELECT b, t FROM blobs WHERE k = 1").one()
    assert row.b == big and row.t == "\u00e9" * 500_000


def test_unpaged_request_returns_everything(session, paged_table):
    rs = session.execute(SimpleStatement("SELECT c FROM paged WHERE p IN (1, 2, 3)", fetch_size=None))
    assert len(rs.current_rows) == 300 and not rs.has_more_pages


# --- batches ----------------------------------------------------------------------------------

@pytest.mark.parametrize("batch_type", [BatchType.LOGGED, BatchType.UNLOGGED])
def test_batches(session, batch_type):
    table = f"batched_{batch_type.name.lower()}"
    session.execute(f"CREATE TABLE IF NOT EXISTS {table} (k int, c int, v text, PRIMARY KEY (k, c))")
    session.execute(f"INSERT INTO {table} (k, c, v) VALUES (9, 9, 'doomed')")
    ins = session.prepare(f"INSERT INTO {table} (k, c, v) VALUES (?, ?, ?)")
    b = BatchStatement(batch_type=batch_type, consistency_level=ConsistencyLevel.QUORUM)
    for c in range(5):
        b.add(ins, (1, c, f"p{c}"))
    b.add(SimpleStatement(f"INSERT INTO {table} (k, c, v) VALUES (%s, %s, %s)"), (2, 0, "simple"))
    b.add(f"UPDATE {table} SET v = 'updated' WHERE k = 1 AND c = 4")
    b.add(f"DELETE FROM {table} WHERE k = 9")
    session.execute(b)
    rows = {(r.k, r.c): r.v for r in session.execute(f"SELECT k, c, v FROM {table}")}
    assert rows == {(1, 0): "p0", (1, 1): "p1", (1, 2): "p2", (1, 3): "p3", (1, 4): "updated", (2, 0): "simple"}


def test_counter_batch(session):
    session.execute("CREATE TABLE IF NOT EXISTS batch_counters (k int PRIMARY KEY, c counter)")
    upd = session.prepare("UPDATE batch_counters SET c = c + ? WHERE k = ?")
    b = BatchStatement(batch_type=BatchType.COUNTER)
    for k in range(3):
        b.add(upd, (k + 1, k))
    b.add("UPDATE batch_counters SET c = c + 10 WHERE k = 0")
    session.execute(b)
    assert {r.k: r.c for r in session.execute("SELECT k, c FROM batch_counters")} == {0: 11, 1: 2, 2: 3}


def test_batch_using_timestamp(session):
    session.execute("CREATE TABLE IF NOT EXISTS batch_ts (k int PRIMARY KEY, v int)")
    session.execute("BEGIN UNLOGGED BATCH USING TIMESTAMP 1000 "
                    "INSERT INTO batch_ts (k, v) VALUES (1, 1); INSERT INTO batch_ts (k, v) VALUES (2, 2); APPLY BATCH")
    assert {r.k: r.w for r in session.execute("SELECT k, WRITETIME(v) AS w FROM batch_ts")} == {1: 1000, 2: 1000}


# --- TTL and WRITETIME ------------------------------------------------------------------------

def test_ttl_and_writetime(session):
    session.execute("CREATE TABLE IF NOT EXISTS ttl_t (k int PRIMARY KEY, v text, w text)")
    session.execute("INSERT INTO ttl_t (k, v, w) VALUES (1, 'a', 'b') USING TTL 1000 AND TIMESTAMP 1234567")
    row = session.execute("SELECT TTL(v) AS t, WRITETIME(v) AS wt, TTL(w) AS t2 FROM ttl_t WHERE k = 1").one()
    assert 990 <= row.t <= 1000 and 990 <= row.t2 <= 1000
    assert row.wt == 1234567
    # Without USING TIMESTAMP the driver's client timestamp (microseconds) is used.
    before = int(time.time() * 1e6)
    session.execute("INSERT INTO ttl_t (k, v) VALUES (2, 'x')")
    after = int(time.time() * 1e6)
    row = session.execute("SELECT TTL(v) AS t, WRITETIME(v) AS wt FROM ttl_t WHERE k = 2").one()
    assert row.t is None
    assert before - 1_000_000 <= row.wt <= after + 1_000_000
    # A later timestamp wins; an older one is ignored.
    session.execute("UPDATE ttl_t USING TIMESTAMP 1234000 SET v = 'old' WHERE k = 1")
    assert session.execute("SELECT v FROM ttl_t WHERE k = 1").one().v == "a"


@pytest.mark.parametrize("cql,order", [
    pytest.param("INSERT INTO ttl_bind (k, v) VALUES (?, ?) USING TTL ? AND TIMESTAMP ?",
                 ["k", "v", "[ttl]", "[timestamp]"], id="insert-ttl-first"),
    pytest.param("INSERT INTO ttl_bind (k, v) VALUES (?, ?) USING TIMESTAMP ? AND TTL ?",
                 ["k", "v", "[timestamp]", "[ttl]"], id="insert-timestamp-first"),
    pytest.param("UPDATE ttl_bind USING TTL ? AND TIMESTAMP ? SET v = ? WHERE k = ?",
                 ["[ttl]", "[timestamp]", "v", "k"], id="update-ttl-first"),
    pytest.param("UPDATE ttl_bind USING TIMESTAMP ? AND TTL ? SET v = ? WHERE k = ?",
                 ["[timestamp]", "[ttl]", "v", "k"], id="update-timestamp-first"),
])
def test_using_ttl_and_timestamp_bind_markers_follow_text_order(session, cql, order):
    session.execute("CREATE TABLE IF NOT EXISTS ttl_bind (k int PRIMARY KEY, v text)")
    ps = session.prepare(cql)
    assert [m.name for m in ps.column_metadata] == order
    k = zlib.crc32(cql.encode()) % 1_000_000
    values = {"k": k, "v": "x", "[ttl]": 1000, "[timestamp]": 1_700_000_000_000_000}
    session.execute(ps, [values[n] for n in order])
    row = session.execute("SELECT TTL(v) AS t, WRITETIME(v) AS w FROM ttl_bind WHERE k = %s", [k]).one()
    assert 990 <= row.t <= 1000 and row.w == 1_700_000_000_000_000, row


@pytest.mark.parametrize("cql,order", [
    pytest.param("UPDATE lwt_bind SET v = ? WHERE k = ? IF w = ?", ["v", "k", "w"], id="update-if"),
    pytest.param("DELETE FROM lwt_bind WHERE k = ? IF w = ?", ["k", "w"], id="delete-if"),
    pytest.param("INSERT INTO lwt_bind (k, v, w) VALUES (?, ?, ?) IF NOT EXISTS", ["k", "v", "w"], id="insert-if-not-exists"),
])
def test_conditional_bind_markers_follow_text_order(session, cql, order):
    session.execute("CREATE TABLE IF NOT EXISTS lwt_bind (k int PRIMARY KEY, v text, w int)")
    k = 100 + zlib.crc32(cql.encode()) % 1000
    session.execute("INSERT INTO lwt_bind (k, v, w) VALUES (%s, 'old', 10)", [k])
    ps = session.prepare(cql)
    assert [m.name for m in ps.column_metadata] == order
    values = {"k": k, "v": "new", "w": 10}
    if cql.startswith("INSERT"):
        values["k"] = k + 5000
    rs = session.execute(ps, [values[n] for n in order])
    assert rs.was_applied, rs.one()
    row = session.execute("SELECT v FROM lwt_bind WHERE k = %s", [values["k"]]).one()
    assert (row.v if row else None) == (None if cql.startswith("DELETE") else "new")


def test_ttl_expires(session):
    session.execute("CREATE TABLE IF NOT EXISTS ttl_exp (k int PRIMARY KEY, v text, keep text)")
    session.execute("INSERT INTO ttl_exp (k, keep) VALUES (1, 'stays')")
    session.execute("UPDATE ttl_exp USING TTL 1 SET v = 'gone' WHERE k = 1")
    deadline = time.monotonic() + 5
    while session.execute("SELECT v FROM ttl_exp WHERE k = 1").one().v is not None:
        assert time.monotonic() < deadline, "a TTL 1 cell still readable after 5 s"
        time.sleep(0.1)
    assert session.execute("SELECT keep FROM ttl_exp WHERE k = 1").one().keep == "stays"


def test_default_time_to_live(session):
    session.execute("CREATE TABLE IF NOT EXISTS ttl_default (k int PRIMARY KEY, v int) WITH default_time_to_live = 500")
    session.execute("INSERT INTO ttl_default (k, v) VALUES (1, 1)")
    assert 490 <= session.execute("SELECT TTL(v) AS t FROM ttl_default WHERE k = 1").one().t <= 500


# --- server-side DESCRIBE ---------------------------------------------------------------------

def test_describe_through_the_driver(session):
    session.execute("""CREATE TABLE IF NOT EXISTS described (
        p int, c text, zeta int, alist list<int>, bfrozen frozen<list<int>>, s int static,
        PRIMARY KEY (p, c)) WITH CLUSTERING ORDER BY (c DESC)
        AND compression = {'class': 'LZ4Compressor', 'chunk_length_in_kb': 16}""")
    rs = session.execute("DESCRIBE KEYSPACES")
    assert rs.column_names == ["keyspace_name", "type", "name"]
    names = [r.name for r in rs]
    assert KS in names and "system" in names and "system_schema" in names
    assert names == sorted(names)

    rs = session.execute("DESCRIBE TABLES")  # the session's keyspace
    assert {(r.keyspace_name, r.type) for r in rs} == {(KS, "table")}

    rs = list(session.execute(f"DESCRIBE KEYSPACE {KS}"))
    assert rs[0].type == "keyspace"
    assert rs[0].create_statement == (
        f"CREATE KEYSPACE {KS} WITH replication = {{'class': 'SimpleStrategy', "
        "'replication_factor': '1'}  AND durable_writes = true;")  # short class names in CQL, long in system_schema
    kinds = [(r.type, r.name) for r in rs]
    assert ("type", "address") in kinds and ("table", "described") in kinds
    assert kinds.index(("type", "address")) < kinds.index(("table", "alltypes"))

    row = session.execute(f"DESCRIBE TABLE {KS}.described").one()
    assert row.create_statement == f"""CREATE TABLE {KS}.described (
    p int,
    c text,
    s int static,
    bfrozen frozen<list<int>>,
    zeta int,
    alist list<int>,
    PRIMARY KEY (p, c)
) WITH CLUSTERING ORDER BY (c DESC)
    AND additional_write_policy = '99p'
    AND allow_auto_snapshot = true
    AND bloom_filter_fp_chance = 0.01
    AND caching = {{'keys': 'ALL', 'rows_per_partition': 'NONE'}}
    AND cdc = false
    AND comment = ''
    AND compaction = {{'class': 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', 'max_threshold': '32', 'min_threshold': '4'}}
    AND compression = {{'chunk_length_in_kb': '16', 'class': 'org.apache.cassandra.io.compress.LZ4Compressor'}}
    AND memtable = 'default'
    AND crc_check_chance = 1.0
    AND default_time_to_live = 0
    AND extensions = {{}}
    AND gc_grace_seconds = 864000
    AND incremental_backups = true
    AND max_index_interval = 2048
    AND memtable_flush_period_in_ms = 0
    AND min_index_interval = 128
    AND read_repair = 'BLOCKING'
    AND speculative_retry = '99p';"""
    # SELECT * orders non-key columns alphabetically (statics first), unlike DESCRIBE.
    rs = session.execute("SELECT * FROM described")
    assert rs.column_names == ["p", "c", "s", "alist", "bfrozen", "zeta"]

    row = session.execute(f"DESCRIBE TYPE {KS}.address").one()
    assert row.create_statement == (
        f"CREATE TYPE {KS}.address (\n    street text,\n    zip int,\n    tags frozen<set<text>>\n);")


# --- schema events ----------------------------------------------------------------------------

def test_schema_change_seen_by_second_session(node, session):
    watcher = make_cluster(node, protocol_version=4)
    try:
        watcher.connect()
        assert "evented" not in watcher.metadata.keyspaces[KS].tables
        session.execute("CREATE TABLE evented (k int PRIMARY KEY, v text)")
        # The watcher hears the SCHEMA_CHANGE event on its control connection and refreshes
        # after its debounce window (schema_event_refresh_window, 2 s).
        deadline = time.monotonic() + watcher.schema_event_refresh_window + 8
        while "evented" not in watcher.metadata.keyspaces[KS].tables:
            assert time.monotonic() < deadline, "the second Cluster never learned of the new table"
            time.sleep(0.05)
        t = watcher.metadata.keyspaces[KS].tables["evented"]
        assert list(t.columns) == ["k", "v"] and [c.name for c in t.partition_key] == ["k"]
        session.execute("ALTER TABLE evented ADD w int")
        deadline = time.monotonic() + watcher.schema_event_refresh_window + 8
        while "w" not in watcher.metadata.keyspaces[KS].tables["evented"].columns:
            assert time.monotonic() < deadline, "the second Cluster never learned of the new column"
            time.sleep(0.05)
        session.execute("DROP TABLE evented")
        deadline = time.monotonic() + watcher.schema_event_refresh_window + 8
        while "evented" in watcher.metadata.keyspaces[KS].tables:
            assert time.monotonic() < deadline, "the second Cluster never learned the table was dropped"
            time.sleep(0.05)
    finally:
        watcher.shutdown()


# --- compression ------------------------------------------------------------------------------

@pytest.mark.parametrize("compression,want", [("lz4", "lz4"), (True, "lz4"), (False, None)])
def test_compression(node, session, compression, want):
    c = make_cluster(node, protocol_version=4, compression=compression)
    try:
        s = c.connect()
        conns = pool_connections(s) + [c.control_connection._connection]
        for conn in conns:
            if want:
                assert conn.compressor is not None and conn.decompressor is not None, "lz4 not negotiated"
            else:
                assert conn.compressor is None and conn.decompressor is None
        s.execute(f"CREATE TABLE IF NOT EXISTS {KS}.compressed (k int PRIMARY KEY, v text)")
        big = "sibyl " * 20_000  # compresses well, 120 KB
        ins = s.prepare(f"INSERT INTO {KS}.compressed (k, v) VALUES (?, ?)")
        for k in range(5):
            s.execute(ins, [k, f"{k}{big}"])
        rows = {r.k: r.v for r in s.execute(f"SELECT k, v FROM {KS}.compressed")}
        assert rows == {k: f"{k}{big}" for k in range(5)}
    finally:
        c.shutdown()


# --- errors -----------------------------------------------------------------------------------

def test_error_classes(session):
    # The driver keeps the code only in the text: "Error from server: code=2200 [Invalid query] ...".
    with pytest.raises(InvalidRequest, match=r"code=2200 \[Invalid query\]"):
        session.execute("SELECT * FROM no_such_table")
    with pytest.raises(InvalidRequest, match=r"code=2200 \[Invalid query\]"):
        session.execute("SELECT * FROM no_such_ks.t")
    with pytest.raises(SyntaxException) as e:
        session.execute("SELEKT * FROM x")
    assert e.value.code == 0x2000 and "code=2000 [Syntax error in CQL query]" in str(e.value)
    session.execute("CREATE TABLE IF NOT EXISTS dup (k int PRIMARY KEY)")
    with pytest.raises(AlreadyExists) as e:
        session.execute("CREATE TABLE dup (k int PRIMARY KEY)")
    assert (e.value.keyspace, e.value.table) == (KS, "dup")
    with pytest.raises(AlreadyExists) as e:
        session.execute(f"CREATE KEYSPACE {KS} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}")
    assert (e.value.keyspace, e.value.table) == (KS, "")  # Cassandra sends an empty table name
    with pytest.raises(InvalidRequest, match="code=2200"):
        session.execute("INSERT INTO dup (k) VALUES ('text')")
    # IF NOT EXISTS on an existing table is a no-op, not an error.
    session.execute("CREATE TABLE IF NOT EXISTS dup (k int PRIMARY KEY)")


def test_every_consistency_level_is_accepted(session):
    session.execute("CREATE TABLE IF NOT EXISTS cl_t (k int PRIMARY KEY, v int)")
    for cl in (ConsistencyLevel.ANY, ConsistencyLevel.ONE, ConsistencyLevel.TWO, ConsistencyLevel.THREE,
               ConsistencyLevel.QUORUM, ConsistencyLevel.ALL, ConsistencyLevel.LOCAL_QUORUM,
               ConsistencyLevel.EACH_QUORUM, ConsistencyLevel.LOCAL_ONE):
        if cl in (ConsistencyLevel.TWO, ConsistencyLevel.THREE):
            continue  # more replicas than a one-node cluster has: Unavailable is right there
        session.execute(SimpleStatement("INSERT INTO cl_t (k, v) VALUES (1, %s)", consistency_level=cl), [cl])
        if cl not in (ConsistencyLevel.ANY, ConsistencyLevel.EACH_QUORUM):
            row = session.execute(SimpleStatement("SELECT v FROM cl_t WHERE k = 1", consistency_level=cl)).one()
            assert row.v == cl


# --- re-preparing after a restart -------------------------------------------------------------

def test_unprepared_after_restart_is_reprepared(start_node, caplog):
    n = start_node(name="reprepare")
    c = Cluster(contact_points=[n.host], port=n.port, protocol_version=4,
                reconnection_policy=ConstantReconnectionPolicy(0.1),
                reprepare_on_up=False, prepare_on_all_hosts=False,
                execution_profiles={EXEC_PROFILE_DEFAULT: ExecutionProfile(request_timeout=20)})
    try:
        s = c.connect()
        s.execute("CREATE KEYSPACE rp WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
        s.execute("CREATE TABLE rp.t (k int PRIMARY KEY, v text)")
        ins = s.prepare("INSERT INTO rp.t (k, v) VALUES (?, ?)")
        sel = s.prepare("SELECT v FROM rp.t WHERE k = ?")
        s.execute(ins, [1, "before"])

        assert n.stop() == 0, "SIGTERM did not stop the node cleanly"
        n.start()  # same data dir and port
        host = c.metadata.all_hosts()[0]
        deadline = time.monotonic() + 20
        while True:
            try:
                if host.is_up and s.execute("SELECT key FROM system.local").one():
                    break
            except Exception:
                pass
            assert time.monotonic() < deadline, "the driver did not reconnect after the restart"
            time.sleep(0.1)

        caplog.set_level(logging.DEBUG, logger="cassandra.cluster")
        assert s.execute(sel, [1]).one().v == "before", "data or schema lost across a restart"
        s.execute(ins, [2, "after"])
        assert s.execute(sel, [2]).one().v == "after"
        repreps = [r for r in caplog.records if "Re-preparing unrecognized prepared statement" in r.getMessage()]
        assert repreps, "the node still knew the statement ids: the Unprepared path was not taken"
    finally:
        c.shutdown()


def test_prepared_statements_of_a_dropped_table_are_reprepared(session, caplog):
    # Cassandra forgets the prepared statements of a dropped table (or keyspace): the next
    # EXECUTE gets Unprepared and the driver prepares the statement again, against the table
    # created since under the same name.
    session.execute("CREATE TABLE IF NOT EXISTS dropped_prep (k int PRIMARY KEY, v text)")
    ins = session.prepare("INSERT INTO dropped_prep (k, v) VALUES (?, ?)")
    sel = session.prepare("SELECT k, v FROM dropped_prep WHERE k = ?")
    session.execute(ins, [1, "before"])
    session.execute("DROP TABLE dropped_prep")
    with pytest.raises(InvalidRequest, match="dropped_prep"):
        session.execute(sel, [1])  # prepared again: the table does not exist
    session.execute("CREATE TABLE dropped_prep (k int PRIMARY KEY, w int, v text)")
    caplog.set_level(logging.DEBUG, logger="cassandra.cluster")
    session.execute(ins, [2, "after"])
    assert session.execute(sel, [2]).one() == (2, "after")
    assert session.execute(sel, [1]).one() is None, "the old table's rows came back"
    repreps = [r for r in caplog.records if "Re-preparing unrecognized prepared statement" in r.getMessage()]
    assert repreps, "the node still knew the statement ids: the Unprepared path was not taken"
