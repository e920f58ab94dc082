"""Benchmark fixtures: N created (never started) containers with a seeded, acyclic dependency graph.

Every container is `unitgen-test/busybox:latest` running `sleep 3600`, named `P-cNNNN`, labelled
`unitgen.bench=P`; user-defined networks are `P-net0..` with the same label. Edges only point
from a higher index to a lower one, so the graph is a DAG. Kinds of edge, all seeded:

- `--network container:X` (such a container has no links and no other network; X is a container
  that owns its network namespace);
- legacy `--link` (only between containers on the default bridge);
- membership of one or two shared user-defined networks (no links then);
- `--volumes-from X`;
- compose labels (project P, service svcI, depends_on `svcJ:service_started:false`);
- `unitgen.after=` labels.

    python -m bench.fixtures create 500 --seed 1 --prefix ugb
    python -m bench.fixtures remove --prefix ugb
    python -m bench.fixtures plan 20 --seed 1 --prefix ugb   # print the specs, touch nothing
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

IMAGE = "unitgen-test/busybox:latest"
COMMAND = ["sleep", "3600"]
BENCH_LABEL = "unitgen.bench"
WORKERS = 8


@dataclass
class Spec:
    """One fixture container, as `docker create` will be told to make it."""

    index: int
    name: str
    netns: str | None = None  # --network container:X
    networks: list[str] = field(default_factory=list)  # user-defined; empty = default bridge
    links: list[str] = field(default_factory=list)
    volumes_from: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)

    def targets(self) -> set[str]:
        """The containers that must exist before this one is created."""
        return {*(self.links), *(self.volumes_from), *([self.netns] if self.netns else [])}

    def docker_args(self) -> list[str]:
        """The same container as `docker create` arguments (for reading and reproducing)."""
        args = ["docker", "create", "--name", self.name]
        for key, value in self.labels.items():
            args += ["--label", f"{key}={value}"]
        if self.netns:
            args += ["--network", f"container:{self.netns}"]
        for net in self.networks:
            args += ["--network", net]
        for link in self.links:
            args += ["--link", f"{link}:{link}"]
        for source in self.volumes_from:
            args += ["--volumes-from", source]
        return [*args, IMAGE, *COMMAND]


def container_name(prefix: str, index: int) -> str:
    return f"{prefix}-c{index:04d}"


def network_names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-net{k}" for k in range(count)]


def plan(n: int, seed: int, prefix: str, networks: int = 3) -> list[Spec]:
    """The fixture specs: pure and reproducible (same n, seed, prefix -> same specs)."""
    rng = random.Random(seed)
    nets = network_names(prefix, networks)
    specs: list[Spec] = []
    for i in range(n):
        spec = Spec(i, container_name(prefix, i))
        spec.labels = {
            BENCH_LABEL: prefix,
            "com.docker.compose.project": prefix,
            "com.docker.compose.service": f"svc{i}",
        }
        earlier = specs[:i]
        owners = [s.name for s in earlier if s.netns is None]  # own their network namespace
        bridged = [s.name for s in earlier if s.netns is None and not s.networks]
        kind = rng.random()
        if i > 0 and kind < 0.1 and owners:
            spec.netns = rng.choice(owners)
        elif kind < 0.4 and nets:
            spec.networks = sorted(rng.sample(nets, k=min(len(nets), rng.choice([1, 1, 2]))))
        elif bridged:
            spec.links = sorted(rng.sample(bridged, k=min(len(bridged), rng.choice([0, 1, 1, 2]))))
        if earlier and rng.random() < 0.2:
            spec.volumes_from = [rng.choice(earlier).name]
        if earlier and rng.random() < 0.25:
            picks = rng.sample(earlier, k=min(len(earlier), rng.choice([1, 1, 2])))
            spec.labels["com.docker.compose.depends_on"] = ",".join(
                f"svc{s.index}:service_started:false" for s in sorted(picks, key=lambda s: s.index)
            )
        if earlier and rng.random() < 0.2:
            picks = rng.sample(earlier, k=min(len(earlier), rng.choice([1, 1, 2])))
            spec.labels["unitgen.after"] = ",".join(sorted(s.name for s in picks))
        specs.append(spec)
    return specs


def edge_counts(specs: list[Spec]) -> dict[str, int]:
    """How many edges of each kind the fixtures have (for the benchmark's JSON)."""
    return {
        "netns": sum(1 for s in specs if s.netns),
        "links": sum(len(s.links) for s in specs),
        "volumes_from": sum(len(s.volumes_from) for s in specs),
        "network_memberships": sum(len(s.networks) for s in specs),
        "compose_depends_on": sum(
            len(s.labels.get("com.docker.compose.depends_on", "").split(","))
            for s in specs
            if "com.docker.compose.depends_on" in s.labels
        ),
        "unitgen_after": sum(
            len(s.labels["unitgen.after"].split(",")) for s in specs if "unitgen.after" in s.labels
        ),
    }


def client(workers: int = WORKERS) -> Any:
    """A low-level Docker API client (the SDK from the venv), pooled for `workers` threads."""
    import docker
    from docker.utils import kwargs_from_env

    return docker.APIClient(
        **kwargs_from_env(), version="auto", timeout=300, max_pool_size=workers + 2
    )


def _create_one(api: Any, spec: Spec) -> str:
    if spec.netns:
        host = api.create_host_config(
            network_mode=f"container:{spec.netns}", volumes_from=spec.volumes_from or None
        )
        networking = None
    elif spec.networks:
        host = api.create_host_config(
            network_mode=spec.networks[0], volumes_from=spec.volumes_from or None
        )
        networking = api.create_networking_config({spec.networks[0]: api.create_endpoint_config()})
    else:
        host = api.create_host_config(
            links={link: link for link in spec.links} or None,
            volumes_from=spec.volumes_from or None,
        )
        networking = None
    created = api.create_container(
        IMAGE,
        command=COMMAND,
        name=spec.name,
        labels=spec.labels,
        host_config=host,
        networking_config=networking,
    )
    for net in spec.networks[1:]:  # API < 1.44 takes one endpoint at create time
        api.connect_container_to_network(created["Id"], net)
    return str(created["Id"])


def create(
    n: int,
    seed: int,
    prefix: str,
    *,
    networks: int = 3,
    workers: int = WORKERS,
    log: Any = None,
) -> list[Spec]:
    """Create the networks, then the N containers concurrently (a container waits only for the
    containers it references; tasks are queued in index order, so waiting cannot deadlock)."""
    specs = plan(n, seed, prefix, networks)
    api = client(workers)
    used = sorted({net for s in specs for net in s.networks})
    for net in used:
        api.create_network(net, driver="bridge", labels={BENCH_LABEL: prefix})
    done: dict[str, Future[str]] = {}
    start = time.perf_counter()

    def task(spec: Spec) -> str:
        for target in spec.targets():
            done[target].result()
        return _create_one(api, spec)

    with ThreadPoolExecutor(workers) as pool:
        for spec in specs:
            done[spec.name] = pool.submit(task, spec)
        for count, spec in enumerate(specs, start=1):
            done[spec.name].result()
            if log and (count % 100 == 0 or count == n):
                log(f"created {count}/{n} containers ({time.perf_counter() - start:.1f}s)")
    return specs


def remove(prefix: str, *, workers: int = WORKERS) -> tuple[int, int]:
    """Remove every container and network labelled unitgen.bench=PREFIX: (containers, networks)."""
    api = client(workers)
    label = f"{BENCH_LABEL}={prefix}"
    listed = api.containers(all=True, filters={"label": label})
    # Highest index first: dependents go before what they depend on.
    names = sorted((c["Names"][0].lstrip("/") for c in listed), reverse=True)
    failed: list[str] = []

    def rm(name: str) -> None:
        try:
            api.remove_container(name, force=True, v=True)
        except Exception:
            failed.append(name)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(rm, names))
    for name in failed:  # a second, sequential pass for whatever raced with its dependents
        api.remove_container(name, force=True, v=True)
    nets = api.networks(filters={"label": label})
    for net in nets:
        api.remove_network(net["Id"])
    return len(names), len(nets)


def existing(prefix: str | None = None) -> list[str]:
    """Names of the fixture containers that exist now (of PREFIX, or of any prefix)."""
    label = BENCH_LABEL if prefix is None else f"{BENCH_LABEL}={prefix}"
    listed = client().containers(all=True, filters={"label": label})
    return sorted(c["Names"][0].lstrip("/") for c in listed)


def count_all_containers() -> int:
    return len(client().containers(all=True))


@contextmanager
def fixtures(n: int, seed: int, prefix: str, *, keep: bool = False) -> Iterator[list[Spec]]:
    """Create the fixtures (removing leftovers of PREFIX first), yield them, remove them."""
    remove(prefix)
    try:
        yield create(n, seed, prefix, log=lambda m: print(f"  {m}", file=sys.stderr))
    finally:
        if not keep:
            remove(prefix)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fixtures", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("create", "plan"):
        cmd = sub.add_parser(name)
        cmd.add_argument("n", type=int)
        cmd.add_argument("--seed", type=int, default=1)
        cmd.add_argument("--prefix", default="ugb")
        cmd.add_argument("--networks", type=int, default=3)
        cmd.add_argument("--workers", type=int, default=WORKERS)
    rm = sub.add_parser("remove")
    rm.add_argument("--prefix", default="ugb")
    args = parser.parse_args(argv)
    if args.command == "plan":
        specs = plan(args.n, args.seed, args.prefix, args.networks)
        print(json.dumps([asdict(s) for s in specs], indent=2))
        return 0
    if args.command == "create":
        start = time.perf_counter()
        specs = create(
            args.n,
            args.seed,
            args.prefix,
            networks=args.networks,
            workers=args.workers,
            log=print,
        )
        took = time.perf_counter() - start
        print(f"created {len(specs)} containers in {took:.1f}s; edges: {edge_counts(specs)}")
        return 0
    containers, nets = remove(args.prefix)
    print(
        f"removed {containers} containers and {nets} networks labelled {BENCH_LABEL}={args.prefix}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
