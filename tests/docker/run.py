"""`unitgen ARGS` as a separate process on the real engine, from this checkout."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

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


def generate_all(prefix: str, output: Path) -> subprocess.CompletedProcess[str]:
    """`unitgen generate --all --output OUTPUT`, asserting that it left out no container named
    PREFIX-*: this engine is shared (the demo's containers, an earlier run's leftovers), and a
    foreign container that cannot have a unit (its network removed) is rightly left out with
    exit 6 and a line of its own, which says nothing about the test's containers."""
    done = unitgen("generate", "--all", "--output", str(output))
    if done.returncode == 0:
        return done
    left = re.search(r"container\(s\) left out: (.*); each is explained above", done.stderr)
    assert done.returncode != 0 and left, done.stderr
    names = [item.split(" (exit ")[0] for item in left.group(1).split(", ")]
    assert not [n for n in names if n.startswith(prefix + "-")], done.stderr
    return done
