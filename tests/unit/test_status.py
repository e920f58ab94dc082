"""`unitgen status`: the joined view, from a fake engine and an image root (systemd offline),
and its pure parts (systemctl's fields, the unit's dependencies, the engine's log stream)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, health_states
from tests.fakes import FakeSource, drop_in, host, install_into
from unitgen.cli.main import main
from unitgen.commands.status import (
    Status,
    dependencies,
    gather,
    printable,
    status_json,
    status_lines,
    unit_view,
)
from unitgen.engine.specs import last_line, state_from_inspect
from unitgen.errors import ContainerNotFound, DockerUnavailable
from unitgen.model import HealthRun, RestartPolicy


@pytest.fixture
def installed(tmp_path: Path) -> tuple[Path, FakeSource]:
    """seed-vpn installed into an image root, running, with log lines; its Docker policy set
    to `always` behind unitgen's back, so its unit is stale and drift has something to say."""
    source = FakeSource()
    install_into(tmp_path, source, "seed-vpn")
    source.containers["seed-vpn"] = replace(
        source.containers["seed-vpn"], running=True, restart_policy=RestartPolicy("always")
    )
    source.log_lines["seed-vpn"] = [f"line {i}" for i in range(1, 13)]
    return tmp_path, source


def view(root: Path, source: FakeSource, name: str = "seed-vpn") -> list[str]:
    return status_lines(gather(host(root), source, name))


def section(lines: list[str], label: str) -> list[str]:
    """The values of one labelled section (continuation lines included)."""
    start = next(i for i, line in enumerate(lines) if line.split()[0] == label)
    values = [lines[start][10:]]
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        values.append(line.strip())
    return values


def test_offline_the_view_says_offline_and_shows_what_the_files_say(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = installed
    lines = view(root, source)
    unit = root / "etc/systemd/system/docker-seed-vpn.service"
    assert section(lines, "UNIT") == [f"docker-seed-vpn.service  {unit} (made by unitgen)"]
    assert section(lines, "SYSTEMD") == ["offline (systemd is not running here): enabled"]
    assert not any(line.startswith("EXIT") for line in lines)
    assert section(lines, "NEEDS") == ["docker.service offline (Requires)"]


def test_the_view_shows_the_container_its_drift_and_its_last_10_log_lines(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = installed
    lines = view(root, source)
    assert section(lines, "DOCKER") == [
        "seed-vpn: running; exit code 0; restart count 0 (Docker's own)"
    ]
    drift = section(lines, "DRIFT")
    assert drift[0] == "stale: the unit differs from what unitgen would generate now"
    # The fix carries --root, wrapped at spaces only (so compared word by word).
    assert (
        " ".join(drift[1:]).split()[:16]
        == (
            f"fix: unitgen diff --root {root} seed-vpn; unitgen install --root {root} "
            f"seed-vpn  (or: unitgen sync --root {root})"
        ).split()
    )
    assert section(lines, "LOGS") == [
        "last 10 lines from the engine:",
        *[f"line {i}" for i in range(3, 13)],
    ]


def test_the_view_lists_drop_ins_and_drift_does_not_repeat_them(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = installed
    path = drop_in(root, "docker-seed-vpn.service")
    runtime = drop_in(root, "docker-seed-vpn.service", runtime=True)
    lines = view(root, source)
    assert section(lines, "DROP-INS") == [str(path), str(runtime)]
    assert not any("drop-in" in value for value in section(lines, "DRIFT"))


def test_with_the_engine_down_the_systemd_side_is_shown_and_docker_is_unknown(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = installed
    source.down = True
    lines = view(root, source)
    assert section(lines, "SYSTEMD") == ["offline (systemd is not running here): enabled"]
    assert section(lines, "DOCKER")[0].startswith("unknown: inspecting container: cannot reach")
    assert section(lines, "DRIFT") == ["unknown: it needs the engine"]
    assert not any(line.startswith("LOGS") for line in lines)


def test_with_the_engine_down_and_no_unit_nothing_is_known_and_the_engines_error_stands(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    source.down = True
    with pytest.raises(DockerUnavailable):
        gather(host(tmp_path), source, "seed-vpn")


def test_a_name_that_is_neither_a_unit_nor_a_container_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(ContainerNotFound, match=re.escape("no container and no unit named nope")):
        gather(host(tmp_path), FakeSource(), "nope")


def test_a_malformed_name_is_a_usage_error_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["status", "--root", str(tmp_path), "../etc"])
    out, err = capsys.readouterr()
    assert (exit_info.value.code, out) == (2, "")
    assert err == (
        "unitgen: '../etc' is not a container name or id; a name is letters, digits and _.- "
        "(a letter or digit first, a leading / allowed); an id or id prefix is hex digits\n"
    )


def test_a_container_without_a_unit_is_shown_with_no_unit_file(tmp_path: Path) -> None:
    lines = view(tmp_path, FakeSource(), "seed-always")
    assert section(lines, "UNIT")[0].endswith("(no unit file)")
    assert section(lines, "DOCKER")[0].startswith("seed-always: exited")
    assert section(lines, "DRIFT")[0].startswith("unmanaged: ")


def test_after_uninstall_a_unit_with_only_drop_ins_left_is_still_shown(tmp_path: Path) -> None:
    source = FakeSource()
    source.down = True
    path = drop_in(tmp_path, "docker-seed-vpn.service")
    lines = view(tmp_path, source)
    assert section(lines, "UNIT")[0].endswith("(no unit file)")
    assert section(lines, "DROP-INS") == [str(path)]


def test_online_the_view_shows_systemds_state_last_exit_and_restarts(tmp_path: Path) -> None:
    shown = {
        "ActiveState": "failed",
        "SubState": "failed",
        "Result": "exit-code",
        "ExecMainStatus": "3",
        "ExecMainExitTimestamp": "Sun 2026-11-29 10:00:00 UTC",
        "NRestarts": "2",
        "UnitFileState": "enabled",
    }
    unit = unit_view("docker-web.service", tmp_path, "unitgen", shown, enabled=False)
    status = Status("web", unit, (), (), None, None, (), None, (), None)
    lines = status_lines(status)
    assert section(lines, "SYSTEMD") == ["failed (failed), enabled, result exit-code"]
    assert section(lines, "EXIT") == [
        "main process exited with status 3 at Sun 2026-11-29 10:00:00 UTC; restarts by systemd: 2"
    ]
    assert section(lines, "DOCKER") == ["no container named web"]


def test_dependencies_are_what_requires_bindsto_and_wants_name_not_after() -> None:
    text = (
        "[Unit]\nRequires=docker.service\nAfter=docker.service\n"
        "BindsTo=docker-proxy.service\nWants=docker-data.service docker-x.service\n"
        "After=docker-late.service\n"
    )
    assert dependencies(text) == [
        ("Requires", "docker.service"),
        ("BindsTo", "docker-proxy.service"),
        ("Wants", "docker-data.service"),
        ("Wants", "docker-x.service"),
    ]


def test_control_characters_in_a_log_line_cannot_drive_the_terminal() -> None:
    assert printable("red \x1b[31mtext\x07\ttab \u009b") == "red \\x1b[31mtext\\x07\ttab \\x9b"


def test_state_from_inspect_reads_health_restart_count_and_exit_code() -> None:
    data = json.loads((FIXTURES / "inspect/seed-containers.json").read_text())[0]
    data = {
        **data,
        "RestartCount": 2,
        "State": {
            **data["State"],
            "Status": "exited",
            "ExitCode": 3,
            "Health": {"Status": "unhealthy"},
        },
    }
    state = state_from_inspect(data)
    assert (state.status, state.health, state.restart_count, state.exit_code, state.tty) == (
        "exited",
        "unhealthy",
        2,
        3,
        False,
    )


def test_a_failing_health_check_shows_its_exit_code_and_the_last_line_it_printed(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = installed
    source.states["seed-vpn"] = health_states()["health-failing"]
    lines = view(root, source)
    assert section(lines, "DOCKER") == [
        "seed-vpn: running, unhealthy; exit code 0; restart count 0 (Docker's own)"
    ]
    assert section(lines, "HEALTH") == ["unhealthy; the last check exited 1: disk /data is full"]
    data = json.loads(status_json(gather(host(root), source, "seed-vpn")))
    assert data["docker"]["last_check"] == {"exit_code": 1, "output": "disk /data is full"}


def test_a_health_check_that_has_not_run_yet_says_so(installed: tuple[Path, FakeSource]) -> None:
    root, source = installed
    source.states["seed-vpn"] = health_states()["health-starting"]
    assert section(view(root, source), "HEALTH") == ["starting; no check has run yet"]


def test_a_checks_output_cannot_drive_the_terminal_and_silence_is_said(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = installed
    failing = health_states()["health-failing"]
    source.states["seed-vpn"] = replace(failing, last_check=HealthRun(1, "\x1b[2Jgone"))
    assert section(view(root, source), "HEALTH") == [
        "unhealthy; the last check exited 1: \\x1b[2Jgone"
    ]
    source.states["seed-vpn"] = replace(failing, last_check=HealthRun(-1, ""))
    assert section(view(root, source), "HEALTH") == [
        "unhealthy; the last check exited -1 and printed nothing"
    ]


def test_a_container_without_a_health_check_has_no_health_line(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = installed
    assert not any(line.startswith("HEALTH") for line in view(root, source))


def test_a_unit_waiting_to_restart_says_auto_restart_and_counts_systemds_restarts(
    tmp_path: Path,
) -> None:
    shown = {
        "ActiveState": "activating",
        "SubState": "auto-restart",
        "Result": "signal",
        "ExecMainStatus": "9",
        "ExecMainExitTimestamp": "Thu 2026-12-03 08:40:00 UTC",
        "NRestarts": "1",
        "UnitFileState": "enabled",
    }
    unit = unit_view("docker-web.service", tmp_path, "unitgen", shown, enabled=True)
    lines = status_lines(Status("web", unit, (), (), None, None, (), None, (), None))
    assert section(lines, "SYSTEMD") == ["activating (auto-restart), enabled, result signal"]
    assert section(lines, "EXIT")[0].endswith("; restarts by systemd: 1")


def test_state_from_inspect_reads_the_health_checks_last_run_in_one_line() -> None:
    recorded = health_states()
    # Recorded: the check printed "checking /data" and then "disk /data is full".
    assert recorded["health-failing"].last_check == HealthRun(1, "disk /data is full")
    assert recorded["health-starting"].health == "starting"
    assert recorded["health-starting"].last_check is None
    seed = json.loads((FIXTURES / "inspect/seed-containers.json").read_text())[0]
    assert state_from_inspect(seed).last_check is None  # no health check


def test_a_checks_output_is_its_last_line_that_is_not_blank() -> None:
    meter = "  % Total    % Received\r  0     0    0\ncurl: (7) Failed to connect\n\n"
    assert last_line(meter) == "curl: (7) Failed to connect"
    assert last_line("  \n") == ""


def test_the_json_form_has_a_version_and_each_findings_severity(
    installed: tuple[Path, FakeSource],
) -> None:
    data = json.loads(status_json(gather(host(installed[0]), installed[1], "seed-vpn")))
    assert data["version"] == 1
    assert data["unit"]["active"] == "offline"
    assert data["docker"]["status"] == "running"
    assert data["findings"][0]["severity"] == "warning"
    assert len(data["logs"]) == 10
