"""Query tracing with real clients: the Python driver's `execute(..., trace=True)` and
`ResultSet.get_query_trace()` (which polls system_traces.sessions until `duration` is set, then
reads system_traces.events), and cqlsh 6.2.2's `TRACING ON`, against sibyl.

sibyl traces as Cassandra 5.0 does on a single node: a time-based session id in the response's
tracing prefix, a sessions row (request, command, client, coordinator, parameters, started_at,
duration) and events ("Parsing ...", "Preparing statement", "Executing single-partition query
on <table>", "Read N live rows and M tombstone cells", "Determining replicas for mutation",
"Appending to commitlog", "Adding to <table> memtable"), all with the one-day tracing TTL.
"""

import datetime
import os
import subprocess
import sys
import uuid
from ipaddress import ip_address

import pytest
from cassandra import ConsistencyLevel
from cassandra.cluster import Cluster, ExecutionProfile, EXEC_PROFILE_DEFAULT
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import BatchStatement, BatchType, SimpleStatement

KS = "compat_tracing"
CQLSH = os.path.join(os.path.dirname(sys.executable), "cqlsh")


@pytest.fixture(scope="module")
def session(node):
    host, port = node
    profile = ExecutionProfile(load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()),
                               request_timeout=30)
    cluster = Cluster(contact_points=[host], port=port, connect_timeout=10, control_connection_timeout=10,
                      execution_profiles={EXEC_PROFILE_DEFAULT: profile})
    s = cluster.connect()
    s.execute(f"CREATE KEYSPACE IF NOT EXISTS {KS} "
              "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    s.execute(f"CREATE TABLE IF NOT EXISTS {KS}.t (k int PRIMARY KEY, v text)")
    s.set_keyspace(KS)
    try:
        yield s
    finally:
        cluster.shutdown()


def activities(trace):
    return [e.description for e in trace.events]


def check_common(trace, node):
    host, _ = node
    assert isinstance(trace.trace_id, uuid.UUID) and trace.trace_id.version == 1
    assert trace.coordinator == host
    assert trace.client is not None
    assert trace.duration is not None and trace.duration > datetime.timedelta(0)
    assert isinstance(trace.started_at, datetime.datetime)
    assert trace.events, "events"
    started = trace.started_at.replace(tzinfo=datetime.timezone.utc)
    for e in trace.events:
        assert e.source == host
        assert e.thread_name
        assert e.source_elapsed is not None and e.source_elapsed <= trace.duration
        # Event times come from their time-based ids; the start is in milliseconds.
        assert e.datetime >= started - datetime.timedelta(milliseconds=1), (e.datetime, started)


def test_simple_statement_trace(session, node):
    rs = session.execute(SimpleStatement("INSERT INTO t (k, v) VALUES (1, 'one')",
                                         consistency_level=ConsistencyLevel.QUORUM), trace=True)
    trace = rs.get_query_trace()
    check_common(trace, node)
    assert trace.request_type == "Execute CQL3 query"
    assert trace.parameters["query"] == "INSERT INTO t (k, v) VALUES (1, 'one')"
    assert trace.parameters["consistency_level"] == "QUORUM"
    assert activities(trace) == [
        "Parsing INSERT INTO t (k, v) VALUES (1, 'one')",
        "Preparing statement",
        "Determining replicas for mutation",
        "Appending to commitlog",
        "Adding to t memtable",
    ]

    rs = session.execute("SELECT * FROM t WHERE k = 1", trace=True)
    assert rs.one().v == "one"
    trace = rs.get_query_trace()
    check_common(trace, node)
    assert trace.parameters["page_size"] == "5000"
    assert activities(trace)[2:] == ["Executing single-partition query on t", "Read 1 live rows and 0 tombstone cells"]


def test_prepared_statement_trace(session, node):
    session.execute("INSERT INTO t (k, v) VALUES (2, 'two')")
    select = session.prepare("SELECT v FROM t WHERE k = ?")
    rs = session.execute(select, [2], trace=True)
    assert rs.one().v == "two"
    trace = rs.get_query_trace()
    check_common(trace, node)
    assert trace.request_type == "Execute CQL3 prepared query"
    assert trace.parameters["query"] == "SELECT v FROM t WHERE k = ?"
    assert trace.parameters["bound_var_0_k"] == "2"
    assert activities(trace) == ["Executing single-partition query on t", "Read 1 live rows and 0 tombstone cells"]

    # A prepared point write (which sibyl runs in place when untraced) is traced too.
    insert = session.prepare("INSERT INTO t (k, v) VALUES (?, ?)")
    trace = session.execute(insert, [3, "three"], trace=True).get_query_trace()
    assert trace.parameters["bound_var_1_v"] == "'three'"
    assert activities(trace)[-1] == "Adding to t memtable"


def test_batch_trace(session, node):
    insert = session.prepare("INSERT INTO t (k, v) VALUES (?, ?)")
    batch = BatchStatement(batch_type=BatchType.LOGGED)
    batch.add(insert, (10, "ten"))
    batch.add(SimpleStatement("INSERT INTO t (k, v) VALUES (11, 'eleven')"))
    trace = session.execute(batch, trace=True).get_query_trace()
    check_common(trace, node)
    assert trace.request_type == "Execute batch of CQL3 queries"
    assert "consistency_level" in trace.parameters
    acts = activities(trace)
    assert acts[0] == "Parsing INSERT INTO t (k, v) VALUES (11, 'eleven')"
    assert "Determining replicas for mutation" in acts
    assert acts.count("Adding to t memtable") == 2


def test_trace_rows_and_ttl(session, node):
    rs = session.execute("SELECT * FROM t WHERE k = 1", trace=True)
    trace_id = rs.response_future.get_query_trace_ids()[0]
    row = session.execute("SELECT command, coordinator_port, ttl(duration) AS ttl FROM system_traces.sessions "
                          "WHERE session_id = %s", [trace_id]).one()
    assert row.command == "QUERY"
    assert row.coordinator_port == 7000
    assert 86000 < row.ttl <= 86400
    events = list(session.execute("SELECT event_id, source_port, ttl(activity) AS ttl FROM system_traces.events "
                                  "WHERE session_id = %s", [trace_id]))
    assert events and all(e.source_port == 7000 and 86000 < e.ttl <= 86400 for e in events)
    ids = [e.event_id for e in events]
    assert all(i.version == 1 for i in ids) and len(set(ids)) == len(ids)


def test_untraced_requests_have_no_trace(session):
    # No tracing id in the response: the driver has no trace to fetch.
    rs = session.execute("SELECT * FROM t WHERE k = 1")
    assert rs.get_query_trace() is None
    rs = session.execute(session.prepare("SELECT * FROM t WHERE k = ?"), [1])
    assert rs.get_query_trace() is None


def run_cqlsh(node, tmp_path, stdin):
    host, port = node
    env = dict(os.environ, HOME=str(tmp_path))
    env.pop("CQLSH_HOST", None)
    env.pop("CQLSH_PORT", None)
    return subprocess.run([CQLSH, host, str(port), "--connect-timeout", "20", "--request-timeout", "60"],
                          input=stdin, capture_output=True, text=True, timeout=120, env=env)


def test_cqlsh_tracing_on(session, node, tmp_path):
    host, _ = node
    p = run_cqlsh(node, tmp_path, f"""TRACING
TRACING ON
INSERT INTO {KS}.t (k, v) VALUES (20, 'twenty');
SELECT v FROM {KS}.t WHERE k = 20;
SELECT count(*) FROM system_traces.events;
TRACING OFF
SELECT v FROM {KS}.t WHERE k = 20;
""")
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    out = p.stdout
    assert out.startswith("TRACING is OFF\nTRACING set to ON\n"), out
    # One trace each for the INSERT and the first SELECT; none for system_traces or after OFF.
    assert out.count("Tracing session: ") == 2, out
    assert "TRACING set to OFF" in out
    after_off = out.split("TRACING set to OFF")[1]
    assert "Tracing session" not in after_off
    lines = [line.strip() for line in out.split("\n")]
    header = [line for line in lines if line.startswith("activity")]
    assert header and all([c.strip() for c in h.split("|")] ==
                          ["activity", "timestamp", "source", "source_elapsed", "client"] for h in header), out
    for activity in ["Execute CQL3 query", f"Parsing INSERT INTO {KS}.t (k, v) VALUES (20, 'twenty');",
                     "Adding to t memtable", "Executing single-partition query on t",
                     "Read 1 live rows and 0 tombstone cells", "Request complete"]:
        assert any(line.startswith(activity) and line.split("|")[2].strip() == host for line in lines), activity
    # Each trace's id is a time-based uuid that the sessions table knows.
    ids = [uuid.UUID(line.split(": ")[1]) for line in lines if line.startswith("Tracing session: ")]
    for i in ids:
        assert i.version == 1
        row = session.execute("SELECT request, client FROM system_traces.sessions WHERE session_id = %s", [i]).one()
        assert row.request == "Execute CQL3 query"
        assert ip_address(row.client)
