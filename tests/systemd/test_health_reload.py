"""Against a real systemd and engine: what a unit does when its container turns unhealthy
(--on-unhealthy), and `systemctl reload` (--reload-signal, --reload-cmd). README, "Health and
reload".

Each container's health check is tests/topology.py's CHECKED: `docker exec NAME rm /tmp/ok`
makes it unhealthy.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest

from tests.topology import CHECKED, SERVE_CHECKED, Topology, docker, inspect, wait_for

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]


def unit_of(name: str) -> str:
    return f"docker-{name}.service"


def checked(topo: Topology, name: str, *args: str) -> str:
    return topo.create(name, *CHECKED, *args, cmd=SERVE_CHECKED)


def make_unhealthy(name: str) -> None:
    docker("exec", name, "rm", "/tmp/ok")


def state(box: Harness, unit: str) -> dict[str, str]:
    return box.show(unit, "ActiveState", "SubState", "Result", "NRestarts")


def test_on_unhealthy_restart_restarts_the_container_and_it_is_healthy_again(
    harness: Harness, topo: Topology
) -> None:
    web = checked(topo, "web", "--restart", "always")
    harness.unitgen("install", "--on-unhealthy", "restart", web)
    started = inspect(web, "{{.State.StartedAt}}")
    make_unhealthy(web)
    wait_for(
        lambda: (
            inspect(web, "{{.State.StartedAt}} {{.State.Health.Status}}")
            not in (f"{started} healthy", f"{started} unhealthy")
            and inspect(web, "{{.State.Health.Status}}") == "healthy"
        ),
        what="the container restarted and healthy again",
    )
    wait_for(lambda: state(harness, unit_of(web))["ActiveState"] == "active")
    assert int(state(harness, unit_of(web))["NRestarts"]) == 1
    journal = harness.journal("-u", unit_of(web), "-o", "cat")
    assert f"container {web} is unhealthy: health check" in journal
    assert "/tmp/ok is gone" in journal  # the check's last output


def test_on_unhealthy_kill_restarts_even_a_container_without_a_restart_policy(
    harness: Harness, topo: Topology
) -> None:
    job = checked(topo, "job")  # Docker's policy no: the unit has Restart=no
    harness.unitgen("install", "--on-unhealthy", "kill", job)
    assert harness.show(unit_of(job), "Restart")["Restart"] == "no"
    started = inspect(job, "{{.State.StartedAt}}")
    make_unhealthy(job)
    wait_for(
        lambda: (
            inspect(job, "{{.State.StartedAt}}") != started
            and inspect(job, "{{.State.Health.Status}}") == "healthy"
        ),
        what="the killed container started again and healthy",
    )
    wait_for(lambda: state(harness, unit_of(job))["ActiveState"] == "active")
    journal = harness.journal("-u", unit_of(job), "-o", "cat")
    assert f"on-unhealthy kill: killing it\ncontainer {job} exited with status 137" in journal


def test_on_unhealthy_stop_leaves_the_unit_inactive_neither_failed_nor_restarted(
    harness: Harness, topo: Topology
) -> None:
    web = checked(topo, "web", "--restart", "always")
    harness.unitgen("install", "--on-unhealthy", "stop", web)
    make_unhealthy(web)
    wait_for(
        lambda: state(harness, unit_of(web))["ActiveState"] == "inactive",
        what="the unit to stop",
    )
    time.sleep(2)  # a restart, had one been due, would be under way by now (RestartSec=100ms)
    assert state(harness, unit_of(web)) == {
        "ActiveState": "inactive",
        "SubState": "dead",
        "Result": "success",
        "NRestarts": "0",
    }
    assert inspect(web, "{{.State.Running}}") == "false"


def test_without_on_unhealthy_an_unhealthy_container_runs_on_as_under_docker(
    harness: Harness, topo: Topology
) -> None:
    web = checked(topo, "web", "--restart", "always")
    harness.unitgen("install", web)
    started = inspect(web, "{{.State.StartedAt}}")
    make_unhealthy(web)
    wait_for(lambda: inspect(web, "{{.State.Health.Status}}") == "unhealthy", what="unhealthy")
    time.sleep(3)  # what --on-unhealthy restart does takes about a second
    assert inspect(web, "{{.State.Running}} {{.State.StartedAt}}") == f"true {started}"
    assert state(harness, unit_of(web))["ActiveState"] == "active"


def test_systemctl_reload_delivers_the_signal_to_the_containers_trap(
    harness: Harness, topo: Topology
) -> None:
    web = checked(topo, "web", "--restart", "always")
    harness.unitgen("install", "--reload-signal", "HUP", web)
    harness.run("systemctl", "reload", unit_of(web))
    wait_for(
        lambda: docker("exec", web, "cat", "/tmp/hups", check=False) == "hup",
        what="the container's HUP trap",
    )
    assert state(harness, unit_of(web))["ActiveState"] == "active"
    assert inspect(web, "{{.State.Running}}") == "true"


def test_systemctl_reload_runs_the_command_and_fails_with_its_status(
    harness: Harness, topo: Topology
) -> None:
    good = checked(topo, "good", "--restart", "always")
    bad = checked(topo, "bad", "--restart", "always")
    harness.unitgen("install", "--reload-cmd", "sh -c 'echo reloaded > /tmp/reloaded'", good)
    harness.unitgen("install", "--reload-cmd", "sh -c 'echo bad config; exit 4'", bad)
    assert harness.run("systemctl", "reload", unit_of(good)).returncode == 0
    assert docker("exec", good, "cat", "/tmp/reloaded") == "reloaded"
    failed = harness.run("systemctl", "reload", unit_of(bad), check=False)
    assert failed.returncode != 0
    journal = harness.journal("-u", unit_of(bad), "-o", "cat")
    assert "bad config" in journal and "failed with exit status 4" in journal
    # A failed reload leaves the service running, as systemd does for any ExecReload=.
    assert state(harness, unit_of(bad))["ActiveState"] == "active"


def test_a_unit_without_a_reload_option_is_refused_a_reload_by_systemd(
    harness: Harness, topo: Topology
) -> None:
    web = checked(topo, "web", "--restart", "always")
    harness.unitgen("install", web)
    refused = harness.run("systemctl", "reload", unit_of(web), check=False)
    assert refused.returncode != 0
    assert "Job type reload is not applicable" in refused.stderr
