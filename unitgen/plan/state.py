"""The host's state as planning sees it: pure data, gathered by host/snapshot.py.

Planning (plan/decide.py) is a pure function of (desired units, this state, options); what is
read from the files, systemd and policy-rc.d to make it is host/'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from unitgen.model import ContainerSpec
from unitgen.units.installed import InstalledUnit


@dataclass(frozen=True)
class UnitFacts:
    """One unit name as the host has it."""

    path: Path
    text: str | None  # None: no such file (a symlink is never read)
    is_symlink: bool
    vendor: Path | None  # a packaged unit of the same name, which ours would override
    enabled: bool  # linked into its target's .wants/
    active: str  # systemd's ActiveState, or "offline"


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
