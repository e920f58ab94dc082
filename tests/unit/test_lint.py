"""ruff (lint and format) and mypy --strict are part of the suite, so CI enforces them."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, need

CHECKS = {
    "ruff-check": [sys.executable, "-m", "ruff", "check", "unitgen", "tests", "bench", "demo"],
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
    ],
    "mypy": [sys.executable, "-m", "mypy", "unitgen", "tests", "bench", "demo"],
}


@pytest.mark.parametrize("check", sorted(CHECKS))
def test_the_code_is_clean(check: str) -> None:
    done = subprocess.run(CHECKS[check], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


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
