"""Against a real Docker engine: the unit helper's recreate and discard verbs
(unitgen/units/helper.sh), run by /bin/sh as a recreate-mode unit runs them, on a record written by
hand in the shared format (tests/unit/test_helper_recreate.py), for a busybox container on two
user-defined networks (one in the create body, one a "connect" line) with a volume."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.topology import IMAGE, SERVE, Topology, docker
from tests.unit.test_helper_recreate import record

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]

HELPER = REPO / "unitgen/units/helper.sh"


@dataclass(frozen=True)
class Case:
    name: str  # the container's
    record: Path
    front: str  # the network in the create body
    back: str  # the network of the "connect" line
    volume: str


def helper(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["/bin/sh", str(HELPER), *args],
        env={"DOCKER_HOST": "unix:///run/docker.sock", "PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def create_body(topo: Topology, name: str, front: str, volume: str, image: str) -> dict[str, Any]:
    """What `docker create` would send for this container: POST /containers/create's body."""
    return {
        "Image": image,
        "Cmd": list(SERVE),
        "Env": ['GREETING=hello "world" \\o/', "OWNER=Jürgen"],
        "Labels": {topo.label.split("=")[0]: topo.prefix, "unitgen.unit": f"docker-{name}.service"},
        "HostConfig": {
            "NetworkMode": front,
            "Mounts": [{"Type": "volume", "Source": volume, "Target": "/data"}],
            "RestartPolicy": {"Name": "no"},
        },
        "NetworkingConfig": {"EndpointsConfig": {front: {"Aliases": ["www"]}}},
    }


@pytest.fixture
def case(tmp_path: Path) -> Iterator[Case]:
    """Two networks, a volume and a record for container PREFIX-web; all removed afterwards."""
    topo = Topology()
    name, volume = topo.n("web"), topo.n("data")
    try:
        front, back = topo.network("front"), topo.network("back")
        docker("volume", "create", "--label", topo.label, volume)
        body = create_body(topo, name, front, volume, IMAGE)
        path = record(
            tmp_path / f"{name}.json",
            container=name,
            image=IMAGE,
            create=body,
            connect={back: {"EndpointConfig": {"Aliases": ["api"]}}},
        )
        yield Case(name, path, front, back, volume)
    finally:
        topo.remove()
        docker("volume", "rm", "-f", volume, check=False)


def inspected(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(docker("inspect", name))[0]
    return found


def containers_named(name: str) -> list[str]:
    return docker("ps", "-aq", "--filter", f"name=^/{name}$").split()


def test_recreate_creates_the_container_from_its_record_on_both_networks_and_starts_it(
    case: Case,
) -> None:
    done = helper("recreate", case.name, str(case.record), "5")
    assert (done.returncode, done.stderr) == (0, "")
    got = inspected(case.name)
    assert got["State"]["Status"] == "running"
    assert got["Config"]["Image"] == IMAGE
    assert got["Config"]["Labels"]["unitgen.unit"] == f"docker-{case.name}.service"
    assert {'GREETING=hello "world" \\o/', "OWNER=Jürgen"} <= set(got["Config"]["Env"])
    networks = got["NetworkSettings"]["Networks"]
    assert set(networks) == {case.front, case.back}
    assert "www" in networks[case.front]["Aliases"]
    assert "api" in networks[case.back]["Aliases"]
    assert [m["Name"] for m in got["Mounts"]] == [case.volume]


def test_recreate_while_it_runs_replaces_the_container_with_a_new_one(case: Case) -> None:
    assert helper("recreate", case.name, str(case.record), "5").returncode == 0
    first = inspected(case.name)["Id"]
    done = helper("recreate", case.name, str(case.record), "5")
    assert (done.returncode, done.stderr) == (0, "")
    assert containers_named(case.name) == [inspected(case.name)["Id"][:12]]
    assert inspected(case.name)["Id"] != first
    assert inspected(case.name)["State"]["Status"] == "running"


def test_recreate_after_a_docker_rm_brings_the_container_back(case: Case) -> None:
    assert helper("recreate", case.name, str(case.record), "5").returncode == 0
    docker("rm", "-f", case.name)
    done = helper("recreate", case.name, str(case.record), "5")
    assert (done.returncode, done.stderr) == (0, "")
    assert inspected(case.name)["State"]["Status"] == "running"
    assert set(inspected(case.name)["NetworkSettings"]["Networks"]) == {case.front, case.back}


def test_discard_removes_the_container_and_keeps_its_volume(case: Case) -> None:
    assert helper("recreate", case.name, str(case.record), "5").returncode == 0
    done = helper("discard", case.name, "5")
    assert (done.returncode, done.stderr) == (0, "")
    assert containers_named(case.name) == []
    assert docker("volume", "ls", "-q", "--filter", f"name=^{case.volume}$") == case.volume
    assert helper("discard", case.name, "5").returncode == 0  # nothing left: still fine


def test_recreate_of_an_image_that_exists_nowhere_says_why_and_leaves_nothing_to_wait_for(
    case: Case, tmp_path: Path
) -> None:
    # The old container is there; no registry is reachable here, so the pull fails.
    assert helper("recreate", case.name, str(case.record), "5").returncode == 0
    absent = f"unitgen-test/absent-{uuid.uuid4().hex[:8]}:1"
    recorded = json.loads(case.record.read_text())
    body = {**recorded["create"], "Image": absent}
    path = record(
        tmp_path / "absent.json",
        container=case.name,
        image=absent,
        create=body,
        connect={case.back: {"EndpointConfig": {}}},
    )
    done = helper("recreate", case.name, str(path), "5")
    # 0 after saying why: the unit's main step then finds no container and fails at once,
    # so the unit restarts with back-off instead of holding a boot's start job.
    assert done.returncode == 0
    assert helper("wait", case.name).returncode == 1
    pulling, failure = done.stderr.splitlines()
    assert pulling == f"image {absent} is missing: pulling it"
    assert failure.startswith(f"could not pull image {absent} (HTTP ")
    assert len(failure) > len(f"could not pull image {absent} (HTTP 500): ")  # the engine's why
    assert containers_named(case.name) == []
