"""Never worse than `--restart always`, on a full host (systemd with its own engine): what an
engine restart, an engine crash, an engine ordered late at boot and a host without netcat do
to containers that unitgen manages."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.conftest import TEST_IMAGE
from tests.fullhost import FullHost
from tests.topology import SERVE, wait_for

pytestmark = [pytest.mark.fullhost, pytest.mark.docker]

LATE = "/etc/systemd/system/docker.service.d/late.conf"


@pytest.fixture
def host(fullhost: FullHost) -> Iterator[FullHost]:
    """The module's host with unitgen installed; units and containers removed afterwards."""
    fullhost.install_unitgen()
    yield fullhost
    fullhost.clean_up_units(LATE)


def create(host: FullHost, name: str, *args: str) -> None:
    host.docker("create", "--name", name, *args, TEST_IMAGE, *SERVE)


def state(host: FullHost, name: str) -> tuple[str, str]:
    running, started = host.docker(
        "inspect", "-f", "{{.State.Running}}\t{{.State.StartedAt}}", name
    ).split("\t")
    return running, started


def unit(host: FullHost, name: str) -> dict[str, str]:
    return host.show(
        f"docker-{name}.service",
        "ActiveState",
        "NRestarts",
        "MainPID",
        "ActiveEnterTimestampMonotonic",
        "InactiveExitTimestampMonotonic",
    )


def test_with_live_restore_restarting_docker_stops_no_managed_container(
    live_restore: FullHost,
) -> None:
    host = live_restore
    create(host, "web", "--restart", "always")
    host.run("unitgen", "install", "web")
    before, unit_before = state(host, "web"), unit(host, "web")
    host.restart_engine()
    time.sleep(2)  # the helper's `wait` notices the engine is gone and attaches again
    assert state(host, "web") == before  # the same run of the container: never stopped
    after = unit(host, "web")
    assert (after["ActiveState"], after["NRestarts"]) == ("active", unit_before["NRestarts"])
    assert after["MainPID"] == unit_before["MainPID"]  # the same waiter, re-attached


def test_with_live_restore_an_engine_crash_does_not_fail_the_unit(
    live_restore: FullHost,
) -> None:
    host = live_restore
    create(host, "web", "--restart", "always")
    host.run("unitgen", "install", "web")
    before, unit_before = state(host, "web"), unit(host, "web")
    host.sh("kill -9 $(pidof dockerd)")  # Debian's docker.service restarts it on failure
    wait_for(
        lambda: host.run("docker", "info", check=False).returncode == 0, what="dockerd", timeout=60
    )
    time.sleep(2)
    assert state(host, "web") == before
    after = unit(host, "web")
    assert (after["ActiveState"], after["NRestarts"]) == ("active", unit_before["NRestarts"])


def test_without_live_restore_restarting_docker_brings_them_back_in_dependency_order(
    host: FullHost,
) -> None:
    create(host, "db", "--restart", "always")
    create(host, "app", "--link", "db", "--restart", "always")
    host.run("unitgen", "install", "app")
    before = state(host, "app")
    host.restart_engine()
    wait_for(
        lambda: state(host, "app")[0] == "true" and state(host, "app") != before,
        timeout=60,
        what="app to run again",
    )
    assert state(host, "db")[0] == "true"
    db, app = unit(host, "db"), unit(host, "app")
    assert int(db["ActiveEnterTimestampMonotonic"]) <= int(app["InactiveExitTimestampMonotonic"])


@pytest.mark.parametrize(
    "start",
    [
        pytest.param(("systemctl", "start", "docker.service"), id="by-hand"),
        # docker.socket listening, the service stopped: one API call starts the engine.
        pytest.param(("docker", "version"), id="by-its-socket"),
    ],
)
def test_an_engine_stopped_and_started_again_brings_every_enabled_unit_back_in_order(
    host: FullHost, start: tuple[str, ...]
) -> None:
    create(host, "db", "--restart", "always")
    create(host, "app", "--link", "db", "--restart", "always")
    create(host, "off", "--restart", "unless-stopped")
    create(host, "plain", "--restart", "always")  # Docker's own policy, the baseline
    host.docker("start", "plain")
    host.run("unitgen", "install", "app", "off")
    host.run("systemctl", "disable", "--now", "docker-off.service")
    # What an admin does to edit daemon.json or move /var/lib/docker.
    host.run("systemctl", "reset-failed", "docker.service", "docker.socket")
    host.run("systemctl", "stop", "docker.service")
    host.run("systemctl", "start", "docker.socket")
    for name in ("db", "app"):
        assert unit(host, name)["ActiveState"] in ("inactive", "failed"), name
    host.run(*start)
    wait_for(
        lambda: all(unit(host, n)["ActiveState"] == "active" for n in ("db", "app")),
        timeout=60,
        what="db's and app's units active again",
    )
    seen = {n: state(host, n)[0] for n in ("db", "app", "off", "plain")}
    print("after the engine's start:", seen)
    assert seen == {"db": "true", "app": "true", "off": "false", "plain": "true"}
    db, app = unit(host, "db"), unit(host, "app")
    assert int(db["ActiveEnterTimestampMonotonic"]) <= int(app["InactiveExitTimestampMonotonic"])
    assert unit(host, "off")["ActiveState"] == "inactive"


def test_reinstalling_the_engines_package_leaves_every_enabled_unit_running_in_order(
    host: FullHost,
) -> None:
    """`apt-get install --reinstall docker.io`, what an upgrade's maintainer scripts do: the
    package kept in /opt/engine (build-image.sh) is installed again with dpkg, no download."""
    create(host, "db", "--restart", "always")
    create(host, "app", "--link", "db", "--restart", "always")
    create(host, "off", "--restart", "unless-stopped")
    create(host, "plain", "--restart", "always")
    host.docker("start", "plain")
    host.run("unitgen", "install", "app", "off")
    host.run("systemctl", "disable", "--now", "docker-off.service")
    host.run("systemctl", "reset-failed", "docker.service", "docker.socket")
    host.sh(
        "dpkg -i /opt/engine/docker.io_*.deb >/root/reinstall.log 2>&1 || "
        "{ tail -20 /root/reinstall.log; exit 1; }"
    )
    host.run("docker", "version")  # the engine answers (again, if the package restarted it)
    wait_for(
        lambda: all(
            unit(host, n)["ActiveState"] == "active" and state(host, n)[0] == "true"
            for n in ("db", "app")
        ),
        timeout=60,
        what="db's and app's units active and their containers running",
    )
    seen = {n: state(host, n)[0] for n in ("db", "app", "off", "plain")}
    print("after the reinstall:", seen)
    assert seen == {"db": "true", "app": "true", "off": "false", "plain": "true"}
    db, app = unit(host, "db"), unit(host, "app")
    assert int(db["ActiveEnterTimestampMonotonic"]) <= int(app["InactiveExitTimestampMonotonic"])
    assert unit(host, "off")["ActiveState"] == "inactive"


def test_a_container_handed_back_to_docker_takes_what_it_links_to_so_both_run_after_a_boot(
    host: FullHost,
) -> None:
    """Left with Docker while a unit runs its link target, app would be started by the engine
    at boot before db's unit, and fail ("Cannot link to a non running container")."""
    create(host, "db", "--restart", "always")
    create(host, "app", "--link", "db", "--restart", "always")
    host.run("unitgen", "install", "app")
    said = host.run("unitgen", "uninstall", "app")
    assert "db is handed back to Docker too" in said.stdout + said.stderr
    assert host.run("unitgen", "list", "--json").stdout.count('"container"') == 0
    host.reboot()
    wait_for(
        lambda: state(host, "db")[0] == state(host, "app")[0] == "true",
        timeout=60,
        what="db and app running after the boot, both under Docker's policy",
    )


def test_installing_a_link_target_takes_along_its_docker_policy_dependant(
    host: FullHost,
) -> None:
    create(host, "db", "--restart", "always")
    create(host, "app", "--link", "db", "--restart", "always")
    said = host.run("unitgen", "install", "db")
    assert "app is installed too" in said.stdout + said.stderr
    host.reboot()
    wait_for(
        lambda: state(host, "db")[0] == state(host, "app")[0] == "true",
        timeout=60,
        what="db and app running after the boot, both under their units",
    )
    assert unit(host, "app")["ActiveState"] == "active"
    assert host.run("unitgen", "drift", check=False).returncode == 0


def test_an_engine_ordered_after_multi_user_target_still_brings_containers_back_at_boot(
    host: FullHost,
) -> None:
    create(host, "early", "--restart", "always")
    host.run("unitgen", "install", "early")  # enabled for multi-user.target
    host.sh(
        f"mkdir -p {LATE.rsplit('/', 1)[0]} && printf '[Unit]\\nAfter=multi-user.target\\n'"
        f" > {LATE} && systemctl daemon-reload"
    )
    drift = host.run("unitgen", "drift", "early", check=False)
    assert drift.returncode == 20 and "ordering-cycle" in drift.stdout, drift.stdout
    host.run("unitgen", "sync")  # enables it for docker.service instead
    create(host, "late", "--restart", "always")
    host.run("unitgen", "install", "late")
    wanted = host.sh("ls /etc/systemd/system/docker.service.wants/").stdout.split()
    assert {"docker-early.service", "docker-late.service"} <= set(wanted)
    # The link install made for the target is gone, or the boot's cycle stays.
    by_target = host.sh("ls /etc/systemd/system/multi-user.target.wants/").stdout.split()
    assert not {"docker-early.service", "docker-late.service"} & set(by_target), by_target
    host.reboot()
    wait_for(
        lambda: state(host, "early")[0] == state(host, "late")[0] == "true",
        timeout=60,
        what="both containers to run after the reboot",
    )
    assert "ordering cycle" not in host.journal("_PID=1", "-o", "cat").lower()
    assert host.run("unitgen", "drift", check=False).returncode == 0


def test_without_netcat_openbsd_install_refuses_and_changes_nothing(host: FullHost) -> None:
    create(host, "web", "--restart", "always")
    host.sh("mv /bin/nc.openbsd /root/nc.openbsd")
    try:
        done = host.run("unitgen", "install", "web", check=False)
    finally:
        host.sh("mv /root/nc.openbsd /bin/nc.openbsd")
    assert done.returncode == 11
    assert "netcat-openbsd" in done.stderr and done.stderr.count("\n") == 1
    assert host.sh("ls /etc/systemd/system/docker-web.service", check=False).returncode != 0
    policy = host.docker("inspect", "-f", "{{.HostConfig.RestartPolicy.Name}}", "web")
    assert policy == "always"


def test_a_crashed_link_target_restarts_alone_and_its_dependant_keeps_running(
    host: FullHost,
) -> None:
    create(host, "backend", "--restart", "always")
    create(host, "proxy", "--link", "backend", "--restart", "always")
    host.run("unitgen", "install", "proxy")
    proxy, backend = state(host, "proxy"), state(host, "backend")
    started = time.monotonic()
    host.sh("kill -9 $(docker inspect -f '{{.State.Pid}}' backend)")  # a crash, not docker kill
    wait_for(
        lambda: state(host, "backend")[0] == "true" and state(host, "backend") != backend,
        what="the backend to run again",
    )
    # How quickly is a benchmark's question (bench/fullhost.py), not an assertion here.
    print(f"\nbackend running again {time.monotonic() - started:.2f} s after its crash")
    assert state(host, "proxy") == proxy
    assert unit(host, "proxy")["NRestarts"] == "0"
