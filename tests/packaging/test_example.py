"""Another package calling unitgen from its maintainer scripts (packaging/examples): installed
where systemd runs, removed, purged; installed into an image where systemd does not run, then
that image booted; and with policy-rc.d forbidding starts."""

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
def test_installed_where_systemd_runs_then_removed_then_purged(
    deb: Path, example_deb: Path
) -> None:
    box = harness_class()(name="unitgen-test-example" + run_tag())
    box.destroy()
    box.boot()
    try:
        copy_debs(box.name, deb, example_deb)
        box.sh(f"rm -f /usr/local/bin/unitgen; dpkg -i /root/{deb.name} /root/{example_deb.name}")
        assert box.show(UNIT, "ActiveState", "UnitFileState") == {
            "ActiveState": "active",
            "UnitFileState": "enabled",
        }
        assert fetch() == "hello"
        box.sh(f"dpkg -i /root/{example_deb.name}")  # a reinstall changes nothing
        box.sh("dpkg -r hello-container")
        assert inspect(NAME, "{{.State.Running}}") == "false"
        box.sh("printf '[Unit]\\n' > /etc/systemd/system/docker-bystander.service")
        box.sh("dpkg -P hello-container")
        left = box.sh("ls /etc/systemd/system").stdout
        assert UNIT not in left and "docker-bystander.service" in left
        assert docker("ps", "-aq", "--filter", f"name=^{NAME}$") == ""
    finally:
        box.destroy()


@pytest.mark.usefixtures("clean")
def test_installed_into_an_image_without_systemd_then_booted(deb: Path, example_deb: Path) -> None:
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
        copy_debs(builder, deb, example_deb)
        done = subprocess.run(
            [
                "docker",
                "exec",
                builder,
                "sh",
                "-c",
                f"rm -f /usr/local/bin/unitgen; dpkg -i /root/{deb.name} /root/{example_deb.name}",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "units enabled, nothing started" in done.stderr
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


@pytest.mark.usefixtures("clean")
def test_policy_rc_d_101_enables_but_does_not_start(deb: Path, example_deb: Path) -> None:
    box = harness_class()(name="unitgen-test-policy" + run_tag())
    box.destroy()
    box.boot()
    try:
        copy_debs(box.name, deb, example_deb)
        box.sh(
            "printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d; "
            "chmod 755 /usr/sbin/policy-rc.d; rm -f /usr/local/bin/unitgen; "
            f"dpkg -i /root/{deb.name} /root/{example_deb.name}"
        )
        assert box.show(UNIT, "ActiveState", "UnitFileState") == {
            "ActiveState": "inactive",
            "UnitFileState": "enabled",
        }
        assert inspect(NAME, "{{.State.Running}}") == "false"
    finally:
        box.destroy()
