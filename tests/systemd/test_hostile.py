"""Hostile values, checked by systemd itself: what unitgen writes is what systemd executes.

Arguments go through unitgen's Exec quoting into a unit that a real systemd starts; the
program records the argv it received. Network labels and bind-mount paths chosen by whoever
creates a container or network take the real path through `unitgen install`.
"""

from __future__ import annotations

import json
import random
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.topology import SERVE, Topology, docker, inspect
from tests.unit.test_unitfile import NASTY
from unitgen.units.unitfile import exec_line

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [pytest.mark.systemd, pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]

RECORD = "import sys, json; open(sys.argv[1], 'w').write(json.dumps(sys.argv[2:]))"


def random_strings(count: int, seed: int = 2026) -> list[str]:
    """Reproducible arbitrary unicode, control characters, specifiers and shell syntax."""
    rng = random.Random(seed)
    alphabet = [*"%$\\\"'; \t\n{}`!@-:+", *map(chr, range(1, 32)), "é", "中", "🐳", "\u2028"]
    return [
        "".join(
            rng.choice([*alphabet, chr(rng.randrange(33, 12287))])
            for _ in range(rng.randrange(1, 40))
        )
        for _ in range(count)
    ]


@pytest.mark.parametrize("corpus", ["nasty", "random"])
def test_systemd_hands_the_program_exactly_the_arguments_unitgen_quoted(
    harness: Harness, corpus: str
) -> None:
    values = [v for v in NASTY if "\x00" not in v] if corpus == "nasty" else random_strings(60)
    out = f"/tmp/argv-{corpus}.json"
    line = exec_line(["/usr/bin/python3", "-c", RECORD, out, *values], "test")
    unit = f"[Service]\nType=oneshot\nExecStart={line}\n"
    harness.sh(f"cat > /etc/systemd/system/hostile-{corpus}.service <<'EOF'\n{unit}EOF\n")
    verify = harness.run(
        "systemd-analyze",
        "verify",
        "--man=no",
        f"/etc/systemd/system/hostile-{corpus}.service",
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
    harness.run("systemctl", "daemon-reload")
    harness.run("systemctl", "start", f"hostile-{corpus}.service")
    received = json.loads(harness.run("cat", out).stdout)
    assert received == values


def test_a_hostile_network_label_is_recreated_exactly(harness: Harness) -> None:
    topo = Topology()
    try:
        label = "x=50%b of $HOME \"quoted\" \\ back ; semi 'single' {{.ID}}"
        net = topo.network(
            "net", "--label", label, "--opt", "com.docker.network.bridge.name=ughost0"
        )
        web = topo.create("web", "--network", net, cmd=SERVE)
        harness.run("unitgen", "install", web)
        harness.run("systemctl", "stop", f"docker-{web}.service")
        docker("network", "disconnect", net, web, check=False)
        docker("network", "rm", net)
        harness.run("systemctl", "restart", f"unitgen-network-{net}.service")
        labels = json.loads(docker("network", "inspect", "--format", "{{json .Labels}}", net))
        assert labels == {"unitgen.test": topo.prefix, "x": label[2:]}
    finally:
        topo.remove()


def test_a_hostile_bind_mount_path_becomes_a_literal_required_mount(
    harness: Harness, tmp_path: Path
) -> None:
    topo = Topology()
    try:
        weird = tmp_path / 'a dir %b $HOME "q" ;'
        weird.mkdir()
        web = topo.create("web", "-v", f"{weird}:/data", cmd=SERVE)
        harness.run("unitgen", "install", web)
        mounts = harness.run(
            "systemctl",
            "show",
            "-P",
            "RequiresMountsFor",
            f"docker-{web}.service",
        ).stdout
        # systemctl show quotes for a shell (also \$, which shlex leaves alone)
        parsed = [m.replace("\\$", "$") for m in shlex.split(mounts)]
        assert str(weird) in parsed  # (PrivateTmp= adds /var/tmp)
        assert inspect(web, "{{.State.Running}}") == "true"
    finally:
        topo.remove()
