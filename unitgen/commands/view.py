"""The one gathering of a command: everything it needs from the host and the engine, read
once into a frozen HostView before anything is decided.

`gather` is the edge (Quadlet's parse, updater's injected Engine): it reads the unit files,
asks systemd once (`systemctl show` of every unit concerned, after the engine's unit is found),
asks the engine for its containers once (the closure of the names, or all of them) and for the
records recreate mode needs, and runs policy-rc.d when a run may start units. Rendering,
planning, drift, listing, status and watch are then functions of the view
(commands/desired.py, commands/manage.py, ...); applying (host/apply.py) is the only step
that writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from unitgen.errors import UnitgenError, UsageError
from unitgen.graph import Graph
from unitgen.host import inventory, systemd
from unitgen.host import snapshot as host_snapshot
from unitgen.host.snapshot import resolve_root
from unitgen.model import ContainerSpec, ContainerState, EngineFacts, NetworkSpec, RestartPolicy
from unitgen.options import UnitOptions
from unitgen.plan.actions import options_for
from unitgen.plan.state import HostState
from unitgen.units.installed import InstalledUnit
from unitgen.units.names import container_unit_name, network_unit_name
from unitgen.units.render import RenderOptions
from unitgen.units.scope import SYSTEM, Scope, current_user_scope

if TYPE_CHECKING:
    # Imported for types only: `generate`, whose start-up is a target, makes no record.
    from unitgen.recreate.record import Logs, Record


class Engine(Protocol):
    """What the commands ask of the engine (DockerSource; tests/fakes.py FakeSource)."""

    def snapshot(self) -> tuple[list[ContainerSpec], list[NetworkSpec]]: ...
    def closure(self, names: Sequence[str]) -> tuple[list[ContainerSpec], list[NetworkSpec]]: ...
    def resolve(self, ref: str) -> str | None: ...
    def record_of(self, name: str, *, unit: str, logs: Logs) -> Record: ...
    def engine_pid(self) -> int | None: ...
    def live_restore(self) -> bool: ...
    def state(self, container: str) -> ContainerState | None: ...
    def logs(self, container: str, tail: int, *, tty: bool) -> list[str]: ...
    def set_restart_policy(self, container: str, policy: RestartPolicy) -> None: ...


@dataclass(frozen=True)
class Host:
    """Where a command works: the root (/ or an image), systemd there, the template overrides,
    and which manager's units (the system's, or with --user the user's own)."""

    root: Path
    systemctl: systemd.Systemctl
    templates: tuple[Path, ...] = ()
    scope: Scope = SYSTEM

    @classmethod
    def at(cls, root: str | None, templates: Sequence[Path] = (), *, user: bool = False) -> Host:
        """--root (else DPKG_ROOT, else /), and systemd online only for the running system;
        USER: the user's own manager (units/scope.py), on the running system only."""
        if user and (root is not None or os.environ.get("DPKG_ROOT")):
            raise UsageError(
                "--user works on the running system's user manager, not an image root "
                + ("(--root)" if root is not None else "(DPKG_ROOT is set)"),
                "leave out --root (and DPKG_ROOT), or --user",
            )
        scope = current_user_scope() if user else SYSTEM
        path = resolve_root(root)
        online = systemd.is_online(path, scope)
        return cls(
            path, systemd.Systemctl(path, online=online, scope=scope), tuple(templates), scope
        )

    @property
    def socket(self) -> str:
        """The engine's socket, as units reach it: DOCKER_HOST, else the current context, else
        this scope's own (/run/docker.sock; a user's $XDG_RUNTIME_DIR/docker.sock)."""
        from unitgen.engine.source import socket_path

        return socket_path(self.scope.default_socket)

    @property
    def online(self) -> bool:
        return self.systemctl.online

    @property
    def touches_docker(self) -> bool:
        """Docker's restart policies are changed only for the running system, not an image."""
        return self.root == Path("/")


@dataclass(frozen=True)
class HostView:
    """What one command knows, read once: the engine's graph (the closure of the names asked
    for, or every container with `whole`), the host's state (plan/state.py), how units are
    rendered here, and the records recreate mode makes containers from."""

    state: HostState
    graph: Graph
    whole: bool  # graph holds every container of the engine
    names: tuple[str, ...]  # the containers the command names (empty: all of them)
    render: RenderOptions
    flags: UnitOptions | None = None  # this run's generator options, for the containers named
    # Recreate mode: container -> the record it would get now (or why it cannot).
    records: Mapping[str, Record | UnitgenError] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.state.root

    @property
    def online(self) -> bool:
        return self.state.online

    @property
    def installed(self) -> Mapping[str, InstalledUnit]:
        return self.state.installed

    @property
    def touches_docker(self) -> bool:
        return self.state.touches_docker

    @property
    def roots(self) -> list[str]:
        """The containers this run's flags apply to: those named, else every one."""
        return list(self.names) if self.names else sorted(self.graph.containers)


def gather(
    host: Host,
    engine: Engine | None,
    names: Sequence[str] = (),
    *,
    whole: bool = False,
    flags: UnitOptions | None = None,
    render: bool = True,
    records: bool = False,
    facts: bool = True,
    may_start: bool = False,
    also_show: Sequence[str] = (),
    live_if_installed: bool = False,
) -> HostView:
    """The view for NAMES (their closure; every container with WHOLE, or without names).

    ENGINE None: the engine is not asked (the graph is empty). RENDER: how units are made
    here (systemd's version, the engine's unit). RECORDS: recreate mode's records, as the
    containers are now. FACTS: the unit files and systemd's states of every unit the graph
    and the unit directory hold (and ALSO_SHOW); MAY_START: policy-rc.d's verdicts too."""
    installed = inventory.scan(host.root, host.scope)
    if live_if_installed and not installed:
        engine = None
    whole = whole or not names
    graph = _graph(engine, names, whole=whole)
    engine_unit = _engine_unit(host, engine) if render and engine is not None else None
    live = _records(host, engine, graph, installed, names, flags) if records else {}
    if facts:
        units = [
            *(container_unit_name(n) for n in graph.containers),
            *(network_unit_name(n) for n in graph.networks),
        ]
        starting = list(units)
        units += also_show
        state = host_snapshot.gather(
            host.root,
            host.systemctl,
            installed,
            units,
            graph.containers,
            may_start=starting if may_start else None,
            recreated=[n for n, r in live.items() if not isinstance(r, UnitgenError)],
            also_show=[engine_unit] if engine_unit else [],
            scope=host.scope,
        )
        shown = state.shown
    else:
        state = _no_facts(host, installed, graph)
        shown = host.systemctl.show([engine_unit], "After") if engine_unit else {}
    facts_of_engine = EngineFacts()
    if engine_unit is not None and engine is not None:
        after = shown[engine_unit].get("After", "").split() if engine_unit else []
        facts_of_engine = EngineFacts(engine_unit, engine.live_restore(), frozenset(after))
    options = RenderOptions(
        docker_socket=host.socket,
        scope=host.scope,
        templates=host.templates,
        systemd_version=systemd.version(host.root) if render else None,
        engine=facts_of_engine,
    )
    return HostView(
        state=state,
        graph=graph,
        whole=whole,
        names=tuple(dict.fromkeys(names)),
        render=options,
        flags=flags,
        records=live,
    )


def resolve(
    host: Host,
    engine: Engine,
    refs: Sequence[str],
    *,
    units_too: bool = False,
    lenient: bool = False,
) -> list[str]:
    """REFS (names, /names, ids, id prefixes) as container names (engine/refs.py); with
    units_too, a container that is gone is found by its installed unit."""
    from unitgen.engine.refs import resolve as by_engine

    installed = inventory.scan(host.root, host.scope) if units_too else None
    return by_engine(refs, engine, installed, lenient=lenient)


def _graph(engine: Engine | None, names: Sequence[str], *, whole: bool) -> Graph:
    """Every container and network of the engine, or only NAMES' closure (on a host with
    hundreds of containers, `install web1` inspects what web1 needs)."""
    if engine is None:
        return Graph.build([], [])
    if whole:
        return Graph.build(*engine.snapshot())
    return Graph.build(*engine.closure(list(dict.fromkeys(names))))


def _engine_unit(host: Host, engine: Engine) -> str | None:
    """The engine's own unit, read from the running system: the service its socket unit
    activates, else the service its process runs in. None for an image root or without
    systemd (the units then take Debian's docker.service). For a user's units, the engine's
    unit in that user's manager (rootless Docker's docker.service); "" when the engine is not
    one of that manager's (the system's engine, reached through its socket), which a user's
    unit can then neither require nor be wanted by."""
    if not (host.online and host.touches_docker):
        return None
    unit = host.systemctl.socket_service(host.socket)
    if unit is None:
        pid = engine.engine_pid()
        unit = systemd.unit_of_pid(pid, host.scope) if pid is not None and pid != 1 else None
    if host.scope.user:
        return unit or ""
    return unit or EngineFacts.unit


def _records(
    host: Host,
    engine: Engine | None,
    graph: Graph,
    installed: Mapping[str, InstalledUnit],
    names: Sequence[str],
    flags: UnitOptions | None,
) -> dict[str, Record | UnitgenError]:
    """The record each container in recreate mode would get now: those whose options in
    effect say recreate, and (for drift, on the running system) those installed so."""
    if engine is None:
        return {}
    roots = set(names) if names else set(graph.containers)
    found: dict[str, Record | UnitgenError] = {}
    for name, spec in sorted(graph.containers.items()):
        unit = container_unit_name(name)
        chosen = flags if flags is not None and name in roots else UnitOptions()
        effective = options_for(spec, chosen, installed.get(unit))[1]
        was = installed.get(unit)
        if not (effective.recreate or (was is not None and was.recreate and host.touches_docker)):
            continue
        logs: Logs = "keep" if effective.logs == "keep" else "journal"
        try:
            found[name] = engine.record_of(name, unit=unit, logs=logs)
        except UnitgenError as exc:
            found[name] = exc
    return found


def _no_facts(host: Host, installed: Mapping[str, InstalledUnit], graph: Graph) -> HostState:
    """The state of a command that looks at no unit's state (generate, graph, export)."""
    return HostState(
        root=host.root,
        online=host.online,
        installed=installed,
        units={},
        helper_digest=None,
        missing_programs=(),
        may_start=None,
        policy_rc_d=False,
        live=graph.containers,
        scope=host.scope,
    )
