"""`--dry-run` decides everything and does nothing: no file, no Docker policy, no systemctl
verb that changes state, and not even policy-rc.d is run (it may have side effects)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.topology import SERVE, Topology, inspect

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]

POLICY = "/usr/sbin/policy-rc.d"
# Every file unitgen could write or remove, with its content's hash.
STATE = (
    "find /etc/systemd/system /var/lib/unitgen -type f -o -type l 2>/dev/null"
    " | sort | xargs -r md5sum"
)


def test_a_dry_run_asks_no_policy_rc_d_and_changes_nothing(
    harness: Harness, topo: Topology
) -> None:
    web = topo.create("web", "--restart", "always", cmd=SERVE)
    harness.sh(f"printf '#!/bin/sh\\necho \"$@\" >> /root/policy.log\\nexit 101\\n' > {POLICY}")
    harness.sh(f"chmod 755 {POLICY}; rm -f /root/policy.log")
    try:
        before = harness.sh(STATE).stdout
        for command in (["install", web], ["adopt"], ["sync"], ["uninstall", web]):
            done = harness.run("unitgen", command[0], "--dry-run", *command[1:])
            assert done.returncode == 0, done.stderr
        plan = harness.run("unitgen", "install", "--dry-run", web).stdout
        assert f"docker  update --restart=no {web}  (was always)" in plan
        assert "policy-rc.d decides, when this is applied, whether they start" in plan
        assert harness.sh(STATE).stdout == before
        assert harness.sh("cat /root/policy.log", check=False).returncode != 0  # never run
        assert inspect(web, "{{.HostConfig.RestartPolicy.Name}}") == "always"
        # Applied, the same plan asks policy-rc.d, which forbids the start: enabled only.
        out = harness.run("unitgen", "install", web)
        assert f"policy-rc.d forbids starting docker-{web}.service" in out.stderr
        assert f"docker-{web}.service start" in harness.sh("cat /root/policy.log").stdout
        harness.run("unitgen", "uninstall", web)
    finally:
        harness.sh(f"rm -f {POLICY} /root/policy.log")
