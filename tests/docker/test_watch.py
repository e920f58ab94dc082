"""`unitgen watch` against the real engine, writing into an image root."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.fakes import image_root
from tests.topology import Topology, docker

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]


def eventually(check: object, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def watcher(tmp_path: Path) -> Iterator[Path]:
    log = (tmp_path / "watch.log").open("w")
    root = image_root(tmp_path / "root")
    proc = subprocess.Popen(
        [sys.executable, "-m", "unitgen", "watch", "--root", str(root)],
        cwd=REPO,
        stdout=log,
        stderr=log,
        # A lock of its own: another unitgen run on this machine must not hold up its syncs.
        env={**os.environ, "PYTHONPATH": str(REPO), "UNITGEN_LOCK": str(tmp_path / "lock")},
    )
    time.sleep(1.5)
    yield root
    proc.send_signal(signal.SIGTERM)  # what systemd sends to stop unitgen-watch.service
    try:
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:  # never left behind: a stray watcher outlives its root
            proc.kill()
            proc.wait()


def test_an_opted_in_container_gets_a_unit_and_its_removal_prunes_it(watcher: Path) -> None:
    topo = Topology()
    try:
        name = topo.create("optin", "--label", "unitgen.enable=true")
        unit = watcher / f"etc/systemd/system/docker-{name}.service"
        assert eventually(unit.exists), "the unit did not appear"
        docker("rm", "-f", name)
        assert eventually(lambda: not unit.exists()), "the orphan was not pruned"
    finally:
        topo.remove()


def test_a_container_without_the_label_is_left_alone(watcher: Path) -> None:
    topo = Topology()
    try:
        name = topo.create("plain")
        time.sleep(2)
        assert not (watcher / f"etc/systemd/system/docker-{name}.service").exists()
    finally:
        topo.remove()
