"""Container references as Docker's CLI takes them: a name, `/name`, a full id or a unique id
prefix. What a reference may look like, and what it names among the installed units, is pure;
`resolve` puts those together with the engine's answer (any object with DockerSource's
`resolve`), so the rest of unitgen only ever sees canonical container names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Protocol

from unitgen.errors import (
    ContainerNotFound,
    DockerUnavailable,
    PermissionDenied,
    UnitgenError,
    UsageError,
)
from unitgen.units.installed import InstalledUnit
from unitgen.units.names import container_unit_name

# Docker's name alphabet (its restrictedNameChars) with one character allowed, which only an
# id prefix can be; a leading `/` is Docker's own spelling of a name (`docker inspect` shows it).
_REFERENCE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")
_HEX = re.compile(r"[0-9a-f]{1,64}")


class Resolver(Protocol):
    def resolve(self, ref: str) -> str | None: ...


def _shown(ref: str) -> str:
    """REF quoted for a one-line message: control characters escaped, length bounded."""
    return repr(ref) if len(ref) <= 60 else repr(ref[:60]) + "..."


def checked(ref: str) -> str:
    """REF without its leading `/`; UsageError when Docker could never take it as a name or an
    id (empty, blanks, a character outside its alphabet)."""
    bare = ref[1:] if ref.startswith("/") else ref
    if not _REFERENCE.fullmatch(bare):
        raise UsageError(
            f"{_shown(ref)} is not a container name or id",
            "a name is letters, digits and _.- (a letter or digit first, a leading / allowed); "
            "an id or id prefix is hex digits",
        )
    return bare


def ambiguous(ref: str, count: int | None = None) -> UsageError:
    many = f"{count} containers" if count else "several containers"
    return UsageError(
        f"{ref} is an ambiguous id prefix: {many} have an id starting with it",
        "give more characters of the id, or the container's name",
    )


def not_found(ref: str) -> ContainerNotFound:
    if _HEX.fullmatch(ref):
        return ContainerNotFound(
            f"no container named or with an id starting with {ref}",
            "check the name or id with `docker ps -a`",
        )
    return ContainerNotFound(f"no container named {ref}", "check the name with `docker ps -a`")


def among_installed(ref: str, units: Mapping[str, InstalledUnit], *, prefix: bool) -> str | None:
    """The container of an installed unit that REF names, by the engine's rules in its order:
    the full id recorded in the unit, the name, then (with prefix) a unique prefix of a
    recorded id."""
    ids = {u.container: u.container_id or "" for u in units.values() if u.container}
    for name, full in ids.items():
        if full == ref:
            return name
    if ref in ids or not prefix:
        return ref if ref in ids else None
    hits = [name for name, full in ids.items() if _HEX.fullmatch(ref) and full.startswith(ref)]
    if len(hits) > 1:
        raise ambiguous(ref, len(hits))
    return hits[0] if hits else None


def resolve(
    refs: Sequence[str],
    engine: Resolver,
    installed: Mapping[str, InstalledUnit] | None = None,
    *,
    lenient: bool = False,
) -> list[str]:
    """The container names REFS stand for, each once, in order. An installed unit's full id or
    name comes first (units outlive their containers, and a name must not lose to another
    container's id prefix, as in the engine); then the engine; then a prefix of a recorded id
    (or any of INSTALLED when the engine cannot be asked). With lenient, a name found nowhere
    is kept as it is (for uninstall, where it is nothing to do); else it is
    ContainerNotFound."""
    units = installed or {}
    names: list[str] = []
    for ref in refs:
        bare = checked(ref)
        down: UnitgenError | None = None
        found = among_installed(bare, units, prefix=False)
        if found is None:
            try:
                found = engine.resolve(bare)
            except (DockerUnavailable, PermissionDenied) as exc:
                down = exc
        if found is None:
            found = among_installed(bare, units, prefix=True)
        if found is None and lenient and _is_unit_name(bare):
            found = bare
        if found is None:
            raise down or not_found(bare)
        names.append(found)
    return list(dict.fromkeys(names))


def _is_unit_name(name: str) -> bool:
    try:
        container_unit_name(name)
    except UnitgenError:
        return False
    return True
