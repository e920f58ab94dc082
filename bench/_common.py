"""Shared by the benchmarks: timing subprocesses, the environment record, tables, JSON results."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
PYTHON = sys.executable  # the venv's interpreter: the one unitgen runs on


def unitgen_argv() -> list[str]:
    """The `unitgen` console script next to this interpreter, else `python -m unitgen`."""
    script = Path(PYTHON).parent / "unitgen"
    return [str(script)] if script.exists() else [PYTHON, "-m", "unitgen"]


@dataclass
class Timing:
    """Wall-clock seconds of repeated runs of one command."""

    label: str
    argv: list[str]
    runs: list[float]
    tool: str = "perf_counter"

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "argv": self.argv if len(self.argv) <= 12 else [*self.argv[:12], "..."],
            "argc": len(self.argv),
            "runs_s": self.runs,
            "best_s": self.best,
            "median_s": self.median,
            "tool": self.tool,
        }


def run_once(argv: Sequence[str], *, cwd: str | None = None) -> float:
    """Seconds for one run; output discarded; a failure is an error, not a fast run."""
    start = time.perf_counter()
    done = subprocess.run(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=cwd, check=False
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv[:6])}... exited {done.returncode}: {done.stderr.decode()[-500:]}"
        )
    return took


def time_runs(
    label: str,
    argv: Sequence[str],
    *,
    runs: int,
    warmup: int = 1,
    before: Callable[[], None] | None = None,
    cwd: str | None = None,
) -> Timing:
    """`warmup` untimed runs, then `runs` timed ones; `before` runs untimed before each one."""
    return time_interleaved([(label, argv, before)], runs=runs, warmup=warmup, cwd=cwd)[0]


def time_interleaved(
    commands: Sequence[tuple[str, Sequence[str], Callable[[], None] | None]],
    *,
    runs: int,
    warmup: int = 1,
    cwd: str | None = None,
) -> list[Timing]:
    """Like time_runs for several commands, taking turns run by run: on a machine whose pace
    drifts (a shared VM), a slow spell then slows every command, not only the one it hit."""
    times: list[list[float]] = [[] for _ in commands]
    for round_ in range(warmup + runs):
        for index, (_, argv, before) in enumerate(commands):
            if before:
                before()
            took = run_once(argv, cwd=cwd)
            if round_ >= warmup:
                times[index].append(took)
    return [
        Timing(label, list(argv), t) for (label, argv, _), t in zip(commands, times, strict=True)
    ]


def _git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
    return done.stdout.strip()


def environment() -> dict[str, Any]:
    """What the numbers were measured on."""
    docker = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True
    )
    return {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "interpreter": PYTHON,
        "docker_server": docker.stdout.strip() or None,
        "unitgen_commit": _git("rev-parse", "--short", "HEAD") or None,
        "unitgen_dirty": bool(_git("status", "--porcelain", "--", "unitgen", "templates")),
    }


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"environment": environment(), **data}, indent=2) + "\n")
    return path


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            c.rjust(w) if i else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def verdict(ratio: float, target: float) -> str:
    return "ok" if ratio <= target else "MISSED"
