"""Dependencies: what each kind of Docker relation becomes, closure, cycles."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from tests.conftest import seed_graph
from unitgen.errors import ContainerNotFound, DependencyError
from unitgen.graph import Graph, compose_index, compose_services, walk
from unitgen.model import ContainerSpec, Edge, RestartPolicy


def spec(name: str, **kw: object) -> ContainerSpec:
    base = ContainerSpec(
        name=name,
        id=name * 4,
        image="img",
        image_id="sha256:1",
        restart_policy=RestartPolicy(),
        stop_timeout=10,
        health=None,
        binds=(),
        links=(),
        netns_container=None,
        networks=(),
        volumes_from=(),
        labels=(),
        running=True,
        spec_hash="h",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_seed_links_become_dependencies_of_the_proxy() -> None:
    graph = seed_graph()
    deps = {(d.kind, d.target) for d in graph.edges["seed-container1"]}
    assert deps == {(Edge.LINK, f"seed-container{i}") for i in (2, 3, 4)}


def test_seed_label_after_names_the_backends_and_the_network() -> None:
    deps = {(d.kind, d.target) for d in seed_graph().edges["seed-proxy"]}
    assert deps == {
        (Edge.NETWORK, "seed-net"),
        (Edge.LABEL_AFTER, "seed-backend1"),
        (Edge.LABEL_AFTER, "seed-backend2"),
    }


def test_seed_netns_volumes_from_and_compose_are_resolved_to_names() -> None:
    graph = seed_graph()
    assert [(d.kind, d.target) for d in graph.edges["seed-sidecar"]] == [(Edge.NETNS, "seed-proxy")]
    assert [(d.kind, d.target) for d in graph.edges["seed-reader"]] == [
        (Edge.VOLUMES_FROM, "seed-data")
    ]
    assert (Edge.COMPOSE, "seed-compose-db-1") in {
        (d.kind, d.target) for d in graph.edges["seed-compose-web-1"]
    }


def test_closure_lists_dependencies_before_dependants() -> None:
    order = seed_graph().closure(["seed-sidecar"])
    assert order == ["seed-backend1", "seed-backend2", "seed-proxy", "seed-sidecar"]


def test_a_cycle_is_an_error_that_names_it() -> None:
    a = spec("aa", links=("bb",))
    b = spec("bb", labels=(("unitgen.after", "aa"),))
    graph = Graph.build([a, b], [])
    with pytest.raises(DependencyError, match=r"dependency cycle: aa -> bb -> aa"):
        graph.closure(["aa"])


def test_a_missing_link_target_names_both_containers() -> None:
    graph = Graph.build([spec("aa", links=("gone",)), spec("bb")], [])
    assert graph.closure(["bb"]) == ["bb"]  # a broken container elsewhere blocks nothing
    with pytest.raises(DependencyError, match="container aa needs container gone"):
        graph.closure(["aa"])


def test_a_label_with_a_bad_name_is_refused_naming_the_label() -> None:
    with pytest.raises(DependencyError, match=re.escape("label unitgen.after='x y'")):
        Graph.build([spec("aa", labels=(("unitgen.after", "x y"),))], []).closure(["aa"])


def test_compose_depends_on_label_yields_service_names() -> None:
    assert compose_services("db:service_healthy:false, cache:service_started:true") == [
        "db",
        "cache",
    ]


def test_compose_dependency_without_a_container_is_an_error() -> None:
    web = spec(
        "web",
        labels=(
            ("com.docker.compose.depends_on", "db:service_started:false"),
            ("com.docker.compose.project", "p"),
        ),
    )
    with pytest.raises(DependencyError, match="compose service 'db' of project 'p'"):
        Graph.build([web], []).closure(["web"])


def test_unknown_container_is_not_found_with_a_hint() -> None:
    with pytest.raises(ContainerNotFound, match="no container named nope; check the name"):
        seed_graph().closure(["nope"])


def test_the_spec_hash_ignores_the_order_docker_lists_links_in() -> None:
    from unitgen.engine.specs import spec_hash

    one = {"HostConfig": {"Links": ["/a:/c/a", "/b:/c/b"]}}
    two = {"HostConfig": {"Links": ["/b:/c/b", "/a:/c/a"]}}
    assert spec_hash(one) == spec_hash(two)


def test_walk_fetches_only_the_closure_a_level_at_a_time() -> None:
    graph = seed_graph()
    levels: list[list[str]] = []

    def fetch(level: list[str]) -> list[ContainerSpec]:
        levels.append(sorted(level))
        return [graph.containers[n] for n in level if n in graph.containers]

    specs, networks = walk(["seed-sidecar"], fetch, compose_index(graph.containers.values()))
    assert sorted(s.name for s in specs) == sorted(graph.closure(["seed-sidecar"]))
    assert levels[0] == ["seed-sidecar"]
    assert sum(len(level) for level in levels) == len(specs)  # nothing fetched twice
    assert networks == ["seed-net"]


def test_walk_leaves_a_missing_dependency_for_the_graph_to_report() -> None:
    lonely = spec("app", links=("gone",))
    specs, _ = walk(["app"], lambda level: [lonely] if "app" in level else [], {})
    with pytest.raises(DependencyError, match="needs container gone"):
        Graph.build(specs, []).closure(["app"])
