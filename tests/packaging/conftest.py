from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO


def _build(script: str, out: Path, *options: str) -> Path:
    done = subprocess.run(
        [str(REPO / script), *options, str(out)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr  # lintian --fail-on error,warning
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """unitgen's .deb: $UNITGEN_HARNESS_DEB when that names one (run-all.sh builds it once for
    a release's phase), else built for the harness's release: bookworm on this machine, any
    other in that release's build root (packaging/build-deb.sh --release)."""
    from tests.harness import DEB_ENV, harness_release

    given = os.environ.get(DEB_ENV)
    if given:
        return Path(given)
    release = harness_release()
    options = () if release == "bookworm" else ("--release", release)
    return _build("packaging/build-deb.sh", tmp_path_factory.mktemp("dist"), *options)


@pytest.fixture(scope="session")
def example_deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(
        "packaging/examples/hello-container/build.sh", tmp_path_factory.mktemp("dist-example")
    )
