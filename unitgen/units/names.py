"""Names every module agrees on: unit names, prefixes, the [X-Unitgen] keys, where units and
the helper live. Pure; imported by the renderer, the inventory, drift and planning alike."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from unitgen.errors import UnsafeValue
from unitgen.model import CONTAINER_NAME_RE
from unitgen.units.scope import SYSTEM, Scope
from unitgen.units.unitfile import check_unit_name, escape_unit_name_part

X_SECTION = "X-Unitgen"
HASH_KEY = "ContentHash"
# The [X-Unitgen] keys that something else than unitgen reads: inventory, and postrm's purge.
CONTAINER_KEY = "Container"
POLICY_KEY = "DockerRestartPolicy"
CONTAINER_PREFIX = "docker-"
NETWORK_PREFIX = "unitgen-network-"
# Relative to the root unitgen works on (/ or --root/DPKG_ROOT).
UNIT_DIR = Path("etc/systemd/system")
# The helper every unit runs (unitgen/units/helper.sh), at an absolute path on the target system.
# /var/lib survives `apt remove` (as dpkg's own maintainer scripts in /var/lib/dpkg/info do);
# the interface version is in the name, so a new interface never breaks an older unit.
# (units/scope.py: a user's units run their own, in $XDG_DATA_HOME.)
HELPER_PATH = SYSTEM.helper
# Recreate mode's records: each container's creation request (README, "Recreate mode"), one
# file per container, readable by root only (it holds the container's environment).
RECORD_DIR = SYSTEM.record_dir
RECORD_MODE = 0o600
# The labels a container made by a unit carries: the unit that owns it (for people and other
# tools), and the same value under the field name journald files a root daemon's lines by
# (`journalctl -u UNIT` matches OBJECT_SYSTEMD_UNIT=UNIT from uid 0; the journald log driver
# turns label object.systemd.unit into that field).
UNIT_LABEL = "unitgen.unit"
JOURNAL_UNIT_LABEL = "object.systemd.unit"
# Compiled templates (Jinja's bytecode, keyed by each template's source: never stale), so that
# a run skips Jinja's lexer and compiler. Of the host unitgen runs on, not of --root.
CACHE_DIR = Path("/var/cache/unitgen")
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


def under(root: Path, path: PurePosixPath) -> Path:
    """PATH (absolute on the target system) below ROOT."""
    return root / path.relative_to("/")


def unit_dir(root: Path, scope: Scope = SYSTEM) -> Path:
    return under(root, scope.unit_dir)


def helper_file(root: Path, scope: Scope = SYSTEM) -> Path:
    """Where the helper is written under ROOT."""
    return under(root, scope.helper)


def record_path(container: str, scope: Scope = SYSTEM) -> PurePosixPath:
    """The record of container NAME on the target system (absolute, as units name it)."""
    container_unit_name(container)  # refuses a name that is not Docker's
    return scope.record_dir / f"{container}.json"


def record_file(root: Path, container: str, scope: Scope = SYSTEM) -> Path:
    """Where the record of NAME is written under ROOT."""
    return under(root, record_path(container, scope))


def template_cache_dir() -> Path | None:
    """Where compiled templates are kept: $UNITGEN_CACHE_DIR (empty: nowhere), else
    /var/cache/unitgen for root, else $XDG_CACHE_HOME/unitgen; None when it cannot be
    written (the templates are then compiled at each run, as without a cache)."""
    import os

    if "UNITGEN_CACHE_DIR" in os.environ:
        chosen = os.environ["UNITGEN_CACHE_DIR"]
        if not chosen:
            return None
        path = Path(chosen)
    elif os.geteuid() == 0:
        path = CACHE_DIR
    else:
        home = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
        path = Path(home) / "unitgen"
    path = path / "templates"
    try:
        path.mkdir(mode=0o755, parents=True, exist_ok=True)
    except OSError:
        return None
    return path if os.access(path, os.W_OK) else None
