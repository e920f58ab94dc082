"""Rendering: restart mapping, timeouts, dependencies, and that no value adds a directive."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from pathlib import Path

import pytest

from tests.conftest import seed_graph
from tests.unit.test_graph import spec
from unitgen.errors import TemplateError, UnsafeValue, UsageError
from unitgen.graph import Graph
from unitgen.model import RestartPolicy
from unitgen.units import render as render_module
from unitgen.units.hardening import HARDENING
from unitgen.units.names import HASH_KEY, X_SECTION, container_unit_name, network_unit_name
from unitgen.units.render import Renderer, RenderOptions, builtin_template_dir
from unitgen.units.restart import restart_settings
from unitgen.units.template_context import NetworkContext, directive_count
from unitgen.units.unitfile import UnitFile


def render(name: str, policy: RestartPolicy | None = None) -> UnitFile:
    graph = seed_graph()
    container = graph.containers[name]
    text = Renderer().container(container, graph, policy or container.restart_policy).text
    return UnitFile.parse(text)


@pytest.mark.parametrize(
    ("docker", "unit", "service"),
    [
        ("no", [], [("Restart", "no")]),
        (
            "always",
            [("StartLimitIntervalSec", "0")],
            [("Restart", "always"), ("RestartSec", "100ms")],
        ),
        (
            "unless-stopped",
            [("StartLimitIntervalSec", "0")],
            [("Restart", "always"), ("RestartSec", "100ms")],
        ),
        (
            "on-failure",
            [("StartLimitIntervalSec", "0")],
            [("Restart", "on-failure"), ("RestartSec", "100ms")],
        ),
        (
            "on-failure:3",
            [("StartLimitIntervalSec", "infinity"), ("StartLimitBurst", "4")],
            [("Restart", "on-failure"), ("RestartSec", "100ms")],
        ),
    ],
)
def test_docker_restart_policies_map_to_restart_and_start_limits(
    docker: str, unit: list[tuple[str, str]], service: list[tuple[str, str]]
) -> None:
    assert restart_settings(RestartPolicy.parse(docker), helper_backoff=True) == (unit, service)


@pytest.mark.parametrize("text", ["sometimes", "always:3", "on-failure:x", "No"])
def test_a_restart_policy_docker_does_not_have_is_refused(text: str) -> None:
    with pytest.raises(UsageError, match="restart policy"):
        RestartPolicy.parse(text)


def test_unless_stopped_maps_to_restart_always() -> None:
    assert render("seed-unless").get("Service", "Restart") == "always"


def test_the_unit_records_the_policy_it_translated() -> None:
    unit = render("seed-always", RestartPolicy("always"))
    assert unit.get("X-Unitgen", "DockerRestartPolicy") == "always"


def test_only_a_shared_network_namespace_binds_a_container_to_its_dependency() -> None:
    unit = render("seed-sidecar")
    assert unit.get_all("Unit", "BindsTo") == ["docker-seed-proxy.service"]
    assert "docker-seed-proxy.service" in unit.get_all("Unit", "After")
    linked = render("seed-container1")  # --link: wanted and ordered, never stopped with it
    assert "docker-seed-container2.service" not in linked.get_all("Unit", "Requires")
    proxy = render("seed-proxy")
    assert proxy.get_all("Unit", "Requires") == [
        "docker.service",
        "unitgen-network-seed-net.service",
    ]
    assert proxy.get_all("Unit", "Wants") == [
        "docker-seed-backend1.service",
        "docker-seed-backend2.service",
    ]
    assert render("seed-reader").get_all("Unit", "Wants") == ["docker-seed-data.service"]


def test_bind_mount_sources_are_required_mounts_escaped() -> None:
    assert render("seed-container1").get_all("Unit", "RequiresMountsFor") == [
        "/tmp/unitgen-seed/data"
    ]
    assert render("seed-always").get_all("Unit", "RequiresMountsFor") == [
        '"/tmp/unitgen-seed/dir with space%%b"'
    ]


def test_stop_timeout_is_the_containers_own_plus_a_margin() -> None:
    unit = render("seed-proxy")
    assert unit.get("Service", "TimeoutStopSec") == "45s"
    assert unit.get("Service", "ExecStop") == (
        "/var/lib/unitgen/helper/container-v1 stop seed-proxy 30"
    )


def test_a_health_check_extends_the_start_timeout_to_its_worst_case() -> None:
    assert (
        render("seed-healthy").get("Service", "TimeoutStartSec") == "189s"
    )  # 120 + 5 + 2 * (2 + 30)
    assert render("seed-vpn").get("Service", "TimeoutStartSec") == "120s"


def test_network_and_container_units_cannot_collide() -> None:
    assert container_unit_name("network-x") == "docker-network-x.service"
    assert network_unit_name("x") == "unitgen-network-x.service"
    assert network_unit_name("a b/c") == "unitgen-network-a\\x20b\\x2fc.service"


def test_a_hostile_image_name_cannot_add_a_line() -> None:
    hostile = spec("web", image="img\nExecStartPre=/bin/rm -rf /")
    graph = Graph.build([hostile], [])
    with pytest.raises(UnsafeValue, match="container web: image"):
        Renderer().container(hostile, graph, RestartPolicy())


def test_the_templates_of_the_checkout_the_code_is_loaded_from_are_the_builtins() -> None:
    # An editable install maps `unitgen.templates` to the checkout it was made from; a second
    # checkout (a worktree) must still render with its own templates.
    checkout = Path(render_module.__file__).resolve().parents[2]
    assert builtin_template_dir() == checkout / "templates"


def test_an_image_name_ending_in_a_backslash_cannot_swallow_the_next_line() -> None:
    # Image= ends its line in [X-Unitgen]; systemd would join ImageId= onto it.
    hostile = spec("web", image="img\\")
    graph = Graph.build([hostile], [])
    with pytest.raises(UnsafeValue, match="container web: image ends in a backslash"):
        Renderer().container(hostile, graph, RestartPolicy())


def test_an_override_template_that_continues_a_line_is_refused(tmp_path: Path) -> None:
    builtin = Path(__file__).resolve().parents[2] / "templates/container.service.j2"
    (tmp_path / "container.service.j2").write_text(
        builtin.read_text().replace("Type={{ u.service_type }}\n", "Type={{ u.service_type }} \\\n")
    )
    graph = seed_graph()
    renderer = Renderer(RenderOptions(templates=(tmp_path,)))
    with pytest.raises(TemplateError, match=re.escape("[Service] Type= ends in a backslash")):
        renderer.container(graph.containers["seed-vpn"], graph, RestartPolicy())


def test_an_override_template_that_adds_a_directive_is_refused(tmp_path: Path) -> None:
    builtin = Path(__file__).resolve().parents[2] / "templates/container.service.j2"
    (tmp_path / "container.service.j2").write_text(
        builtin.read_text().replace("[Service]\n", "[Service]\nUser=nobody\n")
    )
    graph = seed_graph()
    renderer = Renderer(RenderOptions(templates=(tmp_path,)))
    with pytest.raises(TemplateError, match="template produced 42 directives where 41"):
        renderer.container(graph.containers["seed-vpn"], graph, RestartPolicy())


def test_an_override_template_may_change_comments(tmp_path: Path) -> None:
    builtin = Path(__file__).resolve().parents[2] / "templates/container.service.j2"
    (tmp_path / "container.service.j2").write_text(
        builtin.read_text().replace("# Customise with", "# Site policy: customise with")
    )
    graph = seed_graph()
    text = (
        Renderer(RenderOptions(templates=(tmp_path,)))
        .container(graph.containers["seed-vpn"], graph, RestartPolicy())
        .text
    )
    assert "# Site policy: customise with" in text


def test_rendering_is_deterministic() -> None:
    graph = seed_graph()
    one = Renderer().container(graph.containers["seed-proxy"], graph, RestartPolicy()).text
    two = Renderer().container(graph.containers["seed-proxy"], graph, RestartPolicy()).text
    assert one == two


def test_spec_changes_change_the_spec_hash_not_the_container_id() -> None:
    graph = seed_graph()
    a = graph.containers["seed-vpn"]
    b = replace(a, spec_hash="sha256:other")
    ra = UnitFile.parse(Renderer().container(a, graph, RestartPolicy()).text)
    rb = UnitFile.parse(Renderer().container(b, graph, RestartPolicy()).text)
    assert ra.get(X_SECTION, "SpecHash") == a.spec_hash
    assert rb.get(X_SECTION, "SpecHash") == "sha256:other"
    assert ra.get(X_SECTION, "ContainerId") == rb.get(X_SECTION, "ContainerId") == a.id
    changed = {
        (section, key)
        for section, key, _ in set(ra.directives()) ^ set(rb.directives())
        if key != HASH_KEY  # the stamp over the whole text
    }
    assert changed == {(X_SECTION, "SpecHash")}


def test_systemd_254_restarts_directly_with_the_helpers_back_off_except_a_netns_owner() -> None:
    graph = seed_graph()
    modern = Renderer(RenderOptions(systemd_version=257))
    for name, direct in (("seed-unless", True), ("seed-proxy", False)):  # sidecar joins proxy
        unit = UnitFile.parse(
            modern.container(graph.containers[name], graph, RestartPolicy("always")).text
        )
        assert unit.get("Service", "RestartSec") == "100ms"
        # Not systemd's RestartSteps=: it never resets after a run that lasted (restart.py).
        assert unit.get("Service", "RestartMaxDelaySec") is None
        assert "UNITGEN_BACKOFF=1" in unit.get_all("Service", "Environment")
        assert (unit.get("Service", "RestartMode") == "direct") is direct, name
    assert render("seed-unless", RestartPolicy("always")).get("Service", "RestartMode") is None


RELEASE_DIFFERENCE = {  # README, "Restart policies": the back-off is the helper's on both
    ("Service", "RestartMode", "direct"),
    ("Unit", "JobRunningTimeoutSec", "120s"),  # so that a failing start cannot hold the boot
}


@pytest.mark.parametrize("policy", ["always", "unless-stopped", "on-failure", "on-failure:3", "no"])
def test_units_for_debian_12s_systemd_252_and_debian_13s_257_differ_as_documented(
    policy: str,
) -> None:
    graph = seed_graph()
    container = graph.containers["seed-unless"]

    def directives(version: int | None) -> set[tuple[str, str, str]]:
        renderer = Renderer(RenderOptions(systemd_version=version))
        text = renderer.container(container, graph, RestartPolicy.parse(policy)).text
        return {d for d in UnitFile.parse(text).directives() if d[1] != HASH_KEY}

    bookworm, trixie = directives(252), directives(257)
    # Unknown (no systemd found under the root) is taken for the oldest supported, 252; 253
    # still lacks RestartSteps=, 254 has it.
    assert directives(None) == directives(253) == bookworm
    assert directives(254) == trixie
    assert bookworm ^ trixie == (set() if policy == "no" else RELEASE_DIFFERENCE)


def network_context(**changes: object) -> NetworkContext:
    context = NetworkContext(
        version="0",
        network="net",
        unit_name="unitgen-network-net.service",
        description="Docker network net",
        engine=(("Requires", "docker.service"), ("After", "docker.service")),
        environment="DOCKER_HOST=unix:///run/docker.sock",
        syslog_identifier="unitgen-network-net",
        exec_start="/bin/true",
        x_unitgen=(("Generator", "unitgen 0"),),
    )
    return replace(context, **changes)  # type: ignore[arg-type]


def test_the_expected_directive_count_is_each_single_field_plus_each_list_item() -> None:
    # Description, Documentation, Type, RemainAfterExit, Environment, SyslogIdentifier, ExecStart
    assert directive_count(network_context()) == 7 + 2 + len(HARDENING) + 1
    more = network_context(x_unitgen=(("Generator", "unitgen 0"), ("NetworkId", "1")))
    assert directive_count(more) == directive_count(network_context()) + 1
    assert directive_count(network_context(network="only in a comment")) == directive_count(
        network_context()
    )


def test_a_context_field_that_does_not_say_how_it_is_placed_is_refused() -> None:
    @dataclass(frozen=True, kw_only=True)
    class Extended(NetworkContext):
        user: str = "nobody"

    base = network_context()
    extended = Extended(**{f.name: getattr(base, f.name) for f in fields(base)})
    with pytest.raises(TypeError, match=r"Extended\.user does not say how it is placed"):
        directive_count(extended)


def test_tests_never_read_this_machines_template_overrides() -> None:
    assert RenderOptions().system_templates is None


def test_the_system_override_directory_is_searched_after_templates_and_before_built_ins(
    tmp_path: Path,
) -> None:
    builtin = Path(__file__).resolve().parents[2] / "templates/container.service.j2"
    system, given = tmp_path / "etc", tmp_path / "given"
    for where, mark in ((system, "# Site"), (given, "# Given")):
        where.mkdir()
        (where / "container.service.j2").write_text(
            builtin.read_text().replace("# Customise with", f"{mark}: customise with")
        )
    graph = seed_graph()

    def text(options: RenderOptions) -> str:
        return (
            Renderer(options).container(graph.containers["seed-vpn"], graph, RestartPolicy()).text
        )

    assert "# Site: customise" in text(RenderOptions(system_templates=system))
    assert "# Given: customise" in text(RenderOptions(templates=(given,), system_templates=system))


def test_a_template_override_is_rendered_not_a_cached_builtin(tmp_path: Path) -> None:
    """The template cache is keyed by each template's source: an override made after a run
    that cached the built-in is what the next run renders."""
    graph = seed_graph()
    spec = graph.containers["seed-always"]
    Renderer(RenderOptions()).container(spec, graph, spec.restart_policy)
    override = tmp_path / "container.service.j2"
    builtin = (builtin_template_dir() / "container.service.j2").read_text()
    override.write_text(builtin.replace("[Unit]\n", "[Unit]\n# site override\n", 1))
    unit = Renderer(RenderOptions(templates=(tmp_path,))).container(
        spec, graph, spec.restart_policy
    )
    assert "# site override\n" in unit.text


def test_without_a_writable_cache_directory_rendering_still_works(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("UNITGEN_CACHE_DIR", "/proc/unitgen-cannot-be-here")
    graph = seed_graph()
    spec = graph.containers["seed-always"]
    unit = Renderer(RenderOptions()).container(spec, graph, spec.restart_policy)
    assert unit.name == f"docker-{spec.name}.service"
