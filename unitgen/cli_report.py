"""The commands that only look: list, drift, diff, status and exit-codes. Each parses its
options, calls the library (`unitgen.ops`, `unitgen.report`, `unitgen.status`) and prints;
errors go up to `cli.main`, the one place where they become exit codes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from unitgen.cli_common import common, make_app
from unitgen.completion import installed_containers
from unitgen.errors import EXIT_CODES


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
@click.option("--no-docker", is_flag=True, help="Do not ask Docker for the containers' states.")
@common
def list_(as_json: bool, no_docker: bool, root: str | None, templates: tuple[Path, ...]) -> None:
    """The units unitgen made (containers' and networks'), and their states.

    \b
    Columns: UNIT, CONTAINER (or the network), ACTIVE (systemd), ENABLED (- for a network
    unit, which its containers pull in), DOCKER (container: running, stopped, gone; network:
    present, gone; unknown when the engine was not asked or did not answer), EDITED (changed
    by hand since unitgen wrote it). Works without the engine: what systemd and the unit
    files say is listed, DOCKER is unknown, and the exit code is 21.

    \b
    Examples:
      unitgen list
      unitgen list --json --no-docker
    """
    from unitgen import listing
    from unitgen.errors import DOCKER_UNKNOWN

    found = listing.gather(make_app(root, templates), with_docker=not no_docker)
    for line in [listing.as_json(found)] if as_json else listing.table(found):
        click.echo(line)
    if found.docker == listing.UNREACHABLE:
        click.echo(f"unitgen: {found.docker_error}; the DOCKER column is unknown", err=True)
        raise click.exceptions.Exit(DOCKER_UNKNOWN)


@click.command()
@click.argument("containers", nargs=-1, shell_complete=installed_containers)
@click.option(
    "--json", "as_json", is_flag=True, help="Stable JSON (fields in unitgen(8), JSON OUTPUT)."
)
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

    found = make_app(root, templates).drift(containers)
    if as_json:
        click.echo(drift_json(found))
    else:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        for line in drift_table(found, color=color):
            click.echo(line)
    if exit_worthy(found):
        raise click.exceptions.Exit(DRIFT_FOUND)


@click.command()
@click.argument("containers", nargs=-1, shell_complete=installed_containers)
@common
def diff(containers: tuple[str, ...], root: str | None, templates: tuple[Path, ...]) -> None:
    """Unified diff: each installed unit against what would be generated now.

    Only unitgen's file is compared; each drop-in (UNIT.d/*.conf) is named after it, kept as
    it is.

    \b
    Example:
      unitgen diff web1
    """
    click.echo(make_app(root, templates).diff(containers), nl=False)


@click.command()
@click.argument("container", shell_complete=installed_containers)
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

    found = gather(make_app(root, templates), container)
    click.echo(status_json(found) if as_json else "\n".join(status_lines(found)))


@click.command("exit-codes")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
def exit_codes(as_json: bool) -> None:
    """The exit codes unitgen returns, for scripts.

    \b
    Example:
      unitgen exit-codes
    """
    if as_json:
        from unitgen.jsonout import exit_codes_json

        click.echo(exit_codes_json(EXIT_CODES))
        return
    for code, meaning in sorted(EXIT_CODES.items()):
        click.echo(f"{code:>3}  {meaning}")


COMMANDS = (list_, drift, diff, status, exit_codes)
