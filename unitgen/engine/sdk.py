"""The engine's client: the docker SDK (docker-py's `APIClient`), where unitgen reaches it and
what its failures mean.

Three things live here and nowhere else:
- `socket_path()`: which engine. unitgen manages this host's engine over its Unix socket, and
  writes that socket into every unit (`DOCKER_HOST=unix://...`); DOCKER_HOST, else the Docker
  CLI's current context, names it; anything else (tcp://, ssh://, fd://) is refused here,
  with one line, for every command alike.
- `Clients`: one `APIClient` per thread (an APIClient is a `requests.Session`, which is not
  made to be shared between threads; the inspections run in a thread pool). The first one
  asks the engine for its API version (`version="auto"`: `GET /version`); the others use that
  version, so that every request of a run speaks one version, the engine's. `import docker`
  happens on the first request, so `unitgen --help`, `exit-codes` and completion without an
  engine never pay for it (~150-250 ms of CPU: requests, urllib3).
- `translated()`: the SDK's exceptions (docker.errors, requests.exceptions, the socket's
  OSErrors, a cut or malformed answer from urllib3) -> unitgen's error hierarchy.

Only APIs docker-py 5.0.3 (Debian 12's python3-docker) already has are used.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from unitgen import log
from unitgen.errors import (
    ContainerNotFound,
    DockerUnavailable,
    EngineFailed,
    MissingProgram,
    PermissionDenied,
    UnitgenError,
    UsageError,
)

if TYPE_CHECKING:
    from docker import APIClient

DEFAULT_SOCKET = "/run/docker.sock"

# How an engine reports a pull (or a registry question) its registry refused for want of a
# login: 401s, and the words of Docker 20.10 to 28 for the same thing.
_NEEDS_LOGIN = re.compile(
    r"unauthorized|authentication required|no basic auth credentials|pull access denied"
    r"|denied: |requested access to the resource is denied",
    re.IGNORECASE,
)


def socket_path(default: str = DEFAULT_SOCKET) -> str:
    """The engine's Unix socket, as the units will reach it: DOCKER_HOST's unix:// path, else
    the Docker CLI's current context's (DOCKER_CONTEXT, else `docker context use`'s choice in
    config.json), else DEFAULT (for a user's units, $XDG_RUNTIME_DIR/docker.sock). Anything
    but a Unix socket is a UsageError (the one place that decides it)."""
    host = os.environ.get("DOCKER_HOST", "")
    what = f"DOCKER_HOST={host}"
    if not host:
        context = _current_context()
        if context in ("", "default"):
            return default
        host = _context_host(context)
        what = f"the Docker context {context}'s host {host}"
    if host.startswith("unix://") and len(host) > len("unix://"):
        return host[len("unix://") :]
    raise UsageError(
        f"{what} is not a Unix socket",
        "unitgen manages the containers of this host's engine, over its Unix socket "
        "(the units reach it there too); unset DOCKER_HOST or use unix://PATH, or "
        "`docker context use` a context whose host is unix://PATH",
    )


def _config_dir() -> str:
    return os.environ.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")


def _current_context() -> str:
    """The context the Docker CLI would use: DOCKER_CONTEXT, else config.json's
    currentContext. Read without the SDK (docker-py 5.0.3 knows no DOCKER_CONTEXT), so that
    the usual case, no context, costs no import."""
    named = os.environ.get("DOCKER_CONTEXT", "")
    if named:
        return named
    try:
        with open(os.path.join(_config_dir(), "config.json"), encoding="utf-8") as file:
            config = json.load(file)
    except (OSError, ValueError):
        return ""
    current = config.get("currentContext") if isinstance(config, dict) else None
    return current if isinstance(current, str) else ""


def _context_host(name: str) -> str:
    """The engine endpoint of context NAME, through the SDK's own reading of the CLI's
    context store."""
    from docker.context import ContextAPI

    try:
        context = ContextAPI.get_context(name)
    except Exception as exc:  # the SDK raises what its JSON reading raises, KeyError too
        raise UsageError(
            f"the Docker context {name} cannot be read: {exc}",
            "check it with `docker context inspect`",
        ) from exc
    if context is None or not context.Host:
        raise UsageError(
            f"the Docker context {name} (DOCKER_CONTEXT or `docker context use`) does not exist "
            f"under {_config_dir()}/contexts",
            "`docker context ls` lists them; `docker context use default` goes back",
        )
    return str(context.Host)


class Clients:
    """This thread's APIClient for the engine at PATH; TIMEOUT (seconds, None: none) bounds
    each read of an answer."""

    def __init__(self, path: str, timeout: float | None) -> None:
        self.path = path
        self.timeout = timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self._version: str | None = None  # the engine's, once the first client asked it

    def get(self) -> APIClient:
        client: APIClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._make()
        return client

    def _make(self) -> APIClient:
        if self._version is None:
            self._probe()
        try:
            import docker
        except ImportError as exc:
            raise MissingProgram(
                f"the docker SDK for Python cannot be imported: {exc}",
                "install it (apt install python3-docker, or pip install docker)",
            ) from exc
        url = f"unix://{self.path}"
        with self._lock:
            if self._version is None:
                client = docker.APIClient(
                    base_url=url,
                    version="auto",
                    timeout=self.timeout,  # type: ignore[arg-type]  # requests: float or None
                )
                self._version = client.api_version
                log.debug("engine: GET /version -> API %s (%s)", self._version, self.path)
            else:
                client = docker.APIClient(
                    base_url=url,
                    version=self._version,
                    timeout=self.timeout,  # type: ignore[arg-type]
                )
        # `unitgen --debug` says each request (a hook of the SDK's requests.Session).
        client.hooks["response"].append(_logged)
        return client

    def _probe(self) -> None:
        """Connect to the socket before importing the SDK: an engine that is not there (shell
        completion with it stopped, `list` falling back to systemd) is said at once, without
        the ~200 ms the import costs. Its OSError is translated like the SDK's."""
        import socket

        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            probe.settimeout(self.timeout)
            probe.connect(self.path)


def _logged(response: Any, *args: object, **kwargs: object) -> None:
    request = response.request
    path = urlsplit(request.url).path
    log.debug("engine: %s %s -> %d", request.method, path, response.status_code)


def needs_login(message: str) -> bool:
    """Whether the engine's MESSAGE says its registry wants a login."""
    return bool(_NEEDS_LOGIN.search(message))


def registry_of(image: str) -> str:
    """The registry a pull of IMAGE asks, as Docker's CLI names it for `docker login`."""
    from docker import auth

    registry, _ = auth.resolve_repository_name(image)
    return str(registry)


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


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """EXC and what it wraps: requests and urllib3 nest the socket's error in args and in
    __cause__/__context__ (ConnectionError(ProtocolError('Connection aborted.', err)))."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [a for a in current.args if isinstance(a, BaseException)]
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]


def _engine_words(exc: BaseException) -> str:
    explanation = getattr(exc, "explanation", None)
    if isinstance(explanation, bytes):
        explanation = explanation.decode(errors="replace")
    if explanation:
        return str(explanation)
    response = getattr(exc, "response", None)
    return str(getattr(response, "reason", "") or exc)


def _translate(exc: Exception, what: str, ref: str, registry: str | None) -> UnitgenError | None:
    """The unitgen error EXC stands for; None when it is none of the engine's (a bug)."""
    if "docker" not in sys.modules:  # the probe's OSError: no SDK to import just to say so
        return _denied(what) if isinstance(exc, PermissionError) else _os_error(exc, what)
    import requests.exceptions
    import urllib3.exceptions
    from docker import errors

    from unitgen.engine.refs import ambiguous

    image = registry is not None
    if isinstance(exc, errors.APIError):
        words = _engine_words(exc)
        if exc.status_code == 404 and not image:
            return ContainerNotFound(f"{what}: {words}", "check the name with `docker ps -a`")
        # Docker 20.10 answers 500, later engines 400; the message is the same.
        if ref and "multiple ids found" in words.lower():
            return ambiguous(ref)
        if registry and (exc.status_code == 401 or needs_login(words)):
            return EngineFailed(
                f"{what}: Docker said: {words}", f"log in first: docker login {registry}"
            )
        return EngineFailed(f"{what}: Docker said: {words}")
    if isinstance(exc, errors.DockerException):
        # `version="auto"` wraps what failed in "Error while fetching server API version".
        if isinstance(exc.__cause__, Exception):
            inner = _translate(exc.__cause__, what, ref, registry)
            if inner is not None:
                return inner
        return EngineFailed(f"{what}: {exc}")
    if isinstance(exc, json.JSONDecodeError):  # requests' own is one too: not the engine's API
        return EngineFailed(f"{what}: the engine's answer is not JSON: {exc}")
    if isinstance(exc, requests.exceptions.RequestException | urllib3.exceptions.HTTPError):
        # A cut answer (the connection closed inside a body, at a chunk boundary or not) is a
        # hang-up; an answer that is not HTTP/1.1 as the Engine API speaks it is the engine's.
        # A silence is requests' ReadTimeout before the body, urllib3's inside a stream.
        for cause in _causes(exc):
            if isinstance(cause, PermissionError):
                return _denied(what)
            if isinstance(cause, urllib3.exceptions.InvalidChunkLength):
                return EngineFailed(f"{what}: the engine's answer is malformed: {cause}")
            if image and isinstance(
                cause, requests.exceptions.ReadTimeout | urllib3.exceptions.ReadTimeoutError
            ):
                return EngineFailed(f"{what}: the engine said nothing for too long")
        return _unreachable(what)
    if isinstance(exc, PermissionError):
        return _denied(what)
    return _os_error(exc, what)


def _os_error(exc: Exception, what: str) -> UnitgenError | None:
    return _unreachable(what) if isinstance(exc, OSError) else None


@contextmanager
def translated(what: str, *, ref: str = "", registry: str | None = None) -> Iterator[None]:
    """The SDK's exceptions -> unitgen's errors, WHAT saying what was being done. REF: the
    container reference asked for, named when the engine finds it ambiguous. REGISTRY (for
    requests about images): any error answer is the engine's own words (a 404 is a manifest
    or tag the registry lacks, not a missing container), a silence is a timeout, and a refusal
    for want of a login says `docker login REGISTRY`."""
    try:
        yield
    except UnitgenError:
        raise
    except Exception as exc:
        translated_error = _translate(exc, what, ref, registry)
        if translated_error is None:
            raise
        log.debug("engine: %s: %r", what, exc)
        raise translated_error from exc
