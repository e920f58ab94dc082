"""Docker's `docker inspect` objects -> frozen specs (pure functions of dicts).

Still the Docker side of the boundary: only `docker_source` (which fetches the dicts) and the
tests that feed recorded inspect JSON call these; everything past them is typed and frozen.
Not named `inspect.py`: that would shadow the standard library's module for anything run from
inside the package directory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from string import hexdigits
from typing import Any

from unitgen.model import (
    BUILTIN_NETWORKS,
    ContainerSpec,
    ContainerState,
    Device,
    HealthCheck,
    Mount,
    NetworkSpec,
    PortBinding,
    RestartPolicy,
    RunConfig,
)

Inspect = Mapping[str, Any]
DEFAULT_STOP_TIMEOUT = 10
_NS = 1_000_000_000
# Inspect fields whose change makes a unit stale (drift compares this hash).
_HASHED_CONFIG = (
    "Image",
    "Env",
    "Cmd",
    "Entrypoint",
    "Labels",
    "Healthcheck",
    "User",
    "WorkingDir",
    "ExposedPorts",
    "StopSignal",
    "StopTimeout",
)
_HASHED_HOST = (
    "Binds",
    "Mounts",
    "PortBindings",
    "Links",
    "NetworkMode",
    "VolumesFrom",
    "Devices",
    "CapAdd",
    "CapDrop",
    "Privileged",
    "SecurityOpt",
)


def _health(config: Inspect) -> HealthCheck | None:
    check = config.get("Healthcheck") or {}
    test = check.get("Test") or []
    if not test or test[0] == "NONE":
        return None
    default = HealthCheck()
    return HealthCheck(
        interval=(check.get("Interval") or 0) / _NS or default.interval,
        timeout=(check.get("Timeout") or 0) / _NS or default.timeout,
        start_period=(check.get("StartPeriod") or 0) / _NS,
        retries=check.get("Retries") or default.retries,
        test=tuple(test),
    )


def strip_name(name: str) -> str:
    """A container name as unitgen writes it: Docker keeps a leading slash."""
    return name.lstrip("/")


def listed_names(listed: Iterable[Inspect]) -> dict[str, str]:
    """Container id -> name from the engine's listing. A linked container's `Names` also holds
    the link aliases (`/web/db`), in no set order: the name is the entry with a single slash."""
    found = {}
    for container in listed:
        names = [n for n in container.get("Names") or () if n.count("/") == 1]
        if names:
            found[container["Id"]] = strip_name(names[0])
    return found


def id_refs(data: Inspect) -> list[str]:
    """The container references in an inspect object that look like ids, not names."""
    host = data.get("HostConfig") or {}
    refs = [ref.partition(":")[0] for ref in host.get("VolumesFrom") or []]
    mode = host.get("NetworkMode") or ""
    if mode.startswith("container:"):
        refs.append(mode.partition(":")[2])
    return [ref for ref in refs if len(ref) >= 12 and not ref.strip(hexdigits)]


def _resolve(ref: str, names_by_id: Mapping[str, str]) -> str:
    """Docker stores some references as ids; unitgen works with names."""
    ref = strip_name(ref)
    if ref in names_by_id:
        return names_by_id[ref]
    if len(ref) < 12 or ref.strip(hexdigits):  # a name, not an id prefix: no scan
        return ref
    matches = [name for cid, name in names_by_id.items() if cid.startswith(ref) and len(ref) >= 12]
    return matches[0] if len(matches) == 1 else ref


def spec_hash(data: Inspect) -> str:
    config = data.get("Config") or {}
    host = data.get("HostConfig") or {}
    hashed_host = {k: host.get(k) for k in _HASHED_HOST}
    # Docker builds Links from a map: its order changes from one inspect to the next.
    hashed_host["Links"] = sorted(host.get("Links") or [])
    subset = {
        "image_id": data.get("Image"),
        "config": {k: config.get(k) for k in _HASHED_CONFIG},
        "host": hashed_host,
        "networks": sorted((data.get("NetworkSettings") or {}).get("Networks") or {}),
    }
    blob = json.dumps(subset, sort_keys=True, default=str).encode()
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def spec_from_inspect(data: Inspect, names_by_id: Mapping[str, str]) -> ContainerSpec:
    """One container's `docker inspect` object -> ContainerSpec (pure)."""
    config = data.get("Config") or {}
    host = data.get("HostConfig") or {}
    policy = host.get("RestartPolicy") or {}
    network_mode = host.get("NetworkMode") or "default"
    netns = None
    if network_mode.startswith("container:"):
        netns = _resolve(network_mode.partition(":")[2], names_by_id)
    networks = sorted(
        name
        for name in (data.get("NetworkSettings") or {}).get("Networks") or {}
        if name not in BUILTIN_NETWORKS
    )
    if netns is None and network_mode not in BUILTIN_NETWORKS and network_mode not in networks:
        networks = sorted([*networks, network_mode])
    links = sorted(
        {_resolve(link.partition(":")[0], names_by_id) for link in host.get("Links") or []}
    )
    volumes_from = sorted(
        {_resolve(ref.partition(":")[0], names_by_id) for ref in host.get("VolumesFrom") or []}
    )
    binds = sorted(
        {
            m["Source"]
            for m in data.get("Mounts") or []
            if m.get("Type") == "bind" and m.get("Source")
        }
    )
    stop_timeout = config.get("StopTimeout")
    return ContainerSpec(
        name=strip_name(data["Name"]),
        id=data["Id"],
        image=config.get("Image") or data.get("Image", ""),
        image_id=data.get("Image", ""),
        restart_policy=RestartPolicy(
            policy.get("Name") or "no", int(policy.get("MaximumRetryCount") or 0)
        ),
        stop_timeout=DEFAULT_STOP_TIMEOUT if stop_timeout is None else int(stop_timeout),
        health=_health(config),
        binds=tuple(binds),
        links=tuple(links),
        netns_container=netns,
        networks=tuple(networks),
        volumes_from=tuple(volumes_from),
        labels=tuple(sorted((config.get("Labels") or {}).items())),
        running=bool((data.get("State") or {}).get("Running")),
        spec_hash=spec_hash(data),
        run=run_config(data, names_by_id),
    )


def state_from_inspect(data: Inspect) -> ContainerState:
    """One container's inspect object -> its state now (pure)."""
    state = data.get("State") or {}
    return ContainerState(
        status=state.get("Status") or "unknown",
        health=(state.get("Health") or {}).get("Status"),
        restart_count=int(data.get("RestartCount") or 0),
        exit_code=int(state.get("ExitCode") or 0),
        tty=bool((data.get("Config") or {}).get("Tty")),
        started_at=state.get("StartedAt") or "",
        finished_at=state.get("FinishedAt") or "",
    )


def network_from_inspect(data: Inspect) -> NetworkSpec:
    ipam = data.get("IPAM") or {}
    subnets = tuple(
        (c.get("Subnet", ""), c.get("Gateway", ""), c.get("IPRange", ""))
        for c in ipam.get("Config") or []
    )
    return NetworkSpec(
        name=data["Name"],
        id=data["Id"],
        driver=data.get("Driver") or "bridge",
        ipam_driver=ipam.get("Driver") or "default",
        subnets=subnets,
        options=tuple(sorted((data.get("Options") or {}).items())),
        labels=tuple(sorted((data.get("Labels") or {}).items())),
        internal=bool(data.get("Internal")),
        attachable=bool(data.get("Attachable")),
        ipv6=bool(data.get("EnableIPv6")),
    )


# HostConfig settings no export writes yet, and the values that mean "not set" (Docker's
# defaults, and what an engine reports for them: null, 0, "", [] or {}).
_UNEXPORTED_HOST: dict[str, tuple[object, ...]] = {
    "Memory": (),
    "MemoryReservation": (),
    "MemorySwap": (),
    "NanoCpus": (),
    "CpuShares": (),
    "CpuQuota": (),
    "CpuPeriod": (),
    "CpusetCpus": (),
    "PidsLimit": (-1,),
    "Ulimits": (),
    "Dns": (),
    "DnsOptions": (),
    "DnsSearch": (),
    "Sysctls": (),
    "GroupAdd": (),
    "SecurityOpt": (),
    "PidMode": (),
    "UTSMode": (),
    "UsernsMode": (),
    "IpcMode": ("private", "shareable"),
    "Init": (),
    "OomScoreAdj": (),
    "Runtime": ("runc",),
    "DeviceRequests": (),
    "DeviceCgroupRules": (),
    "CgroupParent": (),
    "ShmSize": (64 * 1024 * 1024,),
    "PublishAllPorts": (),
    "AutoRemove": (),
}
_UNEXPORTED_CONFIG: dict[str, tuple[object, ...]] = {
    "StopSignal": ("SIGTERM", "15"),
    "Tty": (),
    "OpenStdin": (),
    "MacAddress": (),
}
# Log drivers an engine may default to: a container on one of them, without options, was most
# likely not given --log-driver (the engine's default is not in inspect).
_DEFAULT_LOG_DRIVERS = ("json-file", "journald", "local", "")


def _is_set(value: object, defaults: tuple[object, ...]) -> bool:
    return value not in (None, 0, "", False, [], {}) and value not in defaults


def _unexported(config: Inspect, host: Inspect) -> list[tuple[str, str]]:
    found = [
        (f"HostConfig.{key}", json.dumps(host.get(key), sort_keys=True))
        for key, defaults in _UNEXPORTED_HOST.items()
        if _is_set(host.get(key), defaults)
    ]
    found += [
        (f"Config.{key}", json.dumps(config.get(key), sort_keys=True))
        for key, defaults in _UNEXPORTED_CONFIG.items()
        if _is_set(config.get(key), defaults)
    ]
    log = host.get("LogConfig") or {}
    if log.get("Config") or log.get("Type", "") not in _DEFAULT_LOG_DRIVERS:
        found.append(("HostConfig.LogConfig", json.dumps(log, sort_keys=True)))
    return found


def _ports(host: Inspect) -> list[PortBinding]:
    ports = []
    for key, bindings in (host.get("PortBindings") or {}).items():
        port, _, protocol = key.partition("/")
        for binding in bindings or [{}]:
            ports.append(
                PortBinding(
                    int(port),
                    protocol or "tcp",
                    binding.get("HostIp") or "",
                    binding.get("HostPort") or "",
                )
            )
    return sorted(ports, key=lambda p: (p.port, p.protocol, p.host_ip, p.host_port))


def _is_anonymous(volume: str) -> bool:
    """Docker names an anonymous volume by 64 hex digits."""
    return len(volume) == 64 and not volume.strip(hexdigits)


def _own_targets(config: Inspect, host: Inspect) -> set[str] | None:
    """The mount points the container was given itself, or None when it has no --volumes-from
    (then all are its own). inspect's Mounts also lists what --volumes-from brought, which an
    export must leave to volumes_from, or the re-created container would mount it twice."""
    if not host.get("VolumesFrom"):
        return None
    own = set(config.get("Volumes") or {}) | set(host.get("Tmpfs") or {})
    own |= {bind.split(":")[1] for bind in host.get("Binds") or [] if bind.count(":") >= 1}
    own |= {m.get("Target") for m in host.get("Mounts") or [] if m.get("Target")}
    return own


def _mounts(data: Inspect, host: Inspect) -> list[Mount]:
    mounts = []
    own = _own_targets(data.get("Config") or {}, host)
    for m in data.get("Mounts") or []:
        if own is not None and m.get("Destination") not in own:
            continue
        kind = m.get("Type")
        options = [o for o in (m.get("Mode") or "").split(",") if o and o not in ("ro", "rw")]
        read_only = not m.get("RW", True)
        propagation = m.get("Propagation") or ""
        if kind == "bind":
            if propagation not in ("", "rprivate") and propagation not in options:
                options.append(propagation)
            mounts.append(Mount("bind", m["Source"], m["Destination"], read_only, tuple(options)))
        elif kind == "volume":
            name = m.get("Name") or ""
            # Docker gives `-v NAME:/path` the mode z itself; it relabels its volumes anyway.
            options = [o for o in options if o != "z"]
            source = "" if _is_anonymous(name) else name
            mounts.append(Mount("volume", source, m["Destination"], read_only, tuple(options)))
        elif kind == "tmpfs":
            mounts.append(Mount("tmpfs", "", m["Destination"], read_only))
    for path, opts in sorted((host.get("Tmpfs") or {}).items()):
        mounts.append(Mount("tmpfs", "", path, options=tuple(o for o in opts.split(",") if o)))
    return sorted(mounts, key=lambda m: m.target)


def _network_mode(host: Inspect, networks: Iterable[str]) -> str:
    mode = host.get("NetworkMode") or "default"
    if mode.startswith("container:"):
        return "container"
    if mode in ("host", "none"):
        return mode
    if mode in ("default", "bridge") or not list(networks):
        return "bridge"
    return "user"


def run_config(data: Inspect, names_by_id: Mapping[str, str]) -> RunConfig:
    """What an export needs to recreate the container (pure)."""
    config = data.get("Config") or {}
    host = data.get("HostConfig") or {}
    attached = (data.get("NetworkSettings") or {}).get("Networks") or {}
    user_networks = [n for n in attached if n not in BUILTIN_NETWORKS]
    mode = _network_mode(host, user_networks)
    hostname = config.get("Hostname") or ""
    if mode == "container" or hostname == (data.get("Id") or "")[:12]:
        hostname = ""
    unexported = _unexported(config, host)
    if mode == "user" and "bridge" in attached:
        unexported.append(("NetworkSettings.Networks", json.dumps(sorted(attached))))
    aliases = []
    for link in host.get("Links") or []:
        target, _, alias = link.partition(":")
        target, alias = _resolve(target, names_by_id), alias.rpartition("/")[2]
        if alias and alias != target:
            aliases.append((target, alias))
    return RunConfig(
        command=None if config.get("Cmd") is None else tuple(config["Cmd"]),
        entrypoint=None if config.get("Entrypoint") is None else tuple(config["Entrypoint"]),
        environment=tuple(
            (key, value) for key, _, value in (e.partition("=") for e in config.get("Env") or [])
        ),
        ports=tuple(_ports(host)),
        mounts=tuple(_mounts(data, host)),
        devices=tuple(
            Device(d["PathOnHost"], d["PathInContainer"], d.get("CgroupPermissions") or "rwm")
            for d in host.get("Devices") or []
        ),
        cap_add=tuple(host.get("CapAdd") or ()),
        cap_drop=tuple(host.get("CapDrop") or ()),
        user=config.get("User") or "",
        working_dir=config.get("WorkingDir") or "",
        hostname=hostname,
        domainname=config.get("Domainname") or "",
        extra_hosts=tuple(host.get("ExtraHosts") or ()),
        privileged=bool(host.get("Privileged")),
        read_only=bool(host.get("ReadonlyRootfs")),
        network_mode=mode,
        link_aliases=tuple(sorted(set(aliases))),
        volumes_from_read_only=tuple(
            sorted(
                {
                    _resolve(ref.partition(":")[0], names_by_id)
                    for ref in host.get("VolumesFrom") or []
                    if ref.partition(":")[2] == "ro"
                }
            )
        ),
        unexported=tuple(unexported),
    )
