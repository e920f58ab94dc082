"""What the units' hardening costs each process a unit spawns, under the systemd harness.

Every Exec* line of a unit is a new process that systemd sets up in the unit's sandbox (mount
namespace, seccomp filter, ...). This runs `/bin/true` as a transient service with
`systemd-run --wait`, `--count` times, with no hardening and with unitgen's HARDENING, taking
turns, and prints the cost per spawned process and the ratio. It explains where a boot's time
goes (bench/boot.py) and why a unit start spawns two processes, not three.

    python -m bench.sandbox [--count 30] [--rounds 3]

Writes bench/results/sandbox.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from bench._common import table, write_result
from tests.harness import Harness, build_image
from unitgen.units.hardening import HARDENING

PROBE = """s=$(date +%s%N)
for i in $(seq {count}); do systemd-run -q --wait -p Type=exec {props} /bin/true; done
echo $(( ($(date +%s%N) - s) / {count} / 1000 ))"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30, help="transient services per sample")
    parser.add_argument("--rounds", type=int, default=3, help="samples of each, taking turns")
    args = parser.parse_args()
    variants = {
        "no hardening": "",
        "unitgen's HARDENING": " ".join(f"-p '{key}={value}'" for key, value in HARDENING),
    }
    build_image()
    box = Harness(name="unitgen-bench-sandbox")
    box.destroy()
    box.boot()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for _ in range(args.rounds):
            for name, props in variants.items():
                out = box.sh(PROBE.format(count=args.count, props=props)).stdout
                samples[name].append(int(out.strip()) / 1000)  # ms per process
    finally:
        box.destroy()
    bare, hardened = (statistics.median(samples[name]) for name in variants)
    print(f"one /bin/true per transient service, {args.count} x {args.rounds} each, under systemd")
    print(
        table(
            ["variant", "ms per spawned process (median)"],
            [
                ["no hardening", f"{bare:.1f}"],
                ["unitgen's HARDENING", f"{hardened:.1f}"],
                ["cost of the hardening", f"{hardened - bare:.1f}"],
                ["ratio hardened / bare", f"{hardened / bare:.2f}"],
            ],
        )
    )
    path = write_result(
        "sandbox",
        {"count": args.count, "rounds": args.rounds, "ms_per_process": samples},
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
