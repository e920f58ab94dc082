"""`unitgen --user` against a real rootless Docker engine (README, "Rootless Docker"): a user
`rl` on a Debian 13 full host, its engine set up by Debian's dockerd-rootless-setuptool.sh
(rootlesskit, slirp4netns, newuidmap) as rl's own docker.service, its units under rl's own
manager (`systemctl --user`), which lingering starts at boot."""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import TEST_IMAGE
from tests.fullhost import FullHost
from tests.topology import SERVE, wait_for

pytestmark = [pytest.mark.fullhost, pytest.mark.docker]

FULLHOST_RELEASE = "trixie-rootless"
USER, UID = "rl", 1000
RUNTIME = f"/run/user/{UID}"
HOME = f"/home/{USER}"
UNITS = f"{HOME}/.config/systemd/user"
HELPER = f"{HOME}/.local/share/unitgen/helper/container-v1"
CONTRIB = "/usr/share/docker.io/contrib"
LINGER = f"/var/lib/systemd/linger/{USER}"


def as_user(
    host: FullHost, script: str, *, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """SCRIPT as rl in a login shell, with the runtime directory its manager uses (su starts
    no logind session here, so nothing else sets it). DOCKER_HOST is left unset: unitgen
    --user must find the engine's socket in $XDG_RUNTIME_DIR itself."""
    return host.run(
        "su",
        "-",
        USER,
        "-c",
        f"export XDG_RUNTIME_DIR={RUNTIME}; {script}",
        check=check,
        timeout=timeout,
    )


def docker(host: FullHost, *args: str, check: bool = True) -> str:
    """rl's rootless engine's CLI."""
    argv = " ".join(shlex.quote(a) for a in args)
    done = as_user(host, f"DOCKER_HOST=unix://{RUNTIME}/docker.sock docker {argv}", check=check)
    return done.stdout.strip()


def manager_up(host: FullHost) -> bool:
    return host.run("test", "-S", f"{RUNTIME}/systemd/private", check=False).returncode == 0


def engine_up(host: FullHost) -> bool:
    return (
        manager_up(host) and docker(host, "version", "-f", "{{.Server.Version}}", check=False) != ""
    )


def active(host: FullHost, *units: str) -> bool:
    done = as_user(host, f"systemctl --user is-active {' '.join(units)}", check=False)
    return done.returncode == 0


def entered(host: FullHost, unit: str) -> int:
    """When rl's manager last saw UNIT become active (monotonic µs)."""
    out = as_user(host, f"systemctl --user show -p ActiveEnterTimestampMonotonic --value {unit}")
    return int(out.stdout.strip())


@pytest.fixture(scope="module")
def host(fullhost: FullHost) -> Iterator[FullHost]:
    """The module's host: unitgen installed, rl lingering, rl's rootless engine running (and
    enabled in rl's manager) with the test image loaded."""
    fullhost.install_unitgen()
    fullhost.run("loginctl", "enable-linger", USER)
    wait_for(lambda: manager_up(fullhost), 30, "rl's user manager")
    # The setuptool writes and starts rl's docker.service, then fails on Debian 13 where it
    # checks the engine with the docker CLI it expects beside itself ("contrib/docker: not
    # found"): its last steps, enabling the unit, are done below instead.
    as_user(
        fullhost,
        f"PATH={CONTRIB}:$PATH dockerd-rootless-setuptool.sh install --skip-iptables",
        check=False,
        timeout=300,
    )
    fullhost.run("test", "-f", f"{UNITS}/docker.service")
    as_user(fullhost, "systemctl --user enable docker.service")
    wait_for(lambda: engine_up(fullhost), 60, "rl's rootless engine")
    assert "rootless" in docker(fullhost, "info", "-f", "{{.SecurityOptions}}")
    fullhost.pipe_image(
        TEST_IMAGE,
        "su",
        "-",
        USER,
        "-c",
        f"DOCKER_HOST=unix://{RUNTIME}/docker.sock docker load -q",
    )
    yield fullhost


def run(host: FullHost, name: str, *args: str) -> None:
    docker(host, "run", "-d", "--name", name, "--restart", "always", *args, TEST_IMAGE, *SERVE)


def test_install_user_puts_a_linked_pair_under_its_manager_and_both_come_back_in_order(
    host: FullHost,
) -> None:
    run(host, "db")
    run(host, "app", "--link", "db:db")
    done = as_user(host, "unitgen install --user app")
    assert "lingering is off" not in done.stdout + done.stderr
    assert "enabled docker-db.service docker-app.service" in done.stderr
    unit = host.run("cat", f"{UNITS}/docker-app.service").stdout
    assert "Requires=docker.service\nAfter=docker.service\n" in unit
    assert "Wants=docker-db.service\nAfter=docker-db.service\n" in unit
    assert "WantedBy=default.target docker.service\n" in unit
    assert f"Environment=DOCKER_HOST=unix://{RUNTIME}/docker.sock\n" in unit
    assert f"ExecStart={HELPER} run app\n" in unit
    assert "multi-user.target" not in unit and "ProtectHome" not in unit
    assert active(host, "docker-db.service", "docker-app.service")
    assert (
        docker(host, "inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", "db", "app") == "no\nno"
    )
    # The user manager's own verify (systemd 257), on the units where they are.
    verify = as_user(
        host,
        f"systemd-analyze --user verify --man=no {UNITS}/docker-db.service "
        f"{UNITS}/docker-app.service",
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    assert as_user(host, "unitgen drift --user --all", check=False).returncode == 0

    host.reboot()
    wait_for(lambda: active(host, "docker-db.service", "docker-app.service"), 90, "both units")
    assert docker(host, "inspect", "-f", "{{.State.Running}}", "db", "app") == "true\ntrue"
    assert entered(host, "docker.service") < entered(host, "docker-db.service")
    assert entered(host, "docker-db.service") < entered(host, "docker-app.service")
    cycles = host.run("journalctl", "-b", "--no-pager", "-g", "ordering cycle", check=False)
    assert "ordering cycle" not in cycles.stdout.lower()
    list_ = as_user(host, "unitgen list --user").stdout
    assert "docker-app.service" in list_ and "docker-db.service" in list_


def test_uninstall_user_keep_running_hands_both_back_to_docker_running(host: FullHost) -> None:
    started = docker(host, "inspect", "-f", "{{.State.StartedAt}}", "app", "db")
    as_user(host, "unitgen uninstall --user --keep-running app db")
    assert docker(host, "inspect", "-f", "{{.State.StartedAt}}", "app", "db") == started
    assert (
        docker(host, "inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", "app", "db")
        == "always\nalways"
    )
    assert host.run("ls", UNITS).stdout.split() == ["default.target.wants", "docker.service"]
    left = host.run("find", f"{RUNTIME}/systemd/user", "-name", "*.conf", check=False).stdout
    assert left.strip() == ""


def test_a_users_units_for_the_system_engine_name_no_engine_unit_and_run_under_its_manager(
    host: FullHost,
) -> None:
    """rl in the docker group, DOCKER_HOST at the system engine's socket: rl's manager cannot
    see the system's docker.service, so the unit must not need it, and still starts."""
    host.run("usermod", "-aG", "docker", USER)
    # A manager keeps the groups it started with: without this its units' helper cannot open
    # the socket, and the start times out (seen: install waited out its 120 s).
    host.run("systemctl", "restart", f"user@{UID}.service")
    wait_for(lambda: engine_up(host), 60, "rl's manager and engine again")
    host.load_image(TEST_IMAGE)
    host.docker("run", "-d", "--name", "sys1", "--restart", "always", TEST_IMAGE, *SERVE)
    try:
        as_user(host, "DOCKER_HOST=unix:///run/docker.sock unitgen install --user sys1")
        unit = host.run("cat", f"{UNITS}/docker-sys1.service").stdout
        assert "docker.service" not in unit
        assert "WantedBy=default.target\n" in unit
        assert "Environment=DOCKER_HOST=unix:///run/docker.sock\n" in unit
        assert active(host, "docker-sys1.service")
        assert host.docker("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", "sys1") == "no"
        # What the sandbox of a user's unit is, as rl's manager applied it.
        shown = as_user(
            host,
            "systemctl --user show -p NoNewPrivileges -p RestrictAddressFamilies "
            "docker-sys1.service",
        ).stdout
        assert "NoNewPrivileges=yes" in shown and "AF_UNIX" in shown
        as_user(host, "DOCKER_HOST=unix:///run/docker.sock unitgen uninstall --user sys1")
        assert host.docker("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", "sys1") == (
            "always"
        )
    finally:
        host.docker("rm", "-f", "sys1", check=False)
        host.run("gpasswd", "-d", USER, "docker", check=False)
        host.run("systemctl", "restart", f"user@{UID}.service")
        wait_for(lambda: engine_up(host), 60, "rl's manager and engine again")


def test_with_lingering_off_install_says_so_drift_reports_it_and_a_reboot_leaves_them_down(
    host: FullHost,
) -> None:
    """Lingering turned off behind logind's back (its file removed: what `loginctl
    disable-linger` records), so that rl's manager still runs now, as while rl is logged in."""
    run(host, "solo")
    host.run("rm", "-f", LINGER)
    try:
        done = as_user(host, "unitgen install --user solo")
        out = done.stdout + done.stderr  # notes are progress: on stderr
        assert f"lingering is off for {USER}" in out
        assert f"loginctl enable-linger {USER}" in out
        drift = as_user(host, "unitgen drift --user solo", check=False)
        assert drift.returncode == 20
        assert "linger-off" in drift.stdout

        host.reboot()
        assert not manager_up(host)  # nothing started rl's manager, nor its engine
        host.run("loginctl", "enable-linger", USER)
        wait_for(lambda: active(host, "docker-solo.service"), 90, "solo, once rl lingers")
        assert docker(host, "inspect", "-f", "{{.State.Running}}", "solo") == "true"
        assert as_user(host, "unitgen drift --user solo", check=False).returncode == 0
    finally:
        host.run("loginctl", "enable-linger", USER)
