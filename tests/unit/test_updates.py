"""`unitgen update`'s decisions (unitgen/update/decide.py), from facts alone: which containers take
part, what a pull means, when a container counts as up, what --dry-run says, the exit code,
the state file."""

from __future__ import annotations

import json

import pytest

from tests.update_fakes import IMAGE, NEW, NEWER, OLD, digest, spec
from unitgen.errors import UPDATE_FAILED, UPDATE_ROLLED_BACK
from unitgen.model import ContainerState, Image, ImageName, familiar
from unitgen.update.decide import (
    REJECTED_KEPT,
    Outcome,
    Rejected,
    Result,
    Seen,
    Target,
    after_pull,
    checked,
    exit_code,
    image_name,
    judge,
    parse_state,
    rolled_back,
    select,
    state_text,
    updated,
)

TARGET = Target("web", "docker-web.service", ImageName("127.0.0.1:5000/app", "1"), OLD, False)


def pulled(image_id: str) -> Image:
    return Image(image_id, (f"127.0.0.1:5000/app@{digest(image_id)}",))


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("nginx", ImageName("nginx", "latest")),
        ("nginx:1.25", ImageName("nginx", "1.25")),
        ("127.0.0.1:5000/app", ImageName("127.0.0.1:5000/app", "latest")),
        ("127.0.0.1:5000/app:1", ImageName("127.0.0.1:5000/app", "1")),
        ("docker.io/library/nginx:1", ImageName("docker.io/library/nginx", "1")),
        ("nginx@sha256:" + "f" * 64, None),
        ("nginx:1@sha256:" + "f" * 64, None),
        ("sha256:" + "a" * 64, None),
        ("aaaaaaaaaaaa", None),  # the container was made from its image's short id
        ("", None),
    ],
)
def test_the_name_pulled_is_the_containers_image_by_name_and_none_when_pinned(
    ref: str, name: ImageName | None
) -> None:
    assert image_name(ref, OLD) == name


def test_a_hex_name_that_is_not_the_images_id_is_a_name() -> None:
    assert image_name("cafe", OLD) == ImageName("cafe", "latest")


def test_docker_hubs_long_names_match_the_short_ones_the_engine_lists() -> None:
    assert familiar("docker.io/library/nginx") == "nginx"
    assert familiar("docker.io/grafana/grafana") == "grafana/grafana"
    assert familiar("127.0.0.1:5000/app") == "127.0.0.1:5000/app"
    image = Image(OLD, ("nginx@sha256:1", "127.0.0.1:5000/app@sha256:2"))
    assert image.digest_for("docker.io/library/nginx") == "sha256:1"
    assert image.digest_for("127.0.0.1:5000/app") == "sha256:2"
    assert image.digest_for("127.0.0.1:5001/app") is None


def test_a_labelled_container_whose_unit_owns_it_is_a_target() -> None:
    assert select(spec(), "active") == TARGET
    assert select(spec(health=True), "active") == Target(
        "web", "docker-web.service", ImageName("127.0.0.1:5000/app", "1"), OLD, True
    )
    assert select(spec(), None) == TARGET  # a dry run does not ask systemd


@pytest.mark.parametrize(
    ("container", "unit_state", "line"),
    [
        (spec(policy=None), "active", "web: skipped: not labelled unitgen.auto-update=registry"),
        (
            spec(policy="yes"),
            "active",
            "web: skipped: unitgen.auto-update=yes is not a policy unitgen knows "
            "(fix: label it unitgen.auto-update=registry)",
        ),
        (
            spec(unit=None),
            None,
            "web: skipped: not in recreate mode (fix: unitgen install --recreate web)",
        ),
        (
            spec(image="127.0.0.1:5000/app@sha256:" + "f" * 64),
            "active",
            f"web: skipped: its image 127.0.0.1:5000/app@sha256:{'f' * 64} is pinned by digest "
            "or id: no name to pull",
        ),
        (
            spec(),
            "inactive",
            "web: skipped: docker-web.service is inactive: an update is checked on a running "
            "service (fix: systemctl start docker-web.service)",
        ),
    ],
)
def test_a_container_that_cannot_take_part_is_skipped_with_the_fix(
    container: object, unit_state: str | None, line: str
) -> None:
    outcome = select(container, unit_state)  # type: ignore[arg-type]
    assert isinstance(outcome, Outcome)
    assert (outcome.result, outcome.line) == ("skipped", line)
    assert outcome.running_id == OLD


def test_the_same_id_after_the_pull_is_unchanged() -> None:
    outcome = after_pull(TARGET, pulled(OLD), Rejected())
    assert outcome is not None
    assert (outcome.line, outcome.running_id, outcome.offered_id) == ("web: unchanged", OLD, OLD)


def test_a_new_id_restarts_the_unit() -> None:
    assert after_pull(TARGET, pulled(NEW), Rejected()) is None


def test_an_id_rolled_back_from_earlier_is_unchanged_not_tried_again() -> None:
    outcome = after_pull(TARGET, pulled(NEW), Rejected((NEW,), (digest(NEW),)))
    assert outcome is not None
    assert outcome.line == "web: unchanged (sha256:bbbbbbbbbbbb rejected earlier)"
    assert (outcome.running_id, outcome.offered_id) == (OLD, NEW)


def test_yet_another_id_is_tried_even_after_a_rejection() -> None:
    assert after_pull(TARGET, pulled(NEWER), Rejected((NEW,), (digest(NEW),))) is None


def test_the_lines_of_an_update_a_rollback_and_a_rollback_that_did_not_come_back() -> None:
    done = updated(TARGET, pulled(NEW))
    assert done.line == "web: updated (sha256:aaaaaaaaaaaa -> sha256:bbbbbbbbbbbb)"
    assert (done.previous_id, done.running_id, done.offered_digest) == (OLD, NEW, digest(NEW))
    back = rolled_back(TARGET, pulled(NEW), "exited with code 1", None)
    assert back.line == (
        "web: rolled back (to sha256:aaaaaaaaaaaa: sha256:bbbbbbbbbbbb exited with code 1)"
    )
    assert back.running_id == OLD
    lost = rolled_back(TARGET, pulled(NEW), "is unhealthy", "was not up within 120 s (x)")
    assert lost.result == "failed"
    assert lost.line == (
        "web: failed: sha256:bbbbbbbbbbbb is unhealthy; rolled back to sha256:aaaaaaaaaaaa, "
        "which did not come back either: was not up within 120 s (x) "
        "(fix: systemctl status docker-web.service)"
    )
    assert lost.running_id is None


def state(status: str = "running", health: str | None = None, code: int = 0) -> ContainerState:
    return ContainerState(status, health, 0, code, False, "t0", "")


@pytest.mark.parametrize(
    ("seen", "health_check", "verdict"),
    [
        (Seen(None, None, "activating"), False, ("waiting", "there is no container yet")),
        (
            Seen(OLD, state(), "active"),
            False,
            ("waiting", "the container still runs sha256:aaaaaaaaaaaa"),
        ),
        (Seen(NEW, state("created"), "activating"), False, ("waiting", "the container is created")),
        (Seen(NEW, state("exited", code=3), "failed"), False, ("down", "exited with code 3")),
        (Seen(NEW, state("dead"), "failed"), False, ("down", "exited with code 0")),
        (Seen(NEW, state(), "activating"), False, ("waiting", "the unit is activating")),
        (Seen(NEW, state(), "active"), False, ("up", "")),
        (
            Seen(NEW, state(health="starting"), "activating"),
            True,
            ("waiting", "its health is starting"),
        ),
        (Seen(NEW, state(health="unhealthy"), "activating"), True, ("down", "is unhealthy")),
        (Seen(NEW, state(health="healthy"), "active"), True, ("up", "")),
        (Seen(NEW, state(health="healthy"), "active"), False, ("up", "")),
    ],
)
def test_up_means_running_on_the_new_image_healthy_with_a_check_and_the_unit_active(
    seen: Seen, health_check: bool, verdict: tuple[str, str]
) -> None:
    found = judge(seen, NEW, health_check)
    assert (found.kind, found.why) == verdict


def test_dry_run_compares_the_registrys_digest_with_the_one_the_container_runs() -> None:
    running = pulled(OLD)
    same = checked(TARGET, running, digest(OLD), None, Rejected())
    assert (same.line, same.running_digest, same.offered_digest) == (
        "web: unchanged",
        digest(OLD),
        digest(OLD),
    )
    newer = checked(TARGET, running, digest(NEW), None, Rejected())
    assert newer.result == "update-available"
    assert newer.line == "web: update available (sha256:aaaaaaaaaaaa -> sha256:bbbbbbbbbbbb)"
    known = checked(TARGET, running, digest(NEW), None, Rejected((NEW,), (digest(NEW),)))
    assert known.line == "web: unchanged (sha256:bbbbbbbbbbbb rejected earlier)"


def test_dry_run_cannot_check_without_the_registry_or_a_digest_of_its_own() -> None:
    down = checked(TARGET, pulled(OLD), None, "asking the registry: connection refused", Rejected())
    assert down.line == "web: cannot check: asking the registry: connection refused"
    local = checked(TARGET, Image(OLD, ()), digest(NEW), None, Rejected())
    assert local.line == (
        "web: cannot check: sha256:aaaaaaaaaaaa has no digest from 127.0.0.1:5000/app: it was "
        "not pulled from there (fix: unitgen update, which pulls it)"
    )


def outcome(result: Result) -> Outcome:
    return Outcome("web", result)


def test_the_exit_code_is_0_unless_one_was_rolled_back_22_or_failed_23() -> None:
    assert exit_code([]) == 0
    assert exit_code([outcome(r) for r in ("updated", "unchanged", "skipped")]) == 0
    assert exit_code([outcome("update-available")]) == 0
    assert exit_code([outcome("updated"), outcome("rolled-back")]) == UPDATE_ROLLED_BACK == 22
    assert exit_code([outcome("rolled-back"), outcome("failed")]) == UPDATE_FAILED == 23
    assert exit_code([outcome("cannot-check")]) == UPDATE_FAILED


def test_the_state_file_reads_back_what_was_written_and_keeps_the_latest_rejections() -> None:
    rejected = Rejected().adding(NEW, digest(NEW)).adding(NEWER, None)
    assert (
        parse_state(state_text("web", rejected))
        == rejected
        == Rejected((NEW, NEWER), (digest(NEW),))
    )
    assert json.loads(state_text("web", rejected))["container"] == "web"
    many = Rejected()
    for n in range(REJECTED_KEPT + 5):
        many = many.adding(f"sha256:{n}", f"sha256:d{n}")
    assert len(many.ids) == REJECTED_KEPT and many.ids[-1] == f"sha256:{REJECTED_KEPT + 4}"
    assert many.adding("sha256:0", None).ids[-1] == "sha256:0"


@pytest.mark.parametrize(
    "text", ["", "[]", '{"version": 2}', '{"version": 1, "rejected_ids": "x"}', "{\n"]
)
def test_a_state_file_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_state(text)


def test_the_image_is_named_in_outcomes_as_the_container_runs_it() -> None:
    assert updated(TARGET, pulled(NEW)).image == IMAGE


def test_the_update_under_way_is_kept_in_the_state_file_and_read_back() -> None:
    under_way = Rejected((NEWER,), (digest(NEWER),)).under_way(NEW, OLD)
    assert parse_state(state_text("web", under_way)) == under_way
    assert parse_state(state_text("web", under_way.settled())).trying is None


@pytest.mark.parametrize("trying", [{"id": NEW}, {"id": "", "previous_id": OLD}, [NEW, OLD]])
def test_a_state_file_with_a_malformed_update_under_way_is_refused(trying: object) -> None:
    state = {"version": 1, "rejected_ids": [], "rejected_digests": [], "trying": trying}
    with pytest.raises(ValueError, match="trying must hold the strings id and previous_id"):
        parse_state(json.dumps(state))
