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

from unitgen.engine.run_config import run_config
from unitgen.model import (
    BUILTIN_NETWORKS,
    ContainerSpec,
    ContainerState,
    HealthCheck,
    HealthRun,
    NetworkSpec,
    RestartPolicy,
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


def _network_mode(host: Inspect) -> str:
    mode = host.get("NetworkMode") or "default"
    return "bridge" if mode == "default" else mode


def spec_hash(data: Inspect) -> str:
    config = data.get("Config") or {}
    host = data.get("HostConfig") or {}
    hashed_host = {k: host.get(k) for k in _HASHED_HOST}
    # Docker builds Links from a map: its order changes from one inspect to the next.
    hashed_host["Links"] = sorted(host.get("Links") or [])
    # Docker 26.1 and later store the default network mode as "bridge", and rewrite the
    # "default" older engines stored when the daemon starts: an engine upgrade is no change.
    hashed_host["NetworkMode"] = _network_mode(host)
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
        run=run_config(data, lambda ref: _resolve(ref, names_by_id)),
        state=state_from_inspect(data),
    )


def state_from_inspect(data: Inspect) -> ContainerState:
    """One container's inspect object -> its state now (pure)."""
    state = data.get("State") or {}
    # Docker writes Health only for a container with a health check (null before 1.12).
    health = state.get("Health")
    health = health if isinstance(health, Mapping) else {}
    return ContainerState(
        status=state.get("Status") or "unknown",
        health=health.get("Status"),
        restart_count=int(data.get("RestartCount") or 0),
        exit_code=int(state.get("ExitCode") or 0),
        tty=bool((data.get("Config") or {}).get("Tty")),
        started_at=state.get("StartedAt") or "",
        finished_at=state.get("FinishedAt") or "",
        last_check=_last_check(health.get("Log") or []),
    )


def _last_check(log: list[Inspect]) -> HealthRun | None:
    """The newest entry of State.Health.Log (the engine keeps the last five, oldest first)."""
    if not log:
        return None
    last = log[-1]
    return HealthRun(int(last.get("ExitCode") or 0), last_line(str(last.get("Output") or "")))


def last_line(output: str) -> str:
    """A check's output in one line: its last line that is not blank, stripped. A check that
    prints progress or a traceback says what failed last (curl's error after its meter)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else ""


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
