"""Containers -> one Swarm stack file (pure): `unitgen export --format stack`.

A Compose file of version 3.9, which `docker stack deploy` reads, with a service per
container. Swarm runs services, not containers, so much of what the Compose export keeps has
no place here, and each such setting is a warning: start order (Swarm starts services in no
order and ignores depends_on), links, volumes-from, devices, privileged mode, network modes,
security options and most limits. The restart policy becomes deploy.restart_policy, limits
deploy.resources; a published port keeps the host's port (`mode: host`, not the routing mesh).
A Swarm service can only join a swarm-scoped (overlay) network: the containers' bridge
networks are named, and a warning says to re-create them.
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
    policy,
    seconds,
    selection,
)
from unitgen.export.common import unexported as unexported_settings
from unitgen.export.compose import endpoint, externals, healthcheck, literal, literals, process
from unitgen.export.yaml_text import Node, comment, dump
from unitgen.graph import Graph
from unitgen.model import ContainerSpec, RestartPolicy

FILE_NAME = "stack.yaml"
VERSION = "3.9"
_CONDITION = {"no": "none", "on-failure": "on-failure", "always": "any", "unless-stopped": "any"}


def _restart(restart: RestartPolicy) -> dict[str, Node]:
    found: dict[str, Node] = {"condition": _CONDITION[restart.name]}
    if restart.name == "on-failure" and restart.max_retries:
        found["max_attempts"] = restart.max_retries
    return found


def _resources(spec: ContainerSpec) -> dict[str, Node]:
    s = spec.run.settings
    limits: dict[str, Node] = {}
    if s.nano_cpus:
        limits["cpus"] = cpus(s.nano_cpus)
    if s.memory:
        limits["memory"] = str(s.memory)
    found: dict[str, Node] = {"limits": limits} if limits else {}
    if s.memory_reservation:
        found["reservations"] = {"memory": str(s.memory_reservation)}
    return found


def _unsupported(graph: Graph, spec: ContainerSpec) -> list[str]:
    """What Swarm has no place for, each named once."""
    run, s = spec.run, spec.run.settings
    deps = graph.container_deps(spec.name)
    found = [f"depends on {d.target} (Swarm starts services in no order)" for d in deps]
    if spec.netns_container:
        found.append(f"network mode container:{spec.netns_container}")
    elif run.network_mode in ("host", "none"):
        found.append(f"network mode {run.network_mode}")
    found += [f"link to {name}" for name in spec.links]
    found += [
        f"address {address} on {ep.network}"
        for ep in run.endpoints
        for address in (ep.ipv4, ep.ipv6)
        if address
    ]
    found += [f"volumes from {name}" for name in spec.volumes_from]
    found += [f"device {d.host_path}" for d in run.devices]
    settings: list[tuple[str, object]] = [
        ("security options", s.security_opt),
        ("--memory-swap", s.memory_swap),
        ("--cpu-shares", s.cpu_shares),
        ("--cpuset-cpus", s.cpuset_cpus),
        ("--pids-limit", s.pids_limit),
        ("--shm-size", s.shm_size),
        ("--dns-option", s.dns_options),
    ]
    found += [
        f"{what} {' '.join(value) if isinstance(value, tuple) else value}"
        for what, value in settings
        if value
    ]
    found += ["privileged mode"] if run.privileged else []
    for port in run.ports:
        if port.host_ip or "-" in port.host_port:
            found.append(
                f"port {port.host_ip}:{port.host_port}:{port.port} (host address or range)"
            )
    for mount in run.mounts:
        # Swarm's mounts have no SELinux relabel, and a tmpfs is written without its options.
        if mount.kind == "tmpfs":
            dropped = list(mount.options)
        else:
            dropped = [o for o in mount.options if o in ("z", "Z")]
        if dropped:
            found.append(f"mount {mount.target} option {','.join(dropped)}")
    return [f"{spec.name}: {what}" for what in found]


def _volumes(spec: ContainerSpec) -> list[Node]:
    volumes: list[Node] = []
    for mount in spec.run.mounts:
        if mount.kind == "tmpfs":
            volumes.append({"type": "tmpfs", "target": literal(mount.target)})
            continue
        entry: dict[str, Node] = {"type": mount.kind}
        if mount.source:
            entry["source"] = literal(mount.source)
        entry["target"] = literal(mount.target)
        if mount.read_only:
            entry["read_only"] = True
        propagation = [o for o in mount.options if o not in ("z", "Z", "nocopy")]
        if mount.kind == "bind" and propagation:
            entry["bind"] = {"propagation": propagation[0]}
        if "nocopy" in mount.options:
            entry["volume"] = {"nocopy": True}
        volumes.append(entry)
    return volumes


def _ports(spec: ContainerSpec) -> list[Node]:
    ports: list[Node] = []
    for port in spec.run.ports:
        entry: dict[str, Node] = {"target": port.port}
        if port.host_port.isdigit():
            entry["published"] = int(port.host_port)
        entry |= {"protocol": port.protocol, "mode": "host"}
        ports.append(entry)
    return ports


def _service(spec: ContainerSpec, policies: Policies | None) -> dict[str, Node]:
    run, s = spec.run, spec.run.settings
    service = process(spec, stop_signal=True)
    if spec.stop_timeout != 10:
        service["stop_grace_period"] = seconds(spec.stop_timeout)
    if spec.networks and not spec.netns_container:
        if spec.run.endpoints:  # Swarm gives a service only its aliases, not fixed addresses
            service["networks"] = {
                n: {k: v for k, v in endpoint(spec, n).items() if k == "aliases"}
                for n in spec.networks
            }
        else:
            service["networks"] = list(spec.networks)
    optional: dict[str, Node] = {
        "ports": _ports(spec),
        "volumes": _volumes(spec),
        "cap_add": list(run.cap_add),
        "cap_drop": list(run.cap_drop),
        "extra_hosts": literals(run.extra_hosts),
        "dns": literals(s.dns),
        "dns_search": literals(s.dns_search),
    }
    service |= {name: value for name, value in optional.items() if value}
    if s.sysctls:
        service["sysctls"] = {name: literal(value) for name, value in s.sysctls}
    if s.ulimits:
        service["ulimits"] = {n: {"soft": soft, "hard": hard} for n, soft, hard in s.ulimits}
    flags = {"init": s.init, "tty": s.tty, "stdin_open": s.stdin_open, "read_only": run.read_only}
    service |= {name: True for name, on in flags.items() if on}
    if s.log_driver:
        logging: dict[str, Node] = {"driver": literal(s.log_driver)}
        if s.log_options:
            logging["options"] = {name: literal(value) for name, value in s.log_options}
        service["logging"] = logging
    if spec.health is not None and spec.health.test:
        service["healthcheck"] = healthcheck(spec.health)
    deploy: dict[str, Node] = {"restart_policy": _restart(policy(spec, policies))}
    resources = _resources(spec)
    if resources:
        deploy["resources"] = resources
    service["deploy"] = deploy
    return service


def _swarm_networks(graph: Graph, order: Sequence[str]) -> list[str]:
    names = sorted({n for name in order for n in graph.containers[name].networks})
    return [
        f"network {n}: driver {graph.networks[n].driver}, which a Swarm service cannot join; "
        f"re-create it with --driver overlay --attachable"
        for n in names
        if graph.networks[n].driver != "overlay"
    ]


def export_stack(
    graph: Graph,
    names: Sequence[str] | None,
    policies: Policies | None,
    chosen: Chosen | None = None,
) -> Export:
    """The stack file for NAMES and what they need (every container when None)."""
    order, warnings = selection(graph, names)
    services: dict[str, Node] = {}
    for name in order:
        spec = graph.containers[name]
        warnings += unexported_settings(spec) + _unsupported(graph, spec)
        warnings += health_and_reload_warnings(spec, chosen, "a Swarm stack")
        services[name] = _service(spec, policies)
    warnings += _swarm_networks(graph, order)
    document: dict[str, Node] = {"version": VERSION, "services": services}
    document |= externals(graph, order)
    head = header("Swarm stack; check it with docker stack config -c FILE", order, warnings)
    text = "".join(comment(line) for line in head) + dump(document)
    return Export({FILE_NAME: text}, warnings)
