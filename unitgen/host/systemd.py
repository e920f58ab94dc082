"""The only module that runs systemctl or asks whether systemd is running.

Online (systemd is PID 1, no DPKG_ROOT, root is /): daemon-reload, enable, start, stop.
Offline (chroot, image build, `--root`, DPKG_ROOT): enable and disable with
`systemctl --root=ROOT`, which needs no running systemd; reload, start and stop are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from unitgen import log
from unitgen.errors import SystemdFailed

# ActiveState (with "offline") is the shared vocabulary's (model.py), for plan/ and drift/ below.
from unitgen.model import ActiveState as ActiveState
from unitgen.model import active_state
from unitgen.units.names import unit_dir
from unitgen.units.scope import SYSTEM, Scope

POLICY_RC_D = Path("usr/sbin/policy-rc.d")
POLICY_FORBIDDEN = 101
# logind's record of the users whose manager runs from boot, without a session (lingering).
LINGER_DIR = Path("/var/lib/systemd/linger")


def booted() -> bool:
    """sd_booted(3), made the way libsystemd makes it: is /run/systemd/system a directory?
    (python-systemd's daemon.booted() asks the same of libsystemd, at ~6 ms of import, a
    twentieth of `generate NAME`; python-systemd stays for the journal, unitgen/log.py.)"""
    return os.path.isdir("/run/systemd/system")


def is_online(root: Path, scope: Scope = SYSTEM) -> bool:
    """systemd runs here and is asked; for a user's units, that user's manager runs too (its
    private socket is there: the user is logged in, or lingering)."""
    online = root == Path("/") and not os.environ.get("DPKG_ROOT") and booted()
    if online and scope.runtime_dir is not None:
        return os.path.exists(scope.runtime_dir / "systemd/private")
    return online


def lingering(user: str) -> bool:
    """Whether logind starts USER's manager at boot and keeps it without a session (what
    `loginctl enable-linger USER` turns on): its file in /var/lib/systemd/linger."""
    return (LINGER_DIR / user).exists()


class Systemctl:
    def __init__(self, root: Path, *, online: bool, scope: Scope = SYSTEM) -> None:
        self.root = root
        self.online = online
        self.scope = scope

    def require_manager(self, verb: str = "enable") -> None:
        """A user's units are enabled through that user's running manager: `systemctl --user
        enable` without it fails obscurely ("Unit .../default.target.wants/X does not exist",
        systemd 257), so a run that would change them is refused first, saying why."""
        if self.scope.user and not self.online:
            who = self.scope.user_name
            raise SystemdFailed(
                f"cannot run `systemctl --user {verb}`: the user manager of {who} is not "
                f"running (no {self.scope.runtime_dir}/systemd/private)",
                f"log in as {who}, or run `loginctl enable-linger {who}` (as root) so that it "
                "runs from boot; XDG_RUNTIME_DIR must name its runtime directory",
            )

    def _run(self, *args: str) -> str:
        if self.scope.user:
            self.require_manager(args[0])
            argv = ["systemctl", "--user", *args]
        elif self.online:
            argv = ["systemctl", *args]
        else:
            argv = ["systemctl", f"--root={self.root}", *args]
        log.debug("running %s", " ".join(argv))
        try:
            import subprocess  # here: `generate` runs no program, and start-up is a target

            done = subprocess.run(argv, capture_output=True, text=True, check=False)
        except FileNotFoundError as exc:
            raise SystemdFailed("systemctl is not installed", "install systemd") from exc
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise SystemdFailed(
                f"`{' '.join(argv)}` failed: {detail[-1] if detail else done.returncode}",
                f"see `journalctl -xe` and `{self.scope.systemctl} status` for the units named",
            )
        return done.stdout

    def daemon_reload(self) -> None:
        if self.online:
            self._run("daemon-reload")

    def enable(self, units: Sequence[str]) -> None:
        """reenable: a unit whose WantedBy= changed loses its old link and gets the new one."""
        if units:
            self._run("reenable", "--quiet", *units)

    def disable(self, units: Sequence[str]) -> None:
        if units:
            self._run("disable", "--quiet", *units)

    def start(self, units: Sequence[str]) -> None:
        if units and self.online:
            self._run("start", *units)

    def stop(self, units: Sequence[str]) -> None:
        if units and self.online:
            self._run("stop", *units)

    def restart_queued(self, unit: str) -> None:
        """`systemctl restart --no-block UNIT`: queue the restart and return; the caller
        watches for the result (a unit that keeps failing may keep its job running for ever,
        and a blocking call would wait as long). Online only: offline there is nothing to
        restart."""
        if not self.online:
            raise SystemdFailed(
                f"cannot restart {unit}: systemd is not running here",
                "run it on the booted host whose units these are",
            )
        self._run("restart", "--no-block", unit)

    def show(self, units: Sequence[str], *props: str) -> dict[str, dict[str, str]]:
        """`systemctl show` of each unit; empty dicts when systemd is not running."""
        if not self.online or not units:
            return {unit: {} for unit in units}
        out = self._run("show", f"--property=Id,{','.join(props)}", *units)
        found: dict[str, dict[str, str]] = {}
        for block in out.strip().split("\n\n"):
            fields = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
            if "Id" in fields:
                found[fields["Id"]] = fields
        return {unit: found.get(unit, {}) for unit in units}

    def active_states(self, units: Sequence[str]) -> dict[str, ActiveState]:
        """ActiveState of each unit; 'offline' when systemd is not running."""
        shown = self.show(units, "ActiveState")
        return {
            u: active_state(shown[u].get("ActiveState")) if self.online else "offline"
            for u in units
        }

    def socket_service(self, path: str) -> str | None:
        """The service a socket unit listening on PATH activates (Debian's docker.socket ->
        docker.service), from `systemctl list-sockets`; None offline or when none listens."""
        if not self.online:
            return None
        out = self._run("list-sockets", "--all", "--no-legend", "--full")
        for line in out.splitlines():
            words = line.split()
            if len(words) >= 3 and words[0] == path and words[-1].endswith(".service"):
                return words[-1]
        return None

    def policy_allows(self, unit: str, action: str) -> bool:
        """Debian's policy-rc.d: exit 101 forbids starting services (chroots, image builds)."""
        script = self.root / POLICY_RC_D
        if not os.access(script, os.X_OK):
            return True
        import subprocess

        done = subprocess.run([str(script), unit, action], capture_output=True, check=False)
        return done.returncode != POLICY_FORBIDDEN


def enabled(root: Path, unit: str, target: str, scope: Scope = SYSTEM) -> bool:
    """Whether `unit` is enabled for `target`, read from the symlink systemctl enable makes."""
    link = unit_dir(root, scope) / f"{target}.wants" / unit
    return link.is_symlink() or link.exists()


def wants_links(root: Path, scope: Scope = SYSTEM) -> dict[str, frozenset[str]]:
    """Unit -> every unit whose .wants/ under ROOT links it (what `enabled` asks of one
    target, read for all at once)."""
    base = unit_dir(root, scope)
    found: dict[str, set[str]] = {}
    try:
        entries = [e for e in os.scandir(base) if e.name.endswith(".wants") and e.is_dir()]
    except (FileNotFoundError, NotADirectoryError):
        return {}
    for entry in entries:
        try:
            names = os.listdir(entry.path)
        except OSError:
            continue
        for name in names:
            found.setdefault(name, set()).add(entry.name.removesuffix(".wants"))
    return {name: frozenset(targets) for name, targets in found.items()}


_SHARED_LIBS = ("usr/lib/*/systemd", "usr/lib/systemd", "lib/*/systemd", "lib/systemd")


def version(root: Path) -> int | None:
    """The version of the systemd installed under ROOT (the image's own for --root), read
    from the name of its shared library (libsystemd-shared-252.so on Debian 12, -257 on
    Debian 13): no program is run, so it works for an image that cannot run here."""
    for pattern in _SHARED_LIBS:
        for lib in sorted(root.glob(f"{pattern}/libsystemd-shared-*.so")):
            number = lib.name.removeprefix("libsystemd-shared-").removesuffix(".so")
            if number.isdigit():
                return int(number)
    return None


def unit_of_pid(pid: int, scope: Scope = SYSTEM) -> str | None:
    """The service a process runs in, from its cgroup path (`.../system.slice/NAME.service`):
    how the engine's unit is found when no socket unit activates it (snap's
    snap.docker.dockerd.service, a hand-made unit)."""
    try:
        text = Path(f"/proc/{pid}/cgroup").read_text()
    except OSError:
        return None
    return unit_of_cgroup(text, scope)


def unit_of_cgroup(text: str, scope: Scope = SYSTEM) -> str | None:
    """The service of a /proc/PID/cgroup TEXT (the unified or name=systemd line). For a
    user's units, only a service of that user's manager
    (`.../user@UID.service/app.slice/NAME.service`, as rootless Docker's docker.service): a
    system service is one that manager cannot see."""
    for line in text.splitlines():
        _, _, path = line.partition(":")
        controllers, _, path = path.partition(":")
        if controllers in ("", "name=systemd"):
            if scope.user and f"/user@{scope.uid}.service/" not in path:
                continue
            for part in reversed(path.split("/")):
                if part.endswith(".service"):
                    return part
    return None
