"""Desired vs installed vs Docker vs systemd -> findings (pure).

Each finding names its kind, the container, the unit, what is wrong in one line, and the
command that fixes it. The kinds and the JSON form are a documented, stable contract
(README, "Drift").
"""

from __future__ import annotations

import enum
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from unitgen.graph import Graph, started_after
from unitgen.model import ActiveState
from unitgen.units import helper
from unitgen.units.installed import InstalledUnit
from unitgen.units.names import HELPER_PATH, container_unit_name


class Kind(enum.StrEnum):
    """What a finding is about; the values are the documented kind strings (README, "Drift")."""

    RESTART_POLICY_CONFLICT = "restart-policy-conflict"
    RECREATED = "recreated"
    STALE = "stale"
    EDITED = "edited"
    ORPHAN = "orphan"
    NOT_ENABLED = "not-enabled"
    MASKED = "masked"
    STARTED_OUTSIDE_SYSTEMD = "started-outside-systemd"
    CONTAINER_NOT_RUNNING = "container-not-running"
    UNMANAGED = "unmanaged"
    NEEDS_A_UNIT = "needs-a-unit"
    DROP_IN = "drop-in"
    HELPER_MISSING = "helper-missing"
    ORDERING_CYCLE = "ordering-cycle"
    ENGINE_UNIT_MISSING = "engine-unit-missing"
    HELPER_EDITED = "helper-edited"
    RECORD_MISSING = "record-missing"
    DIFFERS_FROM_RECORD = "differs-from-record"
    LINGER_OFF = "linger-off"


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"  # info findings alone do not make `drift` exit non-zero


KINDS: dict[Kind, Severity] = {
    Kind.RESTART_POLICY_CONFLICT: Severity.ERROR,
    Kind.RECREATED: Severity.ERROR,
    Kind.STALE: Severity.WARNING,
    Kind.EDITED: Severity.WARNING,
    Kind.ORPHAN: Severity.ERROR,
    Kind.NOT_ENABLED: Severity.ERROR,
    Kind.MASKED: Severity.ERROR,
    Kind.STARTED_OUTSIDE_SYSTEMD: Severity.WARNING,
    Kind.CONTAINER_NOT_RUNNING: Severity.ERROR,
    Kind.UNMANAGED: Severity.INFO,
    Kind.NEEDS_A_UNIT: Severity.ERROR,
    Kind.DROP_IN: Severity.INFO,
    Kind.HELPER_MISSING: Severity.ERROR,
    Kind.ORDERING_CYCLE: Severity.ERROR,
    Kind.ENGINE_UNIT_MISSING: Severity.ERROR,
    Kind.HELPER_EDITED: Severity.WARNING,
    Kind.RECORD_MISSING: Severity.ERROR,
    Kind.DIFFERS_FROM_RECORD: Severity.WARNING,
    Kind.LINGER_OFF: Severity.ERROR,
}


@dataclass(frozen=True)
class Finding:
    kind: Kind
    container: str
    unit: str
    message: str
    fix: str

    @property
    def severity(self) -> Severity:
        return KINDS[self.kind]


@dataclass(frozen=True)
class UnitState:
    active: ActiveState
    file_state: str  # UnitFileState: enabled, disabled, masked, ... or "offline"


def _managed_findings(
    unit: InstalledUnit,
    graph: Graph,
    desired: Mapping[str, str | Exception],
    state: UnitState,
    handed_over: bool,
    records: Mapping[str, Sequence[str] | None],
) -> list[Finding]:
    """RECORDS (recreate mode): unit -> how its container differs from its record, None when
    the record cannot be read; a unit not in it was not checked."""
    name = unit.container or ""
    spec = graph.containers.get(name)
    found: list[Finding] = []

    def add(kind: Kind, message: str, fix: str) -> None:
        found.append(Finding(kind, name, unit.name, message, fix))

    if unit.name in records and records[unit.name] is None:
        add(
            Kind.RECORD_MISSING,
            f"the record {unit.record} is missing or unreadable: the unit cannot make "
            "its container",
            f"unitgen install --recreate {name}  (while the container exists)",
        )
    if spec is None and unit.recreate:
        # The unit makes its container at each start and removes it at each stop.
        if state.active in ("active", "reloading", "failed"):
            add(
                Kind.CONTAINER_NOT_RUNNING,
                f"the unit is {state.active} but its container does not exist",
                f"systemctl status {unit.name}; systemctl restart {unit.name}",
            )
        return found + _file_state_findings(unit, state)
    if spec is None:
        add(
            Kind.ORPHAN,
            f"container {name} no longer exists, but its unit does",
            f"unitgen uninstall {name}  (or: unitgen sync --prune)",
        )
        return found
    # Where no systemd runs the units (an image root, a host with another init), Docker's
    # policy is meant to stay: it is the container's only supervisor, not a second one.
    if handed_over and not spec.restart_policy.is_off:
        add(
            Kind.RESTART_POLICY_CONFLICT,
            f"Docker restart policy is {spec.restart_policy} while systemd supervises it",
            f"unitgen sync  (or: docker update --restart=no {name})",
        )
    if unit.edited:
        add(
            Kind.EDITED,
            "the unit was changed by hand since unitgen wrote it",
            f"unitgen diff {name}; keep the edit elsewhere, then unitgen install --force {name}",
        )
    elif not unit.recreate and unit.container_id != spec.id:
        add(
            Kind.RECREATED,
            f"the container was recreated: id {str(unit.container_id)[:12]} is now {spec.id[:12]}",
            f"unitgen install {name}  (or: unitgen sync)",
        )
    else:
        wanted = desired.get(unit.name)
        if isinstance(wanted, Exception):
            add(Kind.STALE, f"the unit cannot be regenerated: {wanted}", "fix the container")
        elif wanted is not None and wanted != unit.text:
            add(
                Kind.STALE,
                "the unit differs from what unitgen would generate now",
                f"unitgen diff {name}; unitgen install {name}  (or: unitgen sync)",
            )
    if record := records.get(unit.name):
        add(
            Kind.DIFFERS_FROM_RECORD,
            "the container differs from the record its unit makes it from: "
            + "; ".join(record[:3])
            + (f"; and {len(record) - 3} more" if len(record) > 3 else ""),
            f"keep the change: unitgen install --recreate {name}; "
            f"drop it: systemctl restart {unit.name}",
        )
    found += _file_state_findings(unit, state)
    if state.active != "offline":
        if spec.running and state.active not in ("active", "activating", "reloading"):
            add(
                Kind.STARTED_OUTSIDE_SYSTEMD,
                f"the container runs but the unit is {state.active} (started behind systemd)",
                f"systemctl start {unit.name}",
            )
        elif not spec.running and state.active in ("active", "failed"):
            # The unit cannot stay active without its container (its main process waits on
            # it), so what an admin sees after a `docker stop` is a failed unit: a container
            # that does not exit 0 on SIGTERM, with Restart= not bringing it back.
            add(
                Kind.CONTAINER_NOT_RUNNING,
                f"the unit is {state.active} but the container is not running",
                f"systemctl restart {unit.name}",
            )
    return found


def _file_state_findings(unit: InstalledUnit, state: UnitState) -> list[Finding]:
    name = unit.container or ""
    if state.file_state.startswith("masked"):  # masked, masked-runtime
        return [
            Finding(
                Kind.MASKED,
                name,
                unit.name,
                "the unit is masked: it will not start at boot",
                f"systemctl unmask {unit.name}",
            )
        ]
    if state.file_state not in ("enabled", "enabled-runtime", "offline"):
        return [
            Finding(
                Kind.NOT_ENABLED,
                name,
                unit.name,
                f"the unit is {state.file_state}: it will not start at boot",
                f"systemctl enable {unit.name}",
            )
        ]
    return []


def drop_in_findings(unit: InstalledUnit) -> list[Finding]:
    """An admin's drop-ins are the supported way to customise a unit: shown, never drift."""
    if not unit.drop_ins:
        return []
    return [
        Finding(
            Kind.DROP_IN,
            unit.container or "",
            unit.name,
            "customised by drop-in(s): " + ", ".join(map(str, unit.drop_ins)),
            f"none needed; `systemctl cat {unit.name}` shows the result",
        )
    ]


def helper_findings(installed: Mapping[str, InstalledUnit], found: str | None) -> list[Finding]:
    """The helper every unit runs: missing (no unit can start), or not a file unitgen wrote
    (neither this release's nor one an installed unit recorded). An older release is not
    reported here: its units are `stale`, and `sync` rewrites both."""
    if not installed:
        return []
    where = str(HELPER_PATH)
    if found is None:
        return [
            Finding(
                Kind.HELPER_MISSING,
                "",
                where,
                f"the units run {where}, which is missing: none of them can start",
                "unitgen sync",
            )
        ]
    recorded = {u.helper_hash for u in installed.values()}
    if found != helper.digest() and found not in recorded:
        return [
            Finding(
                Kind.HELPER_EDITED,
                "",
                where,
                f"{where} was changed by hand since unitgen wrote it",
                "unitgen sync --force  (puts unitgen's back)",
            )
        ]
    return []


@dataclass(frozen=True)
class EngineState:
    """The engine's unit as the running systemd sees it (None offline)."""

    unit: str
    loaded: bool
    after: frozenset[str]


def engine_findings(
    installed: Mapping[str, InstalledUnit], engine: EngineState | None
) -> list[Finding]:
    """A unit enabled for a target the engine is ordered after makes a cycle that systemd
    breaks at boot by dropping a job, silently; an engine unit systemd does not know means no
    unit can start."""
    if engine is None:
        return []
    mine = [u for u in sorted(installed.values(), key=lambda u: u.name) if u.container]
    if mine and not engine.loaded:
        return [
            Finding(
                Kind.ENGINE_UNIT_MISSING,
                "",
                engine.unit,
                f"the units need {engine.unit}, which systemd does not know",
                "install or enable the Docker engine, then: unitgen sync",
            )
        ]
    return [
        Finding(
            Kind.ORDERING_CYCLE,
            u.container or "",
            u.name,
            f"enabled for {u.target}, which {engine.unit} is ordered after: systemd drops a "
            "job at boot to break the cycle",
            "unitgen sync  (it enables the unit for the engine's own unit instead)",
        )
        for u in mine
        if u.target in engine.after
    ]


def linger_findings(installed: Mapping[str, InstalledUnit], user: str | None) -> list[Finding]:
    """A user's units without lingering (USER None: it is on, or these are system units):
    nothing starts that user's manager at boot, so none of them comes back after a reboot."""
    if user is None:
        return []
    return [
        Finding(
            Kind.LINGER_OFF,
            u.container or "",
            u.name,
            f"lingering is off for {user}: the unit runs only while {user} is logged in and "
            "does not come back after a reboot",
            f"loginctl enable-linger {user}  (as root)",
        )
        for u in sorted(installed.values(), key=lambda u: u.name)
        if u.container
    ]


def findings(
    installed: Mapping[str, InstalledUnit],
    graph: Graph,
    desired: Mapping[str, str | Exception],
    states: Mapping[str, UnitState],
    *,
    helper_digest: str | None,
    engine: EngineState | None = None,
    only: set[str] | None = None,
    handed_over: bool = True,
    records: Mapping[str, Sequence[str] | None] | None = None,
    not_lingering: str | None = None,
) -> list[Finding]:
    """All drift: the helper, then container by container (those in `only`, if given), units
    then unmanaged. NOT_LINGERING: the user whose units these are, when lingering is off."""
    result: list[Finding] = helper_findings(installed, helper_digest)
    result += [f for f in engine_findings(installed, engine) if only is None or f.container in only]
    lingering = linger_findings(installed, not_lingering)
    result += [f for f in lingering if only is None or f.container in only]
    managed = set()
    for unit in sorted(installed.values(), key=lambda u: u.name):
        if unit.container is None:
            continue
        managed.add(unit.container)
        if only is None or unit.container in only:
            result += _managed_findings(
                unit, graph, desired, states[unit.name], handed_over, records or {}
            )
            result += drop_in_findings(unit)
    for name, spec in sorted(graph.containers.items()):
        if name in managed or spec.restart_policy.is_off or (only is not None and name not in only):
            continue
        result.append(
            Finding(
                Kind.UNMANAGED,
                name,
                container_unit_name(name),
                f"Docker restart policy {spec.restart_policy} and no unit",
                f"unitgen adopt {name}",
            )
        )
        result += [
            Finding(
                Kind.NEEDS_A_UNIT,
                name,
                container_unit_name(name),
                f"{name} has Docker's restart policy {spec.restart_policy} and {how} {dep}, "
                f"which a unit runs: at boot the engine starts {name} before that unit, and "
                "the start fails",
                f"unitgen install {name}  (or: unitgen sync)",
            )
            for dep, how in started_after(spec)[:1]
            if dep in managed
        ]
    return result


_RUNS_UNITGEN = re.compile(r"\bunitgen (install|uninstall|sync|diff|adopt|drift|status)\b")


def root_flag(root: Path) -> str:
    """` --root ROOT` for a command an admin pastes, or nothing for /."""
    return "" if root == Path("/") else f" --root {shlex.quote(str(root))}"


def rooted(found: Sequence[Finding], root: Path) -> list[Finding]:
    """The findings with each fix that runs unitgen saying --root ROOT when the units live
    under another root than /, so that a fix can be pasted as it is."""
    flag = root_flag(root)
    if not flag:
        return list(found)
    return [replace(f, fix=_RUNS_UNITGEN.sub(lambda m: m.group(0) + flag, f.fix)) for f in found]


_SYSTEMCTL = re.compile(r"\bsystemctl (?!--user)")


def user_scoped(found: Sequence[Finding]) -> list[Finding]:
    """The findings of a user's units with each fix saying --user (`unitgen sync --user`,
    `systemctl --user restart UNIT`), so that it can be pasted as it is."""

    def fix(text: str) -> str:
        text = _SYSTEMCTL.sub("systemctl --user ", text)
        return _RUNS_UNITGEN.sub(lambda m: m.group(0) + " --user", text)

    return [replace(f, fix=fix(f.fix)) for f in found]


def exit_worthy(found: Sequence[Finding]) -> bool:
    return any(f.severity is not Severity.INFO for f in found)
