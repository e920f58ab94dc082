"""`unitgen list`: the units unitgen made, container and network units alike, with what
systemd, the unit files and the engine say of each.

`gather` is the edge: one view (commands/view.py) of the unit directory, systemd and, unless
told not to, the engine; an engine that does not answer costs only the Docker column
(`unknown`), never the listing: what systemd and the files know is still true. Everything else
is pure: `listing_of` and `rows` decide, `table` and `as_json` format.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Literal

from unitgen import schemas
from unitgen.commands.view import Engine, Host, HostView
from unitgen.commands.view import gather as gather_view
from unitgen.errors import DockerUnavailable
from unitgen.graph import Graph
from unitgen.model import ActiveState, ContainerState, HealthRun
from unitgen.units.installed import InstalledUnit

# Whether the engine was asked, and answered.
EngineAnswer = Literal["answered", "unreachable", "not-asked"]
ANSWERED: EngineAnswer = "answered"
UNREACHABLE: EngineAnswer = "unreachable"
NOT_ASKED: EngineAnswer = "not-asked"
# What the engine says of a unit's container (running, stopped; recorded: recreate mode, no
# container while the unit is stopped) or network (present); gone; unknown without an answer.
DockerState = Literal["running", "stopped", "recorded", "present", "gone", "unknown"]
# systemd's SubStates of a unit whose process died and which waits to be started again
# (auto-restart-queued: systemd 254 and later, once its restart job is queued).
WAITING_TO_RESTART = frozenset({"auto-restart", "auto-restart-queued"})


@dataclass(frozen=True)
class Row:
    unit: str
    kind: Literal["container", "network"]
    container: str | None
    network: str | None
    active: ActiveState
    enabled: bool | None  # None for a network unit: never enabled, its containers pull it in
    docker: DockerState
    edited: bool
    sub: str  # systemd's SubState ("" offline)
    restarts: int | None  # NRestarts: systemd's automatic restarts; None offline
    health: str | None  # the container's health status; None: no check, a network, unknown
    last_check: HealthRun | None  # the health check's last run

    @property
    def waiting_to_restart(self) -> bool:
        return self.sub in WAITING_TO_RESTART


@dataclass(frozen=True)
class Listing:
    docker: EngineAnswer
    docker_error: str | None
    rows: tuple[Row, ...]


def docker_state(unit: InstalledUnit, graph: Graph | None) -> DockerState:
    """What the engine says of the unit's container or network; unknown without an answer."""
    if graph is None:
        return "unknown"
    if unit.network is not None:
        return "present" if unit.network in graph.networks else "gone"
    spec = graph.containers.get(unit.container or "")
    if spec is None:
        # Recreate mode: no container while the unit is stopped, its record is what exists.
        return "recorded" if unit.recreate else "gone"
    return "running" if spec.running else "stopped"


def container_state(unit: InstalledUnit, graph: Graph | None) -> ContainerState | None:
    """What the engine said of the unit's container when it was inspected; None for a network
    unit, a container that is gone, or without an answer."""
    if graph is None or unit.network is not None:
        return None
    spec = graph.containers.get(unit.container or "")
    return None if spec is None else spec.state


def restarts(shown: Mapping[str, str]) -> int | None:
    """systemd's NRestarts, None when it said none (offline, or a systemd without it)."""
    value = shown.get("NRestarts", "")
    return int(value) if value.isdigit() else None


def rows(
    installed: Mapping[str, InstalledUnit],
    active: Mapping[str, ActiveState],
    enabled: Mapping[str, bool],
    graph: Graph | None,
    shown: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[Row, ...]:
    """One row per unit file, by unit name (container units before network units). SHOWN:
    `systemctl show` of each unit (None offline)."""
    found = []
    for name in sorted(installed, key=lambda n: (installed[n].network is not None, n)):
        unit = installed[name]
        network = unit.network is not None
        said = {} if shown is None else shown.get(name, {})
        state = container_state(unit, graph)
        found.append(
            Row(
                unit=name,
                kind="network" if network else "container",
                container=None if network else unit.container,
                network=unit.network,
                active=active[name],
                enabled=None if network else enabled[name],
                docker=docker_state(unit, graph),
                edited=unit.edited,
                sub=said.get("SubState", ""),
                restarts=restarts(said),
                health=None if state is None else state.health,
                last_check=None if state is None else state.last_check,
            )
        )
    return tuple(found)


def listing_of(view: HostView, docker: EngineAnswer, error: str | None = None) -> Listing:
    """The listing a view makes (pure); the Docker column only when the engine answered."""
    installed = view.installed
    units = view.state.units
    active = {n: units[n].active for n in installed}
    enabled = {n: units[n].enabled_for(u.target) for n, u in installed.items()}
    graph = view.graph if docker == ANSWERED else None
    shown = view.state.shown if view.online else None
    return Listing(docker, error, rows(installed, active, enabled, graph, shown))


def gather(host: Host, engine: Engine, *, with_docker: bool = True) -> Listing:
    if not with_docker:
        return listing_of(gather_view(host, None, render=False), NOT_ASKED)
    try:
        view = gather_view(host, engine, whole=True, render=False)
    except DockerUnavailable as exc:
        return listing_of(gather_view(host, None, render=False), UNREACHABLE, str(exc))
    return listing_of(view, ANSWERED)


def table(listing: Listing) -> list[str]:
    """UNIT, ACTIVE, RESTARTS, ENABLED, DOCKER, HEALTH, EDITED; `-` where a column does not
    apply. The unit's name says its container's or network's (docker-NAME.service,
    unitgen-network-NAME.service): within 100 columns for names like the seed's."""
    header = ("UNIT", "ACTIVE", "RESTARTS", "ENABLED", "DOCKER", "HEALTH", "EDITED")
    body = [
        (
            r.unit,
            # "activating" alone reads as a start under way: say that it waits to restart.
            "auto-restart" if r.waiting_to_restart else r.active,
            "-" if r.restarts is None else str(r.restarts),
            "-" if r.enabled is None else ("yes" if r.enabled else "no"),
            r.docker,
            _health(r),
            "yes" if r.edited else "no",
        )
        for r in listing.rows
    ]
    cells = [header, *body]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    ]


def _health(row: Row) -> str:
    if row.health is not None:
        return row.health
    return "unknown" if row.kind == "container" and row.docker == "unknown" else "-"


def as_json(listing: Listing) -> str:
    """The `list` document of unitgen.schemas."""
    return json.dumps(
        {
            "version": schemas.VERSION,
            "docker": listing.docker,
            "docker_error": listing.docker_error,
            "units": [asdict(r) for r in listing.rows],
        },
        indent=2,
    )
