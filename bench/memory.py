"""Resident cost per managed container, at steady state, under the systemd harness.

N containers are installed by unitgen into the harness; then the PSS of every process in the
units' control groups is summed (from /proc/PID/smaps_rollup inside the harness) and divided
by N. N more containers with a health check get `--on-unhealthy restart` units, whose helper
also holds an events request open (issue 25): measured the same way, apart. In the same run,
one `docker start -a` client (the usual alternative main process) is measured the same way,
as the anchor. Target: <= 2 MB per container.

Run: .venv/bin/python -m bench.memory [--count 50]
"""

from __future__ import annotations

import argparse
import sys
import time

from bench._common import environment, table, write_result
from tests.harness import Harness, build_image
from tests.topology import SERVE, Topology, docker

PSS_OF_UNITS = r"""
total=0; procs=0
for unit in "$@"; do
    cg=$(systemctl show -P ControlGroup "$unit")
    for pid in $(cat "/sys/fs/cgroup/systemd$cg/cgroup.procs" 2>/dev/null); do
        kb=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null)
        [ -n "$kb" ] && total=$((total + kb)) && procs=$((procs + 1))
    done
done
echo "$total $procs"
"""

PSS_OF_PID = r"""awk '/^Pss:/ {print $2}' /proc/$1/smaps_rollup"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    build_image()
    box = Harness(name="unitgen-bench-memory")
    box.destroy()
    topo = Topology(prefix="ugmem")
    try:
        names = [topo.create(f"c{i:03d}", cmd=SERVE) for i in range(args.count)]
        check = ("--health-cmd", "true", "--health-interval", "5s")
        watched = [topo.create(f"h{i:03d}", *check, cmd=SERVE) for i in range(args.count)]
        anchor = topo.create("anchor", cmd=SERVE)
        box.boot()
        box.run("unitgen", "install", *names, timeout=600)
        box.run("unitgen", "install", "--on-unhealthy", "restart", *watched, timeout=600)
        units = [f"docker-{n}.service" for n in names]
        time.sleep(3)  # steady state: readiness probes finished, only the main processes left
        total_kb, procs = map(int, box.run("sh", "-c", PSS_OF_UNITS, "pss", *units).stdout.split())
        watched_units = [f"docker-{n}.service" for n in watched]
        watched_kb, watched_procs = map(
            int, box.run("sh", "-c", PSS_OF_UNITS, "pss", *watched_units).stdout.split()
        )
        box.sh(f"nohup docker start -a {anchor} >/dev/null 2>&1 &")
        time.sleep(3)
        pid = box.sh("pgrep -f 'docker start -a' | head -1").stdout.strip()
        anchor_kb = int(box.run("sh", "-c", PSS_OF_PID, "pss", pid).stdout.strip())
    finally:
        box.destroy()
        topo.remove()
        docker("ps", "-q", check=False)
    per = total_kb / args.count
    per_watched = watched_kb / args.count
    rows = [
        ["unitgen unit (sh + nc on /wait)", f"{per / 1024:.2f} MB", f"{procs / args.count:.1f}"],
        [
            "unitgen unit, --on-unhealthy (+ sh + nc on /events)",
            f"{per_watched / 1024:.2f} MB",
            f"{watched_procs / args.count:.1f}",
        ],
        ["docker start -a (anchor)", f"{anchor_kb / 1024:.2f} MB", "1"],
        ["ratio unitgen / anchor", f"{per / anchor_kb:.3f}", ""],
    ]
    print(f"resident PSS per managed container, {args.count} containers, under the harness")
    print(table(["main process", "PSS per container", "processes"], rows))
    print(f"target <= 2 MB: {'met' if max(per, per_watched) / 1024 <= 2 else 'MISSED'}")
    path = write_result(
        "memory",
        {
            "environment": environment(),
            "count": args.count,
            "units_total_pss_kb": total_kb,
            "processes": procs,
            "per_container_pss_kb": per,
            "watched_total_pss_kb": watched_kb,
            "watched_processes": watched_procs,
            "per_watched_container_pss_kb": per_watched,
            "anchor_docker_start_a_pss_kb": anchor_kb,
        },
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
