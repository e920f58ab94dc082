"""`unitgen graph` against a real engine: the seed topology's proxy and what it needs."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import need
from tests.docker.run import unitgen
from tests.topology import Topology

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]


def test_graph_of_the_sidecar_shows_the_netns_owner_and_what_it_waits_for(seed: Topology) -> None:
    done = unitgen("graph", seed.n("sidecar"))
    n = seed.n
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        f"{n('backend1')}\n  -> network {n('net')}  (network, Requires=)\n"
        f"{n('backend2')}\n  -> network {n('net')}  (network, Requires=)\n"
        f"{n('proxy')}\n  -> network {n('net')}  (network, Requires=)\n"
        f"  -> {n('backend1')}  (label, Wants=)\n  -> {n('backend2')}  (label, Wants=)\n"
        f"{n('sidecar')}\n  -> {n('proxy')}  (netns, BindsTo=)\n"
    )


def test_graph_svg_is_drawn_by_graphviz(seed: Topology) -> None:
    need("Graphviz's dot (apt-get install graphviz)", shutil.which("dot") is not None)
    done = unitgen("graph", "--format", "svg", seed.n("container1"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.lstrip().startswith("<?xml") and "</svg>" in done.stdout
    assert seed.n("container4") in done.stdout.replace("&#45;", "-")  # Graphviz codes "-"


def test_graph_without_names_or_all_says_how_to_ask() -> None:
    done = unitgen("graph")
    assert (done.returncode, done.stderr) == (
        2,
        "unitgen: `unitgen graph` needs container names or --all; "
        "for example: unitgen graph web1\n",
    )
