"""unitgen(8) in roff, made from the code: the commands' own --help, the labels, drift kinds,
restart mapping, files and examples of unitgen.cli.reference, the JSON documents of
unitgen.schemas and the exit codes of unitgen.errors. The page stands alone; nothing in it
can disagree with --help or with what unitgen does. packaging/make-manpage.py prints it at
package build time."""

from __future__ import annotations

import inspect
from collections.abc import Iterable

import click

from unitgen import __version__, schemas
from unitgen.cli import reference
from unitgen.errors import EXIT_CODES

DATE = "2026-11-29"


def roff(text: str) -> str:
    """Escape for roff: backslashes, and a leading dot or quote."""
    lines = []
    for line in text.replace("\\", "\\e").splitlines():
        lines.append("\\&" + line if line.startswith((".", "'")) else line)
    return "\n".join(lines)


def help_body(command: click.Command) -> str:
    text = inspect.cleandoc(command.help or "").replace("\b\n", "")
    return roff(text.strip())


def item(tag: str, *body: str) -> list[str]:
    """A tagged paragraph: TAG in bold, then its text."""
    return [".TP", f"\\fB{roff(tag)}\\fR", *(b if b == ".br" else roff(b) for b in body)]


def section(title: str, *intro: str) -> list[str]:
    return [f".SH {title}", *(roff(i) for i in intro)]


def options(params: Iterable[click.Parameter], ctx: click.Context) -> list[str]:
    out = []
    for param in params:
        record = param.get_help_record(ctx) if isinstance(param, click.Option) else None
        if record:
            out += item(record[0], record[1])
    return out


def commands(cli: click.Group) -> list[str]:
    ctx = click.Context(cli, info_name="unitgen", **cli.context_settings)
    out = [*section("OPTIONS"), *options(cli.get_params(ctx), ctx), *section("COMMANDS")]
    from unitgen.cli.main import all_commands

    for name, command in sorted(all_commands().items()):
        sub = click.Context(command, info_name=name, parent=ctx)
        usage = f"unitgen {name} {' '.join(command.collect_usage_pieces(sub))}"
        out += [".SS " + roff(usage), ".nf", help_body(command), ".fi"]
        out += options(command.get_params(sub), sub)
    return out


def labels() -> list[str]:
    out = section(
        "LABELS",
        "Labels on a container, read when its unit is generated. A flag of install or adopt "
        "beats what an earlier run's flags recorded in the unit ([X-Unitgen] Options=), which "
        "beats a label. A bad label is exit 7 (a value) or 6 (a name of nothing).",
    )
    for label in reference.LABELS:
        flag = f" (flag: {label.flag})" if label.flag else ""
        out += item(f"{label.name}={label.value}", label.meaning + flag)
    return out


def restart_policies() -> list[str]:
    out = section(
        "RESTART POLICIES",
        "install sets the container's Docker restart policy to no (two supervisors fight) and "
        "records the old one in the unit, which translates it as below. systemd 254 and later "
        "(read from the target's own libsystemd-shared) get Docker's back-off; a container "
        "whose network namespace others join keeps the classic restart mode.",
    )
    for policy, classic, modern, note in reference.restart_table():
        out += item(policy, f"systemd < 254: {classic}", ".br", f"systemd >= 254: {modern}")
        out += [".br", roff(note)]
    return out


def drift_kinds() -> list[str]:
    out = section(
        "DRIFT KINDS",
        "unitgen drift reports these; exit 20 when any is not info.",
    )
    for kind, severity, what, fix in reference.drift_kinds():
        out += item(f"{kind} ({severity})", what, ".br", f"fix: {fix}")
    return out


def json_documents() -> list[str]:
    out = section(
        "JSON OUTPUT",
        '--json prints one JSON object. Every document has "version": 1; fields are only '
        "ever added (a change that removes or retypes one would be version 2), so a script "
        "ignores the fields it does not know. A field's path names it inside its document: "
        "units[].unit is the unit key of each element of the units array. An optional field "
        "may be absent.",
    )
    for doc in schemas.DOCUMENTS:
        out += [f".SS {roff(doc.name)}", roff(", ".join(doc.commands)), ".br", roff(doc.summary)]
        for f in doc.fields:
            required = "" if f.required else ", optional"
            out += item(f.path, f"{f.type}{required}: {f.meaning}")
    return out


def pairs(title: str, rows: Iterable[tuple[str, str]], *, font: str = "I") -> list[str]:
    out = section(title)
    for tag, text in rows:
        out += [".TP", f"\\f{font}{roff(tag)}\\fR", roff(text)]
    return out


def render() -> str:
    from unitgen.cli.main import cli

    out = [
        f'.TH UNITGEN 8 "{DATE}" "unitgen {__version__}" "System Administration"',
        ".SH NAME",
        "unitgen \\- systemd units for Docker containers, ordered by what they need",
        ".SH SYNOPSIS",
        ".B unitgen",
        "[\\fB\\-\\-debug\\fR] [\\fB\\-\\-quiet\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR] "
        "[\\fICONTAINER\\fR...]",
        ".SH DESCRIPTION",
        ".nf",
        help_body(cli),
        ".fi",
        *commands(cli),
        *labels(),
        *restart_policies(),
        *drift_kinds(),
        *json_documents(),
        *pairs("EXIT STATUS", ((str(c), m) for c, m in sorted(EXIT_CODES.items())), font="B"),
        *pairs("FILES", reference.FILES),
        *pairs("ENVIRONMENT", reference.ENVIRONMENT, font="B"),
        *pairs("EXAMPLES", reference.EXAMPLES, font="B"),
        ".SH SEE ALSO",
        "\\fBsystemctl\\fR(1), \\fBsystemd.service\\fR(5), \\fBdocker\\fR(1)",
    ]
    return "\n".join(out) + "\n"
