"""Full host: unitgen against Docker's own restart policies, on one machine with its own engine
(tests/fullhost: systemd as PID 1 and a real dockerd inside), both in the same run.

    python -m bench.fullhost [--sizes 20,100] [--depth 5] [--runs 3] [--crashes 5]
                             [--loop-seconds 120] [--release bookworm]
                             [--only boot,crash,loop,engine]

1. Boot, for each N of --sizes: N containers in N/D chains of depth D, each but a chain's first
   linked (``--link``) to the one before it in its chain, so both sides must keep an order
   (Docker starts a container's link targets first) and D levels start one after the other.
   A: all ``--restart always``, no units. B: the same containers after ``unitgen install`` of
   the leaves (their policy becomes ``no``). Between runs ``unitgen uninstall --keep-running``
   hands them back to Docker, as an admin would; A and B take turns (A B, B A, ...) so a slow
   spell of this shared VM hits both. A run is a clean power cycle of the host (``docker
   stop``, ``docker start``), timed from the host container's start (the outer engine's
   StartedAt) to the last of the N containers' StartedAt (the inner engine's). Both are the
   kernel's wall clock, written by the engines themselves: nothing polls during the boot (a
   poller through ``docker exec`` would cost the boot it times as much CPU as a container
   start), and both variants are judged by the same record Docker keeps. Target: B/A <= 1.1.
   In B every dependency's unit must be active before its dependants' start (systemd's
   monotonic timestamps); in A, each link target's StartedAt before its dependant's.
2. Crash to running: a backend and a proxy linked to it, once under Docker's ``always`` and
   once under unitgen. A crash is ``kill -9`` of the backend's main process in the host (a
   ``docker kill`` would be a manual stop, which Docker does not restart). Timed from just
   before the kill (``date`` in the host) to the backend's new StartedAt; the proxy must not
   be restarted (its StartedAt, and its unit's NRestarts and start time). Crashes are 11 s
   apart: Docker doubles its restart delay for a container that ran under 10 s. Target:
   unitgen <= max(2 s, 3 x Docker), 0 proxy restarts.
3. Engine restart with live-restore on: two containers installed with unitgen (one linked to
   the other) and one under Docker's ``always``; ``systemctl restart docker``; a container
   counts as stopped when its PID or StartedAt changed, a unit as restarted when its start
   time or NRestarts changed. Target: 0 stopped.

Timings are reported, never asserted. Writes bench/results/fullhost.json; the host
(``unitgen-fh-bench``) is destroyed at the end.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bench._common import table, verdict, write_result
from tests.fullhost import FullHost, build_image
from tests.topology import IMAGE, SERVE

HOST = "unitgen-fh-bench"
BOOT_TARGET = 1.1
CRASH_FLOOR_S, CRASH_TARGET = 0.5, 1.5
LOOP_TOLERANCE = 0.3
BOOT_DEADLINE = 300.0  # power-on -> all running, or the run is a failure
STOP_TIMEOUT = 120
BACKOFF_RESET = 11.0  # Docker resets its restart delay after 10 s of running
DAEMON_JSON = "/etc/docker/daemon.json"


def epoch(stamp: str) -> float:
    """A Docker timestamp (RFC 3339, nanoseconds, UTC) -> seconds since the epoch."""
    base, _, frac = stamp.rstrip("Z").partition(".")
    whole = datetime.fromisoformat(base + "+00:00").timestamp()
    return whole + (float("0." + frac) if frac else 0.0)


def unit(name: str) -> str:
    return f"docker-{name}.service"


def states(host: FullHost, names: list[str]) -> dict[str, tuple[bool, float, int]]:
    """name -> (running, StartedAt, Pid), with one inner ``docker inspect``."""
    fmt = "{{.Name}} {{.State.Running}} {{.State.StartedAt}} {{.State.Pid}}"
    out = host.docker("inspect", "-f", fmt, *names, timeout=60)
    result = {}
    for line in out.splitlines():
        name, running, started, pid = line.split()
        result[name.lstrip("/")] = (running == "true", epoch(started), int(pid))
    return result


def shows(host: FullHost, units: list[str], *props: str) -> dict[str, dict[str, str]]:
    """``systemctl show`` of several units with one exec: unit -> {prop: value}."""
    args = ["systemctl", "show", *[f"-p{p}" for p in ("Id", *props)], *units]
    result: dict[str, dict[str, str]] = {}
    for block in host.run(*args, timeout=60).stdout.strip().split("\n\n"):
        fields = dict(line.partition("=")[::2] for line in block.splitlines())
        result[fields["Id"]] = fields
    return result


def policies(host: FullHost, names: list[str]) -> set[str]:
    fmt = "{{.HostConfig.RestartPolicy.Name}}"
    return set(host.docker("inspect", "-f", fmt, *names, timeout=60).split())


# -- 1. boot ------------------------------------------------------------------------------------


def build_chains(
    host: FullHost, count: int, depth: int
) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """Run COUNT containers in COUNT/DEPTH chains of DEPTH under ``--restart always``; each but
    a chain's first links to the one before it. Returns the levels (the chains' first
    containers, then their second, ...) and the (dependency, dependant) edges."""
    chains = max(count // depth, 1)
    layers: list[list[str]] = [[] for _ in range(depth)]
    edges: list[tuple[str, str]] = []
    script = ["set -e"]
    for chain in range(chains):
        for level in range(depth):
            name = f"fb{count}-c{chain}l{level}"
            before = f"fb{count}-c{chain}l{level - 1}"
            links = ["--link", before] if level else []
            argv = ["docker", "run", "-d", "--name", name, "--restart", "always"]
            script.append(shlex.join([*argv, *links, IMAGE, *SERVE]) + " >/dev/null")
            layers[level].append(name)
            if level:
                edges.append((before, name))
    host.run("sh", "-c", "\n".join(script), timeout=900)
    return layers, edges


def power_cycle(host: FullHost, names: list[str]) -> dict[str, Any]:
    """Clean shutdown, power-on; seconds from the host's start to each container's start."""
    outer = ["docker", "stop", "-t", str(STOP_TIMEOUT), HOST]
    subprocess.run(outer, check=True, capture_output=True, timeout=STOP_TIMEOUT + 60)
    subprocess.run(["docker", "start", HOST], check=True, capture_output=True, timeout=120)
    started = subprocess.run(
        ["docker", "inspect", "-f", "{{.State.StartedAt}}", HOST],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    power_on = epoch(started.stdout.strip())
    # Block in the host until its start-up jobs are done (no polling CPU during the boot);
    # it fails fast while PID 1 is still setting up, hence the loop.
    deadline = time.monotonic() + BOOT_DEADLINE
    seen: dict[str, tuple[bool, float, int]] = {}
    while time.monotonic() < deadline:
        wait = host.run("systemctl", "is-system-running", "--wait", check=False, timeout=300)
        if wait.stdout.strip() in ("running", "degraded"):
            up = host.run("docker", "inspect", "-f", ".", *names, check=False, timeout=60)
            if up.returncode == 0:
                seen = states(host, names)
                if all(run and at > power_on for run, at, _ in seen.values()):
                    break
        time.sleep(0.5)
    else:
        late = sorted(n for n, (run, at, _) in seen.items() if not (run and at > power_on))
        raise RuntimeError(f"not all running {BOOT_DEADLINE:.0f} s after power-on: {late}")
    engine = host.show("docker.service", "ActiveEnterTimestampMonotonic")
    # systemd's monotonic clock is the machine's (no time namespace): to wall clock.
    offset = time.time() - time.monotonic()
    engine_up = int(engine["ActiveEnterTimestampMonotonic"]) / 1e6 + offset
    return {
        "boot_s": max(at for _, at, _ in seen.values()) - power_on,
        "engine_up_s": engine_up - power_on,
        "to_seconds_after_power_on": offset - power_on,  # + monotonic seconds
        "started_s": {n: at - power_on for n, (_, at, _) in seen.items()},
    }


def unit_order_violations(host: FullHost, edges: list[tuple[str, str]]) -> list[str]:
    """Edges whose dependant's unit began starting before its dependency's unit was active."""
    props = shows(
        host,
        sorted({unit(n) for edge in edges for n in edge}),
        "ActiveEnterTimestampMonotonic",
        "InactiveExitTimestampMonotonic",
    )
    return [
        f"{dep} -> {after}"
        for dep, after in edges
        if int(props[unit(dep)]["ActiveEnterTimestampMonotonic"])
        > int(props[unit(after)]["InactiveExitTimestampMonotonic"])
    ]


def unit_phases(
    host: FullHost, result: dict[str, Any], edges: list[tuple[str, str]]
) -> dict[str, float]:
    """Where a managed boot's time goes, medians over the units: a unit starting -> its
    container up (the helper's start), container up -> unit active (readiness seen), and the
    last dependency's unit active -> the dependant's unit starting (systemd's dispatch)."""
    started = result["started_s"]
    props = shows(
        host,
        [unit(n) for n in started],
        "InactiveExitTimestampMonotonic",
        "ActiveEnterTimestampMonotonic",
    )
    shift = result["to_seconds_after_power_on"]
    begun = {
        n: int(props[unit(n)]["InactiveExitTimestampMonotonic"]) / 1e6 + shift for n in started
    }
    active = {
        n: int(props[unit(n)]["ActiveEnterTimestampMonotonic"]) / 1e6 + shift for n in started
    }
    needs: dict[str, list[str]] = {}
    for dep, after in edges:
        needs.setdefault(after, []).append(dep)
    return {
        "unit_start_to_container_up": statistics.median(started[n] - begun[n] for n in started),
        "container_up_to_unit_active": statistics.median(active[n] - started[n] for n in started),
        "deps_active_to_unit_start": statistics.median(
            begun[n] - max(active[d] for d in deps) for n, deps in needs.items()
        ),
    }


def bench_boot(
    host: FullHost, unitgen: str, args: argparse.Namespace, count: int
) -> dict[str, Any]:
    layers, edges = build_chains(host, count, args.depth)
    names = [n for layer in layers for n in layer]
    leaves = [n for n in names if n not in {dep for dep, _ in edges}]

    def to_docker() -> None:
        if policies(host, names) != {"always"}:
            host.run(unitgen, "uninstall", "--keep-running", *names, timeout=600)
        assert policies(host, names) == {"always"}

    def to_unitgen() -> None:
        host.run(unitgen, "install", *leaves, timeout=600)
        assert policies(host, names) == {"no"}

    runs: dict[str, list[dict[str, Any]]] = {"docker": [], "unitgen": []}
    switch: dict[str, Callable[[], None]] = {"docker": to_docker, "unitgen": to_unitgen}
    power_cycle(host, names)  # warm-up: page cache, the engine's first boot
    for round_ in range(args.runs):
        for variant in ("docker", "unitgen") if round_ % 2 == 0 else ("unitgen", "docker"):
            switch[variant]()
            result = power_cycle(host, names)
            started = result["started_s"]
            if variant == "unitgen":
                result["unit_phases_s"] = unit_phases(host, result, edges)
            result["order_violations"] = (
                unit_order_violations(host, edges)
                if variant == "unitgen"
                else [f"{d} -> {a}" for d, a in edges if started[d] > started[a]]
            )
            result["levels_s"] = [
                (min(started[n] for n in layer), max(started[n] for n in layer)) for layer in layers
            ]
            runs[variant].append(result)
            print(f"  boot {count:3} {variant:7} {result['boot_s']:6.2f} s", flush=True)
    to_docker()
    host.sh(f"docker rm -f {' '.join(names)} >/dev/null")
    return {"edges": len(edges), "leaves": len(leaves), "runs": runs}


# -- 2. crash ------------------------------------------------------------------------------------

# In the host: note the time, SIGKILL the container's main process, wait for a new start; print
# the kill time and the new StartedAt. 0.2 s polls: the figure is StartedAt, not the poll.
CRASH = r"""
set -eu
n=$1
old=$(docker inspect -f '{{.State.StartedAt}}' "$n")
pid=$(docker inspect -f '{{.State.Pid}}' "$n")
t0=$(date +%s.%N)
kill -9 "$pid"
i=0
while [ $i -lt 300 ]; do
    s=$(docker inspect -f '{{.State.Running}} {{.State.StartedAt}}' "$n")
    case $s in
    "true $old") ;;
    true\ *) echo "$t0 ${s#true }"; exit 0 ;;
    esac
    i=$((i + 1))
    sleep 0.2
done
echo "$n not running again 60 s after the crash" >&2
exit 1
"""


def wait_active(host: FullHost, units: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(p["ActiveState"] == "active" for p in shows(host, units, "ActiveState").values()):
            return
        time.sleep(0.3)
    raise RuntimeError(f"{units} not active {timeout:.0f} s after a crash")


def bench_crash(host: FullHost, unitgen: str, crashes: int) -> dict[str, Any]:
    for prefix in ("dk", "ug"):
        host.docker(
            "run", "-d", "--name", f"{prefix}-backend", "--restart", "always", IMAGE, *SERVE
        )
        link = ["--link", f"{prefix}-backend"]
        proxy_argv = ["run", "-d", "--name", f"{prefix}-proxy", "--restart", "always", *link]
        host.docker(*proxy_argv, IMAGE, *SERVE)
    host.run(unitgen, "install", "ug-proxy", timeout=300)
    ug_units = [unit("ug-backend"), unit("ug-proxy")]
    took: dict[str, list[float]] = {"docker": [], "unitgen": []}
    proxy_restarts = {"docker": 0, "unitgen": 0}
    for _ in range(crashes):
        round_start = time.monotonic()
        for variant, prefix in (("docker", "dk"), ("unitgen", "ug")):
            proxy = f"{prefix}-proxy"
            before = states(host, [proxy])[proxy][1]
            units_before = shows(host, ug_units, "NRestarts", "InactiveExitTimestampMonotonic")
            out = host.run("sh", "-c", CRASH, "crash", f"{prefix}-backend", timeout=90).stdout
            killed, restarted = out.split()
            took[variant].append(epoch(restarted) - float(killed))
            if variant == "unitgen":
                wait_active(host, ug_units)
                after = shows(host, [unit(proxy)], "NRestarts", "InactiveExitTimestampMonotonic")
                unit_restarted = after[unit(proxy)] != units_before[unit(proxy)]
            else:
                time.sleep(1)  # the unit's RestartSec, so both proxies get as long to show it
                unit_restarted = False
            if unit_restarted or states(host, [proxy])[proxy][1] != before:
                proxy_restarts[variant] += 1
            print(f"  crash {variant:7} {took[variant][-1]:6.2f} s", flush=True)
        time.sleep(max(0.0, BACKOFF_RESET - (time.monotonic() - round_start)))
    docker_count = host.docker("inspect", "-f", "{{.RestartCount}}", "dk-backend")
    host.sh("docker rm -f dk-backend dk-proxy >/dev/null")
    host.run(unitgen, "uninstall", "ug-backend", "ug-proxy", timeout=300)
    host.sh("docker rm -f ug-backend ug-proxy >/dev/null")
    return {
        "crash_to_running_s": took,
        "proxy_restarts": proxy_restarts,
        "docker_restart_count": int(docker_count),
    }


# -- 4. crash loop --------------------------------------------------------------------------------


def bench_loop(host: FullHost, unitgen: str, seconds: float) -> dict[str, Any]:
    """A container that exits 1 at once, under Docker's always and under unitgen, for SECONDS
    side by side: how often each is started again."""
    crash = ("sh", "-c", "exit 1")
    host.docker("create", "--name", "dk-loop", "--restart", "always", IMAGE, *crash)
    host.docker("create", "--name", "ug-loop", "--restart", "always", IMAGE, *crash)
    host.run(unitgen, "install", "--no-start", "ug-loop", check=False, timeout=300)
    host.run("systemctl", "reset-failed", unit("ug-loop"), check=False)
    began = time.monotonic()
    host.docker("start", "dk-loop")
    host.run("systemctl", "start", "--no-block", unit("ug-loop"))
    time.sleep(seconds)
    took = time.monotonic() - began
    docker_count = int(host.docker("inspect", "-f", "{{.RestartCount}}", "dk-loop"))
    unit_count = int(shows(host, [unit("ug-loop")], "NRestarts")[unit("ug-loop")]["NRestarts"])
    host.run("systemctl", "stop", unit("ug-loop"), check=False)
    host.run(unitgen, "uninstall", "ug-loop", check=False, timeout=300)
    host.sh("docker rm -f dk-loop ug-loop >/dev/null")
    return {
        "seconds": took,
        "docker_restarts": docker_count,
        "unitgen_restarts": unit_count,
        "docker_per_min": docker_count * 60 / took,
        "unitgen_per_min": unit_count * 60 / took,
    }


# -- 3. engine restart with live-restore -------------------------------------------------------


def bench_engine(host: FullHost, unitgen: str, restarts: int) -> dict[str, Any]:
    config = json.loads(host.run("cat", DAEMON_JSON).stdout or "{}")
    config.update({"storage-driver": "vfs", "live-restore": True})
    host.run("sh", "-c", f"cat >{DAEMON_JSON}", stdin=json.dumps(config) + "\n")
    host.restart_engine()
    assert host.docker("info", "-f", "{{.LiveRestoreEnabled}}") == "true"
    host.docker("run", "-d", "--name", "lr-db", "--restart", "always", IMAGE, *SERVE)
    link = ["--link", "lr-db"]
    host.docker("run", "-d", "--name", "lr-app", "--restart", "always", *link, IMAGE, *SERVE)
    host.docker("run", "-d", "--name", "lr-ref", "--restart", "always", IMAGE, *SERVE)
    host.run(unitgen, "install", "lr-app", timeout=300)
    managed = ["lr-db", "lr-app"]
    units = [unit(n) for n in managed]
    props = ("ActiveState", "NRestarts", "InactiveExitTimestampMonotonic")
    per_restart: list[dict[str, Any]] = []
    for _ in range(restarts):
        wait_active(host, units)
        before, units_before = states(host, [*managed, "lr-ref"]), shows(host, units, *props)
        started = time.monotonic()
        host.restart_engine()
        engine_s = time.monotonic() - started
        wait_active(host, units)
        time.sleep(2)  # a late restart of a unit would show by now
        after, units_after = states(host, [*managed, "lr-ref"]), shows(host, units, *props)
        changed = {n for n in before if before[n][1:] != after[n][1:]}
        per_restart.append(
            {
                "engine_answers_s": engine_s,
                "unitgen_stopped": sorted(changed & set(managed)),
                "docker_stopped": sorted(changed - set(managed)),
                "units_restarted": sorted(u for u in units if units_before[u] != units_after[u]),
                "units_active": all(p["ActiveState"] == "active" for p in units_after.values()),
                "all_running": all(s[0] for s in after.values()),
            }
        )
        print(f"  engine restart: {per_restart[-1]}", flush=True)
    return {"managed": len(managed), "restarts": per_restart}


# -- report -------------------------------------------------------------------------------------


def report(args: argparse.Namespace, results: dict[str, Any]) -> list[list[str]]:
    rows: list[list[str]] = []
    for count, boot in results.get("boot", {}).items():
        runs = boot["runs"]
        a = statistics.median(r["boot_s"] for r in runs["docker"])
        b = statistics.median(r["boot_s"] for r in runs["unitgen"])
        boot.update(docker_median_s=a, unitgen_median_s=b, ratio=b / a)
        chains = max(count // args.depth, 1)
        rows.append(
            [
                f"boot, {count} in {chains} chains of {args.depth}: power-on -> all running (s)",
                f"{a:.2f}",
                f"{b:.2f}",
                f"{b / a:.2f} x",
                f"<= {BOOT_TARGET} x {verdict(b / a, BOOT_TARGET)}",
            ]
        )
        engine = [statistics.median(r["engine_up_s"] for r in runs[v]) for v in runs]
        rows.append(["  of which power-on -> docker.service up", *[f"{e:.2f}" for e in engine]])
        rows[-1] += ["", ""]
        for phase, what in (
            ("unit_start_to_container_up", "unit starting -> its container up"),
            ("container_up_to_unit_active", "container up -> its unit active"),
            ("deps_active_to_unit_start", "last dependency active -> unit starting"),
        ):
            seconds = statistics.median(r["unit_phases_s"][phase] for r in runs["unitgen"])
            rows.append([f"  per unit (median): {what}", "", f"{seconds:.2f}", "", ""])
        bad = {v: sum(len(r["order_violations"]) for r in runs[v]) for v in runs}
        rows.append(
            [
                "  edges started out of order (all runs)",
                str(bad["docker"]),
                str(bad["unitgen"]),
                "",
                "0",
            ]
        )
    if "crash" in results:
        crash = results["crash"]
        a = statistics.median(crash["crash_to_running_s"]["docker"])
        b = statistics.median(crash["crash_to_running_s"]["unitgen"])
        limit = max(CRASH_FLOOR_S, CRASH_TARGET * a)
        crash.update(docker_median_s=a, unitgen_median_s=b, limit_s=limit)
        rows.append(
            [
                f"crash -> running again, median of {args.crashes} (s)",
                f"{a:.2f}",
                f"{b:.2f}",
                f"{b / a:.2f} x",
                f"<= {limit:.2f} s {verdict(b, limit)}",
            ]
        )
        restarts = crash["proxy_restarts"]
        rows.append(
            [
                f"  proxy restarted, of {args.crashes} crashes",
                str(restarts["docker"]),
                str(restarts["unitgen"]),
                "",
                "0",
            ]
        )
    if "loop" in results:
        loop = results["loop"]
        a, b = loop["docker_per_min"], loop["unitgen_per_min"]
        ratio = b / a if a else float("inf")
        ok = abs(ratio - 1) <= LOOP_TOLERANCE
        rows.append(
            [
                f"crash loop: restarts per minute over {loop['seconds']:.0f} s",
                f"{a:.1f}",
                f"{b:.1f}",
                f"{ratio:.2f} x",
                f"1 +- {LOOP_TOLERANCE} {'met' if ok else 'missed'}",
            ]
        )
    if "engine" in results:
        runs = results["engine"]["restarts"]
        rows.append(
            [
                f"containers stopped by {len(runs)} x systemctl restart docker (live-restore)",
                f"{sum(len(r['docker_stopped']) for r in runs)} of {len(runs)}",
                f"{sum(len(r['unitgen_stopped']) for r in runs)} of {2 * len(runs)}",
                "",
                "0",
            ]
        )
        rows.append(
            [
                "  units restarted / units active after",
                "",
                f"{sum(len(r['units_restarted']) for r in runs)} / "
                + ("yes" if all(r["units_active"] for r in runs) else "no"),
                "",
                "0 / yes",
            ]
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,100", help="containers per boot, comma-separated")
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="boots and engine restarts")
    parser.add_argument("--crashes", type=int, default=5)
    parser.add_argument("--loop-seconds", type=float, default=120)
    parser.add_argument("--release", default="bookworm", choices=("bookworm", "trixie"))
    parser.add_argument("--only", default="boot,crash,loop,engine")
    args = parser.parse_args()
    parts = args.only.split(",")
    began = time.monotonic()
    build_image(args.release)
    host = FullHost(name=HOST, release=args.release)
    results: dict[str, Any] = {}
    try:
        host.boot()
        host.load_image(IMAGE)
        unitgen = host.install_unitgen()
        systemd = host.run("systemctl", "--version").stdout.split("\n")[0]
        engine = host.docker("version", "-f", "{{.Server.Version}}")
        if "boot" in parts:
            results["boot"] = {
                n: bench_boot(host, unitgen, args, n) for n in map(int, args.sizes.split(","))
            }
        if "crash" in parts:
            results["crash"] = bench_crash(host, unitgen, args.crashes)
        if "loop" in parts:
            results["loop"] = bench_loop(host, unitgen, args.loop_seconds)
        if "engine" in parts:
            results["engine"] = bench_engine(host, unitgen, args.runs)
    finally:
        host.destroy()
    took = time.monotonic() - began
    print(f"full host {args.release}: {systemd}, dockerd {engine}; whole benchmark {took:.0f} s")
    rows = report(args, results)
    print(table(["what", "docker policy", "unitgen", "ratio", "target"], rows))
    path = write_result(
        "fullhost",
        {
            "args": vars(args),
            "host": {"release": args.release, "systemd": systemd, "dockerd": engine},
            "total_s": took,
            **results,
        },
    )
    for count, boot in results.get("boot", {}).items():
        print(f"{count}: per chain level, last run (s after power-on): first up .. last up")
        last = {v: r[-1]["levels_s"] for v, r in boot["runs"].items()}
        for i, (a, b) in enumerate(zip(last["docker"], last["unitgen"], strict=True)):
            spans = [f"{v} {s[0]:6.2f} .. {s[1]:6.2f}" for v, s in (("docker", a), ("unitgen", b))]
            print(f"  level {i}: " + "   ".join(spans))
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
