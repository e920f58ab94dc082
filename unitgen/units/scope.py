"""Which service manager the units are for, and where that manager's files live (pure).

The system scope is what unitgen always did: /etc/systemd/system, `systemctl`, the engine at
/run/docker.sock, the helper in /var/lib/unitgen, records in /etc/unitgen. The user scope
(`--user`, README "Rootless Docker") is one user's own manager, `systemctl --user`, for the
containers of that user's rootless engine: units in $XDG_CONFIG_HOME/systemd/user, the helper
in $XDG_DATA_HOME/unitgen, records in $XDG_CONFIG_HOME/unitgen, the engine at
$XDG_RUNTIME_DIR/docker.sock, and `default.target` instead of `multi-user.target`.

Every path here is absolute, as on the target system; a command under `--root` (system scope
only) puts them below its root.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from unitgen.units.hardening import HARDENING

ScopeName = Literal["system", "user"]

# The interface version is in the name, in both scopes (README, "The helper").
HELPER_NAME = "container-v1"

# What a user's manager applies to a unit without privileges and without a mount namespace:
# seccomp filters (systemd sets NoNewPrivileges= for them, as it must for an unprivileged
# manager), the umask and the keyring. The system table's other settings either need
# privileges a user manager lacks (CapabilityBoundingSet=, IPAddressDeny=, DevicePolicy=:
# capabilities and BPF), or a mount namespace that a user manager only gets through an implicit
# PrivateUsers= (ProtectSystem=, PrivateTmp=, PrivateDevices=, the Protect* kernel settings),
# and ProtectHome= would hide the helper and the records, which live in the user's home.
# README, "Rootless Docker".
USER_HARDENING: tuple[tuple[str, str], ...] = tuple(
    (key, value)
    for key, value in HARDENING
    if key
    in {
        "NoNewPrivileges",
        "RestrictAddressFamilies",
        "RestrictNamespaces",
        "LockPersonality",
        "MemoryDenyWriteExecute",
        "RestrictRealtime",
        "RestrictSUIDSGID",
        "SystemCallArchitectures",
        "SystemCallFilter",
        "SystemCallErrorNumber",
        "UMask",
        "KeyringMode",
    }
)


@dataclass(frozen=True)
class Scope:
    """One service manager's places: where its units, drop-ins and links are, which packaged
    units ours would override, where the helper and the records go, the target units are
    enabled for, the engine's socket when DOCKER_HOST and the context say nothing."""

    name: ScopeName
    unit_dir: PurePosixPath
    drop_in_dirs: tuple[PurePosixPath, ...]
    vendor_dirs: tuple[PurePosixPath, ...]
    helper: PurePosixPath
    record_dir: PurePosixPath
    target: str
    default_socket: str
    hardening: tuple[tuple[str, str], ...]
    update_dir: PurePosixPath  # `unitgen update`'s state (rejected ids, the update under way)
    # The user scope: whose manager, and its runtime directory ($XDG_RUNTIME_DIR).
    user_name: str | None = None
    uid: int | None = None
    runtime_dir: PurePosixPath | None = None

    @property
    def user(self) -> bool:
        return self.name == "user"

    @property
    def systemctl(self) -> str:
        """How a person runs systemctl for these units (in hints and fixes)."""
        return "systemctl --user" if self.user else "systemctl"

    @property
    def runtime_drop_in_dir(self) -> PurePosixPath:
        """Where `systemctl edit --runtime` writes: gone at the next boot."""
        return self.drop_in_dirs[-1]


SYSTEM = Scope(
    name="system",
    unit_dir=PurePosixPath("/etc/systemd/system"),
    drop_in_dirs=(PurePosixPath("/etc/systemd/system"), PurePosixPath("/run/systemd/system")),
    vendor_dirs=(PurePosixPath("/usr/lib/systemd/system"), PurePosixPath("/lib/systemd/system")),
    # /var/lib survives `apt remove` (as dpkg's own maintainer scripts in /var/lib/dpkg/info do).
    helper=PurePosixPath("/var/lib/unitgen/helper") / HELPER_NAME,
    # One file per container, readable by root only (it holds the container's environment).
    record_dir=PurePosixPath("/etc/unitgen/recreate"),
    target="multi-user.target",
    default_socket="/run/docker.sock",
    hardening=HARDENING,
    update_dir=PurePosixPath("/var/lib/unitgen/update"),
)


def _xdg(environ: Mapping[str, str], key: str, fallback: PurePosixPath) -> PurePosixPath:
    """An XDG base directory: the variable when it holds an absolute path (the specification
    says to ignore a relative one), else FALLBACK."""
    value = environ.get(key, "")
    return PurePosixPath(value) if value.startswith("/") else fallback


def user_scope(environ: Mapping[str, str], *, uid: int, user_name: str, home: str) -> Scope:
    """The scope of user USER_NAME (UID, HOME) as ENVIRON's XDG variables place it, the way
    systemd's user manager and rootless Docker read them."""
    base = PurePosixPath(home)
    config = _xdg(environ, "XDG_CONFIG_HOME", base / ".config")
    data = _xdg(environ, "XDG_DATA_HOME", base / ".local/share")
    runtime = _xdg(environ, "XDG_RUNTIME_DIR", PurePosixPath(f"/run/user/{uid}"))
    units = config / "systemd/user"
    return Scope(
        name="user",
        unit_dir=units,
        drop_in_dirs=(units, runtime / "systemd/user"),
        # The user manager's lower-priority directories: a unit of the same name there (the
        # admin's for every user, a package's, the user's own data dir) is overridden by ours.
        vendor_dirs=(
            PurePosixPath("/etc/systemd/user"),
            data / "systemd/user",
            PurePosixPath("/usr/lib/systemd/user"),
            PurePosixPath("/lib/systemd/user"),
        ),
        helper=data / "unitgen/helper" / HELPER_NAME,
        record_dir=config / "unitgen/recreate",
        target="default.target",
        # Where dockerd-rootless.sh listens.
        default_socket=str(runtime / "docker.sock"),
        hardening=USER_HARDENING,
        update_dir=data / "unitgen/update",
        user_name=user_name,
        uid=uid,
        runtime_dir=runtime,
    )


def current_user_scope() -> Scope:
    """The user scope of the user unitgen runs as (the one `systemctl --user` talks to)."""
    import os
    import pwd

    uid = os.geteuid()
    try:
        entry = pwd.getpwuid(uid)
        name, home = entry.pw_name, entry.pw_dir
    except KeyError:
        name, home = str(uid), os.path.expanduser("~")
    return user_scope(os.environ, uid=uid, user_name=name, home=os.environ.get("HOME") or home)


def foreign_socket(scope: Scope, socket: str) -> str | None:
    """Why SOCKET cannot be the engine of units in SCOPE, or None when it can: system units
    must not reach a user's engine (under /run/user/UID, gone when that user's manager stops)."""
    if not scope.user and socket.startswith("/run/user/"):
        return (
            f"the engine's socket {socket} is a user's (rootless Docker), and system units "
            "would lose it whenever that user's manager stops"
        )
    return None
