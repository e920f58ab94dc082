"""Podman's own Quadlet generator (Debian 13's Podman 5.4, in unitgen-test/quadlet:trixie)
judges `unitgen export --format quadlet`: it converts every file without a warning, and the
`podman run` arguments it writes read back, through systemd's unquoting, as the values the
containers had."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import need, seed_graph
from tests.quadlet import IMAGE
from tests.topology import docker
from tests.unit.test_export_compose import SETTINGS, aliased
from tests.unit.test_graph import spec
from tests.unit.test_unitfile import systemd_unquote_words
from unitgen.export.quadlet import export_quadlet
from unitgen.graph import Graph
from unitgen.model import Device, HealthCheck, PortBinding
from unitgen.model import RunConfig as Run

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]

# What systemd's unquoting oracle (tests/unit/test_unitfile.py) knows of C escapes: Quadlet
# writes \a \b \v \f \r too, which the oracle does not model, so those are left out here.
HOSTILE = ('a"b\\c', "$HOME ${X} $$", "%h %%", "key: value # x", "l1\nl2", "t\tt", "\x01", "'q'")


def quadlet(files: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Run `quadlet -dryrun` over FILES; the services it generates, by name."""
    have = docker("images", "-q", IMAGE, check=False)
    need(f"{IMAGE} (tests/quadlet/build-image.sh)", bool(have))
    units = tmp_path / "units"
    units.mkdir()
    for name, text in files.items():
        (units / name).write_text(text)
    done = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", "-v", f"{units}:/etc/containers/systemd:ro",
         IMAGE, "/usr/libexec/podman/quadlet", "-dryrun"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stderr.splitlines() if "Loading source unit file" not in line]
    assert said == []
    parts = re.split(r"^---(\S+)---$", done.stdout, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def exec_start(service: str) -> list[str]:
    lines = [line for line in service.split("\n") if line.startswith("ExecStart=")]
    assert len(lines) == 1, service
    # Quadlet's own specifiers (%t/%N.cid) stand for themselves; %% is the oracle's to read.
    line = re.sub(r"%(%|[tNn])", lambda m: "%%" if m[1] == "%" else "{" + m[1] + "}", lines[0])
    return systemd_unquote_words(line.removeprefix("ExecStart="))


def test_quadlet_converts_the_whole_seed_topology(tmp_path: Path) -> None:
    export = export_quadlet(seed_graph(), None, None)
    services = quadlet(export.files, tmp_path)
    expected = {
        name.replace(".container", ".service").replace(".network", "-network.service")
        for name in export.files
    }
    assert set(services) == expected
    sidecar = services["seed-sidecar.service"]
    assert "BindsTo=seed-proxy.service\n" in sidecar
    assert "--network container:seed-proxy" in sidecar.replace("=", " ")
    proxy = services["seed-proxy.service"]
    assert "Requires=seed-net-network.service\n" in proxy
    assert "RequiresMountsFor=/tmp/unitgen-seed/data\n" in services["seed-container1.service"]


def test_hostile_values_reach_podman_run_exactly(tmp_path: Path) -> None:
    env = tuple((f"V{i}", value) for i, value in enumerate(HOSTILE))
    web = spec(
        "web",
        image="img:1",
        labels=tuple((f"l{i}", value) for i, value in enumerate(HOSTILE)),
        health=HealthCheck(2, 3, 0, 2, ("CMD-SHELL", 'test "$X" = "%h"')),
        run=Run(
            command=HOSTILE,
            entrypoint=("/bin/sh", "-c"),
            environment=env,
            ports=(PortBinding(80, "tcp", "127.0.0.1", "8080"),),
            user="1000:1000",
            working_dir="/srv/50%",
            cap_add=("NET_ADMIN",),
            devices=(Device("/dev/a b", "/dev/x'y"),),
            settings=SETTINGS,
        ),
    )
    export = export_quadlet(Graph.build([web], []), None, None)
    assert export.warnings == []
    argv = exec_start(quadlet(export.files, tmp_path)["web.service"])
    assert argv[-1 - len(HOSTILE) :] == ["docker.io/library/img:1", *HOSTILE]
    for name, value in env:
        assert f"{name}={value}" in argv
    assert argv[argv.index("--entrypoint") + 1] == '["/bin/sh", "-c"]'  # 5.4: two words
    assert argv[argv.index("--health-cmd") + 1] == '["CMD-SHELL", "test \\"$X\\" = \\"%h\\""]'
    assert argv[argv.index("--workdir") + 1] == "/srv/50%"
    assert argv[argv.index("--publish") + 1] == "127.0.0.1:8080:80/tcp"
    assert argv[argv.index("--cap-add") + 1] == "net_admin"
    assert argv[argv.index("--device") + 1] == "/dev/a b:/dev/x'y:rwm"
    for option in ("--memory=67108864", "--cpus=1.5", "--init", "--tty", "--stop-signal=SIGINT"):
        assert option in argv
    assert argv[argv.index("--ulimit") + 1] == "nofile=1024:2048"
    assert argv[argv.index("--sysctl") + 1] == "net.core.somaxconn=1024"


def test_aliases_and_a_fixed_address_reach_podman_run(tmp_path: Path) -> None:
    services = quadlet(export_quadlet(aliased(), None, None).files, tmp_path)
    argv = exec_start(services["web.service"])
    networks = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--network"]
    assert networks == ["app:alias=www,alias=w2,ip=10.9.0.5", "back"]


def test_podman_54s_quadlet_takes_health_on_failure_and_the_reload(tmp_path: Path) -> None:
    """HealthOnFailure= is Podman 4.3's; ReloadSignal=/ReloadCmd= would be refused by 5.4 (and
    the whole file with them), so the reload is the [Service] ExecReload= that 5.5 writes."""
    from unitgen.options import build

    chosen = {
        "seed-healthy": build(on_unhealthy="kill", reload_cmd="sh -c 'kill -HUP 1'"),
        "seed-proxy": build(reload_signal="USR1"),
    }
    export = export_quadlet(seed_graph(), ["seed-healthy", "seed-proxy"], None, chosen)
    services = quadlet(export.files, tmp_path)
    healthy, proxy = services["seed-healthy.service"], services["seed-proxy.service"]
    argv = exec_start(healthy)
    assert argv[argv.index("--health-on-failure") + 1] == "kill"
    reload = [line for line in healthy.split("\n") if line.startswith("ExecReload=")]
    assert systemd_unquote_words(reload[0].removeprefix("ExecReload=")) == [
        "/usr/bin/podman", "exec", "seed-healthy", "sh", "-c", "kill -HUP 1"
    ]  # fmt: skip
    assert "ExecReload=/usr/bin/podman kill --signal=SIGUSR1 seed-proxy\n" in proxy
