"""The commands that change things, or could: generate, install, uninstall, adopt, sync and
watch. Each parses its options, calls the library (`unitgen.commands`) and prints; errors
go up to `cli.main`, the one place where they become exit codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from unitgen.cli.common import (
    ROOT_INSTALLS,
    common_for,
    dry_run_option,
    generator_options,
    host_and_engine,
    json_option,
    log,
    plan_and_apply,
    raise_failures,
    unit_options,
)
from unitgen.cli.completion import engine_containers, installed_containers


@click.command()
@click.argument("containers", nargs=-1, shell_complete=engine_containers)
@click.option("--all", "all_", is_flag=True, help="Every container on this engine.")
@click.option(
    "--output",
    "-o",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the unit files into DIR instead of printing them.",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the units (text included) as one JSON object."
)
@common_for(
    "Generate for an image root: its systemd's version, the settings its installed units "
    "recorded; nothing is written there."
)
def generate(
    containers: tuple[str, ...],
    all_: bool,
    output: Path | None,
    as_json: bool,
    root: str | None,
    templates: tuple[Path, ...],
) -> None:
    """Print the units CONTAINERS need (their dependencies' too). No side effects.

    A container is named as Docker's CLI takes it: NAME, /NAME, its id or a unique prefix of it.

    Each unit is printed after a `---NAME---` line. With --output, the files are written
    into DIR (atomically), nothing else is touched, and unitgen says how to use them: the
    units run a helper that only install and sync write.

    \b
    Examples:
      unitgen generate web1
      unitgen generate --all --output /tmp/units
      unitgen generate --json web1
    """
    from unitgen.plan.actions import require_names

    require_names(containers, all_=all_, command="generate")
    from unitgen.commands.desired import desired
    from unitgen.commands.view import gather, resolve

    host, engine = host_and_engine(root, templates)
    names = resolve(host, engine, containers)
    units, failed = desired(gather(host, engine, names, whole=all_, facts=False), names, all_=all_)
    if output is not None:
        from unitgen.host.apply import atomic_write_many

        atomic_write_many([(output / unit.name, unit.text) for unit in units])
    if as_json:
        from unitgen.cli.jsonout import generate_json

        click.echo(generate_json(units, failed, output))
    elif output is None:
        for unit in units:
            click.echo(f"---{unit.name}---")
            click.echo(unit.text, nl=False)
    raise_failures(failed)
    if output is not None:
        from unitgen.plan.generated import output_note
        from unitgen.units.names import helper_file

        present = helper_file(host.root, host.scope).exists()
        started = [u.name for u in units if u.container]
        note = output_note(output, len(units), started, helper_present=present, scope=host.scope)
        # Without the helper the files cannot start as they stand: said even with --quiet.
        (log().info if present else log().warning)("%s", note)


@click.command()
@click.argument("containers", nargs=-1, shell_complete=engine_containers)
@click.option("--all", "all_", is_flag=True, help="Every container on this engine.")
@dry_run_option
@json_option
@click.option(
    "--force", is_flag=True, help="Replace units unitgen did not make or that were edited by hand."
)
@click.option("--no-start", is_flag=True, help="Write and enable, but do not start.")
@click.option(
    "--keep-disabled",
    is_flag=True,
    help="A unit installed before and disabled now stays disabled and is not started "
    "(what a package's upgrade does; dh_unitgen's snippets use it).",
)
@unit_options
@common_for(ROOT_INSTALLS)
def install(
    containers: tuple[str, ...],
    all_: bool,
    dry_run: bool,
    as_json: bool,
    force: bool,
    no_start: bool,
    keep_disabled: bool,
    root: str | None,
    templates: tuple[Path, ...],
    **generator: Any,
) -> None:
    """Write, enable and start the units of CONTAINERS and of all they depend on.

    Docker's restart policy of each container becomes `no` (systemd supervises now); the
    old policy is recorded in the unit and restored by `uninstall`. Running it again with
    nothing changed changes nothing. Containers under a Docker restart policy that link to
    one of them, or share its network namespace, are installed too (the engine would start
    them at boot before the unit, and fail). Without a running systemd (chroot, image build,
    --root, DPKG_ROOT) units are written and enabled offline and nothing is started.
    With --recreate the unit owns its container: it creates it anew from a recorded
    request (/etc/unitgen/recreate/NAME.json) at each start and removes it at each stop.

    \b
    Examples:
      unitgen install web1
      unitgen install --dry-run web1
      unitgen install --root /srv/image --no-start web1
      unitgen install --stop-timeout 60 --after srv-data.mount db
      unitgen install --recreate web1
    """
    from unitgen.plan.actions import require_names

    require_names(containers, all_=all_, command="install")
    chosen = generator_options(generator)
    from unitgen.commands.manage import plan_install
    from unitgen.commands.view import resolve

    host, engine = host_and_engine(root, templates)
    names = resolve(host, engine, containers)
    plan_and_apply(
        host,
        engine,
        lambda: plan_install(
            host,
            engine,
            names,
            all_=all_,
            force=force,
            start=not no_start,
            keep_disabled=keep_disabled,
            options=chosen,
            dry_run=dry_run,
        ),
        dry_run,
        "nothing to do: the units are installed and up to date",
        as_json=as_json,
    )


@click.command()
@click.argument("containers", nargs=-1, shell_complete=installed_containers)
@click.option("--all", "all_", is_flag=True, help="Every unit unitgen installed.")
@dry_run_option
@json_option
@click.option(
    "--force", is_flag=True, help="Remove even edited units, or units that others still need."
)
@click.option(
    "--keep-running",
    is_flag=True,
    help="Hand the containers back to Docker running: restore the policy first, then remove "
    "the unit without stopping the container.",
)
@common_for(
    "Uninstall from an image root: disable and remove there, stop nothing, restore no Docker "
    "restart policy."
)
def uninstall(
    containers: tuple[str, ...],
    all_: bool,
    dry_run: bool,
    as_json: bool,
    force: bool,
    keep_running: bool,
    root: str | None,
    templates: tuple[Path, ...],
) -> None:
    """Stop, disable and remove the units of CONTAINERS; restore Docker's restart policy.

    Networks' units go too once no remaining unit needs them. The containers themselves
    are left in place: stopped, or running with --keep-running (Docker supervises them
    again from that moment); so are the admin's drop-ins (UNIT.d/), with a note on how to
    remove them. A container that has no unit is not an error, and one that no longer exists
    is found by its unit (by name or by the id the unit recorded). What a container going
    back to Docker links to, or whose network namespace it shares, goes back too (the
    engine could not start it at boot before a unit); refused if another unit needs it.

    \b
    Examples:
      unitgen uninstall web1
      unitgen uninstall --keep-running web1 db
      unitgen uninstall --dry-run --all
    """
    from unitgen.plan.actions import require_names

    require_names(containers, all_=all_, command="uninstall")
    from unitgen.commands.manage import plan_uninstall
    from unitgen.commands.view import resolve

    host, engine = host_and_engine(root, templates)
    names = resolve(host, engine, containers, units_too=True, lenient=True)
    plan_and_apply(
        host,
        engine,
        lambda: plan_uninstall(
            host, engine, names, all_=all_, force=force, keep_running=keep_running
        ),
        dry_run,
        as_json=as_json,
    )


@click.command()
@dry_run_option
@json_option
@click.option("--prune", is_flag=True, help="Also remove the units of containers that are gone.")
@click.option("--force", is_flag=True, help="Also replace units edited by hand.")
@common_for(
    "Sync an image root's units: rewrite and enable there, start nothing, leave Docker's "
    "restart policies alone."
)
def sync(
    dry_run: bool,
    as_json: bool,
    prune: bool,
    force: bool,
    root: str | None,
    templates: tuple[Path, ...],
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
    from unitgen.commands.manage import plan_sync

    host, engine = host_and_engine(root, templates)
    plan_and_apply(
        host,
        engine,
        lambda: plan_sync(host, engine, prune=prune, force=force),
        dry_run,
        "nothing to do: the units are in sync",
        as_json=as_json,
    )


@click.command()
@click.argument("containers", nargs=-1, shell_complete=engine_containers)
@click.option("--all", "all_", is_flag=True, help="Every such container (the same as naming none).")
@dry_run_option
@json_option
@unit_options
@common_for(ROOT_INSTALLS)
def adopt(
    containers: tuple[str, ...],
    all_: bool,
    dry_run: bool,
    as_json: bool,
    root: str | None,
    templates: tuple[Path, ...],
    **generator: Any,
) -> None:
    """Take over containers that rely on Docker restart policies (all such, or CONTAINERS).

    Each gets a unit that keeps the meaning of its policy (see RESTART POLICIES in
    unitgen(8)), and its Docker policy becomes `no`; `unitgen uninstall` reverses it exactly.

    \b
    Examples:
      unitgen adopt --dry-run
      unitgen adopt web1
    """
    from unitgen.plan.actions import require_names

    require_names(containers, all_=all_, command="adopt", needed=False)
    chosen = generator_options(generator)
    from unitgen.commands.manage import plan_adopt
    from unitgen.commands.view import resolve

    host, engine = host_and_engine(root, templates)
    names = resolve(host, engine, containers)
    plan_and_apply(
        host,
        engine,
        lambda: plan_adopt(host, engine, names, options=chosen, dry_run=dry_run),
        dry_run,
        as_json=as_json,
    )


@click.command()
@common_for(
    "Keep an image root's units in sync: write and enable there, start nothing, leave Docker's "
    "restart policies alone."
)
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

    from unitgen.commands.watch import run

    def stop(signum: int, _frame: object) -> None:
        # Explicit handlers: systemd stops the service with SIGTERM, and a SIGINT that the
        # parent ignored (a background job) would otherwise be ignored here too. An interrupted
        # round is like a crash: every write is atomic and the next run converges.
        log().info("stopping on %s", signal.Signals(signum).name)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log().info("watching Docker events (unitgen.enable=true opts a container in)")
    run(lambda: host_and_engine(root, templates), log().info)


COMMANDS = (generate, install, uninstall, adopt, sync, watch)
