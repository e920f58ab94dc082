"""`unitgen list` against a real systemd (the harness) and the real engine: container and
network units with systemd's states, and the same listing when the engine does not answer."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.topology import Topology

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]


@pytest.fixture
def ls() -> Iterator[Topology]:
    t = Topology(prefix="ls-" + uuid.uuid4().hex[:6])
    yield t
    t.remove()


def listed(box: Harness, env: str = "") -> tuple[int, dict[str, dict[str, object]], str]:
    done = box.sh(f"{env} unitgen list --json", check=False)
    units = {u["unit"]: u for u in json.loads(done.stdout)["units"]}
    return done.returncode, units, done.stderr


def test_list_shows_the_network_unit_and_without_the_engine_what_systemd_knows(
    harness: Harness, ls: Topology
) -> None:
    net = ls.network("net")
    web = ls.create("web", "--network", net)
    harness.run("unitgen", "install", web)
    try:
        code, units, _ = listed(harness)
        assert code == 0
        mine = {k: v for k, v in units.items() if ls.prefix in k}
        assert [(u["kind"], u["active"], u["enabled"], u["docker"]) for u in mine.values()] == [
            ("container", "active", True, "running"),
            ("network", "active", None, "present"),
        ]
        code, units, err = listed(harness, "DOCKER_HOST=unix:///run/no-engine.sock")
        assert code == 21, err
        assert err.startswith("unitgen: ") and err.endswith("the DOCKER column is unknown\n")
        mine = {k: v for k, v in units.items() if ls.prefix in k}
        assert [(u["active"], u["docker"]) for u in mine.values()] == [
            ("active", "unknown"),
            ("active", "unknown"),
        ]
    finally:
        harness.run("unitgen", "uninstall", web)
