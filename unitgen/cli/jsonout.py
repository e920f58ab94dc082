"""The `--json` documents of plans, generated units and exit codes (pure). Their fields are
described in unitgen.schemas, which the man page and the tests read; `list`, `drift` and
`status` format theirs beside their tables (listing.py, report.py, status.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from unitgen.plan.actions import Failure, Plan
from unitgen.schemas import VERSION
from unitgen.units.render import RenderedUnit


def dumps(document: Mapping[str, Any]) -> str:
    return json.dumps({"version": VERSION, **document}, indent=2)


def _failed(failed: Sequence[Failure]) -> list[dict[str, Any]]:
    return [
        {"container": f.container, "message": f.message, "exit_code": f.exit_code} for f in failed
    ]


def plan_json(todo: Plan, *, command: str, dry_run: bool, online: bool) -> str:
    """The `plan` document: what install, uninstall, sync or adopt will do (or did)."""
    return dumps(
        {
            "command": command,
            "dry_run": dry_run,
            "online": online,
            "empty": todo.empty,
            "files": [
                {
                    "verb": f.verb,
                    "path": str(f.path),
                    "unit": f.unit,
                    "why": f.why,
                    "mode": None if f.verb == "remove" else f"{f.mode:04o}",
                }
                for f in todo.files
            ],
            "policies": [
                {"container": p.container, "policy": str(p.policy), "was": str(p.was)}
                for p in todo.policies
            ],
            "release": list(todo.release),
            "stop": list(todo.stop),
            "disable": list(todo.disable),
            "reload": todo.reload,
            "enable": list(todo.enable),
            "start": list(todo.start),
            "notes": list(todo.notes),
            "failed": _failed(todo.failed),
        }
    )


def generate_json(
    units: Sequence[RenderedUnit], failed: Sequence[Failure], output: Path | None
) -> str:
    """The `generate` document: each unit with its text (and where --output wrote it)."""
    return dumps(
        {
            "units": [
                {
                    "unit": u.name,
                    "kind": "network" if u.container is None else "container",
                    "container": u.container,
                    "target": u.target,
                    "path": None if output is None else str(output / u.name),
                    "text": u.text,
                }
                for u in units
            ],
            "failed": _failed(failed),
        }
    )


def exit_codes_json(codes: Mapping[int, str]) -> str:
    """The `exit-codes` document."""
    return dumps(
        {"exit_codes": [{"code": c, "meaning": meaning} for c, meaning in sorted(codes.items())]}
    )
