"""Handing supervision between Docker and systemd without costing the container an outage:
a hand-back that leaves it running, and a crashed dependency that does not take its
dependants down (the promise: never worse than `--restart always`)."""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING

import pytest

from tests.topology import SERVE, Topology, inspect, wait_for

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]


def test_uninstall_keep_running_hands_the_container_back_to_docker_running(
    harness: Harness, topo: Topology
) -> None:
    web = topo.create("web", "--restart", "on-failure:3", cmd=SERVE)
    harness.run("unitgen", "install", web)
    started = inspect(web, "{{.State.StartedAt}}")
    out = harness.run("unitgen", "uninstall", "--keep-running", web)
    assert "on-failure:3" in out.stderr
    assert inspect(web, "{{.State.Running}} {{.HostConfig.RestartPolicy.Name}}") == (
        "true on-failure"
    )
    assert inspect(web, "{{.HostConfig.RestartPolicy.MaximumRetryCount}}") == "3"
    assert inspect(web, "{{.State.StartedAt}}") == started  # never stopped
    unit = harness.show(f"docker-{web}.service", "ActiveState", "LoadState")
    assert unit == {"ActiveState": "inactive", "LoadState": "not-found"}
    assert harness.sh("ls /run/unitgen/release").stdout == ""


def test_a_crashed_link_target_restarts_alone_and_its_dependant_keeps_running(
    harness: Harness, topo: Topology
) -> None:
    backend = topo.create("backend", "--restart", "always", cmd=SERVE)
    proxy = topo.create("proxy", "--link", f"{backend}:backend", "--restart", "always", cmd=SERVE)
    harness.run("unitgen", "install", proxy)
    proxy_started = inspect(proxy, "{{.State.StartedAt}}")
    before = inspect(backend, "{{.State.StartedAt}}")
    # A crash, not `docker kill` (a manual stop for Docker): the main process dies.
    os.kill(int(inspect(backend, "{{.State.Pid}}")), signal.SIGKILL)
    took = wait_for(
        lambda: (
            inspect(backend, "{{.State.Running}}") == "true"
            and inspect(backend, "{{.State.StartedAt}}") != before
        ),
        what="the backend to run again",
    )
    print(f"\nbackend running again {took:.2f} s after its crash")
    assert inspect(proxy, "{{.State.Running}}") == "true"
    assert inspect(proxy, "{{.State.StartedAt}}") == proxy_started  # no outage for the proxy
    restarts = harness.show(f"docker-{proxy}.service", "NRestarts")["NRestarts"]
    assert restarts == "0"
