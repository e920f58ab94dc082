"""Fakes shared by the pure tests: an engine that answers from the recorded seed topology, image
roots with what the units need, and a Docker engine on a Unix socket for the unit helper. One
module, so tests never import each other."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
import socketserver
import subprocess
import threading
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from http import HTTPStatus
from pathlib import Path

import pytest

from tests.conftest import REPO, seed_graph
from unitgen.cli import common
from unitgen.commands.view import Host
from unitgen.engine.refs import ambiguous
from unitgen.errors import DockerUnavailable
from unitgen.graph import compose_index, walk
from unitgen.model import ContainerSpec, ContainerState, NetworkSpec, RestartPolicy
from unitgen.recreate.record import Logs, Record, canonical
from unitgen.units import helper
from unitgen.units.names import HELPER_PATH, UNIT_LABEL


class FakeSource:
    """The engine the commands ask (commands/view.py `Engine`) over the seed topology
    (tests/fixtures/inspect); `calls` counts what was asked, by method."""

    def __init__(self) -> None:
        graph = seed_graph()
        self.containers: dict[str, ContainerSpec] = dict(graph.containers)
        self.networks: list[NetworkSpec] = list(graph.networks.values())
        self.policy_calls: list[tuple[str, str]] = []
        self.log_lines: dict[str, list[str]] = {}
        # What the engine says of a container now, where a test says so (a health check's
        # last run, say); else made up from its spec. Inspects (state, snapshot, closure)
        # all answer with it, as one engine would.
        self.states: dict[str, ContainerState] = {}
        self.down = False  # the engine does not answer
        self.record_changes: dict[str, int] = {}  # container -> a memory limit set since
        self.calls: dict[str, int] = {}

    def _asked(self, what: str) -> None:
        self.calls[what] = self.calls.get(what, 0) + 1

    def engine_pid(self) -> int | None:
        self._asked("engine_pid")
        return None

    def live_restore(self) -> bool:
        self._asked("live_restore")
        return False

    def _answer(self) -> None:
        if self.down:
            raise DockerUnavailable(
                "inspecting container: cannot reach the Docker engine at /run/docker.sock",
                "start it (systemctl start docker) or set DOCKER_HOST",
            )

    def state(self, name: str) -> ContainerState | None:
        self._answer()
        spec = self.containers.get(name)
        if spec is None:
            return None
        if name in self.states:
            return self.states[name]
        return ContainerState(
            status="running" if spec.running else "exited",
            health=("healthy" if spec.running else "unhealthy") if spec.health else None,
            restart_count=0,
            exit_code=0 if spec.running else 137,
            tty=False,
            started_at="2026-11-29T10:00:00Z",
            finished_at="",
        )

    def resolve(self, ref: str) -> str | None:
        """The engine's rules (daemon.GetContainer): full id, then name, then a unique id
        prefix; several ids with the prefix is the engine's error, translated."""
        self._answer()
        by_id = {spec.id: name for name, spec in self.containers.items()}
        if ref in by_id:
            return by_id[ref]
        if ref in self.containers:
            return ref
        hits = [name for full, name in by_id.items() if full.startswith(ref)]
        if len(hits) > 1:
            raise ambiguous(ref)
        return hits[0] if hits else None

    def logs(self, name: str, tail: int, *, tty: bool) -> list[str]:
        self._answer()
        return self.log_lines.get(name, [])[-tail:]

    def snapshot(self) -> tuple[list[ContainerSpec], list[NetworkSpec]]:
        self._asked("snapshot")
        self._answer()
        return [self._inspected(spec) for spec in self.containers.values()], self.networks

    def _inspected(self, spec: ContainerSpec) -> ContainerSpec:
        state = self.states.get(spec.name)
        return spec if state is None else replace(spec, state=state)

    def closure(self, names: Sequence[str]) -> tuple[list[ContainerSpec], list[NetworkSpec]]:
        self._asked("closure")
        self._answer()
        found = self.containers

        def fetch(level: list[str]) -> list[ContainerSpec]:
            return [self._inspected(found[n]) for n in level if n in found]

        specs, networks = walk(names, fetch, compose_index(found.values()))
        return specs, [n for n in self.networks if n.name in networks]

    def record_of(self, name: str, *, unit: str, logs: Logs) -> Record:
        """A small record of NAME; `record_changes` stand for what `docker update` changed."""
        self._asked("record_of")
        self._answer()
        spec = self.containers[name]
        host = {"Memory": self.record_changes.get(name, 0), "LogConfig": logs}
        body = {"Image": spec.image, "Labels": {UNIT_LABEL: unit}, "HostConfig": host}
        return Record(name, spec.image, spec.image_id, canonical(body))

    def set_restart_policy(self, name: str, policy: RestartPolicy) -> None:
        self.policy_calls.append((name, str(policy)))
        self.containers[name] = replace(self.containers[name], restart_policy=policy)


def point_units_at_a_helper_copy(directory: Path) -> None:
    """`systemd-analyze verify` checks that each Exec program exists: give the units in
    DIRECTORY a copy of the helper to call, so verify can run where unitgen is not installed."""
    copy = directory / "helper/container-v1"
    copy.parent.mkdir(exist_ok=True)
    copy.write_text(helper.text())
    copy.chmod(0o755)
    for unit in directory.glob("*.service"):
        unit.write_text(unit.read_text().replace(str(HELPER_PATH), str(copy)))


def systemd_verify(directory: Path, units: Sequence[Path]) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify` of UNITS, which lie in DIRECTORY (searched first for the units
    they name); docker.service resolves to the packaged one, or a stand-in where docker.io is
    absent."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is part of systemd; install it"
    if not Path("/lib/systemd/system/docker.service").exists():
        (directory / "docker.service").write_text("[Service]\nExecStart=/bin/true\n")
    return subprocess.run(
        [analyze, "verify", "--man=no", "--recursive-errors=yes", *sorted(map(str, units))],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SYSTEMD_UNIT_PATH": f"{directory}:"},
    )


def image_root(path: Path) -> Path:
    """PATH made into an image root the units could run in: it has netcat-openbsd's nc."""
    nc = path / "bin/nc.openbsd"
    nc.parent.mkdir(parents=True, exist_ok=True)
    nc.write_text("#!/bin/sh\n")
    nc.chmod(0o755)
    return path


def host(root: Path) -> Host:
    """ROOT as an image root the units could run in (systemd offline there)."""
    return Host.at(str(image_root(root)))


def install_into(root: Path, source: FakeSource, *names: str) -> None:
    """NAMES installed into the image root ROOT (planned and applied), as `unitgen install
    --root ROOT NAMES` does."""
    from unitgen.commands import manage  # not at import: fakes must not load planning

    manage.apply(host(root), source, manage.plan_install(host(root), source, list(names)), print)


def cli_over(fake: FakeSource, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command run from now on in the test talks to FAKE instead of an engine: the one
    seam, cli/common.py `connect`."""
    monkeypatch.setattr(common, "connect", lambda: fake)


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`unitgen ARGV` through `cli.main`, as the shell runs it: (exit code, stdout, stderr)."""
    from unitgen.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


# The fake Docker engine the helper (unitgen/units/helper.sh) is tested against: HTTP/1.0 on a Unix
# socket, one request per connection, answered from canned replies and recorded.


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # as sent: /v1.41/containers/json?all=1&filters=...
    headers: dict[str, str]  # names lower-cased
    body: bytes

    @property
    def path(self) -> str:
        """The target without its query and without the /vX.Y prefix (the engine's routing)."""
        return re.sub(r"^/v[0-9]+\.[0-9]+(?=/)", "", self.target.partition("?")[0])

    @property
    def filters(self) -> dict[str, list[str]]:
        """The decoded `filters=` JSON of a listing."""
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.target).query)
        decoded: dict[str, list[str]] = json.loads(query["filters"][0])
        return decoded


@dataclass(frozen=True)
class Reply:
    status: int
    body: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    hang_up: bool = False  # close without answering, as an engine that goes away
    vanish_after_headers: bool = False  # send status and headers, then close
    after: threading.Event | None = None  # answer only once this is set (a held /wait)
    chunked: bool = False  # HTTP/1.1, the body one chunk a line, as the engine streams
    raw: bytes | None = None  # the answer's bytes exactly as sent (a malformed one), then close


HANG_UP = Reply(0, hang_up=True)
Route = Callable[[Request], Reply]


@dataclass(frozen=True)
class State:
    """What a listing filter sees of one container (Docker's `status`, `health`, `exited`)."""

    status: str = "running"
    health: str = "none"
    exit_code: int = 0


class Lifecycle:
    """A container going through STATES, each for POLLS questions (the last one for good).
    Answers its inspect (`GET /containers/NAME/json`, what the helper asks: State.Status,
    State.Health only with a health check, State.ExitCode; INDENT pretty-prints it) and
    listings with Docker's filter rules (members ANDed, values within one ORed, `name` a
    regex searched in `/NAME`; LISTED and EMPTY are the bodies of the answers)."""

    def __init__(
        self,
        name: str,
        *states: State,
        polls: int = 1,
        listed: str = "",
        empty: str = "[]",
        indent: int | None = None,
        labels: dict[str, str] | None = None,
    ) -> None:
        self.name, self.states, self.polls = name, states, polls
        self.labels = labels or {}
        self.listed = listed or json.dumps([{"Names": [f"/{name}"]}])
        self.empty = empty
        self.indent = indent
        self.listings = 0  # questions of either kind

    @property
    def state(self) -> State:
        return self.states[min(self.listings // self.polls, len(self.states) - 1)]

    @property
    def reached_last(self) -> bool:
        return self.state == self.states[-1]

    def matches(self, filters: dict[str, list[str]]) -> bool:
        state = self.state
        checks = {
            "name": lambda vs: any(re.search(v, f"/{self.name}") for v in vs),
            "status": lambda vs: state.status in vs,
            "health": lambda vs: state.health in vs,
            "exited": lambda vs: state.status in ("exited", "dead") and str(state.exit_code) in vs,
        }
        return all(checks[key](values) for key, values in filters.items())

    def inspect(self) -> str:
        state = self.state
        doc: dict[str, object] = {
            "Id": "0123",
            "Created": "2026-11-29T10:00:00Z",
            "Path": "sh",
            "Args": ["-c", '"Status":"exited" "ExitCode":9'],  # not the state's
            "State": {
                "Status": state.status,
                "Running": state.status == "running",
                "ExitCode": state.exit_code,
                **(
                    {}
                    if state.health == "none"
                    else {
                        "Health": {
                            "Status": state.health,
                            "FailingStreak": 0,
                            "Log": [{"ExitCode": 1, "Output": "Status: exited ]}"}],
                        }
                    }
                ),
            },
            "Name": f"/{self.name}",
            "Config": {"Healthcheck": {"Test": ["CMD", "true"]}, "Labels": self.labels},
        }
        return json.dumps(doc, indent=self.indent)

    def __call__(self, request: Request) -> Reply:
        if request.path == f"/containers/{self.name}/json":
            body = self.inspect()
        else:
            body = self.listed if self.matches(request.filters) else self.empty
        self.listings += 1
        return Reply(200, body)

    def serve_on(self, engine: FakeEngine) -> None:
        """Answer ENGINE's inspects of the container."""
        engine.serve("GET", f"/containers/{self.name}/json", self)


class FakeEngine:
    """Serves ROUTES {(method, path prefix): route} on SOCKET, the longest prefix first, and
    records every request. `GET /_ping` answers with `Api-Version: API` (no header when API
    is None) and `GET /version` with `ApiVersion` API (1.41 when None; the docker SDK's
    `version="auto"` asks it) unless routed otherwise. Unrouted requests get 501, which no
    verb of the helper takes for success. With MIN_API, a request at a versioned path below
    it is refused as Docker 29.0-29.2 refuse anything below 1.44 (400, their message)."""

    def __init__(self, socket: Path, api: str | None = "1.41", min_api: str | None = None) -> None:
        self.socket, self.api, self.min_api = socket, api, min_api
        self.routes: dict[tuple[str, str], Route] = {
            ("GET", "/_ping"): lambda _: self.pong(),
            ("GET", "/version"): lambda _: Reply(200, json.dumps({"ApiVersion": api or "1.41"})),
        }
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server: socketserver.ThreadingUnixStreamServer | None = None

    def on(self, method: str, prefix: str, *answers: Reply) -> None:
        """Answer with each reply in turn, then the last one again and again."""
        left = list(answers)
        self.serve(method, prefix, lambda _: left.pop(0) if len(left) > 1 else left[0])

    def serve(self, method: str, prefix: str, route: Route) -> None:
        self.routes[(method, prefix)] = route

    def pong(self) -> Reply:
        """The engine's answer to `GET /_ping`."""
        return Reply(200, "OK", (("Api-Version", self.api),) if self.api else ())

    def paths(self, method: str | None = None) -> list[str]:
        return [r.target for r in self.requests if method in (None, r.method)]

    def answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            asked = re.match(r"/v(\d+)\.(\d+)/", request.target)
            if self.min_api and asked:
                lowest = tuple(int(n) for n in self.min_api.split("."))
                if (int(asked[1]), int(asked[2])) < lowest:
                    version = f"{asked[1]}.{asked[2]}"
                    return Reply(
                        400,
                        json.dumps(
                            {
                                "message": f"client version {version} is too old. Minimum "
                                f"supported API version is {self.min_api}, please upgrade "
                                "your client to a newer version"
                            }
                        ),
                    )
            for (method, prefix), route in sorted(self.routes.items(), key=lambda r: -len(r[0][1])):
                if method == request.method and request.path.startswith(prefix):
                    return route(request)
        return Reply(
            501,
            json.dumps({"message": f"fake engine: no route for {request.method} {request.path}"}),
        )

    def start(self) -> FakeEngine:
        engine = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 5  # a request that never completes fails the test, not hangs it

            def handle(self) -> None:
                request = read_request(self.rfile)
                if request is None:
                    return
                reply = engine.answer(request)
                if reply.after is not None:
                    reply.after.wait(timeout=5)
                if not reply.hang_up:
                    self.wfile.write(encode_reply(reply))

        self._server = socketserver.ThreadingUnixStreamServer(str(self.socket), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def read_request(rfile: io.BufferedIOBase) -> Request | None:
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = rfile.readline()
        if not line:
            return None
        head += line
    start, *lines = head.decode("latin-1").split("\r\n")
    method, target, _ = start.split(" ", 2)
    headers = dict(
        (name.strip().lower(), value.strip())
        for name, _, value in (line.partition(":") for line in lines if line)
    )
    body = rfile.read(int(headers.get("content-length", "0")))
    return Request(method, target, headers, body)


def encode_reply(reply: Reply) -> bytes:
    if reply.raw is not None:
        return reply.raw
    reason = HTTPStatus(reply.status).phrase
    body = reply.body.encode()
    if reply.chunked:
        head = f"HTTP/1.1 {reply.status} {reason}\r\nContent-Type: application/json\r\n"
        head += "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        chunks = [f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in body.splitlines(True)]
        return head.encode() + b"".join(chunks) + b"0\r\n\r\n"
    head = f"HTTP/1.0 {reply.status} {reason}\r\nContent-Type: application/json\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in reply.headers)
    if reply.vanish_after_headers:
        return (head + "\r\n").encode()
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


# The helper as the units run it, against a FakeEngine.
HELPER = REPO / "unitgen/units/helper.sh"
NC = Path("/bin/nc.openbsd")
HELPER_TIMEOUT = 5  # seconds: a hung helper fails its test instead of hanging the suite


class FakeNotify:
    """systemd's notification socket (NOTIFY_SOCKET) for the helper's `run`: records each
    datagram's text and how many requests ENGINE had received when it came, and closes the
    file descriptors a BARRIER=1 passes, as PID 1 does once it has read what came before."""

    def __init__(self, path: Path, engine: FakeEngine) -> None:
        self.path, self.engine = path, engine
        self.messages: list[tuple[str, int]] = []
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(path))
        self._sock.settimeout(0.1)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._done.is_set():
            try:
                data, ancillary, _, _ = self._sock.recvmsg(4096, socket.CMSG_SPACE(64))
            except TimeoutError:
                continue
            seen = len(self.engine.requests)
            for level, kind, payload in ancillary:
                if (level, kind) == (socket.SOL_SOCKET, socket.SCM_RIGHTS):
                    usable = len(payload) - len(payload) % 4
                    for fd in memoryview(payload)[:usable].cast("i"):
                        os.close(fd)
            text = data.decode()
            if text.strip() != "BARRIER=1":
                self.messages.append((text.strip(), seen))

    @property
    def ready(self) -> list[int]:
        """For each READY=1: the number of engine requests made before it."""
        return [seen for text, seen in self.messages if "READY=1" in text.split("\n")]

    def stop(self) -> None:
        self._done.set()
        self._thread.join()
        self._sock.close()


def helper_env(socket: Path) -> dict[str, str]:
    """The engine at SOCKET; the helper's state under /run/unitgen kept beside it."""
    return {
        "DOCKER_HOST": f"unix://{socket}",
        "PATH": os.environ["PATH"],
        "UNITGEN_RUN_DIR": str(socket.parent / "run-unitgen"),
    }


def run_helper(
    engine: FakeEngine, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`/bin/sh helper.sh ARGS` talking to ENGINE (more environment in ENV); never raises."""
    return subprocess.run(
        ["/bin/sh", str(HELPER), *args],
        env={**helper_env(engine.socket), **(env or {})},
        capture_output=True,
        text=True,
        timeout=HELPER_TIMEOUT,
        check=False,
    )


def drop_in(
    root: Path,
    unit: str,
    text: str = "[Service]\nEnvironment=FOO=bar\n",
    *,
    name: str = "override.conf",
    runtime: bool = False,
) -> Path:
    """A drop-in where `systemctl edit [--runtime] UNIT` writes it, under ROOT."""
    base = "run/systemd/system" if runtime else "etc/systemd/system"
    path = root / base / f"{unit}.d" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
