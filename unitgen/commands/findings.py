"""drift and diff of a gathered view (pure): what each unit would be now, systemd's states,
the engine's unit and recreate mode's records, compared by drift/compare.py."""

from __future__ import annotations

from collections.abc import Sequence

from unitgen.commands.desired import container_unit, desired
from unitgen.commands.view import Engine, Host, HostView, gather
from unitgen.drift import compare
from unitgen.drift.compare import Finding
from unitgen.errors import ContainerNotFound, UnitgenError
from unitgen.model import active_state
from unitgen.options import UnitOptions
from unitgen.plan import actions as plan
from unitgen.recreate import record
from unitgen.units.names import container_unit_name
from unitgen.units.render import Renderer


def desired_texts(view: HostView) -> dict[str, str | Exception]:
    """The unit each managed, existing container would get now (or why it cannot)."""
    renderer = Renderer(view.render)
    texts: dict[str, str | Exception] = {}
    for name, unit in view.installed.items():
        spec = view.graph.containers.get(unit.container or "")
        if spec is None:
            continue
        if spec.name in view.graph.broken:
            texts[name] = view.graph.broken[spec.name]
            continue
        try:
            texts[name] = container_unit(view, renderer, spec, UnitOptions()).text
        except UnitgenError as exc:
            texts[name] = exc
    return texts


def unit_states(view: HostView) -> dict[str, compare.UnitState]:
    states = {}
    for unit, installed in view.installed.items():
        if not installed.container:
            continue
        if view.online:
            fields = view.state.shown[unit]
            states[unit] = compare.UnitState(
                active_state(fields.get("ActiveState")), fields.get("UnitFileState", "unknown")
            )
        else:
            enabled = view.state.units[unit].enabled_for(installed.target)
            states[unit] = compare.UnitState("offline", "enabled" if enabled else "disabled")
    return states


def engine_state(view: HostView) -> compare.EngineState | None:
    if not (view.online and view.touches_docker):
        return None
    engine = view.render.engine
    if not engine.unit:  # a user's units for an engine outside that user's manager
        return None
    shown = view.state.shown.get(engine.unit, {})
    return compare.EngineState(
        engine.unit, shown.get("LoadState") not in ("not-found", None), engine.after
    )


def record_checks(view: HostView) -> dict[str, list[str] | None]:
    """Unit -> how its existing container differs from its record (None: the record cannot
    be read), for each installed recreate-mode unit. A container that does not exist now (its
    unit is stopped) is not compared: that is normal in recreate mode."""
    found: dict[str, list[str] | None] = {}
    for name, unit in view.installed.items():
        if not unit.recreate or unit.container is None:
            continue
        path, text = view.state.records.get(unit.container, (None, None))
        try:
            stored = record.parse(text, str(path)) if text is not None else None
        except UnitgenError:
            stored = None
        if stored is None:
            found[name] = None
        elif unit.container in view.graph.containers and view.touches_docker:
            live = view.records[unit.container]
            if isinstance(live, UnitgenError):
                raise live
            found[name] = record.differences(stored, live)
    return found


def drift(view: HostView, names: Sequence[str] = ()) -> list[Finding]:
    """Drift of NAMES (container names), or of everything; fixes say --root."""
    managed = {u.container for u in view.installed.values()}
    for name in (n for n in names if n not in view.graph.containers and n not in managed):
        raise ContainerNotFound(f"no container and no unit named {name}", "see `unitgen list`")
    found = compare.findings(
        view.installed,
        view.graph,
        desired_texts(view),
        unit_states(view),
        helper_digest=view.state.helper_digest,
        engine=engine_state(view),
        only=set(names) if names else None,
        handed_over=view.online and view.touches_docker,
        records=record_checks(view),
        not_lingering=view.state.scope.user_name if view.state.lingering is False else None,
    )
    if view.state.scope.user:
        return compare.user_scoped(found)
    return compare.rooted(found, view.root)


def diff(view: HostView, names: Sequence[str], *, all_: bool = False) -> tuple[str, bool]:
    """Unified diff: installed unit -> what would be generated now, then one line per
    drop-in (never compared: the admin's customisation); and whether any unit differs.
    With all_, every unit unitgen made; one whose container is gone differs."""
    from unitgen.drift.report import unit_diff

    plan.require_names(names, all_=all_, command="diff")
    gone: list[str] = []
    recorded: list[str] = []  # recreate mode, unit stopped: no container, nothing to diff
    if all_:
        managed = {u.container: u for u in view.installed.values() if u.container}
        names = [n for n in sorted(managed) if n in view.graph.containers]
        absent = [n for n in sorted(managed) if n not in view.graph.containers]
        recorded = [n for n in absent if managed[n].recreate]
        gone = [n for n in absent if not managed[n].recreate]
    units, failed = desired(view, names) if names else ([], [])
    if failed:
        raise plan.failed_error(failed)
    out = [f"# {container_unit_name(n)}: its container {n} is gone (orphan)\n" for n in gone]
    out += [
        f"# {container_unit_name(n)}: recreate mode, no container now (made at its start)\n"
        for n in recorded
    ]
    changed = bool(gone)
    for unit in (u for u in units if u.container in names):
        facts = view.state.units[unit.name]
        lines = unit_diff(unit.name, facts.text or "", unit.text)
        changed = changed or bool(lines)
        # diff compares unitgen's file only; an admin's drop-ins are kept as they are.
        out += [*lines, *(f"# drop-in kept as it is: {d}\n" for d in facts.drop_ins)]
    return "".join(out), changed


# --- the commands: gather once, then compare ---------------------------------------------


def check(host: Host, engine: Engine, names: Sequence[str] = ()) -> list[Finding]:
    """`unitgen drift`: every container's view (the records included), then its drift."""
    return drift(gather(host, engine, whole=True, records=True), names)


def compare_units(
    host: Host, engine: Engine, names: Sequence[str], *, all_: bool = False
) -> tuple[str, bool]:
    """`unitgen diff`: NAMES' closures (every container with all_), then the diff."""
    return diff(gather(host, engine, names, whole=all_), names, all_=all_)
