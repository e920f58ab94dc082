"""What the units' sandbox costs each process a unit spawns, and what it scores, under the
systemd harness: before issue 24 (every setting), now (the settings that cost nothing at spawn,
unitgen/units/hardening.py) and with none.

Every Exec* line of a unit is a new process that systemd sets up in the unit's sandbox (mount
namespace, seccomp filter, ...). This runs `/bin/true` as a transient service with
`systemd-run --wait`, `--count` times per sample, the three variants taking turns, and prints
the cost per spawned process and the ratios. For each variant it also loads a unit with those
settings and reads `systemd-analyze security`'s overall exposure, and whether a spawned
process got a mount namespace of its own.

    python -m bench.sandbox [--count 30] [--rounds 3]

UNITGEN_HARNESS_RELEASE=trixie for Debian 13's systemd. Writes bench/results/sandbox.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys

from bench._common import table, write_result
from tests.harness import Harness, build_image, harness_release
from unitgen.units.hardening import HARDENING, before

PROBE = """s=$(date +%s%N)
for i in $(seq {count}); do systemd-run -q --wait -p Type=exec {props} /bin/true; done
echo $(( ($(date +%s%N) - s) / {count} / 1000 ))"""
# A unit with the settings, whose own process reports its mount namespace against PID 1's.
UNIT = (
    "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'readlink /proc/self/ns/mnt >/run/{name}.ns'\n"
)

Pairs = tuple[tuple[str, str], ...]


def score(box: Harness, name: str, settings: Pairs) -> tuple[float, bool]:
    """systemd-analyze security's exposure of a unit with SETTINGS; whether its process got a
    mount namespace of its own."""
    text = UNIT.format(name=name) + "".join(f"{k}={v}\n" for k, v in settings)
    box.run("sh", "-c", f"cat >/run/systemd/system/{name}.service", stdin=text)
    box.run("systemctl", "daemon-reload")
    report = box.run("systemd-analyze", "security", "--no-pager", f"{name}.service").stdout
    exposure = float(report.rsplit("Overall exposure level for", 1)[1].split(":")[1].split()[0])
    box.run("systemctl", "start", f"{name}.service")
    own = box.run("cat", f"/run/{name}.ns").stdout.strip()
    return exposure, own != box.run("readlink", "/proc/1/ns/mnt").stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=30, help="transient services per sample")
    parser.add_argument("--rounds", type=int, default=3, help="samples of each, taking turns")
    args = parser.parse_args()
    variants: dict[str, Pairs] = {"none": (), "before": before(), "now": HARDENING}
    build_image()
    box = Harness(name="unitgen-bench-sandbox")
    box.destroy()
    box.boot()
    samples: dict[str, list[float]] = {name: [] for name in variants}
    scores: dict[str, tuple[float, bool]] = {}
    try:
        systemd = box.run("systemctl", "--version").stdout.split("\n")[0]
        for name, settings in variants.items():
            scores[name] = score(box, f"probe-{name}", settings)
        for _ in range(args.rounds):
            for name, settings in variants.items():
                props = " ".join(f"-p '{key}={value}'" for key, value in settings)
                out = box.sh(PROBE.format(count=args.count, props=props)).stdout
                samples[name].append(int(out.strip()) / 1000)  # ms per process
    finally:
        box.destroy()
    ms = {name: statistics.median(samples[name]) for name in variants}
    print(
        f"{harness_release()} ({systemd}): one /bin/true per transient service, "
        f"{args.count} x {args.rounds} each, taking turns"
    )
    print(
        table(
            ["sandbox", "settings", "ms per spawn (median)", "/ none", "exposure", "mount ns"],
            [
                [
                    name,
                    str(len(variants[name])),
                    f"{ms[name]:.1f}",
                    f"{ms[name] / ms['none']:.2f}",
                    f"{scores[name][0]:.1f}",
                    "own" if scores[name][1] else "host's",
                ]
                for name in variants
            ],
        )
    )
    print(f"now / before: {ms['now'] / ms['before']:.2f} ({ms['now']:.1f} / {ms['before']:.1f} ms)")
    path = write_result(
        "sandbox",
        {
            "release": harness_release(),
            "systemd": systemd,
            "count": args.count,
            "rounds": args.rounds,
            "ms_per_process": samples,
            "exposure": {name: s[0] for name, s in scores.items()},
            "own_mount_namespace": {name: s[1] for name, s in scores.items()},
        },
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
