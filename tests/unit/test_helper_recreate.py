"""The unit helper's verbs for recreate mode (unitgen/units/helper.sh: recreate, discard) against a
fake Docker engine (tests/fakes.py): the requests each answer leads to, in order, and the exit
status and message systemd sees. The record is written here in the format of the brief the
helper and unitgen share (README, "Recreate mode"): one top-level member a line."""

from __future__ import annotations

import contextlib
import json
import urllib.parse
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import need
from tests.fakes import FakeEngine, Lifecycle, Reply, Request, State, run_helper

OK = Reply(204)
# How recreate ends when no container could be made: 0, after saying why, so that the unit's
# main step (wait) fails at once and the unit restarts as after a crash (helper.sh, SOFT).
GIVES_UP = 0
GONE = Reply(404, '{"message":"No such container: web"}')
CREATED = Reply(201, '{"Id":"0123abcd","Warnings":[]}')
NO_IMAGE = Reply(404, '{"message":"No such image: 127.0.0.1:5000/app:1"}')
CONFLICT = Reply(
    409,
    '{"message":"Conflict. The container name \\"/web\\" is already in use by container'
    ' \\"0123\\". You have to remove (or rename) that container to be able to reuse that name."}',
)
PULLED = Reply(
    200,
    '{"status":"Pulling from app","id":"1"}\r\n'
    '{"status":"Digest: sha256:abcd"}\r\n'
    '{"status":"Status: Downloaded newer image for 127.0.0.1:5000/app:1"}\r\n',
)
CREATE: dict[str, Any] = {
    "Image": "127.0.0.1:5000/app:1",
    "Cmd": ["sh", "-c", 'echo "$GREETING" \\ done'],
    # Quotes, backslashes, non-ASCII (escaped: the record is ASCII) and a few KB: the body
    # must reach the engine byte for byte, with its length.
    "Env": ['GREETING=say "hi" \\o/', "OWNER=Jürgen Ødegård", "BIG=" + "x" * 4000],
    "Labels": {"unitgen.unit": "docker-web.service", "object.systemd.unit": "docker-web.service"},
    "HostConfig": {"NetworkMode": "front", "RestartPolicy": {"Name": "no"}},
    "NetworkingConfig": {"EndpointsConfig": {"front": {"Aliases": ["www"]}}},
}


def record(
    path: Path,
    *,
    container: str = "web",
    image: str = "127.0.0.1:5000/app:1",
    create: Mapping[str, Any] | None = CREATE,
    connect: Mapping[str, Mapping[str, Any]] | None = None,
    api: str = "",
    registry_auth: str = "",
) -> Path:
    """A record as unitgen writes it: valid JSON, one compact ASCII member a line."""
    members: dict[str, Any] = {
        "unitgen-record": 1,
        "container": container,
        "image": image,
        "image-id": "sha256:" + "0" * 64,
    }
    if create is not None:
        members["create"] = create
    if api:
        members["api"] = api
    if registry_auth:
        members["registry-auth"] = registry_auth
    for net, body in (connect or {}).items():
        members[f"connect {net}"] = body
    lines = [
        json.dumps(key) + ":" + json.dumps(value, separators=(",", ":"), ensure_ascii=True)
        for key, value in members.items()
    ]
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n")
    assert json.loads(path.read_text()) == members
    return path


def recorded_line(path: Path, key: str) -> bytes:
    """The value of KEY exactly as the record holds it."""
    prefix = json.dumps(key).encode() + b":"
    [line] = [x for x in path.read_bytes().splitlines() if x.startswith(prefix)]
    return line.removeprefix(prefix).removesuffix(b",")


@pytest.fixture
def web(tmp_path: Path) -> Path:
    return record(tmp_path / "web.json")


def calls(engine: FakeEngine) -> list[str]:
    """Each request but the ping and the readiness inspects (after the start), as `METHOD
    target`."""
    made, started = [], False
    for r in engine.requests:
        if r.path == "/_ping" or (started and r.method == "GET" and r.path.endswith("/json")):
            continue
        started = started or (r.method == "POST" and r.path.endswith("/start"))
        made.append(f"{r.method} {r.target}")
    return made


def serving(engine: FakeEngine, *, stop: Reply = GONE, create: tuple[Reply, ...] = ()) -> None:
    """An engine where NAME web is in the state STOP answers, then is created (with CREATE's
    answers in turn) and comes up at once."""
    engine.on("POST", "/containers/web/stop", stop)
    engine.on("DELETE", "/containers/web", OK)
    engine.on("POST", "/containers/create", *(create or (CREATED,)))
    engine.on("POST", "/containers/web/start", OK)
    Lifecycle("web", State("running")).serve_on(engine)


STOPPED = "POST /v1.41/containers/web/stop?t=10"
REMOVED = "DELETE /v1.41/containers/web?force=1"
CREATE_IT = "POST /v1.41/containers/create?name=web"
STARTED = "POST /v1.41/containers/web/start"


# recreate: ExecStartPre of a unit that owns its container.


def test_recreate_with_no_container_there_creates_it_from_the_record_and_starts_it(
    engine: FakeEngine, web: Path
) -> None:
    serving(engine)
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert (done.returncode, done.stderr) == (0, "")
    assert calls(engine) == [STOPPED, CREATE_IT, STARTED]


def test_recreate_sends_the_recorded_create_body_byte_for_byte_with_its_length(
    engine: FakeEngine, web: Path
) -> None:
    serving(engine)
    assert run_helper(engine, "recreate", "web", str(web), "10").returncode == 0
    [create] = [r for r in engine.requests if r.path == "/containers/create"]
    assert create.body == recorded_line(web, "create")
    assert len(create.body) > 4000
    assert create.headers["content-length"] == str(len(create.body))
    assert create.headers["content-type"] == "application/json"
    assert json.loads(create.body) == CREATE


def test_recreate_stops_a_leftover_container_then_removes_it_keeping_its_volumes(
    engine: FakeEngine, web: Path
) -> None:
    serving(engine, stop=OK)
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert done.returncode == 0, done.stderr
    assert calls(engine) == [STOPPED, REMOVED, CREATE_IT, STARTED]  # force=1, never v=1


def test_recreate_removes_a_leftover_the_engine_cannot_stop_by_force(
    engine: FakeEngine, web: Path
) -> None:
    serving(engine, stop=Reply(500, '{"message":"cannot kill container"}'))
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert (done.returncode, done.stderr) == (0, "")
    assert calls(engine) == [STOPPED, REMOVED, CREATE_IT, STARTED]


def test_recreate_waits_for_a_removal_already_in_progress(engine: FakeEngine, web: Path) -> None:
    serving(engine, stop=OK)
    engine.on(
        "DELETE",
        "/containers/web",
        Reply(409, '{"message":"removal of container web is already in progress"}'),
    )
    engine.on("GET", "/containers/web/json", Reply(200, '{"Id":"0123"}'), GONE)
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert done.returncode == 0, done.stderr
    inspect = "GET /v1.41/containers/web/json"
    assert calls(engine) == [STOPPED, REMOVED, inspect, inspect, CREATE_IT, STARTED]


def test_recreate_that_cannot_remove_the_leftover_gives_up_with_the_engines_message(
    engine: FakeEngine, web: Path
) -> None:
    serving(engine, stop=OK)
    engine.on("DELETE", "/containers/web", Reply(500, '{"message":"device or resource busy"}'))
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert (done.returncode, done.stderr) == (
        GIVES_UP,
        "could not remove container web (HTTP 500): device or resource busy\n",
    )
    assert CREATE_IT not in calls(engine)


def test_recreate_pulls_a_missing_image_then_creates_the_container(
    engine: FakeEngine, web: Path
) -> None:
    serving(engine, create=(NO_IMAGE, CREATED))
    engine.on("POST", "/images/create", PULLED)
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert (done.returncode, done.stderr) == (
        0,
        "image 127.0.0.1:5000/app:1 is missing: pulling it\n",
    )
    pull = "POST /v1.41/images/create?fromImage=127.0.0.1%3A5000%2Fapp&tag=1"
    assert calls(engine) == [STOPPED, CREATE_IT, pull, CREATE_IT, STARTED]


def test_recreate_posts_the_create_at_the_api_version_the_record_was_written_at(
    engine: FakeEngine, tmp_path: Path
) -> None:
    web = record(tmp_path / "web.json", api="1.40")
    serving(engine)
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert done.returncode == 0, done.stderr
    creates = [c for c in calls(engine) if "/containers/create" in c]
    assert creates == ["POST /v1.40/containers/create?name=web"]
    assert STARTED in calls(engine)  # the rest at the engine's own version


def test_an_engine_that_no_longer_takes_the_records_version_gets_the_create_at_its_own(
    tmp_path: Path,
) -> None:
    """Docker 29.0-29.2 refuse below 1.44: the container must still come back at boot."""
    engine = FakeEngine(tmp_path / "new.sock", api="1.51", min_api="1.44").start()
    try:
        web = record(tmp_path / "web.json", api="1.41")
        serving(engine)
        done = run_helper(engine, "recreate", "web", str(web), "10")
        assert done.returncode == 0, done.stderr
        creates = [c for c in calls(engine) if "/containers/create" in c]
        assert creates == [
            "POST /v1.41/containers/create?name=web",
            "POST /v1.51/containers/create?name=web",
        ]
        assert "the engine no longer takes API 1.41" in done.stderr
        assert "unitgen install --recreate web" in done.stderr
    finally:
        engine.stop()


def test_the_pull_of_a_missing_image_sends_the_login_the_record_carries(
    engine: FakeEngine, tmp_path: Path
) -> None:
    web = record(tmp_path / "web.json", registry_auth="eyJ1c2VybmFtZSI6ImRlcGxveSJ9")
    serving(engine, create=(NO_IMAGE, CREATED))
    engine.on("POST", "/images/create", PULLED)
    assert run_helper(engine, "recreate", "web", str(web), "10").returncode == 0
    [pull] = [r for r in engine.requests if r.path == "/images/create"]
    assert pull.headers["x-registry-auth"] == "eyJ1c2VybmFtZSI6ImRlcGxveSJ9"
    others = [r for r in engine.requests if r.path != "/images/create"]
    assert not any("x-registry-auth" in r.headers for r in others)


def test_without_a_login_in_the_record_the_pull_sends_none(engine: FakeEngine, web: Path) -> None:
    serving(engine, create=(NO_IMAGE, CREATED))
    engine.on("POST", "/images/create", PULLED)
    assert run_helper(engine, "recreate", "web", str(web), "10").returncode == 0
    assert not any("x-registry-auth" in r.headers for r in engine.requests)


def pulled_as(request: Request) -> tuple[str, str]:
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request.target).query)
    return query["fromImage"][0], query["tag"][0]


@pytest.mark.parametrize(
    ("image", "repository", "tag"),
    [
        ("app", "app", "latest"),
        ("app:1.2", "app", "1.2"),
        ("library/app:1", "library/app", "1"),
        ("127.0.0.1:5000/app", "127.0.0.1:5000/app", "latest"),
        ("registry.example:5000/team/app:v2", "registry.example:5000/team/app", "v2"),
        ("app@sha256:" + "a" * 64, "app", "sha256:" + "a" * 64),
        ("127.0.0.1:5000/app:1@sha256:" + "b" * 64, "127.0.0.1:5000/app", "sha256:" + "b" * 64),
    ],
)
def test_recreate_pulls_by_repository_and_tag_or_digest_as_the_docker_cli_does(
    engine: FakeEngine, tmp_path: Path, image: str, repository: str, tag: str
) -> None:
    serving(engine, create=(NO_IMAGE, CREATED))
    engine.on("POST", "/images/create", PULLED)
    done = run_helper(engine, "recreate", "web", str(record(tmp_path / "r", image=image)), "10")
    assert done.returncode == 0, done.stderr
    [pull] = [r for r in engine.requests if r.path == "/images/create"]
    assert pulled_as(pull) == (repository, tag)


def test_a_pull_that_fails_in_its_stream_gives_up_with_the_engines_error(
    engine: FakeEngine, web: Path
) -> None:
    """The engine answers a pull 200 at once and reports a failure later, in the stream."""
    serving(engine, create=(NO_IMAGE, CREATED))
    error = 'manifest for 127.0.0.1:5000/app:1 not found: "manifest unknown" \u003c1\u003e'
    stream = [
        {"status": "Pulling from app", "id": "1"},
        {"errorDetail": {"message": error}, "error": error},
    ]
    body = "".join(json.dumps(line) + "\r\n" for line in stream)
    engine.on("POST", "/images/create", Reply(200, body))
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert done.returncode == GIVES_UP
    assert done.stderr.splitlines()[-1] == (
        "could not pull image 127.0.0.1:5000/app:1: manifest for 127.0.0.1:5000/app:1"
        ' not found: "manifest unknown" <1>'
    )
    assert calls(engine).count(CREATE_IT) == 1


def test_a_pull_the_engine_refuses_gives_up_with_its_message(engine: FakeEngine, web: Path) -> None:
    serving(engine, create=(NO_IMAGE, CREATED))
    refused = 'Get \\"https://127.0.0.1:5000/v2/\\": dial tcp 127.0.0.1:5000: connection refused'
    engine.on("POST", "/images/create", Reply(500, '{"message":"' + refused + '"}'))
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert (done.returncode, done.stderr.splitlines()[-1]) == (
        GIVES_UP,
        'could not pull image 127.0.0.1:5000/app:1 (HTTP 500): Get "https://127.0.0.1:5000/v2/":'
        " dial tcp 127.0.0.1:5000: connection refused",
    )
    assert calls(engine).count(CREATE_IT) == 1


# How engines refuse a pull for want of a login (Docker 20.10's 500, later engines' 401, Docker
# Hub's 404, a refusal inside the stream): the words tests/unit/test_docker_images.py gives
# `unitgen update`'s pull.
LOGIN_REFUSALS = {
    "no-credentials": Reply(
        500,
        '{"message":"Head \\"http://127.0.0.1:5000/v2/app/manifests/1\\": '
        'no basic auth credentials"}',
    ),
    "401": Reply(401, '{"message":"Head https://127.0.0.1:5000/v2/app/manifests/1: x"}'),
    "pull-access-denied": Reply(
        404,
        '{"message":"pull access denied for 127.0.0.1:5000/app, repository does not exist or '
        "may require 'docker login': denied: requested access to the resource is denied\"}",
    ),
    "in-the-stream": Reply(
        200,
        '{"status":"Pulling from app","id":"1"}\r\n'
        '{"errorDetail":{"message":"unauthorized: authentication required"},'
        '"error":"unauthorized: authentication required"}\r\n',
    ),
}


@pytest.mark.parametrize("refusal", LOGIN_REFUSALS.values(), ids=LOGIN_REFUSALS.keys())
def test_a_pull_refused_for_want_of_a_login_says_docker_login_registry_in_the_journal(
    engine: FakeEngine, web: Path, refusal: Reply
) -> None:
    serving(engine, create=(NO_IMAGE, CREATED))
    engine.on("POST", "/images/create", refusal)
    done = run_helper(engine, "recreate", "web", str(web), "10")
    said = done.stderr.splitlines()[-1]
    assert done.returncode == GIVES_UP
    assert said.startswith("could not pull image 127.0.0.1:5000/app:1")
    assert said.endswith(
        "; log in first: docker login 127.0.0.1:5000, then unitgen install --recreate web"
        " (the record carries the login)"
    )


@pytest.mark.parametrize(
    ("image", "registry"),
    [
        ("app:1", "docker.io"),
        ("team/app:1", "docker.io"),
        ("registry.example/team/app:1", "registry.example"),
        ("localhost/app", "localhost"),
        ("127.0.0.1:5000/app:1@sha256:" + "b" * 64, "127.0.0.1:5000"),
    ],
)
def test_the_login_a_refused_pull_asks_for_is_the_registry_docker_login_names(
    engine: FakeEngine, tmp_path: Path, image: str, registry: str
) -> None:
    from unitgen.engine.sdk import registry_of

    assert registry_of(image) == registry  # what `unitgen update` would say
    serving(engine, create=(NO_IMAGE, CREATED))
    engine.on("POST", "/images/create", LOGIN_REFUSALS["no-credentials"])
    done = run_helper(engine, "recreate", "web", str(record(tmp_path / "r", image=image)), "10")
    assert f"; log in first: docker login {registry}, then " in done.stderr


def test_a_pull_refused_for_another_reason_asks_for_no_login(engine: FakeEngine, web: Path) -> None:
    serving(engine, create=(NO_IMAGE, CREATED))
    engine.on("POST", "/images/create", Reply(404, '{"message":"manifest unknown"}'))
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert done.stderr.splitlines()[-1] == (
        "could not pull image 127.0.0.1:5000/app:1 (HTTP 404): manifest unknown"
    )


def test_an_image_still_missing_after_its_pull_gives_up_without_pulling_again(
    engine: FakeEngine, web: Path
) -> None:
    serving(engine, create=(NO_IMAGE,))
    engine.on("POST", "/images/create", PULLED)
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert (done.returncode, done.stderr.splitlines()[-1]) == (
        GIVES_UP,
        "could not create container web (HTTP 404): No such image: 127.0.0.1:5000/app:1",
    )
    assert [c.split("?")[0] for c in calls(engine)].count("POST /v1.41/images/create") == 1


def test_a_name_still_taken_is_cleared_again_and_the_create_retried(
    engine: FakeEngine, web: Path
) -> None:
    # Someone else's removal (or creation) raced ours: the name frees up a moment later.
    serving(engine, stop=GONE, create=(CONFLICT, CREATED))
    engine.on("POST", "/containers/web/stop", GONE, OK)
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert done.returncode == 0, done.stderr
    assert calls(engine) == [STOPPED, CREATE_IT, STOPPED, REMOVED, CREATE_IT, STARTED]


def test_a_name_that_stays_taken_fails_after_three_retries_with_the_engines_message(
    engine: FakeEngine, web: Path
) -> None:
    serving(engine, create=(CONFLICT,))
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert done.returncode == GIVES_UP
    assert done.stderr == (
        'could not create container web (HTTP 409): Conflict. The container name "/web" is'
        ' already in use by container "0123". You have to remove (or rename) that container'
        " to be able to reuse that name.\n"
    )
    assert calls(engine).count(CREATE_IT) == 4
    assert STARTED not in calls(engine)


def test_a_create_the_engine_refuses_gives_up_with_its_message(
    engine: FakeEngine, web: Path
) -> None:
    serving(engine, create=(Reply(400, '{"message":"invalid mount config for type \\"bind\\""}'),))
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert (done.returncode, done.stderr) == (
        GIVES_UP,
        'could not create container web (HTTP 400): invalid mount config for type "bind"\n',
    )
    assert STARTED not in calls(engine)


ODD = 'odd "net" \\ é \U0001f433'
CONNECT = {
    "back": {"EndpointConfig": {"Aliases": ["api"], "IPAMConfig": {"IPv4Address": "10.9.0.5"}}},
    # A network's name may be anything Docker accepts: spaces, quotes, \, non-ASCII (in the
    # record as \u escapes, beyond U+FFFF as a surrogate pair).
    ODD: {},
}


def test_recreate_connects_each_further_network_between_create_and_start(
    engine: FakeEngine, tmp_path: Path
) -> None:
    serving(engine)
    engine.on("POST", "/networks/", Reply(200, ""))
    web = record(tmp_path / "web.json", connect=CONNECT)
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert (done.returncode, done.stderr) == (0, "")
    odd = urllib.parse.quote(ODD, safe="")
    assert calls(engine) == [
        STOPPED,
        CREATE_IT,
        "POST /v1.41/networks/back/connect",
        f"POST /v1.41/networks/{odd}/connect",
        STARTED,
    ]
    connects = [r for r in engine.requests if r.path.startswith("/networks/")]
    assert [urllib.parse.unquote(r.path.split("/")[2]) for r in connects] == list(CONNECT)
    assert [json.loads(r.body) for r in connects] == [
        {"Container": "web", **CONNECT["back"]},
        {"Container": "web"},
    ]
    assert all(r.headers["content-length"] == str(len(r.body)) for r in connects)


def test_a_network_that_is_gone_fails_naming_it_and_leaves_no_container(
    engine: FakeEngine, tmp_path: Path
) -> None:
    serving(engine)
    engine.on("POST", "/networks/back/connect", Reply(404, '{"message":"network back not found"}'))
    web = record(tmp_path / "web.json", connect=CONNECT)
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert (done.returncode, done.stderr) == (
        GIVES_UP,
        "network back is gone: network back not found\n",
    )
    assert calls(engine) == [STOPPED, CREATE_IT, "POST /v1.41/networks/back/connect", REMOVED]


def test_recreate_ends_as_start_does_waiting_for_the_health_check(
    engine: FakeEngine, web: Path
) -> None:
    serving(engine)
    lifecycle = Lifecycle("web", State(health="starting"), State(health="healthy"), polls=4)
    lifecycle.serve_on(engine)
    done = run_helper(engine, "recreate", "web", str(web), "10")
    assert done.returncode == 0, done.stderr
    assert lifecycle.reached_last, "recreate did not wait for the health check"


# The record: checked before the engine is asked anything.

FIX = "rewrite it with: unitgen install --recreate web"


def test_a_missing_record_fails_naming_the_file_and_the_fix(
    engine: FakeEngine, tmp_path: Path
) -> None:
    missing = tmp_path / "web.json"
    done = run_helper(engine, "recreate", "web", str(missing), "10")
    assert (done.returncode, done.stderr) == (
        GIVES_UP,
        f"cannot read {missing}, the record container web is created from: {FIX}\n",
    )
    assert engine.requests == []


def test_a_record_that_is_a_directory_is_unreadable(engine: FakeEngine, tmp_path: Path) -> None:
    done = run_helper(engine, "recreate", "web", str(tmp_path), "10")
    assert (done.returncode, done.stderr) == (
        GIVES_UP,
        f"cannot read {tmp_path}, the record container web is created from: {FIX}\n",
    )


def test_another_containers_record_fails_naming_both(engine: FakeEngine, tmp_path: Path) -> None:
    foreign = record(tmp_path / "web.json", container="db")
    done = run_helper(engine, "recreate", "web", str(foreign), "10")
    assert (done.returncode, done.stderr) == (
        GIVES_UP,
        f'{foreign} is not the record of container web (its "container" is "db"): {FIX}\n',
    )
    assert engine.requests == []


def test_a_record_without_a_create_line_fails_naming_the_file(
    engine: FakeEngine, tmp_path: Path
) -> None:
    bad = record(tmp_path / "web.json", create=None)
    done = run_helper(engine, "recreate", "web", str(bad), "10")
    assert (done.returncode, done.stderr) == (GIVES_UP, f'{bad} has no "create" line: {FIX}\n')
    assert engine.requests == []


def test_a_file_that_is_no_record_at_all_fails_naming_the_file(
    engine: FakeEngine, tmp_path: Path
) -> None:
    bad = tmp_path / "web.json"
    bad.write_text(json.dumps({"container": "web", "create": CREATE}, indent=2))
    done = run_helper(engine, "recreate", "web", str(bad), "10")
    assert (done.returncode, done.stderr) == (
        GIVES_UP,
        f'{bad} is not the record of container web (its "container" is none): {FIX}\n',
    )


# discard: ExecStop of a unit that owns its container.


@pytest.mark.parametrize(
    ("stopped", "removed"),
    [(OK, OK), (Reply(304), OK), (GONE, GONE)],
    ids=["running", "already-stopped", "gone"],
)
def test_discard_stops_then_removes_the_container(
    engine: FakeEngine, stopped: Reply, removed: Reply
) -> None:
    engine.on("POST", "/containers/web/stop", stopped)
    engine.on("DELETE", "/containers/web", removed)
    done = run_helper(engine, "discard", "web", "10")
    assert (done.returncode, done.stderr) == (0, "")
    assert calls(engine) == [STOPPED, REMOVED]


def test_discard_that_cannot_remove_gives_up_with_the_engines_message(engine: FakeEngine) -> None:
    engine.on("POST", "/containers/web/stop", OK)
    engine.on("DELETE", "/containers/web", Reply(500, '{"message":"driver busy"}'))
    done = run_helper(engine, "discard", "web", "10")
    assert (done.returncode, done.stderr) == (
        1,
        "could not remove container web (HTTP 500): driver busy\n",
    )


@pytest.fixture
def released() -> Iterator[str]:
    """A container name with a hand-back file, /run/unitgen/release/NAME (the helper's fixed
    path), removed afterwards. A unique name: it is this machine's real directory."""
    name = f"unitgen-test-{uuid.uuid4().hex[:8]}"
    directory = Path("/run/unitgen/release")
    made = [d for d in (directory.parent, directory) if not d.exists()]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / name).touch()
    except OSError:
        need("a writable /run/unitgen/release", False)
    yield name
    (directory / name).unlink()
    for made_here in reversed(made):
        with contextlib.suppress(OSError):  # another test's file may be there meanwhile
            made_here.rmdir()


def test_discard_of_a_container_handed_back_leaves_it_running_and_kept(
    engine: FakeEngine, released: str
) -> None:
    done = run_helper(engine, "discard", released, "10")
    assert (done.returncode, done.stderr) == (
        0,
        f"container {released} handed back to Docker: left running\n",
    )
    assert engine.requests == []
