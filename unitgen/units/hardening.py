"""The sandbox of the units' own processes: the [Service] settings every unit carries (pure).

The unit's own processes (the helper: sh, nc, sed, tr) only talk to the engine's Unix socket,
so they get everything systemd can take away: `systemd-analyze security` rates the unit 0.8
(SAFE). What stays and why is in the README ("Hardening"). The container itself runs under
dockerd, outside the unit's cgroup: none of this confines it; Docker's own options do.
"""

from __future__ import annotations

HARDENING: tuple[tuple[str, str], ...] = (
    ("CapabilityBoundingSet", ""),
    ("NoNewPrivileges", "yes"),
    ("ProtectSystem", "strict"),
    ("ProtectHome", "yes"),
    ("PrivateTmp", "yes"),
    ("PrivateDevices", "yes"),
    ("PrivateNetwork", "yes"),
    ("ProtectHostname", "yes"),
    ("ProtectClock", "yes"),
    ("ProtectKernelTunables", "yes"),
    ("ProtectKernelModules", "yes"),
    ("ProtectKernelLogs", "yes"),
    ("ProtectControlGroups", "yes"),
    ("ProtectProc", "invisible"),
    ("ProcSubset", "pid"),
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
    ("IPAddressDeny", "any"),
    ("UMask", "0077"),
    ("DevicePolicy", "closed"),
    ("KeyringMode", "private"),
)
