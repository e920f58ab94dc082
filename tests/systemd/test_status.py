"""Drop-ins and `unitgen status` against a real systemd (the harness) and the real engine: a
unit customised the way `systemctl edit` does it is not drift, and status joins systemd's,
the files' and the engine's view of one container."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.topology import Topology

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]

# Writes two log lines, one on each stream (the engine multiplexes them: no TTY), then serves.
CHATTY = (
    "sh",
    "-c",
    "echo hello from stdout; echo hello from stderr >&2; trap 'exit 0' TERM; sleep 3600 & wait",
)
OVERRIDE = "[Service]\nEnvironment=FOO=bar\n"


@pytest.fixture
def st() -> Iterator[Topology]:
    """Containers named st-XXXXXX-..., removed afterwards (other tests share the engine)."""
    t = Topology(prefix="st-" + uuid.uuid4().hex[:6])
    yield t
    t.remove()


def ug(box: Harness, *args: str, check: bool = True) -> tuple[int, str]:
    done = box.run("unitgen", *args, check=check)
    return done.returncode, str(done.stdout) + str(done.stderr)


def systemctl_edit(box: Harness, unit: str, text: str) -> None:
    """`systemctl edit UNIT` as an admin runs it: on a terminal (it refuses to run without one;
    script(1) gives it one), with an editor that makes the drop-in's text TEXT."""
    # systemd 257 calls the editor with the line to start at first (`+4 FILE`), 252 with FILE.
    box.sh(
        f"cat >/tmp/st-editor <<'EOF'\n#!/bin/sh\nfor f; do :; done\ncat >\"$f\" <<'TEXT'\n"
        f"{text}TEXT\nEOF\n"
        "chmod +x /tmp/st-editor"
    )
    box.sh(f"SYSTEMD_EDITOR=/tmp/st-editor script -qec 'systemctl edit {unit}' /dev/null")


def test_a_drop_in_made_with_systemctl_edit_is_not_drift_and_status_shows_it(
    harness: Harness, st: Topology
) -> None:
    db = st.create("db")
    web = st.create("web", "-l", f"unitgen.requires={db}", cmd=CHATTY)
    unit = f"docker-{web}.service"
    directory = f"/etc/systemd/system/{unit}.d"
    ug(harness, "install", web)
    systemctl_edit(harness, unit, OVERRIDE)
    try:
        assert harness.run("cat", f"{directory}/override.conf").stdout.strip() == OVERRIDE.strip()
        assert "FOO=bar" in harness.show(unit, "Environment")["Environment"]

        code, out = ug(harness, "drift", web, check=False)
        assert code == 0, out
        assert f"{directory}/override.conf" in out and "drop-in" in out

        code, out = ug(harness, "status", web)
        lines = out.splitlines()
        assert f"DROP-INS  {directory}/override.conf" in lines
        assert "SYSTEMD   active (running), enabled, result success" in lines
        assert f"DOCKER    {web}: running; exit code 0; restart count 0 (Docker's own)" in lines
        assert f"          docker-{db}.service active (Requires)" in lines
        assert "DRIFT     none" in lines
        assert "          hello from stdout" in lines and "          hello from stderr" in lines

        code, out = ug(harness, "diff", web)
        assert out == f"# drop-in kept as it is: {directory}/override.conf\n"

        code, out = ug(harness, "uninstall", web)
        assert f"to remove them: rm -r {directory}" in out
        assert harness.run("cat", f"{directory}/override.conf").stdout.strip() == OVERRIDE.strip()
        assert harness.run("test", "-e", f"/etc/systemd/system/{unit}", check=False).returncode

        code, out = ug(harness, "status", web)  # the drop-ins are what is left of the unit
        assert f"DROP-INS  {directory}/override.conf" in out.splitlines()
    finally:
        harness.run("rm", "-rf", directory)
        ug(harness, "uninstall", web, db, check=False)


def test_status_shows_the_containers_exit_status_as_the_units_last_exit(
    harness: Harness, st: Topology
) -> None:
    job = st.create("job", cmd=("sh", "-c", "echo bye; sleep 1; exit 3"))
    ug(harness, "install", job, check=False)
    harness.sh(f"until systemctl is-failed -q docker-{job}.service; do sleep 0.2; done", check=True)
    try:
        _, out = ug(harness, "status", job)
        lines = out.splitlines()
        assert "SYSTEMD   failed (failed), enabled, result exit-code" in lines
        assert any(
            line.startswith("EXIT      main process exited with status 3 at") for line in lines
        )
        assert f"DOCKER    {job}: exited; exit code 3; restart count 0 (Docker's own)" in lines
        assert "          bye" in lines
        assert "container-not-running: " in out
    finally:
        ug(harness, "uninstall", job, check=False)


def test_with_the_engine_unreachable_status_shows_systemd_and_docker_unknown(
    harness: Harness, st: Topology
) -> None:
    web = st.create("web")
    ug(harness, "install", web)
    try:
        done = harness.sh(f"DOCKER_HOST=unix:///run/nothing.sock unitgen status {web}")
        lines = done.stdout.splitlines()
        assert "SYSTEMD   active (running), enabled, result success" in lines
        assert any(line.startswith("DOCKER    unknown: ") for line in lines)
        assert "DRIFT     unknown: it needs the engine" in lines
    finally:
        ug(harness, "uninstall", web, check=False)


def test_status_of_an_unknown_name_is_exit_4_and_one_line(harness: Harness) -> None:
    code, out = ug(harness, "status", "st-no-such-thing", check=False)
    assert code == 4
    assert out == (
        "unitgen: no container and no unit named st-no-such-thing "
        "(/etc/systemd/system/docker-st-no-such-thing.service does not exist); "
        "check the name with `docker ps -a` and `unitgen list`\n"
    )
