"""The only module that talks to Docker: inspect data in, frozen specs out.

`DockerSource` wraps the engine; the conversion of what it reads (`spec_from_inspect`,
`network_from_inspect`, ...) is pure and lives in `from_inspect`, where golden tests feed it
recorded `docker inspect` JSON. Every request goes through one client (`docker_http`) and
one error translation (`_translated`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from unitgen.engine.specs import (
    Inspect,
    id_refs,
    listed_names,
    network_from_inspect,
    spec_from_inspect,
    state_from_inspect,
    strip_name,
)
from unitgen.errors import (
    ContainerNotFound,
    DockerUnavailable,
    EngineFailed,
    PermissionDenied,
    UsageError,
)
from unitgen.model import ContainerSpec, ContainerState, NetworkSpec, RestartPolicy

if TYPE_CHECKING:
    from unitgen.model import Image, ImageName
    from unitgen.recreate.record import Logs, Record


class _ComposeLookup(Mapping[tuple[str, str], list[str]]):
    """A compose index that asks the engine for one (project, service) when it is needed."""

    def __init__(self, source: DockerSource) -> None:
        self._source = source
        self._found: dict[tuple[str, str], list[str]] = {}

    def __getitem__(self, key: tuple[str, str]) -> list[str]:
        if key not in self._found:
            self._found[key] = self._source.compose_service(*key)
        if not self._found[key]:
            raise KeyError(key)
        return self._found[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)


def socket_path() -> str:
    """The engine's Unix socket, as the units will reach it."""
    host = os.environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        return host[len("unix://") :]
    return "/run/docker.sock"


def _denied(what: str) -> PermissionDenied:
    return PermissionDenied(
        f"{what}: permission denied on the Docker socket {socket_path()}",
        "run as root or as a member of the docker group",
    )


def _unreachable(what: str) -> DockerUnavailable:
    return DockerUnavailable(
        f"{what}: cannot reach the Docker engine at {socket_path()}",
        "start it (systemctl start docker) or set DOCKER_HOST",
    )


def _q(part: str) -> str:
    """One path segment of a request: names from labels reach the engine too, and a `/`, a
    blank or a `?` in one must not change which object is asked for."""
    return quote(part, safe="")


@contextmanager
def _translated(what: str, ref: str = "") -> Iterator[None]:
    """The engine's answers and the socket's errors -> unitgen errors with a hint. REF: the
    container reference asked for, named when the engine finds it ambiguous."""
    from unitgen.engine.client import EngineError
    from unitgen.engine.refs import ambiguous

    try:
        yield
    except EngineError as exc:
        if exc.status == 404:
            raise ContainerNotFound(
                f"{what}: {exc.message}", "check the name with `docker ps -a`"
            ) from exc
        # Docker 20.10 answers 500, later engines 400; the message is the same.
        if ref and "multiple ids found" in exc.message.lower():
            raise ambiguous(ref) from exc
        raise EngineFailed(f"{what}: Docker said: {exc.message}") from exc
    except ValueError as exc:  # an answer that is not JSON: not the engine's API
        raise EngineFailed(f"{what}: the engine's answer is not JSON: {exc}") from exc
    except PermissionError as exc:
        raise _denied(what) from exc
    except OSError as exc:
        raise _unreachable(what) from exc


@contextmanager
def _image_errors(what: str) -> Iterator[None]:
    """As _translated, but any answer of the engine is its own words (a 404 is a manifest or
    a tag the registry does not have, not a missing container), and a silence is a timeout."""
    from unitgen.engine.client import EngineError

    with _translated(what):
        try:
            yield
        except EngineError as exc:
            raise EngineFailed(f"{what}: Docker said: {exc.message}") from exc
        except TimeoutError as exc:
            raise EngineFailed(f"{what}: the engine said nothing for too long") from exc


class DockerSource:
    """The engine on this host, over its Unix socket."""

    def __init__(self, timeout: float | None = 30, workers: int = 4) -> None:
        host = os.environ.get("DOCKER_HOST", "")
        if host and not host.startswith("unix://"):
            raise UsageError(
                f"DOCKER_HOST={host} is not a Unix socket",
                "unitgen manages the containers of this host's engine, over its Unix socket "
                "(the units reach it there too); unset DOCKER_HOST or use unix://PATH",
            )
        from unitgen.engine.client import UnixJSON

        self._workers = workers
        # What resolve() read, by name, for the closure that follows it to use instead of
        # inspecting the same container again (taken once: later reads are fresh).
        self._resolved: dict[str, Inspect] = {}
        self._client = UnixJSON(socket_path(), timeout)

    def engine_pid(self) -> int | None:
        """The PID that listens on the engine's socket (SO_PEERCRED): dockerd itself, or PID 1
        when systemd holds the socket for it (socket activation)."""
        import socket
        import struct

        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.connect(socket_path())
                raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        except OSError:
            return None
        pid: int = struct.unpack("3i", raw)[0]
        return pid or None

    def live_restore(self) -> bool:
        """Whether the engine keeps containers running while it restarts (daemon.json
        "live-restore": true)."""
        return bool(
            self._get("/info", "asking the engine for its settings").get("LiveRestoreEnabled")
        )

    def _get(self, url: str, what: str, *, raw: bool = False, ref: str = "") -> Any:
        with _translated(what, ref):
            return self._client.get_bytes(url) if raw else self._client.get(url)

    def snapshot(self) -> tuple[list[ContainerSpec], list[NetworkSpec]]:
        """Every container (fully inspected, concurrently) and every network."""
        listed = self._get("/containers/json?all=1", "connecting")
        networks = [network_from_inspect(n) for n in self._get("/networks", "listing networks")]
        names_by_id = {c["Id"]: strip_name(c["Names"][0]) for c in listed if c.get("Names")}
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(self._workers) as pool:
            inspected = list(pool.map(self._inspect_or_none, names_by_id))
        specs = [spec_from_inspect(d, names_by_id) for d in inspected if d is not None]
        return specs, networks

    def closure(self, names: Sequence[str]) -> tuple[list[ContainerSpec], list[NetworkSpec]]:
        """`names` and what they need, transitively, and their networks. Only those are
        inspected, level by level, concurrently; no listing of the whole host (on Docker 20.10
        listing 500 containers costs the engine ~100 ms, inspecting one ~5 ms). Compose peers
        are found with a listing filtered by project and service."""
        from unitgen.graph import walk

        cache: dict[str, Inspect | None] = dict(self._resolved)
        names_by_id = {data["Id"]: name for name, data in self._resolved.items()}
        self._resolved.clear()

        def inspect_all(refs: Sequence[str]) -> list[Inspect]:
            todo = [ref for ref in dict.fromkeys(refs) if ref not in cache]
            for ref, data in zip(todo, self._inspect_each(todo) if todo else [], strict=True):
                cache[ref] = data
                if data is not None:
                    names_by_id[data["Id"]] = strip_name(data["Name"])
            return [data for ref in refs if (data := cache[ref]) is not None]

        def fetch(level: list[str]) -> list[ContainerSpec]:
            found = inspect_all(level)
            # References Docker stores as ids are resolved to names first.
            inspect_all(sorted({ref for data in found for ref in id_refs(data)}))
            return [spec_from_inspect(data, names_by_id) for data in found]

        specs, network_names = walk(names, fetch, _ComposeLookup(self))
        networks = [
            network_from_inspect(n)
            for n in (self._network_or_none(name) for name in network_names)
            if n is not None
        ]
        return specs, networks

    def names(self) -> list[str]:
        """Every container's name, from one listing (shell completion)."""
        return sorted(listed_names(self._get("/containers/json?all=1", "listing")).values())

    def compose_service(self, project: str, service: str) -> list[str]:
        """The names of the containers of one compose service."""
        wanted = json.dumps(
            {
                "label": [
                    f"com.docker.compose.project={project}",
                    f"com.docker.compose.service={service}",
                ]
            }
        )
        listed = self._get(f"/containers/json?all=1&filters={quote(wanted)}", "listing")
        return sorted(listed_names(listed).values())

    def _get_or_none(self, url: str, what: str, ref: str = "") -> Inspect | None:
        """One object, or None if it is gone: a container removed while we listed, a network
        missing (Graph.build reports it with the container that needs it)."""
        try:
            data: Inspect = self._get(url, what, ref=ref)
            return data
        except ContainerNotFound:
            return None

    def _inspect_each(self, refs: Sequence[str]) -> list[Inspect | None]:
        """Each of REFS inspected, concurrently when there are several (threads, and the
        logging that concurrent.futures imports, cost a single inspect more than it takes)."""
        if len(refs) == 1:
            return [self._inspect_or_none(refs[0])]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(self._workers, len(refs))) as pool:
            return list(pool.map(self._inspect_or_none, refs))

    def _network_or_none(self, name: str) -> Inspect | None:
        return self._get_or_none(f"/networks/{_q(name)}", f"inspecting network {name}")

    def _inspect_or_none(self, container: str) -> Inspect | None:
        return self._get_or_none(
            f"/containers/{_q(container)}/json", f"inspecting container {container}", container
        )

    def resolve(self, ref: str) -> str | None:
        """The name of the container REF stands for, as the engine resolves it (the rules of
        Docker's CLI: full id, name, unique id prefix); None when there is none. An ambiguous
        prefix is a UsageError."""
        data = self._inspect_or_none(ref)
        if data is None:
            return None
        name = strip_name(data["Name"])
        self._resolved[name] = data
        return name

    def record_of(self, name: str, *, unit: str, logs: Logs) -> Record:
        """The recreate-mode record of container NAME (unitgen/recreate/record.py): its inspect, its
        image's by the id it runs ({} when that image is gone), and the names of the
        containers it refers to by id."""
        from unitgen.recreate.record import build, references

        data: Inspect = self._get(
            f"/containers/{_q(name)}/json", f"inspecting container {name}", ref=name
        )
        image_id = data.get("Image") or ""
        image = self._get_or_none(f"/images/{_q(image_id)}/json", f"inspecting image {image_id}")
        refs = references(data)
        names_by_id = {}
        for ref, found in zip(refs, self._inspect_each(refs) if refs else [], strict=True):
            if found is not None:
                names_by_id[ref] = names_by_id[found["Id"]] = strip_name(found["Name"])
        return build(data, image or {}, names_by_id, unit=unit, logs=logs)

    def state(self, container: str) -> ContainerState | None:
        """The container's state now; None when there is no such container."""
        data = self._inspect_or_none(container)
        return None if data is None else state_from_inspect(data)

    def logs(self, container: str, tail: int, *, tty: bool) -> list[str]:
        """The container's last TAIL log lines (stdout and stderr, as written)."""
        from unitgen.engine.client import log_lines

        url = f"/containers/{_q(container)}/logs?stdout=1&stderr=1&tail={tail}"
        return log_lines(self._get(url, f"reading the logs of {container}", raw=True), tty=tty)

    def set_restart_policy(self, container: str, policy: RestartPolicy) -> None:
        wanted = {"Name": policy.name, "MaximumRetryCount": policy.max_retries}
        with _translated(f"setting the restart policy of {container}"):
            self._client.post(f"/containers/{_q(container)}/update", {"RestartPolicy": wanted})

    def events(self, since: int | None) -> Iterator[dict[str, Any]]:
        """Container events from `since` (a Unix time) on, as they happen; blocks."""
        query = "filters=" + quote(json.dumps({"type": ["container"]}))
        if since is not None:
            query += f"&since={since}"
        with _translated("following events"):
            yield from self._client.stream(f"/events?{query}")

    # --- images: what `unitgen update` asks of the engine ----------------------------------

    def container_now(self, ref: str) -> tuple[ContainerSpec, ContainerState] | None:
        """The container REF and its state now, from one inspect; None when there is none."""
        data = self._inspect_or_none(ref)
        if data is None:
            return None
        names = {data["Id"]: strip_name(data["Name"])}
        return spec_from_inspect(data, names), state_from_inspect(data)

    def labelled(self, label: str) -> list[str]:
        """The names of the containers that carry LABEL, whatever its value."""
        wanted = quote(json.dumps({"label": [label]}))
        listed = self._get(f"/containers/json?all=1&filters={wanted}", "listing")
        return sorted(listed_names(listed).values())

    def image(self, ref: str) -> Image | None:
        """The image REF (a name or an id) as the engine has it; None when it has none."""
        from unitgen.model import Image

        data = self._get_or_none(f"/images/{_q(ref)}/json", f"inspecting image {ref}")
        return None if data is None else Image(data["Id"], tuple(data.get("RepoDigests") or ()))

    def pull(self, name: ImageName, timeout: float | None) -> None:
        """Pull NAME from its registry. The engine reports a failure either as an HTTP error
        or, once the stream has begun, as a message with an `error` member (a layer that
        fails half way): both are EngineFailed in its own words."""
        what = f"pulling {name}"
        url = f"/images/create?fromImage={_q(name.repo)}&tag={_q(name.tag)}"
        with _image_errors(what):
            for message in self._client.stream(url, method="POST", timeout=timeout):
                if isinstance(message, dict) and message.get("error"):
                    raise EngineFailed(f"{what}: Docker said: {message['error']}")

    def tag(self, image_id: str, name: ImageName) -> None:
        """Point NAME at IMAGE_ID (what `docker tag ID NAME` does)."""
        query = f"repo={_q(name.repo)}&tag={_q(name.tag)}"
        with _image_errors(f"tagging {image_id} as {name}"):
            self._client.post(f"/images/{_q(image_id)}/tag?{query}", None)

    def registry_digest(self, name: ImageName) -> str | None:
        """The digest NAME has in its registry now, asked through the engine (GET
        /distribution/NAME/json), pulling nothing."""
        with _image_errors(f"asking the registry for {name}"):
            data = self._client.get(f"/distribution/{_q(str(name))}/json")
        digest = (data.get("Descriptor") or {}).get("digest") if isinstance(data, dict) else None
        return digest if isinstance(digest, str) else None
