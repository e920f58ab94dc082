"""Generator options: what an admin may set per container beyond what Docker says (pure).

Like `podman generate systemd`'s flags, each can come from three places, strongest first:
a flag of this run (`unitgen install --stop-timeout 60 web`, applied to the containers named,
not to their dependencies), what an earlier run's flags recorded in the unit
(`[X-Unitgen] Options=`, so `sync` and a later `install` keep them), and a label on the
container (`unitgen.stop-timeout=60`). README, "Generator options", has the table.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace

from unitgen.errors import UnsafeValue, UsageError

DEFAULT_TARGET = "multi-user.target"
# systemd's unit-name alphabet with a known suffix; no specifiers, no templates' bare `@`.
_UNIT = re.compile(
    r"[A-Za-z0-9:_.\\-]+(@[A-Za-z0-9:_.\\-]*)?"
    r"\.(service|socket|target|mount|automount|device|path|timer|swap|slice|scope)"
)
_MAX_SECONDS = 86400

# option field -> (flag, label)
KEYS = {
    "wanted_by": ("--wanted-by", "unitgen.wanted-by"),
    "stop_timeout": ("--stop-timeout", "unitgen.stop-timeout"),
    "restart_sec": ("--restart-sec", "unitgen.restart-sec"),
    "after": ("--after", "unitgen.host.systemd.after"),
    "wants": ("--wants", "unitgen.host.systemd.wants"),
    "requires": ("--requires", "unitgen.host.systemd.requires"),
    "mode": ("--mode", "unitgen.mode"),
    "logs": ("--logs", "unitgen.logs"),
    "on_unhealthy": ("--on-unhealthy", "unitgen.on-unhealthy"),
    "reload_signal": ("--reload-signal", "unitgen.reload-signal"),
    "reload_cmd": ("--reload-cmd", "unitgen.reload-cmd"),
}
# How a unit holds its container (README, "Recreate mode"): `existing` starts and stops the
# container Docker has; `recreate` owns it, creating it from a recorded request at each start.
MODES = ("existing", "recreate")
# Where a recreated container's output goes: the journal, under its unit; or wherever its own
# log driver sent it (`keep`: a host without journald, or an admin's choice).
LOGS = ("journal", "keep")
# What the unit does when its container's health check says unhealthy (README, "Health and
# reload"): nothing, as Docker; restart it (a stop with the container's own timeout) or kill
# it (SIGKILL), then systemd restarts the unit; or stop the unit.
ON_UNHEALTHY = ("none", "kill", "restart", "stop")
# The signals a reload may send: what `docker kill --signal` takes, by name (SIG optional).
SIGNALS = (  # by number, from 1
    "HUP",
    "INT",
    "QUIT",
    "ILL",
    "TRAP",
    "ABRT",
    "BUS",
    "FPE",
    "KILL",
    "USR1",
    "SEGV",
    "USR2",
    "PIPE",
    "ALRM",
    "TERM",
    "STKFLT",
    "CHLD",
    "CONT",
    "STOP",
    "TSTP",
    "TTIN",
    "TTOU",
    "URG",
    "XCPU",
    "XFSZ",
    "VTALRM",
    "PROF",
    "WINCH",
    "IO",
    "PWR",
    "SYS",
)


@dataclass(frozen=True)
class UnitOptions:
    """None or empty means "not set here": the next source down decides."""

    wanted_by: str | None = None  # [Install] WantedBy=
    stop_timeout: int | None = None  # seconds; the container's own stop timeout otherwise
    restart_sec: int | None = None  # seconds; otherwise 100ms and the helper's back-off
    after: tuple[str, ...] = ()  # extra units (a mount, another service)
    wants: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    mode: str | None = None  # one of MODES; existing otherwise
    logs: str | None = None  # one of LOGS, for recreate mode; journal otherwise
    on_unhealthy: str | None = None  # one of ON_UNHEALTHY; none otherwise
    reload_signal: str | None = None  # SIGNAME: ExecReload= sends it to the container
    reload_cmd: str | None = None  # a command line: ExecReload= runs it in the container

    def over(self, weaker: UnitOptions) -> UnitOptions:
        """These options, falling back to `weaker` for what is not set here. A reload set
        here, by signal or by command, replaces the weaker one's, whichever it was."""
        if self.reload_signal or self.reload_cmd:
            weaker = replace(weaker, reload_signal=None, reload_cmd=None)
        return replace(
            weaker,
            **{f.name: v for f in fields(self) if (v := getattr(self, f.name)) not in (None, ())},
        )

    @property
    def reload_argv(self) -> tuple[str, ...]:
        """--reload-cmd's words, split as a shell would split them."""
        return tuple(shlex.split(self.reload_cmd)) if self.reload_cmd else ()

    @property
    def target(self) -> str:
        return self.wanted_by or DEFAULT_TARGET

    @property
    def recreate(self) -> bool:
        return self.mode == "recreate"

    def as_flags(self) -> str:
        """The flags that give these options, as an admin would type them (for Options=)."""
        words: list[str] = []
        for name, (flag, _) in KEYS.items():
            value = getattr(self, name)
            for item in value if isinstance(value, tuple) else [value]:
                if item is not None:
                    words.append(shlex.quote(f"{flag}={item}"))
        return " ".join(words)


def _seconds(raw: str, where: str) -> int:
    if not raw.isdigit() or int(raw) > _MAX_SECONDS:
        raise UsageError(
            f"{where}: {raw!r} is not a number of seconds", f"give 0 to {_MAX_SECONDS}"
        )
    return int(raw)


def _choice(raw: str, choices: tuple[str, ...], where: str) -> str:
    if raw not in choices:
        raise UsageError(f"{where}: {raw!r} is not one of {', '.join(choices)}", "fix the value")
    return raw


def _signal(raw: str, where: str) -> str:
    """SIGNAME from NAME, SIGNAME or a number (any case)."""
    name = raw.upper().removeprefix("SIG")
    if raw.isdigit() and 1 <= int(raw) <= len(SIGNALS):
        name = SIGNALS[int(raw) - 1]
    if name not in SIGNALS:
        raise UsageError(f"{where}: {raw!r} is not a signal", "give a name such as HUP or USR1")
    return f"SIG{name}"


def _command(raw: str, where: str) -> str:
    """A command line to run in the container: split as a shell would, printable text."""
    try:
        words = shlex.split(raw)
    except ValueError as exc:
        raise UsageError(f"{where}: cannot split {raw!r}: {exc}", "fix the quoting") from exc
    if not words or any(not c.isprintable() for c in raw):
        raise UsageError(
            f"{where}: {raw!r} is not a command line", "give a command and its arguments"
        )
    return raw


def _units(raw: Iterable[str], where: str, *, target: bool = False) -> tuple[str, ...]:
    found: list[str] = []
    for word in (w for item in raw for w in item.replace(",", " ").split()):
        if not _UNIT.fullmatch(word) or (target and not word.endswith(".target")):
            kind = "a target (NAME.target)" if target else "a systemd unit name (NAME.mount, ...)"
            raise UsageError(f"{where}: {word!r} is not {kind}", "fix the value")
        if word not in found:
            found.append(word)
    return tuple(found)


def build(
    *,
    wanted_by: str | None = None,
    stop_timeout: str | None = None,
    restart_sec: str | None = None,
    after: Sequence[str] = (),
    wants: Sequence[str] = (),
    requires: Sequence[str] = (),
    mode: str | None = None,
    logs: str | None = None,
    on_unhealthy: str | None = None,
    reload_signal: str | None = None,
    reload_cmd: str | None = None,
    where: str = "option",
) -> UnitOptions:
    """Validated options from raw strings (flags, labels or a recorded Options= line)."""
    if reload_signal is not None and reload_cmd is not None:
        raise UsageError(
            f"{where}: a reload sends a signal or runs a command, not both",
            "give reload-signal or reload-cmd",
        )
    targets = _units([wanted_by], f"{where} wanted-by", target=True) if wanted_by else ()
    return UnitOptions(
        wanted_by=targets[0] if targets else None,
        stop_timeout=None if stop_timeout is None else _seconds(stop_timeout, f"{where}"),
        restart_sec=None if restart_sec is None else _seconds(restart_sec, f"{where}"),
        after=_units(after, where),
        wants=_units(wants, where),
        requires=_units(requires, where),
        mode=None if mode is None else _choice(mode, MODES, f"{where} mode"),
        logs=None if logs is None else _choice(logs, LOGS, f"{where} logs"),
        on_unhealthy=None
        if on_unhealthy is None
        else _choice(on_unhealthy, ON_UNHEALTHY, f"{where} on-unhealthy"),
        reload_signal=None
        if reload_signal is None
        else _signal(reload_signal, f"{where} reload-signal"),
        reload_cmd=None if reload_cmd is None else _command(reload_cmd, f"{where} reload-cmd"),
    )


def from_labels(labels: Iterable[tuple[str, str]], container: str) -> UnitOptions:
    got = dict(labels)
    by_label = {label: name for name, (_, label) in KEYS.items()}
    raw: dict[str, object] = {}
    for label, name in by_label.items():
        if label in got:
            raw[name] = [got[label]] if name in ("after", "wants", "requires") else got[label]
    try:
        return build(**raw, where=f"container {container}: label")  # type: ignore[arg-type]
    except UsageError as exc:  # a container's value, not the command line: exit 7
        raise UnsafeValue(exc.message, "fix the label (docker rm and create it again)") from exc


def from_flags(text: str | None, where: str) -> UnitOptions:
    """Parse a recorded `Options=` value (what as_flags wrote)."""
    if not text:
        return UnitOptions()
    by_flag = {flag: name for name, (flag, _) in KEYS.items()}
    raw: dict[str, list[str]] = {}
    for word in shlex.split(text):
        flag, _, value = word.partition("=")
        if flag not in by_flag:
            raise UsageError(f"{where}: unknown option {flag!r} in Options=")
        raw.setdefault(by_flag[flag], []).append(value)
    single = {k: v[-1] for k, v in raw.items() if k not in ("after", "wants", "requires")}
    multi = {k: v for k, v in raw.items() if k in ("after", "wants", "requires")}
    return build(**single, **multi, where=where)  # type: ignore[arg-type]
