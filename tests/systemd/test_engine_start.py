"""Against a real systemd: whenever the engine's unit starts, the units of the containers it
should run start too, in dependency order, however the start came (issue 23). The harness's
docker.service stands in for the engine's unit (it waits for the outer engine): stopping it
stops every unit that Requires= it, as stopping Debian's docker.service does, and its start
must pull them in again; a unit the admin disabled stays off, as Docker keeps a stopped
`unless-stopped` container off."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest

from tests.topology import SERVE, Topology, inspect, wait_for

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]


def unit_of(name: str) -> str:
    return f"docker-{name}.service"


def active(box: Harness, name: str) -> str:
    return box.show(unit_of(name), "ActiveState")["ActiveState"]


def test_the_engines_stop_then_start_by_hand_brings_every_enabled_unit_back_in_order(
    harness: Harness, topo: Topology
) -> None:
    db = topo.create("db", "--restart", "always", cmd=SERVE)
    web = topo.create("web", "--link", f"{db}:db", "--restart", "always", cmd=SERVE)
    off = topo.create("off", "--restart", "unless-stopped", cmd=SERVE)
    harness.unitgen("install", web, off)
    harness.run("test", "-L", f"/etc/systemd/system/docker.service.wants/{unit_of(web)}")
    harness.run("systemctl", "disable", "--now", unit_of(off))

    harness.run("systemctl", "stop", "docker.service")
    for name in (db, web):
        assert active(harness, name) in ("inactive", "failed"), name
        assert inspect(name, "{{.State.Running}}") == "false", name

    harness.run("systemctl", "start", "docker.service")
    wait_for(
        lambda: all(active(harness, n) == "active" for n in (db, web)),
        what="db's and web's units active again after the engine's start",
    )
    for name in (db, web):
        assert inspect(name, "{{.State.Running}}") == "true", name
    order = [
        harness.show(unit_of(n), "ActiveEnterTimestampMonotonic", "InactiveExitTimestampMonotonic")
        for n in (db, web)
    ]
    for dependency, dependant in itertools.pairwise(order):
        assert int(dependency["ActiveEnterTimestampMonotonic"]) <= int(
            dependant["InactiveExitTimestampMonotonic"]
        )
    assert active(harness, off) == "inactive"
    assert inspect(off, "{{.State.Running}}") == "false"
