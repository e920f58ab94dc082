"""Fixtures of the systemd-harness tests: one booted harness per test module, named after it
(test_lifecycle.py -> unitgen-test-lifecycle), and a topology of containers per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.conftest import need
from tests.topology import Topology

if TYPE_CHECKING:
    from tests.harness import Harness


@pytest.fixture(scope="module")
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    try:
        from tests.harness import Harness, build_image
    except ImportError:
        need("the systemd harness (tests/harness)", False)
        raise
    build_image()
    topic = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    box = Harness(name=f"unitgen-test-{topic}")
    box.destroy()
    box.boot()
    yield box
    box.destroy()


@pytest.fixture
def topo() -> Iterator[Topology]:
    t = Topology()
    yield t
    t.remove()
