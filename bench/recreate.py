"""What recreate mode costs a start: the unit helper's stop-then-start of one container in
existing mode (`stop NAME`, `start NAME`: the same container again) against recreate mode's
(`discard NAME`, `recreate NAME RECORD`: removed, created from its record, started), on the
same container, taking turns run by run.

    python -m bench.recreate [--runs 20]

No target (issue #13 names none): the figure is for the README's table of the two modes.
Needs the engine and the test image; writes bench/results/recreate.json.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import uuid
from pathlib import Path

from bench._common import ms, table, time_interleaved, write_result
from unitgen.engine.source import DockerSource

HELPER = str(Path(__file__).resolve().parent.parent / "unitgen/units/helper.sh")
IMAGE = "unitgen-test/busybox:latest"
SERVE = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    name = f"ugr-{uuid.uuid4().hex[:6]}"
    subprocess.run(
        ["docker", "run", "-d", "--name", name, IMAGE, *SERVE], check=True, capture_output=True
    )
    try:
        record = DockerSource().record_of(name, unit=f"docker-{name}.service", logs="keep")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"{name}.json"
            path.write_text(record.text())
            helper = f"sh {HELPER}"
            existing = f"{helper} stop {name} 5 && {helper} start {name}"
            recreate = f"{helper} discard {name} 5 && {helper} recreate {name} {path} 5"
            timings = time_interleaved(
                [
                    ("existing: stop, start", ["sh", "-c", existing], None),
                    ("recreate: discard, recreate", ["sh", "-c", recreate], None),
                ],
                runs=args.runs,
            )
    finally:
        subprocess.run(["docker", "rm", "-f", name], check=False, capture_output=True)
    medians = [statistics.median(t.runs) for t in timings]
    rows = [[t.label, ms(min(t.runs)), ms(m)] for t, m in zip(timings, medians, strict=True)]
    print(table(["helper steps", "best ms", "median ms"], rows))
    ratio = medians[1] / medians[0]
    print(f"recreate / existing: {ratio:.2f} x (+{ms(medians[1] - medians[0])} ms a start)")
    write_result(
        "recreate",
        {"runs": args.runs, "timings": [t.__dict__ for t in timings], "ratio": ratio},
    )


if __name__ == "__main__":
    main()
