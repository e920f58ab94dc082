"""Golden units from recorded `docker inspect` JSON of real containers (tests/fixtures/record.sh).

Refresh after an intended change with: UNITGEN_UPDATE_GOLDEN=1 pytest tests/unit/test_golden.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, seed_graph
from tests.fakes import point_units_at_a_helper_copy, systemd_verify
from unitgen.options import UnitOptions, build
from unitgen.units.render import RenderedUnit, Renderer

GOLDEN = FIXTURES / "golden"
# The unit of the seed's container with a health check, under each health and reload
# option (README, "Health and reload"): golden/options/CASE.service.
OPTION_CASES: dict[str, UnitOptions] = {
    "on-unhealthy-restart": build(on_unhealthy="restart"),
    "on-unhealthy-kill": build(on_unhealthy="kill"),
    "on-unhealthy-stop": build(on_unhealthy="stop"),
    "reload-signal": build(reload_signal="hup"),
    "reload-cmd": build(reload_cmd="sh -c 'kill -HUP 1 && echo \"reloaded $HOSTNAME\"'"),
}


def rendered() -> list[RenderedUnit]:
    graph = seed_graph()
    renderer = Renderer()
    units = [
        renderer.container(graph.containers[n], graph, graph.containers[n].restart_policy)
        for n in graph.topological_order()
    ]
    return units + [renderer.network(net) for net in graph.networks.values()]


UNITS = rendered()


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_unit_matches_its_golden_file(unit: RenderedUnit) -> None:
    path = GOLDEN / unit.name
    if os.environ.get("UNITGEN_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(unit.text)
    assert unit.text == path.read_text()


def with_option(case: str) -> RenderedUnit:
    graph = seed_graph()
    spec = graph.containers["seed-healthy"]
    chosen = OPTION_CASES[case]
    return Renderer().container(
        spec, graph, spec.restart_policy, chosen, recorded=chosen.as_flags()
    )


@pytest.mark.parametrize("case", OPTION_CASES)
def test_each_health_and_reload_option_has_its_golden_unit(case: str) -> None:
    unit = with_option(case)
    path = GOLDEN / "options" / f"{case}.service"
    if os.environ.get("UNITGEN_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(unit.text)
    assert unit.text == path.read_text()


def test_every_option_golden_file_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    for case in OPTION_CASES:
        text = (GOLDEN / "options" / f"{case}.service").read_text()
        (tmp_path / f"docker-{case}.service").write_text(text)
    point_units_at_a_helper_copy(tmp_path)
    done = systemd_verify(tmp_path, list(tmp_path.glob("*.service")))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def golden_files() -> list[Path]:
    return sorted(GOLDEN.glob("*.service"))


def test_every_golden_file_is_a_unit_rendered_today() -> None:
    """No golden file outlives the container it was rendered for."""
    assert [p.name for p in golden_files()] == sorted(u.name for u in UNITS)


def test_every_golden_file_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    """The files on disk, as committed (test_unit_matches_its_golden_file holds them to
    today's rendering)."""
    for path in golden_files():
        (tmp_path / path.name).write_text(path.read_text())
    point_units_at_a_helper_copy(tmp_path)
    done = systemd_verify(tmp_path, list(tmp_path.glob("*.service")))
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_a_person_can_read_every_golden_file_line_by_line() -> None:
    """No more 1,300-character inline scripts: each line fits a wide terminal (a network's
    create body is written one member a line)."""
    lines = [line for p in golden_files() for line in p.read_text().splitlines()]
    assert len(max(lines, key=len)) < 160, max(lines, key=len)
