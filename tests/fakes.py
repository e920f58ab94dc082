"""Fakes shared by the pure tests: an engine that answers from the recorded seed topology, and
image roots with what the units need. One module, so tests never import each other."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from tests.conftest import seed_graph
from unitgen.graph import compose_index, walk
from unitgen.model import ContainerSpec, NetworkSpec, RestartPolicy
from unitgen.ops import Unitgen


class FakeSource:
    """DockerSource's interface over the seed topology (tests/fixtures/inspect)."""

    def __init__(self) -> None:
        graph = seed_graph()
        self.containers: dict[str, ContainerSpec] = dict(graph.containers)
        self.networks: list[NetworkSpec] = list(graph.networks.values())
        self.policy_calls: list[tuple[str, str]] = []

    def snapshot(self) -> tuple[list[ContainerSpec], list[NetworkSpec]]:
        return list(self.containers.values()), self.networks

    def closure(self, names: list[str]) -> tuple[list[ContainerSpec], list[NetworkSpec]]:
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
