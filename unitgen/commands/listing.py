"""`unitgen list`: the units unitgen made, container and network units alike, with what
systemd, the unit files and the engine say of each.

`gather` is the edge: it reads the unit directory, asks systemd, and asks the engine unless
told not to; an engine that does not answer costs only the Docker column (`unknown`), never
the listing: what systemd and the files know is still true. Everything else is pure:
`rows` decides, `table` and `as_json` format.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from unitgen import schemas
from unitgen.errors import DockerUnavailable
from unitgen.host import systemd
from unitgen.units.installed import InstalledUnit

if TYPE_CHECKING:
    from unitgen.commands.manage import Unitgen
    from unitgen.graph import Graph

ANSWERED = "answered"
UNREACHABLE = "unreachable"
NOT_ASKED = "not-asked"


@dataclass(frozen=True)
class Row:
    unit: str
    kind: str  # container or network
    container: str | None
    network: str | None
    active: str  # ActiveState, or "offline"
    enabled: bool | None  # None for a network unit: never enabled, its containers pull it in
    docker: str  # running, stopped, recorded, present, gone or unknown
    edited: bool


@dataclass(frozen=True)
class Listing:
    docker: str  # answered, unreachable or not-asked
    docker_error: str | None
    rows: tuple[Row, ...]


def docker_state(unit: InstalledUnit, graph: Graph | None) -> str:
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


def rows(
    installed: Mapping[str, InstalledUnit],
    active: Mapping[str, str],
    enabled: Mapping[str, bool],
    graph: Graph | None,
) -> tuple[Row, ...]:
    """One row per unit file, by unit name (container units before network units)."""
    found = []
    for name in sorted(installed, key=lambda n: (installed[n].network is not None, n)):
        unit = installed[name]
        network = unit.network is not None
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
            )
        )
    return tuple(found)


def gather(app: Unitgen, *, with_docker: bool = True) -> Listing:
    installed = app.installed
    active = app.systemctl.active_states(list(installed))
    enabled = {n: systemd.enabled(app.root, n, u.target) for n, u in installed.items()}
    if not with_docker:
        return Listing(NOT_ASKED, None, rows(installed, active, enabled, None))
    try:
        graph = app.graph
    except DockerUnavailable as exc:
        return Listing(UNREACHABLE, str(exc), rows(installed, active, enabled, None))
    return Listing(ANSWERED, None, rows(installed, active, enabled, graph))


def table(listing: Listing) -> list[str]:
    """UNIT, CONTAINER (or the network), ACTIVE, ENABLED, DOCKER, EDITED; `-` where a column
    does not apply."""
    header = ("UNIT", "CONTAINER", "ACTIVE", "ENABLED", "DOCKER", "EDITED")
    body = [
        (
            r.unit,
            r.container if r.container is not None else f"(network {r.network})",
            r.active,
            "-" if r.enabled is None else ("yes" if r.enabled else "no"),
            r.docker,
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
