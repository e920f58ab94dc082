"""Specs + graph -> unit files (pure but for reading templates).

Every decision is made here, on typed data: names, dependencies, restart mapping, timeouts,
escaping. The Jinja2 templates only place the resulting strings, so an admin's override
template cannot get escaping wrong by accident, and `_check_rendered` makes sure no value
added a line or a directive.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from unitgen import __version__, helper
from unitgen.errors import UnsafeValue
from unitgen.graph import Graph
from unitgen.model import ContainerSpec, Dependency, Edge, EngineFacts, NetworkSpec
from unitgen.model import RestartPolicy as Policy
from unitgen.names import (
    HASH_KEY,
    HELPER_PATH,
    X_SECTION,
    container_unit_name,
    network_unit_name,
)
from unitgen.options import DEFAULT_TARGET, UnitOptions
from unitgen.unitfile import (
    UnitFile,
    content_hash,
    escape_specifiers,
    exec_line,
    quote_path_list_item,
)

if TYPE_CHECKING:
    import jinja2

RESTART_SEC = "1s"
STOP_MARGIN = 15  # seconds above the container's own stop timeout
START_TIMEOUT = 120  # seconds for `docker start` plus readiness without a health check
SYSTEM_TEMPLATES = Path("/etc/unitgen/templates")

# The unit's own processes (the helper: sh, nc, sed, tr) only talk to the engine's Unix socket,
# so they get everything systemd can take away: `systemd-analyze security` rates the unit 0.8
# (SAFE). What stays and why is in the README ("Hardening"). The container itself runs under
# dockerd, outside the unit's cgroup: none of this confines it; Docker's own options do.
HARDENING: tuple[tuple[str, str], ...] = (
    ("CapabilityBoundingSet", ""),
    ("NoNewPrivileges", "yes"),
    ("ProtectSystem", "strict"),
    ("ProtectHome", "yes"),
    ("PrivateTmp", "yes"),
    ("PrivateDevices", "yes"),
    ("PrivateNetwork", "yes"),
    ("ProtectHostname", "yes"),
    ("ProtectClock", "yes"),
    ("ProtectKernelTunables", "yes"),
    ("ProtectKernelModules", "yes"),
    ("ProtectKernelLogs", "yes"),
    ("ProtectControlGroups", "yes"),
    ("ProtectProc", "invisible"),
    ("ProcSubset", "pid"),
    ("RestrictAddressFamilies", "AF_UNIX"),
    ("RestrictNamespaces", "yes"),
    ("LockPersonality", "yes"),
    ("MemoryDenyWriteExecute", "yes"),
    ("RestrictRealtime", "yes"),
    ("RestrictSUIDSGID", "yes"),
    ("RemoveIPC", "yes"),
    ("SystemCallArchitectures", "native"),
    ("SystemCallFilter", "@system-service"),
    ("SystemCallFilter", "~@privileged @resources"),
    ("SystemCallErrorNumber", "EPERM"),
    ("IPAddressDeny", "any"),
    ("UMask", "0077"),
    ("DevicePolicy", "closed"),
    ("KeyringMode", "private"),
)

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
# systemd 254 added RestartMode=direct (an automatic restart is not seen by the units that
# require this one) and RestartSteps=/RestartMaxDelaySec= (a growing delay): together they
# mirror Docker's restart, 100 ms doubling up to a minute.
DIRECT_RESTART_SINCE = 254


def dependency_unit(dep: Dependency) -> str:
    if dep.kind is Edge.NETWORK:
        return network_unit_name(dep.target)
    return container_unit_name(dep.target)


@dataclass(frozen=True)
class RenderOptions:
    docker_socket: str = "/run/docker.sock"
    systemd_version: int | None = None  # of the target system; None: assume Debian 12's 252
    engine: EngineFacts = field(default_factory=EngineFacts)
    templates: Sequence[Path] = ()  # searched before /etc/unitgen/templates and the built-ins


@dataclass(frozen=True)
class RenderedUnit:
    name: str
    text: str
    container: str | None = None  # None for a network unit
    target: str | None = None  # [Install] WantedBy=; None for a network unit (pulled in)


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


def restart_settings(
    policy: Policy,
    restart_sec: int | None = None,
    *,
    systemd_version: int | None = None,
    shares_netns: bool = False,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Docker restart policy -> ([Unit] settings, [Service] settings). README has the table.
    A container whose network namespace others join keeps the classic restart mode: those
    containers must restart with it (BindsTo=)."""
    modern = (systemd_version or 0) >= DIRECT_RESTART_SINCE
    if restart_sec is not None:
        pace = [("RestartSec", f"{restart_sec}s")]
    elif modern:
        pace = [("RestartSec", "100ms"), ("RestartSteps", "10"), ("RestartMaxDelaySec", "1min")]
    else:
        pace = [("RestartSec", RESTART_SEC)]
    if modern and not shares_netns:
        pace.append(("RestartMode", "direct"))
    if policy.name in ("always", "unless-stopped"):
        return [("StartLimitIntervalSec", "0")], [("Restart", "always"), *pace]
    if policy.name == "on-failure":
        limits = (
            [
                ("StartLimitIntervalSec", "infinity"),
                ("StartLimitBurst", str(policy.max_retries + 1)),
            ]
            if policy.max_retries
            else [("StartLimitIntervalSec", "0")]
        )
        return limits, [("Restart", "on-failure"), *pace]
    return [], [("Restart", "no")]


def start_timeout(spec: ContainerSpec) -> int:
    if spec.health is None:
        return START_TIMEOUT
    return START_TIMEOUT + int(spec.health.worst_case_seconds())


def _container_context(
    spec: ContainerSpec,
    graph: Graph,
    policy: Policy,
    options: RenderOptions,
    unit_options: UnitOptions,
    recorded: str,
) -> dict[str, object]:
    what = f"container {spec.name}"
    deps = _Deps()
    deps.add(*engine_dependency(options.engine))
    for dep in graph.edges[spec.name]:
        deps.add(REQUIREMENT[dep.kind], dependency_unit(dep))
    for unit in unit_options.requires:
        deps.add("Requires", unit)
    for unit in unit_options.wants:
        deps.add("Wants", unit)
    for unit in unit_options.after:
        deps.add("After", unit)
    unit_limits, service_restart = restart_settings(
        policy,
        unit_options.restart_sec,
        systemd_version=options.systemd_version,
        shares_netns=any(
            d.kind is Edge.NETNS and d.target == spec.name
            for deps in graph.edges.values()
            for d in deps
        ),
    )
    stop_timeout = (
        spec.stop_timeout if unit_options.stop_timeout is None else unit_options.stop_timeout
    )
    record = [("Options", escape_specifiers(recorded, f"{what}: options"))] if recorded else []
    image = escape_specifiers(spec.image, f"{what}: image")
    return {
        "version": __version__,
        "container": spec.name,
        "unit_name": container_unit_name(spec.name),
        "description": f"Docker container {spec.name} ({image})",
        "dependencies": deps.pairs,
        "mounts_for": [quote_path_list_item(p, f"{what}: bind mount") for p in spec.binds],
        "unit_limits": unit_limits,
        "environment": _docker_host(options),
        "helper": str(HELPER_PATH),
        "exec_start_pre": exec_line([str(HELPER_PATH), "start", spec.name], what),
        "exec_start": exec_line([str(HELPER_PATH), "wait", spec.name], what),
        "exec_stop": exec_line([str(HELPER_PATH), "stop", spec.name, str(stop_timeout)], what),
        "service_restart": service_restart,
        "hardening": list(HARDENING),
        "timeout_start": f"{start_timeout(spec)}s",
        "timeout_stop": f"{stop_timeout + STOP_MARGIN}s",
        "wanted_by": install_target(unit_options, options.engine),
        "x_unitgen": [
            ("Container", spec.name),
            ("ContainerId", spec.id),
            ("Image", image),
            ("ImageId", escape_specifiers(spec.image_id, f"{what}: image id")),
            ("DockerRestartPolicy", str(policy)),
            ("Engine", options.engine.unit),
            *record,
            ("SpecHash", spec.spec_hash),
            ("Helper", str(HELPER_PATH)),
            ("HelperHash", helper.digest()),
            ("Generator", f"unitgen {__version__}"),
        ],
    }


def engine_dependency(engine: EngineFacts) -> tuple[str, str]:
    """Requires= the engine's unit, so that `systemctl restart docker` restarts the containers
    in dependency order (the engine stops them anyway); with live-restore only Wants=: the
    containers outlive the engine's restart, and so must their units (the helper's `wait`
    attaches again once the engine is back)."""
    return ("Wants" if engine.live_restore else "Requires", engine.unit)


def install_target(unit_options: UnitOptions, engine: EngineFacts) -> str:
    """Where `systemctl enable` links the unit. By default multi-user.target, but not when the
    engine's own unit is ordered after it (a drop-in, a package that starts it late): the
    target would wait for our unit, which waits for the engine, which waits for the target,
    and systemd breaks such a cycle by dropping a job at boot, silently. Then the engine's
    unit pulls the containers in itself."""
    if unit_options.wanted_by:
        return unit_options.wanted_by
    return engine.unit if DEFAULT_TARGET in engine.after else DEFAULT_TARGET


def _docker_host(options: RenderOptions) -> str:
    """`DOCKER_HOST=unix://SOCKET` for Environment=, the one socket every unit talks to."""
    sock = options.docker_socket
    if not sock.startswith("/") or any(c.isspace() or c in "\\\"'" for c in sock):
        raise UnsafeValue(
            f"the Docker socket path {sock!r} cannot be written into Environment=",
            "use a plain absolute path in DOCKER_HOST=unix://PATH",
        )
    return escape_specifiers(f"DOCKER_HOST=unix://{sock}", "the Docker socket path")


# Docker picks a subnet for a network created without one, from its default address pools
# (172.17-31.x.x/16, then 192.168.x.x/20), and reports it exactly as if the user had given it.
# Recreating the network with that subnet can fail on a fresh engine where another network
# took it meanwhile ("Pool overlaps"), so such a subnet, with its first address as gateway and
# no ip-range, is taken as Docker's choice and left to Docker again. Anything else was asked
# for and is kept (README, "Dependencies").
_DOCKER_POOLS = (ipaddress.ip_network("172.16.0.0/12"), ipaddress.ip_network("192.168.0.0/16"))


def docker_picked(subnet: str, gateway: str, ip_range: str) -> bool:
    try:
        net = ipaddress.ip_network(subnet)
    except ValueError:
        return False
    pooled = any(
        net.version == pool.version and net.subnet_of(pool)  # type: ignore[arg-type]
        for pool in _DOCKER_POOLS
    )
    size = 16 if net.network_address in _DOCKER_POOLS[0] else 20
    first = str(net.network_address + 1)
    return pooled and net.prefixlen == size and gateway in ("", first) and not ip_range


def network_create_body(net: NetworkSpec) -> str:
    """The Engine API's POST /networks/create body that recreates NET as the user made it."""
    config = [
        {k: v for k, v in (("Subnet", subnet), ("Gateway", gateway), ("IPRange", ip_range)) if v}
        for subnet, gateway, ip_range in net.subnets
        if not docker_picked(subnet, gateway, ip_range)
    ]
    body: dict[str, object] = {"Name": net.name, "Driver": net.driver}
    if net.ipam_driver != "default" or config:
        body["IPAM"] = {"Driver": net.ipam_driver, "Config": config}
    for key, flag in (("Internal", net.internal), ("Attachable", net.attachable)):
        if flag:
            body[key] = True
    if net.ipv6:
        body["EnableIPv6"] = True
    if net.options:
        body["Options"] = dict(net.options)
    if net.labels:
        body["Labels"] = dict(net.labels)
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def _network_context(net: NetworkSpec, options: RenderOptions) -> dict[str, object]:
    what = f"network {net.name}"
    argv = [str(HELPER_PATH), "network", quote(net.name, safe=""), network_create_body(net)]
    return {
        "version": __version__,
        "network": escape_specifiers(net.name, what),
        "unit_name": network_unit_name(net.name),
        "description": escape_specifiers(f"Docker network {net.name}", what),
        "environment": _docker_host(options),
        "engine": list(_Deps().pairs_of(*engine_dependency(options.engine))),
        "exec_start": exec_line(argv, what),
        "hardening": list(HARDENING),
        "x_unitgen": [
            ("Network", escape_specifiers(net.name, what)),
            ("NetworkId", net.id),
            ("Driver", escape_specifiers(net.driver, what)),
            ("Engine", options.engine.unit),
            ("Helper", str(HELPER_PATH)),
            ("HelperHash", helper.digest()),
            ("Generator", f"unitgen {__version__}"),
        ],
    }


def builtin_template_dir() -> Path:
    """The templates that ship with the loaded `unitgen` package: installed, unitgen/templates;
    in a checkout, ../templates. Those win over whatever `unitgen.templates` the import system
    finds, because an editable install maps that name to the checkout it was made from, and
    a second checkout (a worktree on PYTHONPATH) must render with its own templates."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / "container.service.j2").is_file():
            return candidate
    spec = importlib.util.find_spec("unitgen.templates")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return package.parent / "templates"


def _environment(options: RenderOptions) -> jinja2.Environment:
    import jinja2

    search = [*options.templates, SYSTEM_TEMPLATES, builtin_template_dir()]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(p) for p in search]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _finish(text: str, name: str, expected: int) -> str:
    """Check the rendered unit, then stamp its content hash."""
    _check_rendered(text, name, expected)
    return text.rstrip("\n") + f"\n{HASH_KEY}={content_hash(text, HASH_KEY)}\n"


def _check_rendered(text: str, name: str, expected: int) -> None:
    """No value may add a line or a directive: count what the template produced."""
    parsed = UnitFile.parse(text, where=name)
    found = sum(1 for _ in parsed.directives())
    if found != expected:
        raise UnsafeValue(
            f"{name}: the template produced {found} directives where {expected} were expected",
            "a template override adds or drops settings, or a value broke a line; fix it",
        )
    if parsed.section(X_SECTION) is None or parsed.get(X_SECTION, "Generator") is None:
        raise UnsafeValue(f"{name}: the template lost the [{X_SECTION}] section")


def _count(context: dict[str, object], fixed: int) -> int:
    """How many directives the template must produce from this context."""
    lists = (
        "engine",
        "dependencies",
        "mounts_for",
        "unit_limits",
        "service_restart",
        "hardening",
        "x_unitgen",
    )
    return fixed + sum(len(value) for key in lists if isinstance(value := context.get(key), list))


CONTAINER_FIXED_DIRECTIVES = 11
NETWORK_FIXED_DIRECTIVES = 7


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
        name = str(context["unit_name"])
        text = self._env.get_template("container.service.j2").render(u=context)
        text = _finish(text, name, _count(context, CONTAINER_FIXED_DIRECTIVES))
        target = install_target(chosen, self.options.engine)
        return RenderedUnit(name, text, container=spec.name, target=target)

    def network(self, net: NetworkSpec) -> RenderedUnit:
        context = _network_context(net, self.options)
        name = str(context["unit_name"])
        text = self._env.get_template("network.service.j2").render(u=context)
        text = _finish(text, name, _count(context, NETWORK_FIXED_DIRECTIVES))
        return RenderedUnit(name, text)
