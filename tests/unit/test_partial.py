"""One bad container costs only its own closure: the rest is done, each failure is named,
and the exit code is the first failure's."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.fakes import FakeSource, host, install_into
from unitgen.commands import manage
from unitgen.errors import DependencyError, PartlyDone


def broken(source: FakeSource, name: str) -> None:
    spec = source.containers[name]
    source.containers[name] = replace(
        spec, labels=(*spec.labels, ("unitgen.requires", "no-such-container"))
    )


def units_in(root: Path) -> set[str]:
    return {p.name for p in (root / "etc/systemd/system").glob("*.service")}


def test_install_all_writes_every_closure_but_the_broken_one_and_names_it(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    broken(source, "seed-reader")  # needs seed-data, which stays installable on its own
    todo = manage.plan_install(host(tmp_path), source, [], all_=True)
    assert [(f.container, f.exit_code) for f in todo.failed] == [("seed-reader", 6)]
    assert "no-such-container" in todo.failed[0].message
    manage.apply(host(tmp_path), source, todo, print)
    written = units_in(tmp_path)
    assert "docker-seed-reader.service" not in written
    assert {"docker-seed-data.service", "docker-seed-vpn.service"} <= written
    # A long line is wrapped under its verb, 8 columns in.
    described = "\n".join(todo.describe(online=False, root=tmp_path)).replace("\n        ", " ")
    assert f"failed  seed-reader: {todo.failed[0].message}" in described.splitlines()


def test_install_of_several_names_skips_only_the_broken_closure(tmp_path: Path) -> None:
    source = FakeSource()
    broken(source, "seed-vpn")
    todo = manage.plan_install(host(tmp_path), source, ["seed-vpn", "seed-onfail"])
    assert [f.container for f in todo.failed] == ["seed-vpn"]
    assert [f.unit for f in todo.files if f.verb == "write" and f.is_unit] == [
        "docker-seed-onfail.service"
    ]


def test_a_single_broken_name_is_still_one_error_with_its_own_exit_code(tmp_path: Path) -> None:
    source = FakeSource()
    broken(source, "seed-vpn")
    with pytest.raises(DependencyError):
        manage.plan_install(host(tmp_path), source, ["seed-vpn"])


def test_when_every_closure_fails_nothing_is_planned_and_the_error_says_so(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    broken(source, "seed-vpn")
    broken(source, "seed-onfail")
    with pytest.raises(PartlyDone) as caught:
        manage.plan_install(host(tmp_path), source, ["seed-vpn", "seed-onfail"])
    assert caught.value.exit_code == 6
    assert not (tmp_path / "etc/systemd/system").exists()


def test_sync_fixes_the_stale_unit_and_leaves_the_edited_one_without_failing(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    install_into(tmp_path, source, "seed-vpn", "seed-onfail")
    edited = tmp_path / "etc/systemd/system/docker-seed-vpn.service"
    edited.write_text(edited.read_text().replace("Restart=no", "Restart=always"))
    for name in ("seed-vpn", "seed-onfail"):  # both changed in Docker: both stale
        source.containers[name] = replace(source.containers[name], image="other:2")
    todo = manage.plan_sync(host(tmp_path), source)
    assert todo.failed == ()
    assert [f.unit for f in todo.files if f.verb == "write"] == ["docker-seed-onfail.service"]
    assert "docker-seed-vpn.service was edited by hand: left alone (use --force)" in todo.notes
