"""`unitgen update`: new images for the containers that ask for them, with rollback. Parses its
options, runs unitgen.update.run and prints its report; errors go up to `cli.main`, the one
place where they become exit codes.
"""

from __future__ import annotations

from pathlib import Path

import click

from unitgen.cli.common import log, user_option, user_scope_asked
from unitgen.cli.completion import engine_containers
from unitgen.update.decide import DEFAULT_TIMEOUT


@click.command()
@user_option
@click.argument("containers", nargs=-1, shell_complete=engine_containers)
@click.option(
    "--all",
    "all_",
    is_flag=True,
    help="Every container labelled unitgen.auto-update (as naming none).",
)
@click.option(
    "--dry-run",
    "-n",
    is_flag=True,
    help="Ask each registry for the name's digest and compare: pull, restart and change nothing.",
)
@click.option(
    "--timeout",
    type=click.IntRange(min=1),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="How long a container gets to be up on its new image (and on the previous one after "
    "a rollback); it must then keep running 5 s more.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Stable JSON (fields in unitgen(8), JSON OUTPUT)."
)
def update(
    containers: tuple[str, ...], all_: bool, dry_run: bool, timeout: int, as_json: bool
) -> None:
    """Pull newer images for opted-in containers; roll back what does not come up.

    For each container labelled unitgen.auto-update=registry (all of them, or CONTAINERS)
    whose unit owns it (recreate mode: the label unitgen.unit on the container) and is
    active: pull its image by name; a new id restarts the unit, which recreates the
    container on it. Up means running, and healthy with a health check, within --timeout,
    then still running 5 s later. If it is not, the previous id is tagged back to the name,
    the unit restarts on it, and the new id is remembered (/var/lib/unitgen/update/NAME.json):
    later runs report it "unchanged (... rejected earlier)" until the registry offers
    another. Each container is updated, unchanged, rolled back, failed (why) or skipped
    (why). --dry-run compares the registry's digest with the image's instead: update
    available, unchanged or cannot check. Exit 0; 22 when one was rolled back; 23 when one
    failed or could not be checked.

    \b
    Examples:
      unitgen update --all
      unitgen update --dry-run web1
      unitgen update --timeout 300 --json db
    """
    from unitgen.plan.actions import require_names
    from unitgen.units.scope import SYSTEM, current_user_scope
    from unitgen.update.decide import as_json as report_json
    from unitgen.update.decide import exit_code
    from unitgen.update.run import Updater, connect

    require_names(containers, all_=all_, command="update", needed=False)
    scope = current_user_scope() if user_scope_asked() else SYSTEM
    engine, units = connect(scope)
    updater = Updater(engine, units, timeout=timeout, report=log().info)
    if scope.user:  # a user's state is the user's own; the system's stays the Updater's
        updater.state_dir = Path(scope.update_dir)
    outcomes = updater.run(updater.names(containers), dry_run=dry_run)
    if as_json:
        click.echo(report_json(outcomes, dry_run=dry_run))
    else:
        for outcome in outcomes:
            click.echo(outcome.line)
        if not outcomes:
            log().info("no container is labelled unitgen.auto-update")
    code = exit_code(outcomes)
    if code:
        raise click.exceptions.Exit(code)


COMMANDS = (update,)
