"""`unitgen export`: the containers as a Compose file or Podman Quadlet files."""

from __future__ import annotations

from pathlib import Path

import click

from unitgen.cli.common import host_and_engine, log, user_option
from unitgen.cli.completion import directories, engine_containers


@click.command()
@user_option
@click.argument("containers", nargs=-1, shell_complete=engine_containers)
@click.option("--all", "all_", is_flag=True, help="Every container on this engine.")
@click.option(
    "--format",
    "format_",
    type=click.Choice(["compose", "quadlet", "stack"]),
    required=True,
    help="compose: one compose.yaml; quadlet: NAME.container and NET.network files; "
    "stack: one stack.yaml for docker stack deploy (Swarm).",
)
@click.option(
    "--output",
    "-o",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the files into DIR (made if missing) instead of printing them.",
)
@click.option("--force", is_flag=True, help="With --output, replace files that exist.")
@click.option(
    "--root",
    metavar="DIR",
    default=None,
    shell_complete=directories,
    help="Where to read the restart policies unitgen recorded in its units. "
    "Default: $DPKG_ROOT, else /.",
)
def export(
    containers: tuple[str, ...],
    all_: bool,
    format_: str,
    output: Path | None,
    force: bool,
    root: str | None,
) -> None:
    """Export CONTAINERS, and what they need, as Compose, Podman Quadlet or Swarm stack files.

    From the same reading of Docker as the units, with the same dependencies: depends_on
    (service_healthy behind a health check) or Requires=/Wants=/BindsTo= and After=. The
    restart policy is Docker's, or the one unitgen recorded when it took the container over.
    What the format cannot express is printed on stderr and listed in a comment at the top
    of the file, never dropped silently. compose and stack print the file; quadlet prints
    each file after a ---NAME--- line.

    \b
    Examples:
      unitgen export --format compose web1 > compose.yaml
      unitgen export --format quadlet --all --output /etc/containers/systemd
    """
    from unitgen.errors import UnitgenError
    from unitgen.export.compose import export_compose
    from unitgen.export.quadlet import export_quadlet
    from unitgen.export.stack import export_stack
    from unitgen.options import UnitOptions
    from unitgen.plan.actions import effective_policy, options_for, require_names
    from unitgen.units.names import container_unit_name

    require_names(containers, all_=all_, command="export")
    from unitgen.commands.view import gather, resolve

    host, engine = host_and_engine(root)
    names = resolve(host, engine, containers)
    view = gather(host, engine, names, whole=all_, render=False, facts=False)
    graph, installed = view.graph, view.installed
    policies = {
        name: effective_policy(spec.restart_policy, installed.get(container_unit_name(name)))
        for name, spec in graph.containers.items()
    }
    chosen = {}
    for name, spec in graph.containers.items():
        try:
            chosen[name] = options_for(
                spec, UnitOptions(), installed.get(container_unit_name(name))
            )[1]
        except UnitgenError as exc:  # a bad label: that container's options are not exported
            log().warning("not exported: %s: its generator options: %s", name, exc.message)
    exporter = {"compose": export_compose, "quadlet": export_quadlet, "stack": export_stack}
    result = exporter[format_](graph, None if all_ else names, policies, chosen)
    for warning in result.warnings:
        log().warning("not exported: %s", warning)
    if output is not None:
        from unitgen.host.apply import write_files

        write_files(output, result.files, replace=force)
        log().info("wrote %s into %s", ", ".join(result.files), output)
    elif format_ in ("compose", "stack"):
        click.echo(next(iter(result.files.values())), nl=False)
    else:
        for name, text in result.files.items():
            click.echo(f"---{name}---")
            click.echo(text, nl=False)


COMMANDS = (export,)
