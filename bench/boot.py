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
from concurrent.futures import ThreadPoolExecutor

import docker as docker_sdk

from bench._common import environment, table, verdict, write_result
from tests.harness import Harness, build_image
from tests.topology import SERVE, Topology, docker
from unitgen.engine.sdk import socket_path

TARGET = 1.5


_ENGINE = docker_sdk.APIClient(base_url=f"unix://{socket_path()}", version="auto")


def running(names: list[str]) -> int:
    """How many of `names` run. Asked over the socket, not with `docker ps`: polled every
    50 ms during a boot, a Go CLI would take CPU from the boot it is timing."""
    listed = _ENGINE.containers()
    return len({c["Names"][0].lstrip("/") for c in listed if c.get("Names")} & set(names))


def one_start(name: str) -> float:
    docker("stop", name)
    started = time.perf_counter()
    docker("start", name)
    return time.perf_counter() - started


def level_spans(box: Harness, layers: list[list[str]], zero: int) -> list[tuple[float, float]]:
    """For each DAG level, seconds after `zero` (docker.service up) at which its first unit
    began starting and its last unit became active: where a boot's time goes."""
    spans = []
    for layer in layers:
        props = [
            box.show(
                f"docker-{n}.service",
                "InactiveExitTimestampMonotonic",
                "ActiveEnterTimestampMonotonic",
            )
            for n in layer
        ]
        first = min(int(p["InactiveExitTimestampMonotonic"]) for p in props)
        last = max(int(p["ActiveEnterTimestampMonotonic"]) for p in props)
        spans.append(((first - zero) / 1e6, (last - zero) / 1e6))
    return spans


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
        boots: list[float] = []
        to_engine: list[float] = []  # harness start -> its docker.service active
        units_span: list[float] = []  # docker.service active -> the last unit active
        levels: list[list[tuple[float, float]]] = []  # per run, per DAG level: first start, last up
        for _ in range(args.runs):
            subprocess.run(
                ["docker", "stop", "-t", "120", box.name], check=True, capture_output=True
            )
            assert running(names) == 0, "the shutdown did not stop the containers"
            started = time.perf_counter()
            started_us = time.monotonic_ns() // 1000  # the harness shares the host's clock
            subprocess.run(["docker", "start", box.name], check=True, capture_output=True)
            while running(names) < len(names):
                time.sleep(0.05)
            boots.append(time.perf_counter() - started)
            time.sleep(1)
            box.run("systemctl", "is-system-running", "--wait", check=False)
            engine_up = int(
                box.show("docker.service", "ActiveEnterTimestampMonotonic")[
                    "ActiveEnterTimestampMonotonic"
                ]
            )
            last = max(
                int(
                    box.show(f"docker-{n}.service", "ActiveEnterTimestampMonotonic")[
                        "ActiveEnterTimestampMonotonic"
                    ]
                )
                for n in names
            )
            to_engine.append((engine_up - started_us) / 1e6)
            levels.append(level_spans(box, layers, engine_up))
            units_span.append((last - engine_up) / 1e6)
            for before, after in edges:
                first = box.show(f"docker-{before}.service", "ActiveEnterTimestampMonotonic")
                then = box.show(f"docker-{after}.service", "InactiveExitTimestampMonotonic")
                assert int(first["ActiveEnterTimestampMonotonic"]) <= int(
                    then["InactiveExitTimestampMonotonic"]
                ), (before, after)
        # The engine's own pace: all N at once, no order, 10 starts in parallel through the API
        # (no CLI processes). This is what Docker's restart policies do at an engine restart
        # (approximated: the shared engine here cannot be restarted under the harness).
        subprocess.run(["docker", "stop", "-t", "120", box.name], check=True, capture_output=True)
        api = docker_sdk.APIClient(base_url=f"unix://{socket_path()}", version="auto")
        started = time.perf_counter()
        with ThreadPoolExecutor(10) as pool:
            list(pool.map(api.start, names))
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
                [
                    "  of which: harness start -> docker.service up",
                    f"{statistics.median(to_engine):.2f}",
                ],
                [
                    "  of which: docker.service up -> last unit up",
                    f"{statistics.median(units_span):.2f}",
                ],
                ["all N unordered, 10 parallel API starts", f"{unordered:.2f}"],
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
            "harness_to_engine_s": to_engine,
            "engine_to_last_unit_s": units_span,
            "unordered_s": unordered,
            "levels_s": levels,
            "single_start_s": single,
            "floor_s": floor,
            "ratio": ratio,
        },
    )
    print("per DAG level, last run (s after docker.service up): first unit starting .. last up")
    for i, (began, up) in enumerate(levels[-1]):
        print(f"  level {i}: {began:6.2f} .. {up:6.2f}")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
