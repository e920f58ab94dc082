"""Recreate mode against a real systemd (the harness) and the real engine: the unit makes its
container from the record, survives `docker rm -f` and a reboot, reports drift from the record,
converts both ways, and hands its container back on uninstall.

The harness's host (this VM) has no journald, so these units keep the container's log driver
(--logs=keep); the journal, a wiped engine and a power loss are tests/fullhost/test_recreate.py.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from tests.topology import SERVE, Topology, docker, inspect, wait_for

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]


def unit_of(name: str) -> str:
    return f"docker-{name}.service"


def active(box: Harness, unit: str) -> str:
    return box.show(unit, "ActiveState")["ActiveState"]


def running_id(name: str) -> str:
    """The id of the running container NAME; empty when it is not running or does not exist."""
    return docker("inspect", "--format", "{{if .State.Running}}{{.Id}}{{end}}", name, check=False)


def test_install_recreate_replaces_the_container_with_one_made_from_the_record(
    harness: Harness, topo: Topology
) -> None:
    data = topo.network("data")
    web = topo.create("web", "--restart", "always", "--network", data, "-e", "SECRET=s3", cmd=SERVE)
    docker("start", web)
    before = running_id(web)
    out = harness.unitgen("install", "--recreate", "--logs=keep", web)
    assert f"/etc/unitgen/recreate/{web}.json (new record)" in out
    assert active(harness, unit_of(web)) == "active"
    after = running_id(web)
    assert after and after != before
    labels = json.loads(inspect(web, "{{json .Config.Labels}}"))
    assert labels["unitgen.unit"] == unit_of(web)
    assert inspect(web, "{{.HostConfig.RestartPolicy.Name}}") == "no"
    assert "SECRET=s3" in inspect(web, "{{json .Config.Env}}")
    mode = harness.run("stat", "-c", "%a", f"/etc/unitgen/recreate/{web}.json").stdout.strip()
    assert mode == "600"
    shown = harness.run("systemctl", "cat", unit_of(web)).stdout
    assert f"container-v1 run {web} /etc/unitgen/recreate/{web}.json" in shown
    # The container the unit made gives the same unit and the same record: no drift at all.
    clean = harness.run("unitgen", "drift", web, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "write" not in harness.unitgen("sync", "--dry-run")
    harness.unitgen("uninstall", web)


def test_docker_rm_behind_systemds_back_is_undone_by_the_unit(
    harness: Harness, topo: Topology
) -> None:
    web = topo.create("web", "--restart", "always", cmd=SERVE)
    harness.unitgen("install", "--recreate", "--logs=keep", web)
    first = running_id(web)
    docker("rm", "-f", web)
    wait_for(lambda: running_id(web) not in ("", first), timeout=60, what="the container back")
    wait_for(lambda: active(harness, unit_of(web)) == "active", what="the unit active")
    harness.unitgen("uninstall", web)


def test_after_a_reboot_the_container_is_made_anew_and_runs(
    harness: Harness, topo: Topology
) -> None:
    web = topo.create("web", "--restart", "always", cmd=SERVE)
    harness.unitgen("install", "--recreate", "--logs=keep", web)
    first = running_id(web)
    harness.reboot()
    wait_for(lambda: running_id(web) not in ("", first), timeout=90, what="a new container")
    assert active(harness, unit_of(web)) == "active"
    harness.unitgen("uninstall", web)


def test_a_container_changed_behind_the_units_back_is_drift_until_the_unit_restarts(
    harness: Harness, topo: Topology
) -> None:
    web = topo.create("web", "--restart", "always", cmd=SERVE)
    harness.unitgen("install", "--recreate", "--logs=keep", web)
    docker("update", "--memory", "64m", "--memory-swap", "128m", web)
    found = harness.unitgen("drift", web, check=False)
    assert "differs-from-record" in found and "HostConfig.Memory" in found
    harness.run("systemctl", "restart", unit_of(web))
    assert inspect(web, "{{.HostConfig.Memory}}") == "0"
    assert "differs-from-record" not in harness.unitgen("drift", web, check=False)
    harness.unitgen("uninstall", web)


def test_a_stopped_recreate_unit_without_its_container_is_no_drift(
    harness: Harness, topo: Topology
) -> None:
    web = topo.create("web", "--restart", "always", cmd=SERVE)
    harness.unitgen("install", "--recreate", "--logs=keep", web)
    harness.run("systemctl", "stop", unit_of(web))
    assert docker("ps", "-aq", "--filter", f"name=^{web}$") == ""
    found = harness.unitgen("drift", web, check=False)
    assert "orphan" not in found and "error" not in found
    refused = harness.run("unitgen", "uninstall", web, check=False)
    assert refused.returncode != 0 and "would delete its record" in refused.stderr
    harness.run("systemctl", "start", unit_of(web))
    assert running_id(web)
    harness.unitgen("uninstall", web)


def test_conversion_to_recreate_and_back_keeps_the_container_supervised(
    harness: Harness, topo: Topology
) -> None:
    web = topo.create("web", "--restart", "always", cmd=SERVE)
    harness.unitgen("install", web)
    out = harness.unitgen("install", "--recreate", "--logs=keep", web)
    assert f"takes recreate mode at its next start: systemctl restart {unit_of(web)}" in out
    harness.run("systemctl", "restart", unit_of(web))
    assert json.loads(inspect(web, "{{json .Config.Labels}}")).get("unitgen.unit")
    out = harness.unitgen("install", "--mode=existing", web)
    assert f"removed /etc/unitgen/recreate/{web}.json" in out
    harness.run("systemctl", "restart", unit_of(web))
    kept = running_id(web)
    assert kept and active(harness, unit_of(web)) == "active"
    harness.run("systemctl", "restart", unit_of(web))
    assert running_id(web) == kept  # existing mode: the same container again
    harness.unitgen("uninstall", web)


def test_uninstall_hands_the_container_the_unit_made_back_to_docker_running(
    harness: Harness, topo: Topology
) -> None:
    web = topo.create("web", "--restart", "always", cmd=SERVE)
    harness.unitgen("install", "--recreate", "--logs=keep", web)
    made = running_id(web)
    out = harness.unitgen("uninstall", web)
    assert "handed back to Docker, running" in out
    assert running_id(web) == made
    assert inspect(web, "{{.HostConfig.RestartPolicy.Name}}") == "always"
    assert harness.run("test", "-e", f"/etc/unitgen/recreate/{web}.json", check=False).returncode
