"""The `unitgen` command: parse options, call the library, print. Errors become exit codes in
`main` and nowhere else. Library modules are imported inside commands, so `--help` stays fast.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from unitgen import __version__
from unitgen.errors import EXIT_CODES, UnitgenError

if TYPE_CHECKING:
    from unitgen.ops import Unitgen

log = logging.getLogger("unitgen")
F = TypeVar("F", bound=Callable[..., Any])


def _setup_logging(debug: bool) -> None:
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


def _app(root: str | None, templates: tuple[Path, ...]) -> Unitgen:
    from unitgen.ops import Unitgen

    return Unitgen(root=root, templates=templates)


def _print_plan(lines: list[str]) -> None:
    for line in lines:
        click.echo(line)


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
    units = _app(root, templates).desired(containers, all_=all_)
    if output is None:
        for unit in units:
            click.echo(f"---{unit.name}---")
            click.echo(unit.text, nl=False)
        return
    from unitgen.install import atomic_write

    for unit in units:
        atomic_write(output / unit.name, unit.text)
    log.info("wrote %d units into %s", len(units), output)


@cli.command()
@click.argument("containers", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every container on this engine.")
@click.option("--dry-run", "-n", is_flag=True, help="Print the plan; change nothing.")
@click.option(
    "--force", is_flag=True, help="Replace units unitgen did not make or that were edited by hand."
)
@click.option("--no-start", is_flag=True, help="Write and enable, but do not start.")
@common
def install(
    containers: tuple[str, ...],
    all_: bool,
    dry_run: bool,
    force: bool,
    no_start: bool,
    root: str | None,
    templates: tuple[Path, ...],
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
    """
    app = _app(root, templates)
    todo = app.plan_install(containers, all_=all_, force=force, start=not no_start)
    if dry_run:
        _print_plan(todo.describe(online=app.online))
        return
    app.apply(todo, log.info)
    if todo.empty:
        log.info("nothing to do: the units are installed and up to date")


@cli.command()
@click.argument("containers", nargs=-1)
@click.option("--dry-run", "-n", is_flag=True, help="Print the plan; change nothing.")
@click.option(
    "--force", is_flag=True, help="Remove even edited units, or units that others still need."
)
@common
def uninstall(
    containers: tuple[str, ...],
    dry_run: bool,
    force: bool,
    root: str | None,
    templates: tuple[Path, ...],
) -> None:
    """Stop, disable and remove the units of CONTAINERS; restore Docker's restart policy.

    Networks' units go too once no remaining unit needs them. The containers themselves
    are left in place (stopped). A container that has no unit is not an error.

    \b
    Examples:
      unitgen uninstall web1
      unitgen uninstall --dry-run web1 db
    """
    app = _app(root, templates)
    todo = app.plan_uninstall(containers, force=force)
    if dry_run:
        _print_plan(todo.describe(online=app.online))
        return
    app.apply(todo, log.info)


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
        cli.main(args=args, prog_name="unitgen", standalone_mode=False)
    except UnitgenError as exc:
        if debug:
            log.exception("failed")
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
    sys.exit(0)
