"""What a template may place: the typed, frozen render context of one unit (pure).

The templates get one of these as `u` and only place its values. Every field says what it
becomes in the unit: ONE directive (`Key=value`), EACH item one directive (a tuple of
`(key, value)` pairs or of values), or NONE (a comment's text). `directive_count` derives from
that how many directives a template must produce, and the renderer refuses any other number;
a field that does not say is an error, so adding one cannot desynchronise the check.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields

from unitgen.units.hardening import HARDENING

Pairs = tuple[tuple[str, str], ...]
_PLACED = "placed"


class Placed(enum.Enum):
    ONE = "one directive"
    EACH = "one directive per item"
    NONE = "no directive (a comment)"


# field(metadata=...) for each kind of field.
ONE = {_PLACED: Placed.ONE}
EACH = {_PLACED: Placed.EACH}
COMMENT = {_PLACED: Placed.NONE}


DOCUMENTATION = "man:unitgen(8)"


@dataclass(frozen=True, kw_only=True)
class ContainerContext:
    """templates/container.service.j2's `u`."""

    version: str = field(metadata=COMMENT)
    container: str = field(metadata=COMMENT)
    unit_name: str = field(metadata=COMMENT)
    # The header names it: `HELPER --help` says what each step does.
    helper: str = field(metadata=COMMENT)
    # [Unit]
    description: str = field(metadata=ONE)
    documentation: str = field(default=DOCUMENTATION, metadata=ONE)
    dependencies: Pairs = field(metadata=EACH)
    mounts_for: tuple[str, ...] = field(metadata=EACH)
    unit_limits: Pairs = field(metadata=EACH)
    # [Service]
    # notify: the helper's `run` says READY=1 once the container is up (one process per
    # start); its child systemd-notify sends it, hence NotifyAccess=all.
    service_type: str = field(default="notify", metadata=ONE)
    notify_access: str = field(default="all", metadata=ONE)
    environment: tuple[str, ...] = field(metadata=EACH)
    syslog_identifier: str = field(metadata=ONE)
    exec_start: str = field(metadata=ONE)
    exec_stop: str = field(metadata=ONE)
    # ExecReload=, with --reload-signal or --reload-cmd; none otherwise (reload refused)
    exec_reload: tuple[str, ...] = field(default=(), metadata=EACH)
    service_restart: Pairs = field(metadata=EACH)
    timeout_start: str = field(metadata=ONE)
    timeout_stop: str = field(metadata=ONE)
    hardening: Pairs = field(default=HARDENING, metadata=EACH)
    # [Install]
    wanted_by: str = field(metadata=ONE)
    # [X-Unitgen]
    x_unitgen: Pairs = field(metadata=EACH)


@dataclass(frozen=True, kw_only=True)
class NetworkContext:
    """templates/network.service.j2's `u`."""

    version: str = field(metadata=COMMENT)
    network: str = field(metadata=COMMENT)
    unit_name: str = field(metadata=COMMENT)
    # [Unit]
    description: str = field(metadata=ONE)
    documentation: str = field(default=DOCUMENTATION, metadata=ONE)
    engine: Pairs = field(metadata=EACH)
    # [Service]
    service_type: str = field(default="oneshot", metadata=ONE)
    remain_after_exit: str = field(default="yes", metadata=ONE)
    environment: str = field(metadata=ONE)
    syslog_identifier: str = field(metadata=ONE)
    exec_start: str = field(metadata=ONE)
    hardening: Pairs = field(default=HARDENING, metadata=EACH)
    # [X-Unitgen]
    x_unitgen: Pairs = field(metadata=EACH)


def placed(context: ContainerContext | NetworkContext) -> dict[str, Placed]:
    """Field name -> how it shows up in the unit, for each field of CONTEXT."""
    found = {}
    for f in fields(context):
        how = f.metadata.get(_PLACED)
        if not isinstance(how, Placed):
            raise TypeError(
                f"{type(context).__name__}.{f.name} does not say how it is placed: "
                "declare it with field(metadata=ONE), EACH or COMMENT"
            )
        found[f.name] = how
    return found


def directive_count(context: ContainerContext | NetworkContext) -> int:
    """How many directives the template must produce from CONTEXT."""
    total = 0
    for name, how in placed(context).items():
        if how is Placed.ONE:
            total += 1
        elif how is Placed.EACH:
            total += len(getattr(context, name))
    return total
