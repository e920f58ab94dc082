"""An installed unit as unitgen reads it back (pure): which container or network it is for,
its mode, options, recorded restart policy and what it orders after, from its text. Reading
the files is host/inventory.py's. A unit counts as unitgen's when it carries an [X-Unitgen]
section; it counts as edited when its text no longer matches its ContentHash. A hand edit
never makes a unit vanish: one that does not parse is still listed, as edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from unitgen.errors import ForeignUnit, UnitgenError, UsageError
from unitgen.model import RestartPolicy
from unitgen.options import DEFAULT_TARGET, UnitOptions, from_flags
from unitgen.units.names import (
    CONTAINER_KEY,
    HASH_KEY,
    POLICY_KEY,
    X_SECTION,
    container_of_unit_name,
)
from unitgen.units.unitfile import UnitFile, content_hash


@dataclass(frozen=True)
class DropIn:
    """An admin's drop-in (UNIT.d/NAME.conf): listed, never read, written or followed."""

    path: Path
    symlink: bool = False

    def __str__(self) -> str:
        return f"{self.path} (symlink, not followed)" if self.symlink else str(self.path)

    @property
    def directory(self) -> Path:
        """UNIT.d: the parent of a drop-in file, or the path itself for a symlinked UNIT.d."""
        return self.path if self.path.suffix == ".d" else self.path.parent


@dataclass(frozen=True)
class InstalledUnit:
    name: str
    path: Path
    text: str
    unit: UnitFile
    edited: bool
    drop_ins: tuple[DropIn, ...] = ()

    @property
    def container(self) -> str | None:
        recorded = self.unit.get(X_SECTION, CONTAINER_KEY)
        if recorded is None and self.network is None:
            # An edit lost the section's keys (a continuation on the line before its header
            # swallows the header): the unit's name still says whose it is.
            return container_of_unit_name(self.name)
        return recorded

    @property
    def network(self) -> str | None:
        return self.unit.get(X_SECTION, "Network")

    @property
    def recreate(self) -> bool:
        """Recreate mode: the unit makes its container from a record at each start."""
        return self.unit.get(X_SECTION, "Mode") == "recreate"

    @property
    def record(self) -> str | None:
        """The record's absolute path on the target system (recreate mode), as the unit says."""
        return self.unit.get(X_SECTION, "Record") if self.recreate else None

    @property
    def container_id(self) -> str | None:
        return self.unit.get(X_SECTION, "ContainerId")

    @property
    def target(self) -> str:
        return install_target(self.unit)

    @property
    def wanted_by(self) -> tuple[str, ...]:
        """Every unit its [Install] WantedBy= names: where `systemctl enable` linked it."""
        return tuple((self.unit.get("Install", "WantedBy") or "").split()) or (DEFAULT_TARGET,)

    @property
    def options(self) -> UnitOptions:
        """Generator options an earlier run's flags recorded (Options=)."""
        raw = self.unit.get(X_SECTION, "Options")
        try:
            return from_flags(raw, str(self.path))
        except UsageError as exc:  # the file's value, not the command line: exit 8, not 2
            raise ForeignUnit(
                f"{self.path}: Options={raw} in [{X_SECTION}] cannot be read: {exc.message}",
                "fix the line by hand, or reinstall with --force and the options again",
            ) from exc

    @property
    def helper_hash(self) -> str | None:
        return self.unit.get(X_SECTION, "HelperHash")

    @property
    def recorded_policy(self) -> RestartPolicy | None:
        raw = self.unit.get(X_SECTION, POLICY_KEY)
        if not raw:
            return None
        try:
            return RestartPolicy.parse(raw)
        except UsageError as exc:  # the file's value, not the command line: exit 8, not 2
            raise ForeignUnit(
                f"{self.path}: {POLICY_KEY}={raw} in [{X_SECTION}] is not a restart "
                "policy; the unit was edited by hand",
                "put back the policy unitgen recorded (no, always, unless-stopped or "
                "on-failure:N; this line is its only record), then run again",
            ) from exc

    def requires(self) -> list[str]:
        """Every unit this one pulls in or orders after."""
        keys = ("Requires", "BindsTo", "Wants", "After")
        found: list[str] = []
        for key in keys:
            for value in self.unit.get_all("Unit", key):
                found.extend(v for v in value.split() if v not in found)
        return found


def install_target(unit: UnitFile) -> str:
    """The target a unit's [Install] section names (where `systemctl enable` links it).
    WantedBy= is a list, and a hand edit may have added to it: unitgen's is the first."""
    words = (unit.get("Install", "WantedBy") or "").split()
    return words[0] if words else DEFAULT_TARGET


def is_unitgen_text(text: str) -> bool:
    return f"\n[{X_SECTION}]" in text


def classify(name: str, path: Path, text: str) -> InstalledUnit | None:
    """A unit file's text -> InstalledUnit, or None when unitgen did not make it."""
    if not is_unitgen_text(text):
        return None
    try:
        unit = UnitFile.parse(text, where=str(path))
        damaged = False
    except UnitgenError:
        # A line systemd ignores or refuses: unitgen never writes one, so it is a hand edit.
        # Read the rest as systemd does, so that the unit stays listed and reported.
        unit = UnitFile.parse(text, where=str(path), lenient=True)
        damaged = True
    edited = damaged or unit.get(X_SECTION, HASH_KEY) != content_hash(text, HASH_KEY)
    return InstalledUnit(name, path, text, unit, edited=edited)
