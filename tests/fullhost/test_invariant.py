"""The invariant behind the handover, on a full host: at every step, every container that had
a Docker restart policy is supervised by exactly one of that policy or an enabled unit that
can start, and after every boot and every start of a stopped engine it runs. Scenario by
scenario elsewhere (test_handover.py); here, seeded random sequences of what admins and
packages do. A failure names the seed and the steps so far, so `SEED=N` replays it."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import REPO, TEST_IMAGE
from tests.fullhost import FullHost
from tests.topology import SERVE

pytestmark = [pytest.mark.fullhost, pytest.mark.docker]

HELPER = "/var/lib/unitgen/helper/container-v1"
# db <- app (link) <- web (label): every relation that orders a boot, and a bystander.
CONTAINERS = {
    "db": (),
    "app": ("--link", "db"),
    "web": ("--label", "unitgen.requires=app"),
    "solo": (),
}
STEPS = int(os.environ.get("STEPS", "14"))
SEEDS = [int(os.environ["SEED"])] if "SEED" in os.environ else [1, 2]
# After these, every container runs again, as it would under Docker's policies alone (which
# start even a `docker stop`ped `always` container when the engine starts).
BOOTS = ("reboot", "power loss", "engine stop, start", "engine stop, start by its socket")


@pytest.fixture
def host(fullhost: FullHost) -> Iterator[FullHost]:
    fullhost.install_unitgen()
    fullhost.run(
        "sh", "-c", "cat >/root/postrm", stdin=(REPO / "packaging/debian/postrm").read_text()
    )
    for name, args in CONTAINERS.items():
        fullhost.docker(
            "run", "-d", "--name", name, "--restart", "always", *args, TEST_IMAGE, *SERVE
        )
    yield fullhost
    fullhost.sh(
        "sh /root/postrm purge; docker ps -aq | xargs -r docker rm -f >/dev/null", check=False
    )


def supervisors(host: FullHost) -> dict[str, list[str]]:
    """For each container, who would bring it back: `docker` (its restart policy) and/or
    `systemd` (an enabled unit whose helper exists)."""
    script = f"""
for c in {" ".join(CONTAINERS)}; do
    p=$(docker inspect -f '{{{{.HostConfig.RestartPolicy.Name}}}}' "$c")
    e=$(systemctl is-enabled "docker-$c.service" 2>/dev/null)
    l=$(systemctl show -P LoadState "docker-$c.service")
    h=no; [ -x {HELPER} ] && h=yes
    echo "$c $p $e $l $h"
done"""
    found: dict[str, list[str]] = {}
    for line in host.sh(script).stdout.splitlines():
        name, policy, enabled, loaded, helper = [*line.split(), "", "", "", ""][:5]
        who = []
        if policy not in ("no", ""):
            who.append("docker")
        if enabled == "enabled" and loaded == "loaded" and helper == "yes":
            who.append("systemd")
        found[name] = who
    return found


def all_running(host: FullHost, timeout: float = 90.0) -> list[str]:
    deadline = time.monotonic() + timeout
    down: list[str] = list(CONTAINERS)
    while time.monotonic() < deadline:
        states = host.docker("inspect", "-f", "{{.Name}} {{.State.Running}}", *CONTAINERS)
        down = [n.lstrip("/") for n, up in (s.split() for s in states.splitlines()) if up != "true"]
        if not down:
            return []
        time.sleep(0.5)
    return down


def actions(host: FullHost, rng: random.Random) -> dict[str, Callable[[], object]]:
    """What admins and packages do. Commands may fail (uninstalling what others need, say):
    only the state they leave is judged."""

    def some() -> str:
        return rng.choice(list(CONTAINERS))

    def sh(script: Callable[[], str]) -> Callable[[], object]:
        return lambda: host.sh(script(), check=False)

    unit = "/etc/systemd/system/docker-{}.service"
    return {
        "install": sh(lambda: f"unitgen install {some()}"),
        "install --all": sh(lambda: "unitgen install --all"),
        "uninstall": sh(lambda: f"unitgen uninstall {some()}"),
        "uninstall --keep-running": sh(lambda: f"unitgen uninstall --keep-running {some()}"),
        "adopt": sh(lambda: "unitgen adopt"),
        "sync": sh(lambda: "unitgen sync"),
        "purge": sh(lambda: "sh /root/postrm purge"),
        "docker kill": sh(lambda: f"docker kill {some()}"),
        "docker stop": sh(lambda: f"docker stop -t 2 {some()}"),
        "hand edit": sh(lambda: f"f={unit.format(some())}; [ -f $f ] && echo '# mine' >> $f"),
        "reboot": host.reboot,
        "power loss": host.power_loss,
        "engine restart": host.restart_engine,
        "engine stop, start": host.stop_and_start_engine,
        "engine stop, start by its socket": lambda: host.stop_and_start_engine(by_socket=True),
        "engine restart (live-restore)": lambda: host.set_live_restore(True),
        "engine restart (no live-restore)": lambda: host.set_live_restore(False),
    }


@pytest.mark.parametrize("seed", SEEDS)
def test_every_container_is_supervised_by_exactly_one_and_runs_after_every_boot(
    host: FullHost, seed: int
) -> None:
    rng = random.Random(seed)
    todo = actions(host, rng)
    done: list[str] = []
    for _ in range(STEPS):
        step = rng.choice(sorted(todo))
        todo[step]()
        done.append(step)
        where = f"seed {seed}, steps: {' -> '.join(done)}"
        wrong = {c: who for c, who in supervisors(host).items() if len(who) != 1}
        assert not wrong, f"not supervised by exactly one: {wrong} ({where})"
        if step in BOOTS:
            down = all_running(host)
            assert not down, f"not running after the {step}: {down} ({where})"
    print(f"\nseed {seed}: {' -> '.join(done)}")
