"""`unitgen graph`: the boot-order picture in each format, from a graph built in the test."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import REPO, need, seed_graph
from tests.fakes import FakeSource, run_cli
from tests.unit.test_graph import spec
from unitgen.export.picture import as_dot, as_mermaid, as_text, picture
from unitgen.graph import Graph
from unitgen.model import NetworkSpec


def small() -> Graph:
    """web links db, shares the network app, bind-mounts a path that needs quoting; cron is
    unrelated; side lives in web's network namespace."""
    return Graph.build(
        [
            spec("db", networks=("app",)),
            spec("web", links=("db",), networks=("app",), binds=('/srv/we"b\\x',)),
            spec("side", netns_container="web"),
            spec("cron"),
        ],
        [NetworkSpec("app", "n1", "bridge")],
    )


def test_text_lists_dependencies_first_with_relation_and_strength() -> None:
    assert as_text(picture(small(), ["side"])) == (
        "db\n"
        "  -> network app  (network, Requires=)\n"
        "web\n"
        "  -> network app  (network, Requires=)\n"
        "  -> db  (link, Wants=)\n"
        '  -> mount /srv/we"b\\x  (mount, RequiresMountsFor=)\n'
        "side\n"
        "  -> web  (netns, BindsTo=)\n"
    )


def test_a_name_draws_only_its_closure_and_none_draws_every_container() -> None:
    assert picture(small(), ["db"]).containers == ("db",)
    assert set(picture(small()).containers) == {"db", "web", "side", "cron"}


def test_dot_quotes_every_label_and_styles_by_strength() -> None:
    dot = as_dot(picture(small(), ["web"]))
    assert 'n3 [label="mount\\n/srv/we\\"b\\\\x", shape=folder];' in dot
    assert 'n1 -> n0 [label="link\\nWants=", style=dashed];' in dot
    assert 'n1 -> n2 [label="network\\nRequires=", style=solid];' in dot


def test_graphviz_reads_the_dot_of_hostile_paths() -> None:
    need("Graphviz's dot (apt-get install graphviz)", shutil.which("dot") is not None)
    done = subprocess.run(
        ["dot", "-Tsvg"], input=as_dot(picture(small())), capture_output=True, text=True
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert "/srv/we&quot;b\\x" in done.stdout


def test_mermaid_codes_quotes_and_draws_wants_dashed() -> None:
    mermaid = as_mermaid(picture(small(), ["side"]))
    assert mermaid.splitlines() == [
        "flowchart TB",
        '  n0["db"]',
        '  n1["web"]',
        '  n2["side"]',
        '  n3(["network app"])',
        '  n4[/"mount /srv/we#quot;b\\x"/]',
        "  n0 -->|network, Requires=| n3",
        "  n1 -->|network, Requires=| n3",
        "  n1 -.->|link, Wants=| n0",
        "  n1 -.->|mount, RequiresMountsFor=| n4",
        "  n2 -->|netns, BindsTo=| n1",
    ]


def test_a_cycle_is_drawn_not_refused() -> None:
    graph = Graph.build([spec("a", links=("b",)), spec("b", links=("a",))], [])
    assert (
        as_text(picture(graph, ["a"])) == "b\n  -> a  (link, Wants=)\na\n  -> b  (link, Wants=)\n"
    )


def test_the_readme_shows_the_seed_topologys_picture_as_unitgen_draws_it() -> None:
    drawn = as_mermaid(picture(seed_graph(), ["seed-container1", "seed-sidecar"]))
    assert f"```mermaid\n{drawn}```\n" in (REPO / "README.md").read_text()


def test_svg_without_graphviz_names_the_package_and_exits_11(
    source: FakeSource, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil as shutil_module

    monkeypatch.setattr(shutil_module, "which", lambda _: None)
    assert run_cli(["graph", "--format", "svg", "seed-reader"], capsys) == (
        11,
        "",
        "unitgen: --format svg needs Graphviz's dot, which is not installed; "
        "apt-get install graphviz, or use --format dot and draw it elsewhere\n",
    )
