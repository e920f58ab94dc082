"""Drift: each finding kind, produced from fake state the way an admin would cause it."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.fakes import FakeSource, drop_in, host, install_into
from unitgen.commands import findings, manage
from unitgen.drift import compare as drift
from unitgen.drift.compare import KINDS, Finding, Kind, UnitState, exit_worthy
from unitgen.drift.report import drift_json, drift_table
from unitgen.graph import Graph
from unitgen.host.inventory import scan
from unitgen.model import RestartPolicy


@pytest.fixture
def installed(tmp_path: Path) -> tuple[Path, FakeSource]:
    source = FakeSource()
    source.containers["seed-vpn"] = replace(
        source.containers["seed-vpn"], restart_policy=RestartPolicy("always")
    )
    install_into(tmp_path, source, "seed-vpn")
    return tmp_path, source


def kinds(root: Path, source: FakeSource) -> list[str]:
    return [f.kind for f in findings.check(host(root), source, ["seed-vpn"])]


def test_a_fresh_install_into_an_image_root_has_no_drift(
    installed: tuple[Path, FakeSource],
) -> None:
    # An image root never touches Docker: the container keeps its policy, which is no conflict
    # while no systemd runs the unit.
    assert kinds(*installed) == []


def test_recreated_container_is_reported(installed: tuple[Path, FakeSource]) -> None:
    root, source = installed
    source.containers["seed-vpn"] = replace(
        source.containers["seed-vpn"], id="f" * 64, restart_policy=RestartPolicy()
    )
    assert kinds(root, source) == ["recreated"]


def test_a_changed_container_makes_the_unit_stale(installed: tuple[Path, FakeSource]) -> None:
    root, source = installed
    source.containers["seed-vpn"] = replace(
        source.containers["seed-vpn"], spec_hash="sha256:new", restart_policy=RestartPolicy()
    )
    assert kinds(root, source) == ["stale"]


def test_a_hand_edit_is_reported_as_edited(installed: tuple[Path, FakeSource]) -> None:
    root, source = installed
    source.containers["seed-vpn"] = replace(
        source.containers["seed-vpn"], restart_policy=RestartPolicy()
    )
    path = root / "etc/systemd/system/docker-seed-vpn.service"
    path.write_text(path.read_text().replace("RestartSec=100ms", "RestartSec=5s"))
    assert kinds(root, source) == ["edited"]


def test_a_removed_container_leaves_an_orphan(installed: tuple[Path, FakeSource]) -> None:
    root, source = installed
    del source.containers["seed-vpn"]
    assert kinds(root, source) == ["orphan"]


def test_a_disabled_unit_is_reported(installed: tuple[Path, FakeSource]) -> None:
    root, source = installed
    source.containers["seed-vpn"] = replace(
        source.containers["seed-vpn"], restart_policy=RestartPolicy()
    )
    (root / "etc/systemd/system/multi-user.target.wants/docker-seed-vpn.service").unlink()
    assert kinds(root, source) == ["not-enabled"]


def test_a_restart_policy_without_a_unit_is_unmanaged_and_informational(tmp_path: Path) -> None:
    found = findings.check(host(tmp_path), FakeSource())
    assert {f.container for f in found if f.kind == "unmanaged"} == {
        "seed-always",
        "seed-onfail",
        "seed-unless",
    }
    assert not exit_worthy(found)


def test_sync_fixes_what_it_can_and_drift_is_clean_afterwards(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = installed
    source.containers["seed-vpn"] = replace(source.containers["seed-vpn"], id="f" * 64)
    assert kinds(root, source) == ["recreated"]
    manage.apply(host(root), source, manage.plan_sync(host(root), source), print)
    assert kinds(root, source) == []


def test_the_json_form_is_stable(installed: tuple[Path, FakeSource]) -> None:
    root, source = installed
    del source.containers["seed-vpn"]  # an orphan
    data = json.loads(drift_json(findings.check(host(root), source)))
    assert data["version"] == 1 and data["drift"] is True
    assert set(data["findings"][0]) == {"kind", "severity", "container", "unit", "message", "fix"}


def test_every_kind_and_its_severity_is_the_row_the_readme_documents() -> None:
    readme = (REPO / "README.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z-]+)` \| (error|warning|info) \|", readme, re.M))
    assert set(KINDS) == set(Kind)
    assert {str(kind): str(severity) for kind, severity in KINDS.items()} == rows


def test_the_json_form_writes_kinds_and_severities_as_plain_strings() -> None:
    orphan = Finding(Kind.ORPHAN, "web1", "docker-web1.service", "gone", "unitgen uninstall web1")
    assert json.loads(drift_json([orphan]))["findings"] == [
        {
            "kind": "orphan",
            "severity": "error",
            "container": "web1",
            "unit": "docker-web1.service",
            "message": "gone",
            "fix": "unitgen uninstall web1",
        }
    ]
    assert '"kind": "orphan",\n' in drift_json([orphan])


def test_the_table_fits_100_columns_and_has_no_color_off_a_terminal(
    installed: tuple[Path, FakeSource],
) -> None:
    lines = drift_table(findings.check(host(installed[0]), installed[1]), color=False)
    assert all(len(line) <= 100 for line in lines)
    assert not any("\033" in line for line in lines)
    assert lines[0].split() == ["KIND", "CONTAINER", "WHAT"]


def calm(installed: tuple[Path, FakeSource]) -> tuple[Path, FakeSource]:
    """The installed seed-vpn with Docker's policy set to `no`, as `install` on / leaves it."""
    root, source = installed
    source.containers["seed-vpn"] = replace(
        source.containers["seed-vpn"], restart_policy=RestartPolicy()
    )
    return root, source


def test_a_drop_in_is_shown_as_information_and_is_not_drift(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = calm(installed)
    path = drop_in(root, "docker-seed-vpn.service")
    found = findings.check(host(root), source, ["seed-vpn"])
    assert [(f.kind, f.severity) for f in found] == [("drop-in", "info")]
    assert found[0].message == f"customised by drop-in(s): {path}"
    assert found[0].fix == "none needed; `systemctl cat docker-seed-vpn.service` shows the result"
    assert not exit_worthy(found)
    assert json.loads(drift_json(found))["drift"] is False
    assert any(str(path) in line for line in drift_table(found, color=False))


def test_persistent_and_runtime_drop_ins_are_listed_in_order(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = calm(installed)
    unit = "docker-seed-vpn.service"
    late = drop_in(root, unit, name="50-late.conf")
    early = drop_in(root, unit, name="10-early.conf")
    runtime = drop_in(root, unit, runtime=True)
    drop_in(root, unit, name="README")  # not a .conf: systemd ignores it, so do we
    (message,) = [f.message for f in findings.check(host(root), source, ["seed-vpn"])]
    assert message == f"customised by drop-in(s): {early}, {late}, {runtime}"


def test_a_symlinked_drop_in_is_reported_and_not_followed(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = calm(installed)
    link = root / "etc/systemd/system/docker-seed-vpn.service.d/override.conf"
    link.parent.mkdir(parents=True)
    link.symlink_to("/nonexistent/elsewhere.conf")
    (message,) = [f.message for f in findings.check(host(root), source, ["seed-vpn"])]
    assert message == f"customised by drop-in(s): {link} (symlink, not followed)"


def test_a_hand_edit_is_still_edited_when_the_unit_also_has_a_drop_in(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = calm(installed)
    drop_in(root, "docker-seed-vpn.service")
    path = root / "etc/systemd/system/docker-seed-vpn.service"
    path.write_text(path.read_text().replace("RestartSec=100ms", "RestartSec=5s"))
    assert kinds(root, source) == ["edited", "drop-in"]


def test_a_docker_policy_beside_a_unit_is_a_conflict_only_where_systemd_runs_the_unit(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = installed
    units, graph = scan(root), Graph.build(*source.snapshot())
    states = {"docker-seed-vpn.service": UnitState("active", "enabled")}
    found = drift.findings(units, graph, {}, states, helper_digest=None)
    assert "restart-policy-conflict" in [f.kind for f in found]
    kept = drift.findings(units, graph, {}, states, helper_digest=None, handed_over=False)
    assert "restart-policy-conflict" not in [f.kind for f in kept]
