"""unitgen(8) stands alone: made from the code (unitgen/cli/manpage.py), it names every command
and option, every label the code reads, every drift kind, every JSON field and every exit
code, and sends nobody to the README."""

from __future__ import annotations

import re

import click
import pytest

from tests.conftest import REPO
from unitgen import schemas
from unitgen.cli import reference
from unitgen.cli.main import all_commands, cli
from unitgen.cli.manpage import render
from unitgen.drift.compare import Kind
from unitgen.errors import EXIT_CODES

# "unitgen.X" strings in the code that are not labels: a package and the lock file's name.
NOT_LABELS = {"unitgen.templates", "unitgen.lock"}


@pytest.fixture(scope="module")
def page() -> str:
    """The page's text with roff's escapes undone, as a reader sees the words."""
    return render().replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")


def tagged(page: str) -> set[str]:
    """The tags of the page's tagged paragraphs (.TP, then the tag in bold or italics)."""
    return set(re.findall(r"^\.TP\n\\f[BI](.*)\\fR$", page, re.MULTILINE))


def test_the_page_has_every_command_and_every_option_of_each(page: str) -> None:
    ctx = click.Context(cli, info_name="unitgen")
    for name, command in all_commands().items():
        assert f"\n.SS unitgen {name} " in page, name
        body = page.split(f"\n.SS unitgen {name} ")[1].split("\n.SS ")[0]
        for param in command.get_params(click.Context(command, parent=ctx)):
            if isinstance(param, click.Option):
                for opt in param.opts:
                    assert opt in body, (name, opt)
            else:
                assert (param.name or "").upper() in body, (name, param.name)
    for param in cli.params:
        for opt in getattr(param, "opts", []):
            assert opt in page.split(".SH COMMANDS")[0], opt


def labels_in_the_code() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "unitgen").glob("*.py"):
        found |= set(re.findall(r"\"(unitgen\.[a-z][a-z.-]*[a-z])\"", path.read_text()))
    return found - NOT_LABELS


def test_the_page_describes_every_label_the_code_reads(page: str) -> None:
    documented = {label.name for label in reference.LABELS}
    assert labels_in_the_code() <= documented
    assert "com.docker.compose.depends_on" in documented
    tags = {tag.split("=")[0] for tag in tagged(page)}
    assert documented <= tags


def test_the_page_describes_every_drift_kind_with_its_severity_and_fix(page: str) -> None:
    assert set(reference.DRIFT_KINDS) == set(Kind)
    for kind, severity, _, _ in reference.drift_kinds():
        assert f"{kind} ({severity})" in tagged(page), kind


def test_the_page_describes_every_field_of_every_json_document(page: str) -> None:
    json_section = page.split(".SH JSON OUTPUT")[1].split("\n.SH ")[0]
    for document in schemas.DOCUMENTS:
        part = json_section.split(f"\n.SS {document.name}\n")[1].split("\n.SS ")[0]
        for command in document.commands:
            assert command in part, command
        fields = set(re.findall(r"^\.TP\n\\fB(.*)\\fR$", part, re.MULTILINE))
        assert fields == {f.path for f in document.fields}, document.name


def test_the_page_has_every_exit_code_and_the_restart_policies(page: str) -> None:
    exits = page.split(".SH EXIT STATUS")[1].split("\n.SH ")[0]
    assert {int(code) for code in tagged(exits)} == set(EXIT_CODES)
    restart = page.split(".SH RESTART POLICIES")[1].split("\n.SH ")[0]
    assert tagged(restart) == set(reference.RESTART_POLICIES)
    assert "systemd >= 254: Restart=always RestartSec=100ms RestartMode=direct" in restart


def test_the_page_has_files_environment_and_examples_and_never_sends_to_the_readme(
    page: str,
) -> None:
    for title in ("FILES", "ENVIRONMENT", "EXAMPLES"):
        assert f"\n.SH {title}\n" in page
    assert "/etc/unitgen/templates/" in page
    assert "README" not in page
