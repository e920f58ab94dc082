"""Atomic writes (the crash cases themselves run in the harness: tests/systemd)."""

from __future__ import annotations

import os
from pathlib import Path

from unitgen.host.apply import atomic_write_many


def test_a_rerun_removes_the_temp_files_a_killed_run_left_for_its_targets_only(
    tmp_path: Path,
) -> None:
    (tmp_path / ".docker-web.service.k3j2h1g0.tmp").write_text("partial")
    (tmp_path / ".docker-db.service.a1b2c3d4.tmp").write_text("another run's")
    (tmp_path / ".hidden.tmp").write_text("not ours")
    atomic_write_many([(tmp_path / "docker-web.service", "[Unit]\n")])
    assert sorted(os.listdir(tmp_path)) == [
        ".docker-db.service.a1b2c3d4.tmp",
        ".hidden.tmp",
        "docker-web.service",
    ]
    assert (tmp_path / "docker-web.service").read_text() == "[Unit]\n"
    assert (tmp_path / "docker-web.service").stat().st_mode & 0o777 == 0o644


def test_many_files_land_together_and_leave_no_temp_behind(tmp_path: Path) -> None:
    items = [(tmp_path / f"docker-c{i}.service", f"# {i}\n") for i in range(50)]
    atomic_write_many(items)
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p, _ in items)
