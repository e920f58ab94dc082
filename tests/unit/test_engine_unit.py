"""The engine's own unit and the helper as the units depend on them: Requires= or Wants=,
where the units are enabled, and the drift when either goes wrong."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import seed_graph
from tests.fakes import FakeSource, host, install_into
from unitgen.commands import findings, manage
from unitgen.commands.view import gather
from unitgen.drift import compare as drift
from unitgen.errors import ForeignUnit
from unitgen.host.inventory import scan
from unitgen.model import EngineFacts, RestartPolicy
from unitgen.units.names import helper_file
from unitgen.units.render import Renderer, RenderOptions
from unitgen.units.unitfile import UnitFile


def render(engine: EngineFacts, name: str = "seed-vpn") -> UnitFile:
    graph = seed_graph()
    unit = Renderer(RenderOptions(engine=engine)).container(
        graph.containers[name], graph, RestartPolicy("always")
    )
    return UnitFile.parse(unit.text)


def test_without_live_restore_the_units_require_the_engines_unit() -> None:
    """What a restart of the engine then does to them (restarts them, dependencies first) is
    proven on a full host: tests/fullhost/test_handover.py."""
    unit = render(EngineFacts())
    assert "docker.service" in unit.get_all("Unit", "Requires")
    assert unit.get("Install", "WantedBy") == "multi-user.target docker.service"


def test_the_engines_unit_wants_every_container_unit_so_its_start_brings_them_back() -> None:
    assert render(EngineFacts()).get("Install", "WantedBy") == "multi-user.target docker.service"
    snap = EngineFacts(unit="snap.docker.dockerd.service")
    assert (
        render(snap).get("Install", "WantedBy") == "multi-user.target snap.docker.dockerd.service"
    )


def test_with_live_restore_the_units_only_want_the_engines_unit() -> None:
    """That the engine's restart then spares them is proven on a full host:
    tests/fullhost/test_handover.py (the same container run, the same waiter)."""
    unit = render(EngineFacts(live_restore=True))
    assert "docker.service" not in unit.get_all("Unit", "Requires")
    assert "docker.service" in unit.get_all("Unit", "Wants")
    assert "docker.service" in unit.get_all("Unit", "After")


def test_an_engine_under_another_name_is_the_one_the_units_follow() -> None:
    unit = render(EngineFacts(unit="snap.docker.dockerd.service"))
    assert "snap.docker.dockerd.service" in unit.get_all("Unit", "Requires")
    assert "docker.service" not in unit.get_all("Unit", "Requires")
    assert unit.get("X-Unitgen", "Engine") == "snap.docker.dockerd.service"


def test_an_engine_ordered_after_multi_user_pulls_the_units_in_itself() -> None:
    late = EngineFacts(after=frozenset({"multi-user.target", "network-online.target"}))
    assert render(late).get("Install", "WantedBy") == "docker.service"


def test_a_unit_enabled_for_a_target_the_engine_waits_for_is_an_ordering_cycle(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    install_into(tmp_path, source, "seed-vpn")
    units = scan(tmp_path)
    late = drift.EngineState("docker.service", True, frozenset({"multi-user.target"}))
    found = drift.engine_findings(units, late)
    assert [(f.kind, f.unit) for f in found] == [("ordering-cycle", "docker-seed-vpn.service")]
    assert (
        drift.engine_findings(units, drift.EngineState("docker.service", True, frozenset())) == []
    )
    gone = drift.engine_findings(units, drift.EngineState("docker.service", False, frozenset()))
    assert [f.kind for f in gone] == ["engine-unit-missing"]


def test_a_missing_helper_is_drift_and_sync_puts_it_back(tmp_path: Path) -> None:
    source = FakeSource()
    install_into(tmp_path, source, "seed-vpn")
    helper_file(tmp_path).unlink()
    assert "helper-missing" in [f.kind for f in findings.check(host(tmp_path), source)]
    manage.apply(host(tmp_path), source, manage.plan_sync(host(tmp_path), source), print)
    assert helper_file(tmp_path).stat().st_mode & 0o777 == 0o755
    assert "helper-missing" not in [f.kind for f in findings.check(host(tmp_path), source)]


def test_an_edited_helper_is_drift_and_replaced_only_with_force(tmp_path: Path) -> None:
    source = FakeSource()
    install_into(tmp_path, source, "seed-vpn")
    with helper_file(tmp_path).open("a") as script:
        script.write("# local change\n")
    assert "helper-edited" in [f.kind for f in findings.check(host(tmp_path), source)]
    with pytest.raises(ForeignUnit, match="changed by hand"):
        manage.plan_install(host(tmp_path), source, ["seed-vpn"])
    manage.apply(
        host(tmp_path),
        source,
        manage.plan_install(host(tmp_path), source, ["seed-vpn"], force=True),
        print,
    )
    assert "helper-edited" not in [f.kind for f in findings.check(host(tmp_path), source)]


def test_the_helper_goes_with_the_last_unit(tmp_path: Path) -> None:
    source = FakeSource()
    install_into(tmp_path, source, "seed-vpn")
    manage.apply(
        host(tmp_path), source, manage.plan_uninstall(host(tmp_path), source, ["seed-vpn"]), print
    )
    assert not helper_file(tmp_path).exists()


def test_a_unit_moved_to_the_engines_unit_is_enabled_again_so_the_targets_link_goes(
    tmp_path: Path,
) -> None:
    """Installed while the engine started early, the unit is linked into multi-user.target and
    docker.service; once the engine is ordered after the target, sync must re-enable it (the
    docker.service link alone already exists), or the target's link and the boot's cycle stay."""
    source = FakeSource()
    install_into(tmp_path, source, "seed-vpn")
    wants = tmp_path / "etc/systemd/system"
    unit = "docker-seed-vpn.service"
    assert (wants / "multi-user.target.wants" / unit).is_symlink()
    view = gather(host(tmp_path), source, whole=True, records=True)
    late = EngineFacts(after=frozenset({"multi-user.target"}))
    todo = manage.sync(replace(view, render=replace(view.render, engine=late)))
    assert unit in todo.enable
    manage.apply(host(tmp_path), source, todo, print)
    assert not (wants / "multi-user.target.wants" / unit).exists()
    assert (wants / "docker.service.wants" / unit).is_symlink()
