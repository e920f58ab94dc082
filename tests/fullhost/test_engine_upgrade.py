"""The engine upgraded under installed units, as `apt-get install docker.io/forky` on a Debian
13 host does it (26.1 to forky's 28.5, the newest engine Debian carries, issue 23): every
managed container keeps running or comes back, in dependency order, a disabled unit stays
off, and `unitgen drift --all` reports nothing the admin did not change, after the upgrade
and after the next boot. Docker's own `--restart always` container is the baseline."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.conftest import TEST_IMAGE
from tests.fullhost import FORKY_ENGINE, FullHost, build_image, image_for
from tests.topology import SERVE, wait_for

pytestmark = [pytest.mark.fullhost, pytest.mark.docker]

# The host runs Debian 13's own engine, whatever the run's release; forky's needs /proc/sys.
FULLHOST_RELEASE = "trixie"
FULLHOST_WRITABLE_PROC_SYS = True
MANAGED = ("db", "app", "rec")


@pytest.fixture(scope="module")
def host(fullhost: FullHost) -> Iterator[FullHost]:
    """The module's host with unitgen installed, and forky's engine packages copied in (from
    the trixie-forky image, where build-image.sh keeps them): the upgrade needs no download."""
    build_image("trixie-forky")
    fullhost.install_unitgen()
    fullhost.run("mkdir", "-p", "/root/forky-engine")
    packed = ["docker", "run", "--rm", "--entrypoint", "tar", image_for("trixie-forky")]
    fullhost.pipe_in(
        [*packed, "-C", FORKY_ENGINE, "-c", "."],
        *("tar", "-C", "/root/forky-engine", "-x"),
        what="copying forky's engine packages",
    )
    yield fullhost


def engine_version(host: FullHost) -> str:
    return host.docker("version", "-f", "{{.Server.Version}}")


def running(host: FullHost, name: str) -> bool:
    return host.docker("inspect", "-f", "{{.State.Running}}", name, check=False) == "true"


def active(host: FullHost, name: str) -> str:
    return host.show(f"docker-{name}.service", "ActiveState")["ActiveState"]


def seen(host: FullHost) -> dict[str, tuple[bool, str]]:
    return {n: (running(host, n), active(host, n)) for n in (*MANAGED, "off")} | {
        "plain": (running(host, "plain"), "-")
    }


def assert_all_back_and_no_drift(host: FullHost, when: str) -> None:
    wait_for(
        lambda: all(running(host, n) and active(host, n) == "active" for n in MANAGED),
        timeout=90,
        what=f"every managed container running {when}",
    )
    print(f"{when}: engine {engine_version(host)}:", seen(host))
    assert running(host, "plain"), "Docker's own --restart always container"
    assert not running(host, "off") and active(host, "off") == "inactive"
    start = {
        n: int(
            host.show(f"docker-{n}.service", "ActiveEnterTimestampMonotonic")[
                "ActiveEnterTimestampMonotonic"
            ]
        )
        for n in ("db", "app")
    }
    assert start["db"] <= start["app"], "db is up before app, which links to it"
    found = findings(host)
    print("drift:", found)
    # What the admin did (off disabled, plain left to Docker), and nothing else.
    assert found == [("not-enabled", "off"), ("unmanaged", "plain")]


def findings(host: FullHost) -> list[tuple[str, str]]:
    done = host.run("unitgen", "drift", "--all", "--json", check=False)
    assert done.returncode in (0, 20), done.stdout + done.stderr
    return sorted((f["kind"], f["container"]) for f in json.loads(done.stdout)["findings"])


def test_an_engine_upgrade_to_forkys_keeps_every_managed_container_and_reports_no_drift(
    host: FullHost,
) -> None:
    before = engine_version(host)
    assert before.startswith("26."), before
    for name, args in (
        ("db", ()),
        ("app", ("--link", "db")),
        ("rec", ()),
        ("off", ()),
        ("plain", ()),
    ):
        policy = "unless-stopped" if name == "off" else "always"
        host.docker("create", "--name", name, "--restart", policy, *args, TEST_IMAGE, *SERVE)
    host.docker("start", "plain")
    host.run("unitgen", "install", "app", "off")
    host.run("unitgen", "install", "--recreate", "rec")
    host.run("systemctl", "disable", "--now", "docker-off.service")
    assert_all_back_and_no_drift(host, "before the upgrade")

    # What `apt-get upgrade` with forky pinned does. Debian's docker.io does not restart the
    # engine on an upgrade (that would stop every container): the running one stays until the
    # admin restarts it, which, without live-restore, takes every container down with it.
    host.sh(
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "
        "/root/forky-engine/*.deb >/root/upgrade.log 2>&1 || { tail -30 /root/upgrade.log; "
        "exit 1; }",
        check=True,
    )
    print("upgraded, engine still", engine_version(host), seen(host))
    assert_all_back_and_no_drift(host, "after the packages' upgrade")
    host.restart_engine()
    after = engine_version(host)
    assert after.startswith("28."), after
    assert_all_back_and_no_drift(host, f"after the upgrade from {before}")

    host.reboot()
    assert_all_back_and_no_drift(host, "after the next boot")
