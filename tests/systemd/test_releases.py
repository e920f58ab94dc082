"""Units use what the target's systemd offers (README, "Restart policies"): both back off like
Docker through the helper, Debian 13's 257 also restarts directly. Run in each
release's harness (UNITGEN_HARNESS_RELEASE=bookworm|trixie): the unit unitgen installs there
passes `systemd-analyze verify`, and systemd itself reads the restart settings back; a unit
made for 252 stays valid on 257 (an upgrade to Debian 13 keeps working units), while one made
for 257 is not for 252, which is why the version is read from the target at generation."""

from __future__ import annotations

import subprocess
import time
from typing import TYPE_CHECKING

import pytest

from tests.harness import STOP_TIMEOUT, harness_release
from tests.topology import Topology, docker
from unitgen.units.unitfile import UnitFile

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]

SYSTEMD_OF = {"bookworm": 252, "trixie": 257}
NEW_KEYS = ("RestartSteps", "RestartMaxDelaySec", "RestartMode")


def systemd_version(box: Harness) -> int:
    return int(box.run("systemctl", "--version").stdout.split()[1])


def verify(box: Harness, path: str) -> tuple[int, str]:
    done = box.run(
        "systemd-analyze", "verify", "--man=no", "--recursive-errors=yes", path, check=False
    )
    return done.returncode, done.stdout + done.stderr


def install_into_image(box: Harness, container: str, version: int) -> str:
    """`unitgen install --root` into an image root whose systemd is VERSION (as its shared
    library's name says); the unit's path in the harness."""
    img = f"/root/img-{version}"
    box.sh(
        f"rm -rf {img} && mkdir -p {img}/usr/lib/systemd {img}/bin && "
        f": > {img}/usr/lib/systemd/libsystemd-shared-{version}.so && "
        # The units run netcat-openbsd's nc: install refuses an image that lacks it.
        f"ln -s /bin/nc.openbsd {img}/bin/nc.openbsd"
    )
    box.run("unitgen", "install", "--root", img, container)
    return f"{img}/etc/systemd/system/docker-{container}.service"


def test_the_harness_runs_its_releases_systemd(harness: Harness) -> None:
    assert systemd_version(harness) == SYSTEMD_OF[harness_release()]


def test_the_installed_unit_has_the_restart_settings_of_this_systemd_and_verifies(
    harness: Harness, topo: Topology
) -> None:
    web = topo.create("web", "--restart", "always")
    harness.run("unitgen", "install", web)
    unit = f"docker-{web}.service"
    path = f"/etc/systemd/system/{unit}"
    status, output = verify(harness, path)
    assert status == 0, output
    assert "Unknown" not in output, output
    settings = UnitFile.parse(harness.run("cat", path).stdout)
    # What systemd made of them (an unknown property is left out of `systemctl show`).
    read = harness.show(unit, "Restart", "RestartUSec", "RestartSteps", "RestartMaxDelayUSec")
    # Docker's back-off is the helper's on both (UNITGEN_BACKOFF=1): systemd's RestartSteps=
    # never resets after a run that lasted.
    assert "UNITGEN_BACKOFF=1" in settings.get_all("Service", "Environment")
    if systemd_version(harness) >= 254:
        assert [settings.get("Service", key) for key in NEW_KEYS] == [None, None, "direct"]
        assert read == {
            "Restart": "always",
            "RestartUSec": "100ms",
            "RestartSteps": "0",
            "RestartMaxDelayUSec": "infinity",
        }
        assert harness.show(unit, "RestartMode") == {"RestartMode": "direct"}
    else:
        assert [settings.get("Service", key) for key in NEW_KEYS] == [None, None, None]
        assert read == {"Restart": "always", "RestartUSec": "100ms"}


def test_a_unit_made_for_systemd_252_verifies_here_and_one_made_for_257_only_from_254(
    harness: Harness, topo: Topology
) -> None:
    web = topo.create("web", "--restart", "always")
    # Into images first: those leave Docker's policy as it is, the system's own install sets it
    # to no (and records always), and the units would translate that.
    old = install_into_image(harness, web, 252)
    new = install_into_image(harness, web, 257)
    for path, mode in ((old, None), (new, "direct")):
        unit = UnitFile.parse(harness.run("cat", path).stdout)
        assert (unit.get("Service", "Restart"), unit.get("Service", "RestartMode")) == (
            "always",
            mode,
        )
    # The helper the units run must exist for verify: the system's own install puts it there.
    harness.run("unitgen", "install", web)
    status, output = verify(harness, old)
    assert status == 0 and "Unknown" not in output, output
    status, output = verify(harness, new)
    if systemd_version(harness) >= 254:
        assert status == 0 and "Unknown" not in output, output
    else:
        # systemd 252 ignores the key it does not know.
        key = "RestartMode"
        assert f"Unknown key '{key}'" in output or f"Unknown key name '{key}'" in output


def test_a_unit_whose_container_is_gone_does_not_hold_up_the_boot(
    harness: Harness, topo: Topology
) -> None:
    """Found with the Debian 13 harness: under RestartMode=direct the boot's start job of a
    unit whose start fails stays running across its restarts, so multi-user.target was never
    reached. The helper lets a gone container's unit fail in its main step instead (and
    JobRunningTimeoutSec= bounds any other failing start)."""
    gone = topo.create("gone", "--restart", "always")
    harness.run("unitgen", "install", gone)
    docker("rm", "-f", gone)
    subprocess.run(
        ["docker", "restart", "-t", str(STOP_TIMEOUT), harness.name],
        capture_output=True,
        check=True,
        timeout=STOP_TIMEOUT + 60,
    )
    state = "unknown"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            state = harness.run("systemctl", "is-system-running", check=False).stdout.strip()
            if state in ("running", "degraded"):
                break
            time.sleep(0.5)
        assert state in ("running", "degraded"), harness.run("systemctl", "list-jobs").stdout
    finally:
        harness.run("unitgen", "sync", "--prune", check=False)
