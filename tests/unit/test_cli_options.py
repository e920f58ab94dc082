"""The options an admin expects on every command: --all wherever names are taken, diff's exit
code, messages about what was asked, --root (empty, in plans, in fixes, in its help),
--templates, --debug and --quiet. Exact output, over the fake engine (tests/fakes.py)."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest

from tests.fakes import FakeSource, run_cli
from unitgen.cli.main import all_commands
from unitgen.host.snapshot import resolve_root


def install(root: Path, *names: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["--quiet", "install", "--root", str(root), *names], capsys) == (0, "", "")


# --- --all wherever names are taken -------------------------------------------------------


@pytest.mark.parametrize(
    "command", ["generate", "install", "uninstall", "adopt", "drift", "diff", "status"]
)
def test_every_command_that_takes_names_says_how_it_takes_them(command: str) -> None:
    params = {p.name for p in all_commands()[command].params}
    # status is one view of one container: --all would be `unitgen list`.
    assert ("all_" in params) == (command != "status")


@pytest.mark.parametrize("command", ["generate", "install", "uninstall", "adopt", "drift", "diff"])
def test_names_and_all_together_are_a_usage_error(
    command: str, source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli([command, "--root", str(tmp_path), "--all", "seed-vpn"], capsys)
    assert (code, out) == (2, "")
    assert err == f"unitgen: `unitgen {command}` takes container names or --all, not both\n"


def test_uninstall_all_removes_every_unit_unitgen_installed(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(tmp_path, "seed-vpn", "seed-onfail", capsys=capsys)
    code, out, err = run_cli(["uninstall", "--dry-run", "--all", "--root", str(tmp_path)], capsys)
    units = f"{tmp_path}/etc/systemd/system"
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"remove  {units}/docker-seed-onfail.service",
        f"remove  {units}/docker-seed-vpn.service",
        f"remove  {tmp_path}/var/lib/unitgen/helper/container-v1  (no unit needs it)",
        f"run     systemctl --root={tmp_path} disable "
        "docker-seed-onfail.service docker-seed-vpn.service",
    ]


def test_uninstall_without_names_or_all_is_a_usage_error(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["uninstall", "--root", str(tmp_path)], capsys) == (
        2,
        "",
        "unitgen: `unitgen uninstall` needs container names or --all; "
        "for example: unitgen uninstall web1\n",
    )


# --- diff exits as diff(1) ------------------------------------------------------------------


def test_diff_exits_0_when_the_unit_is_as_it_would_be_generated(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(tmp_path, "seed-onfail", capsys=capsys)
    assert run_cli(["diff", "--root", str(tmp_path), "seed-onfail"], capsys) == (0, "", "")


def test_diff_exits_1_when_a_unit_differs(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(tmp_path, "seed-onfail", capsys=capsys)
    spec = source.containers["seed-onfail"]
    source.containers["seed-onfail"] = replace(spec, image="other:2")
    code, out, err = run_cli(["diff", "--root", str(tmp_path), "seed-onfail"], capsys)
    assert (code, err) == (1, "")
    assert out.startswith(
        "--- installed/docker-seed-onfail.service\n+++ generated/docker-seed-onfail.service\n"
    )
    assert "\n-Image=unitgen-test/busybox:latest\n+Image=other:2\n" in out


def test_diff_all_compares_every_unit_and_names_an_orphan(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(tmp_path, "seed-vpn", "seed-onfail", capsys=capsys)
    assert run_cli(["diff", "--all", "--root", str(tmp_path)], capsys) == (0, "", "")
    del source.containers["seed-vpn"]
    assert run_cli(["diff", "--all", "--root", str(tmp_path)], capsys) == (
        1,
        "# docker-seed-vpn.service: its container seed-vpn is gone (orphan)\n",
        "",
    )


# --- drift says what was asked --------------------------------------------------------------


def test_drift_of_a_container_without_a_unit_says_it_has_no_unit(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["drift", "--root", str(tmp_path), "seed-vpn"], capsys) == (
        0,
        f"seed-vpn has no unit: nothing to compare; "
        f"`unitgen install --root {tmp_path} seed-vpn` makes one\n",
        "",
    )


def test_drift_of_a_container_whose_unit_matches_says_so(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(tmp_path, "seed-onfail", capsys=capsys)
    assert run_cli(["drift", "--root", str(tmp_path), "seed-onfail"], capsys) == (
        0,
        "no drift: docker-seed-onfail.service matches its container seed-onfail\n",
        "",
    )


def test_drift_of_everything_counts_the_units_that_match(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only containers without a Docker restart policy: none is reported unmanaged.
    del source.containers["seed-always"], source.containers["seed-unless"]
    del source.containers["seed-onfail"]
    assert run_cli(["drift", "--all", "--root", str(tmp_path)], capsys) == (
        0,
        "no drift: unitgen manages no container here\n",
        "",
    )
    install(tmp_path, "seed-vpn", capsys=capsys)
    assert run_cli(["drift", "--root", str(tmp_path)], capsys) == (
        0,
        "no drift: every unit (1) matches its container\n",
        "",
    )


# --- --root ---------------------------------------------------------------------------------


def test_an_empty_root_is_refused_in_one_line(
    source: FakeSource, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["generate", "--root", "", "seed-vpn"], capsys) == (
        2,
        "",
        "unitgen: --root is empty; give the image root's directory, or leave it out for /\n",
    )


def test_an_empty_dpkg_root_still_means_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DPKG_ROOT", "")
    assert resolve_root(None) == Path("/")


def test_the_fixes_drift_names_carry_the_root(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(tmp_path, "seed-vpn", capsys=capsys)
    del source.containers["seed-vpn"]
    code, out, _ = run_cli(["drift", "--root", str(tmp_path), "seed-vpn"], capsys)
    assert code == 20
    fix = " ".join(line.strip() for line in out.splitlines()[2:])
    assert fix == (
        f"fix: unitgen uninstall --root {tmp_path} seed-vpn  "
        f"(or: unitgen sync --root {tmp_path} --prune)"
    )


def test_a_policy_install_root_left_on_purpose_is_no_conflict_for_drift_root(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(tmp_path, "seed-always", capsys=capsys)
    assert str(source.containers["seed-always"].restart_policy) == "always"
    assert run_cli(["drift", "--root", str(tmp_path), "seed-always"], capsys) == (
        0,
        "no drift: docker-seed-always.service matches its container seed-always\n",
        "",
    )


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("generate", "nothing is written there"),
        ("install", "write and enable there"),
        ("uninstall", "disable and remove there"),
        ("adopt", "write and enable there"),
        ("sync", "rewrite and enable there"),
        ("watch", "write and enable there"),
        ("drift", "Check the units of an image root"),
        ("diff", "Compare the units of an image root"),
        ("status", "Show the unit in an image root"),
    ],
)
def test_each_commands_root_help_says_what_that_command_does_there(command: str, says: str) -> None:
    (root,) = [p for p in all_commands()[command].params if p.name == "root"]
    help_ = " ".join(str(getattr(root, "help", "")).split())
    assert says in help_
    assert help_.endswith("Default: $DPKG_ROOT, else /.")
    writes = command in ("install", "uninstall", "adopt", "sync", "watch")
    assert ("and enable there" in help_ or "remove there" in help_) == writes


# --- --templates ----------------------------------------------------------------------------


def test_a_templates_directory_that_does_not_exist_is_refused(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["generate", "--templates", f"{tmp_path}/nope", "seed-vpn"]
    assert run_cli(argv, capsys) == (
        2,
        "",
        "Usage: unitgen generate [OPTIONS] [CONTAINERS]...\n"
        "Try 'unitgen generate --help' for help.\n\n"
        f"Error: Invalid value for '--templates': Directory '{tmp_path}/nope' does not exist.\n",
    )


# --- --debug and --quiet --------------------------------------------------------------------


def test_debug_logs_the_plan_each_file_write_and_each_systemctl_call(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install(tmp_path, "seed-vpn", capsys=capsys)
    code, out, err = run_cli(["--debug", "install", "--root", str(tmp_path), "seed-onfail"], capsys)
    units = f"{tmp_path}/etc/systemd/system"
    assert (code, out) == (0, "")
    lines = err.splitlines()
    assert lines[:4] == [
        f"unitgen: plan: keep    {tmp_path}/var/lib/unitgen/helper/container-v1  (unchanged)",
        f"unitgen: plan: write   {units}/docker-seed-onfail.service  (new)",
        f"unitgen: plan: run     systemctl --root={tmp_path} enable docker-seed-onfail.service",
        "unitgen: plan: note    systemd is not running here: units enabled, nothing started",
    ]
    assert lines[4].startswith(f"unitgen: writing {units}/docker-seed-onfail.service (mode 644, ")
    assert lines[6] == (
        f"unitgen: running systemctl --root={tmp_path} reenable --quiet docker-seed-onfail.service"
    )


def test_quiet_leaves_out_progress_and_notes_but_not_errors(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["-q", "install", "--root", str(tmp_path), "seed-vpn"], capsys) == (0, "", "")
    assert run_cli(["-q", "drift", "--root", str(tmp_path), "seed-vpn"], capsys) == (0, "", "")
    assert run_cli(["-q", "install", "--root", str(tmp_path), "no-such"], capsys) == (
        4,
        "",
        "unitgen: no container named no-such; check the name with `docker ps -a`\n",
    )


def test_quiet_keeps_the_data_a_command_was_asked_for(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["generate", "--root", str(tmp_path), "seed-vpn"]
    assert run_cli(["--quiet", *argv], capsys) == run_cli(argv, capsys)
    dry = ["install", "--dry-run", "--root", str(tmp_path), "seed-vpn"]
    assert run_cli(["--quiet", *dry], capsys) == run_cli(dry, capsys)


def test_without_a_terminal_nothing_is_coloured(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert not sys.stdout.isatty()  # capsys: what the command sees is not a terminal
    _, out, _ = run_cli(["drift", "--root", str(tmp_path)], capsys)
    assert "unmanaged" in out and "\033[" not in out


def test_a_plans_long_note_is_wrapped_within_100_columns_under_its_verb() -> None:
    from unitgen.plan.actions import Plan

    note = "the drop-ins in /etc/systemd/system/docker-web.service.d stay " * 3
    lines = Plan(notes=[note.strip()]).describe(online=True, root=Path("/"))
    assert len(lines) == 3 and max(len(line) for line in lines) <= 100
    assert lines[0].startswith("note    the drop-ins in ")
    assert all(line[:8] == " " * 8 and line[8] != " " for line in lines[1:])
    assert " ".join(line[8:] for line in lines) == note.strip()  # cut at spaces only


def test_exit_codes_fit_100_columns(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["exit-codes"], capsys)
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 100
    assert (
        "  1  internal error (rerun with --debug, report it); `unitgen diff`: a unit differs\n"
        in out
    )
