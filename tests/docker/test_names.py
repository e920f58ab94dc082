"""Against a real Docker engine: containers named as Docker's CLI takes them (NAME, /NAME, full
id, unique id prefix), an ambiguous prefix, one that is not there, and malformed names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.docker.run import unitgen
from tests.fakes import image_root
from tests.topology import Topology, docker
from unitgen.engine.sdk import socket_path

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]


@pytest.fixture
def web(topo: Topology) -> tuple[str, str]:
    """A container's name and full id."""
    name = topo.create("web")
    return name, docker("inspect", "--format", "{{.Id}}", name)


@pytest.mark.parametrize("form", ["name", "/name", "full id", "id prefix"])
def test_generate_takes_a_container_as_dockers_cli_does(web: tuple[str, str], form: str) -> None:
    name, full = web
    ref = {"name": name, "/name": f"/{name}", "full id": full, "id prefix": full[:12]}[form]
    by_name = unitgen("generate", name)
    done = unitgen("generate", ref)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == by_name.stdout
    assert done.stdout.startswith(f"---docker-{name}.service---\n")


def test_an_ambiguous_id_prefix_is_refused_saying_so(topo: Topology) -> None:
    # Among 17 containers two ids share a first hex digit (there are 16).
    seen: dict[str, str] = {}
    for number in range(17):
        full = docker("inspect", "--format", "{{.Id}}", topo.create(f"c{number}"))
        if full[0] in seen:
            break
        seen[full[0]] = full
    prefix = full[0]
    done = unitgen("generate", prefix)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"unitgen: {prefix} is an ambiguous id prefix: several containers have an id starting "
        "with it; give more characters of the id, or the container's name\n"
    )


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (
            "ugnames-no-such",
            "no container named ugnames-no-such; check the name with `docker ps -a`",
        ),
        (
            "0" * 64,
            f"no container named or with an id starting with {'0' * 64}; "
            "check the name or id with `docker ps -a`",
        ),
    ],
)
def test_a_container_that_is_not_there_is_exit_4(ref: str, message: str) -> None:
    for command in ("generate", "install", "diff", "drift"):
        done = unitgen(command, ref)
        assert (done.returncode, done.stdout, done.stderr) == (4, "", f"unitgen: {message}\n")
    # status looks for drop-ins too, and says where the unit would be.
    done = unitgen("status", ref)
    assert (done.returncode, done.stdout, done.stderr) == (
        4,
        "",
        f"unitgen: no container and no unit named {ref} (/etc/systemd/system/docker-{ref}.service "
        "does not exist); check the name with `docker ps -a` and `unitgen list`\n",
    )


@pytest.mark.parametrize("ref", ["", "a b", "//web", "web?x=1", "web/../x"])
def test_a_malformed_name_is_exit_2_not_an_internal_error(ref: str) -> None:
    done = unitgen("generate", ref)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith(f"unitgen: {ref!r} is not a container name or id; ")
    assert len(done.stderr.splitlines()) == 1


def test_uninstall_finds_a_removed_container_by_the_id_its_unit_recorded(
    topo: Topology, tmp_path: Path
) -> None:
    root = image_root(tmp_path)
    name = topo.create("gone")
    full = docker("inspect", "--format", "{{.Id}}", name)
    assert unitgen("install", "--root", str(root), name).returncode == 0
    docker("rm", name)
    unit = root / f"etc/systemd/system/docker-{name}.service"
    assert unit.exists()
    done = unitgen("uninstall", "--root", str(root), full[:10])
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert not unit.exists()


def test_debug_logs_the_engines_requests_and_a_prefix_is_inspected_once(
    web: tuple[str, str],
) -> None:
    _, full = web
    done = unitgen("--debug", "generate", full[:12])
    assert done.returncode == 0, done.stderr
    requests = [line for line in done.stderr.splitlines() if "unitgen: engine: " in line]
    api = docker("version", "--format", "{{.Server.APIVersion}}")
    # The version asked once, then the one inspect, at that version.
    assert requests == [
        f"unitgen: engine: GET /version -> API {api} ({socket_path()})",
        f"unitgen: engine: GET /v{api}/containers/{full[:12]}/json -> 200",
    ]


def test_status_by_name_with_the_engine_unreachable_shows_the_unit(
    topo: Topology, tmp_path: Path
) -> None:
    root = image_root(tmp_path)
    name = topo.create("down")
    assert unitgen("install", "--root", str(root), name).returncode == 0
    done = unitgen(
        "status", "--root", str(root), name, env={"DOCKER_HOST": f"unix://{tmp_path}/no.sock"}
    )
    assert done.returncode == 0, done.stderr
    assert f"DOCKER    unknown: inspecting container {name}: cannot reach" in done.stdout
