#!/usr/bin/env python3
"""Print unitgen(8) in roff, made from the click commands' own help, so it stays true to --help.

Run from the repository root: PYTHONPATH=. python3 packaging/make-manpage.py > unitgen.8
"""

from __future__ import annotations

import inspect
import sys

import click

from unitgen import __version__
from unitgen.cli import cli
from unitgen.errors import EXIT_CODES


def roff(text: str) -> str:
    """Escape for roff: backslashes, and a leading dot or quote."""
    lines = []
    for line in text.replace("\\", "\\e").splitlines():
        lines.append("\\&" + line if line.startswith((".", "'")) else line)
    return "\n".join(lines)


def help_body(command: click.Command) -> str:
    text = inspect.cleandoc(command.help or "").replace("\b\n", "")
    return roff(text.strip())


def main() -> int:
    out = [
        f'.TH UNITGEN 8 "2026-11-28" "unitgen {__version__}" "System Administration"',
        ".SH NAME",
        "unitgen \\- systemd units for Docker containers, ordered by what they need",
        ".SH SYNOPSIS",
        ".B unitgen",
        "[\\fB\\-\\-debug\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fICONTAINER\\fR...]",
        ".SH DESCRIPTION",
        ".nf",
        help_body(cli),
        ".fi",
        ".SH COMMANDS",
    ]
    ctx = click.Context(cli, info_name="unitgen")
    for name in sorted(cli.commands):
        command = cli.commands[name]
        sub = click.Context(command, info_name=name, parent=ctx)
        out += [".SS " + roff(f"unitgen {name} {' '.join(command.collect_usage_pieces(sub))}"),
                ".nf", help_body(command), ".fi"]
        for param in command.get_params(sub):
            record = param.get_help_record(sub) if isinstance(param, click.Option) else None
            if record:
                out += [".TP", f"\\fB{roff(record[0])}\\fR", roff(record[1])]
    out += [".SH EXIT STATUS"]
    for code, meaning in sorted(EXIT_CODES.items()):
        out += [".TP", f"\\fB{code}\\fR", roff(meaning)]
    out += [
        ".SH FILES",
        ".TP", "\\fI/etc/systemd/system/docker\\-NAME.service\\fR",
        "the unit of container NAME (with an [X\\-Unitgen] section systemd ignores)",
        ".TP", "\\fI/etc/systemd/system/unitgen\\-network\\-NET.service\\fR",
        "the unit that makes sure user\\-defined network NET exists",
        ".TP", "\\fI/etc/unitgen/templates/\\fR",
        "admin overrides of the built\\-in templates (copies in /usr/share/unitgen/templates)",
        ".TP", "\\fI/run/lock/unitgen.lock\\fR",
        "serialises runs that change things",
        ".SH ENVIRONMENT",
        ".TP", "\\fBDPKG_ROOT\\fR",
        "operate on that root, offline, as with \\-\\-root",
        ".TP", "\\fBDOCKER_HOST\\fR",
        "unix://PATH of the engine's socket (default /run/docker.sock)",
        ".TP", "\\fBNO_COLOR\\fR",
        "no colour in tables",
        ".SH SEE ALSO",
        "\\fBsystemctl\\fR(1), \\fBsystemd.service\\fR(5), \\fBdocker\\fR(1)",
    ]
    sys.stdout.write("\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
