"""The pure tests take unitgen's lock in a file of their own: the machine-wide one is shared with
any other unitgen run on the host (another checkout's tests), whose hold would add a "waiting
for another unitgen run" line to the exact output these tests pin."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def private_lock(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lock") / "unitgen.lock"


@pytest.fixture(autouse=True)
def lock_of_this_session(private_lock: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNITGEN_LOCK", str(private_lock))
