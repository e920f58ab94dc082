"""unitgen's one Docker client: the Engine API over the engine's Unix socket with http.client
(keep-alive JSON reads and writes, the event stream), and the framing of the log stream.

Why not the docker SDK: importing it costs ~150 ms (requests, urllib3: about the whole
budget of `unitgen generate NAME`), and each SDK request ~1.2 ms of CPU, so inspecting 500
containers took ~600 ms whatever the thread count, against ~130 ms here (bench/README.md).
The units speak the same API over the same socket (the helper), so both ends see one engine.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any


class EngineError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float | None) -> None:
        super().__init__("docker", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class UnixJSON:
    """GET JSON from the engine; one persistent connection per thread."""

    def __init__(self, path: str, timeout: float | None = 30) -> None:
        self.path = path
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self, fresh: bool = False) -> _UnixConnection:
        conn: _UnixConnection | None = getattr(self._local, "conn", None)
        if conn is None or fresh:
            if conn is not None:
                conn.close()
            conn = _UnixConnection(self.path, self.timeout)
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
        headers = {"Content-Type": "application/json"} if body is not None else {}
        for attempt in (1, 2):
            # A kept-alive connection the engine closed meanwhile fails on first use: once more
            # on a fresh one. (Safe for the POSTs unitgen makes: each sets a state, idempotent.)
            conn = self._connection(fresh=attempt == 2)
            try:
                conn.request(method, url, body, headers)
                response = conn.getresponse()
                answer = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                if attempt == 2:
                    raise
        _check(response, answer)
        return answer

    def stream(self, url: str) -> Iterator[Any]:
        """GET a stream of JSON documents, one a line (GET /events), on a connection of its
        own without a read timeout; ends when the engine closes it."""
        conn = _UnixConnection(self.path, None)
        try:
            conn.request("GET", url)
            response = conn.getresponse()
            if response.status >= 400:
                _check(response, response.read())
            for line in response:
                if line.strip():
                    yield json.loads(line)
        finally:
            conn.close()


def _check(response: http.client.HTTPResponse, body: bytes) -> None:
    """An EngineError carrying the engine's own message when the answer is an error."""
    if response.status < 400:
        return
    try:
        message = json.loads(body).get("message", "")
    except ValueError:
        message = body.decode(errors="replace")
    raise EngineError(response.status, message or response.reason)


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
