"""The unit helper (unitgen/units/helper.sh), run by /bin/sh as the units run it, against a fake
Docker engine on a Unix socket (tests/fakes.py): each verb's requests, and the exit status and
message systemd sees for each answer."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import need
from tests.fakes import (
    HANG_UP,
    HELPER,
    HELPER_TIMEOUT,
    NC,
    FakeEngine,
    Lifecycle,
    Reply,
    State,
    helper_env,
    run_helper,
)

OK = Reply(204)
NOT_FOUND = Reply(404, '{"message":"No such container: web"}')


def waiting(engine: FakeEngine, name: str, reply: Reply) -> subprocess.Popen[str]:
    """A helper in `wait NAME`, returned once its /wait reached the engine; REPLY held."""
    engine.on("POST", f"/containers/{name}/wait", reply)
    proc = subprocess.Popen(
        ["/bin/sh", str(HELPER), "wait", name],
        env=helper_env(engine.socket),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + HELPER_TIMEOUT
    while not any(p.endswith(f"/containers/{name}/wait") for p in engine.paths("POST")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the helper never asked to wait"
        time.sleep(0.01)
    return proc


def listing_of(*states: State, polls: int = 1, name: str = "web") -> Lifecycle:
    return Lifecycle(name, *states, polls=polls)


def starting(engine: FakeEngine, lifecycle: Lifecycle, reply: Reply = OK) -> None:
    engine.on("POST", f"/containers/{lifecycle.name}/start", reply)
    lifecycle.serve_on(engine)


# wait: the unit's main process, whose exit status is the container's.


def test_wait_exits_with_the_containers_status_code_whatever_the_spacing(
    engine: FakeEngine,
) -> None:
    engine.on("POST", "/containers/web/wait", Reply(200, '{"StatusCode": 3}'))
    done = run_helper(engine, "wait", "web")
    assert done.returncode == 3, done.stderr
    assert "container web exited with status 3" in done.stderr


def test_wait_exits_0_for_a_clean_exit_next_to_a_null_error(engine: FakeEngine) -> None:
    engine.on("POST", "/containers/web/wait", Reply(200, '{"Error":null,"StatusCode":0}'))
    done = run_helper(engine, "wait", "web")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "body",
    ['{"StatusCode":6,"Error":null}', '{"Error":null,"StatusCode":6}'],
    ids=["first", "last"],
)
def test_wait_finds_the_status_code_first_or_last_in_the_answer(
    engine: FakeEngine, body: str
) -> None:
    engine.on("POST", "/containers/web/wait", Reply(200, body))
    assert run_helper(engine, "wait", "web").returncode == 6


def test_wait_for_a_container_that_is_gone_exits_1_naming_it(engine: FakeEngine) -> None:
    engine.on("POST", "/containers/web/wait", NOT_FOUND)
    done = run_helper(engine, "wait", "web")
    assert (done.returncode, done.stderr) == (1, "container web no longer exists\n")


def test_wait_waits_for_an_engine_that_drops_the_connection_and_waits_again(
    engine: FakeEngine,
) -> None:
    # The engine restarts under a live-restore container: the connection closes unanswered,
    # the next ping finds nobody, the one after that an engine that knows the container.
    engine.on("POST", "/containers/web/wait", HANG_UP, Reply(200, '{"StatusCode":5}'))
    engine.on("GET", "/_ping", engine.pong(), HANG_UP, engine.pong())
    done = run_helper(engine, "wait", "web")
    assert done.returncode == 5, done.stderr
    assert "lost the Docker engine" in done.stderr
    assert [p for p in engine.paths() if "/wait" in p] == ["/v1.41/containers/web/wait"] * 2


def test_wait_waits_again_when_the_engine_goes_away_after_accepting_the_wait(
    engine: FakeEngine,
) -> None:
    # Docker answers a wait's 200 and headers at once, the body when the container stops:
    # an engine stopped in between leaves a 200 without a body, which is no exit status.
    lost = Reply(200, vanish_after_headers=True)
    engine.on("POST", "/containers/web/wait", lost, Reply(200, '{"StatusCode":5}'))
    done = run_helper(engine, "wait", "web")
    assert done.returncode == 5, done.stderr
    assert "lost the Docker engine" in done.stderr


def test_wait_waits_again_after_the_engine_answers_a_server_error(engine: FakeEngine) -> None:
    # An engine shutting down (or a proxy in front of it) may answer 500 or 503: the
    # container may well go on running, so this is no exit status of its.
    busy = Reply(503, '{"message":"the daemon is shutting down"}')
    engine.on(
        "POST", "/containers/web/wait", busy, Reply(500, "{}"), Reply(200, '{"StatusCode":4}')
    )
    done = run_helper(engine, "wait", "web")
    assert done.returncode == 4, done.stderr
    assert done.stderr.count("lost the Docker engine") == 1, done.stderr
    assert [p for p in engine.paths() if "/wait" in p] == ["/v1.41/containers/web/wait"] * 3


def test_the_helper_asks_at_the_version_the_engine_offers_not_one_docker_29_refuses(
    tmp_path: Path,
) -> None:
    engine = FakeEngine(tmp_path / "new.sock", api="1.51", min_api="1.44").start()
    try:
        engine.on("POST", "/containers/web/wait", Reply(200, '{"StatusCode":0}'))
        done = run_helper(engine, "wait", "web")
        assert done.returncode == 0, done.stderr
        assert [p for p in engine.paths() if "/wait" in p] == ["/v1.51/containers/web/wait"]
    finally:
        engine.stop()


def test_wait_exits_0_when_systemd_stops_the_unit(engine: FakeEngine) -> None:
    # The stop verb sends USR1 to the unit's main process (the wait), then stops the
    # container, whose 143 must not fail the unit.
    stopped = threading.Event()
    proc = waiting(engine, "web", Reply(200, '{"StatusCode":143}', after=stopped))
    try:
        proc.send_signal(signal.SIGUSR1)
        time.sleep(0.1)  # the signal lands while the request is in flight
        stopped.set()
        _, err = proc.communicate(timeout=HELPER_TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == 0, err


def test_stop_tells_the_waiting_helper_before_stopping_the_container(
    engine: FakeEngine,
) -> None:
    stopped = threading.Event()
    proc = waiting(engine, "web", Reply(200, '{"StatusCode":143}', after=stopped))
    try:
        engine.on("POST", "/containers/web/stop", OK)
        stop = run_helper(engine, "stop", "web", "10", env={"MAINPID": str(proc.pid)})
        stopped.set()
        _, err = proc.communicate(timeout=HELPER_TIMEOUT)
    finally:
        proc.kill()
    assert stop.returncode == 0, stop.stderr
    assert proc.returncode == 0, err


# start: ExecStart's first step, done when the container is up.


def test_start_exits_0_once_the_container_is_listed_running(engine: FakeEngine) -> None:
    lifecycle = listing_of(State("created"), State("running"), polls=2)
    starting(engine, lifecycle)
    done = run_helper(engine, "start", "web")
    assert done.returncode == 0, done.stderr
    assert lifecycle.reached_last
    assert engine.paths("POST") == ["/v1.41/containers/web/start"]


def test_start_of_a_container_already_running_exits_0(engine: FakeEngine) -> None:
    starting(engine, listing_of(State("running")), Reply(304))
    assert run_helper(engine, "start", "web").returncode == 0


def test_start_of_a_missing_container_says_how_to_recreate_it_and_leaves_failing_to_wait(
    engine: FakeEngine,
) -> None:
    """The boot's start job ends (wait then fails, and the unit restarts as after a crash):
    under RestartMode=direct a failing start would hold the job, and the boot, for ever."""
    starting(engine, listing_of(State("running")), NOT_FOUND)
    done = run_helper(engine, "start", "web")
    assert (done.returncode, done.stderr) == (
        0,
        "no container named web: recreate it, then run: unitgen install web\n",
    )
    assert engine.paths("GET")[1:] == []  # no readiness asked of what does not exist


@pytest.mark.parametrize(
    ("status", "message"),
    [(409, "container is marked for removal"), (500, "driver failed programming external")],
)
def test_start_refused_by_the_engine_exits_1_with_its_message(
    engine: FakeEngine, status: int, message: str
) -> None:
    starting(engine, listing_of(State("running")), Reply(status, json.dumps({"message": message})))
    done = run_helper(engine, "start", "web")
    assert (done.returncode, done.stderr) == (
        1,
        f"could not start container web (HTTP {status}): {message}\n",
    )


@pytest.mark.parametrize("health", ["none", "healthy"])
def test_start_reads_the_inspect_whatever_its_spacing(engine: FakeEngine, health: str) -> None:
    lifecycle = Lifecycle("web", State("created"), State("running", health=health), indent=2)
    starting(engine, lifecycle)
    done = run_helper(engine, "start", "web")
    assert done.returncode == 0, done.stderr
    assert lifecycle.reached_last


def test_a_label_named_health_is_no_health_check(engine: FakeEngine) -> None:
    labels = {"Health": '{"Status":"starting"}'}
    starting(engine, Lifecycle("web", State("running"), labels=labels))
    done = run_helper(engine, "start", "web")
    assert done.returncode == 0, done.stderr
    assert [r.path for r in engine.requests].count("/containers/web/json") == 1


def test_start_waits_while_the_health_check_is_starting_then_exits_0(engine: FakeEngine) -> None:
    lifecycle = listing_of(State(health="starting"), State(health="healthy"), polls=4)
    starting(engine, lifecycle)
    done = run_helper(engine, "start", "web")
    assert done.returncode == 0, done.stderr
    assert lifecycle.reached_last, "the helper did not wait for the health check"


def test_start_of_an_unhealthy_container_exits_1(engine: FakeEngine) -> None:
    starting(engine, listing_of(State(health="starting"), State(health="unhealthy"), polls=2))
    done = run_helper(engine, "start", "web")
    assert (done.returncode, done.stderr) == (1, "container web is unhealthy\n")


def test_start_counts_a_job_that_already_exited_0_as_started(engine: FakeEngine) -> None:
    starting(engine, listing_of(State("exited", exit_code=0)))
    done = run_helper(engine, "start", "web")
    assert done.returncode == 0, done.stderr


def test_start_of_a_container_that_exited_non_zero_exits_1_with_its_exit_status(
    engine: FakeEngine,
) -> None:
    starting(engine, listing_of(State("exited", exit_code=7)))
    done = run_helper(engine, "start", "web")
    assert (done.returncode, done.stderr) == (
        1,
        "container web stopped while starting, exit status 7\n",
    )


def test_start_waits_for_an_engine_that_is_not_up_yet(tmp_path: Path) -> None:
    need("netcat-openbsd (/bin/nc.openbsd)", os.access(NC, os.X_OK))
    late = FakeEngine(tmp_path / "docker.sock")
    starting(late, listing_of(State("running")))
    timer = threading.Timer(1.0, late.start)
    timer.start()
    try:
        done = run_helper(late, "start", "web")
    finally:
        timer.join()
        late.stop()
    assert done.returncode == 0, done.stderr
    assert late.paths("POST") == ["/v1.41/containers/web/start"]


# Every verb speaks the API version the engine announces.


@pytest.mark.parametrize("api", ["1.41", "1.47"])
def test_every_request_after_the_ping_uses_the_announced_api_version(
    engine: FakeEngine, api: str
) -> None:
    engine.api = api
    starting(engine, listing_of(State("exited", exit_code=7)))
    run_helper(engine, "start", "web")
    first, *later = engine.paths()
    assert first == "/_ping"
    assert len(later) >= 2  # start, inspect
    assert all(p.startswith(f"/v{api}/") for p in later), later


def test_requests_are_unversioned_when_the_engine_announces_no_version(
    engine: FakeEngine,
) -> None:
    engine.api = None
    engine.on("POST", "/containers/web/stop", OK)
    assert run_helper(engine, "stop", "web", "10").returncode == 0
    assert engine.paths() == ["/_ping", "/containers/web/stop?t=10"]


def test_readiness_asks_the_one_container_never_a_listing_of_them_all(
    engine: FakeEngine,
) -> None:
    """A listing, even filtered, walks every container the engine has; at boot every unit of
    a level asks at once (issue 24: nothing per unit grows with the number of units)."""
    starting(engine, listing_of(State("created"), State("running"), polls=2, name="web.1"))
    assert run_helper(engine, "start", "web.1").returncode == 0
    asked = [r.path for r in engine.requests if r.method == "GET" and r.path != "/_ping"]
    assert asked == ["/containers/web.1/json"] * 3


# stop: ExecStop.


def test_stop_asks_the_engine_to_stop_the_container_with_the_grace_period(
    engine: FakeEngine,
) -> None:
    engine.on("POST", "/containers/web/stop", OK)
    assert run_helper(engine, "stop", "web", "30").returncode == 0
    assert engine.paths("POST") == ["/v1.41/containers/web/stop?t=30"]


@pytest.mark.parametrize(
    "reply", [OK, Reply(304), NOT_FOUND], ids=["stopped", "already-stopped", "gone"]
)
def test_stop_succeeds_when_the_container_is_stopped_or_gone(
    engine: FakeEngine, reply: Reply
) -> None:
    engine.on("POST", "/containers/web/stop", reply)
    done = run_helper(engine, "stop", "web", "30")
    assert done.returncode == 0, done.stderr


def test_stop_that_the_engine_fails_exits_1_with_its_message(engine: FakeEngine) -> None:
    engine.on("POST", "/containers/web/stop", Reply(500, '{"message":"cannot kill"}'))
    done = run_helper(engine, "stop", "web", "30")
    assert (done.returncode, done.stderr) == (
        1,
        "could not stop container web (HTTP 500): cannot kill\n",
    )


# network: ExecStartPre of the units whose containers join a user-defined network.

MEMBERS = (
    '"Name":"app_net"',
    '"Driver":"bridge"',
    '"Labels":{"com.example.owner":"Jürgen Ødegård"}',
)
NETWORK = "{" + ",".join(MEMBERS) + "}"


def test_a_network_that_exists_is_left_alone(engine: FakeEngine) -> None:
    engine.on("GET", "/networks/app_net", Reply(200, '{"Name":"app_net"}'))
    assert run_helper(engine, "network", "app_net", *MEMBERS).returncode == 0
    assert engine.paths("POST") == []


def test_a_missing_network_is_created_from_exactly_the_json_given(engine: FakeEngine) -> None:
    engine.on("GET", "/networks/app_net", Reply(404, '{"message":"network app_net not found"}'))
    engine.on("POST", "/networks/create", Reply(201, '{"Id":"abc","Warning":""}'))
    done = run_helper(engine, "network", "app_net", *MEMBERS)
    assert done.returncode == 0, done.stderr
    [create] = [r for r in engine.requests if r.method == "POST"]
    assert create.target == "/v1.41/networks/create"
    assert create.headers["content-length"] == str(len(NETWORK.encode()))
    assert create.body.decode() == NETWORK
    assert create.headers["content-type"] == "application/json"


def test_a_network_created_meanwhile_by_someone_else_counts_as_created(
    engine: FakeEngine,
) -> None:
    engine.on("GET", "/networks/app_net", Reply(404, '{"message":"network app_net not found"}'))
    engine.on("POST", "/networks/create", Reply(409, '{"message":"network app_net exists"}'))
    assert run_helper(engine, "network", "app_net", *MEMBERS).returncode == 0


@pytest.mark.parametrize(
    ("inspected", "created", "message"),
    [
        (Reply(500, '{"message":"boom"}'), None, "cannot inspect network app_net (HTTP 500): boom"),
        (
            Reply(404, '{"message":"network app_net not found"}'),
            Reply(500, '{"message":"pool overlaps"}'),
            "could not create network app_net (HTTP 500): pool overlaps",
        ),
    ],
    ids=["inspect", "create"],
)
def test_a_network_the_engine_fails_on_exits_1_with_its_message(
    engine: FakeEngine, inspected: Reply, created: Reply | None, message: str
) -> None:
    engine.on("GET", "/networks/app_net", inspected)
    if created is not None:
        engine.on("POST", "/networks/create", created)
    done = run_helper(engine, "network", "app_net", *MEMBERS)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == message


# The command line.


def test_a_tcp_docker_host_is_refused_with_a_clear_message() -> None:
    done = subprocess.run(
        ["/bin/sh", str(HELPER), "stop", "web", "10"],
        env={"DOCKER_HOST": "tcp://127.0.0.1:2375", "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=HELPER_TIMEOUT,
        check=False,
    )
    assert (done.returncode, done.stderr) == (
        1,
        "DOCKER_HOST=tcp://127.0.0.1:2375: only unix:// sockets are supported\n",
    )


def test_an_unknown_verb_exits_1_with_the_usage(engine: FakeEngine) -> None:
    done = run_helper(engine, "restart", "web")
    assert done.returncode == 1
    assert done.stderr == (
        f"usage: {HELPER} run NAME [RECORD SECONDS] | start NAME | wait NAME | stop NAME SECONDS"
        " | network PATHNAME MEMBER... | policy NAME POLICY | recreate NAME RECORD SECONDS"
        " | discard NAME SECONDS | signal NAME SIGNAL | exec NAME JSON-ARRAY\n"
    )
    assert engine.requests == []


def test_help_prints_the_usage_lines(engine: FakeEngine) -> None:
    done = run_helper(engine, "--help")
    assert (done.returncode, done.stderr) == (0, "")
    assert [line.split()[:2] for line in done.stdout.splitlines()] == [
        ["container-v1", "run"],
        ["container-v1", "start"],
        ["container-v1", "wait"],
        ["container-v1", "stop"],
        ["container-v1", "network"],
        ["container-v1", "policy"],
        ["container-v1", "recreate"],
        ["container-v1", "discard"],
        ["container-v1", "signal"],
        ["container-v1", "exec"],
    ]


@pytest.mark.parametrize(
    ("policy", "body"),
    [
        ("always", '{"RestartPolicy":{"Name":"always","MaximumRetryCount":0}}'),
        ("on-failure:3", '{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}}'),
    ],
)
def test_policy_hands_the_container_back_with_its_restart_policy(
    engine: FakeEngine, policy: str, body: str
) -> None:
    engine.on("POST", "/containers/web/update", Reply(200, "{}"))
    assert run_helper(engine, "policy", "web", policy).returncode == 0
    update = [r for r in engine.requests if r.path == "/containers/web/update"]
    assert [r.body.decode() for r in update] == [body]


def test_policy_refuses_a_policy_docker_does_not_know(engine: FakeEngine) -> None:
    done = run_helper(engine, "policy", "web", "on-failure:x")
    assert (done.returncode, done.stderr) == (1, "bad restart policy on-failure:x\n")
    assert engine.requests == []


def test_the_helper_is_shellcheck_clean() -> None:
    need("shellcheck", shutil.which("shellcheck") is not None)
    done = subprocess.run(
        ["shellcheck", "-s", "sh", str(HELPER)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_a_container_up_at_once_costs_one_inspect(engine: FakeEngine) -> None:
    """At boot every unit starts at once, and each request costs the engine: the usual case,
    running with no health check, is answered by a single inspect."""
    starting(engine, listing_of(State("running")))
    assert run_helper(engine, "start", "web").returncode == 0
    assert [r.path for r in engine.requests] == [
        "/_ping",
        "/containers/web/start",
        "/containers/web/json",
    ]
