"""The `unitgen` command: parse options, call the library, print. Errors become exit codes in
`main` and nowhere else. Library modules are imported inside commands, so `--help` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from unitgen import __version__
from unitgen.errors import EXIT_CODES, UnitgenError

if TYPE_CHECKING:
    import logging

    from unitgen.ops import Unitgen
    from unitgen.plan import Failure, Plan


def _log() -> logging.Logger:
    """The logger, imported on first use: `unitgen --help` never pays for logging."""
    import logging

    return logging.getLogger("unitgen")


F = TypeVar("F", bound=Callable[..., Any])


def _setup_logging(debug: bool) -> None:
    import logging

    log = _log()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("unitgen: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if debug else logging.INFO)
    log.propagate = False
    from unitgen.systemd import booted

    if booted():
        try:
            from systemd.journal import JournalHandler
        except ImportError:
            return
        journal = JournalHandler(SYSLOG_IDENTIFIER="unitgen")
        journal.setLevel(logging.INFO)
        log.addHandler(journal)


def common(func: F) -> F:
    """--root and --templates, shared by every command that renders or installs."""
    func = click.option(
        "--templates",
        "templates",
        type=click.Path(file_okay=False, path_type=Path),
        multiple=True,
        help="Directory of template overrides, searched before /etc/unitgen/templates.",
    )(func)
    func = click.option(
        "--root",
        metavar="DIR",
        default=None,
        help="Operate on an image root: write and enable there, start nothing, leave Docker's "
        "restart policies alone. Default: $DPKG_ROOT, else /.",
    )(func)
    return func


def unit_options(func: F) -> F:
    """Generator options (README, "Generator options"), for install and adopt."""
    for flag, help_ in reversed(
        (
            ("--wanted-by", "Target that pulls the unit in at boot (default multi-user.target)."),
            ("--stop-timeout", "Seconds the container gets to stop (default: its own)."),
            ("--restart-sec", "Seconds between a stop and an automatic restart (default 1)."),
            ("--after", "Also start after this systemd unit (a mount, a service); repeatable."),
            ("--wants", "Also pull in this systemd unit; repeatable."),
            ("--requires", "Also require this systemd unit; repeatable."),
        )
    ):
        multiple = flag in ("--after", "--wants", "--requires")
        func = click.option(
            flag,
            metavar="UNIT" if multiple else ("TARGET" if flag == "--wanted-by" else "SECONDS"),
            multiple=multiple,
            help=help_,
        )(func)
    return func


def _options(kwargs: dict[str, Any]) -> Any:
    """The generator options given on the command line (popped from kwargs)."""
    from unitgen.options import build

    return build(
        wanted_by=kwargs.pop("wanted_by"),
        stop_timeout=kwargs.pop("stop_timeout"),
        restart_sec=kwargs.pop("restart_sec"),
        after=kwargs.pop("after"),
        wants=kwargs.pop("wants"),
        requires=kwargs.pop("requires"),
        where="command line",
    )


def _app(root: str | None, templates: tuple[Path, ...]) -> Unitgen:
    from unitgen.ops import Unitgen

    return Unitgen(root=root, templates=templates)


def _print_plan(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


def _plan_and_apply(
    app: Unitgen, make_plan: Callable[[], Plan], dry_run: bool, done: str | None = None
) -> None:
    """Plan under the lock (so a second run sees the first one's result), then apply."""
    if dry_run:
        todo = make_plan()
        _print_plan(todo.describe(online=app.online))
    else:
        from unitgen.lock import exclusive

        with exclusive(_log().info):
            todo = make_plan()
            app.apply(todo, _log().info)
        if todo.empty and done and not todo.failed:
            _log().info(done)
    _raise_failures(todo.failed)


def _raise_failures(failed: Sequence[Failure]) -> None:
    """What could be done was done: say what was left out, one line each, and exit with the
    first one's code."""
    if not failed:
        return
    from unitgen.plan import failed_error

    for failure in failed:
        _log().error("%s: %s", failure.container, failure.message)
    raise failed_error(failed)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="unitgen")
@click.option("--debug", is_flag=True, help="Log every step, and show tracebacks.")
def cli(debug: bool) -> None:
    """Make Docker containers survive reboots the systemd way.

    unitgen writes one systemd unit per container, ordered by what the container needs
    (links, user-defined networks, --network container:X, --volumes-from, bind mounts,
    compose depends_on, unitgen.requires/unitgen.after labels), installs and enables it,
    and hands supervision from Docker's restart policy to systemd.

    \b
    Examples:
      unitgen generate web1                  print the units web1 needs
      unitgen install web1                   write, enable and start them
      unitgen install --root /mnt/img web1   write and enable into an image root
      unitgen uninstall web1                 stop, disable, remove; restore Docker's policy
      unitgen list                           what unitgen manages, and its state
    """
    _setup_logging(debug)


@cli.command()
@click.argument("containers", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every container on this engine.")
@click.option(
    "--output",
    "-o",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the unit files into DIR instead of printing them.",
)
@common
def generate(
    containers: tuple[str, ...],
    all_: bool,
    output: Path | None,
    root: str | None,
    templates: tuple[Path, ...],
) -> None:
    """Print the units CONTAINERS need (their dependencies' too). No side effects.

    Each unit is printed after a `---NAME---` line. With --output, the files are written
    into DIR (atomically), nothing else is touched.

    \b
    Examples:
      unitgen generate web1
      unitgen generate --all --output /tmp/units
    """
    from unitgen.plan import require_names

    require_names(containers, all_=all_, command="generate")
    units, failed = _app(root, templates).desired(containers, all_=all_)
    if output is None:
        for unit in units:
            click.echo(f"---{unit.name}---")
            click.echo(unit.text, nl=False)
        _raise_failures(failed)
        return
    from unitgen.install import atomic_write_many

    atomic_write_many([(output / unit.name, unit.text) for unit in units])
    _raise_failures(failed)
    _log().info("wrote %d units into %s", len(units), output)


@cli.command()
@click.argument("containers", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every container on this engine.")
@click.option("--dry-run", "-n", is_flag=True, help="Print the plan; change nothing.")
@click.option(
    "--force", is_flag=True, help="Replace units unitgen did not make or that were edited by hand."
)
@click.option("--no-start", is_flag=True, help="Write and enable, but do not start.")
@unit_options
@common
def install(
    containers: tuple[str, ...],
    all_: bool,
    dry_run: bool,
    force: bool,
    no_start: bool,
    root: str | None,
    templates: tuple[Path, ...],
    **generator: Any,
) -> None:
    """Write, enable and start the units of CONTAINERS and of all they depend on.

    Docker's restart policy of each container becomes `no` (systemd supervises now); the
    old policy is recorded in the unit and restored by `uninstall`. Running it again with
    nothing changed changes nothing. Without a running systemd (chroot, image build,
    --root, DPKG_ROOT) units are written and enabled offline and nothing is started.

    \b
    Examples:
      unitgen install web1
      unitgen install --dry-run web1
      unitgen install --root /srv/image --no-start web1
      unitgen install --stop-timeout 60 --after srv-data.mount db
    """
    chosen = _options(generator)
    app = _app(root, templates)
    _plan_and_apply(
        app,
        lambda: app.plan_install(
            containers,
            all_=all_,
            force=force,
            start=not no_start,
            options=chosen,
            dry_run=dry_run,
        ),
        dry_run,
        "nothing to do: the units are installed and up to date",
    )


@cli.command()
@click.argument("containers", nargs=-1)
@click.option("--dry-run", "-n", is_flag=True, help="Print the plan; change nothing.")
@click.option(
    "--force", is_flag=True, help="Remove even edited units, or units that others still need."
)
@click.option(
    "--keep-running",
    is_flag=True,
    help="Hand the containers back to Docker running: restore the policy first, then remove "
    "the unit without stopping the container.",
)
@common
def uninstall(
    containers: tuple[str, ...],
    dry_run: bool,
    force: bool,
    keep_running: bool,
    root: str | None,
    templates: tuple[Path, ...],
) -> None:
    """Stop, disable and remove the units of CONTAINERS; restore Docker's restart policy.

    Networks' units go too once no remaining unit needs them. The containers themselves
    are left in place: stopped, or running with --keep-running (Docker supervises them
    again from that moment); so are the admin's drop-ins (UNIT.d/), with a note on how to
    remove them. A container that has no unit is not an error.

    \b
    Examples:
      unitgen uninstall web1
      unitgen uninstall --keep-running web1 db
      unitgen uninstall --dry-run web1 db
    """
    app = _app(root, templates)
    _plan_and_apply(
        app,
        lambda: app.plan_uninstall(
            containers, force=force, keep_running=keep_running, dry_run=dry_run
        ),
        dry_run,
    )


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array, for scripts.")
@click.option("--no-docker", is_flag=True, help="Do not ask Docker for the containers' states.")
@common
def list_(as_json: bool, no_docker: bool, root: str | None, templates: tuple[Path, ...]) -> None:
    """The units unitgen manages, their containers and their states.

    \b
    Columns: UNIT, CONTAINER, ACTIVE (systemd), ENABLED, DOCKER (running, stopped, gone),
    EDITED (changed by hand since unitgen wrote it).
    """
    rows = _app(root, templates).list_units(with_docker=not no_docker)
    if as_json:
        import json
        from dataclasses import asdict

        click.echo(json.dumps([asdict(r) for r in rows], indent=2))
        return
    header = ("UNIT", "CONTAINER", "ACTIVE", "ENABLED", "DOCKER", "EDITED")
    table = [header] + [
        (
            r.unit,
            r.container,
            r.active,
            "yes" if r.enabled else "no",
            r.docker,
            "yes" if r.edited else "no",
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@cli.command()
@click.argument("containers", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Stable JSON (schema in the README).")
@common
def drift(
    containers: tuple[str, ...], as_json: bool, root: str | None, templates: tuple[Path, ...]
) -> None:
    """Report every way the units and Docker disagree (all containers, or CONTAINERS).

    Kinds: restart-policy-conflict, recreated, stale, edited, orphan, not-enabled, masked,
    started-outside-systemd, container-not-running; unmanaged and drop-in are informational
    (a drop-in, as `systemctl edit` writes it, is the supported customisation, never an
    edit). Each finding names the command that fixes it. Exit 0 when there is none (or only
    informational ones), 20 when drift is found.

    \b
    Examples:
      unitgen drift
      unitgen drift --json web1
    """
    from unitgen.drift import exit_worthy
    from unitgen.errors import DRIFT_FOUND
    from unitgen.report import drift_json, drift_table

    found = _app(root, templates).drift(containers)
    if as_json:
        click.echo(drift_json(found))
    else:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        for line in drift_table(found, color=color):
            click.echo(line)
    if exit_worthy(found):
        raise click.exceptions.Exit(DRIFT_FOUND)


@cli.command()
@click.argument("containers", nargs=-1)
@common
def diff(containers: tuple[str, ...], root: str | None, templates: tuple[Path, ...]) -> None:
    """Unified diff: each installed unit against what would be generated now.

    Only unitgen's file is compared; each drop-in (UNIT.d/*.conf) is named after it, kept as
    it is.

    \b
    Example:
      unitgen diff web1
    """
    click.echo(_app(root, templates).diff(containers), nl=False)


@cli.command()
@click.argument("container")
@click.option("--json", "as_json", is_flag=True, help="The same, as one JSON object.")
@common
def status(container: str, as_json: bool, root: str | None, templates: tuple[Path, ...]) -> None:
    """One view of CONTAINER: its unit, the container, what it needs, drift, logs.

    The unit's state, last exit and restarts (systemd), its drop-ins; the container's state,
    health, exit code and restart count (Docker); the state of each unit it Requires, BindsTo
    or Wants; its drift; the container's last 10 log lines. Without a running systemd it
    shows what the files say and `offline`; with the engine down, the systemd side and
    DOCKER unknown. Exit 4 when there is neither a unit nor a container named CONTAINER.

    \b
    Examples:
      unitgen status web1
      unitgen status --json web1
    """
    from unitgen.status import gather, status_json, status_lines

    found = gather(_app(root, templates), container)
    click.echo(status_json(found) if as_json else "\n".join(status_lines(found)))


@cli.command()
@click.option("--dry-run", "-n", is_flag=True, help="Print the plan; change nothing.")
@click.option("--prune", is_flag=True, help="Also remove the units of containers that are gone.")
@click.option("--force", is_flag=True, help="Also replace units edited by hand.")
@common
def sync(
    dry_run: bool, prune: bool, force: bool, root: str | None, templates: tuple[Path, ...]
) -> None:
    """Bring the installed units to the desired state, with one daemon-reload.

    Regenerates stale units and those of recreated containers, sets Docker restart policies
    back to `no`, reports edited units (replaced only with --force) and orphans (removed only
    with --prune). Starts nothing.

    \b
    Examples:
      unitgen sync --dry-run
      unitgen sync --prune
    """
    app = _app(root, templates)
    _plan_and_apply(
        app,
        lambda: app.plan_sync(prune=prune, force=force, dry_run=dry_run),
        dry_run,
        "nothing to do: the units are in sync",
    )


@cli.command()
@click.argument("containers", nargs=-1)
@click.option("--dry-run", "-n", is_flag=True, help="Print the plan; change nothing.")
@unit_options
@common
def adopt(
    containers: tuple[str, ...],
    dry_run: bool,
    root: str | None,
    templates: tuple[Path, ...],
    **generator: Any,
) -> None:
    """Take over containers that rely on Docker restart policies (all such, or CONTAINERS).

    Each gets a unit that keeps the meaning of its policy (README, "Restart policies"), and
    its Docker policy becomes `no`; `unitgen uninstall` reverses it exactly.

    \b
    Examples:
      unitgen adopt --dry-run
      unitgen adopt web1
    """
    chosen = _options(generator)
    app = _app(root, templates)
    _plan_and_apply(
        app, lambda: app.plan_adopt(containers, options=chosen, dry_run=dry_run), dry_run
    )


@cli.command()
@common
def watch(root: str | None, templates: tuple[Path, ...]) -> None:
    """Follow Docker's events and keep units in sync, until stopped (a service).

    Handles containers unitgen already manages (recreated, updated, renamed, removed: the
    unit is regenerated or pruned) and containers that opt in with the label
    `unitgen.enable=true` (a unit is installed and started when they appear). Survives an
    engine restart: it reconnects and replays the events it missed. The Debian package ships
    it as unitgen-watch.service, disabled by default.

    \b
    Example:
      unitgen watch
    """
    import signal

    from unitgen.watch import run

    def stop(signum: int, _frame: object) -> None:
        # Explicit handlers: systemd stops the service with SIGTERM, and a SIGINT that the
        # parent ignored (a background job) would otherwise be ignored here too. An interrupted
        # round is like a crash: every write is atomic and the next run converges.
        _log().info("stopping on %s", signal.Signals(signum).name)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    _log().info("watching Docker events (unitgen.enable=true opts a container in)")
    run(lambda: _app(root, templates), _log().info)


@cli.command("exit-codes")
def exit_codes() -> None:
    """The exit codes unitgen returns, for scripts."""
    for code, meaning in sorted(EXIT_CODES.items()):
        click.echo(f"{code:>3}  {meaning}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: the one place where errors become messages and exit codes."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        # Without standalone mode click returns (not raises) the code of click.exceptions.Exit.
        code = cli.main(args=args, prog_name="unitgen", standalone_mode=False)
    except UnitgenError as exc:
        if debug:
            _log().exception("failed")
        click.echo(f"unitgen: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("unitgen: interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("unitgen: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        click.echo(f"unitgen: internal error: {exc!r}; rerun with --debug and report it", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
