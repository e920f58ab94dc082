"""Carry out a plan: the only module that writes or removes unit files.

Writes are atomic: a temporary file in the same directory, fsync, rename, fsync of the
directory. A crash leaves either the old file or the new one, never a partial one. The order
of the steps makes a rerun converge: files first (they record Docker's old restart policy),
then Docker's policy, then systemd.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from unitgen import log
from unitgen.errors import PermissionDenied, UsageError, WriteFailed
from unitgen.host.systemd import Systemctl
from unitgen.model import RestartPolicy
from unitgen.plan.actions import Plan
from unitgen.units.names import container_unit_name
from unitgen.units.scope import Scope

UNIT_MODE = 0o644
RELEASE_DIR = Path("/run/unitgen/release")  # read by the helper (unitgen/units/helper.sh, stop)
# A user's units cannot reach RELEASE_DIR (root's): a runtime drop-in of this name empties
# their ExecStop= instead, so that stopping the unit ends only its waiter (README, "Rootless
# Docker"). Under $XDG_RUNTIME_DIR/systemd/user, gone at the next boot.
RELEASE_DROP_IN = "50-unitgen-release.conf"
RELEASE_TEXT = (
    "# Written by unitgen while it hands this container back to Docker: stopping the unit\n"
    "# leaves the container running. Removed once the unit is gone.\n"
    "[Service]\nExecStop=\n"
)
# Fault injection for the crash-safety tests: UNITGEN_FAULT_KILL_AT=STEP makes the process
# SIGKILL itself at that step (the steps are the calls to _step below).
FAULT_ENV = "UNITGEN_FAULT_KILL_AT"


def _step(name: str) -> None:
    if os.environ.get(FAULT_ENV) == name:
        log.debug("fault injection: killing myself at %s", name)
        os.kill(os.getpid(), signal.SIGKILL)


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


def _syncfs(fd: int) -> bool:
    """syncfs(2): flush one whole file system in one call (Python has no binding)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.syncfs(fd) == 0)
    except (OSError, AttributeError):
        return False


def atomic_write_many(
    items: Sequence[tuple[Path, str]], modes: Mapping[Path, int] | None = None
) -> None:
    """Atomically replace each path with its text, mode 0644 unless `modes` says otherwise.

    Every temporary file is written first, then their data is flushed (one syncfs when they
    share a file system, else an fsync each), then each is renamed over its target and each
    directory is fsynced once. A crash at any point leaves every target old or new, never
    partial; ~1000 units cost one flush instead of a thousand fsyncs.
    """
    pending: list[tuple[str, Path]] = []
    _remove_stale_temps([path for path, _ in items])
    try:
        for path, text in items:
            mode = (modes or {}).get(path, UNIT_MODE)
            log.debug("writing %s (mode %o, %d bytes)", path, mode, len(text.encode()))
            pending.append((_write_temp(path, text, mode), path))
        _step("temp-files-written")
        _flush([tmp for tmp, _ in pending])
        for number, (tmp, path) in enumerate(pending):
            if number == 1:
                _step("first-file-renamed")
            try:
                os.rename(tmp, path)
            except OSError as exc:
                raise _fail(exc, "write", path) from exc
        for directory in {path.parent for _, path in pending}:
            _fsync_dir(directory)
    finally:
        for tmp, _ in pending:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _remove_stale_temps(paths: Sequence[Path]) -> None:
    """Temp files a killed run left behind for these targets (callers hold the lock, so none is
    in use). One listing per directory: `.NAME.XXXXXXXX.tmp`, as _write_temp names them."""
    wanted: dict[Path, set[str]] = {}
    for path in paths:
        wanted.setdefault(path.parent, set()).add(path.name)
    for directory, names in wanted.items():
        with contextlib.suppress(OSError):
            for entry in os.listdir(directory):
                stale = entry.startswith(".") and entry.endswith(".tmp")
                if stale and entry[1:-4].rpartition(".")[0] in names:
                    os.unlink(directory / entry)


def _write_temp(path: Path, text: str, mode: int) -> str:
    try:
        # A private file (a record: it holds a container's environment) gets a private
        # directory when the directory is made here.
        private = mode & 0o077 == 0
        path.parent.mkdir(mode=0o700 if private else 0o777, parents=True, exist_ok=True)
        if path.is_symlink():
            raise WriteFailed(f"{path} is a symlink; unitgen never writes through one")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _fail(exc, "write", path) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as handle:
            handle.write(text)
            os.fchmod(handle.fileno(), mode)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _fail(exc, "write", path) from exc
    return tmp


def _flush(temps: Sequence[str]) -> None:
    if not temps:
        return
    devices = {os.stat(tmp).st_dev for tmp in temps}
    if len(devices) == 1 and len(temps) > 1:
        fd = os.open(temps[0], os.O_RDONLY)
        try:
            if _syncfs(fd):
                return
        finally:
            os.close(fd)
    for tmp in temps:
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        except OSError as exc:
            raise _fail(exc, "write", Path(tmp)) from exc
        finally:
            os.close(fd)


def write_files(directory: Path, files: Mapping[str, str], *, replace: bool) -> None:
    """Write each file into `directory` (made if missing), atomically, all or none refused: a
    file that exists is replaced only with `replace` (`unitgen export --output DIR --force`)."""
    existing = [name for name in files if (directory / name).exists()]
    if existing and not replace:
        raise UsageError(
            f"{directory / existing[0]} exists"
            + (f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""),
            "use --force to replace it, or another --output directory; nothing was written",
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _fail(exc, "create", directory) from exc
    atomic_write_many([(directory / name, text) for name, text in files.items()])


def remove(path: Path) -> None:
    log.debug("removing %s", path)
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
    only after it is restored, so the record is never lost. A container handed back
    (plan.release) gets its policy before its unit stops, so it is never unsupervised.
    """
    if plan.release:
        _set_policies(plan, set_policy, report)
        if systemctl.scope.user:
            _drop_in_released(plan.release, systemctl)
        else:
            _mark_released(plan.release)
    if plan.stop and systemctl.online:
        systemctl.stop(plan.stop)
        report(f"stopped {' '.join(plan.stop)}")
    if plan.disable:
        systemctl.disable(plan.disable)
        report(f"disabled {' '.join(plan.disable)}")
    _step("stopped-and-disabled")
    writes = [(a.path, a.text) for a in plan.files if a.verb == "write" and a.text is not None]
    atomic_write_many(writes, {a.path: a.mode for a in plan.files})
    for action in plan.files:
        if action.verb == "write":
            report(f"wrote {action.path} ({action.why})")
    _step("files-written")
    if not plan.release:
        _set_policies(plan, set_policy, report)
    _step("policies-set")
    for action in plan.files:
        if action.verb == "remove":
            remove(action.path)
            report(f"removed {action.path}")
    _step("files-removed")
    if plan.reload:
        systemctl.daemon_reload()
    _step("reloaded")
    if plan.enable:
        systemctl.enable(plan.enable)
        report(f"enabled {' '.join(plan.enable)}")
    _step("enabled")
    if plan.start:
        systemctl.start(plan.start)
        report(f"started {' '.join(plan.start)}")
    for name in plan.release:
        with contextlib.suppress(OSError):
            if systemctl.scope.user:
                _remove_release_drop_in(systemctl.scope, name)
            else:
                (RELEASE_DIR / name).unlink()
    for note in plan.notes:
        report(note)


def _set_policies(plan: Plan, set_policy: SetPolicy | None, report: Callable[[str], None]) -> None:
    if set_policy is None:
        return
    for change in plan.policies:
        set_policy(change.container, change.policy)
        report(f"Docker restart policy of {change.container}: {change.was} -> {change.policy}")


def _release_drop_in(scope: Scope, name: str) -> Path:
    unit = container_unit_name(name)
    return Path(scope.runtime_drop_in_dir) / f"{unit}.d" / RELEASE_DROP_IN


def _drop_in_released(names: Sequence[str], systemctl: Systemctl) -> None:
    """The user scope's hand-back mark: a runtime drop-in without ExecStop=, loaded."""
    atomic_write_many([(_release_drop_in(systemctl.scope, n), RELEASE_TEXT) for n in names])
    systemctl.daemon_reload()


def _remove_release_drop_in(scope: Scope, name: str) -> None:
    path = _release_drop_in(scope, name)
    path.unlink()
    path.parent.rmdir()  # only when empty: an admin's runtime drop-in there stays


def _mark_released(names: Sequence[str]) -> None:
    """The helper's stop verb leaves a container running when it finds its name here."""
    try:
        RELEASE_DIR.mkdir(parents=True, exist_ok=True)
        for name in names:
            (RELEASE_DIR / name).touch()
    except OSError as exc:
        raise _fail(exc, "write", RELEASE_DIR) from exc
