"""Fakes shared by the pure tests: an engine that answers from the recorded seed topology, and
image roots with what the units need. One module, so tests never import each other."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.conftest import seed_graph
from unitgen.errors import DockerUnavailable
from unitgen.graph import compose_index, walk
from unitgen.model import ContainerSpec, ContainerState, NetworkSpec, RestartPolicy
from unitgen.ops import Unitgen


class FakeSource:
    """DockerSource's interface over the seed topology (tests/fixtures/inspect)."""

    def __init__(self) -> None:
        graph = seed_graph()
        self.containers: dict[str, ContainerSpec] = dict(graph.containers)
        self.networks: list[NetworkSpec] = list(graph.networks.values())
        self.policy_calls: list[tuple[str, str]] = []
        self.log_lines: dict[str, list[str]] = {}
        self.down = False  # the engine does not answer

    def _answer(self) -> None:
        if self.down:
            raise DockerUnavailable(
                "inspecting container: cannot reach the Docker engine at /run/docker.sock",
                "start it (systemctl start docker) or set DOCKER_HOST",
            )

    def state(self, name: str) -> ContainerState | None:
        self._answer()
        spec = self.containers.get(name)
        if spec is None:
            return None
        return ContainerState(
            status="running" if spec.running else "exited",
            health=("healthy" if spec.running else "unhealthy") if spec.health else None,
            restart_count=0,
            exit_code=0 if spec.running else 137,
            tty=False,
            started_at="2026-11-29T10:00:00Z",
            finished_at="",
        )

    def logs(self, name: str, tail: int, *, tty: bool) -> list[str]:
        self._answer()
        return self.log_lines.get(name, [])[-tail:]

    def snapshot(self) -> tuple[list[ContainerSpec], list[NetworkSpec]]:
        self._answer()
        return list(self.containers.values()), self.networks

    def closure(self, names: list[str]) -> tuple[list[ContainerSpec], list[NetworkSpec]]:
        self._answer()
        found = self.containers

        def fetch(level: list[str]) -> list[ContainerSpec]:
            return [found[n] for n in level if n in found]

        specs, networks = walk(names, fetch, compose_index(found.values()))
        return specs, [n for n in self.networks if n.name in networks]

    def set_restart_policy(self, name: str, policy: RestartPolicy) -> None:
        self.policy_calls.append((name, str(policy)))
        self.containers[name] = replace(self.containers[name], restart_policy=policy)


def image_root(path: Path) -> Path:
    """PATH made into an image root the units could run in: it has netcat-openbsd's nc."""
    nc = path / "bin/nc.openbsd"
    nc.parent.mkdir(parents=True, exist_ok=True)
    nc.write_text("#!/bin/sh\n")
    nc.chmod(0o755)
    return path


def app(root: Path, source: FakeSource) -> Unitgen:
    image_root(root)
    return Unitgen(root=str(root), source=lambda: source)  # type: ignore[arg-type,return-value]


def drop_in(
    root: Path,
    unit: str,
    text: str = "[Service]\nEnvironment=FOO=bar\n",
    *,
    name: str = "override.conf",
    runtime: bool = False,
) -> Path:
    """A drop-in where `systemctl edit [--runtime] UNIT` writes it, under ROOT."""
    base = "run/systemd/system" if runtime else "etc/systemd/system"
    path = root / base / f"{unit}.d" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
