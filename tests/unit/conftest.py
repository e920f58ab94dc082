"""What the pure tests share: their own lock file, the fake engine behind the CLI, and the
fake Docker engine the unit helper talks to.

Runs that change things take a machine-wide lock (/run/lock/unitgen.lock); another checkout's
tests running at the same time would make a run here wait and say so on stderr, breaking the
tests that pin stderr exactly."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import need
from tests.fakes import NC, FakeEngine, FakeNotify, FakeSource, cli_over, image_root


@pytest.fixture(autouse=True)
def own_lock(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.getbasetemp() / "unitgen.lock"
    monkeypatch.setenv("UNITGEN_LOCK", str(path))
    return path


@pytest.fixture
def source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeSource:
    """The engine every command in the test talks to: the fake one, seed topology. The image
    root (tmp_path) has what the units need."""
    fake = FakeSource()
    cli_over(fake, monkeypatch)
    image_root(tmp_path)
    return fake


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    """A fake Docker engine on a socket in tmp_path, for the unit helper and, through
    DOCKER_HOST, for the docker SDK."""
    need("netcat-openbsd (/bin/nc.openbsd)", os.access(NC, os.X_OK))
    fake = FakeEngine(tmp_path / "docker.sock").start()
    monkeypatch.setenv("DOCKER_HOST", f"unix://{fake.socket}")
    yield fake
    fake.stop()


@pytest.fixture
def notify(tmp_path: Path, engine: FakeEngine) -> Iterator[FakeNotify]:
    """systemd's notification socket for the helper's `run`, beside the fake engine."""
    need("systemd-notify", shutil.which("systemd-notify") is not None)
    fake = FakeNotify(tmp_path / "notify", engine)
    yield fake
    fake.stop()


# Where unitgen writes on a real host (/ as root): units, the helper, records, hand-backs. The
# pure tests touch nothing outside their temporary directories: these are the same after the
# session as before it.
MACHINE_PATHS = (
    Path("/run/unitgen"),
    Path("/var/lib/unitgen"),
    Path("/etc/unitgen"),
    Path("/etc/systemd/system"),
)


def _listing() -> dict[Path, list[str]]:
    return {p: sorted(str(q) for q in p.rglob("*")) if p.is_dir() else [] for p in MACHINE_PATHS}


@pytest.fixture(scope="session", autouse=True)
def machine_untouched() -> Iterator[None]:
    before = _listing()
    yield
    after = _listing()
    changed = {str(p): sorted(set(after[p]) ^ set(before[p])) for p in MACHINE_PATHS}
    changed = {p: c for p, c in changed.items() if c}
    assert not changed, f"unit tests changed the machine's own paths: {changed}"
