"""Install and uninstall planning and applying into an image root, with a fake engine.

The real-engine and real-systemd versions of these live in tests/docker and tests/systemd.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from tests.fakes import FakeSource, drop_in, host, install_into
from unitgen.commands import findings, manage
from unitgen.commands.view import gather
from unitgen.errors import ForeignUnit, UsageError
from unitgen.host.snapshot import resolve_root
from unitgen.model import RestartPolicy
from unitgen.plan.actions import effective_policy


def units_in(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "etc/systemd/system").glob("*.service"))


def test_install_into_a_root_writes_the_closure_and_enables_it_offline(tmp_path: Path) -> None:
    source = FakeSource()
    todo = manage.plan_install(host(tmp_path), source, ["seed-sidecar"])
    manage.apply(host(tmp_path), source, todo, lambda _: None)
    assert units_in(tmp_path) == [
        "docker-seed-backend1.service",
        "docker-seed-backend2.service",
        "docker-seed-proxy.service",
        "docker-seed-sidecar.service",
        "unitgen-network-seed-net.service",
    ]
    wants = tmp_path / "etc/systemd/system/multi-user.target.wants"
    assert sorted(p.name for p in wants.iterdir()) == [
        "docker-seed-backend1.service",
        "docker-seed-backend2.service",
        "docker-seed-proxy.service",
        "docker-seed-sidecar.service",
    ]
    assert source.policy_calls == []  # an image root never touches the engine's policies


def test_a_second_install_with_nothing_changed_plans_nothing(tmp_path: Path) -> None:
    source = FakeSource()
    install_into(tmp_path, source, "seed-proxy")
    again = manage.plan_install(host(tmp_path), source, ["seed-proxy"])
    assert again.empty
    assert {f.verb for f in again.files} == {"keep"}


def test_a_foreign_unit_is_never_overwritten_without_force(tmp_path: Path) -> None:
    unit_dir = tmp_path / "etc/systemd/system"
    unit_dir.mkdir(parents=True)
    (unit_dir / "docker-seed-vpn.service").write_text("[Service]\nExecStart=/bin/true\n")
    with pytest.raises(
        ForeignUnit,
        match=r"docker-seed-vpn.service exists at .* and was not "
        r"made by unitgen; use --force to replace it",
    ):
        manage.plan_install(host(tmp_path), FakeSource(), ["seed-vpn"])
    assert manage.plan_install(host(tmp_path), FakeSource(), ["seed-vpn"], force=True).files[
        0
    ].verb == ("write")


def test_a_hand_edited_unit_is_reported_not_overwritten(tmp_path: Path) -> None:
    source = FakeSource()
    install_into(tmp_path, source, "seed-vpn")
    path = tmp_path / "etc/systemd/system/docker-seed-vpn.service"
    path.write_text(path.read_text().replace("Restart=no", "Restart=always"))
    with pytest.raises(ForeignUnit, match="was edited by hand since unitgen wrote it"):
        manage.plan_install(host(tmp_path), source, ["seed-vpn"])


def test_a_symlink_where_a_unit_goes_is_refused_even_with_force(tmp_path: Path) -> None:
    unit_dir = tmp_path / "etc/systemd/system"
    unit_dir.mkdir(parents=True)
    (unit_dir / "docker-seed-vpn.service").symlink_to("/etc/passwd")
    with pytest.raises(ForeignUnit, match="is a symlink; unitgen never writes through one"):
        manage.plan_install(host(tmp_path), FakeSource(), ["seed-vpn"], force=True)


def test_uninstall_refuses_while_another_unit_needs_it(tmp_path: Path) -> None:
    source = FakeSource()
    install_into(tmp_path, source, "seed-sidecar")
    with pytest.raises(
        UsageError,
        match=re.escape("docker-seed-proxy.service still needed by: docker-seed-sidecar.service"),
    ):
        manage.plan_uninstall(host(tmp_path), source, ["seed-proxy"])


def test_uninstall_removes_units_links_and_unused_network_units(tmp_path: Path) -> None:
    source = FakeSource()
    install_into(tmp_path, source, "seed-proxy")
    todo = manage.plan_uninstall(
        host(tmp_path), source, ["seed-proxy", "seed-backend1", "seed-backend2"]
    )
    manage.apply(host(tmp_path), source, todo, print)
    assert units_in(tmp_path) == []
    assert not list((tmp_path / "etc/systemd/system").glob("*.wants/*"))


def test_uninstalling_what_is_not_installed_is_not_an_error(tmp_path: Path) -> None:
    todo = manage.plan_uninstall(host(tmp_path), FakeSource(), ["seed-vpn"])
    assert todo.empty
    assert list(todo.notes) == [
        "docker-seed-vpn.service is not installed by unitgen; nothing to do for it"
    ]


def test_the_recorded_policy_survives_dockers_being_set_to_no(tmp_path: Path) -> None:
    """After the handover Docker says `no`; a second install must still translate the
    policy the first one recorded, not Docker's `no`."""
    source = FakeSource()
    install_into(tmp_path, source, "seed-always")
    source.containers["seed-always"] = replace(
        source.containers["seed-always"], restart_policy=RestartPolicy("no")
    )
    again = manage.plan_install(host(tmp_path), source, ["seed-always"])
    assert again.empty  # the same unit: Restart=always, DockerRestartPolicy=always
    text = (tmp_path / "etc/systemd/system/docker-seed-always.service").read_text()
    assert "\nRestart=always\n" in text and "\nDockerRestartPolicy=always\n" in text


def test_a_policy_the_admin_set_again_since_wins_over_the_recorded_one(tmp_path: Path) -> None:
    source = FakeSource()
    install_into(tmp_path, source, "seed-always")
    unit = gather(host(tmp_path), source, whole=True, render=False).installed[
        "docker-seed-always.service"
    ]
    assert effective_policy(RestartPolicy("no"), unit) == RestartPolicy("always")
    assert effective_policy(RestartPolicy("on-failure", 2), unit) == RestartPolicy("on-failure", 2)


def test_a_root_with_dotdot_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=re.escape("contains '..'")):
        resolve_root(f"{tmp_path}/../x")


def test_dry_run_plan_names_files_and_commands_with_the_real_root(tmp_path: Path) -> None:
    todo = manage.plan_install(host(tmp_path), FakeSource(), ["seed-reader"])
    lines = todo.describe(online=False, root=tmp_path)
    assert lines == [
        f"write   {tmp_path}/var/lib/unitgen/helper/container-v1  (new)",
        f"write   {tmp_path}/etc/systemd/system/docker-seed-data.service  (new)",
        f"write   {tmp_path}/etc/systemd/system/docker-seed-reader.service  (new)",
        f"run     systemctl --root={tmp_path} enable "
        "docker-seed-data.service docker-seed-reader.service",
        "note    systemd is not running here: units enabled, nothing started",
    ]


def test_diff_names_each_drop_in_after_the_unit_and_does_not_compare_it(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    install_into(tmp_path, source, "seed-vpn")
    path = drop_in(tmp_path, "docker-seed-vpn.service")
    assert findings.compare_units(host(tmp_path), source, ["seed-vpn"]) == (
        f"# drop-in kept as it is: {path}\n",
        False,
    )


def test_uninstall_leaves_the_admins_drop_ins_and_says_how_to_remove_them(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    install_into(tmp_path, source, "seed-vpn")
    path = drop_in(tmp_path, "docker-seed-vpn.service")
    todo = manage.plan_uninstall(host(tmp_path), source, ["seed-vpn"])
    reported: list[str] = []
    manage.apply(host(tmp_path), source, todo, reported.append)
    assert units_in(tmp_path) == []
    assert path.read_text() == "[Service]\nEnvironment=FOO=bar\n"
    directory = path.parent
    assert (
        f"docker-seed-vpn.service: the drop-ins in {directory} stay (the admin's, not "
        f"unitgen's; they apply again if the unit is reinstalled); to remove them: "
        f"rm -r {directory}"
    ) in reported


def test_keep_disabled_leaves_a_unit_the_admin_disabled_off_and_unstarted(tmp_path: Path) -> None:
    """What dh_unitgen's postinst passes on an upgrade: a disabled unit is not enabled again,
    nor started where systemd runs; a unit still enabled, and a new one, are as without it."""
    from tests.unit.test_view import CountingSystemctl
    from unitgen.commands.view import Host

    source = FakeSource()
    first = manage.plan_install(host(tmp_path), source, ["seed-vpn", "seed-onfail"])
    manage.apply(host(tmp_path), source, first, lambda _: None)
    wants = tmp_path / "etc/systemd/system/multi-user.target.wants"
    for target in ("multi-user.target", "docker.service"):  # systemctl disable
        (tmp_path / f"etc/systemd/system/{target}.wants/docker-seed-vpn.service").unlink()

    kept = manage.plan_install(
        host(tmp_path), source, ["seed-vpn", "seed-onfail", "seed-always"], keep_disabled=True
    )
    assert list(kept.enable) == ["docker-seed-always.service"]
    assert "docker-seed-vpn.service is disabled: it stays so (--keep-disabled)" in kept.notes
    online = Host(tmp_path, CountingSystemctl(tmp_path))
    started = manage.plan_install(online, source, ["seed-vpn", "seed-onfail"], keep_disabled=True)
    assert list(started.start) == ["docker-seed-onfail.service"]

    again = manage.plan_install(host(tmp_path), source, ["seed-vpn"])
    assert list(again.enable) == ["docker-seed-vpn.service"]
    manage.apply(host(tmp_path), source, again, lambda _: None)
    assert (wants / "docker-seed-vpn.service").is_symlink()
