"""Carry out a plan: the only module that writes or removes unit files.

Writes are atomic: a temporary file in the same directory, fsync, rename, fsync of the
directory. A crash leaves either the old file or the new one, never a partial one. The order
of the steps makes a rerun converge: files first (they record Docker's old restart policy),
then Docker's policy, then systemd.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from unitgen.errors import PermissionDenied, WriteFailed
from unitgen.model import RestartPolicy
from unitgen.plan import Plan
from unitgen.systemd import Systemctl

log = logging.getLogger("unitgen")
UNIT_MODE = 0o644


def _fail(exc: OSError, action: str, path: Path) -> Exception:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return PermissionDenied(f"cannot {action} {path}: permission denied", "run as root")
    if exc.errno == errno.EROFS:
        return WriteFailed(
            f"cannot {action} {path}: read-only file system",
            "remount it read-write, or use --root on a writable tree",
        )
    if exc.errno == errno.ENOSPC:
        return WriteFailed(
            f"cannot {action} {path}: no space left on device",
            "free some space; the old unit is untouched",
        )
    return WriteFailed(f"cannot {action} {path}: {exc.strerror}")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, text: str) -> None:
    """Replace `path` with `text` atomically, mode 0644. A symlink at `path` is refused."""
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            raise WriteFailed(f"{path} is a symlink; unitgen never writes through one")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _fail(exc, "write", path) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)
            handle.flush()
            os.fchmod(handle.fileno(), UNIT_MODE)
            os.fsync(handle.fileno())
        os.rename(tmp, path)
        _fsync_dir(directory)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _fail(exc, "write", path) from exc


def remove(path: Path) -> None:
    try:
        path.unlink()
        _fsync_dir(path.parent)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _fail(exc, "remove", path) from exc


SetPolicy = Callable[[str, RestartPolicy], None]


def apply(
    plan: Plan, systemctl: Systemctl, set_policy: SetPolicy | None, *, report: Callable[[str], None]
) -> None:
    """Do what the plan says, in the order that lets a rerun finish an interrupted run.

    Files are written before Docker's policy changes (they record the old policy) and removed
    only after it is restored, so the record is never lost.
    """
    if plan.stop and systemctl.online:
        systemctl.stop(plan.stop)
        report(f"stopped {' '.join(plan.stop)}")
    if plan.disable:
        systemctl.disable(plan.disable)
        report(f"disabled {' '.join(plan.disable)}")
    for action in plan.files:
        if action.verb == "write" and action.text is not None:
            atomic_write(action.path, action.text)
            report(f"wrote {action.path} ({action.why})")
    if set_policy is not None:
        for change in plan.policies:
            set_policy(change.container, change.policy)
            report(f"Docker restart policy of {change.container}: {change.was} -> {change.policy}")
    for action in plan.files:
        if action.verb == "remove":
            remove(action.path)
            report(f"removed {action.path}")
    if plan.reload:
        systemctl.daemon_reload()
    if plan.enable:
        systemctl.enable(plan.enable)
        report(f"enabled {' '.join(plan.enable)}")
    if plan.start:
        systemctl.start(plan.start)
        report(f"started {' '.join(plan.start)}")
    for note in plan.notes:
        report(note)
