"""`unitgen export --format quadlet` booted for real: the files exported from three Docker
containers (a network, a container that Requires= another, one in the other's network
namespace) go into /etc/containers/systemd of a Debian 13 host with systemd and Podman 5.4
(tests/quadlet), whose Quadlet generator makes them units, and those units run the Podman
containers, each after what it needs: on `systemctl daemon-reload` and again at the next boot."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_IMAGE, need, run_tag
from tests.docker.run import unitgen
from tests.quadlet import IMAGE, PodmanHost, build_image
from tests.topology import Topology

pytestmark = [pytest.mark.fullhost, pytest.mark.docker]

UNITS = "/etc/containers/systemd"


@pytest.fixture(scope="module")
def podman_host(docker_engine: None) -> Iterator[PodmanHost]:
    have = subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True, check=False)
    need(f"root (to build {IMAGE} with debootstrap)", have.returncode == 0 or os.geteuid() == 0)
    build_image()
    host = PodmanHost(name=f"unitgen-fh-quadlet-boot{run_tag()}")
    host.boot()
    try:
        host.load_image(TEST_IMAGE)
        yield host
    finally:
        host.destroy()


@pytest.fixture
def exported(tmp_path: Path) -> Iterator[tuple[Topology, Path]]:
    """db and web on a user-defined network, web requiring db, and a sidecar in web's network
    namespace, created on the outer engine and exported (all three, by naming the sidecar)."""
    topo = Topology()
    net = topo.network("net")
    db = topo.create("db", "--network", net)
    web = topo.create("web", "--network", net, "--label", f"unitgen.requires={db}")
    side = topo.create("side", "--network", f"container:{web}")
    try:
        done = unitgen("export", "--format", "quadlet", "--output", str(tmp_path), side)
        assert done.returncode == 0, done.stderr
        yield topo, tmp_path
    finally:
        topo.remove()


def _start_order(host: PodmanHost, units: list[str]) -> list[tuple[int, int]]:
    """(when each unit began starting, when it was active), systemd's monotonic clock."""
    times = []
    for unit in units:
        shown = host.show(unit, "InactiveExitTimestampMonotonic", "ActiveEnterTimestampMonotonic")
        times.append((int(shown["InactiveExitTimestampMonotonic"]),
                      int(shown["ActiveEnterTimestampMonotonic"])))  # fmt: skip
    return times


def _assert_up_in_order(host: PodmanHost, topo: Topology) -> None:
    db, web, side = topo.n("db"), topo.n("web"), topo.n("side")
    network = f"{topo.n('net')}-network.service"
    units = [network, f"{db}.service", f"{web}.service", f"{side}.service"]
    states = host.run("systemctl", "is-active", *units, check=False).stdout.split()
    assert states == ["active"] * 4, host.journal("-n", "80")
    running = host.podman("ps", "--format", "{{.Names}} {{.Image}}").splitlines()
    assert sorted(running) == sorted(f"{n} docker.io/{TEST_IMAGE}" for n in (db, web, side))
    # Each unit began only once what it needs was active: the network before db, db before web
    # (Requires=, After=), web before its sidecar (BindsTo=, After=).
    times = _start_order(host, units)
    for (_, before_active), (after_start, _) in [
        (times[0], times[1]), (times[1], times[2]), (times[2], times[3]),
    ]:  # fmt: skip
        assert 0 < before_active <= after_start, times
    started = [int(host.podman("inspect", "-f", "{{.State.StartedAt.UnixNano}}", n))
               for n in (db, web, side)]  # fmt: skip
    assert started == sorted(started)
    # The network Podman made is the exported one, and db and web are on it.
    networks = "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}"
    assert [host.podman("inspect", "-f", networks, n) for n in (db, web)] == [topo.n("net")] * 2
    assert host.podman("inspect", "-f", "{{.HostConfig.NetworkMode}}", side).startswith(
        "container:"
    )


def test_exported_quadlet_files_boot_under_systemd_with_podman_in_dependency_order(
    podman_host: PodmanHost, exported: tuple[Topology, Path]
) -> None:
    topo, out = exported
    files = sorted(p.name for p in out.iterdir())
    containers = [f"{topo.n(n)}.container" for n in ("db", "web", "side")]
    assert files == sorted([f"{topo.n('net')}.network", *containers])
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w") as archive:
        for name in files:
            archive.add(out / name, arcname=name)
    copy = subprocess.run(["docker", "exec", "-i", podman_host.name, "tar", "-C", UNITS, "-x"],
                          input=tar.getvalue(), capture_output=True, check=False)  # fmt: skip
    assert copy.returncode == 0, copy.stderr
    # The generator runs on daemon-reload; the sidecar's start pulls in the rest, in order.
    podman_host.run("systemctl", "daemon-reload")
    podman_host.run("systemctl", "start", f"{topo.n('side')}.service", timeout=180)
    _assert_up_in_order(podman_host, topo)
    # At boot (WantedBy=multi-user.target, which the generator links) they all come up again.
    podman_host.reboot()
    _assert_up_in_order(podman_host, topo)
