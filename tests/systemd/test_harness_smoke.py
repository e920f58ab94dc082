"""The harness itself: systemd boots as PID 1, a hand-written unit drives a container on the
outer engine, and a reboot (clean shutdown, then boot) stops it and brings it back."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import run_tag
from tests.harness import Harness, build_image

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]

CONTAINER = "smoke-c"
UNIT = "smoke.service"
SMOKE_UNIT = f"""\
[Unit]
Description=harness smoke test: {CONTAINER} on the outer engine
Requires=docker.service
After=docker.service

[Service]
ExecStartPre=/usr/bin/docker start {CONTAINER}
ExecStart=/usr/bin/docker wait {CONTAINER}
ExecStop=/usr/bin/docker stop -t 2 {CONTAINER}

[Install]
WantedBy=multi-user.target
"""


def host_docker(*args: str, check: bool = True) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def state(*fields: str) -> list[str]:
    fmt = " ".join("{{.State." + f + "}}" for f in fields)
    return host_docker("inspect", "-f", fmt, CONTAINER).split()


@pytest.fixture(scope="module")
def box() -> Iterator[Harness]:
    build_image()
    harness = Harness(name="unitgen-test-smoke" + run_tag())
    host_docker("rm", "-f", CONTAINER, check=False)
    host_docker(
        "create",
        "--name",
        CONTAINER,
        "--label",
        "unitgen.test=harness-smoke",
        "unitgen-test/busybox:latest",
        "sleep",
        "3600",
    )
    try:
        harness.boot()
        yield harness
    finally:
        harness.destroy()
        host_docker("rm", "-f", CONTAINER, check=False)


def test_systemd_boots_with_the_outer_engine_as_docker_service(box: Harness) -> None:
    assert box.run("systemctl", "is-system-running", check=False).stdout.strip() == "running"
    assert box.run("systemctl", "--failed", "--plain", "--no-legend").stdout.strip() == ""
    assert box.show("docker.service", "ActiveState", "SubState") == {
        "ActiveState": "active",
        "SubState": "exited",
    }
    for masked in ("docker.socket", "containerd.service"):
        assert box.show(masked, "LoadState") == {"LoadState": "masked"}
    # The inner docker CLI talks to the engine this test talks to.
    assert CONTAINER in box.run("docker", "ps", "-a", "--format", "{{.Names}}").stdout.split()
    # The repository is at /src, read-only, and unitgen runs from it.
    assert box.sh("touch /src/.harness-probe", check=False).returncode != 0
    assert "Usage" in box.run("unitgen", "--help").stdout


def test_a_hand_written_unit_runs_the_container(box: Harness) -> None:
    box.sh(f"cat > /etc/systemd/system/{UNIT} <<'EOF'\n{SMOKE_UNIT}EOF")
    box.run("systemctl", "daemon-reload")
    box.run("systemctl", "enable", "--now", UNIT)
    assert box.show(UNIT, "ActiveState", "UnitFileState") == {
        "ActiveState": "active",
        "UnitFileState": "enabled",
    }
    assert state("Running") == ["true"]


def test_a_reboot_stops_the_unit_cleanly_and_starts_it_again(box: Harness) -> None:
    box.run("systemctl", "enable", "--now", UNIT)
    assert state("Running") == ["true"]
    (before,) = state("StartedAt")
    box.reboot()
    running, started, finished = state("Running", "StartedAt", "FinishedAt")
    # Shutdown ran ExecStop (docker stop) on the outer engine, and the boot started it anew.
    assert finished > before, "the container was not stopped by the shutdown"
    assert started > finished
    assert running == "true"
    assert box.show(UNIT, "ActiveState", "UnitFileState") == {
        "ActiveState": "active",
        "UnitFileState": "enabled",
    }
    assert box.run("test", "-f", f"/etc/systemd/system/{UNIT}").returncode == 0
    # The previous boot's shutdown is in the (persistent) journal.
    assert "Received SIGRTMIN+3" in box.journal("-u", "init.scope", "-o", "cat") or (
        "Received SIGRTMIN+3" in box.journal("-o", "cat")
    )
