"""install, uninstall, sync and adopt: each a pure function of the gathered view
(commands/view.py), then `apply`, the one step that writes (host/apply.py).

`plan_install` and its siblings are the commands as the CLI runs them: gather once, with what
the command needs, then decide. Data flows one way: Docker -> specs -> graph -> desired units
-> plan -> apply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from unitgen.commands import findings
from unitgen.commands.desired import render
from unitgen.commands.view import Engine, Host, HostView, gather
from unitgen.errors import UnitgenError
from unitgen.options import UnitOptions
from unitgen.plan import actions as plan
from unitgen.plan import decide as planning

# What a run says as it goes (the logger's info, or a test's list).
Progress = Callable[[str], None]


# --- decisions on a view (pure) ----------------------------------------------------------


def install(
    view: HostView,
    names: Sequence[str],
    *,
    all_: bool = False,
    force: bool = False,
    start: bool = True,
    keep_disabled: bool = False,
) -> plan.Plan:
    """Write, enable and start the units of NAMES' closures (every container's with all_);
    the view's flags apply to the containers named."""
    plan.require_names(names, all_=all_, command="install")
    also: list[str] = []
    notes: list[str] = []
    if not all_ and view.whole:
        managed = {u.container for u in view.installed.values() if u.container}
        also, notes = planning.dependants_to_install(view.graph, names, managed)
    desired = render(view, names, all_=all_, with_records=True, also=also)
    done = planning.install(
        desired, view.state, force=force, start=start, keep_disabled=keep_disabled
    )
    return plan.Plan(notes=notes).merge(done) if notes else done


def uninstall(
    view: HostView,
    names: Sequence[str],
    *,
    all_: bool = False,
    force: bool = False,
    keep_running: bool = False,
) -> plan.Plan:
    """Remove the units of NAMES (every unitgen unit with all_, and networks no unit needs
    any more) and restore Docker's restart policies; with keep_running, hand the
    containers back running."""
    plan.require_names(names, all_=all_, command="uninstall")
    if all_:
        names = sorted(u.container for u in view.installed.values() if u.container)
    return planning.uninstall(names, view.state, force=force, keep_running=keep_running)


def sync(view: HostView, *, prune: bool = False, force: bool = False) -> plan.Plan:
    """Regenerate stale and recreated units, fix policy conflicts, prune orphans."""
    found = findings.drift(view)
    targets = planning.sync_targets(found, force=force)
    result = plan.Plan()
    if targets.regenerate:
        try:
            result = install(view, targets.regenerate, force=force, start=False)
        except UnitgenError as exc:  # the one target's closure failed; the rest goes on
            result = plan.Plan(
                failed=[plan.Failure(targets.regenerate[0], str(exc), exc.exit_code)]
            )
    if not result.files and view.installed:
        result = result.merge(
            plan.Plan(files=planning.helper_actions(view.state, needed=True, force=force))
        )
    if targets.orphans and prune:
        result = result.merge(uninstall(view, targets.orphans, force=True))
    return result.merge(planning.sync_rest(found, targets, view.state, prune=prune))


def adopt(view: HostView, names: Sequence[str] = ()) -> plan.Plan:
    """Install units for containers that rely on Docker's restart policy."""
    targets = planning.adopt_targets(names, view.graph.containers, view.installed)
    if not targets:
        return plan.Plan(notes=["no container relies on a Docker restart policy without a unit"])
    return install(view, targets)


# --- the commands: gather once, then decide ----------------------------------------------


def plan_install(
    host: Host,
    engine: Engine,
    names: Sequence[str],
    *,
    all_: bool = False,
    force: bool = False,
    start: bool = True,
    keep_disabled: bool = False,
    options: UnitOptions | None = None,
    dry_run: bool = False,
) -> plan.Plan:
    plan.require_names(names, all_=all_, command="install")
    # Every container, not only the names' closure: those that would be stranded with
    # Docker (planning.dependants_to_install) are found only so.
    view = gather(
        host, engine, names, whole=True, flags=options, records=True, may_start=not dry_run
    )
    return install(view, names, all_=all_, force=force, start=start, keep_disabled=keep_disabled)


def plan_uninstall(
    host: Host,
    engine: Engine,
    names: Sequence[str],
    *,
    all_: bool = False,
    force: bool = False,
    keep_running: bool = False,
) -> plan.Plan:
    """The engine is asked only for the running system's units (an image root's containers
    are not its own), and only when there is a unit."""
    plan.require_names(names, all_=all_, command="uninstall")
    view = gather(
        host,
        engine if host.touches_docker else None,
        whole=True,
        render=False,
        live_if_installed=True,
    )
    return uninstall(view, names, all_=all_, force=force, keep_running=keep_running)


def plan_sync(host: Host, engine: Engine, *, prune: bool = False, force: bool = False) -> plan.Plan:
    return sync(gather(host, engine, whole=True, records=True), prune=prune, force=force)


def plan_adopt(
    host: Host,
    engine: Engine,
    names: Sequence[str] = (),
    *,
    options: UnitOptions | None = None,
    dry_run: bool = False,
) -> plan.Plan:
    view = gather(
        host, engine, names, whole=True, flags=options, records=True, may_start=not dry_run
    )
    return adopt(view, names)


def apply(host: Host, engine: Engine, todo: plan.Plan, progress: Progress) -> None:
    """Do what TODO says (host/apply.py, the only step that writes)."""
    from unitgen.host.apply import apply as do

    set_policy = engine.set_restart_policy if todo.policies else None
    do(todo, host.systemctl, set_policy, report=progress)
