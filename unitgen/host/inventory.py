"""What is installed: the unit files unitgen made, read back from a unit directory, and the
admins' drop-ins beside them. Reading is the only thing done here; what a file says is
units/installed.py's (pure)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from unitgen.errors import PermissionDenied
from unitgen.units import helper
from unitgen.units.installed import DropIn, InstalledUnit, classify
from unitgen.units.names import (
    helper_file,
    is_unitgen_unit_name,
    under,
    unit_dir,
)
from unitgen.units.scope import SYSTEM, Scope


def read_text(path: Path) -> str | None:
    """A unit file's text; None when absent. Symlinks are reported, never followed."""
    try:
        if path.is_symlink():
            return None
        return path.read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None


def scan(root: Path, scope: Scope = SYSTEM) -> dict[str, InstalledUnit]:
    """Every unitgen unit in ROOT/etc/systemd/system (a user's: ~/.config/systemd/user), by
    unit name."""
    directory = unit_dir(root, scope)
    found: dict[str, InstalledUnit] = {}
    try:
        names = sorted(os.listdir(directory))
    except FileNotFoundError:
        return found
    except PermissionError as exc:
        raise PermissionDenied(
            f"cannot read {directory}: permission denied", _as_whom(scope)
        ) from exc
    for name in names:
        if not is_unitgen_unit_name(name):
            continue
        path = directory / name
        text = read_text(path)
        installed = classify(name, path, text) if text is not None else None
        if installed is not None:
            found[name] = replace(installed, drop_ins=find_drop_ins(root, name, scope))
    return found


def _as_whom(scope: Scope) -> str:
    return f"run as {scope.user_name}" if scope.user else "run as root"


def find_drop_ins(root: Path, unit: str, scope: Scope = SYSTEM) -> tuple[DropIn, ...]:
    """UNIT's drop-ins under ROOT (/etc, then /run; by name in each). A symlinked file or
    UNIT.d directory is listed as a symlink and not followed."""
    found: list[DropIn] = []
    for base in scope.drop_in_dirs:
        directory = under(root, base) / f"{unit}.d"
        if directory.is_symlink():
            found.append(DropIn(directory, symlink=True))
            continue
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            continue
        except PermissionError as exc:
            raise PermissionDenied(
                f"cannot read {directory}: permission denied", _as_whom(scope)
            ) from exc
        found += [
            DropIn(Path(e.path), symlink=e.is_symlink())
            for e in entries
            if e.name.endswith(".conf") and (e.is_symlink() or e.is_file(follow_symlinks=False))
        ]
    return tuple(found)


def vendor_unit(root: Path, name: str, scope: Scope = SYSTEM) -> Path | None:
    """A unit of the same name shipped by a package, which ours would silently override."""
    for directory in scope.vendor_dirs:
        candidate = under(root, directory) / name
        if candidate.exists() and not candidate.is_symlink():
            return candidate
    return None


def helper_digest(root: Path, scope: Scope = SYSTEM) -> str | None:
    """sha256 of the unit helper under ROOT as it is on disk; None when it is missing."""
    try:
        return helper.digest_of(helper_file(root, scope).read_bytes())
    except FileNotFoundError:
        return None
    except PermissionError as exc:
        raise PermissionDenied(
            f"cannot read {helper_file(root, scope)}: permission denied", _as_whom(scope)
        ) from exc
