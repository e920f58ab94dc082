"""The engine's edge as the docker SDK reads it, against a fake engine on a Unix socket that
answers what a real engine gives only by accident: a body cut off, a chunk size that is not
one, a connection closed half way, an answer that is not JSON. Each is a hang-up
(DockerUnavailable) or an engine error (EngineFailed), never a short body taken as whole and
never a bare ValueError; and the SDK is imported only when a command first talks to the
engine."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.fakes import FakeEngine, Reply, Request
from unitgen.engine.source import DockerSource
from unitgen.errors import DockerUnavailable, EngineFailed

WEB = json.dumps({"Id": "a" * 64, "Name": "/web", "State": {"Status": "running"}}).encode()


def chunked(*chunks: bytes, end: bytes = b"0\r\n\r\n") -> Reply:
    """A 200 whose body is CHUNKS, framed as sent, then END (the last chunk, or less)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks)
    return Reply(200, raw=head + b"\r\n" + body + end)


def test_a_whole_chunked_answer_is_read_whole(engine: FakeEngine) -> None:
    engine.on("GET", "/containers/web/json", chunked(WEB[:20], WEB[20:]))
    assert DockerSource().resolve("web") == "web"


def test_a_chunked_body_cut_at_a_chunk_boundary_is_a_hang_up_not_a_whole_body(
    engine: FakeEngine,
) -> None:
    # The first half of the JSON arrives as a whole chunk, then the connection closes: no
    # last chunk. The old client read the missing size line as "0" and the half as all.
    engine.on("GET", "/containers/web/json", chunked(WEB[:20], end=b""))
    with pytest.raises(DockerUnavailable) as caught:
        DockerSource().state("web")
    assert caught.value.message.startswith("inspecting container web: ")


def test_a_cut_that_happens_to_leave_valid_json_is_still_a_hang_up(engine: FakeEngine) -> None:
    # `[]` then nothing: valid JSON, a listing of no containers, if taken as whole.
    engine.on("GET", "/containers/json", chunked(b"[]", end=b""))
    with pytest.raises(DockerUnavailable):
        DockerSource().names()


def test_a_garbage_chunk_size_is_an_engine_error_not_a_bare_value_error(
    engine: FakeEngine,
) -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    engine.on("GET", "/containers/web/json", Reply(200, raw=head + b"zz\r\n{}\r\n0\r\n\r\n"))
    with pytest.raises(
        EngineFailed, match=r"^inspecting container web: the engine's answer is malformed"
    ):
        DockerSource().state("web")


def test_a_connection_closed_inside_a_sized_body_is_a_hang_up(engine: FakeEngine) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    cut = head + b"Content-Length: %d\r\n\r\n" % len(WEB) + WEB[: len(WEB) // 2]
    engine.on("GET", "/containers/web/json", Reply(200, raw=cut))
    with pytest.raises(DockerUnavailable):
        DockerSource().state("web")


def test_an_answer_closed_after_its_headers_is_an_empty_body_and_an_engine_error(
    engine: FakeEngine,
) -> None:
    # HTTP/1.0 without Content-Length: the body is what comes before the close, here nothing.
    engine.on("GET", "/containers/web/json", Reply(200, vanish_after_headers=True))
    with pytest.raises(EngineFailed, match="the engine's answer is not JSON"):
        DockerSource().state("web")


def test_a_connection_closed_without_an_answer_is_a_hang_up(engine: FakeEngine) -> None:
    engine.on("GET", "/containers/web/json", Reply(0, hang_up=True))
    with pytest.raises(DockerUnavailable):
        DockerSource().state("web")


def test_an_answer_that_is_not_json_is_an_engine_error(engine: FakeEngine) -> None:
    engine.on("GET", "/containers/web/json", Reply(200, "<html>a proxy</html>"))
    with pytest.raises(EngineFailed, match="the engine's answer is not JSON"):
        DockerSource().state("web")


def test_an_event_stream_cut_inside_a_chunk_gives_only_the_whole_events(
    engine: FakeEngine,
) -> None:
    # The SDK ends the event stream at the cut (or raises, as a hang-up); either way the half
    # event is never taken for one, and `watch` reopens the stream from the last event's time.
    event = json.dumps({"Type": "container", "Action": "start"}).encode() + b"\n"
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    cut = head + b"%x\r\n%s\r\n" % (len(event), event) + b'40\r\n{"Type": "cont'
    engine.on("GET", "/events", Reply(200, raw=cut))
    seen = []
    with contextlib.suppress(DockerUnavailable):
        for found in DockerSource(timeout=None).events(since=None):
            seen.append(found)
    assert seen == [{"Type": "container", "Action": "start"}]


def test_a_pull_whose_stream_is_cut_is_a_hang_up_not_a_finished_pull(engine: FakeEngine) -> None:
    from unitgen.model import ImageName

    status = json.dumps({"status": "Downloading"}).encode() + b"\r\n"
    engine.on("POST", "/images/create", chunked(status, end=b""))
    with pytest.raises(DockerUnavailable, match=r"^pulling 127\.0\.0\.1:5000/app:1: "):
        DockerSource().pull(ImageName("127.0.0.1:5000/app", "1"), timeout=5)


def test_the_api_version_is_asked_once_and_every_request_is_made_at_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeEngine(tmp_path / "docker.sock", api="1.43").start()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{fake.socket}")
    listed = [{"Id": f"{i}" * 64, "Names": [f"/c{i}"]} for i in range(1, 7)]
    fake.on("GET", "/containers/json", Reply(200, json.dumps(listed)))
    fake.on("GET", "/networks", Reply(200, "[]"))
    fake.on("GET", "/containers/", Reply(404, '{"message": "No such container"}'))
    try:
        DockerSource(workers=4).snapshot()  # inspections from four threads
    finally:
        fake.stop()
    assert fake.paths().count("/version") == 1
    assert [p for p in fake.paths() if p != "/version"] != []
    assert all(p.startswith("/v1.43/") for p in fake.paths() if p != "/version")


IMPORTED = """
import sys
from unitgen.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(" ".join(sorted(m for m in ("docker", "requests", "urllib3") if m in sys.modules)))
"""


@pytest.mark.parametrize("argv", [["--help"], ["exit-codes"], ["generate", "--help"]])
def test_commands_that_do_not_talk_to_the_engine_never_import_the_sdk(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORTED, *argv],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.stdout.splitlines()[-1] == ""


COMPLETED = """
import sys
from unitgen.cli.completion import engine_containers
print(engine_containers(None, None, ""), "docker" in sys.modules)
"""


def test_completion_with_no_engine_offers_nothing_without_importing_the_sdk(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", COMPLETED],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "DOCKER_HOST": f"unix://{tmp_path}/no.sock"},
    )
    assert done.stdout.split() == ["[]", "False"]


def test_the_sdk_asks_at_the_version_the_engine_offers_not_one_docker_29_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docker-py 5.0.3's default API version, 1.41, is one Docker 29.0-29.2 refuse."""
    fake = FakeEngine(tmp_path / "docker.sock", api="1.51", min_api="1.44").start()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{fake.socket}")
    try:
        fake.on("GET", "/containers/web/json", Reply(200, WEB.decode()))
        assert DockerSource().resolve("web") == "web"
        assert any(p.startswith("/v1.51/containers/web/json") for p in fake.paths())
        refused = fake.answer(Request("GET", "/v1.41/containers/web/json", {}, b""))
        assert refused.status == 400 and "too old" in refused.body  # the fake does refuse
    finally:
        fake.stop()
