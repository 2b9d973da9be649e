"""A tiny CQL native protocol v4 client on raw sockets, for the conformance tests.

Only what the tests need: frame encoding, the body notations of the v4 spec (§3), ERROR and
RESULT Rows parsing. Everything is big-endian.
"""

import socket
import struct
import time

# Opcodes (v4 spec §2.4).
ERROR, STARTUP, READY, AUTHENTICATE, OPTIONS, SUPPORTED, QUERY, RESULT = 0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x07, 0x08
PREPARE, EXECUTE, REGISTER, EVENT, BATCH, AUTH_CHALLENGE, AUTH_RESPONSE, AUTH_SUCCESS = (
    0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10)

# Error codes (§9).
SERVER_ERROR, PROTOCOL_ERROR, SYNTAX_ERROR, INVALID, ALREADY_EXISTS, UNPREPARED = (
    0x0000, 0x000A, 0x2000, 0x2200, 0x2400, 0x2500)

# Consistency.
ONE = 0x0001

# Result kinds.
VOID, ROWS, SET_KEYSPACE, PREPARED, SCHEMA_CHANGE = 1, 2, 3, 4, 5


def short(n: int) -> bytes:
    return struct.pack(">H", n)


def int32(n: int) -> bytes:
    return struct.pack(">i", n)


def string(s: str | bytes) -> bytes:
    b = s.encode() if isinstance(s, str) else s
    return short(len(b)) + b


def long_string(s: str | bytes) -> bytes:
    b = s.encode() if isinstance(s, str) else s
    return int32(len(b)) + b


def short_bytes(b: bytes) -> bytes:
    return short(len(b)) + b


def value(b: bytes | None) -> bytes:
    return int32(-1) if b is None else int32(len(b)) + b


def string_map(m: dict) -> bytes:
    return short(len(m)) + b"".join(string(k) + string(v) for k, v in m.items())


def string_list(items: list) -> bytes:
    return short(len(items)) + b"".join(string(s) for s in items)


def header(opcode: int, length: int, stream: int = 0, version: int = 4, flags: int = 0) -> bytes:
    return struct.pack(">BBhBi", version, flags, stream, opcode, length)


def frame(opcode: int, body: bytes = b"", stream: int = 0, version: int = 4, flags: int = 0) -> bytes:
    return header(opcode, len(body), stream, version, flags) + body


def query_params(consistency: int = ONE, values: list | None = None, page_size: int | None = None,
                 paging_state: bytes | None = None) -> bytes:
    flags = 0
    tail = b""
    if values is not None:
        flags |= 0x01
        tail += short(len(values)) + b"".join(value(v) for v in values)
    if page_size is not None:
        flags |= 0x04
        tail += int32(page_size)
    if paging_state is not None:
        flags |= 0x08
        tail += value(paging_state)
    return short(consistency) + bytes([flags]) + tail


def query_body(cql: str, **params) -> bytes:
    return long_string(cql) + query_params(**params)


def execute_body(prepared_id: bytes, **params) -> bytes:
    return short_bytes(prepared_id) + query_params(**params)


class Frame:
    def __init__(self, version, flags, stream, opcode, body):
        self.version, self.flags, self.stream, self.opcode, self.body = version, flags, stream, opcode, body

    def __repr__(self):
        extra = ""
        if self.opcode == ERROR:
            code, msg = self.error()
            extra = f" error=0x{code:04X} {msg!r}"
        return f"Frame(v=0x{self.version:02X} flags={self.flags} stream={self.stream} op=0x{self.opcode:02X} len={len(self.body)}{extra})"

    def error(self) -> tuple[int, str]:
        assert self.opcode == ERROR, f"not an ERROR: {self!r}"
        code = struct.unpack_from(">i", self.body, 0)[0]
        n = struct.unpack_from(">H", self.body, 4)[0]
        return code, self.body[6:6 + n].decode("utf-8", "replace")

    def error_extra(self) -> bytes:
        n = struct.unpack_from(">H", self.body, 4)[0]
        return self.body[6 + n:]

    def result_kind(self) -> int:
        assert self.opcode == RESULT, f"not a RESULT: {self!r}"
        return struct.unpack_from(">i", self.body, 0)[0]


class Reader:
    def __init__(self, data: bytes, pos: int = 0):
        self.data, self.pos = data, pos

    def take(self, n: int) -> bytes:
        assert self.pos + n <= len(self.data), "truncated body"
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def int(self) -> int:
        return struct.unpack(">i", self.take(4))[0]

    def short(self) -> int:
        return struct.unpack(">H", self.take(2))[0]

    def string(self) -> str:
        return self.take(self.short()).decode()

    def bytes(self) -> bytes | None:
        n = self.int()
        return None if n < 0 else self.take(n)

    def short_bytes(self) -> bytes:
        return self.take(self.short())

    def string_list(self) -> list[str]:
        return [self.string() for _ in range(self.short())]

    def string_multimap(self) -> dict:
        return {self.string(): self.string_list() for _ in range(self.short())}

    def type_option(self):
        t = self.short()
        if t == 0x0000:
            return ("custom", self.string())
        if t in (0x20, 0x22):
            return (t, self.type_option())
        if t == 0x21:
            return (t, self.type_option(), self.type_option())
        if t == 0x30:
            ks, name = self.string(), self.string()
            return (t, ks, name, [(self.string(), self.type_option()) for _ in range(self.short())])
        if t == 0x31:
            return (t, [self.type_option() for _ in range(self.short())])
        return t


def parse_rows(body: bytes) -> tuple[list[str], list[list[bytes | None]], bytes | None]:
    """(column names, rows of raw cells, paging state) of a RESULT Rows body."""
    r = Reader(body)
    assert r.int() == ROWS
    flags, ncols = r.int(), r.int()
    paging_state = r.bytes() if flags & 0x0002 else None
    names = []
    if not flags & 0x0004:
        if flags & 0x0001:
            r.string(), r.string()
        for _ in range(ncols):
            if not flags & 0x0001:
                r.string(), r.string()
            names.append(r.string())
            r.type_option()
    nrows = r.int()
    rows = [[r.bytes() for _ in range(ncols)] for _ in range(nrows)]
    return names, rows, paging_state


def parse_prepared(body: bytes) -> tuple[bytes, list]:
    """(id, bind variable (name, type) list) of a RESULT Prepared body."""
    r = Reader(body)
    assert r.int() == PREPARED
    pid = r.short_bytes()
    flags, ncols, pk_count = r.int(), r.int(), r.int()
    for _ in range(pk_count):
        r.short()
    if flags & 0x0001:
        r.string(), r.string()
    cols = []
    for _ in range(ncols):
        if not flags & 0x0001:
            r.string(), r.string()
        cols.append((r.string(), r.type_option()))
    return pid, cols


def snappy_compress_literal(data: bytes) -> bytes:
    """A valid raw snappy block made of literals only (no real compression needed for tests)."""
    out = bytearray()
    n = len(data)
    while True:  # uvarint length preamble
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            break
    for i in range(0, len(data), 65536):
        chunk = data[i:i + 65536]
        m = len(chunk) - 1
        if m < 60:
            out.append(m << 2)
        elif m < 256:
            out += bytes([60 << 2, m])
        else:
            out += bytes([61 << 2]) + m.to_bytes(2, "little")
        out += chunk
    return bytes(out)


def snappy_decompress(data: bytes) -> bytes:
    """A raw snappy block decoder (the format spec, all four element kinds)."""
    pos, n, shift = 0, 0, 0
    while True:
        b = data[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            break
    out = bytearray()
    while pos < len(data):
        tag = data[pos]
        pos += 1
        kind = tag & 3
        if kind == 0:
            m = tag >> 2
            if m >= 60:
                k = m - 59
                m = int.from_bytes(data[pos:pos + k], "little")
                pos += k
            out += data[pos:pos + m + 1]
            pos += m + 1
            continue
        if kind == 1:
            length, offset = 4 + ((tag >> 2) & 7), ((tag >> 5) << 8) | data[pos]
            pos += 1
        elif kind == 2:
            length, offset = 1 + (tag >> 2), int.from_bytes(data[pos:pos + 2], "little")
            pos += 2
        else:
            length, offset = 1 + (tag >> 2), int.from_bytes(data[pos:pos + 4], "little")
            pos += 4
        assert 0 < offset <= len(out), "bad snappy offset"
        for _ in range(length):
            out.append(out[-offset])
    assert len(out) == n, f"snappy length {len(out)} != stated {n}"
    return bytes(out)


class Closed(Exception):
    """The server closed the connection."""


class Conn:
    """One client connection."""

    def __init__(self, addr, timeout: float = 10.0):
        self.compression = "lz4"  # how compressed responses are decoded (after STARTUP negotiated one)
        self.sock = socket.create_connection(addr, timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, data: bytes):
        self.sock.sendall(data)

    def send(self, opcode: int, body: bytes = b"", stream: int = 0, **kw):
        self.sock.sendall(frame(opcode, body, stream, **kw))

    def _fill(self, n: int, deadline: float):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no complete frame within {self.timeout}s (have {len(self.buf)} bytes)")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 20)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                raise Closed(f"closed after {len(self.buf)} of {n} bytes")
            self.buf += chunk

    def recv(self, timeout: float | None = None) -> Frame:
        deadline = time.monotonic() + (timeout or self.timeout)
        self._fill(9, deadline)
        version, flags, stream, opcode, length = struct.unpack_from(">BBhBi", self.buf, 0)
        self._fill(9 + length, deadline)
        body = self.buf[9:9 + length]
        self.buf = self.buf[9 + length:]
        if flags & 0x01 and self.compression == "snappy":
            body = snappy_decompress(body)
        elif flags & 0x01:
            import lz4.block
            n = struct.unpack_from(">i", body, 0)[0]
            body = lz4.block.decompress(body[4:], uncompressed_size=n) if n else b""
        return Frame(version, flags, stream, opcode, body)

    def request(self, opcode: int, body: bytes = b"", stream: int = 1, **kw) -> Frame:
        self.send(opcode, body, stream, **kw)
        while True:
            f = self.recv()
            if f.stream != -1:  # skip events
                return f

    def wait_closed(self, timeout: float) -> bytes:
        """Reads until EOF (returns what came before it) or fails after `timeout`."""
        deadline = time.monotonic() + timeout
        data = self.buf
        self.buf = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"connection still open after {timeout}s")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except ConnectionResetError:
                return data
            except socket.timeout:
                raise TimeoutError(f"connection still open after {timeout}s") from None
            if not chunk:
                return data
            data += chunk

    def startup(self, options: dict | None = None):
        f = self.request(OPTIONS, stream=0)
        assert f.opcode == SUPPORTED, f
        f = self.request(STARTUP, string_map(options or {"CQL_VERSION": "3.4.7"}), stream=0)
        assert f.opcode == READY, f
        return self

    def query(self, cql: str, stream: int = 1, **params) -> Frame:
        return self.request(QUERY, query_body(cql, **params), stream)

    def prepare(self, cql: str) -> tuple[bytes, list]:
        f = self.request(PREPARE, long_string(cql))
        assert f.opcode == RESULT and f.result_kind() == PREPARED, f
        return parse_prepared(f.body)


def split_frames(data: bytes) -> list[Frame]:
    """The frames in bytes received up to a close (a trailing partial frame is dropped)."""
    out = []
    while len(data) >= 9:
        version, flags, stream, opcode, length = struct.unpack_from(">BBhBi", data, 0)
        if length < 0 or len(data) < 9 + length:
            break
        out.append(Frame(version, flags, stream, opcode, data[9:9 + length]))
        data = data[9 + length:]
    return out


def healthy(addr) -> None:
    """Asserts that a fresh, well-behaved connection gets the whole handshake and a query answered."""
    with Conn(addr, timeout=10) as c:
        f = c.request(OPTIONS, stream=3)
        assert (f.version, f.stream, f.opcode) == (0x84, 3, SUPPORTED), f
        supported = Reader(f.body).string_multimap()
        assert supported.get("CQL_VERSION"), supported
        f = c.request(STARTUP, string_map({"CQL_VERSION": "3.4.7"}), stream=4)
        assert (f.version, f.stream, f.opcode) == (0x84, 4, READY), f
        f = c.query("SELECT release_version FROM system.local", stream=5)
        assert (f.stream, f.opcode) == (5, RESULT), f
        names, rows, _ = parse_rows(f.body)
        assert names == ["release_version"] and len(rows) == 1 and rows[0][0], (names, rows)
