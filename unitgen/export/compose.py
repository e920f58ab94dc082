"""Containers -> one Compose file (pure): `unitgen export --format compose`.

One service per container, named after it (`container_name` too), so depends_on, links,
volumes_from and `network_mode: service:X` name services that are in the file. Networks and
named volumes exist already (the containers use them): they are `external`. The file is the
Compose Specification without a `version:` key, which docker-compose 1.27+ and `docker
compose` read alike. Compose interpolates `$` in every value, so each `$` is written `$$`.
"""

from __future__ import annotations

from collections.abc import Sequence

from unitgen.export.common import (
    Chosen,
    Export,
    Policies,
    cpus,
    header,
    health_and_reload_warnings,
    labels,
    policy,
    port_spec,
    seconds,
    selection,
    unexported,
)
from unitgen.export.yaml_text import Node, comment, dump
from unitgen.graph import Graph
from unitgen.model import ContainerSpec, HealthCheck, Mount, Settings

FILE_NAME = "compose.yaml"


def literal(text: str) -> str:
    """A value as Compose must read it: `$` starts an interpolation unless doubled."""
    return text.replace("$", "$$")


def literals(items: Sequence[str]) -> list[Node]:
    return [literal(item) for item in items]


def _mode(mount: Mount) -> list[str]:
    return (["ro"] if mount.read_only else []) + list(mount.options)


def _volumes(spec: ContainerSpec, warnings: list[str]) -> tuple[list[Node], list[Node]]:
    """(volumes, tmpfs) in the short syntax, which keeps Docker's own mode string (ro, z, Z,
    a propagation) as `-v` took it; a path with a colon cannot be written in it."""
    volumes: list[Node] = []
    tmpfs: list[Node] = []
    for mount in spec.run.mounts:
        mode = ",".join(_mode(mount))
        if ":" in mount.source or ":" in mount.target:
            warnings.append(f"{spec.name}: mount {mount.source}:{mount.target} has a colon")
        elif mount.kind == "tmpfs":
            tmpfs.append(literal(f"{mount.target}:{mode}" if mode else mount.target))
        elif not mount.source:
            if mode:
                warnings.append(f"{spec.name}: anonymous volume {mount.target} loses mode {mode}")
            volumes.append(literal(mount.target))
        else:
            parts = [mount.source, mount.target, *([mode] if mode else [])]
            volumes.append(literal(":".join(parts)))
    return volumes, tmpfs


def healthcheck(health: HealthCheck) -> dict[str, Node]:
    return {
        "test": literals(health.test),
        "interval": seconds(health.interval),
        "timeout": seconds(health.timeout),
        "retries": health.retries,
        "start_period": seconds(health.start_period),
    }


def _depends_on(graph: Graph, spec: ContainerSpec) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for dep in graph.container_deps(spec.name):
        target = graph.containers[dep.target]
        healthy = target.health is not None and target.health.test
        found[dep.target] = {"condition": "service_healthy" if healthy else "service_started"}
    return found


def _network(spec: ContainerSpec) -> dict[str, Node]:
    """network_mode, or the user-defined networks. Docker's default bridge is written as such:
    without it Compose would create a network of its own (a container on the bridge and on a
    user-defined network was warned about by from_inspect: Compose cannot combine them)."""
    if spec.netns_container is not None:
        return {"network_mode": f"service:{spec.netns_container}"}
    if spec.run.network_mode in ("host", "none", "bridge"):
        return {"network_mode": spec.run.network_mode}
    if not spec.run.endpoints:
        return {"networks": list(spec.networks)}
    return {"networks": {net: endpoint(spec, net) for net in spec.networks}}


def endpoint(spec: ContainerSpec, network: str) -> dict[str, Node]:
    """Aliases and static addresses on NETWORK, as Compose (and a stack) spell them."""
    found: dict[str, Node] = {}
    for ep in spec.run.endpoints:
        if ep.network == network:
            found |= {"aliases": literals(ep.aliases)} if ep.aliases else {}
            found |= {"ipv4_address": ep.ipv4} if ep.ipv4 else {}
            found |= {"ipv6_address": ep.ipv6} if ep.ipv6 else {}
    return found


def process(spec: ContainerSpec, *, stop_signal: bool = False) -> dict[str, Node]:
    """What a Compose service and a stack service say alike of the process: image, entrypoint,
    command, user, working dir, host and domain name (and the stop signal where the caller
    has no place of its own for it), environment, labels."""
    run = spec.run
    service: dict[str, Node] = {"image": literal(spec.image)}
    if run.entrypoint is not None:
        service["entrypoint"] = literals(run.entrypoint)
    if run.command is not None:
        service["command"] = literals(run.command)
    strings = {
        "user": run.user,
        "working_dir": run.working_dir,
        "hostname": run.hostname,
        "domainname": run.domainname,
        "stop_signal": run.settings.stop_signal if stop_signal else None,
    }
    service |= {name: literal(value) for name, value in strings.items() if value}
    if run.environment:
        service["environment"] = {name: literal(value) for name, value in run.environment}
    if labels(spec):
        service["labels"] = {k: literal(v) for k, v in labels(spec)}
    return service


def _service(
    graph: Graph, spec: ContainerSpec, policies: Policies | None, warnings: list[str]
) -> dict[str, Node]:
    run = spec.run
    service: dict[str, Node] = {"container_name": spec.name, **process(spec)}
    service["restart"] = str(policy(spec, policies))
    if spec.stop_timeout != 10:
        service["stop_grace_period"] = seconds(spec.stop_timeout)
    depends_on = _depends_on(graph, spec)
    if depends_on:
        service["depends_on"] = depends_on
    service |= _network(spec)
    aliases = dict(run.link_aliases)
    if spec.links:
        service["links"] = [f"{n}:{aliases[n]}" if n in aliases else n for n in spec.links]
    if spec.volumes_from:
        ro = run.volumes_from_read_only
        service["volumes_from"] = [f"{n}:ro" if n in ro else n for n in spec.volumes_from]
    if run.ports:
        service["ports"] = [port_spec(port) for port in run.ports]
    volumes, tmpfs = _volumes(spec, warnings)
    optional: dict[str, Node] = {
        "volumes": volumes,
        "tmpfs": tmpfs,
        "devices": _devices(spec, warnings),
        "cap_add": list(run.cap_add),
        "cap_drop": list(run.cap_drop),
        "extra_hosts": literals(run.extra_hosts),
    }
    service |= {name: value for name, value in optional.items() if value}
    if run.privileged:
        service["privileged"] = True
    if run.read_only:
        service["read_only"] = True
    if spec.health is not None and spec.health.test:
        service["healthcheck"] = healthcheck(spec.health)
    return service | _settings(run.settings)


def _settings(settings: Settings) -> dict[str, Node]:
    s = settings
    numbers: dict[str, Node] = {
        "mem_limit": s.memory,
        "mem_reservation": s.memory_reservation,
        "memswap_limit": s.memory_swap,
        "cpu_shares": s.cpu_shares,
        "pids_limit": s.pids_limit,
        "shm_size": s.shm_size,
    }
    found: dict[str, Node] = {key: value for key, value in numbers.items() if value}
    lists: dict[str, Node] = {
        "dns": literals(s.dns),
        "dns_search": literals(s.dns_search),
        "dns_opt": literals(s.dns_options),
        "security_opt": literals(s.security_opt),
    }
    found |= {key: value for key, value in lists.items() if value}
    strings = {"cpus": cpus(s.nano_cpus) if s.nano_cpus else "", "cpuset": s.cpuset_cpus}
    strings["stop_signal"] = s.stop_signal
    found |= {key: literal(value) for key, value in strings.items() if value}
    if s.sysctls:
        found["sysctls"] = {name: literal(value) for name, value in s.sysctls}
    if s.ulimits:
        found["ulimits"] = {name: {"soft": soft, "hard": hard} for name, soft, hard in s.ulimits}
    found |= {key: True for key, on in (("init", s.init), ("tty", s.tty)) if on}
    if s.stdin_open:
        found["stdin_open"] = True
    if s.log_driver:
        logging: dict[str, Node] = {"driver": literal(s.log_driver)}
        if s.log_options:
            logging["options"] = {name: literal(value) for name, value in s.log_options}
        found["logging"] = logging
    return found


def _devices(spec: ContainerSpec, warnings: list[str]) -> list[Node]:
    devices: list[Node] = []
    for device in spec.run.devices:
        if ":" in device.host_path + device.container_path:
            warnings.append(f"{spec.name}: device {device.host_path} has a colon")
            continue
        devices.append(literal(f"{device.host_path}:{device.container_path}:{device.permissions}"))
    return devices


def externals(graph: Graph, order: Sequence[str]) -> dict[str, Node]:
    """The networks and named volumes the services use: they exist, so they are external."""
    found: dict[str, Node] = {}
    networks = sorted({n for name in order for n in graph.containers[name].networks})
    if networks:
        found["networks"] = {n: {"external": True, "name": n} for n in networks}
    volumes = sorted(
        {
            m.source
            for name in order
            for m in graph.containers[name].run.mounts
            if m.kind == "volume" and m.source
        }
    )
    if volumes:
        found["volumes"] = {v: {"external": True, "name": v} for v in volumes}
    return found


def export_compose(
    graph: Graph,
    names: Sequence[str] | None,
    policies: Policies | None,
    chosen: Chosen | None = None,
) -> Export:
    """The Compose file for NAMES and what they need (every container when None)."""
    order, left_out = selection(graph, names)
    warnings: list[str] = left_out
    services: dict[str, Node] = {}
    for name in order:
        spec = graph.containers[name]
        warnings += unexported(spec) + health_and_reload_warnings(spec, chosen, "Compose")
        services[name] = _service(graph, spec, policies, warnings)
    document: dict[str, Node] = {"services": services} | externals(graph, order)
    head = header("Compose; check it with docker compose -f FILE config", order, warnings)
    text = "".join(comment(line) for line in head) + dump(document)
    return Export({FILE_NAME: text}, warnings)
