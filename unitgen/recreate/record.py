"""The recreate-mode record: the requests that create a container again, as a frozen value
(pure). `build` makes it from `docker inspect` (raw dicts in, like from_inspect_run; the rules
are record_body's); `Record.text()` is the file the unit's helper reads line by line (README,
"Recreate mode"), `parse` reads it back strictly; `differences` says how a container has
drifted from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from unitgen.errors import RecordUnreadable
from unitgen.model import CONTAINER_NAME_RE
from unitgen.recreate.record_body import Inspect, Logs, bodies

VERSION = 1


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

    def text(self) -> str:
        """The record file: one top-level member per line, in a fixed order."""
        members = [
            ("unitgen-record", canonical(VERSION)),
            ("container", canonical(self.container)),
            ("image", canonical(self.image)),
            ("image-id", canonical(self.image_id)),
            ("create", self.create),
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
) -> Record:
    """The record of the container INSPECT describes (the rules: record_body). IMAGE_INSPECT:
    its image, by the id it runs ({} when that image is gone: nothing is then left to the
    image); NAMES_BY_ID: the names of the containers it refers to by id
    (`record_body.references`); UNIT: its unit's name; LOGS: "journal" sends its output to
    the journal under UNIT, "keep" keeps its own log driver."""
    body, connects = bodies(inspect, image_inspect, names_by_id, unit=unit, logs=logs)
    return Record(
        container=(inspect.get("Name") or "").lstrip("/"),
        image=(inspect.get("Config") or {}).get("Image") or "",
        image_id=inspect.get("Image") or "",
        create=canonical(body),
        connects=tuple((net, canonical(connect)) for net, connect in connects),
    )


# --- the file ------------------------------------------------------------------------------

_HEAD = ("unitgen-record", "container", "image", "image-id", "create")
_MEMBER = re.compile(r'"([^"\\]*)":(.*)')
_NAME = re.compile(CONTAINER_NAME_RE)


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
    connects: list[tuple[str, str]] = []
    for number, key, value in members[len(_HEAD) :]:
        net = key.removeprefix("connect ")
        if net == key or not net:
            raise _refuse(where, f"{key!r} is not connect NETWORK", number)
        if net in dict(connects):
            raise _refuse(where, f"{net} is connected twice", number)
        if not isinstance(value, dict) or set(value) != {"EndpointConfig"}:
            raise _refuse(where, f'{key} is not {{"EndpointConfig":{{...}}}}', number)
        connects.append((net, canonical(value)))
    return Record(container, image, values["image-id"], canonical(create), tuple(sorted(connects)))


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
