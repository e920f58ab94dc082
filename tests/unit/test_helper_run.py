"""The helper's `run`, the main process of a Type=notify unit, against a fake engine and a fake
NOTIFY_SOCKET (tests/fakes.py): one process per start, READY=1 only once the container is up,
then the container's exit status, as `start` and `wait` give it in two."""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from pathlib import Path

from tests.fakes import (
    HELPER,
    HELPER_TIMEOUT,
    FakeEngine,
    FakeNotify,
    Lifecycle,
    Reply,
    State,
    helper_env,
    run_helper,
)

NOT_FOUND = Reply(404, '{"message":"No such container: web"}')
STARTED = Reply(204)


def run(
    engine: FakeEngine, notify: FakeNotify, *args: str, name: str = "web"
) -> subprocess.CompletedProcess[str]:
    return run_helper(engine, "run", name, *args, env={"NOTIFY_SOCKET": str(notify.path)})


def serve(engine: FakeEngine, lifecycle: Lifecycle, wait: Reply, start: Reply = STARTED) -> None:
    engine.on("POST", f"/containers/{lifecycle.name}/start", start)
    lifecycle.serve_on(engine)
    engine.on("POST", f"/containers/{lifecycle.name}/wait", wait)


def test_run_says_ready_only_once_the_container_is_up_then_exits_with_its_status(
    engine: FakeEngine, notify: FakeNotify
) -> None:
    lifecycle = Lifecycle("web", State("created"), State("running"), polls=2)
    serve(engine, lifecycle, Reply(200, '{"StatusCode":3}'))
    done = run(engine, notify)
    assert done.returncode == 3, done.stderr
    [seen] = notify.ready
    before = [r.path for r in engine.requests[:seen]]
    # ping, start, the listings until running: READY=1 came after the last, before the wait.
    assert before[:2] == ["/_ping", "/containers/web/start"]
    assert before[2:] == ["/containers/web/json"] * lifecycle.listings
    assert [r.path for r in engine.requests[seen:]] == ["/containers/web/wait"]


def test_run_waits_for_the_health_check_before_it_says_ready(
    engine: FakeEngine, notify: FakeNotify
) -> None:
    lifecycle = Lifecycle("web", State(health="starting"), State(health="healthy"), polls=3)
    serve(engine, lifecycle, Reply(200, '{"StatusCode":0}'))
    assert run(engine, notify).returncode == 0
    [seen] = notify.ready
    assert engine.requests[seen].path == "/containers/web/wait"
    assert lifecycle.reached_last


def test_run_of_an_unhealthy_container_fails_the_start_without_saying_ready(
    engine: FakeEngine, notify: FakeNotify
) -> None:
    serve(engine, Lifecycle("web", State(health="unhealthy")), Reply(200, '{"StatusCode":0}'))
    done = run(engine, notify)
    assert (done.returncode, done.stderr) == (1, "container web is unhealthy\n")
    assert notify.ready == []


def test_run_of_a_missing_container_is_ready_then_fails_as_after_a_crash(
    engine: FakeEngine, notify: FakeNotify
) -> None:
    """The boot's start job ends (a failing start would hold it under RestartMode=direct);
    the unit then fails in its wait and restarts with the back-off."""
    serve(engine, Lifecycle("web", State("running")), NOT_FOUND, start=NOT_FOUND)
    done = run(engine, notify)
    assert (done.returncode, done.stderr) == (
        1,
        "no container named web: recreate it, then run: unitgen install web\n"
        "container web no longer exists\n",
    )
    assert len(notify.ready) == 1


def test_run_from_a_record_that_cannot_serve_is_ready_then_fails(
    engine: FakeEngine, notify: FakeNotify
) -> None:
    done = run(engine, notify, "/nonexistent/web.json", "10")
    assert done.returncode == 1
    assert done.stderr.startswith("cannot read /nonexistent/web.json")
    assert len(notify.ready) == 1
    assert engine.requests == []


def test_run_exits_0_when_systemd_stops_the_unit_and_forgets_the_back_off(
    engine: FakeEngine, notify: FakeNotify, tmp_path: Path
) -> None:
    state = tmp_path / "backoff" / "web"
    state.parent.mkdir()
    state.write_text("20 0\n")  # long over
    stopped = threading.Event()
    serve(
        engine,
        Lifecycle("web", State("running")),
        Reply(200, '{"StatusCode":143}', after=stopped),
    )
    engine.on("POST", "/containers/web/stop", Reply(204))
    proc = subprocess.Popen(
        ["/bin/sh", str(HELPER), "run", "web"],
        env={
            **helper_env(engine.socket),
            "NOTIFY_SOCKET": str(notify.path),
            "UNITGEN_BACKOFF": "1",
            "UNITGEN_RUN_DIR": str(state.parent.parent),
        },
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while not any(r.path == "/containers/web/wait" for r in engine.requests):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.01)
        stop = run_helper(engine, "stop", "web", "10", env={"MAINPID": str(proc.pid)})
        stopped.set()
        _, err = proc.communicate(timeout=HELPER_TIMEOUT)
    finally:
        proc.send_signal(signal.SIGKILL)
    assert stop.returncode == 0, stop.stderr
    assert proc.returncode == 0, err
    assert not state.exists()


def test_run_without_a_notify_socket_still_runs_the_container(engine: FakeEngine) -> None:
    serve(engine, Lifecycle("web", State("running")), Reply(200, '{"StatusCode":4}'))
    done = run_helper(engine, "run", "web")
    assert done.returncode == 4, done.stderr


# Docker's back-off where systemd has none (before 254): the unit sets UNITGEN_BACKOFF=1.


def uptime_cs() -> int:
    return round(float(Path("/proc/uptime").read_text().split()[0]) * 100)


def run_backing_off(
    engine: FakeEngine, notify: FakeNotify, state: Path
) -> subprocess.CompletedProcess[str]:
    env = {
        "NOTIFY_SOCKET": str(notify.path),
        "UNITGEN_BACKOFF": "1",
        "UNITGEN_RUN_DIR": str(state.parent.parent),
    }
    return run_helper(engine, "run", "web", env=env)


def test_a_first_crash_is_noted_for_a_restart_after_docker_s_first_delay(
    engine: FakeEngine, notify: FakeNotify, tmp_path: Path
) -> None:
    serve(engine, Lifecycle("web", State("running")), Reply(200, '{"StatusCode":1}'))
    state = tmp_path / "backoff" / "web"
    before = uptime_cs()
    assert run_backing_off(engine, notify, state).returncode == 1
    delay, at = map(int, state.read_text().split())
    assert delay == 10  # centiseconds: 100 ms, Docker's first delay
    assert before <= at <= uptime_cs()


def test_a_crash_soon_after_the_last_doubles_the_delay_and_the_next_run_sleeps_it_out(
    engine: FakeEngine, notify: FakeNotify, tmp_path: Path
) -> None:
    serve(engine, Lifecycle("web", State("running")), Reply(200, '{"StatusCode":1}'))
    state = tmp_path / "backoff" / "web"
    state.parent.mkdir()
    state.write_text(f"40 {uptime_cs()}\n")  # failed just now, 400 ms to wait
    done = run_backing_off(engine, notify, state)
    assert done.returncode == 1
    assert re.search(r"failed 0\.\d\d s ago: starting it in 0\.[1-4]\d s \(back-off\)", done.stderr)
    assert state.read_text().split()[0] == "80"


def test_the_delay_stops_doubling_at_a_minute(
    engine: FakeEngine, notify: FakeNotify, tmp_path: Path
) -> None:
    serve(engine, Lifecycle("web", State("running")), Reply(200, '{"StatusCode":1}'))
    state = tmp_path / "backoff" / "web"
    state.parent.mkdir()
    state.write_text(f"5120 {uptime_cs() - 6000}\n")  # its 51.2 s are over
    done = run_backing_off(engine, notify, state)
    assert "back-off" not in done.stderr
    assert state.read_text().split()[0] == "6000"


def test_a_start_that_fails_counts_as_a_crash(
    engine: FakeEngine, notify: FakeNotify, tmp_path: Path
) -> None:
    serve(engine, Lifecycle("web", State(health="unhealthy")), Reply(200, '{"StatusCode":0}'))
    state = tmp_path / "backoff" / "web"
    assert run_backing_off(engine, notify, state).returncode == 1
    assert state.read_text().split()[0] == "10"


def test_without_unitgen_backoff_nothing_is_noted(
    engine: FakeEngine, notify: FakeNotify, tmp_path: Path
) -> None:
    serve(engine, Lifecycle("web", State("running")), Reply(200, '{"StatusCode":1}'))
    env = {"NOTIFY_SOCKET": str(notify.path), "UNITGEN_RUN_DIR": str(tmp_path / "b")}
    assert run_helper(engine, "run", "web", env=env).returncode == 1
    assert not (tmp_path / "b" / "backoff").exists()


# After a container stopped by itself, the ExecStop= systemd runs next asks the engine nothing.


def test_after_runs_container_exited_the_stop_asks_the_engine_nothing(
    engine: FakeEngine, notify: FakeNotify, tmp_path: Path
) -> None:
    serve(engine, Lifecycle("web", State("running")), Reply(200, '{"StatusCode":137}'))
    env = {"NOTIFY_SOCKET": str(notify.path), "UNITGEN_RUN_DIR": str(tmp_path)}
    assert run_helper(engine, "run", "web", env=env).returncode == 137
    asked = len(engine.requests)
    stop = run_helper(engine, "stop", "web", "10", env={"UNITGEN_RUN_DIR": str(tmp_path)})
    assert (stop.returncode, stop.stderr) == (0, "")
    assert len(engine.requests) == asked
    assert not (tmp_path / "exited" / "web").exists()


def test_a_stop_with_a_main_process_still_stops_the_container(
    engine: FakeEngine, tmp_path: Path
) -> None:
    (tmp_path / "exited").mkdir()
    (tmp_path / "exited" / "web").touch()  # stale, but the unit's main process runs
    engine.on("POST", "/containers/web/stop", Reply(204))
    env = {"UNITGEN_RUN_DIR": str(tmp_path), "MAINPID": "999999"}
    assert run_helper(engine, "stop", "web", "10", env=env).returncode == 0
    assert engine.paths("POST") == ["/v1.41/containers/web/stop?t=10"]


def test_discard_after_an_exit_still_removes_the_container(
    engine: FakeEngine, tmp_path: Path
) -> None:
    (tmp_path / "exited").mkdir()
    (tmp_path / "exited" / "web").touch()
    engine.on("DELETE", "/containers/web", Reply(204))
    env = {"UNITGEN_RUN_DIR": str(tmp_path)}
    assert run_helper(engine, "discard", "web", "10", env=env).returncode == 0
    assert engine.paths() == ["/_ping", "/v1.41/containers/web?force=1"]
