"""A real image registry for the tests: Debian's docker-registry (distribution 2.8) serving on
127.0.0.1 at a free port with a temporary storage directory, and test images pushed to it.

The engine treats registries on 127.0.0.0/8 as insecure (plain HTTP) without any setting, so
`docker push 127.0.0.1:PORT/app:1` works here and inside the systemd harness, which uses
this machine's engine. Images are made from the busybox test image (tests/images/build.sh):
a container of it gets /app/run, then `docker commit` makes that the image's command, so a
"good" image serves until stopped and a "bad" one exits at once, whatever command a
container was created with from its record."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import tarfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.topology import IMAGE, docker

GOOD = "#!/bin/sh\n# version {version}\ntrap 'exit 0' TERM\nsleep 3600 &\nwait\n"
BAD = "#!/bin/sh\necho 'version {version}: broken on purpose' >&2\nexit 3\n"

CONFIG = """version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Registry:
    """One `docker-registry serve` process and the images the tests pushed to it."""

    directory: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    built: list[str] = field(default_factory=list)  # image ids to remove at the end

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        storage = self.directory / "storage"
        storage.mkdir(parents=True, exist_ok=True)
        for _ in range(5):  # a free port may be taken before the registry binds it
            self.port = free_port()
            config = self.directory / "config.yml"
            config.write_text(CONFIG.format(storage=storage, port=self.port))
            if self._serve():
                return
        raise AssertionError(f"docker-registry did not start: see {self.directory}/registry.log")

    def resume(self) -> None:
        """Serve again after stop(): the same port, the same images."""
        if not self._serve():
            raise AssertionError(f"docker-registry did not restart: {self.directory}")

    def _serve(self) -> bool:
        with (self.directory / "registry.log").open("ab") as log:
            self.process = subprocess.Popen(
                ["docker-registry", "serve", str(self.directory / "config.yml")],
                stdout=log,
                stderr=log,
            )
        if self._answers():
            return True
        self.stop()
        return False

    def _answers(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.process and self.process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1) as answer:
                    return bool(answer.status == 200)
            except OSError:
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def close(self) -> None:
        """Stop, and remove the images the tests made and pulled (those still in use by a
        container stay)."""
        self.stop()
        for image in reversed(self.built):
            docker("rmi", "-f", image, check=False)
        listed = docker("images", "--format", "{{.Repository}}:{{.Tag}}", check=False)
        ours = [name for name in listed.split() if name.startswith(f"{self.host}/")]
        if ours:
            docker("rmi", *ours, check=False)

    def name(self, repo: str, tag: str) -> str:
        return f"{self.host}/{repo}:{tag}"

    def build(self, name: str, script: str, version: str, *changes: str) -> str:
        """Make image NAME whose command is /app/run = SCRIPT (GOOD or BAD, for VERSION),
        with `docker commit --change` CHANGES (a HEALTHCHECK); its id."""
        container = docker("create", IMAGE)
        try:
            archive = io.BytesIO()
            with tarfile.open(fileobj=archive, mode="w") as tar:
                data = script.format(version=version).encode()
                info = tarfile.TarInfo("app/run")
                info.size, info.mode = len(data), 0o755
                tar.addfile(info, io.BytesIO(data))
            subprocess.run(
                ["docker", "cp", "-", f"{container}:/"], input=archive.getvalue(), check=True
            )
            args = ["commit", "--change", 'CMD ["/app/run"]']
            for change in changes:
                args += ["--change", change]
            image = docker(*args, container, name)
        finally:
            docker("rm", container, check=False)
        self.built.append(image)
        return image

    def push(self, name: str) -> str:
        """Push NAME; the registry's digest for it."""
        out = docker("push", name)
        digests = [word for word in out.split() if word.startswith("sha256:")]
        assert digests, out
        return digests[-1]

    def publish(self, repo: str, tag: str, script: str, version: str, *changes: str) -> str:
        """Build NAME and push it: the registry offers it now. Its image id."""
        name = self.name(repo, tag)
        image = self.build(name, script, version, *changes)
        self.push(name)
        return image

    def forget(self, name: str) -> None:
        """Untag NAME on this engine (its image stays while a container uses it), so that the
        next pull really downloads."""
        docker("rmi", name, check=False)

    def layers(self, repo: str, tag: str) -> list[str]:
        """The layer digests of REPO:TAG, as its manifest lists them (base layer first)."""
        request = urllib.request.Request(
            f"http://{self.host}/v2/{repo}/manifests/{tag}",
            headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            manifest = json.load(answer)
        return [layer["digest"] for layer in manifest["layers"]]

    def blobs(self) -> Path:
        return self.directory / "storage/docker/registry/v2/blobs"
