"""`unitgen update` end to end: a real systemd (the harness), the real engine and a real
registry (tests/registry.py, on this machine's 127.0.0.1, which the engine the harness drives
reaches). A container installed in recreate mode, labelled unitgen.auto-update=registry:
nothing new is unchanged; a good new build is taken; a bad one is rolled back (the service
runs the previous id again, its unit active) and not tried again; a newer good one is taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.registry import BAD, GOOD, Registry
from tests.topology import Topology, docker, inspect
from unitgen.update.decide import short

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]

HEALTH = ("HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD test -e /app/run",)


def update(box: Harness, *args: str) -> tuple[int, str]:
    """`unitgen update ARGS` in the box: its exit code and its report (progress, on stderr,
    is left out)."""
    done = box.run("unitgen", "update", "--timeout", "60", *args, check=False)
    return done.returncode, done.stdout


def runs(name: str) -> str:
    return inspect(name, "{{.Image}}")


@pytest.fixture
def web(harness: Harness, registry: Registry, topo: Topology) -> Iterator[str]:
    """Container WEB from the registry's REPO:1 (a good build), installed in recreate mode."""
    image = registry.name(topo.prefix, "1")
    registry.publish(topo.prefix, "1", GOOD, "1")
    name = topo.create("web", "--label", "unitgen.auto-update=registry", image=image, cmd=())
    harness.run("unitgen", "install", "--recreate", "--logs=keep", name)
    yield name
    harness.run("unitgen", "uninstall", name, check=False)
    harness.run("rm", "-f", f"/var/lib/unitgen/update/{name}.json", check=False)
    registry.forget(image)


def offer(registry: Registry, topo: Topology, script: str, version: str, running: str) -> str:
    """Push a new build of REPO:1; this engine's name goes back to the id that RUNNING runs,
    as on a host that has not pulled yet. The new build's id."""
    image = registry.name(topo.prefix, "1")
    new = registry.publish(topo.prefix, "1", script, version)
    docker("tag", runs(running), image)
    return new


def test_update_takes_a_good_build_rolls_back_a_bad_one_and_does_not_retry_it(
    harness: Harness, registry: Registry, topo: Topology, web: str
) -> None:
    unit = f"docker-{web}.service"
    first = runs(web)
    assert inspect(web, '{{index .Config.Labels "unitgen.unit"}}') == unit

    assert update(harness, web) == (0, f"{web}: unchanged\n")

    good = offer(registry, topo, GOOD, "2", web)
    code, out = update(harness, web)
    assert (code, out) == (0, f"{web}: updated ({short(first)} -> {short(good)})\n")
    assert runs(web) == good
    assert harness.show(unit, "ActiveState")["ActiveState"] == "active"

    bad = offer(registry, topo, BAD, "3", web)
    code, out = update(harness, web)
    assert (code, out) == (
        22,
        f"{web}: rolled back (to {short(good)}: {short(bad)} exited with code 3)\n",
    )
    assert runs(web) == good
    assert harness.show(unit, "ActiveState")["ActiveState"] == "active"
    assert (
        docker("image", "inspect", "--format", "{{.Id}}", registry.name(topo.prefix, "1")) == good
    )

    # The registry still offers the bad build: left alone, and the name kept on what runs.
    code, out = update(harness, web)
    assert (code, out) == (0, f"{web}: unchanged ({short(bad)} rejected earlier)\n")
    assert runs(web) == good
    assert (
        docker("image", "inspect", "--format", "{{.Id}}", registry.name(topo.prefix, "1")) == good
    )
    code, out = update(harness, "--dry-run", web)
    assert code == 0 and out.startswith(f"{web}: unchanged (sha256:") and "rejected earlier" in out

    newer = offer(registry, topo, GOOD, "4", web)
    code, out = update(harness, web)
    assert (code, out) == (0, f"{web}: updated ({short(good)} -> {short(newer)})\n")
    assert runs(web) == newer


def test_an_unhealthy_build_is_rolled_back(
    harness: Harness, registry: Registry, topo: Topology
) -> None:
    image = registry.name(topo.prefix, "1")
    first = registry.publish(topo.prefix, "1", GOOD, "1", *HEALTH)
    name = topo.create("api", "--label", "unitgen.auto-update=registry", image=image, cmd=())
    try:
        harness.run("unitgen", "install", "--recreate", "--logs=keep", name)
        sick = registry.publish(
            topo.prefix,
            "1",
            GOOD,
            "2",
            "HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD false",
        )
        docker("tag", first, image)
        code, out = update(harness, name)
        assert (code, out) == (
            22,
            f"{name}: rolled back (to {short(first)}: {short(sick)} is unhealthy)\n",
        )
        assert runs(name) == first
        assert inspect(name, "{{.State.Health.Status}}") == "healthy"
    finally:
        harness.run("unitgen", "uninstall", name, check=False)
        registry.forget(image)
