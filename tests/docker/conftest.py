"""What the real-engine tests share: the seed topology, once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.topology import Topology


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    """The topology of issue #2 (tests/topology.py), removed after the module."""
    topo = Topology()
    topo.seed(tmp_path_factory.mktemp("bind"))
    yield topo
    topo.remove()
