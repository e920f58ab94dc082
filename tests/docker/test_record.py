"""Recreate mode's record against a real engine: containers of most kinds are recorded,
removed (their volumes kept) and created again from their records through the Engine API, as
the unit's helper does; the new containers are the same containers."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docker as docker_sdk
import pytest

from tests.conftest import REPO
from tests.topology import SERVE, Topology, docker
from unitgen.engine.sdk import socket_path
from unitgen.engine.source import DockerSource
from unitgen.recreate.record import Logs, Record, differences, parse
from unitgen.units.names import JOURNAL_UNIT_LABEL, UNIT_LABEL, container_unit_name

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]

BUSYBOX = "unitgen-test/busybox:latest"
# An image whose config says all an image can, so that what a container takes from its image
# can be told from what it was given.
RECORD_IMAGE = REPO / "tests/fixtures/record-image"  # its Dockerfile
# Where each container keeps data that must outlive its removal: volume mount -> container.
DATA = {"/anon": "db", "/mounted": "db", "/named": "db", "/imgvol": "web"}


def create_from(record: Record) -> None:
    """What the unit's helper does at start, from the record's text read line by line: POST
    the create line's value, then each connect line's with the container's name added."""
    engine = docker_sdk.APIClient(base_url=f"unix://{socket_path()}", version="auto")
    members = (line[1:].partition('":') for line in record.text().splitlines()[1:-1])
    values = {key: json.loads(value.removesuffix(",")) for key, _, value in members}
    name = values["container"]
    # The record's bodies as they are, posted through the SDK's session (its create_container
    # would build a body of its own from keyword arguments).
    base = f"{engine.base_url}/v{engine.api_version}"
    created = engine.post(f"{base}/containers/create", params={"name": name}, json=values["create"])
    created.raise_for_status()
    for key, body in values.items():
        if key.startswith("connect "):
            net = key.removeprefix("connect ")
            answer = engine.post(f"{base}/networks/{net}/connect", json={"Container": name, **body})
            answer.raise_for_status()


def inspect_of(name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(docker("inspect", name))[0]
    return found


def record_of(name: str, logs: Logs = "keep") -> Record:
    return DockerSource().record_of(name, unit=container_unit_name(name), logs=logs)


@dataclass
class Scene:
    topo: Topology
    image: str
    order: list[str] = field(default_factory=list)  # as created: what one needs comes first
    volumes: set[str] = field(default_factory=set)
    static_ip: str = ""

    def create(
        self, name: str, *args: str, image: str = BUSYBOX, cmd: tuple[str, ...] = SERVE
    ) -> str:
        full = self.topo.n(name)
        docker("create", "--name", full, "--label", self.topo.label, *args, image, *cmd)
        self.order.append(full)
        return full

    def keep_volumes_of(self, data: Mapping[str, Any]) -> None:
        self.volumes |= {m["Name"] for m in data.get("Mounts") or [] if m.get("Type") == "volume"}

    def remove(self) -> None:
        self.topo.remove()
        for volume in sorted(self.volumes):
            docker("volume", "rm", "-f", volume, check=False)
        docker("image", "rm", "-f", self.image, check=False)


def static_network(scene: Scene) -> str:
    """A network with a subnet of its own (a static address needs one), at a free place."""
    name = scene.topo.n("net2")
    for _ in range(20):
        subnet = f"10.{random.randint(100, 250)}.{random.randint(0, 255)}"
        args = ["network", "create", "--label", scene.topo.label, "--subnet", f"{subnet}.0/24"]
        if docker(*args, name, check=False):
            scene.topo.networks.append(name)
            scene.static_ip = f"{subnet}.50"
            return name
    raise AssertionError("no free subnet for the test network")


def build_scene(scene: Scene, bind_dir: Path) -> None:
    """Containers with most of what `docker run` says, running, with data in their volumes."""
    topo = scene.topo
    net1, net2 = topo.network("net1"), static_network(scene)
    named = topo.n("named")
    docker("volume", "create", "--label", topo.label, named)
    scene.volumes.add(named)
    db = scene.create(
        "db",
        "--network", net1, "--network-alias", "database", "--ipc", "shareable",
        "-v", f"{named}:/named", "-v", "/anon", "--mount", "type=volume,dst=/mounted",
        "--health-cmd", "test -e /tmp", "--health-interval", "1s", "-e", "SECRET=s3",
    )  # fmt: skip
    cache = scene.create("cache", "--hostname", "cachehost")
    web = scene.create(
        "web",
        "--network", net1, "--network-alias", "web", "--network-alias", "www",
        "-e", "X=1", "-e", "A=1", "-p", "127.0.0.1::80", "-v", f"{bind_dir}:/bind:ro",
        "--memory", "64m", "--cpus", "0.5", "--cap-add", "NET_ADMIN", "--tmpfs", "/run:size=1m",
        "--user", "1000", "--workdir", "/tmp", "--stop-signal", "SIGINT", "--stop-timeout", "5",
        "--init", "--read-only", "--sysctl", "net.core.somaxconn=1024",
        "--ulimit", "nofile=1024:2048", "--dns", "192.0.2.53", "--add-host", "gw:192.0.2.1",
        "--hostname", "h1", "--restart", "always", "--label", "l=1",
        image=scene.image, cmd=(),
    )  # fmt: skip
    docker("network", "connect", "--alias", "other", "--ip", scene.static_ip, net2, web)
    scene.create(
        "worker",
        "--entrypoint", "/bin/sh", "--pid", f"container:{db}", "--ipc", f"container:{db}",
        "--volumes-from", f"{db}:ro", "--restart", "on-failure:3",
        cmd=("-c", "trap 'exit 0' TERM; sleep 3600 & wait"),
    )  # fmt: skip
    scene.create("side", "--network", f"container:{web}")
    scene.create("linked", "--link", f"{cache}:c")
    scene.create("hosted", "--network", "host")
    scene.create("cmdonly", image=scene.image, cmd=("trap 'exit 0' TERM; sleep 3601 & wait",))
    for name in scene.order:
        docker("start", name)
    docker("exec", db, "sh", "-c", "for d in anon mounted named; do echo kept >/$d/mark; done")
    docker("exec", "-u", "0", web, "sh", "-c", "echo kept >/imgvol/mark")


@dataclass(frozen=True)
class RoundTrip:
    scene: Scene
    before: dict[str, Record]
    after: dict[str, Record]
    inspected_before: dict[str, dict[str, Any]]
    inspected_after: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def trip(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RoundTrip]:
    """The scene recorded, removed without its volumes, created again from the records, started
    and recorded again."""
    topo = Topology()
    scene = Scene(topo, f"unitgen-test/record-{topo.prefix}:1")
    try:
        docker("build", "-q", "-t", scene.image, str(RECORD_IMAGE))
        build_scene(scene, tmp_path_factory.mktemp("bind"))
        inspected_before = {name: inspect_of(name) for name in scene.order}
        for data in inspected_before.values():
            scene.keep_volumes_of(data)
        before = {name: record_of(name) for name in scene.order}
        docker("rm", "-f", *reversed(scene.order))  # not -v: the volumes stay
        for name in scene.order:
            create_from(before[name])
        for name in scene.order:
            docker("start", name)
        inspected_after = {name: inspect_of(name) for name in scene.order}
        for data in inspected_after.values():
            scene.keep_volumes_of(data)
        after = {name: record_of(name) for name in scene.order}
        yield RoundTrip(scene, before, after, inspected_before, inspected_after)
    finally:
        scene.remove()


def _names(inspected: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    return {data["Id"]: name for name, data in inspected.items()}


def view(data: Mapping[str, Any], names_by_id: Mapping[str, str]) -> dict[str, Any]:
    """What must be the same of a container and the one made from its record: other
    containers by name, what the engine chose (ids, addresses) and what unitgen changes on
    purpose (the restart policy, its labels, anonymous volumes named) left out."""
    config, host = dict(data["Config"]), dict(data["HostConfig"])
    own = data["Id"][:12]
    if config["Hostname"] == own:
        config["Hostname"] = "(its id)"
    config["Env"] = sorted(config["Env"] or [])
    config["Labels"] = {
        k: v for k, v in config["Labels"].items() if k not in (UNIT_LABEL, JOURNAL_UNIT_LABEL)
    }
    for key in ("NetworkMode", "IpcMode", "PidMode"):
        kind, _, ref = host[key].partition(":")
        if kind == "container":
            host[key] = f"container:{names_by_id[ref]}"
    host["Links"] = sorted(host["Links"] or [])
    for key in ("RestartPolicy", "Binds", "Mounts"):  # the volumes: compared as mounted
        host.pop(key, None)
    mounts = {
        m["Destination"]: (m["Type"], m.get("Name") or m["Source"], m["RW"]) for m in data["Mounts"]
    }
    networks = {
        net: {
            "Aliases": sorted(set(ep["Aliases"] or ()) - {own, config["Hostname"]}),
            "IPAMConfig": ep["IPAMConfig"],
            "IPAddress": ep["IPAddress"] if ep["IPAMConfig"] else "(the engine's)",
        }
        for net, ep in data["NetworkSettings"]["Networks"].items()
    }
    return {
        "Config": config,
        "HostConfig": host,
        "Mounts": mounts,
        "Networks": networks,
        "Running": data["State"]["Running"],
    }


def test_recording_a_container_made_from_its_record_gives_the_same_record(
    trip: RoundTrip,
) -> None:
    for name in trip.scene.order:
        assert differences(trip.before[name], trip.after[name]) == [], name
    assert trip.after == trip.before  # image id included


def test_the_data_in_every_volume_outlived_the_container(trip: RoundTrip) -> None:
    for path, owner in DATA.items():
        assert docker("exec", trip.scene.topo.n(owner), "cat", f"{path}/mark") == "kept", path


def test_an_anonymous_volume_is_named_in_the_record_and_reused_where_it_is_declared(
    trip: RoundTrip,
) -> None:
    db = trip.scene.topo.n("db")
    old, new = trip.inspected_before[db], trip.inspected_after[db]
    anonymous = next(m["Name"] for m in old["Mounts"] if m["Destination"] == "/anon")
    assert f"{anonymous}:/anon" in trip.before[db].create_body()["HostConfig"]["Binds"]
    assert "/anon" in new["Config"]["Volumes"]  # still declared: the engine took the bind's
    assert [m["Name"] for m in new["Mounts"] if m["Destination"] == "/anon"] == [anonymous]


def test_the_new_containers_were_given_what_the_old_ones_were(trip: RoundTrip) -> None:
    names_before, names_after = _names(trip.inspected_before), _names(trip.inspected_after)
    for name in trip.scene.order:
        old = view(trip.inspected_before[name], names_before)
        new = view(trip.inspected_after[name], names_after)
        assert new == old, name
        assert trip.inspected_after[name]["HostConfig"]["RestartPolicy"]["Name"] == "no"


def test_references_to_other_containers_are_recorded_by_name(trip: RoundTrip) -> None:
    n = trip.scene.topo.n
    worker = trip.before[n("worker")].create_body()["HostConfig"]
    assert (worker["IpcMode"], worker["PidMode"]) == (f"container:{n('db')}",) * 2
    assert worker["VolumesFrom"] == [f"{n('db')}:ro"]
    side = trip.before[n("side")].create_body()
    assert side["HostConfig"]["NetworkMode"] == f"container:{n('web')}"
    assert "Hostname" not in side
    assert trip.before[n("linked")].create_body()["HostConfig"]["Links"] == [f"{n('cache')}:c"]


def test_a_second_network_with_a_static_address_and_aliases_is_connected_again(
    trip: RoundTrip,
) -> None:
    web = trip.scene.topo.n("web")
    assert [net for net, _ in trip.before[web].connects] == [trip.scene.topo.n("net2")]
    networks = trip.inspected_after[web]["NetworkSettings"]["Networks"]
    assert networks[trip.scene.topo.n("net2")]["IPAddress"] == trip.scene.static_ip
    assert {"other"} <= set(networks[trip.scene.topo.n("net2")]["Aliases"])
    assert {"web", "www"} <= set(networks[trip.scene.topo.n("net1")]["Aliases"])


def test_each_real_record_reads_back_from_its_text(trip: RoundTrip) -> None:
    for name, record in trip.before.items():
        assert parse(record.text(), f"/etc/unitgen/recreate/{name}.json") == record


@pytest.fixture
def topo_volumes() -> Iterator[Topology]:
    topo = Topology()
    yield topo
    topo.remove()


def test_a_container_made_to_log_to_the_journal_is_accepted_and_stays_a_fixed_point(
    topo_volumes: Topology,
) -> None:
    """The engine takes the journald driver and its options on create (this machine has no
    journald to start it with); the record of the new container is the record it came from."""
    name = topo_volumes.create("logs", "-e", "K=v")
    record = record_of(name, logs="journal")
    docker("rm", name)
    create_from(record)
    data = inspect_of(name)
    unit = container_unit_name(name)
    assert data["HostConfig"]["LogConfig"] == {
        "Type": "journald",
        "Config": {
            "tag": unit.removesuffix(".service"),
            "labels": f"{UNIT_LABEL},{JOURNAL_UNIT_LABEL}",
        },
    }
    assert (data["Config"]["Labels"][UNIT_LABEL], data["Config"]["Labels"][JOURNAL_UNIT_LABEL]) == (
        unit,
        unit,
    )
    assert record_of(name, logs="journal") == record


# Other kinds of container, each recorded, removed and made again on its own.
KINDS: dict[str, tuple[str, ...]] = {
    "link-on-a-user-network": ("--network", "{net}", "--link", "{db}:dbalias"),
    "privileged": ("--privileged",),
    "system-paths-unmasked": (
        "--security-opt", "systempaths=unconfined", "--security-opt", "no-new-privileges",
    ),
    "removed-when-stopped": ("--rm",),
    "no-network": ("--network", "none"),
    "tty-without-health-check": ("--no-healthcheck", "-t", "-i"),
    "limits-and-a-device": (
        "--cgroupns", "private", "--device", "/dev/null:/dev/xnull", "--memory", "32m",
        "--memory-swap", "-1", "--oom-kill-disable", "--pids-limit", "50", "--shm-size", "16m",
    ),
    "host-uts": ("--uts", "host"),
    "published-ports": ("--publish-all", "--expose", "99", "-p", "127.0.0.1:0:98/udp"),
    "log-options": ("--log-driver", "json-file", "--log-opt", "max-size=1m"),
    "domain-dns-and-groups": (
        "--domainname", "example.org", "--hostname", "hh", "--dns-search", "example.org",
        "--dns-option", "ndots:2", "--group-add", "nogroup",
    ),
    "mounts": (
        "--mount", "type=volume,dst=/m,volume-nocopy",
        "--mount", "type=tmpfs,dst=/t,tmpfs-size=1000000",
        "--mount", "type=bind,src=/tmp,dst=/hostt,readonly",
    ),
}  # fmt: skip


# This machine's sandbox refuses a privileged container its capabilities at start.
CREATED_ONLY = {"privileged"}


@pytest.fixture
def neighbours() -> Iterator[Scene]:
    topo = Topology()
    scene = Scene(topo, BUSYBOX)
    try:
        scene.create("db", "--network", topo.network("net"))
        docker("start", topo.n("db"))
        yield scene
    finally:
        scene.topo.remove()
        for volume in sorted(scene.volumes):
            docker("volume", "rm", "-f", volume, check=False)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_another_kind_of_container_is_made_again_the_same_from_its_record(
    neighbours: Scene, kind: str
) -> None:
    topo = neighbours.topo
    args = [a.format(net=topo.n("net"), db=topo.n("db")) for a in KINDS[kind]]
    name = neighbours.create(kind, *args)
    start = (lambda: None) if kind in CREATED_ONLY else (lambda: docker("start", name))
    start()
    old = inspect_of(name)
    neighbours.keep_volumes_of(old)
    record = record_of(name)
    docker("rm", "-f", name)
    create_from(record)
    start()
    new = inspect_of(name)
    neighbours.keep_volumes_of(new)
    assert record_of(name) == record
    db = inspect_of(topo.n("db"))["Id"]
    assert view(new, {db: topo.n("db")}) == view(old, {db: topo.n("db")})
