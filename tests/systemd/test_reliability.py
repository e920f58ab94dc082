"""Crash safety, concurrency and faults, against the real systemd and engine.

Each crash is a SIGKILL injected at a named step (UNITGEN_FAULT_KILL_AT, see install.py);
afterwards every unit file is either absent, the old one or the new one, never partial, and
a rerun converges.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

import pytest

from tests.topology import SERVE, Topology, inspect

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]

INSTALL_STEPS = [
    "temp-files-written",
    "first-file-renamed",
    "files-written",
    "policies-set",
    "reloaded",
    "enabled",
]
UNINSTALL_STEPS = ["stopped-and-disabled", "policies-set", "files-removed"]


def sh(box: Harness, script: str) -> subprocess.CompletedProcess[str]:
    return box.sh(script, check=False)


def units_are_whole(box: Harness) -> None:
    """Every unitgen unit parses and matches its own content hash (nothing partial)."""
    listing = sh(box, "unitgen list --no-docker").stdout
    assert " yes\n" not in listing.replace("ENABLED", ""), listing  # EDITED column never yes
    for line in listing.splitlines()[1:]:
        assert line.split()[-1] == "no", line


@pytest.mark.parametrize("step", INSTALL_STEPS)
def test_install_killed_at_any_step_converges_on_rerun(
    harness: Harness, topo: Topology, step: str
) -> None:
    db = topo.create("db", "--restart", "always", cmd=SERVE)
    web = topo.create("web", "--link", db, "--restart", "always", cmd=SERVE)
    killed = sh(harness, f"UNITGEN_FAULT_KILL_AT={step} unitgen install {web}")
    assert killed.returncode == 137, killed.stderr
    units_are_whole(harness)
    rerun = sh(harness, f"unitgen install {web}")
    assert rerun.returncode == 0, rerun.stderr
    for name in (db, web):
        assert inspect(name, "{{.State.Running}} {{.HostConfig.RestartPolicy.Name}}") == "true no"
    assert sh(harness, f"unitgen drift {db} {web}").returncode == 0
    assert "Restart=always" in sh(harness, f"cat /etc/systemd/system/docker-{web}.service").stdout
    assert sh(harness, "ls -a /etc/systemd/system | grep -c '\\.tmp$'").stdout.strip() == "0"
    sh(harness, f"unitgen uninstall {web} {db}")


@pytest.mark.parametrize("step", UNINSTALL_STEPS)
def test_uninstall_killed_at_any_step_converges_on_rerun(
    harness: Harness, topo: Topology, step: str
) -> None:
    web = topo.create("web", "--restart", "unless-stopped", cmd=SERVE)
    assert sh(harness, f"unitgen install {web}").returncode == 0
    killed = sh(harness, f"UNITGEN_FAULT_KILL_AT={step} unitgen uninstall {web}")
    assert killed.returncode == 137, killed.stderr
    units_are_whole(harness)
    rerun = sh(harness, f"unitgen uninstall {web}")
    assert rerun.returncode == 0, rerun.stderr
    assert inspect(web, "{{.HostConfig.RestartPolicy.Name}}") == "unless-stopped"
    assert sh(harness, f"test -e /etc/systemd/system/docker-{web}.service").returncode == 1


def test_parallel_installs_and_uninstalls_end_consistent(harness: Harness, topo: Topology) -> None:
    names = [topo.create(f"c{i}", "--restart", "always", cmd=SERVE) for i in range(4)]
    a, b, c, d = names
    runs = [
        f"install {a} {b}",
        f"install {b} {c}",
        f"uninstall {a}",
        f"install {c} {d}",
        f"install {a} {d}",
        f"uninstall {b}",
        f"install {b}",
        f"install {a} {b} {c} {d}",
    ]
    script = (
        " & ".join(
            f"(unitgen {r} >/tmp/par{i}.log 2>&1; echo $? >>/tmp/par{i}.log)"
            for i, r in enumerate(runs)
        )
        + " & wait; cat /tmp/par*.log"
    )
    out = sh(harness, script).stdout
    assert "waiting for another unitgen run" in out
    units_are_whole(harness)
    # Whatever the order, every container ends either managed (unit enabled, Docker policy
    # no) or released (no unit, policy always restored): never half of each.
    for name in names:
        has_unit = sh(harness, f"test -e /etc/systemd/system/docker-{name}.service").returncode == 0
        policy = inspect(name, "{{.HostConfig.RestartPolicy.Name}}")
        assert policy == ("no" if has_unit else "always"), (name, out)
    drift = sh(harness, " ".join(["unitgen drift", *names]))
    assert drift.returncode == 0, drift.stdout
    sh(harness, f"unitgen uninstall --force {' '.join(names)}")


def test_a_read_only_unit_directory_is_exit_10_and_nothing_changes(
    harness: Harness, topo: Topology
) -> None:
    web = topo.create("web", "--restart", "always", cmd=SERVE)
    done = sh(
        harness,
        "mount --bind -o ro /etc/systemd/system /etc/systemd/system && "
        f"unitgen install {web}; echo rc=$?; umount /etc/systemd/system",
    )
    assert "rc=10" in done.stdout
    assert "read-only file system" in done.stderr and done.stderr.count("\n") == 1
    assert inspect(web, "{{.HostConfig.RestartPolicy.Name}}") == "always"


def test_a_full_disk_is_exit_10_and_leaves_no_partial_file(
    harness: Harness, topo: Topology
) -> None:
    web = topo.create("web", cmd=SERVE)
    done = sh(
        harness,
        "mkdir -p /mnt/full && mount -t tmpfs -o size=4k tmpfs /mnt/full && "
        "mkdir -p /mnt/full/etc/systemd/system /mnt/full/bin && "
        "ln -s /bin/nc.openbsd /mnt/full/bin/nc.openbsd && "
        "head -c 4096 /dev/zero > /mnt/full/filler; "
        f"unitgen install --root /mnt/full {web}; echo rc=$?; "
        "find /mnt/full/etc -type f | wc -l; umount /mnt/full",
    )
    assert "rc=10" in done.stdout, done.stdout + done.stderr
    assert "no space left on device" in done.stderr
    assert done.stdout.strip().endswith("0")


def test_a_symlink_planted_where_a_unit_goes_is_refused(harness: Harness, topo: Topology) -> None:
    web = topo.create("web", cmd=SERVE)
    done = sh(
        harness,
        f"ln -s /etc/passwd /etc/systemd/system/docker-{web}.service; "
        f"unitgen install --force {web}; echo rc=$?; "
        f"rm /etc/systemd/system/docker-{web}.service",
    )
    assert "rc=8" in done.stdout
    assert "is a symlink; unitgen never writes through one" in done.stderr
    assert "root:x:0:0" in sh(harness, "head -1 /etc/passwd").stdout


def test_a_failing_systemctl_is_exit_9_with_one_line(harness: Harness, topo: Topology) -> None:
    sick = topo.create(
        "sick",
        "--health-cmd",
        "false",
        "--health-interval",
        "1s",
        "--health-retries",
        "1",
        cmd=SERVE,
    )
    done = sh(harness, f"unitgen install {sick}")
    assert done.returncode == 9
    assert done.stderr.splitlines()[-1].startswith("unitgen: `systemctl start")


@pytest.mark.parametrize("step", ["temp-files-written", "files-written", "policies-set"])
def test_sync_killed_at_any_step_converges_on_rerun(
    harness: Harness, topo: Topology, step: str
) -> None:
    web = topo.create("web", cmd=SERVE)
    assert sh(harness, f"unitgen install {web}").returncode == 0
    subprocess.run(
        ["docker", "update", "--restart", "always", web], check=True, capture_output=True
    )
    killed = sh(harness, f"UNITGEN_FAULT_KILL_AT={step} unitgen sync")
    assert killed.returncode == 137, killed.stderr
    units_are_whole(harness)
    assert sh(harness, "unitgen sync").returncode == 0
    assert sh(harness, f"unitgen drift {web}").returncode == 0
    assert inspect(web, "{{.HostConfig.RestartPolicy.Name}}") == "no"
    assert "Restart=always" in sh(harness, f"cat /etc/systemd/system/docker-{web}.service").stdout
    sh(harness, f"unitgen uninstall {web}")


def test_every_change_is_logged_to_the_journal(harness: Harness, topo: Topology) -> None:
    web = topo.create("web", cmd=SERVE)
    sh(harness, f"unitgen install {web}")
    journal = sh(harness, "journalctl -t unitgen --no-pager -o cat").stdout
    assert f"wrote /etc/systemd/system/docker-{web}.service (new)" in journal
    sh(harness, f"unitgen uninstall {web}")
