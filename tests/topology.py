"""Build real containers on the engine for tests, and remove every one of them afterwards."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

IMAGE = "unitgen-test/busybox:latest"
# A command that stops promptly on SIGTERM even as PID 1 (busybox sleep would ignore it).
SERVE = ("sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait")
# A health check on a file SERVE_CHECKED makes: `docker exec NAME rm /tmp/ok` turns the
# container unhealthy a second later, as a hung service's failing check would. SERVE_CHECKED
# also writes each SIGHUP it gets to /tmp/hups (a reload's signal).
CHECKED = (
    "--health-cmd",
    'test -e /tmp/ok || { echo "/tmp/ok is gone"; exit 1; }',
    "--health-interval",
    "1s",
    "--health-retries",
    "1",
)
SERVE_CHECKED = (
    "sh",
    "-c",
    "touch /tmp/ok; trap 'echo hup >> /tmp/hups' HUP; trap 'exit 0' TERM; "
    "while :; do sleep 1 & wait; done",
)


def docker(*args: str, check: bool = True) -> str:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


@dataclass
class Topology:
    """Containers and networks named PREFIX-..., all labelled for cleanup."""

    prefix: str = field(default_factory=lambda: "ut" + uuid.uuid4().hex[:6])
    networks: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"unitgen.test={self.prefix}"

    def n(self, name: str) -> str:
        return f"{self.prefix}-{name}"

    def network(self, name: str, *args: str) -> str:
        full = self.n(name)
        docker("network", "create", "--label", self.label, *args, full)
        self.networks.append(full)
        return full

    def create(
        self, name: str, *args: str, image: str = IMAGE, cmd: tuple[str, ...] = SERVE
    ) -> str:
        full = self.n(name)
        docker("create", "--name", full, "--label", self.label, *args, image, *cmd)
        return full

    def seed(self, data_dir: Path) -> None:
        """The topology of issue #2: a linked proxy, the same proxy on a user-defined network
        with unitgen.after, a bind mount, --restart always, a tun device with capabilities,
        netns sharing, volumes-from, compose labels and a health check."""
        net = self.network("net")
        for i in (2, 3, 4):
            self.create(f"container{i}")
        self.create(
            "container1",
            "--link",
            self.n("container2"),
            "--link",
            self.n("container3"),
            "--link",
            self.n("container4"),
            "-v",
            f"{data_dir}:/data",
        )
        self.create("backend1", "--network", net)
        self.create("backend2", "--network", net)
        self.create(
            "proxy",
            "--network",
            net,
            "--label",
            f"unitgen.after={self.n('backend1')},{self.n('backend2')}",
        )
        self.create("always", "--restart", "always")
        self.create(
            "vpn", "--device", "/dev/net/tun", "--cap-add", "NET_ADMIN", "--cap-add", "NET_RAW"
        )
        self.create("sidecar", "--network", f"container:{self.n('proxy')}")
        self.create("data", "-v", "/data", cmd=("true",))  # a data-only container
        self.create("reader", "--volumes-from", self.n("data"))
        self.create(
            "healthy",
            "--health-cmd",
            "test -e /tmp",
            "--health-interval",
            "1s",
            "--health-retries",
            "2",
            "--health-start-period",
            "2s",
        )
        compose = self.network("compose")
        labels = ["--label", "com.docker.compose.project=" + self.prefix]
        self.create(
            "db-1", "--network", compose, *labels, "--label", "com.docker.compose.service=db"
        )
        self.create(
            "web-1",
            "--network",
            compose,
            *labels,
            "--label",
            "com.docker.compose.service=web",
            "--label",
            "com.docker.compose.depends_on=db:service_started:false",
        )

    def names(self) -> list[str]:
        out = docker("ps", "-a", "--filter", f"label={self.label}", "--format", "{{.Names}}")
        return sorted(out.split())

    def remove(self) -> None:
        names = self.names()
        if names:
            docker("rm", "-f", *names, check=False)
        for net in self.networks:
            docker("network", "rm", net, check=False)


def inspect(name: str, template: str) -> str:
    return docker("inspect", "--format", template, name)


def wait_for(
    predicate: Callable[[], object], timeout: float = 30.0, what: str = "condition"
) -> float:
    """Poll PREDICATE until it is true; the seconds it took. Fails the test after TIMEOUT."""
    started = time.monotonic()
    while time.monotonic() < started + timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
