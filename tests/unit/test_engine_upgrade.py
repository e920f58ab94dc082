"""What an engine upgrade rewrites in `docker inspect` is no change to a unit: the units of
containers an older engine made render byte for byte the same after a newer engine migrated
them, so `unitgen drift` reports nothing the admin did not change (issue 23)."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.conftest import FIXTURES
from unitgen.engine.specs import spec_from_inspect
from unitgen.graph import Graph
from unitgen.model import RestartPolicy
from unitgen.units.render import Renderer, RenderOptions

RECORDED = json.loads((FIXTURES / "inspect/seed-containers.json").read_text())


def unit_text(containers: list[dict[str, Any]], name: str) -> str:
    names = {c["Id"]: c["Name"].lstrip("/") for c in containers}
    specs = [spec_from_inspect(c, names) for c in containers]
    graph = Graph.build(specs, [])
    return (
        Renderer(RenderOptions())
        .container(graph.containers[name], graph, RestartPolicy("always"))
        .text
    )


def migrated(change: Any) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = copy.deepcopy(RECORDED)
    for container in containers:
        change(container)
    return containers


def on_the_default_network(container: dict[str, Any]) -> bool:
    return bool(container["HostConfig"]["NetworkMode"] == "default")


def test_docker_26_1_rewriting_network_mode_default_to_bridge_changes_no_unit() -> None:
    plain = [c["Name"].lstrip("/") for c in RECORDED if on_the_default_network(c)]
    assert plain  # the fixture, recorded on Debian 12's 20.10, holds such containers

    def to_bridge(container: dict[str, Any]) -> None:
        if on_the_default_network(container):
            container["HostConfig"]["NetworkMode"] = "bridge"

    after = migrated(to_bridge)
    for name in plain:
        assert unit_text(after, name) == unit_text(RECORDED, name), name


def test_docker_25_storing_an_empty_restart_policy_as_no_changes_no_unit() -> None:
    def policy_no(container: dict[str, Any]) -> None:
        policy = container["HostConfig"].get("RestartPolicy") or {}
        if not policy.get("Name"):
            container["HostConfig"]["RestartPolicy"] = {"Name": "no", "MaximumRetryCount": 0}

    def policy_empty(container: dict[str, Any]) -> None:
        policy = container["HostConfig"].get("RestartPolicy") or {}
        if policy.get("Name") in ("", "no"):
            container["HostConfig"]["RestartPolicy"] = {"Name": "", "MaximumRetryCount": 0}

    old, new = migrated(policy_empty), migrated(policy_no)
    for container in RECORDED:
        name = container["Name"].lstrip("/")
        assert unit_text(new, name) == unit_text(old, name), name
