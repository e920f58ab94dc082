"""The example package (packaging/examples/hello-container, built with dh-unitgen) installed
into an image where systemd does not run, then that image booted: the light harness, since only
it can boot a committed image. Its whole life where systemd runs (install, upgrade, remove,
reinstall, purge), DPKG_ROOT, a chroot and policy-rc.d are tests/fullhost/test_dh_unitgen.py's."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need, run_tag
from tests.topology import docker, inspect

pytestmark = [
    pytest.mark.deb,
    pytest.mark.systemd,
    pytest.mark.docker,
    pytest.mark.usefixtures("docker_engine"),
]
NAME = "hello-web"
UNIT = "docker-hello-web.service"


def harness_class() -> type:
    try:
        from tests.harness import Harness, build_image
    except ImportError:
        need("the systemd harness (tests/harness)", False)
        raise
    build_image()
    return Harness


@pytest.fixture
def clean() -> Iterator[None]:
    docker("rm", "-f", NAME, check=False)
    yield
    docker("rm", "-f", NAME, check=False)


def copy_debs(name: str, *debs: Path) -> None:
    """Into /root: from trixie on a booted system has a tmpfs at /tmp, which docker cp does not
    see."""
    for deb in debs:
        subprocess.run(["docker", "cp", str(deb), f"{name}:/root/{deb.name}"], check=True)


def fetch() -> str:
    for _ in range(50):
        try:
            with urllib.request.urlopen("http://127.0.0.1:8089/", timeout=2) as response:
                body: bytes = response.read()
                return body.decode().strip()
        except OSError:
            time.sleep(0.2)
    return "unreachable"


@pytest.mark.usefixtures("clean")
def test_installed_into_an_image_without_systemd_then_booted(deb: Path, example: Path) -> None:
    harness = harness_class()
    from tests.harness import DOCKER_SOCK, harness_release, image_for

    builder = "unitgen-test-image-build" + run_tag()
    docker("rm", "-f", builder, check=False)
    docker(
        "run",
        "-d",
        "--name",
        builder,
        "-v",
        f"{DOCKER_SOCK}:/run/docker.sock",
        "--entrypoint",
        "sleep",
        image_for(harness_release()),
        "600",
    )
    try:
        copy_debs(builder, deb, example)
        done = subprocess.run(
            [
                "docker",
                "exec",
                builder,
                "sh",
                "-c",
                f"rm -f /usr/local/bin/unitgen; dpkg -i /root/{deb.name} /root/{example.name}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        # dh_unitgen's snippets are quiet when all is well.
        assert "unitgen" not in done.stderr, done.stderr
        assert inspect(NAME, "{{.State.Running}}") == "false"
        wanted = subprocess.run(
            [
                "docker",
                "exec",
                builder,
                "test",
                "-L",
                f"/etc/systemd/system/multi-user.target.wants/{UNIT}",
            ],
            check=False,
        )
        assert wanted.returncode == 0
        docker(
            "commit",
            "--change",
            'ENTRYPOINT ["/lib/systemd/systemd"]',
            "--change",
            "CMD []",
            builder,
            "unitgen-test/image-with-hello:latest",
        )
    finally:
        docker("rm", "-f", builder, check=False)
    box = harness(
        name="unitgen-test-image-boot" + run_tag(), image="unitgen-test/image-with-hello:latest"
    )
    box.destroy()
    try:
        box.boot()
        assert box.show(UNIT, "ActiveState")["ActiveState"] == "active"
        assert fetch() == "hello"
    finally:
        box.destroy()
        docker("rmi", "unitgen-test/image-with-hello:latest", check=False)
