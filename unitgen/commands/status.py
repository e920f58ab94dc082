"""`unitgen status NAME`: one joined view of a container's unit, the container, what the unit
needs, its drift, its drop-ins and its last log lines, for a person at a terminal.

`gather` is the edge: the container's state, one view (commands/view.py) of the unit
directory, systemd and the engine, then the logs; it never fails because one of them cannot
answer (systemd offline, the engine down): the status says so. Everything else here is pure:
`status_of`, `unit_view` and `dependencies` decide, `status_lines` and `status_json` format.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Literal

from unitgen.commands import findings as drift_of
from unitgen.commands.view import Engine, Host, HostView
from unitgen.commands.view import gather as gather_view
from unitgen.drift.compare import Finding
from unitgen.errors import ContainerNotFound, DockerUnavailable, PermissionDenied, UnitgenError
from unitgen.host import inventory
from unitgen.model import ActiveState, ContainerState, active_state
from unitgen.options import DEFAULT_TARGET
from unitgen.units.installed import DropIn, classify, install_target
from unitgen.units.names import container_unit_name, unit_dir
from unitgen.units.unitfile import UnitFile

WIDTH = 100  # columns of the human view

# Who made the unit file: unitgen, unitgen then a hand edit, someone else; or no file to read.
Origin = Literal["unitgen", "edited", "foreign", "symlink", "missing"]
Relation = Literal["Requires", "BindsTo", "Wants"]

LOG_LINES = 10
DEPENDENCY_KEYS: tuple[Relation, ...] = ("Requires", "BindsTo", "Wants")
JSON_VERSION = 1


@dataclass(frozen=True)
class UnitView:
    name: str
    path: Path
    origin: Origin
    active: ActiveState
    sub: str
    result: str
    exit_status: str  # ExecMainStatus: the main process's exit status (the container's)
    exited_at: str  # ExecMainExitTimestamp; "" when it has not exited
    restarts: str  # NRestarts: systemd's restarts
    enabled: str  # UnitFileState (offline: enabled or disabled, from the symlink)


@dataclass(frozen=True)
class DependencyView:
    unit: str
    relation: Relation
    active: ActiveState | Literal["not-found"]


@dataclass(frozen=True)
class Status:
    container: str
    unit: UnitView
    drop_ins: tuple[DropIn, ...]
    dependencies: tuple[DependencyView, ...]
    docker: ContainerState | None  # None: no such container, or the engine did not answer
    docker_error: str | None  # why the engine did not answer
    findings: tuple[Finding, ...] | None  # None: drift could not be computed
    drift_error: str | None
    logs: tuple[str, ...]
    logs_error: str | None
    record: str | None = None  # recreate mode: the record the unit makes the container from


_ORIGINS: dict[Origin, str] = {
    "unitgen": "made by unitgen",
    "edited": "made by unitgen, edited by hand since",
    "foreign": "not made by unitgen",
    "symlink": "a symlink, not followed",
    "missing": "no unit file",
}


def origin_of(path: Path, text: str | None, *, is_symlink: bool) -> Origin:
    if is_symlink:
        return "symlink"
    if text is None:
        return "missing"
    installed = classify(path.name, path, text)
    if installed is None:
        return "foreign"
    return "edited" if installed.edited else "unitgen"


def unit_view(
    name: str, path: Path, origin: Origin, shown: Mapping[str, str] | None, *, enabled: bool
) -> UnitView:
    """The unit as `systemctl show` reports it; `shown` None means systemd is not running
    here, and only the files say anything (enabled or not)."""
    if shown is None:
        return UnitView(
            name, path, origin, "offline", "", "", "", "", "", "enabled" if enabled else "disabled"
        )
    return UnitView(
        name,
        path,
        origin,
        active=active_state(shown.get("ActiveState")),
        sub=shown.get("SubState", ""),
        result=shown.get("Result", ""),
        exit_status=shown.get("ExecMainStatus", ""),
        exited_at=shown.get("ExecMainExitTimestamp", ""),
        restarts=shown.get("NRestarts", ""),
        enabled=shown.get("UnitFileState") or "unknown",
    )


def dependencies(text: str | None) -> list[tuple[Relation, str]]:
    """(relation, unit) for each unit the file's Requires=, BindsTo= and Wants= name."""
    if text is None:
        return []
    unit = UnitFile.parse(text, lenient=True)  # a hand edit's damage is drift's to report
    found: list[tuple[Relation, str]] = []
    for key in DEPENDENCY_KEYS:
        for value in unit.get_all("Unit", key):
            found += [(key, name) for name in value.split() if (key, name) not in found]
    return found


def _target(text: str | None) -> str:
    """Where the unit is enabled: its [Install] WantedBy= (a --wanted-by option moves it)."""
    if text is None:
        return DEFAULT_TARGET
    return install_target(UnitFile.parse(text, lenient=True))


def _active(shown: Mapping[str, str] | None) -> ActiveState | Literal["not-found"]:
    if shown is None:
        return "offline"
    if shown.get("LoadState") == "not-found":
        return "not-found"
    return active_state(shown.get("ActiveState"))


def gather(host: Host, engine: Engine, name: str) -> Status:
    """Everything known about NAME. Raises ContainerNotFound when there is neither a unit nor a
    container of that name, and the engine's error when it is down and there is no unit."""
    unit = _unit_name(name)
    # What the unit needs is asked of systemd with the rest: its file says what that is.
    needed = [
        u for _, u in dependencies(inventory.read_text(unit_dir(host.root, host.scope) / unit))
    ]
    down: UnitgenError | None = None
    try:
        container = engine.state(name)
    except (DockerUnavailable, PermissionDenied) as exc:
        container, down = None, exc
    view, drift_error = None, None
    if down is None:
        try:
            view = gather_view(host, engine, whole=True, records=True, also_show=[unit, *needed])
        except UnitgenError as exc:  # the engine answered for the container, not for drift
            drift_error = f"unknown: {exc}"
    if view is None:
        view = gather_view(host, None, render=False, also_show=[unit, *needed])
    logs: list[str] = []
    logs_error = None
    found = status_of(view, name, container, down, drift_error)
    if container is not None:
        try:
            logs = engine.logs(name, LOG_LINES, tty=container.tty)
        except UnitgenError as exc:
            logs_error = str(exc)
    return replace(found, logs=tuple(logs), logs_error=logs_error)


def _unit_name(name: str) -> str:
    try:
        return container_unit_name(name)
    except UnitgenError as exc:
        raise ContainerNotFound(
            f"no container and no unit named {name!r} (not a valid container name)",
            "check the name with `docker ps -a` and `unitgen list`",
        ) from exc


def status_of(
    view: HostView,
    name: str,
    container: ContainerState | None,
    down: UnitgenError | None = None,
    drift_error: str | None = None,
) -> Status:
    """NAME's status from the view and the container's state (DOWN: why the engine did not
    answer); its logs are added by `gather`."""
    unit = _unit_name(name)
    facts = view.state.units[unit]
    origin = origin_of(facts.path, facts.text, is_symlink=facts.is_symlink)
    if down is not None and origin == "missing" and not facts.drop_ins:
        raise down  # nothing is known: no unit, and no engine to ask about a container
    if origin == "missing" and not facts.drop_ins and container is None:
        raise ContainerNotFound(
            f"no container and no unit named {name} ({facts.path} does not exist)",
            "check the name with `docker ps -a` and `unitgen list`",
        )
    needed = dependencies(facts.text)
    shown = view.state.shown if view.online else None
    findings, drift_error = _drift(view, name, unit, container, down, drift_error)
    return Status(
        container=name,
        unit=unit_view(
            unit,
            facts.path,
            origin,
            None if shown is None else shown[unit],
            enabled=facts.enabled_for(_target(facts.text)),
        ),
        drop_ins=facts.drop_ins,
        dependencies=tuple(
            DependencyView(dep, relation, _active(None if shown is None else shown[dep]))
            for relation, dep in needed
        ),
        docker=container,
        docker_error=None if down is None else str(down),
        findings=findings,
        drift_error=drift_error,
        logs=(),
        logs_error=None,
        record=installed.record if (installed := view.installed.get(unit)) else None,
    )


def _drift(
    view: HostView,
    name: str,
    unit: str,
    container: ContainerState | None,
    down: UnitgenError | None,
    drift_error: str | None,
) -> tuple[tuple[Finding, ...] | None, str | None]:
    if down is not None:
        return None, "unknown: it needs the engine"
    if drift_error is not None:
        return None, drift_error
    if container is None and unit not in view.installed:
        return (), None  # no container, and a unit unitgen did not make: nothing to compare
    try:
        return tuple(drift_of.drift(view, [name])), None
    except UnitgenError as exc:
        return None, f"unknown: {exc}"


# --- formatting (pure) -------------------------------------------------------------------


def printable(line: str) -> str:
    """A log line made safe for a terminal: control characters (escape sequences) shown as
    \\xNN instead of acting on it."""
    return "".join(
        c if c == "\t" or (c.isprintable() and not 0x80 <= ord(c) < 0xA0) else f"\\x{ord(c):02x}"
        for c in line
    )


def _systemd_line(u: UnitView) -> str:
    if u.active == "offline":
        return f"offline (systemd is not running here): {u.enabled}"
    state = f"{u.active} ({u.sub})" if u.sub else u.active
    return f"{state}, {u.enabled}" + (f", result {u.result}" if u.result else "")


def _exit_line(u: UnitView) -> str | None:
    if u.active == "offline":
        return None
    last = (
        f"main process exited with status {u.exit_status} at {u.exited_at}"
        if u.exited_at
        else "main process has not exited"
    )
    return f"{last}; restarts by systemd: {u.restarts or 0}"


def _docker_line(s: Status) -> str:
    if s.docker_error is not None:
        return f"unknown: {s.docker_error}"
    c = s.docker
    if c is None and s.record is not None:
        return f"no container {s.container} now: its unit makes it at its next start"
    if c is None:
        return f"no container named {s.container}"
    health = f", {c.health}" if c.health else ""
    return (
        f"{s.container}: {c.status}{health}; exit code {c.exit_code}; "
        f"restart count {c.restart_count} (Docker's own)"
    )


def health_line(c: ContainerState) -> str | None:
    """The health check's status and its last run; None without a health check."""
    if c.health is None:
        return None
    check = c.last_check
    if check is None:
        return f"{c.health}; no check has run yet"
    said = f": {printable(check.output)}" if check.output else " and printed nothing"
    return f"{c.health}; the last check exited {check.exit_code}{said}"


def status_lines(s: Status) -> list[str]:
    """The view, one labelled section a line (continuations indented under the value)."""
    rows: list[tuple[str, Sequence[str]]] = [
        ("UNIT", [f"{s.unit.name}  {s.unit.path} ({_ORIGINS[s.unit.origin]})"]),
        ("SYSTEMD", [_systemd_line(s.unit)]),
    ]
    if s.record is not None:
        rows.append(("MODE", [f"recreate: made from {s.record} at each start"]))
    if (exit_line := _exit_line(s.unit)) is not None:
        rows.append(("EXIT", [exit_line]))
    rows.append(("DROP-INS", [str(d) for d in s.drop_ins] or ["none"]))
    rows.append(("DOCKER", [_docker_line(s)]))
    if s.docker is not None and (health := health_line(s.docker)) is not None:
        rows.append(("HEALTH", [health]))
    rows.append(("NEEDS", [f"{d.unit} {d.active} ({d.relation})" for d in s.dependencies]))
    if s.findings is None:
        drift = [str(s.drift_error)]
    else:
        # Drop-ins have their own section; drift lists them as information only.
        shown = [f for f in s.findings if f.kind != "drop-in"]
        drift = [x for f in shown for x in (f"{f.kind}: {f.message}", f"  fix: {f.fix}")]
    rows.append(("DRIFT", drift or ["none"]))
    if s.logs_error is not None:
        rows.append(("LOGS", [f"unavailable: {s.logs_error}"]))
    elif s.docker is not None and s.logs:
        rows.append(
            ("LOGS", [f"last {LOG_LINES} lines from the engine:"] + [printable(x) for x in s.logs])
        )
    elif s.docker is not None:
        rows.append(("LOGS", ["none: the container has written nothing yet"]))
    width = max(len(label) for label, _ in rows) + 2
    lines = []
    for label, values in rows:
        for i, value in enumerate(values or ["none"]):
            # Drift's prose and fixes (which carry --root) within 100 columns, cut at spaces
            # only: a path or a command stays whole.
            parts = _wrap(value, WIDTH - width) if label == "DRIFT" else [value]
            lines.append(f"{label if i == 0 else '':<{width}}{parts[0]}".rstrip())
            lines += [f"{'':<{width}}  {part}" for part in parts[1:]]
    return lines


def _wrap(text: str, width: int) -> list[str]:
    indent = " " * (len(text) - len(text.lstrip(" ")))
    wrapped = textwrap.wrap(
        text, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False
    )
    return wrapped or [text]


def status_json(s: Status) -> str:
    """The same view as JSON for scripts (fields are only ever added)."""
    data = {"version": JSON_VERSION, **asdict(s)}
    if s.findings is not None:
        data["findings"] = [{**asdict(f), "severity": f.severity} for f in s.findings]
    return json.dumps(data, indent=2, default=str)
