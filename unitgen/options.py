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
}
# How a unit holds its container (README, "Recreate mode"): `existing` starts and stops the
# container Docker has; `recreate` owns it, creating it from a recorded request at each start.
MODES = ("existing", "recreate")
# Where a recreated container's output goes: the journal, under its unit; or wherever its own
# log driver sent it (`keep`: a host without journald, or an admin's choice).
LOGS = ("journal", "keep")


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

    def over(self, weaker: UnitOptions) -> UnitOptions:
        """These options, falling back to `weaker` for what is not set here."""
        return replace(
            weaker,
            **{f.name: v for f in fields(self) if (v := getattr(self, f.name)) not in (None, ())},
        )

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
                    words.append(f"{flag}={item}")
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
    where: str = "option",
) -> UnitOptions:
    """Validated options from raw strings (flags, labels or a recorded Options= line)."""
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
