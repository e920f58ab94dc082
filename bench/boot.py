"""Boot: how long after the systemd harness starts until all N managed containers run, for N
containers in a dependency DAG of depth D, against the floor: D x one container's start time
(`docker start`, measured in the same run). Also checks that every dependency became active
before its dependants started.

    python -m bench.boot [--count 50] [--depth 5] [--runs 3]

Target: <= 1.5 x floor. Writes bench/results/boot.json.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time

from bench._common import environment, table, verdict, write_result
from tests.harness import Harness, build_image
from tests.topology import SERVE, Topology, docker

TARGET = 1.5


def running(names: list[str]) -> int:
    out = docker("ps", "--format", "{{.Names}}")
    return len(set(out.split()) & set(names))


def one_start(name: str) -> float:
    docker("stop", name)
    started = time.perf_counter()
    docker("start", name)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(5)
    width = args.count // args.depth
    build_image()
    box = Harness(name="unitgen-bench-boot")
    topo = Topology(prefix="ugboot")
    layers: list[list[str]] = []
    edges: list[tuple[str, str]] = []
    try:
        for level in range(args.depth):
            layer = []
            for i in range(width):
                needs = rng.sample(layers[-1], min(2, len(layers[-1]))) if layers else []
                label = ["--label", f"unitgen.requires={','.join(needs)}"] if needs else []
                layer.append(topo.create(f"l{level}c{i}", *label, cmd=SERVE))
                edges += [(dep, layer[-1]) for dep in needs]
            layers.append(layer)
        names = [n for layer in layers for n in layer]
        probe = topo.create("probe", cmd=SERVE)  # not managed: timed with plain docker start
        box.boot()
        box.run("unitgen", "install", *names, timeout=600)
        docker("start", probe)
        single = statistics.median(one_start(probe) for _ in range(5))
        docker("stop", probe)
        floor = args.depth * single
        boots = []
        for _ in range(args.runs):
            subprocess.run(
                ["docker", "stop", "-t", "120", box.name], check=True, capture_output=True
            )
            assert running(names) == 0, "the shutdown did not stop the containers"
            started = time.perf_counter()
            subprocess.run(["docker", "start", box.name], check=True, capture_output=True)
            while running(names) < len(names):
                time.sleep(0.05)
            boots.append(time.perf_counter() - started)
            time.sleep(1)
            box.run("systemctl", "is-system-running", "--wait", check=False)
            for before, after in edges:
                first = box.show(f"docker-{before}.service", "ActiveEnterTimestampMonotonic")
                then = box.show(f"docker-{after}.service", "InactiveExitTimestampMonotonic")
                assert int(first["ActiveEnterTimestampMonotonic"]) <= int(
                    then["InactiveExitTimestampMonotonic"]
                ), (before, after)
        # The engine's own pace: all N at once, no order, 10 `docker start`s in parallel. This
        # is what Docker's restart policies do at an engine restart (approximated: the shared
        # engine here cannot be restarted under the harness).
        subprocess.run(["docker", "stop", "-t", "120", box.name], check=True, capture_output=True)
        started = time.perf_counter()
        subprocess.run(
            ["xargs", "-P", "10", "-n", "1", "docker", "start"],
            input="\n".join(names),
            text=True,
            check=True,
            capture_output=True,
        )
        unordered = time.perf_counter() - started
    finally:
        box.destroy()
        topo.remove()
    boot = statistics.median(boots)
    ratio = boot / floor
    print(f"{args.count} containers, DAG depth {args.depth}, {len(edges)} edges, under systemd")
    print(
        table(
            ["what", "seconds"],
            [
                ["harness start -> all running (median)", f"{boot:.2f}"],
                ["one container's docker start (median of 5)", f"{single:.3f}"],
                ["floor = depth x that", f"{floor:.2f}"],
                ["ratio to the floor", f"{ratio:.2f} {verdict(ratio, TARGET)}"],
                ["all N unordered, 10 parallel docker starts", f"{unordered:.2f}"],
                ["ratio to unordered (the engine's pace)", f"{boot / unordered:.2f}"],
                ["order kept (every edge, every run)", "yes"],
            ],
        )
    )
    path = write_result(
        "boot",
        {
            "environment": environment(),
            "count": args.count,
            "depth": args.depth,
            "edges": len(edges),
            "boot_s": boots,
            "single_start_s": single,
            "floor_s": floor,
            "ratio": ratio,
        },
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
