"""Every decision of install, uninstall, sync and adopt, as pure functions of the desired
units, the host's state (plan/state.py) and the options: no file is read, no program is run.

What is decided here, and why, is what keeps a container supervised at every step (README,
"Guarantees"): which closures are left out and why, which files are written or removed, whose
Docker restart policy changes, what is stopped, disabled, enabled and started, and what the
admin is told.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from unitgen.drift.compare import Finding
from unitgen.errors import ForeignUnit, MissingProgram, UnitgenError, UsageError
from unitgen.graph import Graph, started_after
from unitgen.model import ContainerSpec
from unitgen.plan.actions import (
    Desired,
    Failure,
    FileAction,
    Plan,
    PolicyChange,
    check_replaceable,
    drop_in_notes,
    failed_error,
    file_actions,
    helper_action,
    policy_changes,
)
from unitgen.plan.state import HostState
from unitgen.units.installed import InstalledUnit
from unitgen.units.names import container_unit_name, helper_file, unit_dir
from unitgen.units.render import RenderedUnit


def dependants_to_install(
    graph: Graph, names: Sequence[str], managed: set[str]
) -> tuple[list[str], list[str]]:
    """The containers installing NAMES must take too, and a note on each: those under a
    Docker restart policy that link to, or share the network namespace of, a container a unit
    will run (MANAGED: the installed ones). Left with Docker, such a container would be
    started at boot before that unit, and its start would fail ("Cannot link to a non running
    container"), where Docker alone would have started both. Transitively."""
    will_run = set(managed).union(*(_closure_of(graph, name) for name in names))
    extra: list[str] = []
    notes: list[str] = []
    found = True
    while found:
        found = False
        for name, spec in sorted(graph.containers.items()):
            if name in will_run or spec.restart_policy.is_off or name in graph.broken:
                continue
            need = next(((d, how) for d, how in started_after(spec) if d in will_run), None)
            if need is None:
                continue
            dep, how = need
            extra.append(name)
            notes.append(
                f"{name} is installed too: it {how} {dep}, which a unit runs, and with Docker's "
                f"restart policy ({spec.restart_policy}) the engine would start it at boot "
                f"before that unit, and fail"
            )
            will_run |= _closure_of(graph, name) | {name}
            found = True
    return extra, notes


def _closure_of(graph: Graph, name: str) -> set[str]:
    """NAME and what it needs; nothing for one whose closure cannot be rendered (rendering
    reports it, and leaves that closure out)."""
    try:
        return set(graph.closure([name]))
    except UnitgenError:
        return set()


def handed_back_with(
    doomed: set[str], host: HostState, *, force: bool
) -> tuple[set[str], list[str]]:
    """The units that go with DOOMED, and a note on each: a container going back to a Docker
    restart policy that links to, or shares the network namespace of, a container a unit
    runs could not be started at boot (the engine starts it before any unit, and the start
    fails), so that container goes back to Docker too, transitively. One that another unit
    still needs is refused (with force: kept, and said)."""
    installed = host.installed
    going = set(doomed)
    notes: list[str] = []
    todo = sorted(doomed)
    while todo:
        unit = installed[todo.pop()]  # DOOMED and what joins it are installed units
        spec = host.live.get(unit.container or "")
        policy = unit.recorded_policy
        if spec is None or policy is None or policy.is_off:
            continue
        for dep, how in started_after(spec):
            dep_unit = container_unit_name(dep)
            if dep_unit not in installed or dep_unit in going:
                continue
            others = sorted(_users(installed, going | {dep_unit}).get(dep_unit, []))
            why = (
                f"{spec.name} goes back to Docker's restart policy {policy} and {how} {dep}, "
                "which the engine must find running when it starts it at boot"
            )
            if others or (installed[dep_unit].edited and not force):
                if force:
                    notes.append(f"{why}; {dep}'s unit stays (--force): {spec.name} may not start")
                    continue
                reason = (
                    f"{dep_unit} is still needed by {', '.join(others)}"
                    if others
                    else f"{dep_unit} was edited by hand"
                )
                together = [spec.name, dep, *(installed[o].container or o for o in others)]
                raise UsageError(
                    f"{why}; {reason}",
                    f"uninstall {' '.join(together)} together, or keep {spec.name}'s unit",
                )
            going.add(dep_unit)
            todo.append(dep_unit)
            notes.append(f"{dep} is handed back to Docker too: {why}")
    return going - doomed, notes


def install(
    desired: Desired, host: HostState, *, force: bool, start: bool, keep_disabled: bool = False
) -> Plan:
    """Write, enable and start what DESIRED holds; hand each container over from Docker.
    With keep_disabled, a unit installed before and linked nowhere now (the admin disabled
    it) is written but stays disabled and is not started: what a package's upgrade does to a
    service the admin turned off."""
    failed = [Failure(root, str(exc), exc.exit_code) for root, exc in desired.failed]
    kept: dict[str, Sequence[RenderedUnit]] = {}
    for root, units in desired.closures.items():
        try:
            for unit in units:
                facts = host.units[unit.name]
                check_replaceable(
                    unit.name,
                    facts.path,
                    facts.text,
                    host.installed.get(unit.name),
                    is_symlink=facts.is_symlink,
                    vendor=facts.vendor,
                    force=force,
                )
        except UnitgenError as exc:
            if desired.single:
                raise
            failed.append(Failure(root, str(exc), exc.exit_code))
            continue
        kept[root] = units
    if desired.single and desired.failed:
        raise desired.failed[0][1]
    if not kept:
        raise failed_error(failed) if failed else UsageError("nothing to install")
    for path, package in host.missing_programs:
        raise MissingProgram(
            f"the units need /{path} (package {package}), which is missing"
            + ("" if host.touches_docker else f" under {host.root}"),
            f"install it first: apt-get install {package}",
        )
    rendered = Desired(kept, (), desired.specs, desired.single).units()
    existing = {u.name: host.units[u.name].text for u in rendered}
    directory = unit_dir(host.root, host.scope)
    files = [
        *helper_actions(host, needed=True, force=force),
        *file_actions(rendered, directory, host.installed, existing, host.records),
        *_dropped_records(rendered, host),
    ]
    containers = [desired.specs[u.container] for u in rendered if u.container]
    notes: list[str] = []
    policies: list[PolicyChange] = []
    if host.hands_over:
        policies = policy_changes(containers)
    elif host.touches_docker and (kept_policies := policy_changes(containers)):
        notes.append(
            "systemd is not running here, so Docker keeps supervising "
            + ", ".join(f"{c.container} (restart policy {c.was})" for c in kept_policies)
            + "; once systemd runs, `unitgen sync` hands them over"
        )
    names = [u.name for u in rendered if u.container]
    changed = _mode_changes(rendered, host)
    notes += [
        f"{unit} takes {mode} mode at its next start: systemctl restart {unit}"
        for unit, mode in changed.items()
    ]
    off = _kept_disabled(rendered, host) if keep_disabled else []
    notes += [f"{name} is disabled: it stays so (--keep-disabled)" for name in off]
    enable = [
        u.name
        for u in rendered
        if u.container and u.name not in off and not host.enabled(u.name, u.wanted_by)
    ]
    if host.lingering is False and names:
        notes.append(linger_note(host))
    starting: list[str] = []
    if not host.online:
        notes.append("systemd is not running here: units enabled, nothing started")
    elif start:
        on = [name for name in names if name not in off]
        starting = _start(on, files, host, notes, told=set(changed))
    return Plan(
        files=files,
        policies=policies,
        enable=enable,
        start=starting,
        notes=notes,
        failed=failed,
    )


def _kept_disabled(rendered: Sequence[RenderedUnit], host: HostState) -> list[str]:
    """The container units installed before that no .wants/ links now."""
    return [
        u.name
        for u in rendered
        if u.container and u.name in host.installed and not host.units[u.name].links
    ]


def _dropped_records(rendered: Sequence[RenderedUnit], host: HostState) -> list[FileAction]:
    """A unit going back from recreate mode leaves no record behind."""
    return [
        FileAction("remove", host.records[u.container][0], u.name, why="existing mode")
        for u in rendered
        if u.container and u.record is None and host.records.get(u.container, (None, None))[1]
    ]


def _mode_changes(rendered: Sequence[RenderedUnit], host: HostState) -> dict[str, str]:
    """Running units that take a new mode at their next start: unit -> that mode."""
    changed = {}
    for unit in rendered:
        installed = host.installed.get(unit.name)
        recreate = unit.record is not None
        if installed is None or installed.recreate == recreate:
            continue
        if host.units[unit.name].active == "active":
            changed[unit.name] = "recreate" if recreate else "existing"
    return changed


def _start(
    names: Sequence[str],
    files: Sequence[FileAction],
    host: HostState,
    notes: list[str],
    *,
    told: set[str],
) -> list[str]:
    """Start what is not active, as policy-rc.d allows; say which running unit is old (TOLD:
    the ones already told to restart, for a new mode)."""
    updated = {f.unit for f in files if f.verb == "write"}
    starting = []
    for name in names:
        if host.units[name].active == "active":
            if name in updated and name not in told:
                notes.append(f"{name} runs the old unit; apply: systemctl restart {name}")
        elif host.may_start is not None and not host.may_start.get(name, True):
            notes.append(f"policy-rc.d forbids starting {name}: enabled only")
        else:
            starting.append(name)
    if host.policy_rc_d and host.may_start is None and starting:
        notes.append("policy-rc.d decides, when this is applied, whether they start")
    return starting


def linger_note(host: HostState) -> str:
    """What a user's units do without lingering, said instead of any claim that they survive a
    reboot: nothing starts that user's manager at boot."""
    user = host.scope.user_name
    return (
        f"lingering is off for {user}: the user manager, and so these units, run only while "
        f"{user} is logged in, and do not come back after a reboot; "
        f"run `loginctl enable-linger {user}` (as root) to start them at boot"
    )


def helper_actions(host: HostState, *, needed: bool, force: bool) -> list[FileAction]:
    recorded = {h for u in host.installed.values() if (h := u.helper_hash)}
    action = helper_action(
        helper_file(host.root, host.scope), host.helper_digest, recorded, needed=needed, force=force
    )
    return [action] if action else []


def uninstall(names: Sequence[str], host: HostState, *, force: bool, keep_running: bool) -> Plan:
    """Remove the units of NAMES (and network units no unit needs any more); restore Docker's
    restart policies. With keep_running, hand the containers back running: policy first,
    then the unit stops without stopping its container."""
    installed = host.installed
    notes: list[str] = []
    for name in names:
        unit = container_unit_name(name)
        if unit not in installed:
            notes.append(f"{unit} is not installed by unitgen; nothing to do for it")
        elif installed[unit].edited and not force:
            raise ForeignUnit(
                f"{unit} was edited by hand since unitgen wrote it",
                "use --force to remove it anyway",
            )
    doomed = {container_unit_name(n) for n in names} & set(installed)
    also, why = handed_back_with(doomed, host, force=force)
    doomed |= also
    notes += why
    owned = _owned_containers(doomed, host, force=force, notes=notes)
    users = _users(installed, doomed)
    if users and not force:
        raise UsageError(
            f"{', '.join(sorted(doomed & set(users)))} still needed by: "
            + ", ".join(sorted({u for deps in users.values() for u in deps})),
            "uninstall those too, or use --force",
        )
    doomed |= _unused_networks(installed, doomed)
    order = sorted(doomed)
    containers = [u for u in order if installed[u].container]
    files = [FileAction("remove", installed[u].path, u) for u in order]
    files += [
        FileAction("remove", path, u, why="record")
        for u in order
        if (c := installed[u].container) and (path := host.records.get(c, (None, None))[0])
    ]
    for unit in order:
        notes += drop_in_notes(unit, installed[unit].drop_ins)
    if doomed and not set(installed) - doomed:
        files += helper_actions(host, needed=False, force=True)
    return Plan(
        files=files,
        policies=_restored(installed, containers, host) if host.touches_docker else [],
        stop=[u for u in order if host.units[u].active not in ("inactive", "failed", "offline")],
        disable=[u for u in containers if host.enabled(u, installed[u].wanted_by)],
        notes=notes,
        release=sorted(
            {c for u in doomed if (c := installed[u].container) is not None}
            if keep_running
            else owned
        )
        if host.online
        else [],
    )


def _owned_containers(
    doomed: set[str], host: HostState, *, force: bool, notes: list[str]
) -> set[str]:
    """The containers recreate-mode units made: their unit's stop would remove them, so they
    are handed back running (as with --keep-running). One that does not exist now (its unit
    is stopped) exists only as its record, which goes with the unit: refused without force."""
    owned = set()
    for unit in sorted(doomed):
        installed = host.installed[unit]
        name = installed.container
        if not installed.recreate or name is None or not host.touches_docker:
            continue  # an image root's containers belong to the running system
        if name in host.live:
            owned.add(name)
            notes.append(f"{name} was made by {unit}: handed back to Docker, running")
        elif not force:
            raise UsageError(
                f"container {name} does not exist now ({unit} is stopped): removing the unit "
                "would delete its record, the only definition of the container",
                f"start it first (systemctl start {unit}), or use --force",
            )
    return owned


def _restored(
    installed: Mapping[str, InstalledUnit], units: Sequence[str], host: HostState
) -> list[PolicyChange]:
    """Each container's recorded policy, where Docker's differs from it now."""
    changes = []
    for unit in units:
        name, policy = installed[unit].container, installed[unit].recorded_policy
        if name is None or policy is None or name not in host.live:
            continue
        if host.live[name].restart_policy != policy:
            changes.append(PolicyChange(name, policy, host.live[name].restart_policy))
    return changes


def _users(installed: Mapping[str, InstalledUnit], doomed: set[str]) -> dict[str, list[str]]:
    """Installed units (not being removed) that need a doomed one."""
    found: dict[str, list[str]] = {}
    for name, unit in installed.items():
        if name in doomed:
            continue
        for needed in unit.requires():
            if needed in doomed:
                found.setdefault(needed, []).append(name)
    return found


def _unused_networks(installed: Mapping[str, InstalledUnit], doomed: set[str]) -> set[str]:
    remaining = [u for n, u in installed.items() if n not in doomed and u.container]
    needed = {dep for u in remaining for dep in u.requires()}
    return {
        name for name, unit in installed.items() if unit.network is not None and name not in needed
    }


@dataclass(frozen=True)
class SyncTargets:
    regenerate: list[str]  # containers whose units are rewritten
    orphans: list[str]  # units whose container is gone
    edited: set[str]  # containers whose units are left as the admin edited them


def sync_targets(found: Sequence[Finding], *, force: bool) -> SyncTargets:
    fixable = {"restart-policy-conflict", "recreated", "stale", "ordering-cycle", "needs-a-unit"}
    if force:
        fixable.add("edited")
    edited = set() if force else {f.container for f in found if f.kind == "edited"}
    return SyncTargets(
        regenerate=sorted({f.container for f in found if f.kind in fixable} - edited),
        orphans=sorted({f.container for f in found if f.kind == "orphan"}),
        edited=edited,
    )


def sync_rest(
    found: Sequence[Finding], targets: SyncTargets, host: HostState, *, prune: bool
) -> Plan:
    """What sync does besides regenerating: an edited unit stays as the admin left it, but two
    supervisors must not fight over its container (Docker's policy still goes back to `no`);
    orphans are kept unless pruned; each is said."""
    conflicts = [
        host.live[f.container]
        for f in found
        if f.kind == "restart-policy-conflict" and f.container in targets.edited
    ]
    notes = []
    if targets.orphans and not prune:
        notes.append("orphans kept (use --prune to remove): " + " ".join(targets.orphans))
    notes += [
        f"{f.unit} was edited by hand: left alone (use --force)"
        for f in found
        if f.kind == "edited" and f.container in targets.edited
    ]
    return Plan(policies=policy_changes(conflicts) if host.hands_over else [], notes=notes)


def adopt_targets(
    names: Sequence[str], live: Mapping[str, ContainerSpec], installed: Mapping[str, InstalledUnit]
) -> list[str]:
    """NAMES, or every container that relies on a Docker restart policy and has no unit."""
    if names:
        return list(names)
    return [
        name
        for name, spec in sorted(live.items())
        if not spec.restart_policy.is_off and container_unit_name(name) not in installed
    ]
