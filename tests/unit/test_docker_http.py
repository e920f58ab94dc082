"""The Engine API client's HTTP/1.1, against a socket that answers with scripted bytes: the
framings Docker's Go server uses (Content-Length, chunked, HTTP/1.0 close) and its hang-ups."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from unitgen.engine.client import EngineError, UnixJSON


class Scripted:
    """Accepts connections on SOCKET; on each, reads requests and answers each with the next
    of ANSWERS (raw bytes; None closes the connection instead). Records each connection's
    requests."""

    def __init__(self, path: Path, *answers: bytes | None) -> None:
        self.path, self.answers = path, list(answers)
        self.connections: list[list[bytes]] = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            requests: list[bytes] = []
            self.connections.append(requests)
            with conn, conn.makefile("rb") as stream:
                while head := _read_head(stream):
                    size = next(
                        (int(h.split(b":")[1]) for h in head if h.lower().startswith(b"content-l")),
                        0,
                    )
                    requests.append(b"".join(head) + b"\r\n" + stream.read(size))
                    answer = self.answers.pop(0) if self.answers else None
                    if answer is None:
                        break
                    conn.sendall(answer)


def _read_head(stream: BinaryIO) -> list[bytes]:
    lines: list[bytes] = []
    while (line := stream.readline()) not in (b"\r\n", b""):
        lines.append(line)
    return lines


@pytest.fixture
def sock(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "engine.sock"


def chunked(*parts: bytes) -> bytes:
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body


def sized(body: bytes, status: str = "200 OK", version: str = "HTTP/1.1") -> bytes:
    return f"{version} {status}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


def test_a_chunked_body_is_joined(sock: Path) -> None:
    Scripted(sock, chunked(b'[{"Id": ', b'"a1"}]'))
    assert UnixJSON(str(sock)).get("/containers/json") == [{"Id": "a1"}]


def test_requests_reuse_one_kept_alive_connection(sock: Path) -> None:
    engine = Scripted(sock, sized(b"[]"), chunked(b"{}"), sized(b"[]"))
    client = UnixJSON(str(sock))
    for url in ("/a", "/b", "/c"):
        client.get(url)
    assert [len(requests) for requests in engine.connections] == [3]


def test_an_http_1_0_answer_closes_and_the_next_request_reconnects(sock: Path) -> None:
    engine = Scripted(sock, sized(b"[]", version="HTTP/1.0"), sized(b"{}"))
    client = UnixJSON(str(sock))
    assert client.get("/a") == []
    assert client.get("/b") == {}
    assert len(engine.connections) == 2


def test_a_connection_the_engine_dropped_is_retried_once_on_a_fresh_one(sock: Path) -> None:
    engine = Scripted(sock, sized(b"[]"), None, sized(b'{"ok": 1}'))
    client = UnixJSON(str(sock))
    client.get("/a")
    assert client.get("/b") == {"ok": 1}
    assert len(engine.connections) == 2


def test_a_post_sends_its_json_body_and_reads_a_204(sock: Path) -> None:
    engine = Scripted(sock, b"HTTP/1.1 204 No Content\r\n\r\n")
    assert UnixJSON(str(sock)).post("/containers/web/update", {"RestartPolicy": {}}) is None
    (request,) = engine.connections[0]
    assert request.startswith(b"POST /containers/web/update HTTP/1.1\r\n")
    assert b"Content-Type: application/json\r\n" in request
    assert request.endswith(b'\r\n\r\n{"RestartPolicy": {}}')


def test_an_error_carries_the_engines_message(sock: Path) -> None:
    Scripted(sock, sized(b'{"message": "No such container: web"}', "404 Not Found"))
    with pytest.raises(EngineError) as caught:
        UnixJSON(str(sock)).get("/containers/web/json")
    assert (caught.value.status, caught.value.message) == (404, "No such container: web")


def test_a_stream_yields_each_line_even_split_across_chunks(sock: Path) -> None:
    Scripted(sock, chunked(b'{"Action": "start"}\n{"Act', b'ion": "die"}\n'))
    events = list(UnixJSON(str(sock)).stream("/events"))
    assert events == [{"Action": "start"}, {"Action": "die"}]
