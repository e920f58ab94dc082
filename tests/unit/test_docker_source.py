"""The engine adapter: faults a real engine cannot produce on demand, with a fake socket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tests.fakes import FakeEngine, Reply
from unitgen.engine.client import EngineError, UnixJSON
from unitgen.engine.source import DockerSource
from unitgen.engine.specs import listed_names
from unitgen.errors import ContainerNotFound, DockerUnavailable, EngineFailed, UsageError
from unitgen.model import RestartPolicy


class Vanishing:
    """Lists two containers, then one of them is removed before it is inspected."""

    def __init__(self) -> None:
        self.data = json.loads((FIXTURES / "inspect/seed-containers.json").read_text())[:2]

    def get(self, url: str) -> Any:
        if url.startswith("/containers/json"):
            return [{"Id": c["Id"], "Names": [c["Name"]]} for c in self.data]
        if url == "/networks":
            return []
        if self.data[0]["Id"] in url:
            raise EngineError(404, "No such container")
        return next(c for c in self.data if c["Id"] in url)


def test_a_container_removed_mid_run_is_simply_not_there() -> None:
    source = DockerSource()
    source._client = Vanishing()  # type: ignore[assignment]
    specs, _ = source.snapshot()
    assert [s.name for s in specs] == [Vanishing().data[1]["Name"].lstrip("/")]


def test_a_tcp_docker_host_is_refused_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.1:2375")
    with pytest.raises(UsageError, match="is not a Unix socket"):
        DockerSource()


def test_a_listing_names_each_container_by_its_name_not_a_link_alias() -> None:
    listed = [
        {"Id": "a1", "Names": ["/web/db", "/db"]},
        {"Id": "b2", "Names": ["/web"]},
        {"Id": "c3", "Names": []},
    ]
    assert listed_names(listed) == {"a1": "db", "b2": "web"}


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    fake = FakeEngine(tmp_path / "docker.sock").start()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{fake.socket}")
    yield fake
    fake.stop()


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
    engine.on("GET", "/events", Reply(200, "".join(json.dumps(e) + "\n" for e in lines)))
    assert list(DockerSource(timeout=None).events(since=1700000000)) == lines
    (request,) = [r for r in engine.requests if r.path == "/events"]
    assert "since=1700000000" in request.target
    assert request.filters == {"type": ["container"]}


def test_after_a_failed_connect_the_next_request_fails_the_same_way_not_mid_request(
    tmp_path: Path,
) -> None:
    # unitgen status asks twice (resolve, then the state) with the engine down.
    reader = UnixJSON(str(tmp_path / "no.sock"), timeout=1)
    for _ in (1, 2):
        with pytest.raises(FileNotFoundError):
            reader.get("/containers/web/json")


def test_an_engine_that_is_down_is_exit_3_for_resolve_and_state_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no.sock")
    source = DockerSource(timeout=1)
    for ask in (lambda: source.resolve("web"), lambda: source.state("web")):
        with pytest.raises(DockerUnavailable, match="cannot reach the Docker engine"):
            ask()


def test_a_reference_is_one_path_segment_for_the_engine() -> None:
    asked: list[str] = []

    class Recording:
        def get(self, url: str) -> Any:
            asked.append(url)
            raise EngineError(404, "No such container")

    source = DockerSource()
    source._client = Recording()  # type: ignore[assignment]
    assert source.resolve("a b/../c?x") is None
    assert asked == ["/containers/a%20b%2F..%2Fc%3Fx/json"]
