"""Containers named on the command line as Docker's CLI takes them: NAME, /NAME, a full id or a
unique id prefix; anything else is one line with a documented exit code, never an internal
error. Over the fake engine (tests/fakes.py), which resolves by the engine's rules."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes import FakeSource, drop_in, run_cli

# seed-onfail's id (tests/fixtures/inspect/seed-containers.json); "4" starts two seed ids
# (seed-healthy 4d3fef..., seed-always 4ef242...).
ONFAIL_ID = "27d46990d586fee539fe996b0bbff90d7a1faf443e4157e8888cf2d58726cde7"


def test_the_seed_id_is_seed_onfails(source: FakeSource) -> None:
    assert source.containers["seed-onfail"].id == ONFAIL_ID


@pytest.mark.parametrize(
    "ref", ["seed-onfail", "/seed-onfail", ONFAIL_ID, ONFAIL_ID[:12], ONFAIL_ID[:3]]
)
def test_generate_takes_a_name_a_slash_name_a_full_id_or_a_unique_id_prefix(
    ref: str, source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, by_name, _ = run_cli(["generate", "--root", str(tmp_path), "seed-onfail"], capsys)
    assert code == 0
    assert run_cli(["generate", "--root", str(tmp_path), ref], capsys) == (0, by_name, "")


def test_an_ambiguous_id_prefix_is_a_usage_error_saying_so(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["generate", "--root", str(tmp_path), "4"], capsys) == (
        2,
        "",
        "unitgen: 4 is an ambiguous id prefix: several containers have an id starting with it; "
        "give more characters of the id, or the container's name\n",
    )


def test_an_id_prefix_that_matches_nothing_is_not_found(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["install", "--root", str(tmp_path), "0badcafe"], capsys) == (
        4,
        "",
        "unitgen: no container named or with an id starting with 0badcafe; "
        "check the name or id with `docker ps -a`\n",
    )


@pytest.mark.parametrize(
    ("ref", "shown"),
    [("", "''"), ("/", "'/'"), ("a b", "'a b'"), ("web\n1", "'web\\n1'"), ("//web", "'//web'")],
)
def test_an_empty_or_malformed_reference_is_one_line_and_exit_2(
    ref: str, shown: str, source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["generate", "--root", str(tmp_path), ref], capsys) == (
        2,
        "",
        f"unitgen: {shown} is not a container name or id; a name is letters, digits and _.- "
        "(a letter or digit first, a leading / allowed); an id or id prefix is hex digits\n",
    )


def install_onfail_then_remove_its_container(source: FakeSource, root: Path) -> None:
    assert FakeSource().containers["seed-onfail"].id == ONFAIL_ID
    from unitgen.cli.main import main

    with pytest.raises(SystemExit) as done:
        main(["--quiet", "install", "--root", str(root), "seed-onfail"])
    assert done.value.code == 0
    del source.containers["seed-onfail"]


@pytest.mark.parametrize("ref", ["seed-onfail", "/seed-onfail", ONFAIL_ID, ONFAIL_ID[:7]])
def test_uninstall_finds_a_container_that_is_gone_by_its_units_name_or_recorded_id(
    ref: str, source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install_onfail_then_remove_its_container(source, tmp_path)
    capsys.readouterr()
    code, out, _ = run_cli(["uninstall", "--dry-run", "--root", str(tmp_path), ref], capsys)
    assert (code, out.splitlines()) == (
        0,
        [
            f"remove  {tmp_path}/etc/systemd/system/docker-seed-onfail.service",
            f"remove  {tmp_path}/var/lib/unitgen/helper/container-v1  (no unit needs it)",
            f"run     systemctl --root={tmp_path} disable docker-seed-onfail.service",
        ],
    )


def test_uninstall_of_a_name_that_is_nothing_is_nothing_to_do(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["uninstall", "--dry-run", "--root", str(tmp_path), "never-was"]
    assert run_cli(argv, capsys) == (
        0,
        "note    docker-never-was.service is not installed by unitgen; nothing to do for it\n",
        "",
    )


@pytest.mark.parametrize("command", ["drift", "status"])
def test_drift_and_status_find_a_gone_container_by_its_units_recorded_id(
    command: str, source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    install_onfail_then_remove_its_container(source, tmp_path)
    capsys.readouterr()
    code, out, err = run_cli([command, "--root", str(tmp_path), ONFAIL_ID[:5]], capsys)
    assert (code, err) == ((20, "") if command == "drift" else (0, ""))
    assert "seed-onfail" in out


# Every command that takes container names, as the property test runs it (changing nothing),
# and the exit codes it may give for any argument: 0 done, 2 malformed or ambiguous (or an
# option click does not know), 4 not found; diff's 1 (differs) and drift's 20 (drift found).
NAMED = {
    ("generate",): {0, 2, 4},
    ("install", "--dry-run"): {0, 2, 4},
    ("uninstall", "--dry-run"): {0, 2, 4},
    ("adopt", "--dry-run"): {0, 2, 4},
    ("drift",): {0, 2, 4, 20},
    ("diff",): {0, 1, 2, 4},
    ("status",): {0, 2, 4},
    ("graph",): {0, 2, 4},
    ("export", "--format", "compose"): {0, 2, 4},
}
REFERENCES = st.one_of(
    st.text(),
    st.from_regex(r"/?[0-9a-f]{1,12}", fullmatch=True),
    st.from_regex(r"/?[a-zA-Z0-9][a-zA-Z0-9_.-]{0,20}", fullmatch=True),
    st.sampled_from(["seed-onfail", "/seed-vpn", ONFAIL_ID, "4", "6fd7", "-", "--all"]),
)


@pytest.mark.parametrize("command", sorted(NAMED), ids=" ".join)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ref=REFERENCES)
def test_any_string_as_a_container_gives_a_documented_exit_code_never_an_internal_error(
    command: tuple[str, ...],
    ref: str,
    source: FakeSource,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = [] if command == ("graph",) else ["--root", str(tmp_path)]  # graph reads the engine
    code, _, err = run_cli([*command, *root, "--", ref], capsys)
    assert code in NAMED[command], (code, err)
    assert "internal error" not in err
    assert len(err.splitlines()) <= 1, err
    if not re.fullmatch(r"/?[a-zA-Z0-9][a-zA-Z0-9_.-]*", ref):
        assert (code, err.partition(" is not a container name or id;")[1]) == (
            2,
            " is not a container name or id;",
        )


def test_status_still_shows_the_drop_ins_of_a_name_with_no_container_and_no_unit(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = drop_in(tmp_path, "docker-seed-vpn.service")
    del source.containers["seed-vpn"]
    code, out, err = run_cli(["status", "--root", str(tmp_path), "seed-vpn"], capsys)
    assert (code, err) == (0, "")
    assert f"DROP-INS  {path}" in out.splitlines()


def test_uninstall_by_the_name_of_a_gone_container_is_not_taken_for_another_ones_id_prefix(
    source: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # "4d3f" is a name, and a prefix of seed-healthy's id (4d3fef...): as in the engine, where
    # a name wins over an id prefix, the unit of the container named 4d3f is the one meant.
    assert source.containers["seed-healthy"].id.startswith("4d3f")
    source.containers["4d3f"] = replace(source.containers["seed-vpn"], name="4d3f", id="f" * 64)
    assert run_cli(["-q", "install", "--root", str(tmp_path), "4d3f"], capsys) == (0, "", "")
    del source.containers["4d3f"]
    code, out, _ = run_cli(["uninstall", "-n", "--root", str(tmp_path), "4d3f"], capsys)
    assert (code, out.splitlines()[0]) == (
        0,
        f"remove  {tmp_path}/etc/systemd/system/docker-4d3f.service",
    )
