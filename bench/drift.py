"""`unitgen drift` over N managed containers, against the generate floor: one raw
`docker inspect` of the same N containers.

The N fixture containers get units installed into a scratch root (`install --root --all`), so
drift reads N installed units, inspects N containers and renders N units to compare; in that
root systemd is offline, which leaves out one `systemctl show` of the N units.

    python -m bench.drift [--size 500] [--runs 5]

Target at N=500: drift <= 2 x floor. Writes bench/results/drift.json.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile

from bench import fixtures
from bench._common import ms, table, time_interleaved, unitgen_argv, verdict, write_result
from bench.generate import fixture_ids

TARGET = 2.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    prefix = f"ugd{args.size}"
    with fixtures.fixtures(args.size, args.seed, prefix), tempfile.TemporaryDirectory() as root:
        subprocess.run(
            [*unitgen_argv(), "install", "--root", root, "--all"], check=True, capture_output=True
        )
        ids = fixture_ids(prefix)
        drift, floor = time_interleaved(
            [
                ("unitgen drift", [*unitgen_argv(), "drift", "--root", root], None),
                ("docker inspect N", ["docker", "inspect", *ids], None),
            ],
            runs=args.runs,
        )
    ratio = drift.median / floor.median
    print(f"unitgen drift over {args.size} managed containers vs one docker inspect of them")
    print(
        table(
            ["what", "best", "median"],
            [
                ["unitgen drift", ms(drift.best), ms(drift.median)],
                ["docker inspect (floor)", ms(floor.best), ms(floor.median)],
                ["ratio (median)", f"{ratio:.2f}", verdict(ratio, TARGET)],
            ],
        )
    )
    path = write_result(
        "drift",
        {
            "size": args.size,
            "drift": drift.as_json(),
            "floor": floor.as_json(),
            "ratio_median": ratio,
            "target": TARGET,
        },
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
