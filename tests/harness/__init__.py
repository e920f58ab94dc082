"""A real systemd to test against: systemd as PID 1 in a Debian container (12 bookworm by
default, 13 trixie with UNITGEN_HARNESS_RELEASE=trixie) that drives the *outer* Docker engine
through the bind-mounted socket (so the containers its units start run on the host engine, next
to the test's own `docker` calls).

The image (``build-image.sh``) masks the inner engine (docker.socket, containerd.service) and
replaces docker.service by a oneshot that waits until the outer engine answers, so
``Requires=docker.service`` holds. ``reboot()`` is ``docker restart``: the stop signal is
SIGRTMIN+3, so systemd shuts down cleanly (units stop, and their ExecStop may ``docker stop``
containers on the outer engine), and the container's filesystem, units in /etc/systemd/system
included, is kept. ``destroy()`` is ``docker rm -f``: SIGKILL, no unit is stopped, so tests
remove the containers they made themselves.

Measured on the 2-core VM (Debian 12, docker 20.10, cgroup v1): building the image ~55 s from
nothing (debootstrap + apt from deb.debian.org, 228 MB image), ~2.5 s importing the cached
tarball, 0.04 s when up to date; ``boot()`` ~0.8-0.9 s until ``running`` (systemd reports
"Startup finished in ~300ms"); ``reboot()`` ~0.8 s with no units of ours, plus however long the
units take to stop (the smoke test's ``docker stop -t 2`` of a busybox ``sleep``: ~3 s in all).
The Debian 13 image (systemd 257, Python 3.13), once, same machine: 79-115 s from nothing,
``boot()`` ~2.5 s.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "BUILD_SCRIPT",
    "DOCKER_SOCK",
    "RELEASES",
    "RELEASE_ENV",
    "REPO_ROOT",
    "SYSTEMD_FLAGS",
    "CommandFailed",
    "Harness",
    "HarnessError",
    "build_image",
    "harness_release",
    "image_for",
]

# The Debian releases a harness (and a full host) can run: 12 and 13.
RELEASES = ("bookworm", "trixie")
# Which one the harnesses of this run boot; bookworm unless set.
RELEASE_ENV = "UNITGEN_HARNESS_RELEASE"
REPO_ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = Path(__file__).resolve().parent / "build-image.sh"
DOCKER_SOCK = "/var/run/docker.sock"
LABEL = "unitgen.test.harness=1"
# Set to the path of a built unitgen .deb: every harness boots with it installed (dpkg -i) and
# runs /usr/bin/unitgen instead of the checkout's.
DEB_ENV = "UNITGEN_HARNESS_DEB"

# What systemd as PID 1 needs here: --privileged is refused on this host (CAP_SYS_RESOURCE is
# outside the bounding set), cgroups are v1 hybrid with the cgroupfs driver, so the host's
# hierarchy is bound in read-write with the host cgroup namespace.
SYSTEMD_FLAGS: tuple[str, ...] = (
    # The image says so too; SIGRTMIN+3 makes systemd shut down (stop units), not just exit.
    "--stop-signal",
    "SIGRTMIN+3",
    "--cap-add",
    "ALL",
    "--cap-drop",
    "SYS_RESOURCE",
    "--security-opt",
    "seccomp=unconfined",
    "--security-opt",
    "apparmor=unconfined",
    "--cgroupns=host",
    "-v",
    "/sys/fs/cgroup:/sys/fs/cgroup:rw",
    "--tmpfs",
    "/run",
    "--tmpfs",
    "/run/lock",
)
# The light harness drives the outer engine: its socket, straight to /run (Debian's /var/run
# is a symlink to it), not through the symlink.
RUN_FLAGS = (*SYSTEMD_FLAGS, "-v", f"{DOCKER_SOCK}:/run/docker.sock")
BOOT_TIMEOUT = 120.0
# docker restart's grace before SIGKILL: systemd must have time to stop every unit.
STOP_TIMEOUT = 90


class HarnessError(RuntimeError):
    """The harness could not be built, booted or rebooted."""


class CommandFailed(subprocess.CalledProcessError):
    """A command exited non-zero; unlike CalledProcessError its message shows the output."""

    def __str__(self) -> str:
        return (
            f"{' '.join(map(str, self.cmd))} exited {self.returncode}\n"
            f"--- stdout\n{self.stdout}--- stderr\n{self.stderr}"
        )


def _docker(
    *args: str, check: bool = True, timeout: float | None = 120
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, check=False, timeout=timeout
    )
    if check and done.returncode != 0:
        raise CommandFailed(done.returncode, done.args, done.stdout, done.stderr)
    return done


def image_for(release: str) -> str:
    return f"unitgen-test/systemd-harness:{release}"


def harness_release() -> str:
    """The release named by $UNITGEN_HARNESS_RELEASE, bookworm if unset."""
    release = os.environ.get(RELEASE_ENV) or "bookworm"
    if release not in RELEASES:
        raise HarnessError(f"{RELEASE_ENV}={release}: must be one of {', '.join(RELEASES)}")
    return release


_built: set[str] = set()


def build_image(release: str | None = None) -> str:
    """Build (or import from the cache, or keep) the harness image of RELEASE (default:
    harness_release()); once per process. Returns build-image.sh's one-line account of what it
    did."""
    release = release or harness_release()
    image = image_for(release)
    if image in _built:
        return f"harness: {image} already checked in this process"
    done = subprocess.run([str(BUILD_SCRIPT), release], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise HarnessError(
            f"{BUILD_SCRIPT} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    _built.add(image)
    return done.stdout.strip()


class SystemdBox:
    """What every container running systemd as PID 1 here offers its tests: start it, run
    commands in it, read systemd's view. The light Harness and the full host both are one."""

    name: str

    def _start(self, label: str, image: str, stop_timeout: int, *extra: str) -> None:
        """``docker run`` the box, with EXTRA (systemd's flags, mounts) before IMAGE."""
        _docker(
            "run",
            "-d",
            "--name",
            self.name,
            "--hostname",
            self.name,
            "--label",
            label,
            "--stop-timeout",
            str(stop_timeout),
            *extra,
            image,
        )

    def run(
        self, *args: str, check: bool = True, timeout: float = 120, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``docker exec`` ARGS in the box (with STDIN, if given); text output captured. With
        check, a non-zero exit raises CommandFailed (whose message shows stdout and stderr)."""
        if stdin is None:
            return _docker("exec", self.name, *args, check=check, timeout=timeout)
        done = subprocess.run(
            ["docker", "exec", "-i", self.name, *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise CommandFailed(done.returncode, done.args, done.stdout, done.stderr)
        return done

    def pipe_image(self, image: str, *load: str) -> None:
        """``docker save IMAGE`` on the outer engine into LOAD run in the box (``docker load``
        or ``podman load``): no registry is reachable."""
        self.pipe_in(["docker", "save", image], *load, what=f"loading {image}")

    def pipe_in(self, source: Sequence[str], *command: str, what: str) -> None:
        """SOURCE's output (run on the outer machine) into COMMAND run in the box. The pipe
        stays binary, no temporary file on either side; WHAT names it when it fails."""
        with subprocess.Popen(list(source), stdout=subprocess.PIPE) as out:
            into = subprocess.run(
                ["docker", "exec", "-i", self.name, *command],
                stdin=out.stdout,
                capture_output=True,
                check=False,
                timeout=300,
            )
            if out.stdout is not None:
                out.stdout.close()
        if out.returncode != 0 or into.returncode != 0:
            raise HarnessError(
                f"{what} into {self.name} failed ({source[0]} {out.returncode}, "
                f"{command[0]} {into.returncode}):\n{into.stdout.decode()}{into.stderr.decode()}"
            )

    def unitgen(self, *args: str, check: bool = True) -> str:
        """``unitgen ARGS`` in the box: what it printed, stdout then stderr."""
        done = self.run("unitgen", *args, check=check)
        return str(done.stdout) + str(done.stderr)

    def sh(self, script: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run SCRIPT with /bin/sh -c in the box."""
        return self.run("/bin/sh", "-c", script, check=check)

    def show(self, unit: str, *props: str) -> dict[str, str]:
        """``systemctl show`` of UNIT (only PROPS when given) as a dict."""
        args = ["systemctl", "show", unit]
        for prop in props:
            args += ["-p", prop]
        result: dict[str, str] = {}
        for line in self.run(*args).stdout.splitlines():
            key, sep, value = line.partition("=")
            if sep:
                result[key] = value
        return result

    def journal(self, *args: str) -> str:
        """``journalctl --no-pager ARGS`` output (e.g. ``"-u", "x.service"``), never raising."""
        done = self.run("journalctl", "--no-pager", *args, check=False)
        return done.stdout + done.stderr

    def _is_running(self) -> bool:
        done = _docker("inspect", "-f", "{{.State.Running}}", self.name, check=False)
        return done.stdout.strip() == "true"

    def _logs(self) -> str:
        done = _docker("logs", "--tail", "60", self.name, check=False)
        return done.stdout + done.stderr


@dataclass
class Harness(SystemdBox):
    """One systemd container. ``boot()`` it, ``run()`` commands in it, ``destroy()`` it."""

    name: str = "unitgen-harness"
    image: str = field(default_factory=lambda: image_for(harness_release()))
    src: Path = REPO_ROOT
    extra_mounts: Sequence[str] = ()
    # Seconds the last boot()/reboot() took, for whoever wants to report it.
    last_boot_seconds: float = field(default=0.0, init=False)

    def boot(self) -> None:
        """Start systemd in a new container (a stale one of this name is removed first) with
        the repository at /src (read-only) and the engine's socket, and wait until the system
        is up."""
        self.destroy()
        mounts: list[str] = ["-v", f"{self.src}:/src:ro"]
        for spec in self.extra_mounts:
            mounts += ["-v", spec]
        started = time.monotonic()
        self._start(LABEL, self.image, STOP_TIMEOUT, *RUN_FLAGS, *mounts)
        self._wait_until_up(started)
        deb = os.environ.get(DEB_ENV)
        if deb:
            # Test the installed package (Debian's layout and libraries) instead of /src.
            # Not to /tmp: from trixie on a booted system has a tmpfs there, which docker cp
            # does not see.
            _docker("cp", deb, f"{self.name}:/root/unitgen.deb")
            self.sh("rm -f /usr/local/bin/unitgen && dpkg -i /root/unitgen.deb >/dev/null")

    def reboot(self) -> None:
        """Shut systemd down cleanly (units stop) and boot it again; the filesystem stays."""
        started = time.monotonic()
        _docker("restart", "-t", str(STOP_TIMEOUT), self.name, timeout=STOP_TIMEOUT + 60)
        self._wait_until_up(started)

    def destroy(self) -> None:
        """Remove the container at once (SIGKILL: units are not stopped); no error if absent."""
        _docker("rm", "-f", "-v", self.name, check=False)

    def _wait_until_up(self, started: float) -> None:
        deadline = started + BOOT_TIMEOUT
        state = "not started"
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                # Fails fast ("offline", bus errors) while PID 1 is still setting up.
                done = self.run(
                    "systemctl", "is-system-running", "--wait", check=False, timeout=left
                )
                state = (done.stdout.strip() or done.stderr.strip()) or state
            except subprocess.TimeoutExpired:
                break
            if state in ("running", "degraded"):
                self.last_boot_seconds = time.monotonic() - started
                return
            if not self._is_running():
                raise HarnessError(f"harness {self.name} exited while booting:\n{self._logs()}")
            time.sleep(0.2)
        failed = self.run("systemctl", "--failed", "--no-pager", check=False)
        raise HarnessError(
            f"harness {self.name} not up after {BOOT_TIMEOUT:.0f}s (last state: {state})\n"
            f"--- systemctl --failed\n{failed.stdout}{failed.stderr}"
            f"--- journal (tail)\n{self.journal('-b', '-n', '60')}"
        )
