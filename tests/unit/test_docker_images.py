"""What `unitgen update` asks of the engine (DockerSource's image requests), against a fake
engine on a Unix socket: the requests as sent, and the engine's failures, including those a
real engine gives only by chance (a silence, a failure inside a 200 stream)."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from pathlib import Path

import pytest

from tests.fakes import FakeEngine, Reply, Request
from unitgen.engine.source import DockerSource
from unitgen.errors import EngineFailed
from unitgen.model import Image, ImageName

APP = ImageName("127.0.0.1:5000/app", "1")
ID = "sha256:" + "a" * 64


def stream(*messages: dict[str, object]) -> Reply:
    return Reply(200, "".join(json.dumps(m) + "\r\n" for m in messages), chunked=True)


def test_a_pull_asks_for_the_repository_and_the_tag_and_reads_the_stream_to_its_end(
    engine: FakeEngine,
) -> None:
    engine.on("POST", "/images/create", stream({"status": "Pulling from app"}, {"status": "ok"}))
    DockerSource().pull(APP, timeout=5)
    (request,) = [r for r in engine.requests if r.method == "POST"]
    assert request.target == "/v1.41/images/create?fromImage=127.0.0.1%3A5000%2Fapp&tag=1"
    assert "x-registry-auth" not in request.headers  # no login for that registry


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
    assert request.path == f"/images/sha256:{'a' * 64}/tag"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.target).query)
    assert (query["repo"], query["tag"]) == (["127.0.0.1:5000/app"], ["1"])


def test_the_registrys_digest_is_its_descriptors(engine: FakeEngine) -> None:
    body = {"Descriptor": {"digest": "sha256:d1", "size": 735}, "Platforms": []}
    engine.on("GET", "/distribution/", Reply(200, json.dumps(body)))
    assert DockerSource().registry_digest(APP) == "sha256:d1"
    (request,) = [r for r in engine.requests if r.path.startswith("/distribution/")]
    assert request.target == "/v1.41/distribution/127.0.0.1:5000/app:1/json"
    engine.on("GET", "/distribution/", Reply(401, '{"message": "unauthorized"}'))
    with pytest.raises(EngineFailed) as caught:
        DockerSource().registry_digest(APP)
    assert (
        caught.value.message
        == "asking the registry for 127.0.0.1:5000/app:1: Docker said: unauthorized"
    )
    assert caught.value.hint == "log in first: docker login 127.0.0.1:5000"


def test_an_image_is_its_id_and_digests_and_none_when_the_engine_has_none(
    engine: FakeEngine,
) -> None:
    found = {"Id": ID, "RepoDigests": ["127.0.0.1:5000/app@sha256:d1"]}
    engine.on("GET", "/images/127.0.0.1:5000/app:1/json", Reply(200, json.dumps(found)))
    engine.on("GET", "/images/gone/json", Reply(404, '{"message": "No such image: gone"}'))
    assert DockerSource().image(str(APP)) == Image(ID, ("127.0.0.1:5000/app@sha256:d1",))
    assert DockerSource().image("gone") is None


def logged_in(home: Path, monkeypatch: pytest.MonkeyPatch, registry: str) -> str:
    """A Docker CLI config (in DOCKER_CONFIG, as `docker login REGISTRY` writes it) with a
    login for REGISTRY; the X-Registry-Auth header the CLI would send with it."""
    config = home / "docker-config"
    config.mkdir()
    auth = base64.b64encode(b"alice:s3cret").decode()
    (config / "config.json").write_text(json.dumps({"auths": {registry: {"auth": auth}}}))
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    return registry


def sent_auth(request: Request) -> dict[str, str]:
    header = request.headers["x-registry-auth"]
    decoded: dict[str, str] = json.loads(
        base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
    )
    return decoded


def test_a_pull_sends_the_login_dockers_cli_would_send_for_that_registry(
    engine: FakeEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged_in(tmp_path, monkeypatch, "127.0.0.1:5000")
    engine.on("POST", "/images/create", stream({"status": "ok"}))
    engine.on("GET", "/distribution/", Reply(200, json.dumps({"Descriptor": {"digest": "d"}})))
    DockerSource().pull(APP, timeout=5)
    DockerSource().registry_digest(APP)
    pull, digest = [r for r in engine.requests if r.path.startswith(("/images", "/distrib"))]
    for request in (pull, digest):
        found = sent_auth(request)
        assert (found["username"], found["password"]) == ("alice", "s3cret")
        assert found["serveraddress"] == "127.0.0.1:5000"


def test_a_login_for_another_registry_is_not_sent(
    engine: FakeEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged_in(tmp_path, monkeypatch, "registry.example:5000")
    engine.on("POST", "/images/create", stream({"status": "ok"}))
    DockerSource().pull(APP, timeout=5)
    (request,) = [r for r in engine.requests if r.method == "POST"]
    assert "x-registry-auth" not in request.headers


@pytest.mark.parametrize(
    "refusal",
    [
        Reply(401, '{"message": "Head https://127.0.0.1:5000/v2/app/manifests/1: unauthorized"}'),
        Reply(500, '{"message": "Get https://127.0.0.1:5000/v2/: no basic auth credentials"}'),
        Reply(
            404,
            '{"message": "pull access denied for 127.0.0.1:5000/app, repository does not exist '
            "or may require 'docker login': denied: requested access to the resource is "
            'denied"}',
        ),
        stream({"status": "Pulling"}, {"error": "unauthorized: authentication required"}),
    ],
    ids=["401", "no-credentials", "pull-access-denied", "in-the-stream"],
)
def test_a_pull_refused_for_want_of_a_login_says_docker_login_registry(
    engine: FakeEngine, refusal: Reply
) -> None:
    engine.on("POST", "/images/create", refusal)
    with pytest.raises(EngineFailed) as caught:
        DockerSource().pull(APP, timeout=5)
    assert caught.value.message.startswith("pulling 127.0.0.1:5000/app:1: Docker said: ")
    assert caught.value.hint == "log in first: docker login 127.0.0.1:5000"


def test_a_pull_from_docker_hub_names_its_registry_for_docker_login(engine: FakeEngine) -> None:
    engine.on("POST", "/images/create", Reply(401, '{"message": "unauthorized"}'))
    with pytest.raises(EngineFailed) as caught:
        DockerSource().pull(ImageName("someone/private", "latest"), timeout=5)
    assert caught.value.hint == "log in first: docker login docker.io"


def test_a_pull_failing_for_another_reason_gives_no_login_hint(engine: FakeEngine) -> None:
    engine.on("POST", "/images/create", Reply(500, '{"message": "no space left on device"}'))
    with pytest.raises(EngineFailed) as caught:
        DockerSource().pull(APP, timeout=5)
    assert caught.value.hint is None
