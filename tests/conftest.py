"""Shared fixtures. Real-engine tests skip without an engine, except under CI=true, where a
missing engine is a failure: CI always runs them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.topology import Topology
from unitgen.engine.specs import network_from_inspect, spec_from_inspect, state_from_inspect
from unitgen.graph import Graph
from unitgen.units import render

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

if TYPE_CHECKING:
    from tests.harness import Harness
    from tests.registry import Registry
    from unitgen.model import ContainerState
TEST_IMAGE = "unitgen-test/busybox:latest"


def seed_graph() -> Graph:
    containers = json.loads((FIXTURES / "inspect/seed-containers.json").read_text())
    networks = json.loads((FIXTURES / "inspect/seed-networks.json").read_text())
    names_by_id = {c["Id"]: c["Name"].lstrip("/") for c in containers}
    return Graph.build(
        [spec_from_inspect(c, names_by_id) for c in containers],
        [network_from_inspect(n) for n in networks],
    )


def health_states() -> dict[str, ContainerState]:
    """The recorded states of health-failing (its check failed, printing two lines) and
    health-starting (its first check not run yet): tests/fixtures/record-health.sh."""
    recorded = json.loads((FIXTURES / "inspect/health-containers.json").read_text())
    return {c["Name"].lstrip("/"): state_from_inspect(c) for c in recorded}


@pytest.fixture(scope="session")
def template_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("template-cache")


@pytest.fixture(autouse=True)
def hermetic_templates(monkeypatch: pytest.MonkeyPatch, template_cache: Path) -> None:
    """Render with the checkout's templates (and a test's own --templates) only: an override in
    this machine's /etc/unitgen/templates must not change what the tests see, and the compiled
    templates are kept in the session's own cache, not this machine's /var/cache."""
    monkeypatch.setattr(render, "SYSTEM_TEMPLATES", None)
    monkeypatch.setenv("UNITGEN_CACHE_DIR", str(template_cache))


def need(what: str, ok: bool) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required under CI=true (it is never skipped there)")
    pytest.skip(f"{what} is not available")


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[None]:
    ok = (
        shutil.which("docker") is not None
        and subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0
    )
    need("a running Docker engine", ok)
    subprocess.run([str(REPO / "tests/images/build.sh")], check=True, capture_output=True)
    yield
    # A network unit in a harness may have recreated a test's network after the test removed
    # it; left behind, such networks use up Docker's ~30 default address pools. Only those a
    # few minutes old: a fresh one may be another checkout's test, not yet joined.
    subprocess.run(
        [
            "docker",
            "network",
            "prune",
            "-f",
            "--filter",
            "label=unitgen.test",
            "--filter",
            "until=5m",
        ],
        capture_output=True,
        check=False,
    )


@pytest.fixture(scope="session")
def registry(docker_engine: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A real registry (Debian's docker-registry) on 127.0.0.1 at a free port, with its own
    storage; stopped, and the images pushed to it removed, after the session."""
    from tests.registry import Registry

    need(
        "docker-registry (apt install docker-registry)", shutil.which("docker-registry") is not None
    )
    served = Registry(tmp_path_factory.mktemp("registry"))
    served.start()
    yield served
    served.close()


def run_tag() -> str:
    """A suffix for the names of long-lived test containers (harnesses, full hosts), from
    UNITGEN_TEST_TAG: two checkouts can then run the systemd tests side by side."""
    tag = os.environ.get("UNITGEN_TEST_TAG", "")
    return f"-{tag}" if tag else ""


@pytest.fixture(scope="module")
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    """One booted systemd harness per test module, named after it (test_lifecycle.py ->
    unitgen-test-lifecycle)."""
    # tests/harness is part of this tree: an ImportError there is a bug, never a skip.
    from tests.harness import Harness, build_image

    build_image()
    topic = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    box = Harness(name=f"unitgen-test-{topic}{run_tag()}")
    box.destroy()
    box.boot()
    yield box
    box.destroy()


@pytest.fixture
def topo() -> Iterator[Topology]:
    """Containers (and networks) of one test, removed afterwards."""
    t = Topology()
    yield t
    t.remove()
