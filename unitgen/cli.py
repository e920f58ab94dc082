"""The `unitgen` command: the group, logging, and `main`, the one place where errors become
exit codes. The commands live by what they are about: `cli_manage` (generate, install,
uninstall, adopt, sync, watch), `cli_report` (list, drift, diff, status, exit-codes),
`cli_graph` and `cli_export`; the options they share live in `cli_common`. Library modules
are imported inside commands, so `--help` stays fast.
"""

from __future__ import annotations

import sys

import click

from unitgen import __version__, cli_export, cli_graph, cli_manage, cli_report
from unitgen.cli_common import log
from unitgen.errors import INTERRUPTED, UnitgenError


def _setup_logging(debug: bool, quiet: bool) -> None:
    import logging

    logger = log()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("unitgen: %(message)s"))
    # --quiet leaves out what is only informational on stderr; the journal still gets it.
    handler.setLevel(logging.WARNING if quiet and not debug else logging.DEBUG)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    logger.propagate = False
    from unitgen.systemd import booted

    if booted():
        try:
            from systemd.journal import JournalHandler
        except ImportError:
            return
        journal = JournalHandler(SYSLOG_IDENTIFIER="unitgen")
        journal.setLevel(logging.INFO)
        logger.addHandler(journal)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    _setup_logging(debug, quiet)


# Registered here, at import, so `cli.commands` is complete for --help, the man page
# (packaging/make-manpage.py) and shell completion.
for _command in (
    *cli_manage.COMMANDS,
    *cli_report.COMMANDS,
    *cli_graph.COMMANDS,
    *cli_export.COMMANDS,
):
    cli.add_command(_command)


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
