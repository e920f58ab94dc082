"""ruff (lint and format) and mypy --strict are part of the suite, so CI enforces them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, need

# The build-time scripts the Debian package runs (the man page, the completion scripts).
BUILD = ["packaging/make-completion.py", "packaging/make-manpage.py"]
CHECKS = {
    "ruff-check": [
        sys.executable,
        "-m",
        "ruff",
        "check",
        "unitgen",
        "tests",
        "bench",
        "demo",
        *BUILD,
    ],
    "ruff-format": [
        sys.executable,
        "-m",
        "ruff",
        "format",
        "--check",
        "unitgen",
        "tests",
        "bench",
        "demo",
        *BUILD,
    ],
    "mypy": [sys.executable, "-m", "mypy", "unitgen", "tests", "bench", "demo", *BUILD],
}


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_the_code_is_clean(check: str) -> None:
    done = subprocess.run(CHECKS[check], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readme_architecture_table_names_every_module() -> None:
    readme = (REPO / "README.md").read_text()
    table = readme.split("## Architecture\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`((?:[a-z_]+/)?[a-z_]+\.(?:py|sh))`", table))
    package = REPO / "unitgen"
    modules = {
        str(p.relative_to(package))
        for p in package.rglob("*")
        if p.suffix in (".py", ".sh") and p.name not in ("__init__.py", "__main__.py")
    }
    assert modules <= listed, "add them to the table"
    assert listed <= modules, "the table names modules that are gone"


def command_paths() -> dict[str, list[str]]:
    """README "Architecture", "One path per command": command -> the modules of its path."""
    readme = (REPO / "README.md").read_text()
    table = readme.split("One path per command", 1)[1].split("\n\n", 2)[1]
    paths = {}
    for row in table.splitlines()[2:]:
        _, command, path, _ = row.split("|")
        paths[command.strip().strip("`")] = re.findall(r"`([a-z_]+/[a-z_]+)\.py`", path)
    return paths


def test_the_readme_names_one_path_for_every_command() -> None:
    from unitgen.cli.main import COMMANDS

    documented = set(command_paths())
    assert documented == set(COMMANDS) - {"exit-codes"}


@pytest.mark.parametrize("command", sorted(command_paths()))
def test_each_commands_path_in_the_readme_is_the_codes(command: str) -> None:
    """Every module of the path exists, the first one defines the command, and it imports each
    one after it (directly or through others, function-level imports included)."""
    import grimp

    from unitgen.cli.main import COMMANDS

    modules = [f"unitgen.{m.replace('/', '.')}" for m in command_paths()[command]]
    assert all((REPO / (m.replace(".", "/") + ".py")).is_file() for m in modules), modules
    assert f"unitgen.{COMMANDS[command][0]}" == modules[0]
    graph = grimp.build_graph("unitgen")
    unreached = [m for m in modules[1:] if not graph.chain_exists(modules[0], m)]
    assert unreached == []


# The scripts that set up CI and build its images and packages (the helper has its own check).
SCRIPTS = (
    "packaging/build-deb.sh",
    "packaging/examples/hello-container/build.sh",
    "tests/setup.sh",
    "tests/run-all.sh",
    "tests/images/build.sh",
    "tests/images/debian-root.sh",
    "tests/images/build-root.sh",
    "tests/harness/build-image.sh",
    "tests/fullhost/build-image.sh",
    "tests/quadlet/build-image.sh",
)


def test_the_setup_and_image_scripts_are_shellcheck_clean() -> None:
    need("shellcheck", shutil.which("shellcheck") is not None)
    done = subprocess.run(
        ["shellcheck", "-x", "-P", "SCRIPTDIR", *SCRIPTS],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
