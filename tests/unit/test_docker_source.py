"""The engine adapter: faults a real engine cannot produce on demand, with a fake socket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.fakes import FakeEngine, Reply
from unitgen.engine.source import DockerSource
from unitgen.engine.specs import listed_names
from unitgen.errors import ContainerNotFound, DockerUnavailable, EngineFailed, UsageError
from unitgen.model import RestartPolicy


def test_a_container_removed_mid_run_is_simply_not_there(engine: FakeEngine) -> None:
    data = json.loads((FIXTURES / "inspect/seed-containers.json").read_text())[:2]
    listed = [{"Id": c["Id"], "Names": [c["Name"]]} for c in data]
    engine.on("GET", "/containers/json", Reply(200, json.dumps(listed)))
    engine.on("GET", "/networks", Reply(200, "[]"))
    engine.on("GET", f"/containers/{data[0]['Id']}", Reply(404, '{"message": "No such container"}'))
    engine.on("GET", f"/containers/{data[1]['Id']}", Reply(200, json.dumps(data[1])))
    specs, _ = DockerSource().snapshot()
    assert [s.name for s in specs] == [data[1]["Name"].lstrip("/")]


@pytest.mark.parametrize("host", ["tcp://10.0.0.1:2375", "ssh://admin@far", "fd://", "unix://"])
def test_a_docker_host_that_is_not_a_unix_socket_is_refused_in_one_line(
    host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", host)
    with pytest.raises(UsageError) as caught:
        DockerSource()
    assert caught.value.message == f"DOCKER_HOST={host} is not a Unix socket"
    assert "unset DOCKER_HOST or use unix://PATH" in str(caught.value.hint)


def test_a_listing_names_each_container_by_its_name_not_a_link_alias() -> None:
    listed = [
        {"Id": "a1", "Names": ["/web/db", "/db"]},
        {"Id": "b2", "Names": ["/web"]},
        {"Id": "c3", "Names": []},
    ]
    assert listed_names(listed) == {"a1": "db", "b2": "web"}


def test_setting_a_restart_policy_posts_it_to_the_containers_update(engine: FakeEngine) -> None:
    engine.on("POST", "/containers/web/update", Reply(200, '{"Warnings": []}'))
    DockerSource().set_restart_policy("web", RestartPolicy("on-failure", 3))
    (request,) = [r for r in engine.requests if r.method == "POST"]
    assert json.loads(request.body) == {
        "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}
    }
    assert request.headers["content-type"] == "application/json"


def test_an_engine_error_becomes_engine_failed_with_dockers_message(engine: FakeEngine) -> None:
    engine.on("POST", "/containers/web/update", Reply(500, '{"message": "disk full"}'))
    with pytest.raises(EngineFailed, match="setting the restart policy of web: Docker said: disk"):
        DockerSource().set_restart_policy("web", RestartPolicy("always"))


def test_a_missing_container_is_container_not_found_with_a_hint(engine: FakeEngine) -> None:
    engine.on("POST", "/containers/gone/update", Reply(404, '{"message": "No such container"}'))
    with pytest.raises(ContainerNotFound) as caught:
        DockerSource().set_restart_policy("gone", RestartPolicy("always"))
    assert caught.value.hint == "check the name with `docker ps -a`"


def test_no_engine_on_the_socket_is_docker_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/absent.sock")
    with pytest.raises(DockerUnavailable, match="cannot reach the Docker engine"):
        DockerSource().state("web")


def test_events_are_read_one_json_document_a_line_filtered_to_containers(
    engine: FakeEngine,
) -> None:
    lines = [{"Type": "container", "Action": "start"}, {"Type": "container", "Action": "die"}]
    body = "".join(json.dumps(e) + "\n" for e in lines)
    engine.on("GET", "/events", Reply(200, body, chunked=True))
    assert list(DockerSource(timeout=None).events(since=1700000000)) == lines
    (request,) = [r for r in engine.requests if r.path == "/events"]
    assert "since=1700000000" in request.target
    assert request.filters == {"type": ["container"]}


def test_an_engine_that_is_down_is_exit_3_for_resolve_and_state_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no.sock")
    source = DockerSource(timeout=1)
    for ask in (lambda: source.resolve("web"), lambda: source.state("web")):
        with pytest.raises(DockerUnavailable, match="cannot reach the Docker engine"):
            ask()


def test_a_reference_that_cannot_be_one_path_segment_is_not_asked_for(
    engine: FakeEngine,
) -> None:
    # Names from labels reach the engine too; the SDK leaves `/` in a path as it is.
    assert DockerSource().resolve("a b/../c?x") is None
    assert [r for r in engine.requests if "/containers/" in r.path] == []


def frame(stream: int, payload: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def logs_answer(engine: FakeEngine, body: bytes, *, tty: bool) -> None:
    engine.on("GET", "/containers/web/json", Reply(200, json.dumps({"Config": {"Tty": tty}})))
    head = f"HTTP/1.0 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
    engine.on("GET", "/containers/web/logs", Reply(200, raw=head + body))


def test_the_multiplexed_log_stream_is_decoded_in_the_order_it_was_written(
    engine: FakeEngine,
) -> None:
    raw = frame(1, b"out 1\nout ") + frame(2, b"err 1\n") + frame(1, "ü 2\n".encode())
    logs_answer(engine, raw, tty=False)
    assert DockerSource().logs("web", 10, tty=False) == ["out 1", "out err 1", "ü 2"]
    (asked,) = [r for r in engine.requests if r.path.endswith("/logs")]
    assert "tail=10" in asked.target


def test_a_cut_off_last_frame_keeps_what_arrived(engine: FakeEngine) -> None:
    logs_answer(engine, frame(1, b"whole\n") + frame(1, b"cut off here")[:-4], tty=False)
    assert DockerSource().logs("web", 10, tty=False) == ["whole", "cut off "]


def test_with_a_tty_the_log_stream_is_raw_and_carriage_returns_go(engine: FakeEngine) -> None:
    logs_answer(engine, b"\x01\x00 one\r\ntwo\r\n", tty=True)
    assert DockerSource().logs("web", 10, tty=True) == ["\x01\x00 one", "two"]
