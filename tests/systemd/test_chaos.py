"""Reboot chaos: rounds of random `docker kill`s, engine restarts and reboots of the harness.

After every round every managed container runs and every dependency became active before
its dependants started. The figure (rounds, containers, losses) is printed and in the README.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import pytest

from tests.topology import SERVE, Topology, docker, inspect

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]
ROUNDS = 20


def test_every_container_survives_rounds_of_kills_engine_restarts_and_reboots(
    harness: Harness,
) -> None:
    topo = Topology()
    try:
        net = topo.network("net")
        db = topo.create("db", "--network", net, "--restart", "always", cmd=SERVE)
        cache = topo.create("cache", "--network", net, "--restart", "on-failure", cmd=SERVE)
        app = topo.create(
            "app",
            "--network",
            net,
            "--label",
            f"unitgen.requires={db}",
            "--label",
            f"unitgen.after={cache}",
            cmd=SERVE,
        )
        side = topo.create("side", "--network", f"container:{app}", cmd=SERVE)
        web = topo.create(
            "web",
            "--network",
            net,
            "--label",
            f"unitgen.requires={app}",
            "--restart",
            "unless-stopped",
            cmd=SERVE,
        )
        edges = [(db, app), (cache, app), (app, side), (app, web)]
        names = [db, cache, app, side, web]
        harness.run("unitgen", "install", web, side)
        rng = random.Random(7)
        losses = 0
        for round_ in range(ROUNDS):
            for victim in rng.sample(names, rng.randrange(0, 3)):
                docker("kill", victim, check=False)
            if rng.random() < 0.3:
                harness.run("systemctl", "restart", "docker.service")
            harness.reboot()
            down = [n for n in names if inspect(n, "{{.State.Running}}") != "true"]
            losses += len(down)
            assert not down, f"round {round_}: not running after the reboot: {down}"
            for before, after in edges:
                first = harness.show(
                    f"docker-{before}.service",
                    "ActiveEnterTimestampMonotonic",
                )
                then = harness.show(
                    f"docker-{after}.service",
                    "InactiveExitTimestampMonotonic",
                )
                assert int(first["ActiveEnterTimestampMonotonic"]) <= int(
                    then["InactiveExitTimestampMonotonic"]
                ), f"round {round_}: {before} -> {after}"
        print(f"\nreboot chaos: {ROUNDS} rounds, {len(names)} containers, losses = {losses}")
        harness.run("unitgen", "uninstall", web, side, app, cache, db)
    finally:
        topo.remove()
