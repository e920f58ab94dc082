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


def test_a_reload_command_with_quotes_round_trips_through_options() -> None:
    chosen = build(
        reload_cmd="""sh -c 'nginx -s reload && echo "done $HOST"'""", on_unhealthy="kill"
    )
    assert from_flags(chosen.as_flags(), "test") == chosen
    assert chosen.reload_argv == ("sh", "-c", 'nginx -s reload && echo "done $HOST"')


@pytest.mark.parametrize(
    ("given", "signal"), [("hup", "SIGHUP"), ("SIGUSR1", "SIGUSR1"), ("15", "SIGTERM")]
)
def test_a_reload_signal_is_named_as_docker_kill_takes_it(given: str, signal: str) -> None:
    assert build(reload_signal=given).reload_signal == signal


def test_bad_health_and_reload_options_are_refused_with_what_to_give() -> None:
    with pytest.raises(UsageError, match="'reboot' is not one of none, kill, restart, stop"):
        build(on_unhealthy="reboot")
    with pytest.raises(UsageError, match="'HUPP' is not a signal"):
        build(reload_signal="HUPP")
    with pytest.raises(UsageError, match="cannot split"):
        build(reload_cmd="sh -c 'unclosed")
    with pytest.raises(UsageError, match="not both"):
        build(reload_signal="HUP", reload_cmd="nginx -s reload")


def test_a_reload_given_by_flag_replaces_the_labels_other_kind_of_reload() -> None:
    label = build(reload_cmd="nginx -s reload", on_unhealthy="stop")
    flag = build(reload_signal="USR1")
    chosen = flag.over(label)
    assert (chosen.reload_signal, chosen.reload_cmd, chosen.on_unhealthy) == (
        "SIGUSR1",
        None,
        "stop",
    )


def test_health_and_reload_labels_give_the_unit_its_watch_and_its_reload(tmp_path: Path) -> None:
    source = FakeSource()
    healthy = source.containers["seed-healthy"]
    labels = (("unitgen.on-unhealthy", "restart"), ("unitgen.reload-signal", "HUP"))
    source.containers["seed-healthy"] = replace(healthy, labels=(*healthy.labels, *labels))
    install(tmp_path, source, ["seed-healthy"])
    written = unit(tmp_path, "seed-healthy")
    assert "UNITGEN_ON_UNHEALTHY=restart" in written.get_all("Service", "Environment")
    assert written.get("Service", "RestartForceExitStatus") == "SIGUSR2"
    assert written.get("Service", "ExecReload") == (
        "/var/lib/unitgen/helper/container-v1 signal seed-healthy SIGHUP"
    )


def test_without_a_reload_option_the_unit_has_no_exec_reload(tmp_path: Path) -> None:
    install(tmp_path, FakeSource(), ["seed-healthy"])
    assert unit(tmp_path, "seed-healthy").get("Service", "ExecReload") is None
