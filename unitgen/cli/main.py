"""The `unitgen` command: the group, logging, and `main`, the one place where errors become
exit codes. The commands live by what they are about: `cli.manage` (generate, install,
uninstall, adopt, sync, watch), `cli.report` (list, drift, diff, status, exit-codes),
`cli.graph`, `cli.export` and `cli.update`; the options they share live in `cli.common`.
Library modules are imported inside commands, so `--help` stays fast.
"""

from __future__ import annotations

import sys

import click

from unitgen import __version__
from unitgen.cli.common import log
from unitgen.errors import INTERRUPTED, UnitgenError

# Each command: the module that defines it, and its line in `unitgen --help`, so that --help
# imports none of them (about a tenth of its cost). tests/unit/test_cli.py checks each line
# against what click makes of the command's own docstring.
COMMANDS: dict[str, tuple[str, str]] = {
    "adopt": ("cli.manage", "Take over containers that rely on Docker restart policies..."),
    "diff": ("cli.report", "Unified diff: each installed unit against what would be..."),
    "drift": ("cli.report", "Report every way the units and Docker disagree (all..."),
    "exit-codes": ("cli.report", "The exit codes unitgen returns, for scripts."),
    "export": ("cli.export", "Export CONTAINERS, and what they need, as Compose, Podman..."),
    "generate": ("cli.manage", "Print the units CONTAINERS need (their dependencies' too)."),
    "graph": ("cli.graph", "Draw the boot order: each container, what it needs, and why."),
    "install": ("cli.manage", "Write, enable and start the units of CONTAINERS and of all..."),
    "list": ("cli.report", "The units unitgen made (containers' and networks'), and..."),
    "status": ("cli.report", "One view of CONTAINER: its unit, the container, what it..."),
    "sync": ("cli.manage", "Bring the installed units to the desired state, with one..."),
    "uninstall": ("cli.manage", "Stop, disable and remove the units of CONTAINERS; restore..."),
    "update": ("cli.update", "Pull newer images for opted-in containers; roll back what..."),
    "watch": ("cli.manage", "Follow Docker's events and keep units in sync, until..."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when one is run (or listed), not before."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            import importlib

            module = importlib.import_module(f"unitgen.{COMMANDS[cmd_name][0]}")
            for command in module.COMMANDS:
                self.add_command(command)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, short) in sorted(COMMANDS.items())])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="unitgen")
@click.option(
    "--debug",
    is_flag=True,
    help="Log every step to stderr (engine requests, the plan, file writes, systemctl calls), "
    "and show tracebacks.",
)
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="For scripts: only errors and the data a command was asked for (no progress, no notes).",
)
def cli(debug: bool, quiet: bool) -> None:
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

    A container is named as Docker's CLI takes it: NAME, /NAME, its id or a unique id prefix.
    """
    from unitgen import log as logs
    from unitgen.host.systemd import booted

    logs.configure(debug=debug, quiet=quiet, journal=booted)


def all_commands() -> dict[str, click.Command]:
    """Every command, loaded: for the man page, completion and the tests."""
    for name in COMMANDS:
        cli.get_command(click.Context(cli), name)
    return dict(cli.commands)


def main(argv: list[str] | None = None) -> None:
    """Entry point: the one place where errors become messages and exit codes."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        # Without standalone mode click returns (not raises) the code of click.exceptions.Exit.
        code = cli.main(args=args, prog_name="unitgen", standalone_mode=False)
    except UnitgenError as exc:
        if debug:
            log().exception("failed")
        click.echo(f"unitgen: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("unitgen: interrupted", err=True)
        sys.exit(INTERRUPTED)
    except KeyboardInterrupt:
        click.echo("unitgen: interrupted", err=True)
        sys.exit(INTERRUPTED)
    except Exception as exc:
        if debug:
            raise
        click.echo(f"unitgen: internal error: {exc!r}; rerun with --debug and report it", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
