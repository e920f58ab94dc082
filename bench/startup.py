"""Start-up cost: `unitgen --help` against `python -c pass` (the same interpreter), and
`unitgen generate X` of one container against `docker inspect X`, with the fixture containers
present (run `python -m bench.generate --keep` or `python -m bench.fixtures create 500` first,
or pass --create 500).

    python -m bench.startup [--runs 20] [--create N]

Targets: --help <= 2 x python -c pass; generate one <= 3 x docker inspect (medians). Uses
hyperfine when installed, else its own loop. Writes bench/results/startup.json.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from typing import Any

from bench import fixtures
from bench._common import (
    PYTHON,
    Timing,
    ms,
    table,
    time_runs,
    unitgen_argv,
    verdict,
    write_result,
)
from bench._common import hyperfine as run_hyperfine

HELP_TARGET = 2.0
GENERATE_TARGET = 3.0
SINGLE_PREFIX = "ugs"


def measure(commands: dict[str, list[str]], runs: int, warmup: int) -> dict[str, Timing]:
    found = run_hyperfine(commands, runs=runs, warmup=warmup)
    if found is not None:
        return found
    return {
        label: time_runs(label, argv, runs=runs, warmup=warmup) for label, argv in commands.items()
    }


def pick_container(prefix: str | None) -> tuple[str, list[str]]:
    """A container to generate: index 0 of the fixtures (it depends on nothing), or a fresh one."""
    names = fixtures.existing(prefix)
    if names:
        return names[0], []
    name = f"{SINGLE_PREFIX}-single"
    fixtures.remove(SINGLE_PREFIX)
    label = f"{fixtures.BENCH_LABEL}={SINGLE_PREFIX}"
    subprocess.run(
        ["docker", "create", "--name", name, "--label", label, fixtures.IMAGE, *fixtures.COMMAND],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return name, [SINGLE_PREFIX]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--runs", type=int, default=20, help="timed runs per command (>= 10)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--prefix", default=None, help="fixture prefix to use (default: any)")
    parser.add_argument(
        "--create", type=int, default=0, metavar="N", help="create N fixtures if none exist"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    runs = max(args.runs, 10)

    cleanup: list[str] = []
    if args.create and not fixtures.existing(args.prefix):
        prefix = args.prefix or f"ugb{args.create}"
        print(f"creating {args.create} fixtures {prefix}-c*", file=sys.stderr)
        fixtures.remove(prefix)
        cleanup.append(prefix)
        fixtures.create(args.create, args.seed, prefix)
    try:
        container, made = pick_container(args.prefix)
        cleanup += made
        total = fixtures.count_all_containers()
        unitgen = unitgen_argv()
        shown = subprocess.run(
            [*unitgen, "generate", container], capture_output=True, text=True, check=True
        ).stdout
        units = sum(1 for line in shown.splitlines() if line.startswith("---"))
        timings = measure(
            {
                "unitgen --help": [*unitgen, "--help"],
                "python -c pass": [PYTHON, "-c", "pass"],
                "unitgen generate X": [*unitgen, "generate", container],
                "docker inspect X": ["docker", "inspect", container],
                # What any Python program built on the design card's click and jinja2 pays
                # before doing anything: the context for the two ratios above.
                "python -c 'import click, jinja2'": [PYTHON, "-c", "import click, jinja2"],
            },
            runs,
            args.warmup,
        )
    finally:
        for prefix in cleanup:
            fixtures.remove(prefix)

    pairs = [
        ("unitgen --help", "python -c pass", HELP_TARGET),
        ("unitgen generate X", "docker inspect X", GENERATE_TARGET),
    ]
    rows: list[list[object]] = []
    results: list[dict[str, Any]] = []
    for subject, floor, target in pairs:
        s, f = timings[subject], timings[floor]
        ratio = s.median / f.median
        row: list[object] = [subject, ms(s.median), floor, ms(f.median), f"{ratio:.2f}"]
        rows.append([*row, f"<= {target}", verdict(ratio, target)])
        results.append(
            {
                "subject": s.as_json(),
                "floor": f.as_json(),
                "ratio_median": ratio,
                "ratio_best": s.best / f.best,
                "target": target,
                "met": ratio <= target,
            }
        )
    tool = next(iter(timings.values())).tool
    print(
        f"\nstart-up (median of {runs} runs, {tool}, ms); X = {container}: {units} units printed, "
        f"{total} containers on the engine"
    )
    print(table(["command", "ms", "floor", "ms", "ratio", "target", ""], rows))
    imports = timings["python -c 'import click, jinja2'"].median
    print(
        f"context: python -c 'import click, jinja2' takes {ms(imports)} ms, "
        f"{imports / timings['python -c pass'].median:.2f} x python -c pass and "
        f"{imports / timings['docker inspect X'].median:.2f} x docker inspect X"
    )
    path = write_result(
        "startup",
        {
            "container": container,
            "units_printed": units,
            "containers_on_engine": total,
            "runs": runs,
            "tool": tool,
            "pairs": results,
            "import_click_jinja2": timings["python -c 'import click, jinja2'"].as_json(),
        },
    )
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
