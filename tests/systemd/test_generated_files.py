"""Against a real systemd: the `podman generate systemd --files` habit. An admin writes the
units with `generate --output DIR`, copies them into /etc/systemd/system and follows what
unitgen said beside them; the units then start, and Docker's policy no longer competes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.topology import SERVE, Topology, docker, inspect, wait_for

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]

HELPER = "/var/lib/unitgen/helper/container-v1"


def test_copied_output_files_start_once_sync_has_run_as_generate_says(
    harness: Harness, topo: Topology
) -> None:
    db = topo.create("db", "--restart", "always", cmd=SERVE)
    web = topo.create("web", "--link", f"{db}:db", "--restart", "always", cmd=SERVE)
    docker("start", db, web)
    units = [f"docker-{db}.service", f"docker-{web}.service"]
    harness.run("rm", "-f", HELPER)

    said = harness.unitgen("generate", "--output", "/root/units", web)
    print(said)
    assert "missing here" in said and "unitgen sync" in said, said
    assert f"systemctl start {' '.join(units)}" in said, said

    harness.sh("cp /root/units/*.service /etc/systemd/system/ && systemctl daemon-reload")
    harness.unitgen("sync")
    harness.run("test", "-x", HELPER)
    for name in (db, web):
        assert inspect(name, "{{.HostConfig.RestartPolicy.Name}}") == "no", name
    harness.run("systemctl", "start", *units)
    wait_for(
        lambda: all(harness.show(u, "ActiveState")["ActiveState"] == "active" for u in units),
        what="both copied units active",
    )
    for unit in units:
        assert harness.show(unit, "UnitFileState")["UnitFileState"] == "enabled", unit
    assert harness.run("unitgen", "drift", check=False).returncode == 0
    harness.run("systemctl", "stop", *units)
    for name in (db, web):
        assert inspect(name, "{{.State.Running}}") == "false", name
