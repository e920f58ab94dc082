"""The dependency graph between containers and networks (pure).

Each container's needs come from Docker's own state (links, `--network container:X`,
`--volumes-from`, user-defined networks, compose's depends_on label) and from unitgen's labels
for what Docker cannot express (`unitgen.requires=`, `unitgen.after=`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from unitgen.errors import ContainerNotFound, DependencyError, UnitgenError
from unitgen.model import CONTAINER_NAME_RE, ContainerSpec, Dependency, Edge, NetworkSpec

LABEL_REQUIRES = "unitgen.requires"
LABEL_AFTER = "unitgen.after"
COMPOSE_DEPENDS_ON = "com.docker.compose.depends_on"
_NAME = re.compile(CONTAINER_NAME_RE)


def _label_names(spec: ContainerSpec, label: str) -> list[str]:
    raw = spec.label(label)
    if raw is None:
        return []
    names = [part.strip() for part in raw.split(",") if part.strip()]
    for name in names:
        if not _NAME.fullmatch(name.lstrip("/")):
            raise DependencyError(
                f"container {spec.name}: label {label}={raw!r} names {name!r}, "
                "which is not a container name",
                "list container names separated by commas",
            )
    return [name.lstrip("/") for name in names]


def compose_services(raw: str) -> list[str]:
    """Service names from Compose v2's `svc:condition:restart,...` depends_on label."""
    return [part.split(":", 1)[0].strip() for part in raw.split(",") if part.strip()]


ComposeIndex = Mapping[tuple[str, str], list[str]]


def compose_index(containers: Iterable[ContainerSpec]) -> dict[tuple[str, str], list[str]]:
    """(project, service) -> container names, so resolving depends_on is not quadratic."""
    index: dict[tuple[str, str], list[str]] = {}
    for spec in sorted(containers, key=lambda c: c.name):
        project, service = spec.compose_project, spec.compose_service
        if project is not None and service is not None:
            index.setdefault((project, service), []).append(spec.name)
    return index


def walk(
    roots: Iterable[str],
    fetch: Callable[[list[str]], Iterable[ContainerSpec]],
    index: ComposeIndex,
) -> tuple[list[ContainerSpec], list[str]]:
    """The specs of `roots` and of everything they need, transitively, fetched a level at a
    time (so a caller can fetch each level concurrently), and the networks they are on.

    For `generate NAME` on a host with hundreds of containers: only the closure is inspected.
    A dependency that cannot be resolved is left for `Graph.build` to report.
    """
    seen: set[str] = set()
    specs: list[ContainerSpec] = []
    networks: list[str] = []
    level = list(dict.fromkeys(roots))
    while level:
        seen.update(level)
        following: list[str] = []
        for spec in fetch(level):
            specs.append(spec)
            try:
                deps = direct_dependencies(spec, index)
            except UnitgenError:
                continue
            for dep in deps:
                if dep.kind is Edge.NETWORK:
                    networks += [] if dep.target in networks else [dep.target]
                elif dep.target not in seen and dep.target not in following:
                    following.append(dep.target)
        level = following
    return specs, networks


def _compose_dependencies(spec: ContainerSpec, index: ComposeIndex) -> list[Dependency]:
    raw = spec.label(COMPOSE_DEPENDS_ON)
    project = spec.compose_project
    if not raw or project is None:
        return []
    found: list[Dependency] = []
    for service in compose_services(raw):
        peers = index.get((project, service), [])
        if not peers:
            raise DependencyError(
                f"container {spec.name}: compose service {service!r} of project {project!r} "
                "(from its depends_on label) has no container",
                f"create it first (docker compose -p {project} create {service})",
            )
        found.extend(Dependency(Edge.COMPOSE, peer, service) for peer in peers)
    return found


def _check_targets(
    name: str,
    deps: Iterable[Dependency],
    containers: Mapping[str, ContainerSpec],
    networks: Mapping[str, NetworkSpec],
) -> None:
    for dep in deps:
        known = networks if dep.kind is Edge.NETWORK else containers
        if dep.target not in known:
            what = "network" if dep.kind is Edge.NETWORK else "container"
            raise DependencyError(
                f"container {name} needs {what} {dep.target} ({dep.kind.value}), "
                "which does not exist",
                f"create {dep.target} or fix {name}'s configuration",
            )


def direct_dependencies(spec: ContainerSpec, index: ComposeIndex) -> list[Dependency]:
    """What `spec` needs, in a stable order, without duplicates (the strongest edge wins)."""
    deps: list[Dependency] = []
    deps += [Dependency(Edge.NETWORK, net) for net in spec.networks]
    if spec.netns_container:
        deps.append(Dependency(Edge.NETNS, spec.netns_container))
    deps += [Dependency(Edge.LINK, name) for name in spec.links]
    deps += [Dependency(Edge.VOLUMES_FROM, name) for name in spec.volumes_from]
    deps += _compose_dependencies(spec, index)
    deps += [Dependency(Edge.LABEL_REQUIRES, n) for n in _label_names(spec, LABEL_REQUIRES)]
    deps += [Dependency(Edge.LABEL_AFTER, n) for n in _label_names(spec, LABEL_AFTER)]
    seen: set[tuple[bool, str]] = set()
    unique = []
    for dep in deps:
        key = (dep.kind is Edge.NETWORK, dep.target)
        if key not in seen and not (dep.kind is not Edge.NETWORK and dep.target == spec.name):
            seen.add(key)
            unique.append(dep)
    return unique


@dataclass(frozen=True)
class Graph:
    containers: Mapping[str, ContainerSpec]
    networks: Mapping[str, NetworkSpec]
    edges: Mapping[str, tuple[Dependency, ...]]
    # Containers whose dependencies cannot be resolved, and why. Reported only when a command
    # touches them: one broken container elsewhere on the host must not block the others.
    broken: Mapping[str, UnitgenError]

    @classmethod
    def build(cls, containers: Iterable[ContainerSpec], networks: Iterable[NetworkSpec]) -> Graph:
        by_name = {spec.name: spec for spec in containers}
        nets = {net.name: net for net in networks}
        edges: dict[str, tuple[Dependency, ...]] = {}
        broken: dict[str, UnitgenError] = {}
        index = compose_index(by_name.values())
        for name, spec in by_name.items():
            try:
                edges[name] = tuple(direct_dependencies(spec, index))
                _check_targets(name, edges[name], by_name, nets)
            except UnitgenError as exc:
                broken[name] = exc
                edges.setdefault(name, ())
        return cls(by_name, nets, edges, broken)

    def container_deps(self, name: str) -> list[Dependency]:
        return [d for d in self.edges[name] if d.kind is not Edge.NETWORK]

    def closure(self, names: Iterable[str]) -> list[str]:
        """`names` and everything they need, transitively, dependencies first.

        A cycle among them raises DependencyError naming it.
        """
        names = list(names)
        for name in names:
            if name not in self.containers:
                raise ContainerNotFound(
                    f"no container named {name}",
                    "check the name with `docker ps -a`",
                )
        order: list[str] = []
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done
        for root in names:
            self._visit(root, state, order, [])
        return order

    def topological_order(self) -> list[str]:
        """Every container, dependencies first."""
        return self.closure(sorted(self.containers))

    def _visit(self, name: str, state: dict[str, int], order: list[str], path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if name in self.broken:
            raise self.broken[name]
        if state.get(name) == 1:
            cycle = [*path[path.index(name) :], name]
            raise DependencyError(
                "dependency cycle: " + " -> ".join(cycle),
                "remove one of these links or unitgen labels; nothing was written",
            )
        state[name] = 1
        path.append(name)
        for dep in sorted(self.container_deps(name), key=lambda d: d.target):
            self._visit(dep.target, state, order, path)
        path.pop()
        state[name] = 2
        order.append(name)


def started_after(spec: ContainerSpec) -> list[tuple[str, str]]:
    """The containers the engine itself must find running when it starts SPEC, each with how
    SPEC needs it: a link, a shared network namespace. (A --volumes-from source need only
    exist; compose's depends_on and unitgen's labels are not the engine's business.) At boot
    the engine starts the containers of its restart policies at once, before any unit, so
    such a container cannot stay with Docker while a unit runs what it needs."""
    found = [(link, "links to") for link in spec.links]
    if spec.netns_container:
        found.append((spec.netns_container, "shares the network namespace of"))
    return found
