"""Specs + graph -> unit files (pure but for reading templates).

Every decision is made here, on typed data: names, dependencies, restart mapping, timeouts,
escaping. The Jinja2 templates only place the resulting strings, so an admin's override
template cannot get escaping wrong by accident, and `_check_rendered` makes sure no value
added a line or a directive.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from unitgen import __version__
from unitgen.errors import TemplateError, UnsafeValue
from unitgen.graph import Graph
from unitgen.model import ContainerSpec, Dependency, Edge, EngineFacts, NetworkSpec
from unitgen.model import RestartPolicy as Policy
from unitgen.options import UnitOptions
from unitgen.units import helper
from unitgen.units.names import (
    CONTAINER_KEY,
    HASH_KEY,
    POLICY_KEY,
    X_SECTION,
    container_unit_name,
    network_unit_name,
    record_path,
    template_cache_dir,
)
from unitgen.units.network_body import network_create_members
from unitgen.units.restart import (
    HELPER_BACKOFF,
    PULL_SECONDS,
    STOP_MARGIN,
    helper_backs_off,
    restart_settings,
    start_timeout,
    stop_timeout,
    unhealthy_settings,
)
from unitgen.units.scope import SYSTEM, Scope
from unitgen.units.template_context import ContainerContext, NetworkContext, directive_count
from unitgen.units.unitfile import (
    UnitFile,
    content_hash,
    escape_specifiers,
    exec_line,
    exec_line_continued,
    quote_path_list_item,
)

if TYPE_CHECKING:
    import jinja2

SYSTEM_TEMPLATES = Path("/etc/unitgen/templates")

# Edge kind -> the unit dependency it becomes (always with After=). The strength is what
# really breaks when the other side restarts (README, "Dependencies"): only a shared network
# namespace dies with its owner; Docker rewrites a linking container's /etc/hosts when the
# target comes back, and networks and volumes outlive the container. A Requires= would make
# systemd stop the dependants whenever a dependency crashes and restarts.
REQUIREMENT = {
    Edge.LINK: "Wants",
    Edge.NETNS: "BindsTo",
    Edge.VOLUMES_FROM: "Wants",
    Edge.NETWORK: "Requires",
    Edge.COMPOSE: "Wants",
    Edge.LABEL_REQUIRES: "Requires",
    Edge.LABEL_AFTER: "Wants",
}


def dependency_unit(dep: Dependency) -> str:
    if dep.kind is Edge.NETWORK:
        return network_unit_name(dep.target)
    return container_unit_name(dep.target)


@dataclass(frozen=True)
class RenderOptions:
    docker_socket: str = "/run/docker.sock"
    systemd_version: int | None = None  # of the target system; None: assume Debian 12's 252
    engine: EngineFacts = field(default_factory=EngineFacts)
    templates: Sequence[Path] = ()  # searched before system_templates and the built-ins
    # The admins' overrides (None: built-ins only). Read from the module when an instance is
    # made, so that tests can keep this machine's /etc out of every renderer (tests/conftest.py).
    system_templates: Path | None = field(default_factory=lambda: SYSTEM_TEMPLATES)
    # Which manager the units are for: where the helper and records are, the default target,
    # the sandbox it can apply (units/scope.py).
    scope: Scope = SYSTEM


@dataclass(frozen=True)
class RenderedUnit:
    name: str
    text: str
    container: str | None = None  # None for a network unit
    wanted_by: tuple[str, ...] = ()  # [Install] WantedBy=; empty for a network unit (pulled in)
    record: str | None = None  # recreate mode: the record's text (unitgen/recreate/record.py)

    @property
    def target(self) -> str | None:
        """The install target: the first WantedBy= word, the one unitgen reads back."""
        return self.wanted_by[0] if self.wanted_by else None


@dataclass
class _Deps:
    pairs: list[tuple[str, str]] = field(default_factory=list)

    def add(self, key: str, unit: str) -> None:
        for pair in self.pairs_of(key, unit):
            if pair not in self.pairs:
                self.pairs.append(pair)

    @staticmethod
    def pairs_of(key: str, unit: str) -> tuple[tuple[str, str], ...]:
        return ((key, unit),) if key == "After" else ((key, unit), ("After", unit))


def _container_context(
    spec: ContainerSpec,
    graph: Graph,
    policy: Policy,
    options: RenderOptions,
    unit_options: UnitOptions,
    recorded: str,
) -> ContainerContext:
    what = f"container {spec.name}"
    deps = _Deps()
    if options.engine.unit:  # a user's units for an engine their manager cannot see: none
        deps.add(*engine_dependency(options.engine))
    for dep in graph.edges[spec.name]:
        deps.add(REQUIREMENT[dep.kind], dependency_unit(dep))
    for unit in unit_options.requires:
        deps.add("Requires", unit)
    for unit in unit_options.wants:
        deps.add("Wants", unit)
    for unit in unit_options.after:
        deps.add("After", unit)
    recreate = unit_options.recreate
    start_seconds = start_timeout(spec) + (PULL_SECONDS if recreate else 0)
    unit_limits, service_restart = restart_settings(
        policy,
        unit_options.restart_sec,
        systemd_version=options.systemd_version,
        shares_netns=any(
            d.kind is Edge.NETNS and d.target == spec.name
            for deps in graph.edges.values()
            for d in deps
        ),
        start_seconds=start_seconds,
        helper_backoff=True,
    )
    stop_after = stop_timeout(spec, unit_options.stop_timeout)
    record = (("Options", escape_specifiers(recorded, f"{what}: options")),) if recorded else ()
    image = escape_specifiers(spec.image, f"{what}: image")
    unit_name = container_unit_name(spec.name)
    helper_path = str(options.scope.helper)
    steps = _steps(spec.name, stop_after, recreate=recreate, scope=options.scope)
    return ContainerContext(
        version=__version__,
        container=spec.name,
        unit_name=unit_name,
        helper=helper_path,
        description=f"Docker container {spec.name} ({image})",
        dependencies=tuple(deps.pairs),
        mounts_for=tuple(quote_path_list_item(p, f"{what}: bind mount") for p in spec.binds),
        unit_limits=tuple(unit_limits),
        environment=(
            _docker_host(options),
            *((HELPER_BACKOFF,) if helper_backs_off(policy, unit_options.restart_sec) else ()),
            # A user's helper keeps its back-off and crash marks in the user's runtime
            # directory (%t): it cannot write root's /run/unitgen.
            *(("UNITGEN_RUN_DIR=%t/unitgen",) if options.scope.name == "user" else ()),
            *(
                (f"UNITGEN_ON_UNHEALTHY={unit_options.on_unhealthy}",)
                if unit_options.on_unhealthy not in (None, "none")
                else ()
            ),
        ),
        syslog_identifier=_syslog_identifier(unit_name),
        exec_start=exec_line(steps[0], what),
        exec_stop=exec_line(steps[1], what),
        exec_reload=_reload(spec.name, unit_options, options.scope),
        service_restart=(*service_restart, *unhealthy_settings(unit_options.on_unhealthy)),
        timeout_start=f"{start_seconds}s",
        timeout_stop=f"{stop_after + STOP_MARGIN}s",
        wanted_by=" ".join(wanted_by(unit_options, options.engine, options.scope)),
        x_unitgen=(
            (CONTAINER_KEY, spec.name),
            *_origin(spec, image, recreate=recreate, scope=options.scope),
            (POLICY_KEY, str(policy)),
            *_engine_key(options.engine),
            *record,
            *(() if recreate else (("SpecHash", spec.spec_hash),)),
            ("Helper", helper_path),
            ("HelperHash", helper.digest()),
            ("Generator", f"unitgen {__version__}"),
        ),
        hardening=options.scope.hardening,
    )


def _engine_key(engine: EngineFacts) -> tuple[tuple[str, str], ...]:
    return (("Engine", engine.unit),) if engine.unit else ()


def _steps(
    name: str, stop_after: int, *, recreate: bool, scope: Scope = SYSTEM
) -> tuple[list[str], list[str]]:
    """ExecStart= and ExecStop=: the helper's verbs (unitgen/units/helper.sh). One process per
    start: `run` starts (in recreate mode: makes) the container, says READY=1 once it is up
    and waits for it; each spawn pays for the unit's sandbox, ten or more at once at boot."""
    helper_path, stop = str(scope.helper), str(stop_after)
    if recreate:
        return (
            [helper_path, "run", name, str(record_path(name, scope)), stop],
            [helper_path, "discard", name, stop],
        )
    return ([helper_path, "run", name], [helper_path, "stop", name, stop])


def _reload(name: str, unit_options: UnitOptions, scope: Scope) -> tuple[str, ...]:
    """ExecReload=: the helper sends --reload-signal to the container, or runs --reload-cmd in
    it (its words as one compact JSON array, the engine's exec request's Cmd)."""
    what, helper_path = f"container {name}: reload", str(scope.helper)
    if unit_options.reload_signal:
        return (exec_line([helper_path, "signal", name, unit_options.reload_signal], what),)
    if unit_options.reload_argv:
        argv = json.dumps(list(unit_options.reload_argv), ensure_ascii=True, separators=(",", ":"))
        return (exec_line([helper_path, "exec", name, argv], what),)
    return ()


def _origin(
    spec: ContainerSpec, image: str, *, recreate: bool, scope: Scope = SYSTEM
) -> tuple[tuple[str, str], ...]:
    """What the unit was made from. In recreate mode the record is the origin: the container's
    id and image id change at each start and each update, so the unit names neither."""
    if recreate:
        record = str(record_path(spec.name, scope))
        return (("Mode", "recreate"), ("Record", record), ("Image", image))
    image_id = escape_specifiers(spec.image_id, f"container {spec.name}: image id")
    return (("ContainerId", spec.id), ("Image", image), ("ImageId", image_id))


def _syslog_identifier(unit_name: str) -> str:
    """The journal's tag: the unit's name without `.service` (a container's logs are under
    its own `docker-NAME`, the name an admin types)."""
    return unit_name.removesuffix(".service")


def engine_dependency(engine: EngineFacts) -> tuple[str, str]:
    """Requires= the engine's unit, so that `systemctl restart docker` restarts the containers
    in dependency order (the engine stops them anyway); with live-restore only Wants=: the
    containers outlive the engine's restart, and so must their units (the helper's `wait`
    attaches again once the engine is back)."""
    return ("Wants" if engine.live_restore else "Requires", engine.unit)


def install_target(unit_options: UnitOptions, engine: EngineFacts, scope: Scope = SYSTEM) -> str:
    """Where `systemctl enable` links the unit. By default multi-user.target, but not when the
    engine's own unit is ordered after it (a drop-in, a package that starts it late): the
    target would wait for our unit, which waits for the engine, which waits for the target,
    and systemd breaks such a cycle by dropping a job at boot, silently. Then the engine's
    unit pulls the containers in itself. A user's manager boots into default.target."""
    if unit_options.wanted_by:
        return unit_options.wanted_by
    return engine.unit if engine.unit and scope.target in engine.after else scope.target


def wanted_by(
    unit_options: UnitOptions, engine: EngineFacts, scope: Scope = SYSTEM
) -> tuple[str, ...]:
    """[Install] WantedBy=: the install target first (the one unitgen reads back), then the
    engine's own unit, so that whenever the engine starts, however it is started (the boot,
    `systemctl start docker` after a stop, its socket, a package's postinst), it pulls the
    container units in again, as Docker's own policies bring their containers back. An admin's
    `systemctl disable` removes both links, and the container stays off."""
    target = install_target(unit_options, engine, scope)
    return (target,) if target == engine.unit or not engine.unit else (target, engine.unit)


def _docker_host(options: RenderOptions) -> str:
    """`DOCKER_HOST=unix://SOCKET` for Environment=, the one socket every unit talks to."""
    sock = options.docker_socket
    if not sock.startswith("/") or any(c.isspace() or c in "\\\"'" for c in sock):
        raise UnsafeValue(
            f"the Docker socket path {sock!r} cannot be written into Environment=",
            "use a plain absolute path in DOCKER_HOST=unix://PATH",
        )
    return escape_specifiers(f"DOCKER_HOST=unix://{sock}", "the Docker socket path")


def _network_context(net: NetworkSpec, options: RenderOptions) -> NetworkContext:
    what = f"network {net.name}"
    helper_path = str(options.scope.helper)
    argv = [helper_path, "network", quote(net.name, safe=""), *network_create_members(net)]
    unit_name = network_unit_name(net.name)
    return NetworkContext(
        version=__version__,
        network=escape_specifiers(net.name, what),
        unit_name=unit_name,
        description=escape_specifiers(f"Docker network {net.name}", what),
        engine=_Deps().pairs_of(*engine_dependency(options.engine)) if options.engine.unit else (),
        environment=_docker_host(options),
        syslog_identifier=_syslog_identifier(unit_name),
        exec_start=exec_line_continued(argv, what, head=3),
        hardening=options.scope.hardening,
        x_unitgen=(
            ("Network", escape_specifiers(net.name, what)),
            ("NetworkId", net.id),
            ("Driver", escape_specifiers(net.driver, what)),
            *_engine_key(options.engine),
            ("Helper", helper_path),
            ("HelperHash", helper.digest()),
            ("Generator", f"unitgen {__version__}"),
        ),
    )


def builtin_template_dir() -> Path:
    """The templates that ship with the loaded `unitgen` package: installed, unitgen/templates;
    in a checkout, ../templates. Those win over whatever `unitgen.templates` the import system
    finds, because an editable install maps that name to the checkout it was made from, and
    a second checkout (a worktree on PYTHONPATH) must render with its own templates."""
    package = Path(__file__).resolve().parents[1]  # unitgen/, above unitgen/units/
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "container.service.j2").is_file():
            return candidate
    spec = importlib.util.find_spec("unitgen.templates")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return package.parent / "templates"


def _environment(options: RenderOptions) -> jinja2.Environment:
    import jinja2

    system = [] if options.system_templates is None else [options.system_templates]
    search = [*options.templates, *system, builtin_template_dir()]
    cache = template_cache_dir()
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search]),
        # Checked against each template's source (an override included) at every load.
        bytecode_cache=None if cache is None else jinja2.FileSystemBytecodeCache(str(cache)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


# The one directive unitgen writes over several lines: a network's ExecStart=, one member of
# its create body a line.
NETWORK_CONTINUED = frozenset({("Service", "ExecStart")})


def _finish(
    text: str, name: str, expected: int, continued: frozenset[tuple[str, str]] = frozenset()
) -> str:
    """Check the rendered unit, then stamp its content hash."""
    _check_rendered(text, name, expected, continued)
    return text.rstrip("\n") + f"\n{HASH_KEY}={content_hash(text, HASH_KEY)}\n"


def _check_rendered(
    text: str, name: str, expected: int, continued: frozenset[tuple[str, str]]
) -> None:
    """No value may add a line or a directive, or continue onto the next line: count what the
    template produced, and refuse a directive that spans lines, but for those CONTINUED that
    unitgen itself writes over several lines (a network's create body)."""
    parsed = UnitFile.parse(text, where=name)
    for section, key in set(parsed.continued()) - continued:  # values' `\` are refused before
        raise TemplateError(
            f"{name}: [{section}] {key}= ends in a backslash and swallows the next line",
            "a template override ends a line in a backslash; fix it",
        )
    found = sum(1 for _ in parsed.directives())
    if found != expected:
        raise TemplateError(
            f"{name}: the template produced {found} directives where {expected} were expected",
            "a template override adds or drops settings, or a value broke a line; fix it",
        )
    if parsed.section(X_SECTION) is None or parsed.get(X_SECTION, "Generator") is None:
        raise TemplateError(f"{name}: the template lost the [{X_SECTION}] section")


class Renderer:
    def __init__(self, options: RenderOptions | None = None) -> None:
        self.options = options or RenderOptions()
        self._env = _environment(self.options)

    def container(
        self,
        spec: ContainerSpec,
        graph: Graph,
        policy: Policy,
        unit_options: UnitOptions | None = None,
        *,
        recorded: str = "",
    ) -> RenderedUnit:
        """The unit of SPEC; `unit_options` are the effective generator options, `recorded`
        the flags to record in Options= (README, "Generator options")."""
        chosen = unit_options or UnitOptions()
        context = _container_context(spec, graph, policy, self.options, chosen, recorded)
        name = context.unit_name
        text = self._env.get_template("container.service.j2").render(u=context)
        text = _finish(text, name, directive_count(context))
        wanted = wanted_by(chosen, self.options.engine, self.options.scope)
        return RenderedUnit(name, text, container=spec.name, wanted_by=wanted)

    def network(self, net: NetworkSpec) -> RenderedUnit:
        context = _network_context(net, self.options)
        name = context.unit_name
        text = self._env.get_template("network.service.j2").render(u=context)
        text = _finish(text, name, directive_count(context), NETWORK_CONTINUED)
        return RenderedUnit(name, text)
