"""Recreate mode on a full host (systemd with its own engine, where power loss, an engine
restart and a wiped engine are real): the container's output in the journal under its unit,
the container back after each of those, and `unitgen update` taking a good build and rolling
a bad one back.

A registry runs inside the host (Debian's docker-registry, copied in from this machine, on the
host's own 127.0.0.1, as a unit that starts at boot), so a wiped engine can pull the image
again, as a machine would from its registry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.conftest import TEST_IMAGE
from tests.fullhost import FullHost
from tests.harness import _docker
from tests.topology import wait_for

pytestmark = [pytest.mark.fullhost, pytest.mark.docker]

REGISTRY_BIN = "/usr/bin/docker-registry"
REGISTRY = "127.0.0.1:5000"
APP = f"{REGISTRY}/app:1"
# Prints a line at each start, then serves until SIGTERM.
HELLO = ("sh", "-c", "echo hello from $HOSTNAME; trap 'exit 0' TERM; sleep 3600 & wait")
REGISTRY_UNIT = f"""[Unit]
Description=A test registry on {REGISTRY}
Before=docker.service
[Service]
ExecStart={REGISTRY_BIN} serve /etc/docker/registry/config.yml
[Install]
WantedBy=multi-user.target
"""
REGISTRY_CONFIG = f"""version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/test-registry
http:
  addr: {REGISTRY}
"""


@pytest.fixture(scope="module")
def registry_host(fullhost: FullHost) -> FullHost:
    """The module's host with unitgen, and a registry that holds APP (the test image)."""
    fullhost.install_unitgen()
    _docker("cp", REGISTRY_BIN, f"{fullhost.name}:{REGISTRY_BIN}")
    fullhost.run("mkdir", "-p", "/etc/docker/registry")
    fullhost.run("sh", "-c", "cat >/etc/docker/registry/config.yml", stdin=REGISTRY_CONFIG)
    fullhost.run("sh", "-c", "cat >/etc/systemd/system/test-registry.service", stdin=REGISTRY_UNIT)
    fullhost.run("systemctl", "enable", "--now", "test-registry.service")
    wait_for(
        lambda: fullhost.run("nc.openbsd", "-z", "127.0.0.1", "5000", check=False).returncode == 0,
        what="the registry",
    )
    fullhost.docker("tag", TEST_IMAGE, APP)
    fullhost.docker("push", APP)
    return fullhost


@pytest.fixture
def host(registry_host: FullHost) -> Iterator[FullHost]:
    """The host with no unitgen unit and no container left behind by the test."""
    yield registry_host
    registry_host.sh(
        'for u in /etc/systemd/system/docker-*.service; do [ -e "$u" ] && '
        'systemctl disable --now "$(basename "$u")" >/dev/null 2>&1; done; '
        "rm -f /etc/systemd/system/docker-*.service /etc/unitgen/recreate/*; "
        "systemctl daemon-reload; docker ps -aq | xargs -r docker rm -f >/dev/null",
        check=False,
    )


def running_id(host: FullHost, name: str) -> str:
    fmt = "{{if .State.Running}}{{.Id}}{{end}}"
    return host.docker("inspect", "-f", fmt, name, check=False)


def installed(host: FullHost, name: str, image: str = APP) -> str:
    """NAME created from IMAGE with Docker's policy `always`, then given a recreate-mode unit;
    the id of the container the unit made."""
    host.docker("create", "--name", name, "--restart", "always", image, *HELLO)
    host.run("unitgen", "install", "--recreate", name)
    made = running_id(host, name)
    assert made
    return made


def test_the_containers_output_is_in_the_journal_under_its_unit(host: FullHost) -> None:
    made = installed(host, "talker")
    wait_for(
        lambda: "hello from" in host.journal("-u", "docker-talker.service", "-o", "cat"),
        what="the container's line under its unit",
    )
    lines = [
        json.loads(line)
        for line in host.journal("-u", "docker-talker.service", "-o", "json").splitlines()
        if line.startswith("{")
    ]
    said = next(e for e in lines if "hello from" in str(e.get("MESSAGE")))
    assert said["CONTAINER_NAME"] == "talker"
    assert said["CONTAINER_ID_FULL"] == made
    assert said["UNITGEN_UNIT"] == "docker-talker.service"
    assert said["SYSLOG_IDENTIFIER"] == "docker-talker"
    # The unit's own lines are there too, and docker logs still works.
    assert "hello from" in host.docker("logs", "talker")


def test_after_a_power_loss_while_it_runs_the_container_is_made_anew(host: FullHost) -> None:
    made = installed(host, "web")
    host.power_loss()
    wait_for(lambda: running_id(host, "web") not in ("", made), timeout=120, what="a new container")
    assert host.show("docker-web.service", "ActiveState")["ActiveState"] == "active"
    assert host.docker("ps", "-a", "--filter", "name=^web$", "-q").count("\n") == 0


def test_an_engine_restart_brings_it_back(host: FullHost) -> None:
    made = installed(host, "web")
    host.restart_engine()
    wait_for(lambda: running_id(host, "web") not in ("", made), timeout=120, what="a new container")
    wait_for(lambda: host.show("docker-web.service", "ActiveState")["ActiveState"] == "active")


def image_of(host: FullHost, name: str) -> str:
    return host.docker("inspect", "-f", "{{.Image}}", name)


def build_and_push(host: FullHost, change: str, keep_local: str) -> None:
    """A new build of APP (the test image with CHANGE) pushed to the registry; the local name
    put back on KEEP_LOCAL, as on a machine that has not pulled yet."""
    host.sh(
        f"docker rm -f build >/dev/null 2>&1; docker create --name build {APP} true >/dev/null"
        f" && docker commit --change '{change}' build {APP} >/dev/null && docker rm build"
        f" >/dev/null && docker push {APP} >/dev/null && docker tag {keep_local} {APP}"
    )


def test_update_takes_a_good_build_and_rolls_a_bad_one_back(host: FullHost) -> None:
    host.docker(
        "create",
        "--name",
        "app",
        "--restart",
        "always",
        "--label",
        "unitgen.auto-update=registry",
        APP,
        *HELLO,
    )
    host.run("unitgen", "install", "--recreate", "app")
    first = image_of(host, "app")
    build_and_push(host, "LABEL build=2", keep_local=first)
    done = host.run("unitgen", "update", "app")
    assert "app: updated" in done.stdout
    good = image_of(host, "app")
    assert good != first
    # A build whose entrypoint fails at once: rolled back to the good one, exit 22.
    build_and_push(host, 'ENTRYPOINT ["/bin/false"]', keep_local=good)
    done = host.run("unitgen", "update", "app", check=False)
    assert done.returncode == 22, done.stdout + done.stderr
    assert "app: rolled back" in done.stdout
    assert image_of(host, "app") == good and running_id(host, "app")
    assert host.show("docker-app.service", "ActiveState")["ActiveState"] == "active"
    # The registry gets its first build back, for the tests after this one.
    host.sh(f"docker tag {first} {APP} && docker push {APP} >/dev/null")


def test_a_wiped_engine_pulls_the_image_again_and_runs_it(host: FullHost) -> None:
    installed(host, "web")
    host.docker("create", "--name", "local", "--restart", "always", TEST_IMAGE, *HELLO)
    host.run("unitgen", "install", "--recreate", "local")
    host.sh("systemctl stop docker.socket docker.service && rm -rf /var/lib/docker/*")
    host.reboot()
    wait_for(lambda: running_id(host, "web") != "", timeout=120, what="web from a pulled image")
    assert host.docker("image", "inspect", "-f", "{{.Id}}", APP)
    # An image no registry has cannot come back: said in the unit's journal, retried with
    # back-off, and the boot is not held up by it.
    wait_for(
        lambda: "could not pull image" in host.journal("-u", "docker-local.service", "-o", "cat"),
        what="the reason in the journal",
    )
    wait_for(host.booted, timeout=120, what="the boot to finish")
    assert running_id(host, "local") == ""
    # The wipe took the test image too: give it back to the module's host.
    host._loaded.discard(TEST_IMAGE)
    host.load_image(TEST_IMAGE)
