"""The full-host harness itself: the engine inside is a real one of its own, and what happens to
it is real: a clean reboot, a power loss and ``systemctl restart docker`` each stop and start
dockerd, and Docker's own restart policy and live-restore behave as on a machine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import TEST_IMAGE
from tests.fullhost import FullHost
from tests.harness import _docker
from tests.topology import SERVE

pytestmark = [pytest.mark.fullhost, pytest.mark.docker]


@pytest.fixture
def host(fullhost: FullHost) -> Iterator[FullHost]:
    """The module's host, with no containers left behind by the test."""
    yield fullhost
    fullhost.sh("docker ps -aq | xargs -r docker rm -f >/dev/null")


def serve(host: FullHost, name: str, *args: str) -> None:
    """A container of the test image that stops at once on SIGTERM (a reboot stays quick)."""
    host.docker("run", "-d", "--name", name, *args, TEST_IMAGE, *SERVE)


def inspect(host: FullHost, name: str, *fields: str) -> list[str]:
    fmt = "\t".join("{{.State." + f + "}}" for f in fields)
    return host.docker("inspect", "-f", fmt, name).split("\t")


def pid1_said(host: FullHost, text: str) -> int:
    """How often systemd (PID 1) logged TEXT since the host was made. Not per boot: the boot id
    is the kernel's, the same for every boot of a container, so ``journalctl -b -1`` and
    ``--list-boots`` cannot tell this host's boots apart."""
    return host.journal("_PID=1", "-o", "cat").count(text)


def boots(host: FullHost) -> int:
    return pid1_said(host, "Startup finished")


def clean_engine_stops(host: FullHost) -> int:
    return pid1_said(host, "Stopped docker.service")


def engine_pid(host: FullHost) -> str:
    return host.show("docker.service", "MainPID")["MainPID"]


def test_the_inner_engine_is_its_own_and_runs_a_container_from_the_loaded_image(
    host: FullHost,
) -> None:
    assert host.docker("run", "--rm", TEST_IMAGE, "echo", "hello from inside") == (
        "hello from inside"
    )
    outer_id = _docker("info", "-f", "{{.ID}}").stdout.strip()
    assert host.docker("info", "-f", "{{.ID}}") != outer_id
    assert host.docker("info", "-f", "{{.Driver}}") == "vfs"


def test_a_restart_always_container_comes_back_after_a_clean_reboot(host: FullHost) -> None:
    serve(host, "always", "--restart", "always")
    [before] = inspect(host, "always", "StartedAt")
    boots_before, stops_before = boots(host), clean_engine_stops(host)

    host.reboot()

    assert inspect(host, "always", "Running", "StartedAt")[0] == "true"
    assert inspect(host, "always", "StartedAt") != [before]
    assert boots(host) == boots_before + 1
    # Clean: systemd stopped the engine on the way down.
    assert clean_engine_stops(host) == stops_before + 1


def test_a_restart_always_container_comes_back_after_a_power_loss(host: FullHost) -> None:
    serve(host, "always", "--restart", "always")
    [before] = inspect(host, "always", "StartedAt")
    boots_before, stops_before = boots(host), clean_engine_stops(host)

    host.power_loss()

    running, after = inspect(host, "always", "Running", "StartedAt")
    assert (running, after != before) == ("true", True)
    assert boots(host) == boots_before + 1
    # Not clean: nothing stopped the engine, it died with the machine.
    assert clean_engine_stops(host) == stops_before


def test_systemctl_restart_docker_restarts_the_engine_and_a_restart_always_container(
    host: FullHost,
) -> None:
    serve(host, "always", "--restart", "always")
    [before] = inspect(host, "always", "StartedAt")
    engine_before = engine_pid(host)

    host.restart_engine()

    assert engine_pid(host) != engine_before
    running, after = inspect(host, "always", "Running", "StartedAt")
    # Without live-restore the engine stops its containers and starts them again.
    assert (running, after != before) == ("true", True)


def test_with_live_restore_a_container_keeps_its_process_across_an_engine_restart(
    live_restore: FullHost,
) -> None:
    host = live_restore
    assert host.docker("info", "-f", "{{.LiveRestoreEnabled}}") == "true"
    serve(host, "kept")
    [pid] = inspect(host, "kept", "Pid")
    engine_before = engine_pid(host)

    host.restart_engine()

    assert engine_pid(host) != engine_before
    assert inspect(host, "kept", "Running", "Pid") == ["true", pid]


def test_unitgen_installed_in_the_host_generates_units_for_the_inner_engines_containers(
    host: FullHost,
) -> None:
    unitgen = host.install_unitgen()
    serve(host, "inside", "--restart", "always")
    inner_id = host.docker("inspect", "-f", "{{.Id}}", "inside")

    unit = host.run(unitgen, "generate", "inside").stdout

    assert unit.startswith("---docker-inside.service---\n")
    assert f"\nContainerId={inner_id}\n" in unit
