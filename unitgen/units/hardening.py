"""The sandbox of the units' own processes: the [Service] settings every unit carries (pure).

The unit's own processes (the helper: sh, nc, systemd-notify, sed) only talk to the engine's
Unix socket, and whoever can write to that socket is root on the host (a container with `/`
bound in and every capability is one request away). So a setting earns its place by what it
costs at spawn, not by its score: those that systemd applies to the process itself (the
capability bounding set, seccomp filters, no_new_privs, personality, umask) cost nothing
measurable and stay; those that need a namespace set up for each spawned process (a mount
namespace for the file-system views, a network and a UTS namespace) cost the boot and protect
nothing the socket does not give away: DROPPED, with the reason for each. README, "Hardening",
has both measurements (bench/sandbox.py). The container itself runs under dockerd, outside the
unit's cgroup: none of this confines it; Docker's own options do.
"""

from __future__ import annotations

HARDENING: tuple[tuple[str, str], ...] = (
    ("CapabilityBoundingSet", ""),
    ("NoNewPrivileges", "yes"),
    ("ProtectClock", "yes"),
    ("RestrictAddressFamilies", "AF_UNIX"),
    ("RestrictNamespaces", "yes"),
    ("LockPersonality", "yes"),
    ("MemoryDenyWriteExecute", "yes"),
    ("RestrictRealtime", "yes"),
    ("RestrictSUIDSGID", "yes"),
    ("RemoveIPC", "yes"),
    ("SystemCallArchitectures", "native"),
    ("SystemCallFilter", "@system-service"),
    ("SystemCallFilter", "~@privileged @resources"),
    ("SystemCallErrorNumber", "EPERM"),
    ("UMask", "0077"),
    ("DevicePolicy", "closed"),
    ("KeyringMode", "private"),
)

_MOUNT_NS = "a mount namespace per spawn; the socket writes anywhere a container can bind"
# What the units carried until issue 24, and why each went.
DROPPED: tuple[tuple[str, str, str], ...] = (
    ("ProtectSystem", "strict", _MOUNT_NS),
    ("ProtectHome", "yes", _MOUNT_NS),
    ("PrivateTmp", "yes", _MOUNT_NS + " (and a tmpfs per unit)"),
    ("PrivateDevices", "yes", _MOUNT_NS + "; DevicePolicy=closed stays"),
    ("PrivateNetwork", "yes", "a network namespace per unit; AF_UNIX only already"),
    ("ProtectHostname", "yes", "a UTS namespace; sethostname needs a capability it lacks"),
    ("ProtectKernelTunables", "yes", _MOUNT_NS),
    ("ProtectKernelModules", "yes", _MOUNT_NS + "; no CAP_SYS_MODULE anyway"),
    ("ProtectKernelLogs", "yes", _MOUNT_NS + "; no CAP_SYSLOG anyway"),
    ("ProtectControlGroups", "yes", _MOUNT_NS),
    ("ProtectProc", "invisible", _MOUNT_NS),
    ("ProcSubset", "pid", _MOUNT_NS),
    ("IPAddressDeny", "any", "a BPF program per unit; AF_UNIX only already"),
)


def before() -> tuple[tuple[str, str], ...]:
    """The sandbox as it was before DROPPED went (bench/sandbox.py measures both)."""
    return (*HARDENING, *((key, value) for key, value, _ in DROPPED))
