"""`unitgen export --format compose` against a real engine: docker-compose reads the file, and
the containers it creates from it are the ones that were exported."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import need
from tests.docker.run import unitgen
from tests.topology import Topology, docker
from unitgen.engine.specs import spec_from_inspect
from unitgen.export.common import labels
from unitgen.model import ContainerSpec, Endpoint

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]

HOSTILE_ARGS = ('a"b\\c', "$HOME ${X}", "%h", "key: value # no comment", "l1\nl2", "yes", "")


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Topology]:
    """db (health check, named volume, hostile environment) and web, which needs db, on a
    user-defined network with most of what `docker run` can say, limits and all."""
    topo = Topology()
    volume = topo.n("vol")
    docker("volume", "create", "--label", topo.label, volume)
    data = tmp_path / "data dir"
    data.mkdir()
    try:
        net = topo.network("net")
        topo.create(
            "db",
            "--network", net,
            "--health-cmd", "test -e /tmp",
            "--health-interval", "1s",
            "-v", f"{volume}:/var/lib/db",
            "-e", "A=$HOME", "-e", 'B=a"b\\c', "-e", "C=l1\nl2", "-e", "D=yes", "-e", "E=: #x",
            "--restart", "unless-stopped",
        )  # fmt: skip
        topo.create(
            "web",
            "--network", net, "--network-alias", "www",
            "--label", f"unitgen.requires={topo.n('db')}",
            "--label", 'q=a"b $x',
            "-p", "127.0.0.1::80",
            "-v", f"{data}:/data:ro",
            "--tmpfs", "/run:size=1m",
            "--cap-add", "NET_ADMIN", "--cap-drop", "MKNOD",
            "--device", "/dev/null:/dev/xnull",
            "--add-host", "gw:10.0.0.1",
            "--user", "1000", "--workdir", "/tmp", "--hostname", "h1",
            "--restart", "on-failure:2",
            "--stop-timeout", "3",
            "--memory", "64m", "--memory-reservation", "32m", "--cpus", "0.5",
            "--cpu-shares", "512", "--pids-limit", "100", "--shm-size", "32m",
            "--ulimit", "nofile=1024:2048", "--sysctl", "net.core.somaxconn=1024",
            "--security-opt", "no-new-privileges", "--init", "--stop-signal", "SIGINT",
            "--tty", "--interactive", "--dns", "192.0.2.53", "--dns-search", "example.org",
            "--dns-option", "ndots:2", "--log-opt", "max-size=1m",
            "--entrypoint", "sh",
            cmd=("-c", "exit 0", *HOSTILE_ARGS),
        )  # fmt: skip
        yield topo
    finally:
        topo.remove()
        docker("volume", "rm", "-f", volume, check=False)


def compose() -> str:
    program = shutil.which("docker-compose")
    need("docker-compose (apt-get install docker-compose)", program is not None)
    assert program is not None
    return program


def inspected(name: str) -> ContainerSpec:
    return spec_from_inspect(json.loads(docker("inspect", name))[0], {})


def comparable(spec: ContainerSpec) -> tuple[object, ...]:
    """What the export promises to recreate; the environment as a set (Compose writes a
    mapping, so the order of Docker's list is not kept)."""
    run = replace(spec.run, environment=tuple(sorted(spec.run.environment)))
    return (spec.image, spec.restart_policy, spec.stop_timeout, spec.health, spec.networks, run)


def test_docker_compose_recreates_the_exported_containers(app: Topology, tmp_path: Path) -> None:
    program = compose()
    web, db = app.n("web"), app.n("db")
    out = tmp_path / "out"
    done = unitgen("export", "--format", "compose", "--output", str(out), web)
    assert (done.returncode, done.stderr) == (0, f"unitgen: wrote compose.yaml into {out}\n")
    path = out / "compose.yaml"
    before = {name: inspected(name) for name in (db, web)}
    config = subprocess.run(
        [program, "-f", str(path), "config", "-q"], capture_output=True, text=True
    )
    assert (config.returncode, config.stderr) == (0, ""), path.read_text()

    docker("rm", "-f", db, web)
    up = subprocess.run(
        [program, "-p", app.prefix, "-f", str(path), "up", "--no-start"],
        capture_output=True,
        text=True,
    )
    assert up.returncode == 0, up.stderr
    for name, spec in before.items():
        after = inspected(name)
        assert comparable(after) == comparable(spec), name
        assert labels(after) == labels(spec), name
    assert before[web].label("q") == 'a"b $x'
    assert before[web].run.endpoints == (Endpoint(app.n("net"), ("www",)),)  # compared above
