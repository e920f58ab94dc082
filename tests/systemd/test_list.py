"""`unitgen list` against a real systemd (the harness) and the real engine: container and
network units with systemd's states, the same listing when the engine does not answer, and what
list and status say of a crash systemd restarted and of a failing health check."""

from __future__ import annotations

import json
import os
import signal
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.topology import SERVE, Topology, docker, inspect, wait_for

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]


@pytest.fixture
def ls() -> Iterator[Topology]:
    t = Topology(prefix="ls-" + uuid.uuid4().hex[:6])
    yield t
    t.remove()


def listed(box: Harness, env: str = "") -> tuple[int, dict[str, dict[str, object]], str]:
    done = box.sh(f"{env} unitgen list --json", check=False)
    units = {u["unit"]: u for u in json.loads(done.stdout)["units"]}
    return done.returncode, units, done.stderr


def test_list_shows_the_network_unit_and_without_the_engine_what_systemd_knows(
    harness: Harness, ls: Topology
) -> None:
    net = ls.network("net")
    web = ls.create("web", "--network", net)
    harness.run("unitgen", "install", web)
    try:
        code, units, _ = listed(harness)
        assert code == 0
        mine = {k: v for k, v in units.items() if ls.prefix in k}
        assert [(u["kind"], u["active"], u["enabled"], u["docker"]) for u in mine.values()] == [
            ("container", "active", True, "running"),
            ("network", "active", None, "present"),
        ]
        code, units, err = listed(harness, "DOCKER_HOST=unix:///run/no-engine.sock")
        assert code == 21, err
        assert err.startswith("unitgen: ") and err.endswith("the DOCKER column is unknown\n")
        mine = {k: v for k, v in units.items() if ls.prefix in k}
        assert [(u["active"], u["docker"]) for u in mine.values()] == [
            ("active", "unknown"),
            ("active", "unknown"),
        ]
    finally:
        harness.run("unitgen", "uninstall", web)


def row(box: Harness, unit: str) -> list[str]:
    """UNIT's line of `unitgen list`, split into its columns."""
    lines = box.sh("unitgen list").stdout.splitlines()
    return next(line.split() for line in lines if line.startswith(f"{unit} "))


def test_a_crash_is_restarted_by_systemd_and_list_and_status_count_one_restart(
    harness: Harness, ls: Topology
) -> None:
    web = ls.create("web", "--restart", "always")
    unit = f"docker-{web}.service"
    harness.run("unitgen", "install", web)
    # An admin's drop-in holds the restart back for long enough to see the unit wait for it.
    directory = f"/etc/systemd/system/{unit}.d"
    harness.sh(
        f"mkdir -p {directory} && printf '[Service]\\nRestartSec=6s\\n' >{directory}/wait.conf"
        " && systemctl daemon-reload"
    )
    try:
        assert listed(harness)[1][unit]["restarts"] == 0
        # A crash, not `docker kill` (a stop, for Docker): the container's main process dies.
        os.kill(int(inspect(web, "{{.State.Pid}}")), signal.SIGKILL)
        wait_for(
            lambda: listed(harness)[1][unit]["sub"] in ("auto-restart", "auto-restart-queued"),
            10,
            "the unit to wait to restart",
        )
        assert row(harness, unit)[1:3] == ["auto-restart", "0"]
        wait_for(lambda: listed(harness)[1][unit]["active"] == "active", 30, "the restart")
        assert inspect(web, "{{.State.Running}}") == "true"
        found = listed(harness)[1][unit]
        assert (found["sub"], found["restarts"], found["docker"]) == ("running", 1, "running")
        assert row(harness, unit)[1:3] == ["active", "1"]
        status = harness.sh(f"unitgen status {web}").stdout.splitlines()
        assert "SYSTEMD   active (running), enabled, result success" in status
        exit_line = next(line for line in status if line.startswith("EXIT"))
        assert exit_line.endswith("; restarts by systemd: 1"), exit_line
        assert (
            json.loads(harness.sh(f"unitgen status --json {web}").stdout)["unit"]["restarts"] == "1"
        )
    finally:
        harness.sh(f"rm -rf {directory} && systemctl daemon-reload")
        harness.run("unitgen", "uninstall", web, check=False)


def test_a_failing_health_check_shows_its_last_output_in_list_and_status(
    harness: Harness, ls: Topology
) -> None:
    # Healthy while /tmp/ok exists (the install waits for that), then failing, saying why in
    # its last line (on stdout: the engine interleaves a check's stdout and stderr as they come).
    check = "test -e /tmp/ok || { echo checking /tmp/ok; echo /tmp/ok is gone; exit 1; }"
    sick = ls.create(
        "sick",
        *("--health-cmd", check, "--health-interval", "1s", "--health-retries", "2"),
        cmd=("sh", "-c", f"touch /tmp/ok; {SERVE[2]}"),
    )
    unit = f"docker-{sick}.service"
    harness.run("unitgen", "install", sick)
    try:
        assert listed(harness)[1][unit]["health"] == "healthy"
        docker("exec", sick, "rm", "/tmp/ok")
        wait_for(lambda: inspect(sick, "{{.State.Health.Status}}") == "unhealthy", 30)
        found = listed(harness)[1][unit]
        assert (found["active"], found["health"]) == ("active", "unhealthy")
        assert found["last_check"] == {"exit_code": 1, "output": "/tmp/ok is gone"}
        assert row(harness, unit)[4:6] == ["running", "unhealthy"]
        status = harness.sh(f"unitgen status {sick}").stdout.splitlines()
        assert "HEALTH    unhealthy; the last check exited 1: /tmp/ok is gone" in status
        docker_ = json.loads(harness.sh(f"unitgen status --json {sick}").stdout)["docker"]
        assert docker_["last_check"] == {"exit_code": 1, "output": "/tmp/ok is gone"}
    finally:
        harness.run("unitgen", "uninstall", sick, check=False)
