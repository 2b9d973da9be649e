"""Fixtures for the client-compatibility tests: real `sibyl` processes on loopback ports.

* `sibyl_node` (session): one fresh node for the whole run; `node` is its `(host, port)`.
* `start_node` (function): starts extra nodes (own data dir, optional cassandra.yaml settings),
  e.g. a node with small transport limits, or one to restart; they stop when the test ends.

Every node is stopped by pid (SIGTERM, then SIGKILL), also when a test or the run fails. Its
stderr goes to `target/compat-logs/<name>.log`; when a test fails, the tail of the log of every
node it used is attached to the failure report.
"""

import atexit
import ctypes
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LOG_DIR = REPO / "target" / "compat-logs"
HOST = "127.0.0.1"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
LOG_TAIL_LINES = 60


def _die_with_parent():
    """In the child: get SIGTERM when the test process dies, however it dies (Linux)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def sibyl_bin() -> Path:
    path = Path(os.environ.get("SIBYL_BIN", REPO / "target" / "debug" / "sibyl"))
    if not path.is_file():
        pytest.exit(f"sibyl binary not found at {path} (build it or set SIBYL_BIN)", returncode=2)
    return path


def free_port() -> int:
    """A port the kernel just handed out (never 9042, which a developer's node may use)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((HOST, 0))
            port = s.getsockname()[1]
        if port != 9042:
            return port


class Node:
    """A running `sibyl` process."""

    def __init__(self, name: str, data_dir: Path, config: dict | None = None, port: int | None = None):
        self.name = name
        self.host = HOST
        self.port = port or free_port()
        self.data_dir = Path(data_dir)
        self.config = dict(config or {})
        self.proc: subprocess.Popen | None = None
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"{name}.log"
        self.log_path.write_bytes(b"")

    @property
    def addr(self) -> tuple[str, int]:
        return (self.host, self.port)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> "Node":
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            str(sibyl_bin()),
            "--data-dir", str(self.data_dir),
            "--listen-address", self.host,
            "--rpc-address", self.host,
            "--native-transport-port", str(self.port),
        ]
        if self.config:
            cfg = self.data_dir.parent / f"{self.name}.yaml"
            cfg.write_text("".join(f"{k}: {v}\n" for k, v in self.config.items()))
            args += ["--config", str(cfg)]
        env = dict(os.environ)
        env.setdefault("RUST_LOG", "info")
        env["NO_COLOR"] = "1"
        env.setdefault("RUST_BACKTRACE", "1")
        with open(self.log_path, "ab") as log:
            log.write(f"=== start: {' '.join(args)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                                         preexec_fn=_die_with_parent)
        _all_nodes.append(self)
        self.wait_listening()
        return self

    def wait_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sibyl exited with {self.proc.returncode} during start-up:\n{self.log_tail()}")
            try:
                with socket.create_connection(self.addr, timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"sibyl did not listen on {self.addr} within {START_TIMEOUT_S}s:\n{self.log_tail()}")
                time.sleep(0.02)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n: int = LOG_TAIL_LINES) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])


# Every node started, stopped at exit whatever happened; nodes in use by the current test, for
# the failure report.
_all_nodes: list[Node] = []
_nodes_in_use: list[Node] = []
_session_nodes: list[Node] = []


@atexit.register
def _stop_all_nodes():
    for n in _all_nodes:
        n.stop(timeout=5)


def _terminated(signum, frame):
    # `timeout` (tests/compat/run) sends SIGTERM: unwind so that fixtures stop their nodes.
    raise KeyboardInterrupt(f"signal {signum}")


signal.signal(signal.SIGTERM, _terminated)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for n in _session_nodes + _nodes_in_use:
            rep.sections.append((f"sibyl stderr tail: {n.name} ({n.log_path})", n.log_tail()))


@pytest.fixture(scope="session")
def sibyl_node(tmp_path_factory):
    """The shared node, fresh for this run."""
    node = Node("main", tmp_path_factory.mktemp("main") / "data")
    try:
        node.start()
        _session_nodes.append(node)
        yield node
    finally:
        status = node.stop()
        if node in _session_nodes:
            _session_nodes.remove(node)
        if status not in (0, None):
            print(f"\nsibyl (main) exited with status {status}; tail of {node.log_path}:\n{node.log_tail()}")


@pytest.fixture(scope="session")
def node(sibyl_node):
    """(host, port) of the shared node."""
    return sibyl_node.addr


@pytest.fixture
def start_node(tmp_path):
    """Starts extra nodes for one test: `start_node(config={...})`; stops them afterwards."""
    started: list[Node] = []

    def start(config: dict | None = None, name: str | None = None, data_dir: Path | None = None,
              port: int | None = None) -> Node:
        name = name or f"extra-{os.getpid()}-{len(started)}-{int(time.time() * 1000) % 100000}"
        n = Node(name, data_dir or (tmp_path / name / "data"), config=config, port=port)
        started.append(n)
        _nodes_in_use.append(n)
        return n.start()

    try:
        yield start
    finally:
        for n in started:
            n.stop()
            if n in _nodes_in_use:
                _nodes_in_use.remove(n)
