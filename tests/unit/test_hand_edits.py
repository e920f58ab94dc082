"""Hand edits of an installed unit: whatever systemd accepts, or skips with a warning, keeps the
unit listed and reported as `edited`; it never vanishes from `list` and `drift`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.fakes import FakeSource, host, install_into
from unitgen.commands import findings, listing
from unitgen.model import RestartPolicy
from unitgen.units.names import container_of_unit_name

UNIT = "docker-seed-vpn.service"


@pytest.fixture
def installed(tmp_path: Path) -> tuple[Path, FakeSource]:
    source = FakeSource()
    source.containers["seed-vpn"] = replace(
        source.containers["seed-vpn"], restart_policy=RestartPolicy()
    )
    install_into(tmp_path, source, "seed-vpn")
    return tmp_path, source


def edit(root: Path, old: str, new: str) -> None:
    path = root / "etc/systemd/system" / UNIT
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def assert_listed_and_edited(root: Path, source: FakeSource) -> None:
    found = [(f.kind, f.container) for f in findings.check(host(root), source) if f.unit == UNIT]
    assert found == [("edited", "seed-vpn")]
    rows = listing.gather(host(root), source, with_docker=False).rows
    assert [(r.unit, r.container, r.edited) for r in rows] == [(UNIT, "seed-vpn", True)]


def test_a_fresh_unit_is_listed_and_not_edited(installed: tuple[Path, FakeSource]) -> None:
    root, source = installed
    assert [f.kind for f in findings.check(host(root), source) if f.unit == UNIT] == []
    assert [r.edited for r in listing.gather(host(root), source, with_docker=False).rows] == [False]


def test_a_continuation_line_edit_is_listed_and_reported_as_edited(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = installed
    edit(root, "[Service]\n", "[Service]\nExecStartPost=/bin/true \\\n   arg\n")
    assert_listed_and_edited(root, source)


def test_a_continuation_that_swallows_the_unitgen_section_header_keeps_the_unit(
    installed: tuple[Path, FakeSource],
) -> None:
    # systemd reads "[X-Unitgen]" as part of WantedBy=, so the section's keys land in [Install].
    root, source = installed
    edit(root, "WantedBy=multi-user.target docker.service\n\n", "WantedBy=multi-user.target \\\n")
    assert_listed_and_edited(root, source)


@pytest.mark.parametrize(
    "line",
    ["a line without an equals sign", "[Service", "=no key"],
    ids=["no-equals", "broken-header", "empty-key"],
)
def test_a_line_systemd_ignores_or_refuses_keeps_the_unit_listed_as_edited(
    installed: tuple[Path, FakeSource], line: str
) -> None:
    root, source = installed
    edit(root, "[Service]\n", f"[Service]\n{line}\n")
    assert_listed_and_edited(root, source)


def test_a_container_unit_name_says_which_container_it_is_for() -> None:
    assert container_of_unit_name("docker-seed-vpn.service") == "seed-vpn"
    assert container_of_unit_name("unitgen-network-seed-net.service") is None
    assert container_of_unit_name("docker-.service") is None
    assert container_of_unit_name("docker-a b.service") is None
