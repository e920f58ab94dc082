"""A Podman host to boot exported Quadlet files on: systemd as PID 1 in the Debian 13 container
``unitgen-test/quadlet:trixie`` (``build-image.sh``), with Podman 5.4 storing with vfs in the
container's own filesystem. Files put in /etc/containers/systemd become units when systemd runs
Podman's Quadlet generator (at boot, and on ``systemctl daemon-reload``), and those units run
real Podman containers inside the host. No registry is reachable: ``load_image()`` copies an
image from the outer Docker engine (``docker save | podman load``), under the name Docker gives
it, qualified as Podman does (``unitgen-test/busybox:latest`` is
``docker.io/unitgen-test/busybox:latest``, the name the exporter writes).
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness import SYSTEMD_FLAGS, CommandFailed, HarnessError, SystemdBox, _docker
from unitgen.export.quadlet import qualified_image

__all__ = ["BUILD_SCRIPT", "IMAGE", "CommandFailed", "HarnessError", "PodmanHost", "build_image"]

BUILD_SCRIPT = Path(__file__).resolve().parent / "build-image.sh"
IMAGE = os.environ.get("UNITGEN_QUADLET_IMAGE") or "unitgen-test/quadlet:trixie"
LABEL = "unitgen.test.quadlet=1"
BOOT_TIMEOUT = 120.0
# docker stop's grace: systemd stops the Podman units, each with Podman's own grace.
STOP_TIMEOUT = 90
# Docker lets a container's cgroup allow only the few devices it gives it (cgroup v1): crun
# then fails ("write file `devices.allow`: Operation not permitted") to give a Podman
# container its own standard ones. The host has only the device nodes Docker made for it.
RUN_FLAGS = ("--device-cgroup-rule", "a *:* rwm")
# Podman 5 says on every command that cgroup v1 (this machine's) is deprecated.
QUIET = "PODMAN_IGNORE_CGROUPSV1_WARNING=1"

_built: list[str] = []


def build_image() -> str:
    """Build (or import from the cache, or keep) the image; once per process."""
    if _built:
        return _built[0]
    done = subprocess.run([str(BUILD_SCRIPT)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise HarnessError(
            f"{BUILD_SCRIPT} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    _built.append(done.stdout.strip())
    return _built[0]


@dataclass
class PodmanHost(SystemdBox):
    """One machine with systemd and Podman. ``boot()`` it, ``run()`` commands in it,
    ``podman()`` its Podman, ``reboot()`` it, ``destroy()`` it."""

    name: str
    image: str = IMAGE
    last_boot_seconds: float = field(default=0.0, init=False)

    def boot(self) -> None:
        """Make a fresh host (a stale one of this name is removed first); wait until systemd is
        up."""
        self.destroy()
        started = time.monotonic()
        self._start(LABEL, self.image, STOP_TIMEOUT, *SYSTEMD_FLAGS, *RUN_FLAGS)
        self._wait_until_up(started)

    def reboot(self) -> None:
        """Shut down cleanly (systemd stops the Podman units), then boot again; the
        filesystem, and so Podman's images, stays."""
        started = time.monotonic()
        _docker("stop", "-t", str(STOP_TIMEOUT), self.name, timeout=STOP_TIMEOUT + 60)
        _docker("start", self.name)
        self._wait_until_up(started)

    def destroy(self) -> None:
        """Shut down cleanly, so systemd removes the cgroups of its Podman containers (they
        are in the machine's hierarchy), then remove the host; no error if absent."""
        if self._is_running():
            _docker("stop", "-t", str(STOP_TIMEOUT), self.name, check=False,
                    timeout=STOP_TIMEOUT + 60)  # fmt: skip
        _docker("rm", "-f", "-v", self.name, check=False)

    def podman(self, *args: str, check: bool = True) -> str:
        """``podman ARGS`` in the host; stripped stdout."""
        return self.run("env", QUIET, "podman", *args, check=check).stdout.strip()

    def load_image(self, image: str) -> None:
        """Copy IMAGE from the outer Docker engine into Podman (no registry is reachable)."""
        self.pipe_image(image, "env", QUIET, "podman", "load", "-q")
        # Podman names what it loads from a Docker archive localhost/NAME; Docker meant Docker
        # Hub, and so does the exported Image=.
        image_id = _docker("image", "inspect", "-f", "{{.Id}}", image).stdout.strip()
        self.podman("tag", image_id.removeprefix("sha256:"), qualified_image(image))

    def _wait_until_up(self, started: float) -> None:
        deadline = started + BOOT_TIMEOUT
        state = "not started"
        while time.monotonic() < deadline:
            done = self.run("systemctl", "is-system-running", "--wait", check=False,
                            timeout=max(deadline - time.monotonic(), 1))  # fmt: skip
            state = (done.stdout.strip() or done.stderr.strip()) or state
            if state in ("running", "degraded"):
                self.last_boot_seconds = time.monotonic() - started
                return
            if not self._is_running():
                raise HarnessError(f"Podman host {self.name} exited while booting:\n{self._logs()}")
            time.sleep(0.2)
        raise HarnessError(f"Podman host {self.name} not up after {BOOT_TIMEOUT:.0f}s ({state})")
