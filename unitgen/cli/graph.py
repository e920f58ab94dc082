"""`unitgen graph`: the boot-order graph of containers, as text, DOT, Mermaid or SVG."""

from __future__ import annotations

import click

from unitgen.cli.common import host_and_engine, user_option
from unitgen.cli.completion import engine_containers


@click.command()
@user_option
@click.argument("containers", nargs=-1, shell_complete=engine_containers)
@click.option("--all", "all_", is_flag=True, help="Every container on this engine.")
@click.option(
    "--format",
    "format_",
    type=click.Choice(["text", "dot", "mermaid", "svg"]),
    default="text",
    show_default=True,
    help="svg runs Graphviz's dot (package graphviz).",
)
@click.option("--json", "as_json", is_flag=True, help="One versioned JSON object, for scripts.")
def graph(containers: tuple[str, ...], all_: bool, format_: str, as_json: bool) -> None:
    """Draw the boot order: each container, what it needs, and why.

    Arrows go from a container to what it needs (a container, a network, a bind-mounted
    path), labelled by the relation (link, network, netns, volumes-from, compose, label,
    mount) and by the unit dependency it becomes (BindsTo=, Requires=, Wants=,
    RequiresMountsFor=). Dependencies come first. A cycle is drawn, not refused.

    \b
    Examples:
      unitgen graph web1                      what web1 needs, as text
      unitgen graph --all --format svg > boot.svg
      unitgen graph --all --format mermaid    paste into Markdown
      unitgen graph --json web1               arrows as JSON (see JSON OUTPUT)
    """
    from unitgen.export.picture import FORMATS, as_dot, picture
    from unitgen.plan.actions import require_names

    require_names(containers, all_=all_, command="graph")
    from unitgen.commands.view import gather, resolve

    host, engine = host_and_engine(None)
    names = resolve(host, engine, containers)
    view = gather(host, engine, names, whole=all_, render=False, facts=False)
    pic = picture(view.graph, names or None)
    if as_json:
        format_ = "json"
    if format_ != "svg":
        click.echo(FORMATS[format_](pic), nl=False)
        return
    from unitgen.host.graphviz import svg

    click.echo(svg(as_dot(pic)), nl=False)


COMMANDS = (graph,)
