"""A package built with dh-unitgen (the example, hello-container) through its whole life on a
full host (systemd and its own engine, Debian 12, or 13 with UNITGEN_FULLHOST_RELEASE=trixie):
installed (enabled, active, its container serving), upgraded with its unit unchanged (the
container never stopped) and changed (restarted onto the new unit), removed (stopped, disabled,
Docker's policy still `no`: a reboot starts nothing), reinstalled (enabled and started again),
purged (unit and state gone); a unit the admin disabled kept so by upgrades and a reinstall;
installed into a root with DPKG_ROOT and into a chroot without systemd (enabled there, nothing
started); and held back by a policy-rc.d that says no."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.fullhost import FullHost
from tests.harness import _docker
from tests.packaging import dh_unitgen_deb, example_deb, unitgen_deb

pytestmark = [pytest.mark.fullhost, pytest.mark.docker, pytest.mark.deb]

NAME = "hello-web"
UNIT = "docker-hello-web.service"
UNIT_FILE = f"/etc/systemd/system/{UNIT}"
WANTS = f"/etc/systemd/system/multi-user.target.wants/{UNIT}"
# The second version's unit differs: a longer stop timeout.
CHANGED_LINE = "hello-web --stop-timeout=7"
# A copy of the host's own system (unitgen installed), for DPKG_ROOT and the chroot.
TARGET = "/srv/target"


@pytest.fixture(scope="module")
def debs(fullhost: FullHost, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """unitgen's .deb and the example's 1.0, 1.1 (the same unit) and 1.2 (a changed unit), built
    for the host's release, copied into the host's /root; their paths there."""
    release = "trixie" if fullhost.release.startswith("trixie") else fullhost.release
    out = tmp_path_factory.mktemp("dist-dh")
    unitgen = unitgen_deb(release, out)
    dh = dh_unitgen_deb(unitgen)
    built = {
        "unitgen": unitgen,
        "1.0": example_deb(release, dh, out),
        "1.1": example_deb(release, dh, out, version="1.1"),
        "1.2": example_deb(release, dh, out, version="1.2", unitgen_line=CHANGED_LINE),
    }
    paths = {}
    for key, deb in built.items():
        # /tmp is a tmpfs in a booted host, where docker cp does not see.
        _docker("cp", str(deb), f"{fullhost.name}:/root/{deb.name}")
        paths[key] = f"/root/{deb.name}"
    fullhost.sh(f"rm -f /usr/local/bin/unitgen && dpkg -i {paths['unitgen']} >/dev/null")
    return paths


@pytest.fixture
def host(fullhost: FullHost, debs: dict[str, str]) -> Iterator[FullHost]:
    """The module's host with unitgen installed; the example purged and its container gone
    afterwards, whatever the test did."""
    yield fullhost
    fullhost.sh(
        "rm -f /usr/sbin/policy-rc.d; dpkg -P hello-container >/dev/null 2>&1; "
        f"docker rm -f {NAME} >/dev/null 2>&1; true"
    )


def dpkg(host: FullHost, *args: str) -> subprocess.CompletedProcess[str]:
    done = host.run("dpkg", *args, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def states(host: FullHost) -> dict[str, str]:
    return host.show(UNIT, "ActiveState", "UnitFileState", "LoadState")


def container(host: FullHost, fmt: str) -> str:
    return host.docker("inspect", "-f", fmt, NAME)


def fetch(host: FullHost) -> str:
    script = (
        "import time, urllib.request\n"
        "for _ in range(50):\n"
        "    try:\n"
        "        answer = urllib.request.urlopen('http://127.0.0.1:8089/', timeout=2)\n"
        "        print(answer.read().decode())\n"
        "        break\n"
        "    except OSError:\n"
        "        time.sleep(0.2)\n"
    )
    return host.run("python3", "-c", script).stdout.strip()


def said_by_snippets(done: subprocess.CompletedProcess[str]) -> list[str]:
    """What dpkg's run printed about the container or unitgen (the snippets are quiet when all
    is well)."""
    text = done.stdout + done.stderr
    return [line for line in text.splitlines() if "unitgen:" in line or NAME in line]


def test_installed_upgraded_removed_reinstalled_and_purged(
    host: FullHost, debs: dict[str, str]
) -> None:
    done = dpkg(host, "-i", debs["1.0"])
    assert said_by_snippets(done) == []
    assert states(host) == {
        "ActiveState": "active",
        "UnitFileState": "enabled",
        "LoadState": "loaded",
    }
    assert container(host, "{{.State.Running}} {{.HostConfig.RestartPolicy.Name}}") == "true no"
    assert fetch(host) == "hello"
    started = container(host, "{{.State.StartedAt}}")
    entered = host.show(UNIT, "ActiveEnterTimestampMonotonic")

    # An upgrade that leaves the unit as it is: the same run of the container, the same unit run.
    done = dpkg(host, "-i", debs["1.1"])
    assert said_by_snippets(done) == []
    assert container(host, "{{.State.Running}} {{.State.StartedAt}}") == f"true {started}"
    assert host.show(UNIT, "ActiveEnterTimestampMonotonic") == entered
    assert f"Stopping {UNIT}" not in host.journal("-u", UNIT, "-o", "cat")
    assert fetch(host) == "hello"

    # An upgrade that changes the unit: restarted onto it.
    dpkg(host, "-i", debs["1.2"])
    assert "TimeoutStopSec=22" in host.run("cat", UNIT_FILE).stdout  # 7 s + 15
    assert states(host)["ActiveState"] == "active"
    assert container(host, "{{.State.Running}}") == "true"
    assert container(host, "{{.State.StartedAt}}") != started
    assert host.show(UNIT, "TimeoutStopUSec")["TimeoutStopUSec"] == "22s"

    # Removed: stopped and disabled, and Docker's policy stays `no`: nothing supervises it, a
    # reboot starts nothing. The unit stays until purge.
    dpkg(host, "-r", "hello-container")
    assert states(host)["ActiveState"] in ("inactive", "failed")
    assert states(host)["UnitFileState"] == "disabled"
    assert container(host, "{{.State.Running}} {{.HostConfig.RestartPolicy.Name}}") == "false no"
    host.reboot()
    assert states(host)["ActiveState"] == "inactive"
    assert container(host, "{{.State.Running}}") == "false"

    # Reinstalled: enabled and started again, the same container.
    dpkg(host, "-i", debs["1.2"])
    assert states(host) == {
        "ActiveState": "active",
        "UnitFileState": "enabled",
        "LoadState": "loaded",
    }
    assert fetch(host) == "hello"

    # Purged: the unit, its links and the helper go (the package removes its container).
    dpkg(host, "-P", "hello-container")
    left = host.sh(
        f"ls {UNIT_FILE} {WANTS} /etc/systemd/system/docker.service.wants/{UNIT} "
        "/var/lib/unitgen/helper/container-v1 2>&1; true"
    ).stdout
    assert left.count("No such file") == 4, left
    assert states(host)["LoadState"] == "not-found"
    assert host.docker("ps", "-aq", "--filter", f"name=^{NAME}$") == ""


def test_an_upgrade_keeps_a_unit_the_admin_disabled_off_and_applies_its_change(
    host: FullHost, debs: dict[str, str]
) -> None:
    """As dh_installsystemd does for a service: `systemctl disable --now` outlives upgrades."""
    dpkg(host, "-i", debs["1.0"])
    host.run("systemctl", "disable", "--now", "--quiet", UNIT)
    dpkg(host, "-i", debs["1.1"])
    assert states(host)["ActiveState"] == "inactive"
    assert states(host)["UnitFileState"] == "disabled"
    dpkg(host, "-i", debs["1.2"])
    assert "TimeoutStopSec=22" in host.run("cat", UNIT_FILE).stdout
    assert states(host)["UnitFileState"] == "disabled"
    assert container(host, "{{.State.Running}}") == "false"
    # Removed and installed again, it is still the admin's choice.
    dpkg(host, "-r", "hello-container")
    dpkg(host, "-i", debs["1.2"])
    assert states(host)["UnitFileState"] == "disabled"
    assert container(host, "{{.State.Running}}") == "false"


def test_policy_rc_d_saying_no_leaves_the_unit_enabled_and_not_started(
    host: FullHost, debs: dict[str, str]
) -> None:
    host.sh(
        "printf '#!/bin/sh\\nexit 101\\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d"
    )
    dpkg(host, "-i", debs["1.0"])
    assert states(host)["ActiveState"] == "inactive"
    assert states(host)["UnitFileState"] == "enabled"
    assert container(host, "{{.State.Running}}") == "false"


@pytest.fixture
def target(host: FullHost) -> Iterator[str]:
    """TARGET: a copy of the host's system, unitgen installed, without its engine's state."""
    host.sh(
        f"rm -rf {TARGET} && mkdir -p {TARGET} && tar -C / --one-file-system "
        "--exclude=./proc --exclude=./sys --exclude=./dev --exclude=./run --exclude=./tmp "
        f"--exclude=./srv --exclude=./var/lib/docker --exclude=./var/lib/containerd -cf - . | "
        f"tar -C {TARGET} -xf - && mkdir -p {TARGET}/proc {TARGET}/sys {TARGET}/dev "
        f"{TARGET}/run {TARGET}/tmp"
    )
    yield TARGET
    host.sh(f"umount {TARGET}/run/docker.sock {TARGET}/proc 2>/dev/null; rm -rf {TARGET}; true")


def assert_enabled_offline_and_nothing_started(host: FullHost, root: str) -> None:
    """The unit written and enabled in ROOT, none on the host, and the container not started."""
    host.run("test", "-f", f"{root}{UNIT_FILE}")
    host.run("test", "-L", f"{root}{WANTS}")
    host.run("test", "!", "-e", UNIT_FILE)
    assert states(host)["LoadState"] == "not-found"
    assert container(host, "{{.State.Running}}") == "false"


def test_installed_into_a_root_with_dpkg_root_then_purged_there(
    host: FullHost, debs: dict[str, str], target: str
) -> None:
    """dpkg --root with --force-script-chrootless: the scripts run on the host with DPKG_ROOT."""
    chrootless = ("--root", target, "--force-script-chrootless")
    done = dpkg(host, *chrootless, "-i", debs["1.0"])
    assert said_by_snippets(done) == []
    assert_enabled_offline_and_nothing_started(host, target)
    dpkg(host, *chrootless, "-P", "hello-container")
    host.run("test", "!", "-e", f"{target}{UNIT_FILE}")
    host.run("test", "!", "-L", f"{target}{WANTS}")


def test_installed_into_a_chroot_without_systemd(
    host: FullHost, debs: dict[str, str], target: str
) -> None:
    """The engine's socket bound in, as an image build's chroot would have it; no
    /run/systemd/system there."""
    host.sh(
        f"cp {debs['1.0']} {target}/root/ && mount -t proc proc {target}/proc && "
        f": >{target}/run/docker.sock && mount --bind /run/docker.sock {target}/run/docker.sock"
    )
    done = host.run("chroot", target, "dpkg", "-i", debs["1.0"], check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert said_by_snippets(done) == []
    assert_enabled_offline_and_nothing_started(host, target)
