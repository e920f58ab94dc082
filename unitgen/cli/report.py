"""The commands that only look: list, drift, diff, status and exit-codes. Each parses its
options, calls the library (`unitgen.commands`, `unitgen.drift.report`) and prints; errors
go up to `cli.main`, the one place where they become exit codes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from unitgen.cli.common import common, common_for, host_and_engine, say
from unitgen.cli.completion import installed_containers
from unitgen.errors import EXIT_CODES


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, for scripts.")
@click.option("--no-docker", is_flag=True, help="Do not ask Docker for the containers' states.")
@common
def list_(as_json: bool, no_docker: bool, root: str | None, templates: tuple[Path, ...]) -> None:
    """The units unitgen made (containers' and networks'), and their states.

    \b
    Columns: UNIT (docker-NAME.service, unitgen-network-NAME.service), ACTIVE (systemd's
    ActiveState; auto-restart for a unit whose container died and which waits to be started
    again), RESTARTS (systemd's automatic restarts, NRestarts), ENABLED (- for a network
    unit, which its containers pull in), DOCKER (container: running, stopped, gone; network:
    present, gone; unknown when the engine was not asked or did not answer), HEALTH (the
    container's health check: starting, healthy, unhealthy; - without one; `unitgen status
    NAME` and --json show its last run's exit code and output), EDITED (changed by hand
    since unitgen wrote it). Works without the engine: what systemd and the unit files say
    is listed, DOCKER and HEALTH are unknown, and the exit code is 21.

    \b
    Examples:
      unitgen list
      unitgen list --json --no-docker
    """
    from unitgen.commands import listing
    from unitgen.errors import DOCKER_UNKNOWN

    found = listing.gather(*host_and_engine(root, templates), with_docker=not no_docker)
    for line in [listing.as_json(found)] if as_json else listing.table(found):
        click.echo(line)
    if found.docker == listing.UNREACHABLE:
        click.echo(f"unitgen: {found.docker_error}; the DOCKER column is unknown", err=True)
        raise click.exceptions.Exit(DOCKER_UNKNOWN)


@click.command()
@click.argument("containers", nargs=-1, shell_complete=installed_containers)
@click.option("--all", "all_", is_flag=True, help="Every unit and container (as naming none).")
@click.option(
    "--json", "as_json", is_flag=True, help="Stable JSON (fields in unitgen(8), JSON OUTPUT)."
)
@common_for(
    "Check the units of an image root instead of /'s. Docker's restart policy beside a unit is "
    "no conflict there: nothing starts those units yet, so install --root left it."
)
def drift(
    containers: tuple[str, ...],
    all_: bool,
    as_json: bool,
    root: str | None,
    templates: tuple[Path, ...],
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
    from unitgen.drift.compare import exit_worthy
    from unitgen.drift.report import drift_json, drift_table, no_drift
    from unitgen.errors import DRIFT_FOUND
    from unitgen.plan.actions import require_names

    require_names(containers, all_=all_, command="drift", needed=False)
    from unitgen.commands.findings import check
    from unitgen.commands.view import resolve

    host, engine = host_and_engine(root, templates)
    names = resolve(host, engine, containers, units_too=True)
    found = check(host, engine, names)
    if as_json:
        click.echo(drift_json(found))
    elif not found:
        from unitgen.host.inventory import scan

        for line in no_drift(names, scan(host.root), host.root):
            say(line)
    else:
        color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        for line in drift_table(found, color=color):
            click.echo(line)
    if exit_worthy(found):
        raise click.exceptions.Exit(DRIFT_FOUND)


@click.command()
@click.argument("containers", nargs=-1, shell_complete=installed_containers)
@click.option("--all", "all_", is_flag=True, help="Every unit unitgen installed.")
@common_for("Compare the units of an image root (generated for its systemd) instead of /'s.")
def diff(
    containers: tuple[str, ...], all_: bool, root: str | None, templates: tuple[Path, ...]
) -> None:
    """Unified diff: each installed unit against what would be generated now.

    Only unitgen's file is compared; each drop-in (UNIT.d/*.conf) is named after it, kept as
    it is. As diff(1), exit 0 when every unit is as it would be generated, 1 when one
    differs (a unit not installed yet differs from nothing; with --all, a unit whose
    container is gone differs too).

    \b
    Examples:
      unitgen diff web1
      unitgen diff --all
    """
    from unitgen.errors import DIFF_FOUND
    from unitgen.plan.actions import require_names

    require_names(containers, all_=all_, command="diff")
    from unitgen.commands.findings import compare_units
    from unitgen.commands.view import resolve

    host, engine = host_and_engine(root, templates)
    text, changed = compare_units(host, engine, resolve(host, engine, containers), all_=all_)
    click.echo(text, nl=False)
    if changed:
        raise click.exceptions.Exit(DIFF_FOUND)


@click.command()
@click.argument("container", shell_complete=installed_containers)
@click.option("--json", "as_json", is_flag=True, help="The same, as one JSON object.")
@common_for("Show the unit in an image root instead of /'s (and the container as Docker has it).")
def status(container: str, as_json: bool, root: str | None, templates: tuple[Path, ...]) -> None:
    """One view of CONTAINER: its unit, the container, what it needs, drift, logs.

    The unit's state (activating (auto-restart): waiting to be started again), last exit and
    restarts (systemd), its drop-ins; the container's state, exit code and restart count
    (Docker); its health check's status and last run (exit code, the last line of its
    output); the state of each unit it Requires, BindsTo or Wants; its drift; the
    container's last 10 log lines. Without a running systemd it shows what the files say
    and `offline`; with the engine down, the systemd side and DOCKER unknown. CONTAINER is a
    name, /NAME, an id or a unique id prefix. Exit 4 when there is neither a unit nor a
    container CONTAINER names.

    \b
    Examples:
      unitgen status web1
      unitgen status --json web1
    """
    from unitgen.commands.status import gather, status_json, status_lines
    from unitgen.commands.view import resolve

    host, engine = host_and_engine(root, templates)
    # lenient: a name with neither a container nor a unit may still have drop-ins to show.
    found = gather(
        host, engine, resolve(host, engine, [container], units_too=True, lenient=True)[0]
    )
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
        from unitgen.cli.jsonout import exit_codes_json

        click.echo(exit_codes_json(EXIT_CODES))
        return
    for code, meaning in sorted(EXIT_CODES.items()):
        click.echo(f"{code:>3}  {meaning}")


COMMANDS = (list_, drift, diff, status, exit_codes)
