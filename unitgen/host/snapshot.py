"""The host's state, gathered once into a frozen snapshot that planning decides on.

Everything planning needs to know about the files and systemd is read here, in one place,
before any decision: the units on disk (unitgen's and anyone's), where each is linked and
whether it is active (one `systemctl show`), the helper, the programs the units run, and
policy-rc.d's verdict. `plan/decide.py` is then a pure function of (desired units, this
snapshot, options).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from unitgen.errors import UsageError
from unitgen.host import inventory, systemd
from unitgen.model import ContainerSpec, active_state
from unitgen.plan.state import HostState, UnitFacts
from unitgen.units.installed import InstalledUnit
from unitgen.units.names import record_file, unit_dir
from unitgen.units.scope import SYSTEM, Scope

# What every unit runs besides the helper (README, "Units"): the exact netcat that speaks -U.
REQUIRED_PROGRAMS = (("bin/nc.openbsd", "usr/bin/nc.openbsd", "netcat-openbsd"),)

# What one `systemctl show` asks of every unit gathered: planning's ActiveState, drift's
# UnitFileState and LoadState, status's last exit and restarts, the engine unit's After=.
SHOWN = (
    "LoadState",
    "ActiveState",
    "SubState",
    "Result",
    "ExecMainStatus",
    "ExecMainExitTimestamp",
    "NRestarts",
    "UnitFileState",
    "After",
)


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


def gather(
    root: Path,
    systemctl: systemd.Systemctl,
    installed: Mapping[str, InstalledUnit],
    units: Iterable[str],
    live: Mapping[str, ContainerSpec],
    *,
    may_start: Iterable[str] | None,
    recreated: Iterable[str] = (),
    also_show: Iterable[str] = (),
    scope: Scope = SYSTEM,
) -> HostState:
    """The snapshot of UNITS and of every installed one (ALSO_SHOW: more units systemd is asked
    about, not read from disk). Reads files and asks systemd once; runs policy-rc.d for the
    inactive units among MAY_START, and only when it is given (never for a dry run)."""
    directory = unit_dir(root, scope)
    names = sorted(set(units) | set(installed))
    shown = systemctl.show(sorted({*names, *also_show}), *SHOWN)
    links = systemd.wants_links(root, scope)
    active = {
        name: active_state(shown[name].get("ActiveState")) if systemctl.online else "offline"
        for name in shown
    }
    facts = {
        name: UnitFacts(
            path=directory / name,
            text=inventory.read_text(directory / name),
            is_symlink=(directory / name).is_symlink(),
            vendor=inventory.vendor_unit(root, name, scope),
            links=links.get(name, frozenset()),
            active=active[name],
            drop_ins=inventory.find_drop_ins(root, name, scope),
        )
        for name in names
    }
    # Debian's policy-rc.d rules the system's services (invoke-rc.d), not a user's manager.
    policy_rc_d = not scope.user and os.access(root / systemd.POLICY_RC_D, os.X_OK)
    verdicts = None
    if may_start is not None and policy_rc_d and systemctl.online:
        verdicts = {
            name: systemctl.policy_allows(name, "start")
            for name in may_start
            if active[name] != "active"
        }
    return HostState(
        root=root,
        online=systemctl.online,
        installed=installed,
        units=facts,
        helper_digest=inventory.helper_digest(root, scope),
        missing_programs=tuple(_missing(root, REQUIRED_PROGRAMS)),
        may_start=verdicts,
        policy_rc_d=policy_rc_d,
        live=live,
        records=_records(root, installed, recreated, scope),
        shown=shown,
        scope=scope,
        lingering=systemd.lingering(scope.user_name) if scope.user_name else None,
    )


def _records(
    root: Path, installed: Mapping[str, InstalledUnit], recreated: Iterable[str], scope: Scope
) -> dict[str, tuple[Path, str | None]]:
    """The records of RECREATED and of every installed recreate-mode unit, as found."""
    names = {*recreated, *(u.container for u in installed.values() if u.record and u.container)}
    return {
        name: (path, inventory.read_text(path))
        for name in sorted(names)
        if (path := record_file(root, name, scope))
    }


def _missing(root: Path, programs: Iterable[tuple[str, str, str]]) -> Iterable[tuple[str, str]]:
    for *paths, package in programs:
        if not any(os.access(root / path, os.X_OK) for path in paths):
            yield paths[0], package
