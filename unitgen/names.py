"""Names every module agrees on: unit names, prefixes, the [X-Unitgen] keys, where units and
the helper live. Pure; imported by the renderer, the inventory, drift and planning alike."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from unitgen.errors import UnsafeValue
from unitgen.model import CONTAINER_NAME_RE
from unitgen.unitfile import check_unit_name, escape_unit_name_part

X_SECTION = "X-Unitgen"
HASH_KEY = "ContentHash"
CONTAINER_PREFIX = "docker-"
NETWORK_PREFIX = "unitgen-network-"
# Relative to the root unitgen works on (/ or --root/DPKG_ROOT).
UNIT_DIR = Path("etc/systemd/system")
# The helper every unit runs (unitgen/helper.sh), at an absolute path on the target system.
# /var/lib survives `apt remove` (as dpkg's own maintainer scripts in /var/lib/dpkg/info do);
# the interface version is in the name, so a new interface never breaks an older unit.
HELPER_PATH = PurePosixPath("/var/lib/unitgen/helper/container-v1")
_NAME = re.compile(CONTAINER_NAME_RE)


def container_unit_name(container: str) -> str:
    """`docker-NAME.service`. Docker's name alphabet is inside systemd's, so no escaping."""
    if not _NAME.fullmatch(container):
        raise UnsafeValue(f"container name {container!r} is not a valid Docker name")
    return check_unit_name(f"{CONTAINER_PREFIX}{container}.service")


def container_of_unit_name(unit: str) -> str | None:
    """The container `docker-NAME.service` is named after; None for any other name."""
    name = unit.removeprefix(CONTAINER_PREFIX).removesuffix(".service")
    if unit == f"{CONTAINER_PREFIX}{name}.service" and _NAME.fullmatch(name):
        return name
    return None


def network_unit_name(network: str) -> str:
    """`unitgen-network-NAME.service`; a different prefix, so it never meets a container's."""
    return check_unit_name(f"{NETWORK_PREFIX}{escape_unit_name_part(network)}.service")


def is_unitgen_unit_name(name: str) -> bool:
    return name.endswith(".service") and name.startswith((CONTAINER_PREFIX, NETWORK_PREFIX))


def unit_dir(root: Path) -> Path:
    return root / UNIT_DIR


def helper_file(root: Path) -> Path:
    """Where the helper is written under ROOT."""
    return root / HELPER_PATH.relative_to("/")
