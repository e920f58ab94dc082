"""What `unitgen drift` compares, gathered: the unit each container would get now, each unit's
state in systemd, the engine's unit, and recreate mode's records against the live containers.
Reads files and asks systemd and the engine; the comparing is drift.py's (pure).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unitgen.drift import compare as drift
from unitgen.errors import UnitgenError
from unitgen.host import inventory, systemd
from unitgen.options import UnitOptions
from unitgen.recreate import record
from unitgen.units.names import record_file
from unitgen.units.render import Renderer

if TYPE_CHECKING:
    from unitgen.commands.manage import Unitgen


def desired_texts(app: Unitgen) -> dict[str, str | Exception]:
    """The unit each managed, existing container would get now (or why it cannot)."""
    renderer = Renderer(app.renderer_options)
    texts: dict[str, str | Exception] = {}
    for name, unit in app.installed.items():
        spec = app.graph.containers.get(unit.container or "")
        if spec is None:
            continue
        if spec.name in app.graph.broken:
            texts[name] = app.graph.broken[spec.name]
            continue
        try:
            texts[name] = app.render_container(renderer, spec, app.graph, UnitOptions()).text
        except UnitgenError as exc:
            texts[name] = exc
    return texts


def unit_states(app: Unitgen) -> dict[str, drift.UnitState]:
    units = [n for n, u in app.installed.items() if u.container]
    shown = app.systemctl.show(units, "ActiveState", "UnitFileState")
    states = {}
    for unit in units:
        if app.online:
            fields = shown[unit]
            states[unit] = drift.UnitState(
                fields.get("ActiveState", "unknown"), fields.get("UnitFileState", "unknown")
            )
        else:
            enabled = systemd.enabled(app.root, unit, app.installed[unit].target)
            states[unit] = drift.UnitState("offline", "enabled" if enabled else "disabled")
    return states


def engine_state(app: Unitgen) -> drift.EngineState | None:
    if not (app.online and app.touches_docker):
        return None
    unit = app.engine.unit
    shown = app.systemctl.show([unit], "LoadState")[unit]
    return drift.EngineState(
        unit, shown.get("LoadState") not in ("not-found", None), app.engine.after
    )


def record_checks(app: Unitgen) -> dict[str, list[str] | None]:
    """Unit -> how its existing container differs from its record (None: the record cannot
    be read), for each installed recreate-mode unit. A container that does not exist now (its
    unit is stopped) is not compared: that is normal in recreate mode."""
    found: dict[str, list[str] | None] = {}
    for name, unit in app.installed.items():
        if not unit.recreate or unit.container is None:
            continue
        path = record_file(app.root, unit.container)
        try:
            text = inventory.read_text(path)
            stored = record.parse(text, str(path)) if text is not None else None
        except (OSError, UnitgenError):
            stored = None
        spec = app.graph.containers.get(unit.container)
        if stored is None:
            found[name] = None
        elif spec is not None and app.touches_docker:
            live = app.live_record(spec, app.options_for(spec, UnitOptions())[1])
            found[name] = record.differences(stored, live)
    return found
