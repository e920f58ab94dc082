"""`unitgen list`: container and network units, and a listing that does not need the engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes import FakeSource
from tests.fakes import run_cli as run

TABLE = """\
UNIT                              CONTAINER           ACTIVE   ENABLED  DOCKER   EDITED
docker-seed-backend1.service      seed-backend1       offline  yes      {docker}  no
docker-seed-onfail.service        seed-onfail         offline  yes      {docker}  no
unitgen-network-seed-net.service  (network seed-net)  offline  -        {net}  no
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
    assert out == TABLE.format(docker="stopped", net="present")


def test_list_says_gone_for_a_removed_container_and_a_removed_network(
    installed: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    del installed.containers["seed-onfail"]
    installed.networks = [n for n in installed.networks if n.name != "seed-net"]
    code, out, _ = run(["list", "--root", str(tmp_path)], capsys)
    assert code == 0
    assert out.splitlines()[2:] == [
        "docker-seed-onfail.service        seed-onfail         offline  yes      gone     no",
        "unitgen-network-seed-net.service  (network seed-net)  offline  -        gone     no",
    ]


def test_list_without_the_engine_shows_what_systemd_knows_docker_unknown_and_exits_21(
    installed: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    installed.down = True
    code, out, err = run(["list", "--root", str(tmp_path)], capsys)
    assert code == 21
    assert out == TABLE.format(docker="unknown", net="unknown")
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
    assert out == TABLE.format(docker="unknown", net="unknown")


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
    }


def test_list_of_an_empty_unit_directory_is_the_header_alone(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["list", "--root", str(tmp_path)], capsys)
    assert (code, out) == (0, "UNIT  CONTAINER  ACTIVE  ENABLED  DOCKER  EDITED\n")
