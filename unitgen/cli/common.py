"""What the commands share: option groups as decorators, where a command works and the engine
it asks (`connect`, the one seam tests put a fake engine into), the logger, and
plan-then-apply under the lock. Imports only click and the completion callbacks
(which import only click) at import time, so `unitgen --help` stays fast; library modules
are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from unitgen.cli.completion import directories

if TYPE_CHECKING:
    import logging

    from unitgen.commands.view import Engine, Host
    from unitgen.plan.actions import Failure, Plan

F = TypeVar("F", bound=Callable[..., Any])


def log() -> logging.Logger:
    """The logger, made on first use (unitgen/log.py): a command that says nothing never
    imports logging."""
    from unitgen import log as logs

    return logs.get()


ROOT_DEFAULT = " Default: $DPKG_ROOT, else /."
ROOT_READS = (
    "Look at the units of an image root instead of /'s (the containers are still this host's "
    "engine's)."
)
ROOT_INSTALLS = (
    "Install into an image root: write and enable there, start nothing, leave Docker's restart "
    "policies alone."
)


def common(func: F) -> F:
    """--root and --templates, shared by every command that renders or installs; --root's help
    is for a command that only looks (common_for gives it another)."""
    return common_for(ROOT_READS)(func)


USER_META = "unitgen.user"


def _remember_user(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    ctx.meta[USER_META] = bool(value) or bool(ctx.meta.get(USER_META))
    return value


def user_option(func: F) -> F:
    """--user: the user's own manager (`systemctl --user`) and its rootless engine instead of
    the system's (README, "Rootless Docker"). Kept in the click context (USER_META), where
    host_and_engine and connect read it, so that no command passes it along by hand."""
    return click.option(
        "--user",
        is_flag=True,
        expose_value=False,
        callback=_remember_user,
        help="Units of your own user manager (systemctl --user, ~/.config/systemd/user) for "
        "your rootless Docker engine ($XDG_RUNTIME_DIR/docker.sock), instead of the system's.",
    )(func)


def user_scope_asked() -> bool:
    """Whether this command was given --user."""
    context = click.get_current_context(silent=True)
    return bool(context and context.meta.get(USER_META))


def common_for(root_help: str) -> Callable[[F], F]:
    """--root (described by ROOT_HELP: what this command does there), --templates and --user."""

    def decorate(func: F) -> F:
        func = user_option(func)
        func = click.option(
            "--templates",
            "templates",
            metavar="DIR",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            multiple=True,
            shell_complete=directories,
            help="Directory of template overrides, searched before /etc/unitgen/templates.",
        )(func)
        return click.option(
            "--root",
            metavar="DIR",
            default=None,
            shell_complete=directories,
            help=root_help + ROOT_DEFAULT,
        )(func)

    return decorate


def quiet() -> bool:
    """`unitgen --quiet`: informational output is left out (errors and the data asked for stay)."""
    context = click.get_current_context(silent=True)
    return bool(context and context.find_root().params.get("quiet"))


def say(line: str) -> None:
    """An informational line on stdout (not the data a command was asked for): --quiet drops it."""
    if not quiet():
        click.echo(line)


_METAVARS = {
    "--wanted-by": "TARGET",
    "--mode": "MODE",
    "--logs": "WHERE",
    "--on-unhealthy": "ACTION",
    "--reload-signal": "SIGNAL",
    "--reload-cmd": "'CMD ARGS'",
}


def unit_options(func: F) -> F:
    """Generator options (README, "Generator options"; LABELS in unitgen(8)), for install
    and adopt."""
    from unitgen.options import LOGS, MODES, ON_UNHEALTHY

    for flag, help_ in reversed(
        (
            ("--wanted-by", "Target that pulls the unit in at boot (default multi-user.target)."),
            ("--stop-timeout", "Seconds the container gets to stop (default: its own)."),
            (
                "--restart-sec",
                "Seconds between a stop and an automatic restart (default: Docker's back-off, "
                "from 100 ms).",
            ),
            ("--after", "Also start after this systemd unit (a mount, a service); repeatable."),
            ("--wants", "Also pull in this systemd unit; repeatable."),
            ("--requires", "Also require this systemd unit; repeatable."),
            (
                "--mode",
                "existing: the unit starts the container Docker has (default); recreate: "
                "the unit creates it anew from a recorded request at each start.",
            ),
            ("--logs", "In recreate mode: journal (default: under the unit) or keep."),
            (
                "--on-unhealthy",
                "When the health check says unhealthy: none (default, as Docker), restart, "
                "kill (then systemd restarts the unit) or stop the unit.",
            ),
            (
                "--reload-signal",
                "systemctl reload sends this signal (HUP, USR1...) to the container.",
            ),
            ("--reload-cmd", "systemctl reload runs this command in the container."),
        )
    ):
        multiple = flag in ("--after", "--wants", "--requires")
        choices = {"--mode": MODES, "--logs": LOGS, "--on-unhealthy": ON_UNHEALTHY}.get(flag)
        func = click.option(
            flag,
            metavar=_METAVARS.get(flag, "UNIT" if multiple else "SECONDS"),
            type=click.Choice(choices) if choices else None,
            multiple=multiple,
            help=help_,
        )(func)
    return click.option(
        "--recreate",
        is_flag=True,
        help="Short for --mode=recreate.",
    )(func)


def generator_options(kwargs: dict[str, Any]) -> Any:
    """The generator options given on the command line (popped from kwargs)."""
    from unitgen.options import build

    return build(
        wanted_by=kwargs.pop("wanted_by"),
        stop_timeout=kwargs.pop("stop_timeout"),
        restart_sec=kwargs.pop("restart_sec"),
        after=kwargs.pop("after"),
        wants=kwargs.pop("wants"),
        requires=kwargs.pop("requires"),
        mode=_mode(kwargs.pop("recreate"), kwargs.pop("mode")),
        logs=kwargs.pop("logs"),
        on_unhealthy=kwargs.pop("on_unhealthy"),
        reload_signal=kwargs.pop("reload_signal"),
        reload_cmd=kwargs.pop("reload_cmd"),
        where="command line",
    )


def _mode(recreate: bool, mode: str | None) -> str | None:
    if recreate and mode not in (None, "recreate"):
        from unitgen.errors import UsageError

        raise UsageError(f"--recreate and --mode={mode} contradict each other", "give one")
    return "recreate" if recreate else mode


def connect() -> Engine:
    """This host's engine (DockerSource): with --user, the user's own by default. The one
    seam: tests/fakes.py `cli_over` puts a fake engine here for every command a test runs."""
    from unitgen.engine.source import DockerSource

    if user_scope_asked():
        from unitgen.units.scope import current_user_scope

        return DockerSource(default_socket=current_user_scope().default_socket)
    return DockerSource()


def host_and_engine(root: str | None, templates: tuple[Path, ...] = ()) -> tuple[Host, Engine]:
    """Where the command works (--root, --templates, --user) and the engine it asks. System
    units for a user's engine are refused: they would lose it with that user's manager."""
    from unitgen.commands.view import Host
    from unitgen.errors import UsageError
    from unitgen.units.scope import foreign_socket

    host = Host.at(root, templates, user=user_scope_asked())
    why = foreign_socket(host.scope, host.socket)
    if why is not None:
        raise UsageError(why, 'run it as that user with --user (README, "Rootless Docker")')
    return host, connect()


def dry_run_option(func: F) -> F:
    """--dry-run (-n) for the commands that plan (install, uninstall, sync, adopt)."""
    return click.option("--dry-run", "-n", is_flag=True, help="Print the plan; change nothing.")(
        func
    )


def json_option(func: F) -> F:
    """--json for the commands that plan (install, uninstall, sync, adopt)."""
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print the plan as one JSON object (with --dry-run, instead of doing it; without, "
        "after doing it).",
    )(func)


def plan_and_apply(
    host: Host,
    engine: Engine,
    make_plan: Callable[[], Plan],
    dry_run: bool,
    done: str | None = None,
    *,
    as_json: bool = False,
) -> None:
    """Plan under the lock (so a second run sees the first one's result), then apply."""
    if not dry_run:
        host.systemctl.require_manager()
    if dry_run:
        todo = make_plan()
        if not as_json:
            for line in todo.describe(online=host.online, root=host.root):
                click.echo(line)
    else:
        from unitgen.host.lock import exclusive

        with exclusive(log().info):
            todo = make_plan()
            for line in todo.describe(online=host.online, root=host.root):
                log().debug("plan: %s", line)
            from unitgen.commands.manage import apply

            apply(host, engine, todo, log().info)
        if todo.empty and done and not todo.failed:
            log().info(done)
    if as_json:
        from unitgen.cli.jsonout import plan_json

        command = click.get_current_context().info_name or ""
        click.echo(plan_json(todo, command=command, dry_run=dry_run, online=host.online))
    raise_failures(todo.failed)


def raise_failures(failed: Sequence[Failure]) -> None:
    """What could be done was done: say what was left out, one line each, and exit with the
    first one's code."""
    if not failed:
        return
    from unitgen.plan.actions import failed_error

    for failure in failed:
        log().error("%s: %s", failure.container, failure.message)
    raise failed_error(failed)
