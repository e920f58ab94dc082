"""What the man page documents beyond --help, as data (pure): the labels unitgen reads, what
each drift kind means and how it is fixed, the restart-policy mapping, files, environment
and examples. Names come from the modules that use them (graph, options, watch, drift,
restart), so the page is made from the code and cannot drift from it; tests check that every
label in the code and every drift kind is described here."""

from __future__ import annotations

from dataclasses import dataclass

from unitgen.commands.watch import OPT_IN_LABEL
from unitgen.drift.compare import KINDS, Kind
from unitgen.graph import COMPOSE_DEPENDS_ON, LABEL_AFTER, LABEL_REQUIRES
from unitgen.model import RestartPolicy
from unitgen.options import DEFAULT_TARGET, KEYS
from unitgen.units.names import (
    CONTAINER_PREFIX,
    HELPER_PATH,
    JOURNAL_UNIT_LABEL,
    NETWORK_PREFIX,
    UNIT_DIR,
    UNIT_LABEL,
)
from unitgen.units.render import SYSTEM_TEMPLATES
from unitgen.units.restart import DIRECT_RESTART_SINCE, restart_settings
from unitgen.update.decide import AUTO_UPDATE_LABEL, REGISTRY, STATE_DIR


@dataclass(frozen=True)
class Label:
    name: str
    value: str
    meaning: str
    flag: str | None = None  # the install/adopt flag that beats it


_OPTION_MEANINGS = {
    "wanted_by": ("TARGET", f"[Install] WantedBy=TARGET: enabled there (default {DEFAULT_TARGET})"),
    "stop_timeout": (
        "SECONDS",
        "seconds the container gets to stop; TimeoutStopSec= is 15 more (default: the "
        "container's own stop timeout)",
    ),
    "restart_sec": ("SECONDS", "RestartSec=: the pause before an automatic restart"),
    "after": ("UNIT,UNIT...", "After=UNIT: start after these systemd units (a mount, a service)"),
    "wants": ("UNIT,UNIT...", "Wants= and After= these systemd units"),
    "requires": ("UNIT,UNIT...", "Requires= and After= these systemd units"),
    "mode": (
        "existing|recreate",
        "existing: the unit starts and stops the container Docker has; recreate: the unit "
        "owns it, creating it from a recorded request (/etc/unitgen/recreate/NAME.json) at "
        "each start and removing it at each stop",
    ),
    "logs": (
        "journal|keep",
        "recreate mode: the container logs to the journal under its unit (journalctl -u), "
        "or keeps its own log driver",
    ),
    "on_unhealthy": (
        "none|restart|kill|stop",
        "when the container's health check says unhealthy: nothing (as Docker); restart it "
        "(stopped with its own timeout) or kill it, and systemd restarts the unit with its "
        "back-off; or stop the unit",
    ),
    "reload_signal": (
        "SIGNAL",
        "ExecReload=: systemctl reload sends SIGNAL (HUP, USR1, ...) to the container",
    ),
    "reload_cmd": (
        "'CMD ARGS'",
        "ExecReload=: systemctl reload runs CMD in the container and fails with its status",
    ),
}

LABELS: tuple[Label, ...] = (
    Label(
        LABEL_REQUIRES,
        "NAME,NAME...",
        "Requires= and After= the units of these containers: for a dependency Docker cannot "
        "express, hard (stopped and restarted with them)",
    ),
    Label(
        LABEL_AFTER,
        "NAME,NAME...",
        "Wants= and After= the units of these containers: order only (a proxy that reaches "
        "its backends by name on a shared network)",
    ),
    Label(
        OPT_IN_LABEL,
        "true",
        "unitgen watch installs and starts a unit for the container when it appears "
        "(also yes or 1)",
    ),
    *(
        Label(label, _OPTION_MEANINGS[key][0], _OPTION_MEANINGS[key][1], flag)
        for key, (flag, label) in KEYS.items()
    ),
    Label(
        UNIT_LABEL,
        "UNIT",
        "written by unitgen on a container a recreate-mode unit made: the unit that owns it",
    ),
    Label(
        JOURNAL_UNIT_LABEL,
        "UNIT",
        "written by unitgen with the one above: the journald log driver turns it into the "
        "field OBJECT_SYSTEMD_UNIT=, by which `journalctl -u UNIT` finds the container's lines",
    ),
    Label(
        AUTO_UPDATE_LABEL,
        REGISTRY,
        "unitgen update pulls the container's image by name and restarts its unit on a new "
        "id, rolling back when it does not come up (recreate mode only: the unit must own "
        "the container)",
    ),
    Label(
        COMPOSE_DEPENDS_ON,
        "SERVICE:CONDITION:RESTART,...",
        "written by docker compose: Wants= and After= each container of those services in "
        "the same project (with a health check a dependency is active once healthy)",
    ),
)

# What an admin does to cause each kind, and the fix, as drift reports it.
DRIFT_KINDS: dict[Kind, tuple[str, str]] = {
    Kind.RESTART_POLICY_CONFLICT: (
        "the container's Docker policy is not `no` while a unit supervises it "
        "(docker update --restart always)",
        "unitgen sync",
    ),
    Kind.RECREATED: (
        "the container behind the unit has a new id (docker rm, then create under the name)",
        "unitgen install NAME, or unitgen sync",
    ),
    Kind.STALE: (
        "the unit differs from what would be generated now (image, mounts, links, networks, "
        "labels, health check, a template)",
        "unitgen diff NAME, then install or sync",
    ),
    Kind.EDITED: (
        "the unit file was edited by hand (its ContentHash no longer matches)",
        "unitgen diff NAME; install --force discards the edit",
    ),
    Kind.ORPHAN: (
        "the unit's container no longer exists",
        "unitgen uninstall NAME, or sync --prune",
    ),
    Kind.NOT_ENABLED: ("the unit will not start at boot (systemctl disable)", "systemctl enable"),
    Kind.MASKED: ("systemd reports the unit masked", "systemctl unmask UNIT"),
    Kind.STARTED_OUTSIDE_SYSTEMD: (
        "the container runs but its unit is inactive (docker start behind systemd's back)",
        "systemctl start UNIT",
    ),
    Kind.CONTAINER_NOT_RUNNING: (
        "the unit is active or failed but the container is not running (docker stop)",
        "systemctl restart UNIT",
    ),
    Kind.UNMANAGED: ("a container with a Docker restart policy and no unit", "unitgen adopt NAME"),
    Kind.NEEDS_A_UNIT: (
        "a container left to its Docker restart policy links to, or shares the network "
        "namespace of, one a unit runs: at boot the engine starts it first, and it fails",
        "unitgen install NAME, or unitgen sync",
    ),
    Kind.DROP_IN: (
        "the unit is customised by drop-ins (systemctl edit): shown, never drift",
        "none needed; systemctl cat UNIT shows the result",
    ),
    Kind.HELPER_MISSING: (f"the helper {HELPER_PATH} is gone: no unit can start", "unitgen sync"),
    Kind.HELPER_EDITED: ("the helper was changed by hand", "unitgen sync --force"),
    Kind.RECORD_MISSING: (
        "recreate mode: the record the unit makes its container from is gone",
        "unitgen install --recreate NAME, while the container exists",
    ),
    Kind.DIFFERS_FROM_RECORD: (
        "recreate mode: the container differs from its record (docker update, or a container "
        "made by hand under the unit's name); the next start puts the record's back",
        "keep it: unitgen install --recreate NAME; drop it: systemctl restart UNIT",
    ),
    Kind.ORDERING_CYCLE: (
        "the unit is enabled for a target the engine's unit is ordered after: systemd drops "
        "a job at boot",
        "unitgen sync",
    ),
    Kind.ENGINE_UNIT_MISSING: (
        "systemd does not know the engine's unit the units need",
        "install or enable the engine, then unitgen sync",
    ),
    Kind.LINGER_OFF: (
        "--user: lingering is off, so the user's manager, and its units, do not start at boot",
        "loginctl enable-linger USER (as root)",
    ),
}


def drift_kinds() -> list[tuple[str, str, str, str]]:
    """(kind, severity, what happened, fix) for every kind, in drift.py's order."""
    return [(str(k), str(KINDS[k]), *DRIFT_KINDS[k]) for k in Kind]


RESTART_POLICIES = ("no", "always", "unless-stopped", "on-failure", "on-failure:3")
_RESTART_NOTES = {
    "no": "the unit fails (or ends) with the container",
    "always": "Docker's back-off, 100 ms doubling to 1 min, reset after 10 s up: the "
    "helper's (UNITGEN_BACKOFF=1)",
    "unless-stopped": "as always; systemctl disable --now keeps it stopped across boots",
    "on-failure": "restart on a non-zero exit, as Docker",
    "on-failure:3": "3 restarts after the first start, then the unit stays failed until "
    "systemctl reset-failed",
}


def restart_table() -> list[tuple[str, str, str, str]]:
    """(Docker policy, systemd before 254, systemd 254 and later, note), computed by the
    same function that writes the units."""

    def settings(policy: str, version: int) -> str:
        unit, service = restart_settings(
            RestartPolicy.parse(policy), systemd_version=version, helper_backoff=True
        )
        return " ".join(f"{k}={v}" for k, v in [*service, *unit])

    return [
        (p, settings(p, DIRECT_RESTART_SINCE - 1), settings(p, DIRECT_RESTART_SINCE), note)
        for p, note in _RESTART_NOTES.items()
    ]


FILES: tuple[tuple[str, str], ...] = (
    (
        f"/{UNIT_DIR}/{CONTAINER_PREFIX}NAME.service",
        "the unit of container NAME, with an [X-Unitgen] section systemd ignores",
    ),
    (
        f"/{UNIT_DIR}/{NETWORK_PREFIX}NET.service",
        "the unit that makes sure user-defined network NET exists",
    ),
    (f"/{UNIT_DIR}/UNIT.d/*.conf", "the admin's drop-ins (systemctl edit): kept, never compared"),
    (str(HELPER_PATH), "the program every unit runs (start, wait, stop, network, policy)"),
    (
        f"{SYSTEM_TEMPLATES}/",
        "admin overrides of the built-in templates (container.service.j2, network.service.j2; "
        "the built-ins are in the unitgen Python package, templates/)",
    ),
    ("/run/lock/unitgen.lock", "serialises runs that change things"),
    (
        f"{STATE_DIR}/NAME.json",
        "the image ids unitgen update rolled container NAME back from, so that it does not try "
        "them again",
    ),
)

ENVIRONMENT: tuple[tuple[str, str], ...] = (
    ("DPKG_ROOT", "operate on that root, offline, as with --root"),
    ("DOCKER_HOST", "unix://PATH of the engine's socket (default /run/docker.sock)"),
    ("NO_COLOR", "no colour in tables"),
)

EXAMPLES: tuple[tuple[str, str], ...] = (
    ("unitgen generate web", "print the units web needs: its dependencies', its network's"),
    ("unitgen install --dry-run web", "print the plan: files, Docker policies, systemctl calls"),
    ("unitgen install web", "write, enable and start them; Docker's policy becomes no"),
    ("unitgen list", "what unitgen manages, and its state"),
    ("unitgen drift --json", "every disagreement, for a script"),
    ("unitgen install --root /srv/image --no-start web", "into an image root, offline"),
    ("unitgen uninstall --keep-running web", "hand web back to Docker without stopping it"),
    ("unitgen sync --dry-run --json", "what sync would do, for a script"),
    ("unitgen update --dry-run --all", "which opted-in containers have a newer image"),
)
