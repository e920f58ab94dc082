"""The recreate-mode record: the requests that create a container again, as a frozen value
(pure). `build` makes it from `docker inspect` (raw dicts in, like engine/specs.py);
`Record.text()` is the file the unit's helper reads line by line (README, "Recreate mode"),
`parse` reads it back strictly; `differences` says how a container has drifted from it.

What of an inspect goes into those requests (`bodies`; `references` says which other
containers' names it needs): everything the container was created with, losslessly, minus
what the engine chose (its id as hostname, derived limits, default masked paths, addresses)
or the image supplies (inspect merges the image's config in): a newer image's defaults then
apply after an update.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from string import hexdigits
from typing import Any, Literal

from unitgen.engine_defaults import DEFAULT_SHM, is_anonymous, memory_swap
from unitgen.errors import RecordUnreadable
from unitgen.model import BUILTIN_NETWORKS, CONTAINER_NAME_RE
from unitgen.units.names import JOURNAL_UNIT_LABEL, UNIT_LABEL

VERSION = 1

Inspect = Mapping[str, Any]
Logs = Literal["journal", "keep"]
Body = dict[str, Any]

# Config fields the engine takes from the image when a create request leaves them out.
_FROM_IMAGE = ("WorkingDir", "User", "StopSignal", "Healthcheck", "OnBuild", "Shell")
_FROM_IMAGE_MAPS = ("ExposedPorts", "Volumes", "Labels")  # by entry
_MAPS = ("Env", *_FROM_IMAGE_MAPS)  # left out when nothing of them is the container's own
# HostConfig fields that name another container as "container:ID" (the engine stores the id).
_CONTAINER_MODES = ("NetworkMode", "IpcMode", "PidMode", "Cgroup")
# Every engine's default MaskedPaths/ReadonlyPaths holds these (later engines add paths). The
# engine fills its default in when a request has none and the container is unprivileged, and
# no CLI option sets them (systempaths=unconfined sends []): a list holding all of these is
# taken for the engine's, so a newer engine's default applies after an upgrade.
_DEFAULT_MASKED = {"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/sys/firmware"}
_DEFAULT_READONLY = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
# What a create or connect takes of an endpoint; the rest is the engine's (addresses, ids).
_ENDPOINT_KEYS = ("IPAMConfig", "Aliases", "Links", "DriverOpts")


def _unset(value: object) -> bool:
    return value in (None, "", 0, False, [], {})


def _same(a: object, b: object) -> bool:
    """Equal, taking unset for unset and leaving out unset entries of a map (an image's
    config omits empty fields; a container's reports them)."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        a = {k: v for k, v in a.items() if not _unset(v)}
        b = {k: v for k, v in b.items() if not _unset(v)}
    return a == b or (_unset(a) and _unset(b))


def _without_image(config: Inspect, image: Inspect) -> dict[str, Any]:
    """Config minus what equals the image's own config."""
    body = dict(config)
    theirs_env = set(image.get("Env") or ())
    body["Env"] = [e for e in body.get("Env") or () if e not in theirs_env]
    if _same(body.get("Entrypoint"), image.get("Entrypoint")):
        if _same(body.get("Cmd"), image.get("Cmd")):
            for key in ("Cmd", "Entrypoint", "ArgsEscaped"):
                body.pop(key, None)
        elif body.get("Cmd"):
            # A command alone: the engine takes the image's entrypoint, as `docker run IMAGE
            # CMD` does. (Without a command it was --entrypoint: the image's Cmd would apply.)
            body.pop("Entrypoint", None)
    for key in _FROM_IMAGE:
        if key in body and _same(body[key], image.get(key)):
            del body[key]
    for key in _FROM_IMAGE_MAPS:
        theirs = image.get(key) or {}
        body[key] = {
            k: v for k, v in (body.get(key) or {}).items() if k not in theirs or theirs[k] != v
        }
    return {key: value for key, value in body.items() if key not in _MAPS or value}


def references(inspect: Inspect) -> list[str]:
    """The other containers INSPECT names by id (the engine stores "container:ID" for a name
    given; --volumes-from keeps what was given): their names are needed to build its record."""
    host = inspect.get("HostConfig") or {}
    refs = [ref.partition(":")[0] for ref in host.get("VolumesFrom") or []]
    refs += [
        (host.get(key) or "").partition(":")[2]
        for key in _CONTAINER_MODES
        if (host.get(key) or "").startswith("container:")
    ]
    return [ref for ref in dict.fromkeys(refs) if len(ref) >= 12 and not ref.strip(hexdigits)]


def _name_of(ref: str, names_by_id: Mapping[str, str]) -> str:
    """A reference by id -> the container's name (it is recreated and gets another id)."""
    if ref in names_by_id:
        return names_by_id[ref]
    if len(ref) >= 12 and not ref.strip(hexdigits):
        found = {name for cid, name in names_by_id.items() if cid.startswith(ref)}
        if len(found) == 1:
            return found.pop()
    return ref


def _anonymous_volumes(inspect: Inspect, host: dict[str, Any]) -> None:
    """Name the container's anonymous volumes in its binds: each creation would make a new,
    empty one (and removing the container with its volumes, or --rm, deletes the old one),
    while a volume given by name is reused and kept. One from --volumes-from is left to it."""
    declared = set((inspect.get("Config") or {}).get("Volumes") or {})
    bound = {bind.split(":")[1] for bind in host.get("Binds") or [] if ":" in bind}
    mounts = [dict(m) for m in host.get("Mounts") or []]
    binds = list(host.get("Binds") or [])
    for found in inspect.get("Mounts") or []:
        name, target = found.get("Name") or "", found.get("Destination") or ""
        if found.get("Type") != "volume" or not is_anonymous(name) or target in bound:
            continue
        given = [m for m in mounts if m.get("Target") == target]
        if given:
            for mount in given:
                if mount.get("Type") == "volume" and not mount.get("Source"):
                    mount["Source"] = name
        elif target in declared:
            binds.append(f"{name}:{target}" + ("" if found.get("RW", True) else ":ro"))
    if binds:
        host["Binds"] = binds
    if mounts:
        host["Mounts"] = mounts


def _host_config(
    inspect: Inspect, names_by_id: Mapping[str, str], *, unit: str, logs: Logs
) -> dict[str, Any]:
    host = dict(inspect.get("HostConfig") or {})
    for key in _CONTAINER_MODES:
        kind, colon, ref = (host.get(key) or "").partition(":")
        if kind == "container" and colon:
            host[key] = f"container:{_name_of(ref, names_by_id)}"
    if host.get("VolumesFrom"):
        host["VolumesFrom"] = [
            _name_of(ref, names_by_id) + colon + mode
            for ref, colon, mode in (v.partition(":") for v in host["VolumesFrom"])
        ]
    if host.get("Links"):
        # "/db:/web/db" -> "db:db"; the engine lists them from a map, in no stable order.
        host["Links"] = sorted(
            f"{target.lstrip('/')}:{alias.rpartition('/')[2]}"
            for target, _, alias in (link.partition(":") for link in host["Links"])
        )
    _anonymous_volumes(inspect, host)
    # systemd supervises the container; unitgen keeps the original policy in the unit.
    host["RestartPolicy"] = {"Name": "no", "MaximumRetryCount": 0}
    if logs == "journal":
        tag = unit.removesuffix(".service")
        options = {"tag": tag, "labels": f"{UNIT_LABEL},{JOURNAL_UNIT_LABEL}"}
        host["LogConfig"] = {"Type": "journald", "Config": options}
    # What the engine chose when the request left it out: it chooses again.
    if not host.get("ContainerIDFile"):
        host.pop("ContainerIDFile", None)
    if host.get("MemorySwap") and not memory_swap(host):
        del host["MemorySwap"]
    if host.get("ShmSize") == DEFAULT_SHM:
        del host["ShmSize"]
    if set(host.get("MaskedPaths") or ()) >= _DEFAULT_MASKED:
        del host["MaskedPaths"]
    if set(host.get("ReadonlyPaths") or ()) >= _DEFAULT_READONLY:
        del host["ReadonlyPaths"]
    return host


def _endpoint(inspect: Inspect, endpoint: Inspect) -> dict[str, Any]:
    """What a create or connect takes of an endpoint and the user set. The engine adds the
    short id and the hostname to the aliases (later ones the name): those are not the user's."""
    config = inspect.get("Config") or {}
    engine = {
        (inspect.get("Id") or "")[:12],
        (inspect.get("Name") or "").lstrip("/"),
        config.get("Hostname"),
    }
    kept = {key: endpoint.get(key) for key in _ENDPOINT_KEYS}
    kept["Aliases"] = [a for a in kept["Aliases"] or () if a not in engine]
    if not any(v for v in (kept["IPAMConfig"] or {}).values()):
        kept["IPAMConfig"] = None
    return {key: value for key, value in kept.items() if value}


def _primary(mode: str, attached: Mapping[str, Any]) -> str | None:
    """The network HostConfig.NetworkMode names, as NetworkSettings names it: by name, or by
    the id (or a prefix of it) it was given as. None for host, none and container:X."""
    if mode in ("", "default"):
        return "bridge" if "bridge" in attached else None
    if mode in ("host", "none") or mode.startswith("container:"):
        return None
    if mode in attached:
        return mode
    by_id = [
        n for n, ep in attached.items() if ((ep or {}).get("NetworkID") or "").startswith(mode)
    ]
    if len(by_id) == 1:
        return by_id[0]
    # Never started, so no network id is known yet: its one network is the one it names.
    return next(iter(attached)) if len(attached) == 1 else None


def bodies(
    inspect: Inspect,
    image_inspect: Inspect,
    names_by_id: Mapping[str, str],
    *,
    unit: str,
    logs: Logs,
) -> tuple[Body, list[tuple[str, Body]]]:
    """The body of POST /containers/create, and each other network with the body of POST
    /networks/NET/connect without "Container" (see `record.build` for the arguments)."""
    config = inspect.get("Config") or {}
    body = _without_image(config, image_inspect.get("Config") or {})
    host = _host_config(inspect, names_by_id, unit=unit, logs=logs)
    mode = host.get("NetworkMode") or "default"
    own_id = (inspect.get("Id") or "")[:12]
    if mode == "host" or mode.startswith("container:") or body.get("Hostname") in ("", own_id):
        # The engine's choice (its id, the host's name), or refused with container:X.
        body.pop("Hostname", None)
    if not body.get("Domainname"):
        body.pop("Domainname", None)
    if not body.get("MacAddress"):  # the engine reports only the one the user set
        body.pop("MacAddress", None)
    body["Labels"] = {**(body.get("Labels") or {}), UNIT_LABEL: unit, JOURNAL_UNIT_LABEL: unit}
    attached: Mapping[str, Any] = (inspect.get("NetworkSettings") or {}).get("Networks") or {}
    primary = _primary(mode, attached)
    if primary is not None and primary not in BUILTIN_NETWORKS and mode != primary:
        host["NetworkMode"] = primary  # given by id: the network may be recreated
    body["HostConfig"] = host
    endpoints = {primary: _endpoint(inspect, attached[primary] or {})} if primary else {}
    body["NetworkingConfig"] = {"EndpointsConfig": endpoints}
    others = [] if mode in ("host", "none") or mode.startswith("container:") else attached
    connects = [
        (net, {"EndpointConfig": _endpoint(inspect, attached[net] or {})})
        for net in sorted(others)
        if net != primary
    ]
    return body, connects


def canonical(value: object) -> str:
    """One line of JSON, keys sorted, ASCII only: the form every value of a record has."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


@dataclass(frozen=True)
class Record:
    """A container's creation request: `create` is the body of POST /containers/create
    (canonical JSON), each of `connects` a network and the body of POST /networks/NET/connect
    without "Container" (canonical JSON), sorted by network."""

    container: str
    image: str
    image_id: str
    create: str
    connects: tuple[tuple[str, str], ...] = ()
    # The Engine API version the bodies were read and written at (the engine's own, as the
    # run asked it): the helper posts them at /vAPI. Empty in records of older unitgens.
    api: str = ""
    # The X-Registry-Auth value a pull of IMAGE sends (docker-py's encoding of the credentials
    # Docker's CLI would use for its registry, resolved when the record is written, credential
    # helpers included): the helper's pull at boot has no login session to run those in. Empty
    # when the registry needs none. The record is root's alone (0600) already: it holds the
    # container's environment.
    registry_auth: str = field(default="", repr=False)

    def text(self) -> str:
        """The record file: one top-level member per line, in a fixed order."""
        members = [
            ("unitgen-record", canonical(VERSION)),
            ("container", canonical(self.container)),
            ("image", canonical(self.image)),
            ("image-id", canonical(self.image_id)),
            ("create", self.create),
            *((("api", canonical(self.api)),) if self.api else ()),
            *((("registry-auth", canonical(self.registry_auth)),) if self.registry_auth else ()),
            *((f"connect {net}", body) for net, body in self.connects),
        ]
        return "{\n" + ",\n".join(f"{canonical(k)}:{v}" for k, v in members) + "\n}\n"

    def create_body(self) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.create)
        return body


def build(
    inspect: Inspect,
    image_inspect: Inspect,
    names_by_id: Mapping[str, str],
    *,
    unit: str,
    logs: Logs,
    api: str = "",
    registry_auth: str = "",
) -> Record:
    """The record of the container INSPECT describes (the rules: `bodies`), read at Engine
    API version API. IMAGE_INSPECT:
    its image, by the id it runs ({} when that image is gone: nothing is then left to the
    image); NAMES_BY_ID: the names of the containers it refers to by id
    (`references`); UNIT: its unit's name; LOGS: "journal" sends its output to
    the journal under UNIT, "keep" keeps its own log driver."""
    body, connects = bodies(inspect, image_inspect, names_by_id, unit=unit, logs=logs)
    return Record(
        container=(inspect.get("Name") or "").lstrip("/"),
        image=(inspect.get("Config") or {}).get("Image") or "",
        image_id=inspect.get("Image") or "",
        create=canonical(body),
        connects=tuple((net, canonical(connect)) for net, connect in connects),
        api=api,
        registry_auth=registry_auth,
    )


# --- the file ------------------------------------------------------------------------------

_HEAD = ("unitgen-record", "container", "image", "image-id", "create")
_MEMBER = re.compile(r'"([^"\\]*)":(.*)')
_NAME = re.compile(CONTAINER_NAME_RE)
_API = re.compile(r"[0-9]+\.[0-9]+")
_AUTH = re.compile(r"[A-Za-z0-9_=-]+")  # base64, URL-safe alphabet: nothing to escape in sh
_OPTIONAL = (
    ("api", _API, "api {value!r} is not an API version (1.41)"),
    ("registry-auth", _AUTH, "registry-auth is not an X-Registry-Auth value"),
)


def _refuse(where: str, problem: str, line: int = 0) -> RecordUnreadable:
    name = PurePosixPath(where).name.removesuffix(".json")
    name = name if _NAME.fullmatch(name) else "NAME"
    at = f"{where}, line {line}" if line else where
    return RecordUnreadable(
        f"{at}: {problem}: not a record as unitgen writes it",
        f"rewrite it with `unitgen install --recreate {name}`",
    )


def _members(text: str, where: str) -> list[tuple[int, str, Any]]:
    """(line number, key, value) of each member, the layout checked line by line."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, 1):
        if not line.isascii():
            raise _refuse(where, "a character that is not ASCII", number)
    if len(lines) < len(_HEAD) + 2 or lines[0] != "{" or lines[-1] != "}":
        raise _refuse(where, "not a line {, a member a line, and a line }")
    found = []
    for number, line in enumerate(lines[1:-1], 2):
        last = number == len(lines) - 1
        if line.endswith(",") == last:
            problem = "the last member ends with a comma" if last else "no comma after a member"
            raise _refuse(where, problem, number)
        member = _MEMBER.fullmatch(line.removesuffix(","))
        if member is None:
            raise _refuse(where, 'a line that is not "KEY":VALUE', number)
        try:
            found.append((number, member[1], json.loads(member[2])))
        except ValueError as exc:
            raise _refuse(where, f"the value of {member[1]} is not JSON ({exc})", number) from exc
    return found


def parse(text: str, where: str) -> Record:
    """The record in TEXT, the file WHERE (named in errors); RecordUnreadable for anything
    that is not a record as `Record.text` writes it (values may be spaced or ordered freely)."""
    members = _members(text, where)
    keys = [key for _, key, _ in members]
    if keys[: len(_HEAD)] != list(_HEAD):
        raise _refuse(where, f"its members start {keys[:5]}, not {list(_HEAD)}")
    values = {key: value for _, key, value in members[: len(_HEAD)]}
    line = {key: number for number, key, _ in members}
    version, container, image = values["unitgen-record"], values["container"], values["image"]
    if version != VERSION or isinstance(version, bool):
        raise _refuse(where, f"record version {version!r}, this unitgen reads {VERSION}", 2)
    if not isinstance(container, str) or not _NAME.fullmatch(container):
        raise _refuse(where, f"container {container!r} is not a container name", line[keys[1]])
    stem = PurePosixPath(where).name.removesuffix(".json")
    if where.endswith(".json") and _NAME.fullmatch(stem) and stem != container:
        raise _refuse(where, f"the record of {container}, in the file of {stem}", line[keys[1]])
    if not isinstance(image, str) or not image:
        raise _refuse(where, f"image {image!r} is not an image name", line["image"])
    if not isinstance(values["image-id"], str):
        raise _refuse(where, "image-id is not a string", line["image-id"])
    create = values["create"]
    if not isinstance(create, dict) or create.get("Image") != image:
        raise _refuse(where, f"create is not a create request for image {image}", line["create"])
    networks = (create.get("NetworkingConfig") or {}).get("EndpointsConfig") or {}
    if not isinstance(networks, dict) or len(networks) > 1:
        raise _refuse(where, "create names more than one network", line["create"])
    rest = members[len(_HEAD) :]
    # After create, in this order, each only when there is one (older records have neither).
    optional: dict[str, str] = {}
    for key, pattern, problem in _OPTIONAL:
        if rest and rest[0][1] == key:
            number, _, value = rest.pop(0)
            if not isinstance(value, str) or not pattern.fullmatch(value):
                raise _refuse(where, problem.format(value=value), number)
            optional[key] = value
    connects: list[tuple[str, str]] = []
    for number, key, value in rest:
        net = key.removeprefix("connect ")
        if net == key or not net:
            raise _refuse(where, f"{key!r} is not connect NETWORK", number)
        if net in dict(connects):
            raise _refuse(where, f"{net} is connected twice", number)
        if not isinstance(value, dict) or set(value) != {"EndpointConfig"}:
            raise _refuse(where, f'{key} is not {{"EndpointConfig":{{...}}}}', number)
        connects.append((net, canonical(value)))
    return Record(
        container,
        image,
        values["image-id"],
        canonical(create),
        tuple(sorted(connects)),
        optional.get("api", ""),
        optional.get("registry-auth", ""),
    )


# --- drift ---------------------------------------------------------------------------------


def _show(value: object) -> str:
    return "(unset)" if value is None else canonical(value)


def _env(value: object) -> dict[str, str]:
    pairs = (str(e).partition("=") for e in value or []) if isinstance(value, list) else ()
    return {key: rest for key, _, rest in pairs}


def _diff(path: str, old: object, new: object) -> list[str]:
    if old == new:
        return []
    if path == "Env":  # by name only: the values may be secrets, and this is printed
        before, after = _env(old), _env(new)
        return [
            f"Env.{key}: "
            + ("added" if key not in before else "removed" if key not in after else "changed")
            for key in sorted(before.keys() | after.keys())
            if before.get(key) != after.get(key)
        ]
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            phrase
            for key in sorted(old.keys() | new.keys())
            for phrase in _diff(f"{path}.{key}" if path else key, old.get(key), new.get(key))
        ]
    return [f"{path}: {_show(old)} -> {_show(new)}"]


def differences(recorded: Record, live: Record) -> list[str]:
    """How LIVE (the record a container has now) differs from RECORDED, one short phrase per
    JSON path ("HostConfig.Memory: 0 -> 268435456"); the image id is left to update."""
    found = _diff("container", recorded.container, live.container)
    found += _diff("image", recorded.image, live.image)
    found += _diff("", recorded.create_body(), live.create_body())
    before, after = dict(recorded.connects), dict(live.connects)
    for net in sorted(before.keys() | after.keys()):
        if net not in after:
            found.append(f"connect {net}: removed")
        elif net not in before:
            found.append(f"connect {net}: added")
        else:
            found += _diff(f"connect {net}", json.loads(before[net]), json.loads(after[net]))
    return found
