from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO


def _build(script: str, out: Path) -> Path:
    done = subprocess.run(
        [str(REPO / script), str(out)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr  # lintian --fail-on error,warning
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build("packaging/build-deb.sh", tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def example_deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(
        "packaging/examples/hello-container/build.sh", tmp_path_factory.mktemp("dist-example")
    )
