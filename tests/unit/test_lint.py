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


# The scripts that set up CI and build its images and packages (the helper has its own check).
SCRIPTS = (
    "packaging/build-deb.sh",
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
