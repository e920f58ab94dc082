"""Images from a registry that wants a login, on a full host (systemd with its own engine):
`unitgen update` pulls with root's `docker login`, a recreate-mode unit pulls a removed image
at boot with the login its record carries, and without a login both say `docker login
REGISTRY`, the update on its output and the unit in its journal.

The registry is Debian's docker-registry (distribution 2.8, copied in from this machine, which
also makes the bcrypt htpasswd file with apache2-utils' `htpasswd -nbB`), on the host's own
127.0.0.1, which the inner engine takes as an insecure (plain HTTP) registry; a unit starts it
before docker.service at each boot. Each test pushes its own build under its own tag, a test
image with a label (`docker commit`), so that removing that tag removes the image itself.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import TEST_IMAGE
from tests.fullhost import FullHost
from tests.harness import _docker
from tests.topology import wait_for

pytestmark = [pytest.mark.fullhost, pytest.mark.docker]

REGISTRY_BIN = "/usr/bin/docker-registry"
REGISTRY = "127.0.0.1:5000"
USER, PASSWORD = "deploy", "s3cret-for-the-test"
LOGIN_HINT = f"docker login {REGISTRY}"
RECORDS = "/etc/unitgen/recreate"
# Prints a line at each start, then serves until SIGTERM.
HELLO = ("sh", "-c", "echo hello from $HOSTNAME; trap 'exit 0' TERM; sleep 3600 & wait")
REGISTRY_UNIT = f"""[Unit]
Description=A test registry on {REGISTRY} that wants a login
Before=docker.service
[Service]
ExecStart={REGISTRY_BIN} serve /etc/docker/registry/config.yml
[Install]
WantedBy=multi-user.target
"""
REGISTRY_CONFIG = f"""version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: /var/lib/test-registry
http:
  addr: {REGISTRY}
auth:
  htpasswd:
    realm: unitgen-test
    path: /etc/docker/registry/htpasswd
"""


def htpasswd() -> str:
    """USER's line of an htpasswd file, bcrypt as distribution requires (made here: the host
    has no apache2-utils)."""
    done = subprocess.run(
        ["htpasswd", "-nbB", USER, PASSWORD], capture_output=True, text=True, check=True
    )
    return done.stdout.strip() + "\n"


@pytest.fixture(scope="module")
def registry_host(fullhost: FullHost) -> FullHost:
    """The module's host with unitgen and a registry that refuses a pull without a login."""
    fullhost.install_unitgen()
    _docker("cp", REGISTRY_BIN, f"{fullhost.name}:{REGISTRY_BIN}")
    fullhost.run("mkdir", "-p", "/etc/docker/registry")
    fullhost.run("sh", "-c", "cat >/etc/docker/registry/config.yml", stdin=REGISTRY_CONFIG)
    fullhost.run("sh", "-c", "cat >/etc/docker/registry/htpasswd", stdin=htpasswd())
    fullhost.run("sh", "-c", "cat >/etc/systemd/system/test-registry.service", stdin=REGISTRY_UNIT)
    fullhost.run("systemctl", "enable", "--now", "test-registry.service")
    wait_for(
        lambda: fullhost.run("nc.openbsd", "-z", "127.0.0.1", "5000", check=False).returncode == 0,
        what="the registry",
    )
    return fullhost


@pytest.fixture
def host(registry_host: FullHost) -> Iterator[FullHost]:
    """The host, logged out, with no unitgen unit, record or container left by the test."""
    log_out(registry_host)
    yield registry_host
    registry_host.clean_up_units(f"{RECORDS}/*")
    log_out(registry_host)


def log_in(host: FullHost) -> None:
    host.run("docker", "login", "-u", USER, "--password-stdin", REGISTRY, stdin=PASSWORD)


def log_out(host: FullHost) -> None:
    host.run("docker", "logout", REGISTRY, check=False)


def pushed(host: FullHost, tag: str, build: str) -> tuple[str, str]:
    """A build of the test image (labelled BUILD) pushed as REGISTRY/app:TAG, with a login
    that is undone afterwards; the name and the image's id."""
    name = f"{REGISTRY}/app:{tag}"
    log_in(host)
    host.sh(
        f"docker rm -f build >/dev/null 2>&1; docker create --name build {TEST_IMAGE} true"
        f" >/dev/null && docker commit --change 'LABEL build={build}' build {name} >/dev/null"
        f" && docker rm build >/dev/null && docker push {name} >/dev/null"
    )
    log_out(host)
    return name, image_id(host, name)


def image_id(host: FullHost, image: str) -> str:
    return host.docker("image", "inspect", "-f", "{{.Id}}", image, check=False)


def image_of(host: FullHost, name: str) -> str:
    return host.docker("inspect", "-f", "{{.Image}}", name)


def running_id(host: FullHost, name: str) -> str:
    fmt = "{{if .State.Running}}{{.Id}}{{end}}"
    return host.docker("inspect", "-f", fmt, name, check=False)


def with_unit(host: FullHost, name: str, image: str, *flags: str) -> None:
    """Container NAME from IMAGE (Docker's policy `always`, FLAGS), given a recreate-mode
    unit that runs it."""
    host.docker("create", "--name", name, "--restart", "always", *flags, image, *HELLO)
    host.run("unitgen", "install", "--recreate", name)
    assert running_id(host, name)


def removed_with_its_image(host: FullHost, name: str, image: str) -> None:
    """NAME's unit stopped, its container and IMAGE gone from the engine, as on a machine
    whose engine lost them: only the registry has the image now."""
    host.run("systemctl", "stop", f"docker-{name}.service")
    host.docker("rm", "-f", name)
    host.docker("rmi", image)
    assert image_id(host, image) == ""


def test_after_docker_login_update_takes_the_new_build_pushed_to_the_registry(
    host: FullHost,
) -> None:
    app, first = pushed(host, "update", build="1")
    label = ("--label", "unitgen.auto-update=registry")
    with_unit(host, "app", app, *label)
    _, second = pushed(host, "update", build="2")
    host.sh(f"docker tag {first} {app}")  # the machine has not pulled the second build yet
    log_in(host)
    done = host.run("unitgen", "update", "app", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "app: updated" in done.stdout
    assert image_of(host, "app") == second != first
    assert running_id(host, "app")


def test_without_a_login_update_fails_and_says_docker_login_registry(host: FullHost) -> None:
    app, first = pushed(host, "refused", build="1")
    with_unit(host, "app", app, "--label", "unitgen.auto-update=registry")
    pushed(host, "refused", build="2")
    host.sh(f"docker tag {first} {app}")
    done = host.run("unitgen", "update", "app", check=False)
    assert done.returncode == 23, done.stdout + done.stderr
    assert "app: failed" in done.stdout
    assert LOGIN_HINT in done.stdout, done.stdout + done.stderr
    assert image_of(host, "app") == first and running_id(host, "app")


def test_a_recreate_unit_pulls_its_removed_image_at_boot_with_the_login_in_its_record(
    host: FullHost,
) -> None:
    app, built = pushed(host, "boot", build="boot")
    log_in(host)
    with_unit(host, "web", app)
    record = f"{RECORDS}/web.json"
    assert '"registry-auth":' in host.run("cat", record).stdout
    assert host.run("stat", "-c", "%a", record).stdout.strip() == "600"
    # Root's login is gone: what the boot pull sends is the record's alone.
    log_out(host)
    removed_with_its_image(host, "web", app)
    host.reboot()
    wait_for(lambda: running_id(host, "web") != "", timeout=120, what="web on its pulled image")
    assert image_of(host, "web") == built == image_id(host, app)
    said = host.journal("-u", "docker-web.service", "-o", "cat")
    assert f"image {app} is missing: pulling it" in said


def test_a_record_written_without_a_login_says_docker_login_registry_in_the_journal_at_boot(
    host: FullHost,
) -> None:
    app, _ = pushed(host, "nologin", build="nologin")
    with_unit(host, "web", app)
    assert '"registry-auth":' not in host.run("cat", f"{RECORDS}/web.json").stdout
    removed_with_its_image(host, "web", app)
    host.reboot()
    wait_for(
        lambda: LOGIN_HINT in host.journal("-u", "docker-web.service", "-o", "cat"),
        timeout=120,
        what=f"{LOGIN_HINT!r} in the unit's journal",
    )
    said = host.journal("-u", "docker-web.service", "-o", "cat").splitlines()
    refused = next(line for line in said if LOGIN_HINT in line)
    assert refused.startswith(f"could not pull image {app}")
    assert refused.endswith(
        f"; log in first: {LOGIN_HINT}, then unitgen install --recreate web"
        " (the record carries the login)"
    )
    # The unit fails and is retried with back-off; the boot is not held up by it.
    wait_for(host.booted, timeout=120, what="the boot to finish")
    assert running_id(host, "web") == ""
