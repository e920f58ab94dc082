"""`unitgen ARGS` as a separate process on the real engine, from this checkout."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO


def unitgen(
    *args: str, env: dict[str, str] | None = None, user: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run unitgen with ARGS (as USER, through setpriv, when given); never raises on failure."""
    argv = [sys.executable, "-m", "unitgen", *args]
    if user:
        argv = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *argv]
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
    )
