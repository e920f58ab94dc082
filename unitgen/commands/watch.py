"""`unitgen watch`: follow the engine's events and keep units in sync.

Handled: containers already managed (recreated, updated, renamed, removed) and containers
that opt in with the label `unitgen.enable=true` (a unit is installed when they appear).
The loop survives an engine restart: it reconnects and replays from the last event's time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from unitgen.errors import DockerUnavailable, UnitgenError

if TYPE_CHECKING:
    from unitgen.commands.view import Engine, Host, HostView
    from unitgen.plan.actions import Plan

    Connect = Callable[[], tuple[Host, Engine]]

OPT_IN_LABEL = "unitgen.enable"
TRIGGERS = frozenset({"create", "destroy", "rename", "update"})
RECONNECT_SECONDS = 2.0


def opted_in(view: HostView) -> list[str]:
    """Containers labelled unitgen.enable=true that have no unit yet."""
    from unitgen.units.names import container_unit_name

    return [
        name
        for name, spec in sorted(view.graph.containers.items())
        if (spec.label(OPT_IN_LABEL) or "").lower() in ("true", "yes", "1")
        and container_unit_name(name) not in view.installed
    ]


def reconcile_plan(view: HostView) -> Plan:
    """What one round of watching does: sync (pruning orphans) plus opted-in installs."""
    from unitgen.commands import manage

    todo = manage.sync(view, prune=True)
    new = opted_in(view)
    if new:
        todo = todo.merge(manage.install(view, new))
    return todo


def reconcile(connect: Connect, report: Callable[[str], None]) -> None:
    """One round: gather the whole host once, decide, apply, under the lock."""
    from unitgen.commands import manage
    from unitgen.commands.view import gather
    from unitgen.host.lock import exclusive

    with exclusive(report):
        host, engine = connect()
        view = gather(host, engine, whole=True, records=True, may_start=True)
        todo = reconcile_plan(view)
        if not todo.empty:
            manage.apply(host, engine, todo, report)


def run(
    connect: Connect,
    report: Callable[[str], None],
    *,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    """Reconcile once, then on every relevant event, until `stop()` says so."""
    from unitgen.engine.source import DockerSource

    since = int(time.time())
    # The stream is reopened from `since`, a whole second: the events of that second come
    # again. Those already handled are skipped, or a sync that fails on one event would
    # reopen the stream, meet the same event, fail again, and spin the engine for ever.
    handled: set[tuple[object, ...]] = set()
    dirty = True
    while not stop():
        try:
            if dirty:
                reconcile(connect, report)
                dirty = False
            for event in DockerSource(timeout=None).events(since=since):
                key = _identity(event)
                if key in handled:
                    continue
                at = int(event.get("time") or since)
                if at != since:
                    since, handled = at, set()
                handled.add(key)
                action = str(event.get("Action") or event.get("status") or "")
                name = (event.get("Actor") or {}).get("Attributes", {}).get("name", "?")
                if action == "die":
                    report(f"container {name} died; systemd decides what happens next")
                if action.split(":")[0] in TRIGGERS:
                    report(f"event: {action} {name}")
                    reconcile(connect, report)
                if stop():
                    return
        except DockerUnavailable:
            report(f"the engine is gone; reconnecting in {RECONNECT_SECONDS:.0f}s")
            dirty = True
            time.sleep(RECONNECT_SECONDS)
        except UnitgenError as exc:
            report(f"could not sync: {exc}; retrying on the next event")


def _identity(event: dict[str, object]) -> tuple[object, ...]:
    """What tells two events apart: when (to the nanosecond), what, and to which object."""
    actor = event.get("Actor")
    return (
        event.get("timeNano") or event.get("time"),
        event.get("Action") or event.get("status"),
        actor.get("ID") if isinstance(actor, dict) else event.get("id"),
    )
