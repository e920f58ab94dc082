"""Desired units + what is installed -> a plan of actions (pure).

Every check happens here, before anything is touched, so a refused run writes nothing.
`--dry-run` prints the plan and stops.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

from unitgen.errors import ForeignUnit, PartlyDone, UnitgenError, UsageError
from unitgen.model import ContainerSpec, RestartPolicy
from unitgen.options import UnitOptions, from_labels
from unitgen.units import helper
from unitgen.units.installed import DropIn, InstalledUnit
from unitgen.units.names import RECORD_MODE
from unitgen.units.render import RenderedUnit


@dataclass(frozen=True)
class Desired:
    """What rendering gave: per root container, the units of its closure (dependencies first,
    its networks last) or why it could not be rendered."""

    closures: Mapping[str, Sequence[RenderedUnit]]
    failed: Sequence[tuple[str, UnitgenError]]
    specs: Mapping[str, ContainerSpec]  # every container of the closures
    single: bool  # one container named: its error is the error, not a partial success

    def units(self) -> list[RenderedUnit]:
        seen: dict[str, RenderedUnit] = {}
        for units in self.closures.values():
            for unit in units:
                seen.setdefault(unit.name, unit)
        ordered = list(seen.values())
        return [u for u in ordered if u.container] + [u for u in ordered if not u.container]


Verb = Literal["write", "keep", "remove"]


@dataclass(frozen=True)
class FileAction:
    verb: Verb
    path: Path
    unit: str
    text: str | None = None
    why: str = ""
    mode: int = 0o644  # the helper is 0755

    @property
    def is_unit(self) -> bool:
        return self.path.name.endswith(".service")


@dataclass(frozen=True)
class PolicyChange:
    container: str
    policy: RestartPolicy
    was: RestartPolicy


@dataclass(frozen=True)
class Failure:
    """A container whose closure was left out of the plan, and why."""

    container: str
    message: str
    exit_code: int


def failed_error(failed: Sequence[Failure]) -> UnitgenError:
    return PartlyDone(failed)


@dataclass(frozen=True)
class Plan:
    """What a run will do, decided before anything is touched: a value to print (--dry-run),
    compare and test, then apply. Its sequences are tuples: nothing changes it after."""

    files: Sequence[FileAction] = ()
    policies: Sequence[PolicyChange] = ()
    stop: Sequence[str] = ()
    disable: Sequence[str] = ()
    enable: Sequence[str] = ()
    start: Sequence[str] = ()
    notes: Sequence[str] = ()
    # Containers handed back to Docker: their policy is restored before their unit stops,
    # and the stop leaves them running (uninstall --keep-running).
    release: Sequence[str] = ()
    # Containers whose closure was left out (nothing of it is written), with why.
    failed: Sequence[Failure] = ()

    def __post_init__(self) -> None:
        for name in (f.name for f in fields(self)):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def reload(self) -> bool:
        return any(f.verb != "keep" and f.is_unit for f in self.files)

    @property
    def empty(self) -> bool:
        return not (
            self.reload or self.policies or self.stop or self.disable or self.enable or self.start
        )

    def merge(self, other: Plan) -> Plan:
        """Both plans as one: one daemon-reload, one systemctl call of each kind."""

        def union(a: Sequence[str], b: Sequence[str]) -> list[str]:
            return [*a, *(x for x in b if x not in a)]

        paths = {f.path for f in self.files}
        return Plan(
            files=[*self.files, *(f for f in other.files if f.path not in paths)],
            policies=[*self.policies, *other.policies],
            stop=union(self.stop, other.stop),
            disable=union(self.disable, other.disable),
            enable=union(self.enable, other.enable),
            start=union(self.start, other.start),
            notes=union(self.notes, other.notes),
            release=union(self.release, other.release),
            failed=[*self.failed, *other.failed],
        )

    def describe(self, *, online: bool, root: Path) -> list[str]:
        """The plan as lines an admin can read (and, for systemctl, paste: offline they carry
        the real root)."""
        lines = [f"{f.verb:<7} {f.path}" + (f"  ({f.why})" if f.why else "") for f in self.files]
        lines += [
            f"docker  update --restart={c.policy} {c.container}  (was {c.was})"
            for c in self.policies
        ]
        systemctl = "systemctl" if online else f"systemctl --root={root}"
        if self.release:
            lines.append(f"release {' '.join(self.release)}  (the stop leaves them running)")
        if self.stop and online:
            lines.append(f"run     systemctl stop {' '.join(self.stop)}")
        if self.disable:
            lines.append(f"run     {systemctl} disable {' '.join(self.disable)}")
        if self.reload and online:
            lines.append("run     systemctl daemon-reload")
        if self.enable:
            lines.append(f"run     {systemctl} enable {' '.join(self.enable)}")
        if self.start and online:
            lines.append(f"run     systemctl start {' '.join(self.start)}")
        lines += [x for note in self.notes for x in _wrapped("note    ", note)]
        lines += [
            x for f in self.failed for x in _wrapped("failed  ", f"{f.container}: {f.message}")
        ]
        return lines or ["nothing to do"]


def _wrapped(verb: str, text: str) -> list[str]:
    """A note within 100 columns, cut at spaces only (a path or a command stays whole)."""
    return textwrap.wrap(
        verb + text,
        100,
        subsequent_indent=" " * len(verb),
        break_long_words=False,
        break_on_hyphens=False,
    ) or [verb.rstrip()]


def drop_in_notes(unit: str, drop_ins: Sequence[DropIn]) -> list[str]:
    """Uninstall leaves an admin's drop-ins alone: they are the admin's files, not unitgen's."""
    return [
        f"{unit}: the drop-ins in {directory} stay (the admin's, not unitgen's; they apply again "
        f"if the unit is reinstalled); to remove them: rm -r {directory}"
        for directory in dict.fromkeys(d.directory for d in drop_ins)
    ]


def effective_policy(current: RestartPolicy, installed: InstalledUnit | None) -> RestartPolicy:
    """The policy a unit translates: Docker's own, or, once unitgen has set Docker's to `no`,
    the one recorded in the installed unit. A policy the admin set again since wins."""
    recorded = installed.recorded_policy if installed else None
    if current.is_off and recorded is not None:
        return recorded
    return current


def options_for(
    spec: ContainerSpec, flags: UnitOptions, installed: InstalledUnit | None
) -> tuple[UnitOptions, UnitOptions]:
    """The options to record (this run's flags over the flags an earlier run recorded) and
    those in effect (over the container's labels)."""
    chosen = flags.over(installed.options if installed else UnitOptions())
    return chosen, chosen.over(from_labels(spec.labels, spec.name))


def check_replaceable(
    unit: str,
    path: Path,
    existing_text: str | None,
    installed: InstalledUnit | None,
    *,
    is_symlink: bool,
    vendor: Path | None,
    force: bool,
) -> None:
    """Refuse to replace what unitgen did not make, or what was edited, unless forced."""
    if is_symlink:
        raise ForeignUnit(
            f"{path} is a symlink; unitgen never writes through one",
            "remove it (and check who planted it), then run again",
        )
    if force:
        return
    if existing_text is not None and installed is None:
        raise ForeignUnit(
            f"{unit} exists at {path} and was not made by unitgen",
            "use --force to replace it",
        )
    if installed is not None and installed.edited:
        raise ForeignUnit(
            f"{unit} at {path} was edited by hand since unitgen wrote it",
            "see the changes with `diff` against `unitgen generate`; use --force to replace it",
        )
    if existing_text is None and vendor is not None:
        raise ForeignUnit(
            f"{unit} is shipped by a package at {vendor}; a unit in /etc would override it",
            "rename the container, or use --force to override the packaged unit",
        )


def file_actions(
    rendered: Sequence[RenderedUnit],
    directory: Path,
    installed: Mapping[str, InstalledUnit],
    existing: Mapping[str, str | None],
    records: Mapping[str, tuple[Path, str | None]] | None = None,
) -> list[FileAction]:
    """Each unit's file, and in recreate mode its record (RECORDS: container -> where its
    record goes and the text found there now)."""
    actions = []
    for unit in rendered:
        path = directory / unit.name
        old = existing.get(unit.name)
        if old == unit.text:
            actions.append(FileAction("keep", path, unit.name, why="unchanged"))
        else:
            why = "new" if old is None else "updated"
            new_id = _x(unit.text, "ContainerId")
            old_id = installed[unit.name].container_id if unit.name in installed else None
            if new_id and old_id not in (None, new_id):
                why = "container was recreated"
            actions.append(FileAction("write", path, unit.name, unit.text, why))
        if unit.record is not None and unit.container is not None and records is not None:
            path, found = records[unit.container]
            actions.append(record_action(path, unit.name, unit.record, found))
    return actions


def record_action(path: Path, unit: str, text: str, found: str | None) -> FileAction:
    if found == text:
        return FileAction("keep", path, unit, why="unchanged", mode=RECORD_MODE)
    why = "new record" if found is None else "record updated"
    return FileAction("write", path, unit, text, why, mode=RECORD_MODE)


def helper_action(
    path: Path, found: str | None, recorded: set[str], *, needed: bool, force: bool
) -> FileAction | None:
    """Write the helper the units call when it is missing or an older release (its digest is
    one that an installed unit recorded); an edited helper only with --force. Remove it when
    no unit needs it any more."""
    current = helper.digest()
    if not needed:
        return FileAction("remove", path, "", why="no unit needs it") if found else None
    if found == current:
        return FileAction("keep", path, "", why="unchanged", mode=helper.HELPER_MODE)
    if found is not None and found not in recorded and not force:
        raise ForeignUnit(
            f"the unit helper {path} was changed by hand",
            "see `unitgen drift`; use --force to replace it with unitgen's",
        )
    why = "new" if found is None else ("updated" if found in recorded else "replacing an edit")
    return FileAction("write", path, "", helper.text(), why, mode=helper.HELPER_MODE)


def _x(text: str, key: str) -> str | None:
    for line in text.splitlines():
        if line.startswith(f"{key}="):
            return line.partition("=")[2]
    return None


def policy_changes(specs: Sequence[ContainerSpec]) -> list[PolicyChange]:
    """Docker's restart policy goes to `no`: two supervisors fight (Docker's docs say so)."""
    return [
        PolicyChange(spec.name, RestartPolicy("no"), spec.restart_policy)
        for spec in specs
        if not spec.restart_policy.is_off
    ]


def require_names(names: Sequence[str], *, all_: bool, command: str, needed: bool = True) -> None:
    """Container names or --all, not both; one of them unless not needed (a command that
    takes no names to mean all)."""
    if needed and not names and not all_:
        raise UsageError(
            f"`unitgen {command}` needs container names or --all",
            f"for example: unitgen {command} web1",
        )
    if names and all_:
        raise UsageError(f"`unitgen {command}` takes container names or --all, not both")
