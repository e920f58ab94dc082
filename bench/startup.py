"""Start-up cost, against the floor any Python program on the design card's libraries pays:
`unitgen generate X` (one container) against `python -c 'import click, jinja2, docker'`
followed by one `docker inspect X`, and `unitgen --help` and `unitgen exit-codes` (which talk
to no engine and import no SDK) against `python -c 'import click'` (the same interpreter).
The commands take turns run by run and each ratio is the median of the run-by-run ratios, so
that a slow spell of this shared VM slows a pair, not one side.

Then shell completion of a container name (TAB after `unitgen generate `, as bash's script
asks it: `_UNITGEN_COMPLETE=bash_complete COMP_WORDS=... COMP_CWORD=2 unitgen`) with
`--complete` (100) fixture containers created for it (removed afterwards), against `docker
ps -a --format '{{.Names}}'`: the same names from one listing, by the Go CLI. No target
(issue #22: report it).

    python -m bench.startup [--runs 20] [--create N] [--complete N]

Targets (issue #22): each <= 1.3 x its floor. Run it with the
package byte-compiled (as Debian installs it: `python -m compileall unitgen`) and the
template cache warm (the first run fills it). Writes bench/results/startup.json.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from bench import fixtures
from bench._common import (
    PYTHON,
    ms,
    table,
    time_interleaved,
    unitgen_argv,
    verdict,
    write_result,
)

HELP_TARGET = 1.3
GENERATE_TARGET = 1.3
SINGLE_PREFIX = "ugs"
COMPLETE_PREFIX = "ugc"
COMPLETE = "unitgen generate <TAB>"
COMPLETE_FLOOR = "docker ps -a --format '{{.Names}}'"


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


def completion_argv() -> list[str]:
    """What bash's completion script runs for `unitgen generate <TAB>` (the word being
    completed empty: every container's name); `env` sets click's protocol variables, since
    the timing helpers pass no environment of their own."""
    protocol = ["_UNITGEN_COMPLETE=bash_complete", "COMP_WORDS=unitgen generate ", "COMP_CWORD=2"]
    return ["env", *protocol, *unitgen_argv()]


def time_completion(n: int, seed: int, runs: int, warmup: int) -> dict[str, Any]:
    """N fixture containers created, unitgen's completion of a container name and its floor
    timed taking turns, the fixtures removed again."""
    print(f"creating {n} fixtures {COMPLETE_PREFIX}-c* for completion", file=sys.stderr)
    with fixtures.fixtures(n, seed, COMPLETE_PREFIX):
        offered = subprocess.run(completion_argv(), capture_output=True, text=True, check=True)
        names = {line.partition(",")[2] for line in offered.stdout.splitlines()}
        missing = set(fixtures.existing(COMPLETE_PREFIX)) - names
        if missing:
            raise RuntimeError(f"completion did not offer {len(missing)} of the fixtures")
        total = fixtures.count_all_containers()
        floor = ["docker", "ps", "-a", "--format", "{{.Names}}"]
        subject, reference = time_interleaved(
            [(COMPLETE, completion_argv(), None), (COMPLETE_FLOOR, floor, None)],
            runs=runs,
            warmup=warmup,
        )
    ratio = statistics.median(a / b for a, b in zip(subject.runs, reference.runs, strict=True))
    return {
        "fixtures": n,
        "containers_on_engine": total,
        "names_offered": len(names),
        "subject": subject.as_json(),
        "floor": reference.as_json(),
        "ratio_median_of_pairs": ratio,
        "ratio_best": subject.best / reference.best,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument("--runs", type=int, default=20, help="timed runs per command (>= 10)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--prefix", default=None, help="fixture prefix to use (default: any)")
    parser.add_argument(
        "--create", type=int, default=0, metavar="N", help="create N fixtures if none exist"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--complete",
        type=int,
        default=100,
        metavar="N",
        help="containers to create for the completion pair (0: skip it)",
    )
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
        floor_cmd = (
            f"{PYTHON} -c 'import click, jinja2, docker' && docker inspect {container} >/dev/null"
        )
        commands: list[tuple[str, Sequence[str], None]] = [
            ("unitgen generate X", [*unitgen, "generate", container], None),
            ("import click, jinja2, docker + docker inspect X", ["sh", "-c", floor_cmd], None),
            ("unitgen --help", [*unitgen, "--help"], None),
            ("unitgen exit-codes", [*unitgen, "exit-codes"], None),
            ("python -c 'import click'", [PYTHON, "-c", "import click"], None),
        ]
        timings = {t.label: t for t in time_interleaved(commands, runs=runs, warmup=args.warmup)}
    finally:
        for prefix in cleanup:
            fixtures.remove(prefix)

    pairs = [
        ("unitgen generate X", "import click, jinja2, docker + docker inspect X", GENERATE_TARGET),
        ("unitgen --help", "python -c 'import click'", HELP_TARGET),
        ("unitgen exit-codes", "python -c 'import click'", HELP_TARGET),
    ]
    rows: list[list[object]] = []
    results: list[dict[str, Any]] = []
    for subject, floor, target in pairs:
        s, f = timings[subject], timings[floor]
        ratio = statistics.median(a / b for a, b in zip(s.runs, f.runs, strict=True))
        row: list[object] = [subject, ms(s.median), floor, ms(f.median), f"{ratio:.2f}"]
        rows.append([*row, f"<= {target}", verdict(ratio, target)])
        results.append(
            {
                "subject": s.as_json(),
                "floor": f.as_json(),
                "ratio_median_of_pairs": ratio,
                "ratio_best": s.best / f.best,
                "target": target,
                "met": ratio <= target,
            }
        )
    print(
        f"\nstart-up (median of {runs} interleaved runs, ms; ratio: median of run-by-run "
        f"ratios); X = {container}: {units} units printed, {total} containers on the engine"
    )
    print(table(["command", "ms", "floor", "ms", "ratio", "target", ""], rows))
    completion = (
        time_completion(args.complete, args.seed, runs, args.warmup) if args.complete else None
    )
    if completion:
        print(
            f"\ncompletion (median of {runs} interleaved runs, ms): "
            f"{completion['fixtures']} fixtures, {completion['containers_on_engine']} containers "
            f"on the engine, {completion['names_offered']} names offered"
        )
        row = [
            COMPLETE,
            ms(completion["subject"]["median_s"]),
            COMPLETE_FLOOR,
            ms(completion["floor"]["median_s"]),
            f"{completion['ratio_median_of_pairs']:.2f}",
        ]
        print(table(["command", "ms", "floor", "ms", "ratio"], [row]))
    path = write_result(
        "startup",
        {
            "container": container,
            "units_printed": units,
            "containers_on_engine": total,
            "runs": runs,
            "pairs": results,
            "completion": completion,
        },
    )
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
