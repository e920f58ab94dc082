"""`docker inspect` -> RunConfig: what `unitgen export` needs to recreate a container (pure).

Beside from_inspect, on the same side of the boundary: raw dicts in, a frozen RunConfig out.
The units never need any of it, so none of it feeds spec_hash.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from unitgen.engine_defaults import DEFAULT_SHM, is_anonymous, memory_swap
from unitgen.model import (
    BUILTIN_NETWORKS,
    Device,
    Endpoint,
    Mount,
    PortBinding,
    RunConfig,
    Settings,
)

Inspect = Mapping[str, Any]

# HostConfig settings no export writes yet, and the values that mean "not set" (Docker's
# defaults, and what an engine reports for them: null, 0, "", [] or {}).
_UNEXPORTED_HOST: dict[str, tuple[object, ...]] = {
    "CpuQuota": (),
    "CpuPeriod": (),
    "GroupAdd": (),
    "PidMode": (),
    "UTSMode": (),
    "UsernsMode": (),
    "IpcMode": ("private", "shareable"),
    "OomScoreAdj": (),
    "Runtime": ("runc",),
    "DeviceRequests": (),
    "DeviceCgroupRules": (),
    "CgroupParent": (),
    "PublishAllPorts": (),
    "AutoRemove": (),
}
_UNEXPORTED_CONFIG: dict[str, tuple[object, ...]] = {
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
    return found


def _settings(config: Inspect, host: Inspect) -> Settings:
    log = host.get("LogConfig") or {}
    log_options = tuple(sorted((log.get("Config") or {}).items()))
    log_driver = log.get("Type") or ""
    if not log_options and log_driver in _DEFAULT_LOG_DRIVERS:
        log_driver = ""
    stop_signal = config.get("StopSignal") or ""
    return Settings(
        memory=host.get("Memory") or 0,
        memory_reservation=host.get("MemoryReservation") or 0,
        memory_swap=memory_swap(host),
        nano_cpus=host.get("NanoCpus") or 0,
        cpu_shares=host.get("CpuShares") or 0,
        cpuset_cpus=host.get("CpusetCpus") or "",
        pids_limit=max(host.get("PidsLimit") or 0, 0),  # -1 and 0 both mean unlimited
        shm_size=0 if host.get("ShmSize") == DEFAULT_SHM else host.get("ShmSize") or 0,
        ulimits=tuple(
            (u.get("Name") or "", int(u.get("Soft") or 0), int(u.get("Hard") or 0))
            for u in host.get("Ulimits") or []
            if u.get("Name")
        ),
        sysctls=tuple(sorted((host.get("Sysctls") or {}).items())),
        security_opt=tuple(host.get("SecurityOpt") or ()),
        init=bool(host.get("Init")),
        stop_signal="" if stop_signal in ("SIGTERM", "15") else stop_signal,
        tty=bool(config.get("Tty")),
        stdin_open=bool(config.get("OpenStdin")),
        dns=tuple(host.get("Dns") or ()),
        dns_search=tuple(host.get("DnsSearch") or ()),
        dns_options=tuple(host.get("DnsOptions") or ()),
        log_driver=log_driver,
        log_options=log_options,
    )


def _endpoints(data: Inspect, attached: Mapping[str, Any]) -> list[Endpoint]:
    """Aliases and static addresses on user-defined networks. Docker adds the short id and
    the name itself, Compose the service name: those are not the user's."""
    config = data.get("Config") or {}
    own = {
        (data.get("Id") or "")[:12],
        (data.get("Name") or "").lstrip("/"),
        (config.get("Labels") or {}).get("com.docker.compose.service"),
    }
    found = []
    for net, endpoint in sorted(attached.items()):
        if net in BUILTIN_NETWORKS:
            continue
        aliases = tuple(sorted(set((endpoint or {}).get("Aliases") or []) - own))
        ipam = (endpoint or {}).get("IPAMConfig") or {}
        ipv4, ipv6 = ipam.get("IPv4Address") or "", ipam.get("IPv6Address") or ""
        if aliases or ipv4 or ipv6:
            found.append(Endpoint(net, aliases, ipv4, ipv6))
    return found


def _ports(host: Inspect) -> list[PortBinding]:
    ports = []
    for key, bindings in (host.get("PortBindings") or {}).items():
        port, _, protocol = key.partition("/")
        if not port.isdigit():
            continue  # PortBindings' keys are single ports; nothing else to recreate
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
        kind, source, target = m.get("Type"), m.get("Source") or "", m.get("Destination") or ""
        if not target or (kind == "bind" and not source):
            continue  # not something an engine reports; nothing to recreate
        options = [o for o in (m.get("Mode") or "").split(",") if o and o not in ("ro", "rw")]
        read_only = not m.get("RW", True)
        propagation = m.get("Propagation") or ""
        if kind == "bind":
            if propagation not in ("", "rprivate") and propagation not in options:
                options.append(propagation)
            mounts.append(Mount("bind", source, target, read_only, tuple(options)))
        elif kind == "volume":
            name = m.get("Name") or ""
            # Docker gives `-v NAME:/path` the mode z itself; it relabels its volumes anyway.
            options = [o for o in options if o != "z"]
            source = "" if is_anonymous(name) else name
            mounts.append(Mount("volume", source, target, read_only, tuple(options)))
        elif kind == "tmpfs":
            mounts.append(Mount("tmpfs", "", target, read_only))
    for path, opts in sorted((host.get("Tmpfs") or {}).items()):
        flags = tuple(o for o in (opts or "").split(",") if o)
        mounts.append(Mount("tmpfs", "", path, options=flags))
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


def run_config(data: Inspect, resolve: Callable[[str], str]) -> RunConfig:
    """What an export needs to recreate the container (pure). `resolve` turns a reference
    to another container (a name or an id) into its name."""
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
        target, alias = resolve(target), alias.rpartition("/")[2]
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
            Device(
                d["PathOnHost"],
                d.get("PathInContainer") or d["PathOnHost"],
                d.get("CgroupPermissions") or "rwm",
            )
            for d in host.get("Devices") or []
            if d.get("PathOnHost")
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
                    resolve(ref.partition(":")[0])
                    for ref in host.get("VolumesFrom") or []
                    if ref.partition(":")[2] == "ro"
                }
            )
        ),
        settings=_settings(config, host),
        endpoints=tuple(_endpoints(data, attached)),
        unexported=tuple(unexported),
    )
