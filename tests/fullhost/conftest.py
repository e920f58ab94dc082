"""The ``fullhost`` fixture: one booted full host (systemd and its own Docker engine) per test
module, with the test image loaded into its engine."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import TEST_IMAGE, need, run_tag
from tests.fullhost import NAME_PREFIX, FullHost, build_image, image_for

# Which Debian the module's host runs; bookworm is the release CI builds (tests/setup.sh).
RELEASE_ENV = "UNITGEN_FULLHOST_RELEASE"


@pytest.fixture(scope="module")
def fullhost(request: pytest.FixtureRequest, docker_engine: None) -> Iterator[FullHost]:
    """A full host named after the test module (test_fullhost_smoke.py ->
    unitgen-fh-fullhost-smoke), destroyed afterwards."""
    # A module that needs one release whatever the run's (FULLHOST_RELEASE = "trixie") says so.
    release = getattr(request.module, "FULLHOST_RELEASE", None) or os.environ.get(
        RELEASE_ENV, "bookworm"
    )
    # debootstrap and chroot need root; a prebuilt image does not.
    have_image = _image_exists(image_for(release))
    need("root (to build the full-host image with debootstrap)", os.geteuid() == 0 or have_image)
    build_image(release)
    topic = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_").replace("_", "-")
    host = FullHost(
        name=f"{NAME_PREFIX}{topic}{run_tag()}",
        release=release,
        writable_proc_sys=getattr(request.module, "FULLHOST_WRITABLE_PROC_SYS", False),
    )
    host.boot()
    try:
        host.load_image(TEST_IMAGE)
        yield host
    finally:
        host.destroy()


def _image_exists(image: str) -> bool:
    done = subprocess.run(["docker", "image", "inspect", image], capture_output=True, check=False)
    return done.returncode == 0


@pytest.fixture
def live_restore(host: FullHost) -> Iterator[FullHost]:
    """The module's `host` with the engine's live-restore on; off again afterwards."""
    host.set_live_restore(True)
    try:
        yield host
    finally:
        host.set_live_restore(False)
