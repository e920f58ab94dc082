"""What `unitgen update` asks of the engine (DockerSource's image requests), against a fake
engine on a Unix socket: the requests as sent, and the engine's failures, including those a
real engine gives only by chance (a silence, a failure inside a 200 stream)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import FakeEngine, Reply
from unitgen.engine.source import DockerSource
from unitgen.errors import EngineFailed
from unitgen.model import Image, ImageName

APP = ImageName("127.0.0.1:5000/app", "1")
ID = "sha256:" + "a" * 64


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    fake = FakeEngine(tmp_path / "docker.sock").start()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{fake.socket}")
    yield fake
    fake.stop()


def stream(*messages: dict[str, object]) -> Reply:
    return Reply(200, "".join(json.dumps(m) + "\r\n" for m in messages))


def test_a_pull_asks_for_the_repository_and_the_tag_and_reads_the_stream_to_its_end(
    engine: FakeEngine,
) -> None:
    engine.on("POST", "/images/create", stream({"status": "Pulling from app"}, {"status": "ok"}))
    DockerSource().pull(APP, timeout=5)
    (request,) = [r for r in engine.requests if r.method == "POST"]
    assert request.target == "/images/create?fromImage=127.0.0.1%3A5000%2Fapp&tag=1"


def test_a_failure_inside_the_pulls_stream_is_the_engines_own_words(engine: FakeEngine) -> None:
    engine.on(
        "POST",
        "/images/create",
        stream(
            {"status": "Downloading", "id": "83917ee7c661"},
            {"errorDetail": {"message": "unknown blob"}, "error": "unknown blob"},
        ),
    )
    with pytest.raises(EngineFailed) as caught:
        DockerSource().pull(APP, timeout=5)
    assert str(caught.value) == "pulling 127.0.0.1:5000/app:1: Docker said: unknown blob"


def test_a_pull_refused_with_a_404_is_a_failed_pull_not_a_missing_container(
    engine: FakeEngine,
) -> None:
    engine.on("POST", "/images/create", Reply(404, '{"message": "manifest unknown"}'))
    with pytest.raises(EngineFailed, match=r"^pulling .*: Docker said: manifest unknown$"):
        DockerSource().pull(APP, timeout=5)


def test_a_pull_the_engine_goes_silent_on_fails_after_the_timeout(engine: FakeEngine) -> None:
    never = threading.Event()
    engine.on("POST", "/images/create", Reply(200, "{}", after=never))
    with pytest.raises(EngineFailed, match="the engine said nothing for too long"):
        DockerSource().pull(APP, timeout=0.3)
    never.set()


def test_a_tag_points_the_name_at_the_id(engine: FakeEngine) -> None:
    engine.on("POST", "/images/", Reply(201))
    DockerSource().tag(ID, APP)
    (request,) = [r for r in engine.requests if r.method == "POST"]
    assert request.target == f"/images/sha256%3A{'a' * 64}/tag?repo=127.0.0.1%3A5000%2Fapp&tag=1"


def test_the_registrys_digest_is_its_descriptors(engine: FakeEngine) -> None:
    body = {"Descriptor": {"digest": "sha256:d1", "size": 735}, "Platforms": []}
    engine.on("GET", "/distribution/", Reply(200, json.dumps(body)))
    assert DockerSource().registry_digest(APP) == "sha256:d1"
    (request,) = [r for r in engine.requests if r.path.startswith("/distribution/")]
    assert request.target == "/distribution/127.0.0.1%3A5000%2Fapp%3A1/json"
    engine.on("GET", "/distribution/", Reply(401, '{"message": "unauthorized"}'))
    with pytest.raises(
        EngineFailed, match=r"asking the registry for .*: Docker said: unauthorized"
    ):
        DockerSource().registry_digest(APP)


def test_an_image_is_its_id_and_digests_and_none_when_the_engine_has_none(
    engine: FakeEngine,
) -> None:
    found = {"Id": ID, "RepoDigests": ["127.0.0.1:5000/app@sha256:d1"]}
    engine.on("GET", "/images/127.0.0.1%3A5000%2Fapp%3A1/json", Reply(200, json.dumps(found)))
    engine.on("GET", "/images/gone/json", Reply(404, '{"message": "No such image: gone"}'))
    assert DockerSource().image(str(APP)) == Image(ID, ("127.0.0.1:5000/app@sha256:d1",))
    assert DockerSource().image("gone") is None
