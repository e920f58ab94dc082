"""The helper's health watch (run with UNITGEN_ON_UNHEALTHY) and its reload verbs (signal,
exec), against a fake engine (tests/fakes.py): the requests made, the journal's words and the
exit systemd sees. tests/systemd/test_health_reload.py proves them on a real systemd."""

from __future__ import annotations

import json
import signal
import threading

from tests.fakes import FakeEngine, Reply, run_helper

OK = Reply(204)


def inspect(health: str, output: str = "") -> Reply:
    """Docker's inspect of a running web with a health check, HEALTH now, OUTPUT its last log
    entry's output; a label that looks like an event's Action and a test with brackets."""
    log = [{"Start": "t0", "End": "t1", "ExitCode": 0, "Output": "fine\n"}]
    if output:
        log.append({"Start": "t2", "End": "t3", "ExitCode": 1, "Output": output})
    body = {
        "Id": "abc",
        "State": {
            "Status": "running",
            "Running": True,
            "ExitCode": 0,
            "Health": {"Status": health, "FailingStreak": len(log) - 1, "Log": log},
        },
        "Config": {
            "Healthcheck": {"Test": ["CMD-SHELL", '[ -e /tmp/ok ] || echo "gone"'], "Retries": 1},
            "Labels": {"Output": "not this", "Action": "health_status: unhealthy"},
        },
    }
    return Reply(200, json.dumps(body, separators=(",", ":")))


def event(action: str) -> str:
    # A label named Action on the container shows up among the Actor's attributes.
    actor = {"ID": "abc", "Attributes": {"Action": "health_status: unhealthy", "name": "web"}}
    return json.dumps(
        {"status": action, "id": "abc", "Type": "container", "Action": action, "Actor": actor}
    )


def watched(engine: FakeEngine, *events: str, mode: str = "restart") -> tuple[int, str]:
    """`run web` with UNITGEN_ON_UNHEALTHY=MODE: its /wait is answered once the container is
    stopped or killed (with 143, or 137 for kill), its events stream sends EVENTS."""
    stopped = threading.Event()
    code = 137 if mode == "kill" else 143

    def ended(_request: object) -> Reply:
        stopped.set()
        return OK

    engine.on("POST", "/containers/web/start", OK)
    engine.on(
        "GET", "/containers/web/json", inspect("healthy"), inspect("unhealthy", "it is gone\n")
    )
    engine.serve("POST", "/containers/web/stop", ended)
    engine.serve("POST", "/containers/web/kill", ended)
    engine.on("GET", "/events", Reply(200, "".join(e + "\n" for e in events)))
    engine.serve(
        "POST",
        "/containers/web/wait",
        lambda _r: Reply(200, json.dumps({"StatusCode": code}), after=stopped),
    )
    done = run_helper(engine, "run", "web", env={"UNITGEN_ON_UNHEALTHY": mode})
    return done.returncode, done.stderr


def test_an_unhealthy_event_stops_the_container_says_the_check_and_ends_by_sigusr2(
    engine: FakeEngine,
) -> None:
    status, said = watched(
        engine, event("health_status: healthy"), event("health_status: unhealthy")
    )
    assert status == -signal.SIGUSR2, said
    assert (
        'container web is unhealthy: health check "[ -e /tmp/ok ] || echo "gone"" failed, '
        "exit status 1: it is gone; on-unhealthy restart: stopping it"
    ) in said
    assert "ending by SIGUSR2: container web was stopped for being unhealthy" in said
    assert [p for p in engine.paths("POST") if "/stop" in p] == ["/v1.41/containers/web/stop"]
    events = [p for p in engine.paths("GET") if "/events" in p]
    assert "since=" in events[0] and "health_status" in events[0]


def test_kill_kills_rather_than_stops(engine: FakeEngine) -> None:
    status, said = watched(engine, event("health_status: unhealthy"), mode="kill")
    assert status == -signal.SIGUSR2, said
    assert "on-unhealthy kill: killing it" in said
    assert "container web exited with status 137" in said


def test_a_label_named_action_on_a_healthy_event_is_no_unhealthy(engine: FakeEngine) -> None:
    """Only the event's own Action counts: the healthy event's Actor carries a label
    Action=health_status: unhealthy. The container then exits by itself, with its status."""
    engine.on("POST", "/containers/web/start", OK)
    engine.on("GET", "/containers/web/json", inspect("healthy"))
    engine.on("GET", "/events", Reply(200, event("health_status: healthy") + "\n"))
    engine.on("POST", "/containers/web/wait", Reply(200, '{"StatusCode":5}'))
    done = run_helper(engine, "run", "web", env={"UNITGEN_ON_UNHEALTHY": "restart"})
    assert done.returncode == 5, done.stderr
    assert "unhealthy" not in done.stderr
    assert not [p for p in engine.paths("POST") if "/stop" in p or "/kill" in p]


def test_a_container_without_a_health_check_gets_no_watch_and_the_journal_says_so(
    engine: FakeEngine,
) -> None:
    engine.on("POST", "/containers/web/start", OK)
    engine.on(
        "GET", "/containers/web/json", Reply(200, '{"State":{"Status":"running","ExitCode":0}}')
    )
    engine.on("POST", "/containers/web/wait", Reply(200, '{"StatusCode":0}'))
    done = run_helper(engine, "run", "web", env={"UNITGEN_ON_UNHEALTHY": "stop"})
    assert done.returncode == 0, done.stderr
    assert (
        "container web has no health check: on-unhealthy stop has nothing to watch" in done.stderr
    )
    assert not [p for p in engine.paths("GET") if "/events" in p]


def test_signal_sends_it_through_the_engine_and_a_stopped_container_fails_the_reload(
    engine: FakeEngine,
) -> None:
    engine.on("POST", "/containers/web/kill", OK)
    done = run_helper(engine, "signal", "web", "SIGHUP")
    assert done.returncode == 0 and "sent SIGHUP to container web" in done.stderr
    assert "/v1.41/containers/web/kill?signal=SIGHUP" in engine.paths("POST")
    engine.on("POST", "/containers/web/kill", Reply(409, '{"message":"is not running"}'))
    done = run_helper(engine, "signal", "web", "SIGHUP")
    assert done.returncode == 1 and "container web is not running: nothing to reload" in done.stderr


def test_exec_runs_the_words_says_their_output_and_exits_with_their_status(
    engine: FakeEngine,
) -> None:
    engine.on("POST", "/containers/web/exec", Reply(201, '{"Id":"e1"}'))
    engine.on("POST", "/exec/e1/start", Reply(200, "bad config\r\nline 2\r\n"))
    engine.on(
        "GET",
        "/exec/e1/json",
        Reply(200, '{"Running":true}'),
        Reply(200, '{"Running":false,"ExitCode":4}'),
    )
    done = run_helper(engine, "exec", "web", '["nginx","-s","reload"]')
    assert done.returncode == 4, done.stderr
    assert "bad config\nline 2\n" in done.stderr
    assert '["nginx","-s","reload"] in container web failed with exit status 4' in done.stderr
    create = next(r for r in engine.requests if r.target.endswith("/containers/web/exec"))
    assert json.loads(create.body)["Cmd"] == ["nginx", "-s", "reload"]


def test_exec_refuses_an_argument_that_is_not_a_json_array(engine: FakeEngine) -> None:
    done = run_helper(engine, "exec", "web", "nginx -s reload")
    assert done.returncode == 1 and "is not a JSON array of words" in done.stderr
    assert engine.paths() == []
