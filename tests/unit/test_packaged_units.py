"""The systemd units the Debian package ships (packaging/debian/unitgen.NAME.service|timer):
each passes `systemd-analyze verify`, and the package installs them without enabling or
starting any (an admin opts in)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import REPO
from tests.fakes import systemd_verify
from unitgen.units.unitfile import UnitFile

DEBIAN = REPO / "packaging/debian"
SHIPPED = sorted(p for p in DEBIAN.glob("unitgen.*") if p.suffix in (".service", ".timer"))


def unit_name(path: Path) -> str:
    """debian/unitgen.unitgen-update.timer installs unitgen-update.timer."""
    return path.name.removeprefix("unitgen.")


def test_the_package_ships_the_watch_service_and_the_update_service_and_timer() -> None:
    assert [unit_name(p) for p in SHIPPED] == [
        "unitgen-update.service",
        "unitgen-update.timer",
        "unitgen-watch.service",
    ]


def test_every_shipped_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify checks that ExecStart's program exists: a stand-in where unitgen is not installed.
    program = "/usr/bin/unitgen"
    if not os.access(program, os.X_OK):
        stand_in = tmp_path / "bin/unitgen"
        stand_in.parent.mkdir()
        stand_in.write_text("#!/bin/sh\n")
        stand_in.chmod(0o755)
        program = str(stand_in)
    units = tmp_path / "units"
    units.mkdir()
    for path in SHIPPED:
        text = path.read_text().replace("/usr/bin/unitgen", program)
        (units / unit_name(path)).write_text(text)
    done = systemd_verify(units, list(units.glob("unitgen-*")))
    assert (done.returncode, done.stderr) == (0, "")


def test_the_timer_runs_update_all_daily_at_a_random_time_and_catches_up() -> None:
    timer = UnitFile.parse((DEBIAN / "unitgen.unitgen-update.timer").read_text())
    assert timer.get("Timer", "OnCalendar") == "daily"
    assert timer.get("Timer", "RandomizedDelaySec")
    assert timer.get("Timer", "Persistent") == "true"
    assert timer.get("Install", "WantedBy") == "timers.target"
    service = UnitFile.parse((DEBIAN / "unitgen.unitgen-update.service").read_text())
    assert service.get("Service", "Type") == "oneshot"
    assert service.get("Service", "ExecStart") == "/usr/bin/unitgen update --all"


def test_the_package_enables_and_starts_none_of_them() -> None:
    rules = (DEBIAN / "rules").read_text()
    for name in ("unitgen-watch", "unitgen-update"):
        assert f"dh_installsystemd --name={name} --no-enable --no-start" in rules
