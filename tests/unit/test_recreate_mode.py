"""Recreate mode as planned and applied into a root, with a fake engine: the unit's steps, the
record beside it (root only), conversion both ways, uninstall, and what drift says.

The real engine and real systemd versions live in tests/systemd/test_recreate.py and
tests/fullhost/test_recreate.py.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.fakes import FakeSource, host
from unitgen.commands import findings, manage
from unitgen.commands.view import Host
from unitgen.errors import UsageError
from unitgen.graph import Graph
from unitgen.host.inventory import scan
from unitgen.options import build
from unitgen.plan.state import HostState
from unitgen.units.unitfile import UnitFile

RECREATE = build(mode="recreate")
UNIT = "docker-seed-vpn.service"


def unit_of(root: Path, name: str = UNIT) -> UnitFile:
    return UnitFile.parse((root / "etc/systemd/system" / name).read_text())


def record_path(root: Path, name: str = "seed-vpn") -> Path:
    return root / f"etc/unitgen/recreate/{name}.json"


def install(root: Path, source: FakeSource, **kwargs: object) -> None:
    todo = manage.plan_install(host(root), source, ["seed-vpn"], **kwargs)  # type: ignore[arg-type]
    manage.apply(host(root), source, todo, lambda _: None)


def test_a_recreate_mode_unit_runs_the_helpers_recreate_and_discard_verbs_with_its_record(
    tmp_path: Path,
) -> None:
    """The unit's text; that those verbs make the container from the record and remove it at
    stop is proven against a fake engine (test_helper_recreate.py) and a real systemd
    (tests/systemd/test_recreate.py)."""
    install(tmp_path, FakeSource(), options=RECREATE)
    unit = unit_of(tmp_path)
    helper = "/var/lib/unitgen/helper/container-v1"
    record = "/etc/unitgen/recreate/seed-vpn.json"
    stop = unit.get("Service", "ExecStop") or ""
    # One process per start: `run` with the record makes the container, then runs it.
    assert unit.get("Service", "ExecStartPre") is None
    assert (
        unit.get("Service", "ExecStart")
        == f"{helper} run seed-vpn {record} " + (stop.rsplit(" ", 1)[1])
    )
    assert stop.startswith(f"{helper} discard seed-vpn ")
    assert unit.get("X-Unitgen", "Mode") == "recreate"
    assert unit.get("X-Unitgen", "Record") == record
    assert unit.get("X-Unitgen", "Options") == "--mode=recreate"
    # The container's id and image id change at every start and update: not the unit's.
    assert unit.get("X-Unitgen", "ContainerId") is None
    assert unit.get("X-Unitgen", "SpecHash") is None


def test_the_record_is_written_beside_the_unit_readable_by_root_only(tmp_path: Path) -> None:
    source = FakeSource()
    install(tmp_path, source, options=RECREATE)
    path = record_path(tmp_path)
    unit = "docker-seed-vpn.service"
    assert path.read_text() == source.record_of("seed-vpn", unit=unit, logs="journal").text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_recreate_mode_is_kept_by_a_later_install_and_the_record_left_unchanged(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    install(tmp_path, source, options=RECREATE)
    again = manage.plan_install(host(tmp_path), source, ["seed-vpn"])
    assert again.empty
    assert [(f.path.name, f.verb) for f in again.files if f.path.suffix == ".json"] == [
        ("seed-vpn.json", "keep")
    ]


def test_going_back_to_existing_mode_removes_the_record(tmp_path: Path) -> None:
    source = FakeSource()
    install(tmp_path, source, options=RECREATE)
    install(tmp_path, source, options=build(mode="existing"))
    assert not record_path(tmp_path).exists()
    unit = unit_of(tmp_path)
    assert (unit.get("Service", "ExecStart") or "").endswith("run seed-vpn")
    assert unit.get("X-Unitgen", "ContainerId") == source.containers["seed-vpn"].id


def test_logs_keep_is_recorded_and_gives_the_record_the_containers_own_log_driver(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    install(tmp_path, source, options=build(mode="recreate", logs="keep"))
    assert '"LogConfig":"keep"' in record_path(tmp_path).read_text()
    assert unit_of(tmp_path).get("X-Unitgen", "Options") == "--mode=recreate --logs=keep"


def test_the_mode_label_asks_for_recreate_mode(tmp_path: Path) -> None:
    source = FakeSource()
    spec = source.containers["seed-vpn"]
    source.containers["seed-vpn"] = type(spec)(
        **{**spec.__dict__, "labels": (*spec.labels, ("unitgen.mode", "recreate"))}
    )
    install(tmp_path, source)
    assert unit_of(tmp_path).get("X-Unitgen", "Mode") == "recreate"
    assert record_path(tmp_path).exists()


def test_uninstall_removes_the_record_with_the_unit(tmp_path: Path) -> None:
    source = FakeSource()
    install(tmp_path, source, options=RECREATE)
    todo = manage.plan_uninstall(host(tmp_path), source, ["seed-vpn"])
    manage.apply(host(tmp_path), source, todo, lambda _: None)
    assert not record_path(tmp_path).exists()
    assert not (tmp_path / "etc/systemd/system" / UNIT).exists()


def test_uninstall_refuses_to_drop_the_only_definition_of_a_container_that_is_not_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = FakeSource()
    install(tmp_path, source, options=RECREATE)
    del source.containers["seed-vpn"]  # the unit is stopped: no container
    # As on the running system (an image root's containers are not its own).
    monkeypatch.setattr(Host, "touches_docker", property(lambda _: True))
    monkeypatch.setattr(HostState, "touches_docker", property(lambda _: True))
    with pytest.raises(UsageError, match=r"does not exist now .* would delete its record"):
        manage.plan_uninstall(host(tmp_path), source, ["seed-vpn"], all_=False)
    manage.plan_uninstall(host(tmp_path), source, ["seed-vpn"], force=True)


def kinds(root: Path, source: FakeSource) -> list[str]:
    return [f.kind for f in findings.check(host(root), source) if f.container == "seed-vpn"]


def test_drift_finds_nothing_when_a_stopped_units_container_does_not_exist(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    install(tmp_path, source, options=RECREATE)
    del source.containers["seed-vpn"]
    assert kinds(tmp_path, source) == []


def test_drift_reports_a_missing_record(tmp_path: Path) -> None:
    source = FakeSource()
    install(tmp_path, source, options=RECREATE)
    record_path(tmp_path).unlink()
    assert kinds(tmp_path, source) == ["record-missing"]


def test_list_says_a_stopped_recreate_units_container_is_recorded_not_gone(
    tmp_path: Path,
) -> None:
    from unitgen.commands.listing import docker_state

    source = FakeSource()
    install(tmp_path, source, options=RECREATE)
    del source.containers["seed-vpn"]
    unit = scan(tmp_path)[UNIT]
    assert docker_state(unit, Graph.build(*source.snapshot())) == "recorded"


def test_diff_all_does_not_call_a_stopped_recreate_units_container_an_orphan(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    install(tmp_path, source, options=RECREATE)
    del source.containers["seed-vpn"]
    text, changed = findings.compare_units(host(tmp_path), source, [], all_=True)
    assert "orphan" not in text and "recreate mode, no container now" in text
    assert not changed


def test_status_names_the_mode_its_record_and_a_container_not_made_yet(tmp_path: Path) -> None:
    from unitgen.commands.status import gather, status_lines

    source = FakeSource()
    install(tmp_path, source, options=RECREATE)
    del source.containers["seed-vpn"]
    text = "\n".join(status_lines(gather(host(tmp_path), source, "seed-vpn")))
    assert "recreate: made from /etc/unitgen/recreate/seed-vpn.json at each start" in text
    assert "no container seed-vpn now: its unit makes it at its next start" in text
