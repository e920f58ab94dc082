"""The units a view asks for: each container's unit (and its networks'), rendered from what
was gathered (pure but for the template cache). Rendering reads no file and asks no engine:
the installed units, the records and the engine's unit are in the view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from unitgen.commands.view import HostView
from unitgen.errors import UnitgenError
from unitgen.model import ContainerSpec
from unitgen.options import UnitOptions
from unitgen.plan import actions as plan
from unitgen.units.names import container_unit_name
from unitgen.units.render import RenderedUnit, Renderer


def container_unit(
    view: HostView,
    renderer: Renderer,
    spec: ContainerSpec,
    flags: UnitOptions,
    *,
    with_record: bool = False,
) -> RenderedUnit:
    """Flags of this run over the flags an earlier run recorded over the labels; in
    recreate mode and with_record, the record the unit will create its container from."""
    installed = view.installed.get(container_unit_name(spec.name))
    policy = plan.effective_policy(spec.restart_policy, installed)
    chosen, effective = plan.options_for(spec, flags, installed)
    unit = renderer.container(spec, view.graph, policy, effective, recorded=chosen.as_flags())
    if not (with_record and effective.recreate):
        return unit
    record = view.records[spec.name]
    if isinstance(record, UnitgenError):
        raise record
    return replace(unit, record=record.text())


def render(
    view: HostView,
    names: Sequence[str],
    *,
    all_: bool = False,
    with_records: bool = False,
    also: Sequence[str] = (),
) -> plan.Desired:
    """The units of each named container's closure (every container's with all_), and of
    ALSO's, or why one could not be rendered: one container with a label naming nothing, or
    a value that cannot be written, costs only its own closure. The view's flags apply to the
    containers named, not to what they need, nor to ALSO."""
    graph = view.graph
    named = sorted(graph.containers) if all_ else list(dict.fromkeys(names))
    roots = [*named, *(n for n in also if n not in named)]
    flags = view.flags
    renderer = Renderer(view.render)
    cache: dict[str, RenderedUnit] = {}
    closures: dict[str, list[RenderedUnit]] = {}
    failed: list[tuple[str, UnitgenError]] = []
    for root in roots:
        try:
            units = []
            for name in graph.closure([root]):
                spec = graph.containers[name]
                if name not in cache:
                    chosen = flags if flags is not None and name in named else UnitOptions()
                    cache[name] = container_unit(
                        view, renderer, spec, chosen, with_record=with_records
                    )
                units.append(cache[name])
                for net in spec.networks:
                    key = f"network {net}"
                    if key not in cache:
                        cache[key] = renderer.network(graph.networks[net])
                    units.append(cache[key])
        except UnitgenError as exc:
            failed.append((root, exc))
            continue
        closures[root] = units
    single = not all_ and len(named) == 1
    return plan.Desired(closures, failed, graph.containers, single)


def desired(
    view: HostView, names: Sequence[str], *, all_: bool = False
) -> tuple[list[RenderedUnit], list[plan.Failure]]:
    """The units `names` need (dependencies first, then their networks), and the closures
    that could not be rendered."""
    found = render(view, names, all_=all_)
    if found.single and found.failed:
        raise found.failed[0][1]
    failed = [plan.Failure(r, str(e), e.exit_code) for r, e in found.failed]
    if failed and not found.closures:
        raise plan.failed_error(failed)
    return found.units(), failed
