"""Against a real Docker engine, in an image root: drift leaves the policy install --root kept,
diff exits as diff(1), --all, --quiet and --debug."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docker.run import unitgen
from tests.fakes import image_root
from tests.topology import Topology, docker

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]


def test_drift_root_takes_the_policy_install_root_left_for_none_of_its_business(
    topo: Topology, tmp_path: Path
) -> None:
    root = image_root(tmp_path)
    web = topo.create("web", "--restart", "always")
    assert unitgen("-q", "install", "--root", str(root), web).returncode == 0
    assert docker("inspect", "--format", "{{.HostConfig.RestartPolicy.Name}}", web) == "always"
    done = unitgen("drift", "--root", str(root), web)
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"no drift: docker-{web}.service matches its container {web}\n",
        "",
    )


def test_diff_exits_0_when_equal_and_1_when_the_container_changed(
    topo: Topology, tmp_path: Path
) -> None:
    root = image_root(tmp_path)
    web = topo.create("web")
    assert unitgen("-q", "install", "--root", str(root), web).returncode == 0
    assert unitgen("diff", "--root", str(root), web).returncode == 0
    assert unitgen("diff", "--root", str(root), "--all").returncode == 0
    docker("rm", web)
    topo.create("web", "--label", "changed=yes")
    done = unitgen("diff", "--root", str(root), f"/{web}")
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith(f"--- installed/docker-{web}.service\n")


def test_uninstall_all_in_a_root_removes_every_unit_quietly(topo: Topology, tmp_path: Path) -> None:
    root = image_root(tmp_path)
    one, two = topo.create("one"), topo.create("two")
    assert unitgen("-q", "install", "--root", str(root), one, two).returncode == 0
    done = unitgen("--quiet", "uninstall", "--all", "--root", str(root))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert list((root / "etc/systemd/system").glob("docker-*.service")) == []


def test_debug_logs_each_write_and_systemctl_call(topo: Topology, tmp_path: Path) -> None:
    root = image_root(tmp_path)
    web = topo.create("web")
    done = unitgen("--debug", "install", "--root", str(root), web)
    assert done.returncode == 0, done.stderr
    unit = f"{root}/etc/systemd/system/docker-{web}.service"
    assert f"unitgen: plan: write   {unit}  (new)\n" in done.stderr
    assert f"unitgen: writing {unit} (mode 644, " in done.stderr
    assert f"unitgen: running systemctl --root={root} reenable --quiet docker-{web}.service\n" in (
        done.stderr
    )
