"""A container left with Docker's restart policy must never need one a unit runs: at boot the
engine starts its policies' containers at once, before any unit, and a start whose link target
or network namespace is not running fails ("Cannot link to a non running container"), where
Docker alone would have started both. So install takes such dependants along, and uninstall
hands back what a container going back to Docker needs (the real engine and systemd:
tests/fullhost/test_handover.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.fakes import FakeSource, host, install_into
from unitgen.commands import findings, manage
from unitgen.commands.view import gather
from unitgen.errors import UsageError
from unitgen.model import RestartPolicy
from unitgen.options import UnitOptions
from unitgen.plan import decide as planning
from unitgen.plan.actions import Plan
from unitgen.plan.state import HostState

ALWAYS = RestartPolicy("always")


def written(todo: Plan) -> list[str]:
    return sorted(f.path.name for f in todo.files if f.verb == "write" and f.is_unit)


def removed(todo: Plan) -> list[str]:
    return sorted(f.path.name for f in todo.files if f.verb == "remove" and f.is_unit)


def with_policy(source: FakeSource, name: str, policy: RestartPolicy = ALWAYS) -> None:
    source.containers[name] = replace(source.containers[name], restart_policy=policy)


def test_install_takes_along_a_docker_policy_container_that_links_to_what_it_installs(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    with_policy(source, "seed-container1")  # links to seed-container2, 3 and 4
    todo = manage.plan_install(host(tmp_path), source, ["seed-container2"])
    assert "docker-seed-container1.service" in written(todo)
    assert {"docker-seed-container3.service", "docker-seed-container4.service"} <= set(
        written(todo)
    )
    assert any(n.startswith("seed-container1 is installed too: it links to") for n in todo.notes)


def test_install_takes_along_one_that_shares_the_network_namespace_of_what_it_installs(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    with_policy(source, "seed-sidecar")  # --network container:seed-proxy
    todo = manage.plan_install(host(tmp_path), source, ["seed-proxy"])
    assert "docker-seed-sidecar.service" in written(todo)
    assert any("shares the network namespace of seed-proxy" in n for n in todo.notes)


def test_a_dependant_without_a_restart_policy_stays_as_it_is(tmp_path: Path) -> None:
    todo = manage.plan_install(host(tmp_path), FakeSource(), ["seed-container2"])
    assert written(todo) == ["docker-seed-container2.service"]
    assert not any("installed too" in n for n in todo.notes)


def test_generator_flags_apply_to_the_named_containers_not_to_those_taken_along(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    with_policy(source, "seed-container1")
    flags = UnitOptions(wanted_by="graphical.target")
    todo = manage.plan_install(host(tmp_path), source, ["seed-container2"], options=flags)
    texts = {f.path.name: f.text for f in todo.files if f.verb == "write" and f.is_unit}
    assert "WantedBy=graphical.target" in str(texts["docker-seed-container2.service"])
    assert "WantedBy=multi-user.target" in str(texts["docker-seed-container1.service"])


def installed_view(tmp_path: Path, source: FakeSource, *names: str) -> HostState:
    """NAMES installed into the image root TMP_PATH; the view's state as if the engine's
    containers were the running system's (an image root's are not, so none is gathered)."""
    manage.apply(
        host(tmp_path), source, manage.plan_install(host(tmp_path), source, list(names)), print
    )
    view = gather(host(tmp_path), source, whole=True, render=False)
    return replace(view.state, live=dict(source.containers))


def test_uninstall_hands_back_what_a_container_going_back_to_docker_links_to(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    with_policy(source, "seed-container1")
    state = installed_view(tmp_path, source, "seed-container1")
    todo = planning.uninstall(["seed-container1"], state, force=False, keep_running=False)
    assert removed(todo) == [f"docker-seed-container{i}.service" for i in (1, 2, 3, 4)]
    assert any(n.startswith("seed-container2 is handed back to Docker too") for n in todo.notes)


def test_uninstall_refuses_to_strand_a_container_when_another_unit_still_needs_its_link(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    with_policy(source, "seed-container1")
    other = replace(
        source.containers["seed-container1"],
        name="seed-other",
        id="f" * 64,
        links=("seed-container2",),
        restart_policy=RestartPolicy("no"),
    )
    source.containers["seed-other"] = other
    state = installed_view(tmp_path, source, "seed-container1", "seed-other")
    with pytest.raises(UsageError, match=r"still needed by docker-seed-other\.service") as caught:
        planning.uninstall(["seed-container1"], state, force=False, keep_running=False)
    assert "uninstall seed-container1 seed-container2 seed-other together" in str(caught.value.hint)
    forced = planning.uninstall(["seed-container1"], state, force=True, keep_running=False)
    assert "docker-seed-container2.service" not in removed(forced)


def test_uninstall_of_a_container_with_no_policy_to_go_back_to_hands_back_nothing_more(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    state = installed_view(tmp_path, source, "seed-container1")  # its recorded policy: no
    todo = planning.uninstall(["seed-container1"], state, force=False, keep_running=False)
    assert removed(todo) == ["docker-seed-container1.service"]


def test_a_docker_policy_given_later_is_drift_and_sync_installs_the_container(
    tmp_path: Path,
) -> None:
    source = FakeSource()
    install_into(tmp_path, source, "seed-container2")
    with_policy(source, "seed-container1")  # docker update --restart always, by hand
    found = findings.drift(gather(host(tmp_path), source, whole=True, records=True))
    assert [(f.kind, f.container) for f in found if f.kind == "needs-a-unit"] == [
        ("needs-a-unit", "seed-container1")
    ]
    todo = manage.plan_sync(host(tmp_path), source)
    assert "docker-seed-container1.service" in written(todo)
