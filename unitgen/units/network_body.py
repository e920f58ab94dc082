"""A network's spec -> the Engine API body that recreates it as the user made it (pure)."""

from __future__ import annotations

import ipaddress
import json

from unitgen.model import NetworkSpec

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


def network_create_members(net: NetworkSpec) -> list[str]:
    """The members, `"Key":value` each, of the Engine API's POST /networks/create body that
    recreates NET as the user made it: the helper joins them into the object, and the unit
    shows one per line."""
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
    return [
        json.dumps(key, ensure_ascii=False)
        + ":"
        + json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        for key, value in body.items()
    ]
