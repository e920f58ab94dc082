"""The command line: help, exit codes, and one clear line per error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from unitgen.cli import cli, main
from unitgen.errors import EXIT_CODES

README = Path(__file__).resolve().parents[2] / "README.md"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def readme_section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"\n{title}\n")
    return text[start : text.index("\n#", start + len(title) + 2)]


def readme_commands() -> set[str]:
    rows = re.findall(r"^\| `unitgen ([a-z-]+)", readme_section("## Commands"), re.MULTILINE)
    return set(rows)


def test_the_registered_commands_are_exactly_those_in_the_readme_commands_table() -> None:
    assert set(cli.commands) == readme_commands()


@pytest.mark.parametrize("command", sorted(readme_commands()))
def test_every_command_has_help_with_a_description_and_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run([command, "--help"], capsys)
    assert code == 0
    assert f"Usage: unitgen {command}" in out
    description = (cli.commands[command].help or "").strip().splitlines()
    assert description and " ".join(description[0].split()) in " ".join(out.split())
    example = out.partition("\n  Example")[2]
    assert re.search(rf"^ +unitgen {command}\b", example, re.MULTILINE), out


def test_exit_codes_are_listed_for_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["exit-codes"], capsys)
    assert code == 0
    assert out.count("\n") == len(EXIT_CODES)


def test_a_command_without_names_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["generate"], capsys)
    assert (code, out) == (2, "")
    assert err == (
        "unitgen: `unitgen generate` needs container names or --all; "
        "for example: unitgen generate web1\n"
    )


def test_docker_unreachable_is_one_line_and_exit_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no.sock")
    code, out, err = run(["install", "--root", str(tmp_path), "web1"], capsys)
    assert (code, out) == (3, "")
    assert err == (
        "unitgen: inspecting container web1: "
        f"cannot reach the Docker engine at {tmp_path}/no.sock; "
        "start it (systemctl start docker) or set DOCKER_HOST\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_unknown_option_is_clicks_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["install", "--bogus"], capsys)
    assert code == 2
    assert "No such option" in err and "--bogus" in err
