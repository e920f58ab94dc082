"""`unitgen generate --all --output DIR` over N fixture containers, against the floor: one raw
`docker inspect` of the same N containers. Peer figure: `podman generate systemd --files` of a
pod of N podman containers, when podman runs here.

    python -m bench.generate --sizes 10,100,500 [--runs 3] [--seed 1] [--keep]

Prints best-of-runs and median, and the ratio unitgen / floor (target at N=500: <= 2, issue
#22); writes
bench/results/generate.json. Timing is reported, never asserted.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench import fixtures
from bench._common import (
    Timing,
    ms,
    table,
    time_interleaved,
    time_runs,
    unitgen_argv,
    verdict,
    write_result,
)

TARGET = 2.0
TARGET_N = 500
PODMAN_IMAGE = "localhost/unitgen-bench/busybox:latest"


def fixture_ids(prefix: str) -> list[str]:
    done = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label={fixtures.BENCH_LABEL}={prefix}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.split()


def measure_unitgen(n: int, ids: list[str], runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="unitgen-bench-") as tmp:
        out = Path(tmp) / "units"

        def fresh() -> None:
            shutil.rmtree(out, ignore_errors=True)

        unitgen, floor = time_interleaved(
            [
                (
                    "unitgen generate --all",
                    [*unitgen_argv(), "generate", "--all", "--output", str(out)],
                    fresh,
                ),
                ("docker inspect N", ["docker", "inspect", *ids], None),
            ],
            runs=runs,
        )
        units = len(list(out.iterdir()))
    return {
        "n": n,
        "all_containers": fixtures.count_all_containers(),
        "units_written": units,
        "unitgen": unitgen,
        "floor": floor,
    }


def _podman(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=300)
    if check and done.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args[:3])}: {done.stderr.strip()[-300:]}")
    return done


def podman_image() -> None:
    """The fixture image as a podman image: `docker export` of a container, `podman import`."""
    if _podman("image", "exists", PODMAN_IMAGE, check=False).returncode == 0:
        return
    cid = subprocess.run(
        ["docker", "create", fixtures.IMAGE, "true"], capture_output=True, text=True, check=True
    ).stdout.strip()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tar = str(Path(tmp) / "rootfs.tar")
            subprocess.run(["docker", "export", "-o", tar, cid], check=True)
            _podman("import", "--change", 'CMD ["/bin/sh"]', tar, PODMAN_IMAGE)
    finally:
        subprocess.run(["docker", "rm", "-f", cid], capture_output=True, check=False)


def podman_peer(n: int, prefix: str, runs: int) -> dict[str, Any]:
    """N podman containers and their units. In a pod, `podman generate systemd --files --name
    POD` writes the pod's unit and one per container in one call; where podman cannot make a
    pod (here on 2026-11-29: a read-only net_cls cgroup), N standalone containers and one
    `podman generate systemd --files --name C` each, as a user runs it for standalone
    containers. Its own floor: `podman inspect` of the N."""
    if shutil.which("podman") is None:
        return {"n": n, "status": "unavailable", "reason": "podman is not installed"}
    pod = f"{prefix}p-pod"
    names = [f"{prefix}p-c{i:04d}" for i in range(n)]
    label = f"{fixtures.BENCH_LABEL}={prefix}"
    try:
        podman_image()
        _podman("pod", "rm", "-f", pod, check=False)
        _podman("rm", "-f", *names, check=False)
        # The default infra image (k8s pause) needs a registry; use the local image instead.
        infra = ["--infra-image", PODMAN_IMAGE, "--infra-command", "sleep 3600"]
        made = _podman("pod", "create", "--name", pod, *infra, "--label", label, check=False)
        in_pod = made.returncode == 0
        where = ["--pod", pod] if in_pod else []

        def create(name: str) -> None:
            argv = ["create", *where, "--name", name, "--label", label, PODMAN_IMAGE]
            _podman(*argv, *fixtures.COMMAND)

        with ThreadPoolExecutor(fixtures.WORKERS) as pool:
            list(pool.map(create, names))
        if in_pod:
            argv = ["podman", "generate", "systemd", "--files", "--name", pod]
        else:
            loop = 'for c in "$@"; do podman generate systemd --files --name "$c" >/dev/null; done'
            argv = ["sh", "-c", loop, "sh", *names]
        with tempfile.TemporaryDirectory(prefix="podman-bench-") as tmp:
            peer = time_runs("podman generate systemd --files", argv, runs=runs, cwd=tmp)
            units = len(list(Path(tmp).iterdir()))
        floor = time_runs("podman inspect N", ["podman", "inspect", *names], runs=runs)
        return {
            "n": n,
            "status": "ok",
            "mode": "one pod, one call" if in_pod else "standalone, one call each",
            "units_written": units,
            "podman": peer,
            "podman_floor": floor,
        }
    except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
        return {"n": n, "status": "unavailable", "reason": f"podman cannot run here: {exc}"}
    finally:
        _podman("pod", "rm", "-f", pod, check=False)
        _podman("rm", "-f", *names, check=False)


def times(t: Timing) -> list[str]:
    return [ms(t.best), ms(t.median)]


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.as_json() if isinstance(v, Timing) else v for k, v in row.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--sizes", default="10,100,500", help="comma-separated N values")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (best, median)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--prefix", default="ugb", help="fixtures are PREFIX<N>-c0000...")
    parser.add_argument("--keep", action="store_true", help="keep the largest N's fixtures")
    parser.add_argument("--no-podman", action="store_true", help="skip the podman peer figure")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]

    others = fixtures.count_all_containers()
    if others:
        print(
            f"note: {others} other containers exist; `generate --all` renders them too",
            file=sys.stderr,
        )
    rows: list[dict[str, Any]] = []
    peers: list[dict[str, Any]] = []
    for n in sizes:
        prefix = f"{args.prefix}{n}"
        keep = args.keep and n == max(sizes)
        print(f"N={n}: creating fixtures {prefix}-c*", file=sys.stderr)
        with fixtures.fixtures(n, args.seed, prefix, keep=keep) as specs:
            row = measure_unitgen(n, fixture_ids(prefix), args.runs)
            row["edges"] = fixtures.edge_counts(specs)
            rows.append(row)
        if not args.no_podman:
            print(f"N={n}: podman peer", file=sys.stderr)
            peers.append(podman_peer(n, prefix, args.runs))

    print(
        f"\nunitgen generate --all -o DIR vs one `docker inspect` of the N ({args.runs} runs, ms)"
    )
    body = []
    for r in rows:
        u, f = r["unitgen"], r["floor"]
        ratio_best, ratio_med = u.best / f.best, u.median / f.median
        target = verdict(ratio_best, TARGET) if r["n"] >= TARGET_N else "-"
        r["ratio_best"], r["ratio_median"] = ratio_best, ratio_med
        ratios = [f"{ratio_best:.2f}", f"{ratio_med:.2f}", target]
        body.append(
            [r["n"], r["all_containers"], r["units_written"], ms(u.best), ms(u.median), *times(f)]
        )
        body[-1] += ratios
    header = ["N", "all ctrs", "units", "unitgen best", "med", "floor best", "med"]
    print(table([*header, "ratio best", "ratio med", f"<={TARGET} @N>={TARGET_N}"], body))

    if peers:
        modes = sorted({p["mode"] for p in peers if p["status"] == "ok"})
        print(f"\npeer: podman generate systemd --files ({', '.join(modes) or '-'}) (ms)")
        prow = []
        for p, r in zip(peers, rows, strict=True):
            if p["status"] != "ok":
                prow.append([p["n"], *["-"] * 7, p["reason"][:90]])
                continue
            g, f = p["podman"], p["podman_floor"]
            p["ratio_to_podman_inspect"] = g.best / f.best
            p["ratio_to_docker_floor"] = g.best / r["floor"].best
            p["unitgen_over_podman"] = r["unitgen"].best / g.best
            prow.append(
                [p["n"], p["units_written"], *times(g), *times(f)]
                + [f"{p[k]:.2f}" for k in ("ratio_to_podman_inspect", "ratio_to_docker_floor")]
                + [f"{p['unitgen_over_podman']:.2f}"]
            )
        head = ["N", "units", "podman best", "med", "podman inspect best", "med"]
        head += ["/podman inspect", "/docker floor", "unitgen/podman"]
        print(table(head, prow))

    path = write_result(
        "generate",
        {
            "target": {"ratio": TARGET, "at_n": TARGET_N},
            "other_containers_before": others,
            "seed": args.seed,
            "runs": args.runs,
            "sizes": [_jsonable(r) for r in rows],
            "podman": [_jsonable(p) for p in peers],
        },
    )
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
