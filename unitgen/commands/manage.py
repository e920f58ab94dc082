"""The library API the CLI is a client of: generate, plan and apply install/uninstall, list.

Data flows one way: Docker -> specs -> graph -> desired units -> plan -> apply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unitgen.engine.source import socket_path
from unitgen.errors import ContainerNotFound, UnitgenError
from unitgen.graph import Graph
from unitgen.host import inventory, systemd
from unitgen.host import snapshot as host
from unitgen.host.snapshot import resolve_root
from unitgen.model import ContainerSpec, EngineFacts
from unitgen.options import UnitOptions, from_labels
from unitgen.plan import actions as plan
from unitgen.plan.state import HostState
from unitgen.units.installed import InstalledUnit
from unitgen.units.names import container_unit_name, unit_dir
from unitgen.units.render import RenderedUnit, Renderer, RenderOptions


class _Lazy:
    """A module imported when one of its names is first read."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self._name), attr)


if TYPE_CHECKING:
    from unitgen.drift import compare as drift
    from unitgen.drift import gather as drift_inputs
    from unitgen.drift.compare import Finding
    from unitgen.engine.source import DockerSource
    from unitgen.plan import decide as planning
    from unitgen.recreate.record import Logs, Record
else:
    # `generate`, the command whose start-up is a target, needs neither: they are imported
    # on first use (what each one does is in its own docstring).
    drift, drift_inputs, planning = (
        _Lazy(f"unitgen.{m}") for m in ("drift.compare", "drift.gather", "plan.decide")
    )

Report = Callable[[str], None]


class Unitgen:
    def __init__(
        self,
        *,
        root: str | None = None,
        templates: Sequence[Path] = (),
        source: Callable[[], DockerSource] | None = None,
    ) -> None:
        self.root = resolve_root(root)
        self._source_factory = source
        self._templates = tuple(templates)
        self.online = systemd.is_online(self.root)
        self.systemctl = systemd.Systemctl(self.root, online=self.online)
        self._whole: Graph | None = None  # the whole host's graph, once read

    @cached_property
    def renderer_options(self) -> RenderOptions:
        return RenderOptions(
            docker_socket=socket_path(),
            templates=self._templates,
            systemd_version=systemd.version(self.root),
            engine=self.engine,
        )

    @cached_property
    def engine(self) -> EngineFacts:
        """The engine's own unit, read from the running system: the service its socket unit
        activates, else the service its process runs in; its ordering; live-restore. For an
        image root or without systemd: Debian's docker.service."""
        if not (self.online and self.touches_docker):
            return EngineFacts()
        unit = self.systemctl.socket_service(socket_path())
        if unit is None:
            pid = self.source.engine_pid()
            unit = systemd.unit_of_pid(pid) if pid is not None and pid != 1 else None
        unit = unit or EngineFacts.unit
        after = self.systemctl.show([unit], "After")[unit].get("After", "").split()
        return EngineFacts(unit, self.source.live_restore(), frozenset(after))

    # --- inputs -------------------------------------------------------------------------

    @cached_property
    def source(self) -> DockerSource:
        if self._source_factory is not None:
            return self._source_factory()
        from unitgen.engine.source import DockerSource

        return DockerSource()

    @property
    def graph(self) -> Graph:
        """Every container and network of the engine, read once."""
        if self._whole is None:
            self._whole = Graph.build(*self.source.snapshot())
        return self._whole

    @cached_property
    def installed(self) -> dict[str, InstalledUnit]:
        return inventory.scan(self.root)

    @property
    def touches_docker(self) -> bool:
        """Docker's restart policies are changed only for the running system, not an image."""
        return self.root == Path("/")

    def resolve(
        self, refs: Sequence[str], *, units_too: bool = False, lenient: bool = False
    ) -> list[str]:
        """REFS (names, /names, ids, id prefixes) as container names (refs.resolve); with
        units_too, a container that is gone is found by its installed unit."""
        from unitgen.engine.refs import resolve

        return resolve(refs, self.source, self.installed if units_too else None, lenient=lenient)

    # --- generate -----------------------------------------------------------------------

    def _graph_for(self, names: Sequence[str], all_: bool) -> Graph:
        """The whole host's graph when it is needed or already read; else only `names`' closure
        (on a host with hundreds of containers, `install web1` inspects what web1 needs)."""
        if all_ or self._whole is not None:
            return self.graph
        containers, networks = self.source.closure(names)
        return Graph.build(containers, networks)

    def dependency_graph(self, names: Sequence[str], *, all_: bool = False) -> Graph:
        """The graph of NAMES' closure (of every container with all_), as `graph` draws it."""
        return self._graph_for(names, all_)

    def desired(
        self, names: Sequence[str], *, all_: bool = False, options: UnitOptions | None = None
    ) -> tuple[list[RenderedUnit], list[plan.Failure]]:
        """The units `names` need (dependencies first, then their networks), and the closures
        that could not be rendered. `options` (flags of this run) apply to the containers
        named, not to what they need."""
        _, desired = self._render(names, all_, options)
        if desired.single and desired.failed:
            raise desired.failed[0][1]
        failed = [plan.Failure(r, str(e), e.exit_code) for r, e in desired.failed]
        if failed and not desired.closures:
            raise plan.failed_error(failed)
        return desired.units(), failed

    def render_container(
        self,
        renderer: Renderer,
        spec: ContainerSpec,
        graph: Graph,
        flags: UnitOptions,
        *,
        with_record: bool = False,
    ) -> RenderedUnit:
        """Flags of this run over the flags an earlier run recorded over the labels; in
        recreate mode and with_record, the record the unit will create its container from."""
        installed = self.installed.get(container_unit_name(spec.name))
        policy = plan.effective_policy(spec.restart_policy, installed)
        chosen, effective = self.options_for(spec, flags)
        unit = renderer.container(spec, graph, policy, effective, recorded=chosen.as_flags())
        if not (with_record and effective.recreate):
            return unit
        return replace(unit, record=self.live_record(spec, effective).text())

    def options_for(
        self, spec: ContainerSpec, flags: UnitOptions
    ) -> tuple[UnitOptions, UnitOptions]:
        """The options to record (flags over recorded flags) and those in effect (over labels)."""
        installed = self.installed.get(container_unit_name(spec.name))
        chosen = flags.over(installed.options if installed else UnitOptions())
        return chosen, chosen.over(from_labels(spec.labels, spec.name))

    def live_record(self, spec: ContainerSpec, effective: UnitOptions) -> Record:
        """The record the container SPEC would get now (recreate mode)."""
        logs: Logs = "keep" if effective.logs == "keep" else "journal"
        return self.source.record_of(spec.name, unit=container_unit_name(spec.name), logs=logs)

    def _render(
        self,
        names: Sequence[str],
        all_: bool,
        flags: UnitOptions | None = None,
        *,
        with_records: bool = False,
    ) -> tuple[Graph, plan.Desired]:
        """The units of each named container's closure (every container's with all_), or why
        it could not be rendered: one container with a label naming nothing, or a value that
        cannot be written, costs only its own closure."""
        graph = self._graph_for(names, all_)
        roots = sorted(graph.containers) if all_ else list(dict.fromkeys(names))
        renderer = Renderer(self.renderer_options)
        cache: dict[str, RenderedUnit] = {}
        closures: dict[str, list[RenderedUnit]] = {}
        failed: list[tuple[str, UnitgenError]] = []
        for root in roots:
            try:
                units = []
                for name in graph.closure([root]):
                    spec = graph.containers[name]
                    if name not in cache:
                        chosen = flags if flags is not None and name in roots else UnitOptions()
                        cache[name] = self.render_container(
                            renderer, spec, graph, chosen, with_record=with_records
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
        single = not all_ and len(roots) == 1
        return graph, plan.Desired(closures, failed, graph.containers, single)

    def _host(
        self,
        targets: Mapping[str, tuple[str, ...]],
        live: Mapping[str, ContainerSpec],
        *,
        dry_run: bool,
        recreated: Sequence[str] = (),
    ) -> HostState:
        return host.gather(
            self.root,
            self.systemctl,
            self.installed,
            targets,
            live,
            ask_policy_rc_d=not dry_run,
            recreated=recreated,
        )

    # --- install, uninstall, sync, adopt: gather, then decide (planning.py) ------------

    def plan_install(
        self,
        names: Sequence[str],
        *,
        all_: bool = False,
        force: bool = False,
        start: bool = True,
        options: UnitOptions | None = None,
        dry_run: bool = False,
    ) -> plan.Plan:
        plan.require_names(names, all_=all_, command="install")
        graph, desired = self._render(names, all_, options, with_records=True)
        targets = {u.name: u.wanted_by for u in desired.units()}
        recreated = [u.container for u in desired.units() if u.container and u.record]
        state = self._host(targets, graph.containers, dry_run=dry_run, recreated=recreated)
        return planning.install(desired, state, force=force, start=start)

    def plan_uninstall(
        self,
        names: Sequence[str],
        *,
        all_: bool = False,
        force: bool = False,
        keep_running: bool = False,
        dry_run: bool = False,
    ) -> plan.Plan:
        """Remove the units of NAMES (every unitgen unit with all_, and networks no unit needs
        any more) and restore Docker's restart policies; with keep_running, hand the
        containers back running."""
        plan.require_names(names, all_=all_, command="uninstall")
        if all_:
            names = sorted(u.container for u in self.installed.values() if u.container)
        live = self.graph.containers if self.touches_docker and self.installed else {}
        state = self._host({}, live, dry_run=dry_run)
        return planning.uninstall(names, state, force=force, keep_running=keep_running)

    def plan_sync(
        self, *, prune: bool = False, force: bool = False, dry_run: bool = False
    ) -> plan.Plan:
        """Regenerate stale and recreated units, fix policy conflicts, prune orphans."""
        found = self.drift()
        targets = planning.sync_targets(found, force=force)
        result = plan.Plan()
        if targets.regenerate:
            try:
                result = self.plan_install(
                    targets.regenerate, force=force, start=False, dry_run=dry_run
                )
            except UnitgenError as exc:  # the one target's closure failed; the rest goes on
                result = plan.Plan(
                    failed=[plan.Failure(targets.regenerate[0], str(exc), exc.exit_code)]
                )
        state = self._host({}, self.graph.containers, dry_run=dry_run)
        if not result.files and self.installed:
            result = result.merge(
                plan.Plan(files=planning.helper_actions(state, needed=True, force=force))
            )
        if targets.orphans and prune:
            result = result.merge(self.plan_uninstall(targets.orphans, force=True, dry_run=dry_run))
        return result.merge(planning.sync_rest(found, targets, state, prune=prune))

    def plan_adopt(
        self,
        names: Sequence[str] = (),
        *,
        options: UnitOptions | None = None,
        dry_run: bool = False,
    ) -> plan.Plan:
        """Install units for containers that rely on Docker's restart policy."""
        targets = planning.adopt_targets(names, self.graph.containers, self.installed)
        if not targets:
            return plan.Plan(
                notes=["no container relies on a Docker restart policy without a unit"]
            )
        return self.plan_install(targets, options=options, dry_run=dry_run)

    # --- drift -------------------------------------------------------------------------

    def drift(self, names: Sequence[str] = ()) -> list[Finding]:
        """Drift of NAMES (container names: see resolve), or of everything; fixes say --root."""
        managed = {u.container for u in self.installed.values()}
        for name in (n for n in names if n not in self.graph.containers and n not in managed):
            raise ContainerNotFound(f"no container and no unit named {name}", "see `unitgen list`")
        found = drift.findings(
            self.installed,
            self.graph,
            drift_inputs.desired_texts(self),
            drift_inputs.unit_states(self),
            helper_digest=inventory.helper_digest(self.root),
            engine=drift_inputs.engine_state(self),
            only=set(names) if names else None,
            handed_over=self.online and self.touches_docker,
            records=drift_inputs.record_checks(self),
        )
        return drift.rooted(found, self.root)

    def diff(self, names: Sequence[str], *, all_: bool = False) -> tuple[str, bool]:
        """Unified diff: installed unit -> what would be generated now, then one line per
        drop-in (never compared: the admin's customisation); and whether any unit differs.
        With all_, every unit unitgen made; one whose container is gone differs."""
        from unitgen.drift.report import unit_diff

        plan.require_names(names, all_=all_, command="diff")
        gone: list[str] = []
        recorded: list[str] = []  # recreate mode, unit stopped: no container, nothing to diff
        if all_:
            managed = {u.container: u for u in self.installed.values() if u.container}
            names = [n for n in sorted(managed) if n in self.graph.containers]
            absent = [n for n in sorted(managed) if n not in self.graph.containers]
            recorded = [n for n in absent if managed[n].recreate]
            gone = [n for n in absent if not managed[n].recreate]
        units, failed = self.desired(names) if names else ([], [])
        if failed:
            raise plan.failed_error(failed)
        out = [f"# {container_unit_name(n)}: its container {n} is gone (orphan)\n" for n in gone]
        out += [
            f"# {container_unit_name(n)}: recreate mode, no container now (made at its start)\n"
            for n in recorded
        ]
        changed = bool(gone)
        for unit in (u for u in units if u.container in names):
            old = inventory.read_text(unit_dir(self.root) / unit.name) or ""
            lines = unit_diff(unit.name, old, unit.text)
            changed = changed or bool(lines)
            # diff compares unitgen's file only; an admin's drop-ins are kept as they are.
            drop_ins = inventory.find_drop_ins(self.root, unit.name)
            out += [*lines, *(f"# drop-in kept as it is: {d}\n" for d in drop_ins)]
        return "".join(out), changed

    # --- apply -----------------------------------------------------------------

    def apply(self, todo: plan.Plan, report: Report) -> None:
        from unitgen.host.apply import apply

        set_policy = self.source.set_restart_policy if todo.policies else None
        apply(todo, self.systemctl, set_policy, report=report)
