"""The host's state as planning sees it: pure data, gathered by host/snapshot.py.

Planning (plan/decide.py) is a pure function of (desired units, this state, options); what is
read from the files, systemd and policy-rc.d to make it is host/'s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unitgen.model import ActiveState, ContainerSpec
from unitgen.units.installed import DropIn, InstalledUnit
from unitgen.units.scope import SYSTEM, Scope


@dataclass(frozen=True)
class UnitFacts:
    """One unit name as the host has it."""

    path: Path
    text: str | None  # None: no such file (a symlink is never read)
    is_symlink: bool
    vendor: Path | None  # a packaged unit of the same name, which ours would override
    links: frozenset[str]  # the units whose .wants/ links it (where it is enabled)
    active: ActiveState
    drop_ins: tuple[DropIn, ...] = ()

    def enabled_for(self, target: str) -> bool:
        return target in self.links


@dataclass(frozen=True)
class HostState:
    root: Path
    online: bool  # systemd runs here and root is / (no DPKG_ROOT)
    installed: Mapping[str, InstalledUnit]
    units: Mapping[str, UnitFacts]
    helper_digest: str | None
    missing_programs: tuple[tuple[str, str], ...]  # (path, package) the units need, absent
    # policy-rc.d's verdict on starting each inactive unit; None when it was not asked (a
    # dry run asks nothing) or does not exist.
    may_start: Mapping[str, bool] | None
    policy_rc_d: bool  # /usr/sbin/policy-rc.d exists under root
    live: Mapping[str, ContainerSpec]  # the engine's containers, as far as they were read
    # Recreate mode: container -> where its record is under root, and the text found there.
    records: Mapping[str, tuple[Path, str | None]] = field(default_factory=dict)
    # `systemctl show` of each unit gathered (empty offline): the properties of SHOWN.
    shown: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Which manager (units/scope.py); for a user's, whether it lingers (runs from boot):
    # None in the system scope.
    scope: Scope = SYSTEM
    lingering: bool | None = None

    @property
    def touches_docker(self) -> bool:
        """Docker's restart policies are changed only for the running system, not an image."""
        return self.root == Path("/")

    @property
    def hands_over(self) -> bool:
        """Docker's policy becomes `no` only where a running systemd will start the units: on
        a host with another init (WSL, a container that reaches the engine's socket, a
        chroot) nothing would, and the container would lose its only supervisor."""
        return self.touches_docker and self.online

    def enabled(self, name: str, wanted: Sequence[str]) -> bool:
        """Linked into every unit WANTED names, and into none its installed file named that the
        new one does not: a unit moved from multi-user.target to the engine's unit (the engine
        is ordered after the target) must lose the old link, or the boot's ordering cycle
        stays."""
        installed = self.installed.get(name)
        before = installed.wanted_by if installed is not None and installed.container else ()
        stale = [t for t in before if t not in wanted]
        links = self.units[name].links
        return (
            bool(wanted) and all(t in links for t in wanted) and not any(t in links for t in stale)
        )
