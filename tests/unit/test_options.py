"""Generator options: flags, what they record in the unit, labels, and which wins."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.fakes import FakeSource, host
from unitgen.commands import manage
from unitgen.errors import UnsafeValue, UsageError
from unitgen.options import UnitOptions, build, from_flags
from unitgen.units.unitfile import UnitFile


def unit(root: Path, container: str) -> UnitFile:
    return UnitFile.parse((root / f"etc/systemd/system/docker-{container}.service").read_text())


def install(root: Path, source: FakeSource, names: list[str], **flags: object) -> None:
    chosen = build(**flags)  # type: ignore[arg-type]
    manage.apply(
        host(root), source, manage.plan_install(host(root), source, names, options=chosen), print
    )


def test_flags_apply_to_the_named_container_not_to_what_it_needs(tmp_path: Path) -> None:
    install(tmp_path, FakeSource(), ["seed-proxy"], stop_timeout="60", after=["srv.mount"])
    proxy, backend = unit(tmp_path, "seed-proxy"), unit(tmp_path, "seed-backend1")
    assert proxy.get(
        "Service",
        "ExecStop",
    ) == ("/var/lib/unitgen/helper/container-v1 stop seed-proxy 60")
    assert proxy.get("Service", "TimeoutStopSec") == "75s"
    assert "srv.mount" in proxy.get_all("Unit", "After")
    assert proxy.get("X-Unitgen", "Options") == "--stop-timeout=60 --after=srv.mount"
    assert "srv.mount" not in backend.get_all("Unit", "After")
    assert backend.get("X-Unitgen", "Options") is None


def test_recorded_options_are_kept_by_a_later_install_and_by_sync(tmp_path: Path) -> None:
    source = FakeSource()
    install(tmp_path, source, ["seed-vpn"], restart_sec="5", requires=["vpn-key.service"])
    install(tmp_path, source, ["seed-vpn"])  # no flags this time
    assert unit(tmp_path, "seed-vpn").get("X-Unitgen", "Options") == (
        "--restart-sec=5 --requires=vpn-key.service"
    )
    assert manage.plan_sync(host(tmp_path), source).empty
    assert "vpn-key.service" in unit(tmp_path, "seed-vpn").get_all("Unit", "Requires")


def test_a_label_sets_an_option_and_a_flag_beats_it(tmp_path: Path) -> None:
    source = FakeSource()
    vpn = source.containers["seed-vpn"]
    source.containers["seed-vpn"] = replace(
        vpn, labels=(*vpn.labels, ("unitgen.stop-timeout", "20"))
    )
    install(tmp_path, source, ["seed-vpn"])
    assert unit(tmp_path, "seed-vpn").get("Service", "TimeoutStopSec") == "35s"
    assert unit(tmp_path, "seed-vpn").get("X-Unitgen", "Options") is None  # labels stay in Docker
    install(tmp_path, source, ["seed-vpn"], stop_timeout="3")
    assert unit(tmp_path, "seed-vpn").get("Service", "TimeoutStopSec") == "18s"


def test_wanted_by_changes_the_install_section_and_where_the_unit_is_enabled(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    install(tmp_path, source, ["seed-vpn"])
    install(tmp_path, source, ["seed-vpn"], wanted_by="graphical.target")
    wanted = "graphical.target docker.service"
    assert unit(tmp_path, "seed-vpn").get("Install", "WantedBy") == wanted
    etc = tmp_path / "etc/systemd/system"
    assert (etc / "graphical.target.wants/docker-seed-vpn.service").is_symlink()
    assert (etc / "docker.service.wants/docker-seed-vpn.service").is_symlink()
    assert not (etc / "multi-user.target.wants/docker-seed-vpn.service").exists()


def test_a_bad_flag_is_a_usage_error_and_a_bad_label_an_unsafe_value(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="'a;b' is not a systemd unit name"):
        build(after=["srv.mount", "a;b"])
    with pytest.raises(UsageError, match="is not a target"):
        build(wanted_by="web.service")
    with pytest.raises(UsageError, match="not a number of seconds"):
        build(stop_timeout="-1")
    source = FakeSource()
    vpn = source.containers["seed-vpn"]
    source.containers["seed-vpn"] = replace(
        vpn, labels=(*vpn.labels, ("unitgen.host.systemd.wants", "x;rm -rf /"))
    )
    with pytest.raises(UnsafeValue, match="container seed-vpn: label"):
        manage.plan_install(host(tmp_path), source, ["seed-vpn"])


def test_options_round_trip_through_their_recorded_flags() -> None:
    chosen = UnitOptions("graphical.target", 10, 2, ("a.mount",), ("b.service", "c.service"))
    assert from_flags(chosen.as_flags(), "test") == chosen
