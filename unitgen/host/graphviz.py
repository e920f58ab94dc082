"""Graphviz's dot, run to draw `unitgen graph --format svg` (host/: it runs a program)."""

from __future__ import annotations

import shutil
import subprocess

from unitgen.errors import MissingProgram, UnitgenError


def svg(dot: str) -> str:
    """DOT drawn as SVG by Graphviz's dot (`unitgen graph --format svg`)."""
    program = shutil.which("dot")
    if program is None:
        raise MissingProgram(
            "--format svg needs Graphviz's dot, which is not installed",
            "apt-get install graphviz, or use --format dot and draw it elsewhere",
        )
    done = subprocess.run([program, "-Tsvg"], input=dot, capture_output=True, text=True)
    if done.returncode != 0:
        raise UnitgenError(f"dot -Tsvg failed: {done.stderr.strip()}")
    return done.stdout
