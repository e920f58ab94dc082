"""Drift findings as a table for people or stable JSON for machines; a unit's diff (pure)."""

from __future__ import annotations

import difflib
import json
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

from unitgen.drift.compare import Finding, Severity, exit_worthy, root_flag
from unitgen.units.installed import InstalledUnit
from unitgen.units.names import container_unit_name

JSON_SCHEMA_VERSION = 1
WIDTH = 100
_COLORS = {
    Severity.ERROR: "\033[31m",
    Severity.WARNING: "\033[33m",
    Severity.INFO: "\033[36m",
}
_RESET = "\033[0m"


def drift_json(found: Sequence[Finding]) -> str:
    """{"version": 1, "drift": bool, "findings": [{kind, severity, container, unit, message,
    fix}]}: the README documents it; fields are only ever added."""
    return json.dumps(
        {
            "version": JSON_SCHEMA_VERSION,
            "drift": exit_worthy(found),
            "findings": [
                {
                    "kind": f.kind,
                    "severity": f.severity,
                    "container": f.container,
                    "unit": f.unit,
                    "message": f.message,
                    "fix": f.fix,
                }
                for f in found
            ],
        },
        indent=2,
    )


def unit_diff(unit: str, old: str, new: str) -> list[str]:
    """A unit file's unified diff, installed -> generated; no lines when they are the same."""
    return list(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"installed/{unit}",
            f"generated/{unit}",
        )
    )


def _wrap(text: str, width: int) -> list[str]:
    """Wrapped at spaces only: a path or a command is never cut, so it can be copied (a word
    longer than the column makes its line longer than 100)."""
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


def no_drift(names: Sequence[str], installed: Mapping[str, InstalledUnit], root: Path) -> list[str]:
    """What an empty report means for what was asked: the named containers (each with a unit
    or without one), or every unit."""
    if not names:
        units = sum(1 for u in installed.values() if u.container)
        if not units:
            return ["no drift: unitgen manages no container here"]
        return [f"no drift: every unit ({units}) matches its container"]
    lines = []
    for name in names:
        unit = container_unit_name(name)
        if unit in installed:
            lines.append(f"no drift: {unit} matches its container {name}")
        else:
            lines.append(
                f"{name} has no unit: nothing to compare; "
                f"`unitgen install{root_flag(root)} {name}` makes one"
            )
    return lines


def drift_table(found: Sequence[Finding], *, color: bool) -> list[str]:
    """KIND, CONTAINER, WHAT, with the fix below each row; lines fit 100 columns unless one
    word (a path) is longer."""
    if not found:
        return ["no drift: every unit matches its container"]
    kind_w = max(len("KIND"), *(len(f.kind) for f in found))
    name_w = min(30, max(len("CONTAINER"), *(len(f.container) for f in found)))
    what_w = WIDTH - kind_w - name_w - 4
    lines = [f"{'KIND':<{kind_w}}  {'CONTAINER':<{name_w}}  WHAT"]
    for f in found:
        kind = f"{f.kind:<{kind_w}}"
        if color:
            kind = f"{_COLORS[f.severity]}{kind}{_RESET}"
        name = f.container if len(f.container) <= name_w else f.container[: name_w - 1] + "…"
        wrapped = _wrap(f.message, what_w) or [""]
        lines.append(f"{kind}  {name:<{name_w}}  {wrapped[0]}")
        pad = " " * (kind_w + name_w + 4)
        lines += [pad + more for more in wrapped[1:]]
        lines += [pad + part for part in _wrap("fix: " + f.fix, what_w)]
    return lines
