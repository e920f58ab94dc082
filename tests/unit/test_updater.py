"""`unitgen update` carried out (unitgen/update/run.py) and its command line, over a fake engine,
registry and systemd (tests/update_fakes.py) whose units recreate their containers from the
image the name points to, and a clock that moves only when the updater pauses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fakes import run_cli
from tests.schema_check import problems
from tests.update_fakes import IMAGE, NEW, NEWER, OLD, Host, cli_over, digest, spec, updater
from unitgen import schemas
from unitgen.errors import SystemdFailed


@pytest.fixture
def host() -> Host:
    """web (no health check) and db (one), both on OLD, the registry offering OLD."""
    fake = Host()
    fake.add(spec())
    fake.add(spec("db", unit="docker-db.service", health=True))
    fake.offer(IMAGE, OLD)
    return fake


def test_a_new_image_that_comes_up_is_updated(host: Host, tmp_path: Path) -> None:
    host.offer(IMAGE, NEW)
    (done,) = updater(host, tmp_path).run(["web"], dry_run=False)
    assert done.line == "web: updated (sha256:aaaaaaaaaaaa -> sha256:bbbbbbbbbbbb)"
    assert host.containers["web"].image_id == NEW
    assert host.calls == [f"pull {IMAGE}", "restart docker-web.service"]
    assert list(tmp_path.iterdir()) == []  # nothing rejected, nothing remembered
    assert host.now >= 5  # it had to keep running for STEADY_SECONDS


def test_the_same_image_is_unchanged_and_nothing_restarts(host: Host, tmp_path: Path) -> None:
    (done,) = updater(host, tmp_path).run(["web"], dry_run=False)
    assert (done.line, host.calls) == ("web: unchanged", [f"pull {IMAGE}"])


def test_a_new_image_that_exits_is_rolled_back_and_remembered(host: Host, tmp_path: Path) -> None:
    host.offer(IMAGE, NEW)
    host.bad.add(NEW)
    (done,) = updater(host, tmp_path).run(["web"], dry_run=False)
    assert done.line == (
        "web: rolled back (to sha256:aaaaaaaaaaaa: sha256:bbbbbbbbbbbb exited with code 1)"
    )
    assert host.calls == [
        f"pull {IMAGE}",
        "restart docker-web.service",
        f"tag {OLD[:13]} {IMAGE}",
        "restart docker-web.service",
    ]
    assert host.containers["web"].image_id == OLD
    assert host.images[IMAGE].id == OLD  # the name is back on what runs
    saved = json.loads((tmp_path / "web.json").read_text())
    assert (saved["rejected_ids"], saved["rejected_digests"]) == ([NEW], [digest(NEW)])


def test_the_next_run_leaves_a_rejected_image_alone_until_another_one_comes(
    host: Host, tmp_path: Path
) -> None:
    host.offer(IMAGE, NEW)
    host.bad.add(NEW)
    updater(host, tmp_path).run(["web"], dry_run=False)
    host.calls.clear()
    (again,) = updater(host, tmp_path).run(["web"], dry_run=False)
    assert again.line == "web: unchanged (sha256:bbbbbbbbbbbb rejected earlier)"
    # The pull moved the name to the rejected id: it is tagged back, so that the unit's next
    # start (a crash, a reboot) does not run it.
    assert host.calls == [f"pull {IMAGE}", f"tag {OLD[:13]} {IMAGE}"]
    assert host.images[IMAGE].id == OLD
    host.offer(IMAGE, NEWER)
    (newer,) = updater(host, tmp_path).run(["web"], dry_run=False)
    assert newer.line == "web: updated (sha256:aaaaaaaaaaaa -> sha256:cccccccccccc)"


def test_a_new_image_that_exits_a_second_after_it_is_up_is_rolled_back(
    host: Host, tmp_path: Path
) -> None:
    host.offer(IMAGE, NEW)
    host.flaky.add(NEW)
    (done,) = updater(host, tmp_path).run(["web"], dry_run=False)
    assert done.line == (
        "web: rolled back (to sha256:aaaaaaaaaaaa: sha256:bbbbbbbbbbbb exited with code 1)"
    )
    assert host.containers["web"].image_id == OLD


def test_an_unhealthy_new_image_is_rolled_back(host: Host, tmp_path: Path) -> None:
    host.offer(IMAGE, NEW)
    host.bad.add(NEW)
    (done,) = updater(host, tmp_path).run(["db"], dry_run=False)
    assert done.line == (
        "db: rolled back (to sha256:aaaaaaaaaaaa: sha256:bbbbbbbbbbbb is unhealthy)"
    )
    assert host.containers["db"].image_id == OLD


def test_a_new_image_never_up_is_rolled_back_after_the_timeout(host: Host, tmp_path: Path) -> None:
    host.offer(IMAGE, NEW)
    host.never.add(NEW)
    (done,) = updater(host, tmp_path, timeout=30).run(["web"], dry_run=False)
    assert done.result == "rolled-back"
    assert done.why.endswith("bbbbbbbbbbbb was not up within 30 s (there is no container yet)")
    assert 30 <= host.now < 30 + 1 + 5 + 1  # the timeout, then the rollback's steady 5 s


def test_a_rollback_that_does_not_come_back_fails(host: Host, tmp_path: Path) -> None:
    host.offer(IMAGE, NEW)
    host.bad.add(NEW)
    host.never.add(OLD)
    (done,) = updater(host, tmp_path, timeout=10).run(["web"], dry_run=False)
    assert done.result == "failed"
    assert done.why == (
        "sha256:bbbbbbbbbbbb exited with code 1; rolled back to sha256:aaaaaaaaaaaa, which did "
        "not come back either: was not up within 10 s (there is no container yet) "
        "(fix: systemctl status docker-web.service)"
    )
    assert json.loads((tmp_path / "web.json").read_text())["rejected_ids"] == [NEW]


def test_a_failed_pull_fails_that_container_only(host: Host, tmp_path: Path) -> None:
    host.offer(IMAGE, NEW)
    host.add(spec("api", unit="docker-api.service", image="127.0.0.1:5000/api:1"))
    host.offer("127.0.0.1:5000/api:1", NEW)
    host.pull_errors["127.0.0.1:5000/api:1"] = "manifest unknown"
    web, api = updater(host, tmp_path).run(["web", "api"], dry_run=False)
    assert api.line == "api: failed: pulling 127.0.0.1:5000/api:1: Docker said: manifest unknown"
    assert api.running_id == OLD
    assert web.result == "updated"
    assert "restart docker-api.service" not in host.calls


def test_a_corrupt_state_file_fails_its_container_and_says_how_to_fix_it(
    host: Host, tmp_path: Path
) -> None:
    (tmp_path / "web.json").write_text("{")
    (done,) = updater(host, tmp_path).run(["web"], dry_run=False)
    assert done.line.startswith(f"web: failed: cannot read {tmp_path}/web.json: ")
    assert done.line.endswith(
        "; remove it (the image ids rolled back from so far are then forgotten)"
    )
    assert host.calls == []


def test_without_a_running_systemd_only_a_dry_run_is_possible(host: Host, tmp_path: Path) -> None:
    host.online = False
    with pytest.raises(SystemdFailed, match="systemd is not running here"):
        updater(host, tmp_path).run(["web"], dry_run=False)
    (checked,) = updater(host, tmp_path).run(["web"], dry_run=True)
    assert checked.line == "web: unchanged"


def test_a_dry_run_asks_the_registry_and_touches_nothing(host: Host, tmp_path: Path) -> None:
    host.offer(IMAGE, NEW)
    host.unit_states["docker-web.service"] = "inactive"  # a dry run restarts nothing
    (checked,) = updater(host, tmp_path).run(["web"], dry_run=True)
    assert checked.line == "web: update available (sha256:aaaaaaaaaaaa -> sha256:bbbbbbbbbbbb)"
    assert host.calls == [] and host.images[IMAGE].id == OLD


def test_names_are_resolved_and_none_means_every_labelled_container(
    host: Host, tmp_path: Path
) -> None:
    host.add(spec("plain", policy=None, unit=None))
    host.add(spec("old-style", unit=None))
    run = updater(host, tmp_path)
    assert run.names([]) == ["db", "old-style", "web"]
    assert run.names(["/web"]) == ["web"]
    (skipped,) = run.run(["old-style"], dry_run=False)
    assert skipped.line == (
        "old-style: skipped: not in recreate mode (fix: unitgen install --recreate old-style)"
    )


# --- the command line -------------------------------------------------------------------------


@pytest.fixture
def cli(host: Host, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Host:
    cli_over(host, tmp_path, monkeypatch)
    return host


def test_update_all_prints_a_line_per_container_and_exits_22_after_a_rollback(
    cli: Host, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.offer(IMAGE, NEW)
    cli.bad.add(NEW)
    cli.containers["db"] = spec("db", unit="docker-db.service", health=True, image="db:2")
    cli.add(cli.containers["db"])
    cli.offer("db:2", OLD)
    code, out, err = run_cli(["-q", "update", "--all"], capsys)
    assert (code, err) == (22, "")
    assert out.splitlines() == [
        "db: unchanged",
        "web: rolled back (to sha256:aaaaaaaaaaaa: sha256:bbbbbbbbbbbb exited with code 1)",
    ]


def test_update_exits_23_when_a_container_failed_and_0_when_all_went_well(
    cli: Host, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.pull_errors[IMAGE] = "connection refused"
    assert run_cli(["-q", "update", "web"], capsys)[0] == 23
    del cli.pull_errors[IMAGE]
    cli.offer(IMAGE, NEW)
    code, out, _ = run_cli(["-q", "update", "web"], capsys)
    assert (code, out) == (0, "web: updated (sha256:aaaaaaaaaaaa -> sha256:bbbbbbbbbbbb)\n")


def test_update_json_is_the_documented_document(
    cli: Host, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.offer(IMAGE, NEW)
    code, out, _ = run_cli(["update", "--json", "--dry-run"], capsys)
    document = json.loads(out)
    assert code == 0
    assert problems(schemas.UPDATE, document) == []
    assert document["dry_run"] is True and document["exit_code"] == 0
    assert [c["result"] for c in document["containers"]] == ["update-available", "update-available"]


def test_update_refuses_names_and_all_together_and_an_unknown_container(
    cli: Host, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["update", "--all", "web"], capsys)
    assert (code, err) == (
        2,
        "unitgen: `unitgen update` takes container names or --all, not both\n",
    )
    code, _, err = run_cli(["update", "nope"], capsys)
    assert code == 4 and err.startswith("unitgen: no container named nope;")


def test_update_with_no_labelled_container_says_so_and_exits_0(
    cli: Host, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.containers.clear()
    assert run_cli(["update"], capsys) == (
        0,
        "",
        "unitgen: no container is labelled unitgen.auto-update\n",
    )


def test_update_refuses_a_malformed_name_before_asking_anything(
    cli: Host, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["update", "--", "we b"], capsys)
    assert (code, out) == (2, "")
    assert err.startswith("unitgen: 'we b' is not a container name or id;")
    assert cli.calls == []


def cut_off_while_trying(host: Host, tmp_path: Path, *, bad: bool) -> None:
    """A run that restarted web on NEW and was killed (a reboot, say) before it judged it:
    web runs NEW, the name points to NEW, and the state says what was under way."""
    host.add(spec(image_id=NEW))
    host.images[IMAGE] = host.images[NEW]
    host.offer(IMAGE, NEW)
    if bad:
        host.bad.add(NEW)
    trying = {"id": NEW, "previous_id": OLD}
    state = {"version": 1, "container": "web", "rejected_ids": [], "rejected_digests": []}
    (tmp_path / "web.json").write_text(json.dumps({**state, "trying": trying}))


def test_an_update_cut_off_before_it_was_judged_is_rolled_back_by_the_next_run(
    host: Host, tmp_path: Path
) -> None:
    cut_off_while_trying(host, tmp_path, bad=True)
    (done,) = updater(host, tmp_path).run(["web"], dry_run=False)
    assert done.result == "rolled-back"
    assert host.calls == [f"tag {OLD[:13]} {IMAGE}", "restart docker-web.service"]
    assert host.containers["web"].image_id == OLD
    saved = json.loads((tmp_path / "web.json").read_text())
    assert (saved["rejected_ids"], "trying" in saved) == ([NEW], False)


def test_an_update_cut_off_whose_image_is_good_is_kept_and_forgotten(
    host: Host, tmp_path: Path
) -> None:
    cut_off_while_trying(host, tmp_path, bad=False)
    (done,) = updater(host, tmp_path).run(["web"], dry_run=False)
    assert done.line == "web: updated (sha256:aaaaaaaaaaaa -> sha256:bbbbbbbbbbbb)"
    assert host.calls == []  # nothing pulled, nothing restarted: it only had to be judged
    assert not (tmp_path / "web.json").exists()


def test_while_an_update_is_tried_the_state_says_so(host: Host, tmp_path: Path) -> None:
    host.offer(IMAGE, NEW)
    seen: list[str] = []
    restart = host.restart_queued

    def peek(unit: str) -> None:
        seen.append((tmp_path / "web.json").read_text())
        restart(unit)

    host.restart_queued = peek  # type: ignore[method-assign]
    updater(host, tmp_path).run(["web"], dry_run=False)
    assert json.loads(seen[0])["trying"] == {"id": NEW, "previous_id": OLD}
