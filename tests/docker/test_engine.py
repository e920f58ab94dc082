"""Against a real Docker engine: the seed topology, generate, offline install, errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, need
from tests.docker.run import generate_all, unitgen
from tests.fakes import image_root, point_units_at_a_helper_copy
from tests.topology import Topology, docker, inspect
from unitgen.engine.specs import network_from_inspect, spec_from_inspect, state_from_inspect

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]


def test_generate_prints_the_closure_dependencies_first(seed: Topology) -> None:
    done = unitgen("generate", seed.n("sidecar"))
    assert done.returncode == 0, done.stderr
    headers = [line for line in done.stdout.splitlines() if line.startswith("---")]
    assert headers == [
        f"---docker-{seed.n(x)}.service---" for x in ("backend1", "backend2", "proxy", "sidecar")
    ] + [f"---unitgen-network-{seed.n('net')}.service---"]


def test_generate_all_output_passes_systemd_analyze_verify(seed: Topology, tmp_path: Path) -> None:
    generate_all(seed.prefix, tmp_path)
    ours = sorted(str(p) for p in tmp_path.glob(f"*{seed.prefix}*.service"))
    assert len(ours) == len(seed.names()) + 2  # every container, and both networks
    point_units_at_a_helper_copy(tmp_path)
    verify = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", "--recursive-errors=yes", *ours],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:"},
    )
    assert verify.returncode == 0 and verify.stderr == "", verify.stderr


@pytest.mark.parametrize(
    ("root", "count"),
    [
        ("sidecar", 5),  # netns by id, unitgen.after, a user-defined network
        ("container1", 4),  # legacy links
        ("reader", 2),  # --volumes-from
        ("web-1", 3),  # compose depends_on, the compose network
    ],
)
def test_generate_one_reads_only_its_closure_yet_renders_what_generate_all_renders(
    seed: Topology, tmp_path: Path, root: str, count: int
) -> None:
    done = unitgen("generate", seed.n(root), "--output", str(tmp_path / "one"))
    assert done.returncode == 0, done.stderr
    generate_all(seed.prefix, tmp_path / "all")
    one = sorted((tmp_path / "one").iterdir())
    assert len(one) == count, [p.name for p in one]
    for path in one:
        assert path.read_text() == (tmp_path / "all" / path.name).read_text(), path.name


def test_generate_has_no_side_effects(seed: Topology) -> None:
    before = inspect(seed.n("always"), "{{.HostConfig.RestartPolicy.Name}}")
    assert unitgen("generate", seed.n("always")).returncode == 0
    assert inspect(seed.n("always"), "{{.HostConfig.RestartPolicy.Name}}") == before == "always"


def test_install_into_an_image_root_writes_and_enables_and_leaves_docker_alone(
    seed: Topology, tmp_path: Path
) -> None:
    done = unitgen(
        "install", "--root", str(image_root(tmp_path)), seed.n("container1"), seed.n("always")
    )
    assert done.returncode == 0, done.stderr
    unit_dir = tmp_path / "etc/systemd/system"
    assert (
        unit_dir / f"multi-user.target.wants/docker-{seed.n('container1')}.service"
    ).is_symlink()
    assert len(list(unit_dir.glob("docker-*.service"))) == 5
    assert (unit_dir / f"docker-{seed.n('always')}.service").stat().st_mode & 0o777 == 0o644
    assert inspect(seed.n("always"), "{{.HostConfig.RestartPolicy.Name}}") == "always"
    again = unitgen("install", "--root", str(tmp_path), seed.n("container1"), seed.n("always"))
    assert again.returncode == 0 and "nothing to do" in again.stderr


def test_dpkg_root_is_honoured_like_root(seed: Topology, tmp_path: Path) -> None:
    done = unitgen("install", seed.n("vpn"), env={"DPKG_ROOT": str(image_root(tmp_path))})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / f"etc/systemd/system/docker-{seed.n('vpn')}.service").exists()


def test_a_missing_container_is_exit_4_and_writes_nothing(tmp_path: Path) -> None:
    done = unitgen("install", "--root", str(tmp_path), "no-such-container")
    assert (done.returncode, done.stdout) == (4, "")
    assert done.stderr == (
        "unitgen: no container named no-such-container; check the name with `docker ps -a`\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_user_without_socket_access_gets_exit_5() -> None:
    need("setpriv (util-linux, installed by tests/setup.sh)", shutil.which("setpriv") is not None)
    done = unitgen("list", "--root", "/", user="65534")
    assert done.returncode == 5, done.stderr
    assert done.stderr.startswith("unitgen: ") and "permission denied on the Docker socket" in (
        done.stderr
    )
    assert done.stderr.count("\n") == 1


def test_a_dependency_cycle_names_it_and_writes_nothing(tmp_path: Path) -> None:
    topo = Topology()
    try:
        topo.create("aa", "--label", f"unitgen.after={topo.n('bb')}")
        topo.create("bb", "--label", f"unitgen.requires={topo.n('aa')}")
        done = unitgen("install", "--root", str(image_root(tmp_path)), topo.n("aa"))
        assert done.returncode == 6
        assert f"dependency cycle: {topo.n('aa')} -> {topo.n('bb')} -> {topo.n('aa')}" in (
            done.stderr
        )
        assert list(tmp_path.iterdir()) == [tmp_path / "bin"]  # only image_root's own
    finally:
        topo.remove()


class Reads(Mapping[str, Any]):
    """An inspect object that notes the paths the code reads by key (`Config.Labels`,
    `Mounts[].Source`); iterating it (label names, network names) notes nothing."""

    def __init__(self, data: Mapping[str, Any], seen: set[str], path: str = "") -> None:
        self._data, self._seen, self._path = data, seen, path

    def _wrap(self, value: Any, path: str) -> Any:
        if isinstance(value, Mapping):
            return Reads(value, self._seen, path)
        if isinstance(value, list):
            return [self._wrap(item, path + "[]") for item in value]
        return value

    def __getitem__(self, key: str) -> Any:
        path = f"{self._path}.{key}".lstrip(".")
        self._seen.add(path)
        return self._wrap(self._data[key], path)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def items(self) -> Any:
        return [(k, self._wrap(v, f"{self._path}.*")) for k, v in self._data.items()]


def shapes(data: Any, path: str) -> list[str]:
    """The JSON kinds found at PATH (`[]` steps into every item); empty values are left out:
    Docker writes an unset list as null or [] depending on its version, and the code reads
    both alike."""
    values = [data]
    for step in path.split("."):
        many = step.endswith("[]")
        key = step.removesuffix("[]")
        values = [v.get(key) for v in values if isinstance(v, dict)]
        if many:
            values = [item for v in values if isinstance(v, list) for item in v]
    return sorted({type(v).__name__ for v in values if v not in (None, [], {})})


def test_live_inspect_matches_the_recorded_shape(seed: Topology, topo: Topology) -> None:
    """Every path of `docker inspect` that the converters read in the recorded fixtures holds
    the same kind of JSON value on this engine, for the same container of the seed topology."""
    recorded = json.loads((FIXTURES / "inspect/seed-containers.json").read_text())
    recorded_nets = json.loads((FIXTURES / "inspect/seed-networks.json").read_text())
    read: set[str] = set()
    names_by_id = {c["Id"]: c["Name"].lstrip("/") for c in recorded}
    for data in recorded:
        spec_from_inspect(Reads(data, read), names_by_id)
        state_from_inspect(Reads(data, read))
    net_read: set[str] = set()
    for data in recorded_nets:
        network_from_inspect(Reads(data, net_read))
    assert {"HostConfig.RestartPolicy.Name", "Mounts[].Source", "State.Running"} <= read
    assert {"IPAM.Config[].Subnet", "Driver"} <= net_read

    def live(kind: str, name: str) -> dict[str, Any]:
        found: list[dict[str, Any]] = json.loads(docker(*kind.split(), "inspect", name))
        return found[0]

    def role(name: str) -> str:
        bare = name.lstrip("/").removeprefix("seed-")
        return bare.removeprefix("compose-").removesuffix("_default")  # Topology's compose names

    running = seed.names()  # the live seed has no onfail or unless: those are not compared
    pairs = [
        (c, live("container", seed.n(role(c["Name"]))))
        for c in recorded
        if seed.n(role(c["Name"])) in running
    ]
    pairs += [(n, live("network", seed.n(role(n["Name"])))) for n in recorded_nets]
    # The recorded proxy has --stop-timeout 30; the live seed's does not (its stops would wait).
    proxy = next(c for c in recorded if c["Name"] == "/seed-proxy")
    pairs.append((proxy, live("container", topo.create("proxy", "--stop-timeout", "30"))))
    differ = [
        (role(mine["Name"]), path, shapes(mine, path), shapes(theirs, path))
        for mine, theirs in pairs
        for path in sorted(read if "HostConfig" in mine else net_read)
        if shapes(mine, path)
        and shapes(theirs, path) != shapes(mine, path)
        and shapes(theirs, path)
    ]
    assert differ == []
    never = sorted(
        path
        for path in read | net_read
        if any(shapes(mine, path) for mine, _ in pairs)
        and not any(shapes(theirs, path) for _, theirs in pairs)
    )
    assert never == [], f"recorded values this engine never writes: {never}"


def test_without_systemd_install_leaves_dockers_policy_and_says_so(topo: Topology) -> None:
    """A host whose PID 1 is not systemd (this machine, WSL, a container with the engine's
    socket): no unit would ever start, so Docker keeps supervising."""
    need("a host where systemd is not running", not os.path.isdir("/run/systemd/system"))
    web = topo.create("web", "--restart", "always")
    done = unitgen("install", "--dry-run", web)
    assert done.returncode == 0, done.stderr
    assert "docker  update" not in done.stdout
    # A note is wrapped under its verb within 100 columns.
    plan = done.stdout.replace("\n        ", " ")
    assert f"Docker keeps supervising {web} (restart policy always)" in plan


def test_one_broken_container_costs_only_its_own_units(topo: Topology) -> None:
    good = topo.create("good")
    bad = topo.create("bad", "--label", f"unitgen.requires={topo.n('nosuch')}")
    done = unitgen("generate", bad, good)
    assert done.returncode == 6, done.stderr
    assert f"---docker-{good}.service---" in done.stdout
    assert f"docker-{bad}.service" not in done.stdout
    assert f"{bad}: container {bad} needs container {topo.n('nosuch')}" in done.stderr
    assert done.stderr.splitlines()[-1].startswith("unitgen: 1 container(s) left out")
