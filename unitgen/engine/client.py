"""unitgen's one Docker client: the Engine API over the engine's Unix socket (keep-alive JSON
reads and writes, the event stream), and the framing of the log stream.

Why not the docker SDK: importing it costs ~150 ms (requests, urllib3: more than the whole
budget of `unitgen generate NAME`), and each SDK request ~1.2 ms of CPU, so inspecting 500
containers took ~600 ms whatever the thread count, against ~130 ms here (bench/README.md).
Why not http.client: its import (email, ssl) costs ~20 ms of that budget, for the little of
HTTP/1.1 that one local engine speaks: Content-Length or chunked bodies, keep-alive.
The units speak the same API over the same socket (the helper), so both ends see one engine.
"""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

from unitgen import log


class EngineError(Exception):
    """The engine answered with an HTTP error; `message` is the engine's own words."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Hangup(ConnectionError):
    """The engine closed the connection before a whole answer."""


class _Answer:
    """The status and headers of one answer, its body left to read from `stream`."""

    def __init__(self, stream: io.BufferedReader) -> None:
        self.stream = stream
        line = stream.readline()
        if not line:
            raise Hangup("the engine closed the connection without an answer")
        version, _, rest = line.decode("latin-1").rstrip("\r\n").partition(" ")
        code, _, self.reason = rest.partition(" ")
        if not version.startswith("HTTP/") or not code.isdigit():
            raise Hangup(f"not an HTTP answer: {line[:80]!r}")
        self.status = int(code)
        self.headers: dict[str, str] = {}
        while (header := stream.readline()) not in (b"\r\n", b"\n"):
            if not header:
                raise Hangup("the engine closed the connection inside an answer's headers")
            name, _, value = header.decode("latin-1").partition(":")
            self.headers[name.strip().lower()] = value.strip()
        connection = self.headers.get("connection", "").lower()
        self.keep_alive = connection != "close" and (
            version != "HTTP/1.0" or connection == "keep-alive"
        )

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives: chunked, sized by Content-Length, or up to the close."""
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int(self.stream.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.stream.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                yield self._exactly(size)
                self.stream.readline()  # the CRLF after each chunk
        elif "content-length" in self.headers:
            size = int(self.headers["content-length"])
            if size:
                yield self._exactly(size)
        elif self.status not in (204, 304):
            self.keep_alive = False
            while data := self.stream.read1(65536):
                yield data

    def _exactly(self, size: int) -> bytes:
        data = self.stream.read(size)
        if len(data) < size:
            raise Hangup("the engine closed the connection inside an answer")
        return data


class _Connection:
    def __init__(self, path: str, timeout: float | None) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except OSError:
            self.sock.close()
            raise
        self.stream: io.BufferedReader = self.sock.makefile("rb")
        self.usable = True

    def send(self, method: str, url: str, body: bytes | None) -> _Answer:
        head = f"{method} {url} HTTP/1.1\r\nHost: docker\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.sock.sendall(head.encode("latin-1") + b"\r\n" + (body or b""))
        return _Answer(self.stream)

    def close(self) -> None:
        self.usable = False
        self.stream.close()
        self.sock.close()


class UnixJSON:
    """JSON requests to the engine; one persistent connection per thread."""

    def __init__(self, path: str, timeout: float | None = 30) -> None:
        self.path = path
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self, fresh: bool = False) -> _Connection:
        conn: _Connection | None = getattr(self._local, "conn", None)
        if conn is None or fresh or not conn.usable:
            if conn is not None:
                conn.close()
            conn = _Connection(self.path, self.timeout)
            self._local.conn = conn
        return conn

    def get(self, url: str) -> Any:
        return json.loads(self.get_bytes(url))

    def get_bytes(self, url: str) -> bytes:
        return self._request("GET", url, None)

    def post(self, url: str, body: Any) -> Any:
        """POST a JSON body; the answer's JSON, or None when it has no body (204)."""
        answer = self._request("POST", url, json.dumps(body).encode())
        return json.loads(answer) if answer.strip() else None

    def _request(self, method: str, url: str, body: bytes | None) -> bytes:
        for attempt in (1, 2):
            # A kept-alive connection the engine closed meanwhile fails on first use: once more
            # on a fresh one. (Safe for the POSTs unitgen makes: each sets a state, idempotent.)
            conn = self._connection(fresh=attempt == 2)
            try:
                answer = conn.send(method, url, body)
                data = b"".join(answer.chunks())
                break
            except (Hangup, BrokenPipeError, ConnectionResetError):
                conn.close()
                if attempt == 2:
                    raise
            except BaseException:
                # Failed half way (a timeout, an interrupt): the connection is mid-answer.
                conn.close()
                raise
        log.debug("engine: %s %s -> %d", method, url, answer.status)
        if not answer.keep_alive:
            conn.close()
        _check(answer, data)
        return data

    def stream(
        self, url: str, *, method: str = "GET", timeout: float | None = None
    ) -> Iterator[Any]:
        """A stream of JSON documents, one a line (GET /events, POST /images/create), on a
        connection of its own, by default without a read timeout (TIMEOUT: the longest
        silence between two reads); ends when the engine closes it or the answer ends."""
        conn = _Connection(self.path, timeout)
        try:
            answer = conn.send(method, url, None)
            if answer.status >= 400:
                _check(answer, b"".join(answer.chunks()))
            pending = b""
            for chunk in answer.chunks():
                *lines, pending = (pending + chunk).split(b"\n")
                yield from (json.loads(line) for line in lines if line.strip())
            if pending.strip():
                yield json.loads(pending)
        finally:
            conn.close()


def _check(answer: _Answer, body: bytes) -> None:
    """An EngineError carrying the engine's own message when the answer is an error."""
    if answer.status < 400:
        return
    try:
        message = json.loads(body).get("message", "")
    except (ValueError, AttributeError):
        message = body.decode(errors="replace")
    raise EngineError(answer.status, message or answer.reason)


def demux(raw: bytes) -> bytes:
    """The payload of the engine's multiplexed stream (a container without a TTY): frames of an
    8-byte header (stream 0/1/2, three zero bytes, big-endian length) and that many bytes.
    stdout and stderr stay interleaved as they were written; a cut-off last frame is kept."""
    out = bytearray()
    at = 0
    while at + 8 <= len(raw):
        size = int.from_bytes(raw[at + 4 : at + 8], "big")
        out += raw[at + 8 : at + 8 + size]
        at += 8 + size
    return bytes(out)


def log_lines(raw: bytes, *, tty: bool) -> list[str]:
    """The body of GET /containers/NAME/logs -> its lines: raw with a TTY, else multiplexed."""
    text = (raw if tty else demux(raw)).decode("utf-8", errors="replace")
    return [line.removesuffix("\r") for line in text.splitlines()]
