"""The pure tests' own lock file: runs that change things take a machine-wide lock
(/run/lock/unitgen.lock), and another checkout's tests running at the same time would make a
run here wait and say so on stderr, breaking the tests that pin stderr exactly."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def own_lock(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.getbasetemp() / "unitgen.lock"
    monkeypatch.setenv("UNITGEN_LOCK", str(path))
    return path
