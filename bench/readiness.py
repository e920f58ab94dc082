"""Readiness at boot: the helper's poll of filtered listings every 0.2 s (what `run` and
`start` do) against the engine's event stream (GET /events filtered to the container), with N
containers started at once, as a boot starts a level of units.

    python -m bench.readiness [--sizes 20,100] [--rounds 3] [--health]

Both variants are POSIX sh with netcat-openbsd, as the units run them, against this machine's
engine. Poll: the helper's own `start NAME` (POST /start, then listings until running, and
healthy with --health). Events: subscribe first (`GET /events?filters={"container":[NAME],
"event":["start","health_status"]}`, read until the answer's headers), then POST /start, then
read the stream until the container's `start` (with --health: `health_status: healthy`)
event. Each round stops the N containers, then starts them all at once with one variant; the
variants take turns. Prints per-container start -> ready (median) and the wall time until all N
were ready, with the ratio events / poll. --health gives the containers a health check every
second. Writes bench/results/readiness.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

from bench._common import table, write_result

HELPER = str(Path(__file__).resolve().parent.parent / "unitgen/units/helper.sh")
IMAGE = "unitgen-test/busybox:latest"
SERVE = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
SOCK = "/run/docker.sock"

POLL = """t0=$(date +%s%N)
DOCKER_HOST=unix://{sock} /bin/sh {helper} start "$1" >/dev/null 2>&1 || exit 1
echo $(( ($(date +%s%N) - t0) / 1000000 ))"""

EVENTS = """set -eu
t0=$(date +%s%N)
name=$1 want=$2 filters=$3 api=$4
fifo=$(mktemp -u)
mkfifo "$fifo"
printf 'GET %s/events?filters=%s HTTP/1.0\\r\\n\\r\\n' "$api" "$filters" |
    /bin/nc.openbsd -U {sock} >"$fifo" &
nc=$!
exec 3<"$fifo"
rm -f "$fifo"
cr=$(printf '\\r')
while IFS= read -r line <&3; do [ "$line" = "$cr" ] && break; done # subscribed
printf 'POST %s/containers/%s/start HTTP/1.0\\r\\nContent-Length: 0\\r\\n\\r\\n' "$api" "$name" |
    /bin/nc.openbsd -U {sock} >/dev/null
while IFS= read -r line <&3; do
    case $line in *"\\"Action\\":\\"$want\\""*) break ;; esac
done
kill "$nc"
echo $(( ($(date +%s%N) - t0) / 1000000 ))"""


def docker(*args: str) -> str:
    done = subprocess.run(["docker", *args], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def round_of(variant: str, names: list[str], api: str, health: bool) -> tuple[float, list[int]]:
    """Start NAMES at once with VARIANT: (wall seconds until all ready, ms per container)."""
    want = "health_status: healthy" if health else "start"
    began = time.perf_counter()
    procs = []
    for name in names:
        if variant == "poll":
            argv = ["sh", "-c", POLL.format(sock=SOCK, helper=HELPER), "poll", name]
        else:
            filters = json.dumps({"container": [name], "event": ["start", "health_status"]})
            script = EVENTS.format(sock=SOCK)
            argv = ["sh", "-c", script, "events", name, want, urllib.parse.quote(filters), api]
        procs.append(subprocess.Popen(argv, stdout=subprocess.PIPE, text=True))
    took = [int(p.communicate(timeout=300)[0].strip() or -1) for p in procs]
    wall = time.perf_counter() - began
    if any(t < 0 for t in took) or any(p.returncode for p in procs):
        raise RuntimeError(f"{variant}: a start failed")
    return wall, took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,100")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--health", action="store_true")
    args = parser.parse_args()
    api = "/v" + docker("version", "-f", "{{.Server.APIVersion}}")
    tag = uuid.uuid4().hex[:6]
    check = ["--health-cmd", "true", "--health-interval", "1s"] if args.health else []
    results: dict[int, dict[str, list[tuple[float, list[int]]]]] = {}
    rows = []
    for size in map(int, args.sizes.split(",")):
        names = [f"ugready-{tag}-{i}" for i in range(size)]
        for name in names:
            docker("create", "--name", name, *check, IMAGE, *SERVE)
        try:
            runs: dict[str, list[tuple[float, list[int]]]] = {"poll": [], "events": []}
            for i in range(args.rounds):
                for variant in ("poll", "events") if i % 2 == 0 else ("events", "poll"):
                    docker("stop", "-t", "0", *names)
                    runs[variant].append(round_of(variant, names, api, args.health))
        finally:
            subprocess.run(["docker", "rm", "-f", *names], capture_output=True, check=False)
        results[size] = runs
        wall = {v: statistics.median(w for w, _ in r) for v, r in runs.items()}
        each = {v: statistics.median(t for _, ts in r for t in ts) for v, r in runs.items()}
        rows.append(
            [
                str(size),
                f"{each['poll']:.0f}",
                f"{each['events']:.0f}",
                f"{wall['poll']:.2f}",
                f"{wall['events']:.2f}",
                f"{wall['events'] / wall['poll']:.2f}",
            ]
        )
    kind = "with a 1 s health check" if args.health else "no health check"
    print(f"{args.rounds} rounds each, taking turns, {kind}, engine API {api}")
    print(
        table(
            [
                "N at once",
                "poll ms/container",
                "events ms/container",
                "poll wall s",
                "events wall s",
                "events / poll",
            ],
            rows,
        )
    )
    path = write_result(
        "readiness-health" if args.health else "readiness",
        {"health": args.health, "api": api, "runs": {str(k): v for k, v in results.items()}},
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
