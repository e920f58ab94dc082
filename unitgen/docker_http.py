"""A minimal keep-alive JSON client over the engine's Unix socket, for bulk reads, and the
framing of the engine's log stream.

Why not the docker SDK here: each SDK request costs ~1.2 ms of CPU in requests/urllib3, so
inspecting 500 containers took ~600 ms whatever the thread count, against ~130 ms with
http.client over the socket (bench/README.md). The SDK still does the writes and the events.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import threading
from typing import Any

log = logging.getLogger("unitgen")


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
        for attempt in (1, 2):
            conn = self._connection(fresh=attempt == 2)
            try:
                conn.request("GET", url)
                response = conn.getresponse()
                body = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                if attempt == 2:
                    self._connection(fresh=True)
                    raise
            except BaseException:
                # A request that failed half way (no socket to connect to, a timeout) leaves
                # the connection mid-request: the next one would be CannotSendRequest.
                self._connection(fresh=True)
                raise
        log.debug("engine: GET %s -> %d", url, response.status)
        if response.status >= 400:
            try:
                message = json.loads(body).get("message", "")
            except ValueError:
                message = body.decode(errors="replace")
            raise EngineError(response.status, message or response.reason)
        return body


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
