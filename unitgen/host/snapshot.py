"""The host's state, gathered once into a frozen snapshot that planning decides on.

Everything planning needs to know about the files, systemd and Docker is read here, in one
place, before any decision: the units on disk (unitgen's and anyone's), whether each is
enabled and active, the helper, the programs the units run, and policy-rc.d's verdict.
`planning.py` is then a pure function of (desired units, this snapshot, options).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from unitgen.errors import UsageError
from unitgen.host import inventory, systemd
from unitgen.model import ContainerSpec
from unitgen.plan.state import HostState, UnitFacts
from unitgen.units.installed import InstalledUnit
from unitgen.units.names import record_file, unit_dir

# What every unit runs besides the helper (README, "Units"): the exact netcat that speaks -U.
REQUIRED_PROGRAMS = (("bin/nc.openbsd", "usr/bin/nc.openbsd", "netcat-openbsd"),)


def resolve_root(root: str | None) -> Path:
    """--root, else DPKG_ROOT, else /. An empty --root is refused (DPKG_ROOT="" is dpkg's /); a
    `..` component is refused too: it hides where files go."""
    if root == "":
        raise UsageError(
            "--root is empty", "give the image root's directory, or leave it out for /"
        )
    raw = root if root is not None else os.environ.get("DPKG_ROOT") or "/"
    if ".." in Path(raw).parts:
        raise UsageError(f"root {raw!r} contains '..'", "give the real path of the image root")
    path = Path(os.path.abspath(raw))
    if not path.is_dir():
        raise UsageError(f"root {raw} is not a directory", "create it or fix the path")
    return path


def _enabled_as_wanted(
    root: Path, name: str, wanted: Sequence[str], installed: InstalledUnit | None
) -> bool:
    """Linked into every unit WANTED names, and into none its installed file named that the new
    one does not: a unit moved from multi-user.target to the engine's unit (the engine is
    ordered after the target) must lose the old link, or the boot's ordering cycle stays."""
    before = installed.wanted_by if installed is not None and installed.container else ()
    stale = [t for t in before if t not in wanted]
    return (
        bool(wanted)
        and all(systemd.enabled(root, name, t) for t in wanted)
        and not any(systemd.enabled(root, name, t) for t in stale)
    )


def gather(
    root: Path,
    systemctl: systemd.Systemctl,
    installed: Mapping[str, InstalledUnit],
    targets: Mapping[str, tuple[str, ...]],
    live: Mapping[str, ContainerSpec],
    *,
    ask_policy_rc_d: bool,
    recreated: Iterable[str] = (),
) -> HostState:
    """The snapshot for the units named in TARGETS (unit -> every unit its [Install] WantedBy=
    will name; empty for a unit without [Install]: a network's) and every installed one. Reads
    files and asks systemd; runs policy-rc.d only when ask_policy_rc_d (never for a dry run)."""
    wanted: dict[str, tuple[str, ...]] = {
        **{n: u.wanted_by if u.container else () for n, u in installed.items()},
        **targets,
    }
    directory = unit_dir(root)
    names = sorted(set(wanted) | set(installed))
    active = systemctl.active_states(names)
    units = {
        name: UnitFacts(
            path=directory / name,
            text=inventory.read_text(directory / name),
            is_symlink=(directory / name).is_symlink(),
            vendor=inventory.vendor_unit(root, name),
            enabled=_enabled_as_wanted(root, name, wanted.get(name, ()), installed.get(name)),
            active=active[name],
        )
        for name in names
    }
    policy_rc_d = os.access(root / systemd.POLICY_RC_D, os.X_OK)
    may_start = None
    if ask_policy_rc_d and policy_rc_d and systemctl.online:
        may_start = {
            name: systemctl.policy_allows(name, "start")
            for name in targets
            if active[name] != "active"
        }
    return HostState(
        root=root,
        online=systemctl.online,
        installed=installed,
        units=units,
        helper_digest=inventory.helper_digest(root),
        missing_programs=tuple(_missing(root, REQUIRED_PROGRAMS)),
        may_start=may_start,
        policy_rc_d=policy_rc_d,
        live=live,
        records=_records(root, installed, recreated),
    )


def _records(
    root: Path, installed: Mapping[str, InstalledUnit], recreated: Iterable[str]
) -> dict[str, tuple[Path, str | None]]:
    """The records of RECREATED and of every installed recreate-mode unit, as found."""
    names = {*recreated, *(u.container for u in installed.values() if u.record and u.container)}
    return {
        name: (path, inventory.read_text(path))
        for name in sorted(names)
        if (path := record_file(root, name))
    }


def _missing(root: Path, programs: Iterable[tuple[str, str, str]]) -> Iterable[tuple[str, str]]:
    for *paths, package in programs:
        if not any(os.access(root / path, os.X_OK) for path in paths):
            yield paths[0], package
