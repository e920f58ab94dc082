"""`unitgen list`: container and network units, a listing that does not need the engine, and
what systemd and the engine know of each: restarts, a unit waiting to restart, health."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import health_states
from tests.fakes import FakeSource, host
from tests.fakes import run_cli as run
from unitgen.commands import listing
from unitgen.commands.view import HostView
from unitgen.commands.view import gather as gather_view
from unitgen.model import active_state

TABLE = """\
UNIT                              ACTIVE   RESTARTS  ENABLED  DOCKER   HEALTH  EDITED
docker-seed-backend1.service      offline  -         yes      stopped  -       no
docker-seed-onfail.service        offline  -         yes      stopped  -       no
unitgen-network-seed-net.service  offline  -         -        present  -       no
"""
# Without an answer from the engine, neither the containers nor their health are known.
UNKNOWN = """\
UNIT                              ACTIVE   RESTARTS  ENABLED  DOCKER   HEALTH   EDITED
docker-seed-backend1.service      offline  -         yes      unknown  unknown  no
docker-seed-onfail.service        offline  -         yes      unknown  unknown  no
unitgen-network-seed-net.service  offline  -         -        unknown  -        no
"""


@pytest.fixture
def installed(
    source: FakeSource,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> FakeSource:
    argv = ["install", "--root", str(tmp_path), "seed-backend1", "seed-onfail"]
    assert run(argv, capsys)[0] == 0
    return source


def test_list_shows_container_units_and_the_network_units_they_need(
    installed: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["list", "--root", str(tmp_path)], capsys)
    assert (code, err) == (0, "")
    assert out == TABLE


def test_list_says_gone_for_a_removed_container_and_a_removed_network(
    installed: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    del installed.containers["seed-onfail"]
    installed.networks = [n for n in installed.networks if n.name != "seed-net"]
    code, out, _ = run(["list", "--root", str(tmp_path)], capsys)
    assert code == 0
    assert out.splitlines()[2:] == [
        "docker-seed-onfail.service        offline  -         yes      gone     -       no",
        "unitgen-network-seed-net.service  offline  -         -        gone     -       no",
    ]


def test_list_without_the_engine_shows_what_systemd_knows_docker_unknown_and_exits_21(
    installed: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    installed.down = True
    code, out, err = run(["list", "--root", str(tmp_path)], capsys)
    assert code == 21
    assert out == UNKNOWN
    assert err == (
        "unitgen: inspecting container: cannot reach the Docker engine at /run/docker.sock; "
        "start it (systemctl start docker) or set DOCKER_HOST; the DOCKER column is unknown\n"
    )


def test_list_no_docker_does_not_ask_the_engine_and_exits_0(
    installed: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    installed.down = True
    code, out, err = run(["list", "--no-docker", "--root", str(tmp_path)], capsys)
    assert (code, err) == (0, "")
    assert out == UNKNOWN


def test_list_json_is_one_versioned_object_saying_whether_docker_answered(
    installed: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    installed.down = True
    code, out, _ = run(["list", "--json", "--root", str(tmp_path)], capsys)
    assert code == 21
    document = json.loads(out)
    assert document["version"] == 1
    assert document["docker"] == "unreachable"
    assert document["docker_error"].startswith("inspecting container: cannot reach")
    assert document["units"][2] == {
        "unit": "unitgen-network-seed-net.service",
        "kind": "network",
        "container": None,
        "network": "seed-net",
        "active": "offline",
        "enabled": None,
        "docker": "unknown",
        "edited": False,
        "sub": "",
        "restarts": None,
        "health": None,
        "last_check": None,
    }


def test_list_of_an_empty_unit_directory_is_the_header_alone(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["list", "--root", str(tmp_path)], capsys)
    assert (code, out) == (0, "UNIT  ACTIVE  RESTARTS  ENABLED  DOCKER  HEALTH  EDITED\n")


def online(view: HostView, shown: dict[str, dict[str, str]]) -> HostView:
    """VIEW as a running systemd would have answered: `systemctl show` said SHOWN."""
    units = {
        name: replace(facts, active=active_state(shown[name]["ActiveState"]))
        for name, facts in view.state.units.items()
        if name in shown
    }
    return replace(view, state=replace(view.state, online=True, shown=shown, units=units))


SHOWN = {
    # Its container was killed: systemd restarted it twice and waits to do so again.
    "docker-seed-backend1.service": {
        "ActiveState": "activating",
        "SubState": "auto-restart",
        "NRestarts": "2",
    },
    "docker-seed-onfail.service": {
        "ActiveState": "active",
        "SubState": "running",
        "NRestarts": "0",
    },
    "unitgen-network-seed-net.service": {
        "ActiveState": "active",
        "SubState": "exited",
        "NRestarts": "0",
    },
}

ONLINE = """\
UNIT                              ACTIVE        RESTARTS  ENABLED  DOCKER   HEALTH  EDITED
docker-seed-backend1.service      auto-restart  2         yes      stopped  -       no
docker-seed-onfail.service        active        0         yes      stopped  -       no
unitgen-network-seed-net.service  active        0         -        present  -       no
"""


def test_list_shows_systemds_restarts_and_a_unit_waiting_to_restart(
    installed: FakeSource, tmp_path: Path
) -> None:
    view = online(gather_view(host(tmp_path), installed, whole=True, render=False), SHOWN)
    found = listing.listing_of(view, listing.ANSWERED)
    assert "\n".join(listing.table(found)) + "\n" == ONLINE
    backend = json.loads(listing.as_json(found))["units"][0]
    # ActiveState stays systemd's word; SubState says the unit waits to restart.
    assert (backend["active"], backend["sub"], backend["restarts"]) == (
        "activating",
        "auto-restart",
        2,
    )


def test_list_shows_each_containers_health_and_the_json_its_last_check(
    installed: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorded = health_states()
    installed.states["seed-backend1"] = recorded["health-failing"]
    installed.states["seed-onfail"] = recorded["health-starting"]
    code, out, _ = run(["list", "--root", str(tmp_path)], capsys)
    assert code == 0
    assert [line.split()[4:] for line in out.splitlines()] == [
        ["DOCKER", "HEALTH", "EDITED"],
        ["stopped", "unhealthy", "no"],
        ["stopped", "starting", "no"],
        ["present", "-", "no"],
    ]
    code, out, _ = run(["list", "--json", "--root", str(tmp_path)], capsys)
    units = json.loads(out)["units"]
    assert [(u["health"], u["last_check"]) for u in units] == [
        ("unhealthy", {"exit_code": 1, "output": "disk /data is full"}),
        ("starting", None),
        (None, None),
    ]


def test_a_listing_at_its_widest_for_the_seeds_names_fits_100_columns(
    installed: FakeSource, tmp_path: Path
) -> None:
    installed.states["seed-backend1"] = health_states()["health-failing"]
    view = online(gather_view(host(tmp_path), installed, whole=True, render=False), SHOWN)
    lines = listing.table(listing.listing_of(view, listing.ANSWERED))
    assert "auto-restart" in lines[1] and "unhealthy" in lines[1]
    assert max(map(len, lines)) <= 100
