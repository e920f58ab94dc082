"""The library API the CLI is a client of: generate, plan and apply install/uninstall, list.

Data flows one way: Docker -> specs -> graph -> desired units -> plan -> apply.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from unitgen import drift, inventory, plan, systemd
from unitgen.docker_source import socket_path
from unitgen.drift import EngineState, Finding, UnitState
from unitgen.errors import (
    ContainerNotFound,
    ForeignUnit,
    MissingProgram,
    UnitgenError,
    UsageError,
)
from unitgen.graph import Graph
from unitgen.inventory import InstalledUnit
from unitgen.model import ContainerSpec, EngineFacts
from unitgen.names import container_unit_name, helper_file, unit_dir
from unitgen.options import UnitOptions, from_labels
from unitgen.render import RenderedUnit, Renderer, RenderOptions

if TYPE_CHECKING:
    from unitgen.docker_source import DockerSource

Report = Callable[[str], None]


def resolve_root(root: str | None) -> Path:
    """--root, else DPKG_ROOT, else /. A `..` component is refused: it hides where files go."""
    raw = root if root is not None else os.environ.get("DPKG_ROOT") or "/"
    if ".." in Path(raw).parts:
        raise UsageError(f"root {raw!r} contains '..'", "give the real path of the image root")
    path = Path(os.path.abspath(raw))
    if not path.is_dir():
        raise UsageError(f"root {raw} is not a directory", "create it or fix the path")
    return path


# What every unit runs besides the helper (README, "Units"): the exact netcat that speaks -U.
REQUIRED_PROGRAMS = (("bin/nc.openbsd", "usr/bin/nc.openbsd", "netcat-openbsd"),)


def check_programs(root: Path) -> None:
    """Refuse before writing anything when the units could not start on ROOT."""
    for *paths, package in REQUIRED_PROGRAMS:
        if not any(os.access(root / path, os.X_OK) for path in paths):
            raise MissingProgram(
                f"the units need /{paths[0]} (package {package}), which is missing"
                + ("" if root == Path("/") else f" under {root}"),
                f"install it first: apt-get install {package}",
            )


@dataclass(frozen=True)
class ListRow:
    unit: str
    container: str
    active: str
    enabled: bool
    docker: str  # the container's state, "gone" or "unknown"
    edited: bool


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
        from unitgen.docker_source import DockerSource

        return DockerSource()

    @cached_property
    def graph(self) -> Graph:
        containers, networks = self.source.snapshot()
        return Graph.build(containers, networks)

    @cached_property
    def installed(self) -> dict[str, InstalledUnit]:
        return inventory.scan(self.root)

    @property
    def touches_docker(self) -> bool:
        """Docker's restart policies are changed only for the running system, not an image."""
        return self.root == Path("/")

    @property
    def hands_over(self) -> bool:
        """Docker's policy becomes `no` only where a running systemd will start the units:
        on a host with another init (WSL, a container that reaches the engine's socket, a
        chroot) nothing would, and the container would lose its only supervisor."""
        return self.touches_docker and self.online

    # --- generate -----------------------------------------------------------------------

    def _graph_for(self, names: Sequence[str], all_: bool) -> Graph:
        """The whole host's graph when it is needed or already read; else only `names`' closure
        (on a host with hundreds of containers, `install web1` inspects what web1 needs)."""
        if all_ or "graph" in self.__dict__:
            return self.graph
        containers, networks = self.source.closure(names)
        return Graph.build(containers, networks)

    def desired(
        self, names: Sequence[str], *, all_: bool = False, options: UnitOptions | None = None
    ) -> tuple[list[RenderedUnit], list[plan.Failure]]:
        """The units `names` need (dependencies first, then their networks), and the closures
        that could not be rendered. `options` (flags of this run) apply to the containers
        named, not to what they need."""
        _, units, failed = self._desired(names, all_, options)
        return units, failed

    def _render_container(
        self,
        renderer: Renderer,
        spec: ContainerSpec,
        graph: Graph,
        flags: UnitOptions,
    ) -> RenderedUnit:
        """Flags of this run over the flags an earlier run recorded over the labels."""
        installed = self.installed.get(container_unit_name(spec.name))
        policy = plan.effective_policy(spec.restart_policy, installed)
        recorded = installed.options if installed else UnitOptions()
        chosen = flags.over(recorded)
        effective = chosen.over(from_labels(spec.labels, spec.name))
        return renderer.container(spec, graph, policy, effective, recorded=chosen.as_flags())

    def _desired(
        self,
        names: Sequence[str],
        all_: bool,
        flags: UnitOptions | None = None,
        *,
        force: bool | None = None,
    ) -> tuple[Graph, list[RenderedUnit], list[plan.Failure]]:
        """The units of each named container's closure (every container's with all_), and
        the closures that failed, each with its error: one container with a label naming
        nothing, a value that cannot be written, or (when force is not None) a unit that may
        not be replaced, costs only its own closure. Nothing of a failed closure is written."""
        graph = self._graph_for(names, all_)
        roots = sorted(graph.containers) if all_ else list(dict.fromkeys(names))
        renderer = Renderer(self.renderer_options)
        rendered: dict[str, RenderedUnit] = {}
        order: list[str] = []
        failed: list[plan.Failure] = []
        named = set(roots)
        for root in roots:
            try:
                closure = graph.closure([root])
                mine = {}
                for name in closure:
                    chosen = flags if flags is not None and name in named else UnitOptions()
                    if name not in rendered:
                        spec = graph.containers[name]
                        mine[name] = self._render_container(renderer, spec, graph, chosen)
                        for net in spec.networks:
                            mine[f"network {net}"] = renderer.network(graph.networks[net])
                if force is not None:
                    for unit in mine.values():
                        self._check_replaceable(unit, force=force)
            except UnitgenError as exc:
                if not all_ and len(roots) == 1:
                    raise
                failed.append(plan.Failure(root, str(exc), exc.exit_code))
                continue
            rendered.update(mine)
            order += [n for n in mine if n not in order]
        containers = [rendered[n] for n in order if not n.startswith("network ")]
        networks = [rendered[n] for n in order if n.startswith("network ")]
        if failed and not containers:
            raise plan.failed_error(failed)
        return graph, containers + networks, failed

    def _check_replaceable(self, unit: RenderedUnit, *, force: bool) -> None:
        path = unit_dir(self.root) / unit.name
        plan.check_replaceable(
            unit.name,
            path,
            inventory.read_text(path),
            self.installed.get(unit.name),
            is_symlink=path.is_symlink(),
            vendor=inventory.vendor_unit(self.root, unit.name),
            force=force,
        )

    # --- install ------------------------------------------------------------------------

    def plan_install(
        self,
        names: Sequence[str],
        *,
        all_: bool = False,
        force: bool = False,
        start: bool = True,
        options: UnitOptions | None = None,
    ) -> plan.Plan:
        plan.require_names(names, all_=all_, command="install")
        graph, rendered, failed = self._desired(names, all_, options, force=force)
        check_programs(self.root)
        directory = unit_dir(self.root)
        existing = {u.name: inventory.read_text(directory / u.name) for u in rendered}
        files = plan.file_actions(rendered, directory, self.installed, existing)
        result = plan.Plan(files=[*self._helper_actions(needed=True, force=force), *files])
        result.failed = failed
        containers = [graph.containers[u.container] for u in rendered if u.container]
        if self.hands_over:
            result.policies = plan.policy_changes(containers)
        elif self.touches_docker and (kept := plan.policy_changes(containers)):
            result.notes.append(
                "systemd is not running here, so Docker keeps supervising "
                + ", ".join(f"{c.container} (restart policy {c.was})" for c in kept)
                + "; once systemd runs, `unitgen sync` hands them over"
            )
        units = [u.name for u in rendered if u.container]
        result.enable = [
            u.name
            for u in rendered
            if u.container and not systemd.enabled(self.root, u.name, u.target or "")
        ]
        if not self.online:
            result.notes.append("systemd is not running here: units enabled, nothing started")
        elif start:
            self._plan_start(result, units)
        return result

    def _plan_start(self, result: plan.Plan, units: list[str]) -> None:
        states = self.systemctl.active_states(units)
        updated = {f.unit for f in result.files if f.verb == "write"}
        for unit in units:
            if states[unit] != "active":
                if self.systemctl.policy_allows(unit, "start"):
                    result.start.append(unit)
                else:
                    result.notes.append(f"policy-rc.d forbids starting {unit}: enabled only")
            elif unit in updated:
                result.notes.append(f"{unit} runs the old unit; apply: systemctl restart {unit}")

    # --- uninstall ----------------------------------------------------------------------

    def plan_uninstall(
        self, names: Sequence[str], *, force: bool = False, keep_running: bool = False
    ) -> plan.Plan:
        """Remove the units of NAMES (and networks no unit needs any more) and restore Docker's
        restart policies. With keep_running the containers are handed back running: policy
        first, then the unit stops without stopping its container."""
        plan.require_names(names, all_=False, command="uninstall")
        installed = self.installed
        doomed = {container_unit_name(n) for n in names}
        result = plan.Plan()
        for name in names:
            unit = container_unit_name(name)
            if unit not in installed:
                result.notes.append(f"{unit} is not installed by unitgen; nothing to do for it")
                continue
            if installed[unit].edited and not force:
                raise ForeignUnit(
                    f"{unit} was edited by hand since unitgen wrote it",
                    "use --force to remove it anyway",
                )
        doomed &= set(installed)
        users = self._users(doomed)
        if users and not force:
            raise UsageError(
                f"{', '.join(sorted(doomed & set(users)))} still needed by: "
                + ", ".join(sorted({u for deps in users.values() for u in deps})),
                "uninstall those too, or use --force",
            )
        doomed |= self._unused_networks(doomed)
        self._plan_removal(result, sorted(doomed))
        if keep_running and self.online:
            result.release = sorted(c for u in doomed if (c := installed[u].container) is not None)
        if doomed and not set(installed) - doomed:
            result.files += self._helper_actions(needed=False, force=True)
        return result

    def _helper_actions(self, *, needed: bool, force: bool) -> list[plan.FileAction]:
        recorded = {h for u in self.installed.values() if (h := u.helper_hash)}
        found = inventory.helper_digest(self.root)
        action = plan.helper_action(
            helper_file(self.root), found, recorded, needed=needed, force=force
        )
        return [action] if action else []

    def _users(self, doomed: set[str]) -> dict[str, list[str]]:
        """Installed units (not being removed) that need a doomed one."""
        found: dict[str, list[str]] = {}
        for name, unit in self.installed.items():
            if name in doomed:
                continue
            for needed in unit.requires():
                if needed in doomed:
                    found.setdefault(needed, []).append(name)
        return found

    def _unused_networks(self, doomed: set[str]) -> set[str]:
        remaining = [u for n, u in self.installed.items() if n not in doomed and u.container]
        needed = {dep for u in remaining for dep in u.requires()}
        return {
            name
            for name, unit in self.installed.items()
            if unit.network is not None and name not in needed
        }

    def _plan_removal(self, result: plan.Plan, doomed: list[str]) -> None:
        containers = [u for u in doomed if self.installed[u].container]
        states = self.systemctl.active_states(doomed)
        result.stop = [u for u in doomed if states[u] not in ("inactive", "failed", "offline")]
        result.disable = [
            u for u in containers if systemd.enabled(self.root, u, self.installed[u].target)
        ]
        for unit in doomed:
            result.files.append(plan.FileAction("remove", self.installed[unit].path, unit))
            result.notes += plan.drop_in_notes(unit, self.installed[unit].drop_ins)
        if not self.touches_docker:
            return
        live = self.graph.containers
        for unit in containers:
            record = self.installed[unit]
            name, policy = record.container, record.recorded_policy
            if name is None or policy is None or name not in live:
                continue
            if live[name].restart_policy != policy:
                result.policies.append(plan.PolicyChange(name, policy, live[name].restart_policy))

    # --- drift and reconciliation -------------------------------------------------------

    def _desired_texts(self) -> dict[str, str | Exception]:
        """The unit each managed, existing container would get now (or why it cannot)."""
        renderer = Renderer(self.renderer_options)
        texts: dict[str, str | Exception] = {}
        for name, unit in self.installed.items():
            spec = self.graph.containers.get(unit.container or "")
            if spec is None:
                continue
            if spec.name in self.graph.broken:
                texts[name] = self.graph.broken[spec.name]
                continue
            try:
                texts[name] = self._render_container(renderer, spec, self.graph, UnitOptions()).text
            except UnitgenError as exc:
                texts[name] = exc
        return texts

    def _unit_states(self) -> dict[str, UnitState]:
        units = [n for n, u in self.installed.items() if u.container]
        shown = self.systemctl.show(units, "ActiveState", "UnitFileState")
        states = {}
        for unit in units:
            if self.online:
                fields = shown[unit]
                states[unit] = UnitState(
                    fields.get("ActiveState", "unknown"), fields.get("UnitFileState", "unknown")
                )
            else:
                enabled = systemd.enabled(self.root, unit, self.installed[unit].target)
                states[unit] = UnitState("offline", "enabled" if enabled else "disabled")
        return states

    def drift(self, names: Sequence[str] = ()) -> list[Finding]:
        only = set(names) if names else None
        for name in names:
            if name not in self.graph.containers and container_unit_name(name) not in (
                self.installed
            ):
                raise ContainerNotFound(
                    f"no container and no unit named {name}",
                    "check the name with `docker ps -a` and `unitgen list`",
                )
        return drift.findings(
            self.installed,
            self.graph,
            self._desired_texts(),
            self._unit_states(),
            helper_digest=inventory.helper_digest(self.root),
            engine=self._engine_state(),
            only=only,
        )

    def _engine_state(self) -> EngineState | None:
        if not (self.online and self.touches_docker):
            return None
        unit = self.engine.unit
        shown = self.systemctl.show([unit], "LoadState")[unit]
        return EngineState(
            unit, shown.get("LoadState") not in ("not-found", None), self.engine.after
        )

    def diff(self, names: Sequence[str]) -> str:
        """Unified diff: installed unit -> what would be generated now, then one line per
        drop-in (never compared: the admin's customisation)."""
        plan.require_names(names, all_=False, command="diff")
        out: list[str] = []
        units, failed = self.desired(names)
        if failed:
            raise plan.failed_error(failed)
        for unit in units:
            if unit.container not in names:
                continue
            old = inventory.read_text(unit_dir(self.root) / unit.name) or ""
            out += difflib.unified_diff(
                old.splitlines(keepends=True),
                unit.text.splitlines(keepends=True),
                f"installed/{unit.name}",
                f"generated/{unit.name}",
            )
            # diff compares unitgen's file only; an admin's drop-ins are kept as they are.
            out += [
                f"# drop-in kept as it is: {d}\n"
                for d in inventory.find_drop_ins(self.root, unit.name)
            ]
        return "".join(out)

    def plan_sync(self, *, prune: bool = False, force: bool = False) -> plan.Plan:
        """Regenerate stale and recreated units, fix policy conflicts, prune orphans."""
        found = self.drift()
        fixable = {"restart-policy-conflict", "recreated", "stale"} | (
            {"edited"} if force else set()
        )
        edited = set() if force else {f.container for f in found if f.kind == "edited"}
        targets = sorted({f.container for f in found if f.kind in fixable} - edited)
        result = plan.Plan()
        if targets:
            try:
                result = self.plan_install(targets, force=force, start=False)
            except UnitgenError as exc:  # the one target's closure failed; the rest goes on
                result.failed.append(plan.Failure(targets[0], str(exc), exc.exit_code))
        if not result.files and self.installed:
            result.files += self._helper_actions(needed=True, force=force)
        # An edited unit stays as the admin left it, but two supervisors must not fight over
        # its container: Docker's policy still goes back to `no`.
        conflicts = [
            self.graph.containers[f.container]
            for f in found
            if f.kind == "restart-policy-conflict" and f.container in edited
        ]
        if self.hands_over:
            result.policies += plan.policy_changes(conflicts)
        orphans = sorted({f.container for f in found if f.kind == "orphan"})
        if orphans and prune:
            result = result.merge(self.plan_uninstall(orphans, force=True))
        elif orphans:
            result.notes.append("orphans kept (use --prune to remove): " + " ".join(orphans))
        for f in found:
            if f.kind == "edited" and not force:
                result.notes.append(f"{f.unit} was edited by hand: left alone (use --force)")
        return result

    def plan_adopt(
        self, names: Sequence[str] = (), *, options: UnitOptions | None = None
    ) -> plan.Plan:
        """Install units for containers that rely on Docker's restart policy."""
        candidates = [
            name
            for name, spec in sorted(self.graph.containers.items())
            if not spec.restart_policy.is_off and container_unit_name(name) not in self.installed
        ]
        targets = [n for n in names] if names else candidates
        if not targets:
            result = plan.Plan()
            result.notes.append("no container relies on a Docker restart policy without a unit")
            return result
        return self.plan_install(targets, options=options)

    # --- apply and list -----------------------------------------------------------------

    def apply(self, todo: plan.Plan, report: Report) -> None:
        from unitgen.install import apply

        set_policy = self.source.set_restart_policy if todo.policies else None
        apply(todo, self.systemctl, set_policy, report=report)

    def list_units(self, *, with_docker: bool = True) -> list[ListRow]:
        installed = [u for u in self.installed.values() if u.container]
        states = self.systemctl.active_states([u.name for u in installed])
        live = self.graph.containers if with_docker else {}
        rows = []
        for unit in installed:
            container = unit.container or ""
            docker_state = "unknown"
            if with_docker:
                spec = live.get(container)
                docker_state = (
                    "gone" if spec is None else ("running" if spec.running else "stopped")
                )
            rows.append(
                ListRow(
                    unit.name,
                    container,
                    states[unit.name],
                    systemd.enabled(self.root, unit.name, unit.target),
                    docker_state,
                    unit.edited,
                )
            )
        return rows
