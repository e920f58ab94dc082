"""The Type=notify unit on a full host (systemd with its own engine), on the release the run
names (UNITGEN_FULLHOST_RELEASE): one process per start, active only once the container is up,
the container's exit status, a clean stop, a failing start that does not hold the boot, and
Docker's back-off (the helper's, on both releases). Re-attaching after an
engine restart is test_handover's."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator

import pytest

from tests.conftest import TEST_IMAGE
from tests.fullhost import FullHost
from tests.topology import SERVE, wait_for

pytestmark = [pytest.mark.fullhost, pytest.mark.docker]


@pytest.fixture
def host(fullhost: FullHost) -> Iterator[FullHost]:
    """The module's host with unitgen installed; units and containers removed afterwards."""
    fullhost.install_unitgen()
    yield fullhost
    fullhost.clean_up_units()


def unit_of(name: str) -> str:
    return f"docker-{name}.service"


def test_the_unit_is_active_only_once_the_health_check_passed_and_runs_one_process(
    host: FullHost,
) -> None:
    # Healthy from its third second on: the start job must last that long.
    check = ["--health-cmd", "test -e /tmp/ok", "--health-interval", "1s"]
    cmd = ("sh", "-c", "trap 'exit 0' TERM; (sleep 3; touch /tmp/ok) & sleep 3600 & wait")
    host.docker("create", "--name", "slow", *check, TEST_IMAGE, *cmd)
    host.run("unitgen", "install", "--no-start", "slow")
    started = time.monotonic()
    host.run("systemctl", "start", unit_of("slow"))  # blocks until READY=1
    took = time.monotonic() - started
    assert host.docker("inspect", "-f", "{{.State.Health.Status}}", "slow") == "healthy"
    assert took >= 3, took
    props = host.show(unit_of("slow"), "ActiveState", "Type", "NotifyAccess", "MainPID")
    assert (props["ActiveState"], props["Type"], props["NotifyAccess"]) == (
        "active",
        "notify",
        "all",
    )
    tasks = host.run("systemctl", "show", "-p", "TasksCurrent", unit_of("slow")).stdout
    # sh (run), the subshell of its request and nc on /wait: one spawn, no second step.
    assert tasks.strip() == "TasksCurrent=3", tasks
    main = host.run("cat", f"/proc/{props['MainPID']}/cmdline").stdout.split("\0")
    assert main[-3:-1] == ["run", "slow"], main


def test_the_units_exit_status_is_the_containers(host: FullHost) -> None:
    host.docker("create", "--name", "three", TEST_IMAGE, "sh", "-c", "sleep 2; exit 3")
    host.run("unitgen", "install", "three")  # its Docker policy is none: Restart=no
    wait_for(
        lambda: host.show(unit_of("three"), "ActiveState")["ActiveState"] == "failed",
        what="the unit to fail with its container",
    )
    shown = host.show(unit_of("three"), "ExecMainStatus", "Result")
    assert shown == {"ExecMainStatus": "3", "Result": "exit-code"}


def test_a_stop_is_clean_and_stops_the_container(host: FullHost) -> None:
    host.docker("create", "--name", "web", "--restart", "always", TEST_IMAGE, *SERVE)
    host.run("unitgen", "install", "web")
    host.run("systemctl", "stop", unit_of("web"))
    shown = host.show(unit_of("web"), "ActiveState", "Result", "NRestarts")
    assert shown == {"ActiveState": "inactive", "Result": "success", "NRestarts": "0"}
    assert host.docker("inspect", "-f", "{{.State.Running}}", "web") == "false"


def test_a_unit_whose_container_is_gone_does_not_hold_up_the_boot(host: FullHost) -> None:
    host.docker("create", "--name", "gone", "--restart", "always", TEST_IMAGE, *SERVE)
    host.docker("create", "--name", "kept", "--restart", "always", TEST_IMAGE, *SERVE)
    host.run("unitgen", "install", "gone", "kept")
    host.docker("rm", "-f", "gone")
    host.reboot()  # returns once is-system-running says running or degraded
    assert host.run("systemctl", "is-system-running", check=False).stdout.strip() in (
        "running",
        "degraded",
    )
    assert host.docker("inspect", "-f", "{{.State.Running}}", "kept") == "true"
    assert int(host.show(unit_of("gone"), "NRestarts")["NRestarts"]) >= 1


def test_a_crash_loop_backs_off_as_docker_does(host: FullHost) -> None:
    host.docker("create", "--name", "loop", "--restart", "always", TEST_IMAGE, "false")
    host.run("unitgen", "install", "--no-start", "loop")
    host.run("systemctl", "start", "--no-block", unit_of("loop"))
    time.sleep(15)
    restarts = int(host.show(unit_of("loop"), "NRestarts")["NRestarts"])
    # Docker's delays 0.1, 0.2, 0.4 ... 6.4 s: 7 restarts in 12.7 s; a fixed 100 ms, about 40.
    assert 4 <= restarts <= 12, restarts
    said = host.journal("-u", unit_of("loop"), "-o", "cat")
    waits = [float(w) for w in re.findall(r"starting it in ([0-9.]+) s \(back-off\)", said)]
    assert len(waits) >= 3, said
    # Each wait about twice the one before (less what the restart itself took).
    assert all(b > a for a, b in itertools.pairwise(waits)), waits
