"""Create demo containers, install their units into the systemd harness, reboot, show order."""

from __future__ import annotations

import subprocess
import sys
import tempfile

from tests.harness import Harness, build_image
from tests.topology import SERVE, Topology, docker

NAME = "unitgen-demo"


def say(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m" if sys.stdout.isatty() else f"\n== {text}", flush=True)


def shell(box: Harness, command: str) -> None:
    print(f"[{NAME}]# {command}", flush=True)
    done = box.sh(command, check=False)
    print((done.stdout + done.stderr).rstrip(), flush=True)


def main() -> int:
    build_image()
    topo = Topology(prefix="demo")
    box = Harness(name=NAME)
    box.destroy()
    topo.remove()
    docker("network", "rm", "demo-net", check=False)
    say(
        "Containers: db (restart always) <- app (unitgen.requires=db, bind mount) <- "
        "sidecar (--network container:app); all on the user-defined network demo-net"
    )
    data = tempfile.mkdtemp(prefix="unitgen-demo-")
    net = topo.network("net")
    db = topo.create("db", "--network", net, "--restart", "always", cmd=SERVE)
    app = topo.create(
        "app",
        "--network",
        net,
        "--label",
        f"unitgen.requires={db}",
        "-v",
        f"{data}:/data",
        cmd=SERVE,
    )
    side = topo.create("sidecar", "--network", f"container:{app}", cmd=SERVE)
    print(
        docker(
            "ps",
            "-a",
            "--filter",
            f"label={topo.label}",
            "--format",
            "table {{.Names}}\t{{.Status}}",
        )
    )
    say("Boot a real systemd (Debian 12, systemd as PID 1) that drives this Docker engine")
    box.boot()
    say("Install the sidecar: unitgen installs everything it needs, dependencies first")
    shell(box, f"unitgen install --dry-run {side}")
    shell(box, f"unitgen install {side}")
    shell(box, "unitgen list")
    shell(box, f"systemctl list-dependencies --plain --no-pager docker-{side}.service | head -8")
    shell(
        box,
        f"grep -E '^(Description|Requires|BindsTo|Wants|After|RequiresMountsFor|Restart|"
        f"Docker|Container)' /etc/systemd/system/docker-{app}.service",
    )
    say("Reboot the systemd container (the containers stop with it)")
    box.reboot()
    shell(box, "unitgen list")
    say("Activation order after the reboot (seconds after the first unit became active)")
    active = {
        name: int(
            box.show(f"docker-{name}.service", "ActiveEnterTimestampMonotonic")[
                "ActiveEnterTimestampMonotonic"
            ]
        )
        for name in (db, app, side)
    }
    first = min(active.values())
    for name, when in sorted(active.items(), key=lambda item: item[1]):
        print(f"  +{(when - first) / 1e6:5.2f} s  docker-{name}.service active")
    shell(box, "unitgen drift")
    say(f"Done. Explore: docker exec -it {NAME} bash   Clean up: ./demo/run.sh --clean")
    return 0


def clean() -> int:
    Harness(name=NAME).destroy()
    Topology(prefix="demo").remove()
    subprocess.run(["docker", "network", "rm", "demo-net"], capture_output=True, check=False)
    print("removed the demo harness, containers and network")
    return 0


if __name__ == "__main__":
    sys.exit(clean() if "--clean" in sys.argv else main())
