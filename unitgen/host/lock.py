"""One lock around every run that changes things, so two postinst hooks at once serialise.

The plan is made under the lock, so the second run plans against what the first one did.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from unitgen.errors import LockTimeout

LOCK_DIRS = (Path("/run/lock"), Path("/tmp"))
WAIT_SECONDS = 300.0


def lock_path() -> Path:
    """$UNITGEN_LOCK, else for a user other than root $XDG_RUNTIME_DIR/unitgen.lock (such a
    run can only change that user's own units, `--user`: it must neither wait for root's runs
    nor fail to open root's lock), else /run/lock/unitgen.lock."""
    override = os.environ.get("UNITGEN_LOCK")
    if override:
        return Path(override)
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if os.geteuid() != 0 and runtime.startswith("/") and os.path.isdir(runtime):
        return Path(runtime) / "unitgen.lock"
    directory = next((d for d in LOCK_DIRS if d.is_dir()), LOCK_DIRS[-1])
    return directory / "unitgen.lock"


@contextmanager
def exclusive(report: Callable[[str], None], timeout: float | None = None) -> Iterator[None]:
    """Hold the lock; wait up to TIMEOUT seconds (default WAIT_SECONDS) for another run."""
    timeout = WAIT_SECONDS if timeout is None else timeout
    path = lock_path()
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            report(f"waiting for another unitgen run (pid {holder}) to finish ({path})")
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise LockTimeout(
                            f"another unitgen run (pid {holder}) held {path} for {timeout:.0f}s",
                            "wait for it to finish, or check that it is not hung",
                        ) from None
                    time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)
