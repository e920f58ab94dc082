"""A full host to test against: systemd as PID 1 in a Debian container that runs ITS OWN Docker
engine (Debian's docker.io under its own docker.service, docker.socket and containerd.service).

Unlike the light harness (tests/harness, which drives the outer engine through a mounted socket
and replaces docker.service by a oneshot), here the engine is part of the machine under test, so
what happens to it is real: ``reboot()`` is ``docker stop`` (SIGRTMIN+3: systemd shuts down
cleanly, docker.service stops the containers) then ``docker start``; ``power_loss()`` is
``docker kill`` (SIGKILL to PID 1: nothing is stopped, the kernel kills every process of the
host's PID namespace, the inner containers' included) then ``docker start``; and
``restart_engine()`` is ``systemctl restart docker`` inside. The inner engine stores images and
containers with vfs in the host container's own filesystem, so they survive reboots and power
losses like a real disk; /run is a tmpfs, so engine and containerd state there does not.

Measured on the 2-core VM (Debian 12, outer docker 20.10, cgroup v1), medians of 3, bookworm
(trixie): building the image 67 s (54 s) from nothing, debootstrap + apt from deb.debian.org,
415 MB (407 MB); ~9 s importing the cached tarball; 0.03 s when up to date. ``boot()`` 1.3 s
(1.8 s) until systemd is ``running`` and the inner ``docker info`` answers; ``reboot()`` 1.9 s
(2.4 s) and ``power_loss()`` 2.0 s (2.3 s), with a ``--restart always`` container that stops on
SIGTERM, until it is all up again; ``restart_engine()`` 1.2 s (1.4 s); ``load_image()`` of the
2 MB busybox test image 0.4 s. The smoke module (one host, six tests) takes ~24 s.

Not like a machine: the boot id (/proc/sys/kernel/random/boot_id) is the kernel's, the same for
every boot of the container, so journald files all boots under one id (``journalctl -b -1`` and
``--list-boots`` do not see reboots; count PID 1's "Startup finished" instead).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness import (
    DEB_ENV,
    REPO_ROOT,
    SYSTEMD_FLAGS,
    CommandFailed,
    HarnessError,
    SystemdBox,
    _docker,
)
from tests.harness import RELEASES as DEBIAN_RELEASES

__all__ = [
    "BUILD_SCRIPT",
    "FORKY_ENGINE",
    "NAME_PREFIX",
    "RELEASES",
    "CommandFailed",
    "FullHost",
    "HarnessError",
    "build_image",
    "image_for",
]

BUILD_SCRIPT = Path(__file__).resolve().parent / "build-image.sh"
# trixie-rootless: Debian 13 that can also run a user's rootless engine (its own script, so the
# other images keep their hash).
ROOTLESS_BUILD_SCRIPT = Path(__file__).resolve().parent / "build-rootless-image.sh"
# Every container a full host makes on the outer engine is named so: other suites share it.
NAME_PREFIX = "unitgen-fh-"
LABEL = "unitgen.test.fullhost=1"
# Where install_unitgen() puts the checkout's code inside the host.
OPT = "/opt/unitgen"
WRAPPER = "/usr/local/bin/unitgen"

# Debian's releases, and trixie-forky: Debian 13 with the newest engine Debian carries (forky's
# docker.io 28.5; build-image.sh says how), whose /opt/forky-engine holds those packages.
RELEASES = (*DEBIAN_RELEASES, "trixie-forky", "trixie-rootless")
FORKY_ENGINE = "/opt/forky-engine"
# What systemd as PID 1 needs here is the light harness's (tests/harness), without its socket
# mount: the engine inside is the host's own.
RUN_FLAGS = SYSTEMD_FLAGS
# Docker 28 writes /proc/sys/net/ipv6/conf/eth0/disable_ipv6 in each new container and fails to
# start a bridged one where /proc/sys is read-only, as in a host container that is not
# privileged: the host's /proc/sys is made writable for it.
FORKY_FLAGS = ("--security-opt", "systempaths=unconfined")
# A rootless engine inside: slirp4netns needs /dev/net/tun, and runc in the user's namespace
# may mount a new /proc only where no part of the host's is masked (build-rootless-image.sh).
ROOTLESS_FLAGS = ("--device", "/dev/net/tun", "--security-opt", "systempaths=unconfined")
BOOT_TIMEOUT = 120.0
DAEMON_JSON = "/etc/docker/daemon.json"
CGROUP_ROOT = Path("/sys/fs/cgroup")
# docker stop's grace before SIGKILL: systemd must have time to stop docker.service, which
# stops every container (each with its own grace, 10 s by default).
STOP_TIMEOUT = 90


def image_for(release: str) -> str:
    return f"unitgen-test/fullhost:{release}"


_built: set[str] = set()


def build_image(release: str = "bookworm") -> str:
    """Build (or import from the cache, or keep) the full-host image of RELEASE; once per
    process. Returns build-image.sh's one-line account of what it did."""
    if release in _built:
        return f"fullhost: {image_for(release)} already checked in this process"
    argv = (
        [str(ROOTLESS_BUILD_SCRIPT)]
        if release == "trixie-rootless"
        else [str(BUILD_SCRIPT), release]
    )
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise HarnessError(
            f"{BUILD_SCRIPT} {release} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    _built.add(release)
    return done.stdout.strip()


@dataclass
class FullHost(SystemdBox):
    """One machine with systemd and its own Docker engine. ``boot()`` it, ``run()`` commands
    in it, ``docker()`` its engine, ``reboot()`` or ``power_loss()`` it, ``destroy()`` it."""

    name: str
    release: str = "bookworm"
    # /proc/sys writable (FORKY_FLAGS), as forky's engine needs; always so for trixie-forky.
    writable_proc_sys: bool = False
    # Seconds the last boot()/reboot()/power_loss() took until the host was up again.
    last_boot_seconds: float = field(default=0.0, init=False)
    # Images loaded into the inner engine since the host was made (they survive reboots).
    _loaded: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.name.startswith(NAME_PREFIX):
            raise ValueError(f"full host {self.name!r}: the name must start with {NAME_PREFIX}")
        if self.release not in RELEASES:
            raise ValueError(f"full host {self.name!r}: release must be one of {RELEASES}")

    @property
    def image(self) -> str:
        return image_for(self.release)

    def boot(self) -> None:
        """Make a fresh host (a stale one of this name is removed first) and wait until systemd
        is up and the inner engine answers."""
        self.destroy()
        started = time.monotonic()
        forky = self.writable_proc_sys or self.release == "trixie-forky"
        flags = (*RUN_FLAGS, *FORKY_FLAGS) if forky else RUN_FLAGS
        if self.release == "trixie-rootless":
            flags = (*RUN_FLAGS, *ROOTLESS_FLAGS)
        self._start(LABEL, self.image, STOP_TIMEOUT, *flags)
        self._wait_until_up(started)

    def reboot(self) -> None:
        """Shut down cleanly (systemd stops docker.service, which stops the containers), then
        boot again; the filesystem, and so the engine's images and containers, stays."""
        started = time.monotonic()
        _docker("stop", "-t", str(STOP_TIMEOUT), self.name, timeout=STOP_TIMEOUT + 60)
        _docker("start", self.name)
        self._wait_until_up(started)

    def power_loss(self) -> None:
        """Cut the power: SIGKILL to systemd, so no unit stops and nothing is flushed; then
        boot again."""
        started = time.monotonic()
        _docker("kill", self.name)
        _docker("start", self.name)
        self._wait_until_up(started)

    def restart_engine(self) -> None:
        """``systemctl restart docker`` inside, then wait until the engine answers again.

        Debian's docker.service has StartLimitBurst=3 in 60 s, and manual restarts count: the
        fourth within a minute fails ("start of the service was attempted too often"). The
        counter is cleared first, so only a test that means to can run into that limit."""
        self.run("systemctl", "reset-failed", "docker.service", "docker.socket")
        self.run("systemctl", "restart", "docker.service")
        self._wait_for_engine(time.monotonic() + BOOT_TIMEOUT)

    def stop_and_start_engine(self, *, by_socket: bool = False) -> None:
        """What an admin does to edit daemon.json or move /var/lib/docker: `systemctl stop
        docker.socket docker.service`, then `systemctl start docker` (BY_SOCKET: the socket
        listening again and one API call starting the engine), then wait until it answers."""
        self.run("systemctl", "reset-failed", "docker.service", "docker.socket")
        self.run("systemctl", "stop", "docker.socket", "docker.service")
        if by_socket:
            self.run("systemctl", "start", "docker.socket")
            self.run("docker", "version", check=False)
        else:
            self.run("systemctl", "start", "docker.service")
        self._wait_for_engine(time.monotonic() + BOOT_TIMEOUT)

    def set_live_restore(self, on: bool) -> None:
        """Turn the engine's live-restore on or off in daemon.json (the rest kept), and
        restart the engine so it takes effect."""
        config = {**json.loads(self.run("cat", DAEMON_JSON).stdout), "live-restore": on}
        self.run("sh", "-c", f"cat >{DAEMON_JSON}", stdin=json.dumps(config) + "\n")
        self.restart_engine()

    def destroy(self) -> None:
        """Remove the host at once (SIGKILL: units are not stopped); no error if absent. The
        inner engine's containers die with it (they live in its PID namespace)."""
        inner: list[str] = []
        if self._is_running():
            inner = self.docker("ps", "-aq", "--no-trunc", check=False).split()
        _docker("rm", "-f", "-v", self.name, check=False)
        self._loaded.clear()
        _remove_cgroups(inner)

    def clean_up_units(self, *also: str) -> None:
        """What a test module's units and containers leave: every unit unitgen made disabled,
        stopped and removed, the helper's back-off state, the inner engine's containers, and
        the files ALSO (a drop-in the test wrote); never raising."""
        self.sh(
            'for u in /etc/systemd/system/docker-*.service; do [ -e "$u" ] && '
            'systemctl disable --now "$(basename "$u")" >/dev/null 2>&1; done; '
            "rm -f /etc/systemd/system/docker-*.service /etc/systemd/system/unitgen-network-* "
            f"{' '.join(also)}; systemctl daemon-reload; rm -rf /run/unitgen/backoff; "
            "docker ps -aq | xargs -r docker rm -f >/dev/null",
            check=False,
        )

    def booted(self) -> bool:
        """Whether the boot has finished (`is-system-running`: running, or degraded by a unit
        that failed): what a failing unit must not hold up."""
        state = self.run("systemctl", "is-system-running", check=False).stdout.strip()
        return state in ("running", "degraded")

    def docker(self, *args: str, check: bool = True, timeout: float = 120) -> str:
        """The INNER engine's CLI: ``docker ARGS`` run in the host; stripped stdout."""
        return self.run("docker", *args, check=check, timeout=timeout).stdout.strip()

    def load_image(self, image: str) -> None:
        """Copy IMAGE from the outer engine into the inner one (no registry is reachable);
        once per host, since the inner engine keeps it across reboots."""
        if image in self._loaded:
            return
        self.pipe_image(image, "docker", "load", "-q")
        self._loaded.add(image)

    def install_unitgen(self, src: Path = REPO_ROOT) -> str:
        """Install unitgen in the host and return the path of the command: the .deb named by
        $UNITGEN_HARNESS_DEB (as the light harness does) when set, else the checkout SRC's
        ``unitgen/`` and ``templates/`` in /opt/unitgen behind a /usr/local/bin wrapper, run by
        Debian's python3 with Debian's libraries, as the package would be."""
        deb = os.environ.get(DEB_ENV)
        if deb:
            # /tmp is a tmpfs in a booted host, where docker cp does not see.
            _docker("cp", deb, f"{self.name}:/root/unitgen.deb")
            self.sh(f"rm -f {WRAPPER} && dpkg -i /root/unitgen.deb >/dev/null")
            return "/usr/bin/unitgen"
        tar = subprocess.run(
            ["tar", "-C", str(src), "--exclude=__pycache__", "-c", "unitgen", "templates"],
            capture_output=True,
            check=True,
        )
        unpack = f"rm -rf {OPT} && mkdir -p {OPT} && tar -C {OPT} -x"
        load = subprocess.run(
            ["docker", "exec", "-i", self.name, "sh", "-c", unpack],
            input=tar.stdout,
            capture_output=True,
            check=False,
        )
        if load.returncode != 0:
            raise HarnessError(f"copying unitgen into {self.name}: {load.stderr.decode()}")
        wrapper = f'#!/bin/sh\nPYTHONPATH={OPT} exec python3 -m unitgen "$@"\n'
        self.run("sh", "-c", f"cat >{WRAPPER} && chmod 755 {WRAPPER}", stdin=wrapper)
        return WRAPPER

    def _wait_until_up(self, started: float) -> None:
        deadline = started + BOOT_TIMEOUT
        state = "not started"
        while time.monotonic() < deadline:
            try:
                # Fails fast ("offline", bus errors) while PID 1 is still setting up.
                done = self.run(
                    "systemctl",
                    "is-system-running",
                    "--wait",
                    check=False,
                    timeout=max(deadline - time.monotonic(), 1),
                )
            except subprocess.TimeoutExpired:
                break
            state = (done.stdout.strip() or done.stderr.strip()) or state
            if state in ("running", "degraded"):
                self._wait_for_engine(deadline)
                self.last_boot_seconds = time.monotonic() - started
                return
            if not self._is_running():
                raise HarnessError(f"full host {self.name} exited while booting:\n{self._logs()}")
            time.sleep(0.2)
        raise HarnessError(
            f"full host {self.name} not up after {BOOT_TIMEOUT:.0f}s (last state: {state})\n"
            f"{self._diagnosis()}"
        )

    def _wait_for_engine(self, deadline: float) -> None:
        # docker.service is Type=notify, so it is up once startup has finished; but after a
        # restart_engine() or a failed start (it is restarted) the socket may lag behind.
        last = ""
        while time.monotonic() < deadline:
            done = self.run("docker", "info", "-f", "{{.ServerVersion}}", check=False)
            if done.returncode == 0:
                return
            last = (done.stderr or done.stdout).strip()
            if done.returncode in (126, 127):
                break  # no docker CLI in the host: waiting does not help
            time.sleep(0.2)
        raise HarnessError(
            f"the engine inside {self.name} does not answer: {last}\n{self._diagnosis()}"
        )

    def _diagnosis(self) -> str:
        failed = self.run("systemctl", "--failed", "--no-pager", check=False)
        return (
            f"--- systemctl --failed\n{failed.stdout}{failed.stderr}"
            f"--- journal of docker.service (tail)\n"
            f"{self.journal('-b', '-n', '30', '-u', 'docker.service')}"
            f"--- journal, warnings and worse (tail)\n{self.journal('-b', '-n', '30', '-p', '4')}"
        )


def _remove_cgroups(container_ids: list[str]) -> None:
    """Remove the empty cgroups the inner engine's containers leave on the machine.

    With the host cgroup namespace and the cgroupfs driver, the inner engine makes its
    containers' cgroups at /docker/ID in the machine's own hierarchy, next to the outer
    engine's. Nobody removes them when the whole host is killed; rmdir only removes an empty
    cgroup, so a live one is never touched."""
    for cid in container_ids:
        for path in (*CGROUP_ROOT.glob(f"*/docker/{cid}"), CGROUP_ROOT / "docker" / cid):
            with contextlib.suppress(OSError):
                path.rmdir()
