"""One gathering per command, then pure decisions: each command asks the engine for its
containers once and systemd once (counted on the fakes), and planning, drift, listing and
status decide from the gathered view alone: the same view gives the same plan with the engine
gone, systemd refusing every call and the unit directory deleted."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.fakes import FakeSource, host
from unitgen.commands import findings, listing, manage, status
from unitgen.commands.view import Host, HostView, gather
from unitgen.host.systemd import Systemctl


class CountingSystemctl(Systemctl):
    """A running systemd that answers from canned states and counts what it is asked."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, online=True)
        self.asked: list[str] = []

    def show(self, units: Sequence[str], *props: str) -> dict[str, dict[str, str]]:
        self.asked.append("show")
        shown = {"ActiveState": "inactive", "LoadState": "loaded", "UnitFileState": "enabled"}
        return {unit: dict(shown) for unit in units}

    def socket_service(self, path: str) -> str | None:
        self.asked.append("list-sockets")
        return None

    def policy_allows(self, unit: str, action: str) -> bool:
        self.asked.append("policy-rc.d")
        return True


class RefusingSystemctl(Systemctl):
    """systemd that fails the test if it is asked anything at all."""

    def _run(self, *args: str) -> str:
        raise AssertionError(f"systemctl {' '.join(args)} asked after gathering")


@pytest.fixture
def installed(tmp_path: Path) -> tuple[Path, FakeSource]:
    """seed-vpn and seed-proxy installed under tmp_path (offline), the engine's state since."""
    source = FakeSource()
    todo = manage.plan_install(host(tmp_path), source, ["seed-vpn", "seed-proxy"])
    manage.apply(host(tmp_path), source, todo, lambda _: None)
    source.calls.clear()
    return tmp_path, source


def containers_asked(source: FakeSource) -> int:
    return source.calls.get("snapshot", 0) + source.calls.get("closure", 0)


COMMANDS: dict[str, Callable[[Host, FakeSource], object]] = {
    "install": lambda h, s: manage.plan_install(h, s, ["seed-onfail"]),
    "uninstall": lambda h, s: manage.plan_uninstall(h, s, ["seed-vpn"]),
    "sync": lambda h, s: manage.plan_sync(h, s, prune=True),
    "adopt": lambda h, s: manage.plan_adopt(h, s),
    "drift": lambda h, s: findings.check(h, s),
    "diff": lambda h, s: findings.compare_units(h, s, ["seed-vpn"]),
    "list": lambda h, s: listing.gather(h, s),
    "status": lambda h, s: status.gather(h, s, "seed-vpn"),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_command_asks_the_engine_for_its_containers_once_and_systemd_once(
    command: str, installed: tuple[Path, FakeSource]
) -> None:
    root, source = installed
    systemctl = CountingSystemctl(root)
    COMMANDS[command](Host(root, systemctl), source)
    assert containers_asked(source) == (0 if command == "uninstall" else 1)
    assert systemctl.asked.count("show") == 1


def test_install_asks_policy_rc_d_only_for_what_it_may_start(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = installed
    script = root / "usr/sbin/policy-rc.d"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    systemctl = CountingSystemctl(root)
    manage.plan_install(Host(root, systemctl), source, ["seed-onfail"], dry_run=True)
    assert "policy-rc.d" not in systemctl.asked  # a dry run asks nothing
    manage.plan_install(Host(root, systemctl), source, ["seed-onfail"])
    assert "policy-rc.d" in systemctl.asked


def frozen(root: Path, source: FakeSource) -> HostView:
    """The whole host's view; then the engine goes down, systemd refuses and the unit
    directory is deleted: whatever is decided from the view must not notice."""
    view = gather(Host(root, RefusingSystemctl(root, online=False)), source, records=True)
    source.down = True
    shutil.rmtree(root / "etc")
    return view


def test_planning_is_a_pure_function_of_the_view(installed: tuple[Path, FakeSource]) -> None:
    root, source = installed
    before = {
        "install": manage.plan_install(host(root), source, ["seed-onfail"]),
        "uninstall": manage.plan_uninstall(host(root), source, ["seed-vpn"]),
        "sync": manage.plan_sync(host(root), source, prune=True),
        "adopt": manage.plan_adopt(host(root), source),
    }
    view = frozen(root, source)
    for _ in range(2):
        assert manage.install(view, ["seed-onfail"]) == before["install"]
        assert manage.uninstall(view, ["seed-vpn"]) == before["uninstall"]
        assert manage.sync(view, prune=True) == before["sync"]
        assert manage.adopt(view) == before["adopt"]


def test_drift_and_listing_are_pure_functions_of_the_view(
    installed: tuple[Path, FakeSource],
) -> None:
    root, source = installed
    drift = findings.check(host(root), source)
    rows = listing.gather(host(root), source).rows
    view = frozen(root, source)
    assert findings.drift(view) == drift
    assert listing.listing_of(view, listing.ANSWERED).rows == rows
    assert status.status_of(view, "seed-vpn", None).findings == tuple(
        f for f in drift if f.container == "seed-vpn"
    )
