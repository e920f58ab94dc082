"""The only module that talks to Docker: inspect data in, frozen specs out.

`DockerSource` wraps the engine; the conversion of what it reads (`spec_from_inspect`,
`network_from_inspect`, ...) is pure and lives in `from_inspect`, where golden tests feed it
recorded `docker inspect` JSON. Every request goes through the docker SDK, this thread's
`APIClient` (`engine/sdk.py`), and its one error translation (`sdk.translated`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from unitgen.engine.refs import not_found
from unitgen.engine.sdk import DEFAULT_SOCKET, Clients, registry_of, translated
from unitgen.engine.sdk import socket_path as socket_path  # where commands/ has asked for it
from unitgen.engine.specs import (
    Inspect,
    id_refs,
    listed_names,
    network_from_inspect,
    spec_from_inspect,
    state_from_inspect,
    strip_name,
)
from unitgen.errors import ContainerNotFound, EngineFailed
from unitgen.model import ContainerSpec, ContainerState, NetworkSpec, RestartPolicy

if TYPE_CHECKING:
    from docker import APIClient

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


# What Docker takes as a container name or id (its restrictedNameChars); the SDK puts a
# reference into the path as it is (it leaves `/` and `:` unquoted), so a reference a label
# made up that could not be one path segment is not asked for at all: no container has it.
_ONE_SEGMENT = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*")


class DockerSource:
    """The engine on this host, over its Unix socket."""

    def __init__(
        self, timeout: float | None = 30, workers: int = 4, *, default_socket: str = DEFAULT_SOCKET
    ) -> None:
        self._workers = workers
        # What resolve() read, by name, for the closure that follows it to use instead of
        # inspecting the same container again (taken once: later reads are fresh).
        self._resolved: dict[str, Inspect] = {}
        self._socket = socket_path(default_socket)
        self._clients = Clients(self._socket, timeout)

    @property
    def _api(self) -> APIClient:
        """This thread's client (made, and the SDK imported, on the first request)."""
        return self._clients.get()

    def engine_pid(self) -> int | None:
        """The PID that listens on the engine's socket (SO_PEERCRED): dockerd itself, or PID 1
        when systemd holds the socket for it (socket activation)."""
        import socket
        import struct

        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.connect(self._socket)
                raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
        except OSError:
            return None
        pid: int = struct.unpack("3i", raw)[0]
        return pid or None

    def live_restore(self) -> bool:
        """Whether the engine keeps containers running while it restarts (daemon.json
        "live-restore": true)."""
        with translated("asking the engine for its settings"):
            return bool(self._api.info().get("LiveRestoreEnabled"))

    def _listed(self, what: str, filters: dict[str, list[str]] | None = None) -> list[Inspect]:
        """GET /containers/json?all=1, FILTERS as the engine takes them."""
        with translated(what):
            listed: list[Inspect] = self._api.containers(all=True, filters=filters)
        return listed

    def snapshot(self) -> tuple[list[ContainerSpec], list[NetworkSpec]]:
        """Every container (fully inspected, concurrently) and every network."""
        listed = self._listed("connecting")
        with translated("listing networks"):
            found = self._api.networks()
        networks = [network_from_inspect(n) for n in found]
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
        return sorted(listed_names(self._listed("listing")).values())

    def compose_service(self, project: str, service: str) -> list[str]:
        """The names of the containers of one compose service."""
        labels = [f"com.docker.compose.project={project}", f"com.docker.compose.service={service}"]
        return sorted(listed_names(self._listed("listing", {"label": labels})).values())

    def _container(self, ref: str, what: str) -> Inspect:
        """GET /containers/REF/json; ContainerNotFound when there is none."""
        with translated(what, ref=ref):
            if not _ONE_SEGMENT.fullmatch(ref):
                raise not_found(ref)
            data: Inspect = self._api.inspect_container(ref)
        return data

    def _image_or_none(self, ref: str) -> Inspect | None:
        """GET /images/REF/json, or None when the engine has no such image."""
        if not ref:
            return None
        try:
            with translated(f"inspecting image {ref}"):
                data: Inspect = self._api.inspect_image(ref)  # type: ignore[no-untyped-call]
        except ContainerNotFound:
            return None
        return data

    def _inspect_each(self, refs: Sequence[str]) -> list[Inspect | None]:
        """Each of REFS inspected, concurrently when there are several (threads, and the
        logging that concurrent.futures imports, cost a single inspect more than it takes)."""
        if len(refs) == 1:
            return [self._inspect_or_none(refs[0])]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(self._workers, len(refs))) as pool:
            return list(pool.map(self._inspect_or_none, refs))

    def _network_or_none(self, name: str) -> Inspect | None:
        """A network, or None when it is missing (Graph.build reports it with the container
        that needs it)."""
        try:
            with translated(f"inspecting network {name}"):
                data: Inspect = self._api.inspect_network(name)
        except ContainerNotFound:
            return None
        return data

    def _inspect_or_none(self, container: str) -> Inspect | None:
        """A container, or None when it is gone (removed while we listed, say)."""
        try:
            return self._container(container, f"inspecting container {container}")
        except ContainerNotFound:
            return None

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

        data = self._container(name, f"inspecting container {name}")
        image = self._image_or_none(data.get("Image") or "")
        refs = references(data)
        names_by_id = {}
        for ref, found in zip(refs, self._inspect_each(refs) if refs else [], strict=True):
            if found is not None:
                names_by_id[ref] = names_by_id[found["Id"]] = strip_name(found["Name"])
        from docker import auth

        api = self._api
        repo = (data.get("Config") or {}).get("Image") or ""
        header = auth.get_config_header(api, registry_of(repo)) if repo else None
        return build(
            data,
            image or {},
            names_by_id,
            unit=unit,
            logs=logs,
            api=str(api.api_version),
            registry_auth=header.decode("ascii") if isinstance(header, bytes) else (header or ""),
        )

    def state(self, container: str) -> ContainerState | None:
        """The container's state now; None when there is no such container."""
        data = self._inspect_or_none(container)
        return None if data is None else state_from_inspect(data)

    def logs(self, container: str, tail: int, *, tty: bool) -> list[str]:
        """The container's last TAIL log lines (stdout and stderr, as written)."""
        # The SDK demultiplexes stdout and stderr (a container without a TTY) in the order
        # they were written, keeping a cut-off last frame; TTY is what the caller inspected.
        del tty
        with translated(f"reading the logs of {container}", ref=container):
            raw: bytes = self._api.logs(container, stdout=True, stderr=True, tail=tail)
        text = raw.decode("utf-8", errors="replace")
        return [line.removesuffix("\r") for line in text.splitlines()]

    def set_restart_policy(self, container: str, policy: RestartPolicy) -> None:
        with translated(f"setting the restart policy of {container}"):
            wanted = {"Name": policy.name, "MaximumRetryCount": policy.max_retries}
            # types-docker lists only "always" and "on-failure"; the engine takes all four.
            self._api.update_container(container, restart_policy=wanted)  # type: ignore[arg-type]

    def events(self, since: int | None) -> Iterator[dict[str, Any]]:
        """Container events from `since` (a Unix time) on, as they happen; blocks (the SDK
        reads the event stream without a timeout)."""
        with translated("following events"):
            stream = self._api.events(since=since, filters={"type": ["container"]}, decode=True)
            try:
                yield from stream
            finally:
                stream.close()

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
        return sorted(listed_names(self._listed("listing", {"label": [label]})).values())

    def image(self, ref: str) -> Image | None:
        """The image REF (a name or an id) as the engine has it; None when it has none."""
        from unitgen.model import Image

        data = self._image_or_none(ref)
        return None if data is None else Image(data["Id"], tuple(data.get("RepoDigests") or ()))

    def pull(self, name: ImageName, timeout: float | None) -> None:
        """Pull NAME from its registry, with the credentials Docker's CLI would send for it
        (the SDK reads ~/.docker/config.json, or $DOCKER_CONFIG's, and runs its credential
        helpers). The engine reports a failure either as an HTTP error or, once the stream has
        begun, as a message with an `error` member (a layer that fails half way): both are
        EngineFailed in its own words, with `docker login REGISTRY` when a login is missing.
        TIMEOUT: the longest silence between two reads of the stream."""
        from docker import auth

        what = f"pulling {name}"
        registry = registry_of(name.repo)
        with translated(what, registry=registry):
            api = self._api
            # APIClient.pull() reads its stream without a timeout, and a registry that hangs
            # would hold `unitgen update` for ever: the same request (the SDK's URL, auth
            # header and session) with a read timeout, its stream read line by line.
            headers = {}
            header = auth.get_config_header(api, registry)
            if header:
                headers["X-Registry-Auth"] = header
            response = api.post(
                f"{api.base_url}/v{api.api_version}/images/create",
                params={"fromImage": name.repo, "tag": name.tag},
                headers=headers,
                stream=True,
                timeout=timeout,
            )
            with response:
                _raise_for_status(response)
                for line in response.iter_lines():
                    message = json.loads(line) if line.strip() else None
                    if isinstance(message, dict) and message.get("error"):
                        raise EngineFailed(
                            f"{what}: Docker said: {message['error']}",
                            _login_hint(str(message["error"]), registry),
                        )

    def tag(self, image_id: str, name: ImageName) -> None:
        """Point NAME at IMAGE_ID (what `docker tag ID NAME` does)."""
        with translated(f"tagging {image_id} as {name}", registry=""):
            self._api.tag(image_id, name.repo, name.tag)

    def registry_digest(self, name: ImageName) -> str | None:
        """The digest NAME has in its registry now, asked through the engine (GET
        /distribution/NAME/json, with the credentials a pull would send), pulling nothing."""
        with translated(f"asking the registry for {name}", registry=registry_of(name.repo)):
            data = self._api.inspect_distribution(str(name))  # type: ignore[no-untyped-call]
        digest = (data.get("Descriptor") or {}).get("digest") if isinstance(data, dict) else None
        return digest if isinstance(digest, str) else None


def _raise_for_status(response: Any) -> None:
    """An error answer as the SDK's own APIError, as its requests raise it."""
    import requests.exceptions
    from docker.errors import create_api_error_from_http_exception

    try:
        response.raise_for_status()
    except requests.exceptions.HTTPError as exc:
        raise create_api_error_from_http_exception(exc) from exc


def _login_hint(message: str, registry: str) -> str | None:
    from unitgen.engine.sdk import needs_login

    return f"log in first: docker login {registry}" if needs_login(message) else None
