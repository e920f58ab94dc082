"""The JSON documents unitgen prints, described once, as data (pure).

Every `--json` output is one JSON object with `"version": 1`. These descriptions are the
contract: the man page's JSON section is generated from them (unitgen/cli/manpage.py), and the
tests check real outputs against them (every field emitted is documented with its type;
every required field is emitted). Stable: fields are only ever added; a change that removes
or retypes a field would be version 2.

A field's path names it inside its document: `units[].unit` is the `unit` key of each
element of the `units` array. Types are JSON's (string, integer, boolean, array, object,
null), `|` between alternatives.
"""

from __future__ import annotations

from dataclasses import dataclass

VERSION = 1


@dataclass(frozen=True)
class Field:
    path: str
    type: str
    meaning: str
    required: bool = True

    @property
    def types(self) -> frozenset[str]:
        return frozenset(self.type.split("|"))

    @property
    def parent(self) -> str:
        """The path of the object that holds this field ("" for the top level)."""
        head, _, _ = self.path.rpartition(".")
        return head


@dataclass(frozen=True)
class Document:
    name: str
    commands: tuple[str, ...]
    summary: str
    fields: tuple[Field, ...]

    def field(self, path: str) -> Field | None:
        return next((f for f in self.fields if f.path == path), None)


_VERSION = Field("version", "integer", f"{VERSION}; a new version only for an incompatible change")

_LAST_CHECK = (
    Field(
        "last_check",
        "object|null",
        "the health check's last run (State.Health.Log's last entry); null: no health check, "
        "or it has not run yet",
    ),
    Field("last_check.exit_code", "integer", "0 passed, 1 failed, -1 could not run or timed out"),
    Field(
        "last_check.output",
        "string",
        'the last line of what it printed, stripped ("" for nothing)',
    ),
)


_FAILED = (
    Field("failed", "array", "containers whose dependency closure was left out, and why"),
    Field("failed[]", "object", "one left-out container"),
    Field("failed[].container", "string", "its name"),
    Field("failed[].message", "string", "why, as the error line says it"),
    Field("failed[].exit_code", "integer", "the exit code of that error (see EXIT STATUS)"),
)

_FINDING = (
    Field("kind", "string", "the drift kind (see DRIFT KINDS)"),
    Field("severity", "string", "error, warning or info (info is never drift)"),
    Field("container", "string", 'the container\'s name ("" for the helper)'),
    Field("unit", "string", "the unit's name, or the helper's path"),
    Field("message", "string", "what is wrong, in one line"),
    Field("fix", "string", "the command that fixes it"),
)


def _under(prefix: str, fields: tuple[Field, ...]) -> tuple[Field, ...]:
    return tuple(Field(f"{prefix}.{f.path}", f.type, f.meaning, f.required) for f in fields)


LIST = Document(
    "list",
    ("unitgen list --json",),
    "The units unitgen made (container and network units) and their states. (Before this "
    "document existed, list --json printed a bare array of container units.)",
    (
        _VERSION,
        Field(
            "docker",
            "string",
            "answered (Docker states are known), unreachable (the engine did not answer: "
            "every unit's docker is unknown, exit 21) or not-asked (--no-docker)",
        ),
        Field("docker_error", "string|null", "why the engine did not answer; null if it did"),
        Field("units", "array", "one element per unit file, by unit name"),
        Field("units[]", "object", "one unit"),
        Field("units[].unit", "string", "the unit's name, e.g. docker-web.service"),
        Field("units[].kind", "string", "container or network"),
        Field("units[].container", "string|null", "the container's name; null for a network"),
        Field("units[].network", "string|null", "the network's name; null for a container"),
        Field(
            "units[].active",
            "string",
            "systemd's ActiveState (active, inactive, failed, ...); offline without a "
            "running systemd",
        ),
        Field(
            "units[].enabled",
            "boolean|null",
            "enabled for its target (a symlink in its .wants); null for a network unit, "
            "which is never enabled: the container units pull it in",
        ),
        Field(
            "units[].docker",
            "string",
            "container: running, stopped or gone, or recorded (recreate mode: none now, its "
            "unit makes it at its next start); network: present or gone; unknown when the "
            "engine was not asked or did not answer",
        ),
        Field("units[].edited", "boolean", "changed by hand since unitgen wrote it"),
        Field(
            "units[].sub",
            "string",
            "systemd's SubState; auto-restart (or auto-restart-queued): its process died and "
            'it waits to be started again; "" offline',
        ),
        Field(
            "units[].restarts",
            "integer|null",
            "NRestarts: systemd's automatic restarts of the unit so far; null offline",
        ),
        Field(
            "units[].health",
            "string|null",
            "the container's health: starting, healthy or unhealthy; null: no health check, "
            "a network unit, or Docker not known (see docker)",
        ),
        *_under("units[]", _LAST_CHECK),
    ),
)

DRIFT = Document(
    "drift",
    ("unitgen drift --json",),
    "Every way the units and Docker disagree.",
    (
        _VERSION,
        Field("drift", "boolean", "true when a finding is drift (exit 20); info alone is not"),
        Field("findings", "array", "every finding, informational ones included"),
        Field("findings[]", "object", "one finding"),
        *_under("findings[]", _FINDING),
    ),
)

STATUS = Document(
    "status",
    ("unitgen status --json NAME",),
    "One container's unit, the container, what the unit needs, drift and logs.",
    (
        _VERSION,
        Field("container", "string", "the name asked about"),
        Field("unit", "object", "its unit"),
        Field("unit.name", "string", "docker-NAME.service"),
        Field("unit.path", "string", "where its file is (or would be)"),
        Field("unit.origin", "string", "unitgen, edited, foreign, symlink or missing"),
        Field("unit.active", "string", "ActiveState, or offline without a running systemd"),
        Field("unit.sub", "string", 'SubState ("" offline)'),
        Field("unit.result", "string", 'Result ("" offline)'),
        Field("unit.exit_status", "string", "ExecMainStatus: the container's last exit status"),
        Field("unit.exited_at", "string", 'ExecMainExitTimestamp; "" if it has not exited'),
        Field("unit.restarts", "string", "NRestarts: systemd's automatic restarts"),
        Field("unit.enabled", "string", "UnitFileState (offline: enabled or disabled)"),
        Field("drop_ins", "array", "the admin's drop-ins, /etc before /run"),
        Field("drop_ins[]", "object", "one drop-in"),
        Field("drop_ins[].path", "string", "its path (a UNIT.d directory if that is a symlink)"),
        Field("drop_ins[].symlink", "boolean", "a symlink, listed and not followed"),
        Field("dependencies", "array", "each unit it Requires, BindsTo or Wants"),
        Field("dependencies[]", "object", "one dependency"),
        Field("dependencies[].unit", "string", "the unit's name"),
        Field("dependencies[].relation", "string", "Requires, BindsTo or Wants"),
        Field("dependencies[].active", "string", "its ActiveState, not-found or offline"),
        Field("docker", "object|null", "the container in Docker; null: none, or no answer"),
        Field("docker.status", "string", "created, running, paused, restarting, exited, dead"),
        Field("docker.health", "string|null", "starting, healthy, unhealthy; null: no check"),
        Field("docker.restart_count", "integer", "restarts by Docker's own policy"),
        Field("docker.exit_code", "integer", "its last exit code"),
        Field("docker.tty", "boolean", "whether it has a TTY"),
        Field("docker.started_at", "string", "when it last started (Docker's timestamp)"),
        Field("docker.finished_at", "string", "when it last stopped (Docker's timestamp)"),
        *_under("docker", _LAST_CHECK),
        Field("docker_error", "string|null", "why the engine did not answer; null if it did"),
        Field("findings", "array|null", "its drift findings; null if drift could not be read"),
        Field("findings[]", "object", "one finding, as in drift --json"),
        *_under("findings[]", _FINDING),
        Field("drift_error", "string|null", "why drift could not be read; null if it could"),
        Field("logs", "array", "the container's last 10 log lines"),
        Field("logs[]", "string", "one line, as written"),
        Field("logs_error", "string|null", "why the logs could not be read; null if they could"),
        Field(
            "record",
            "string|null",
            "recreate mode: the record the unit makes the container from at each start; null "
            "in existing mode",
        ),
    ),
)

EXIT_CODES = Document(
    "exit-codes",
    ("unitgen exit-codes --json",),
    "The exit codes unitgen returns.",
    (
        _VERSION,
        Field("exit_codes", "array", "every code, ascending"),
        Field("exit_codes[]", "object", "one code"),
        Field("exit_codes[].code", "integer", "the exit code"),
        Field("exit_codes[].meaning", "string", "what it means"),
    ),
)

GENERATE = Document(
    "generate",
    ("unitgen generate --json NAME...", "unitgen generate --json --output DIR NAME..."),
    "The units the containers need, dependencies first, with their text.",
    (
        _VERSION,
        Field("units", "array", "every unit, dependencies first"),
        Field("units[]", "object", "one unit"),
        Field("units[].unit", "string", "its name"),
        Field("units[].kind", "string", "container or network"),
        Field("units[].container", "string|null", "the container's name; null for a network"),
        Field("units[].target", "string|null", "the target it is enabled for; null: network"),
        Field("units[].path", "string|null", "where --output wrote it; null without --output"),
        Field("units[].text", "string", "the unit file's text"),
        *_FAILED,
    ),
)

PLAN = Document(
    "plan",
    (
        "unitgen install --dry-run --json",
        "unitgen uninstall --dry-run --json",
        "unitgen sync --dry-run --json",
        "unitgen adopt --dry-run --json",
    ),
    "What a run will do, decided before anything is touched, in the order it is done: files, "
    "Docker policies, release, stop, disable, daemon-reload, enable, start. Without "
    "--dry-run, --json prints the plan that was carried out.",
    (
        _VERSION,
        Field("command", "string", "install, uninstall, sync or adopt"),
        Field("dry_run", "boolean", "true: nothing was done"),
        Field(
            "online",
            "boolean",
            "systemd runs here: reload, stop and start happen; false: enable is offline "
            "(systemctl --root) and nothing is started",
        ),
        Field("empty", "boolean", "nothing to do"),
        Field("files", "array", "each unit file (and the helper) written, kept or removed"),
        Field("files[]", "object", "one file"),
        Field("files[].verb", "string", "write, keep or remove"),
        Field("files[].path", "string", "its path"),
        Field("files[].unit", "string", 'the unit\'s name ("" for the helper)'),
        Field("files[].why", "string", "new, updated, unchanged, container was recreated, ..."),
        Field(
            "files[].mode",
            "string|null",
            "its mode, octal (0644; the helper 0755); null for a file removed",
        ),
        Field("policies", "array", "Docker restart policies changed"),
        Field("policies[]", "object", "one change"),
        Field("policies[].container", "string", "the container"),
        Field("policies[].policy", "string", "the new policy"),
        Field("policies[].was", "string", "the policy before"),
        Field("release", "array", "containers handed back to Docker: their stop leaves them up"),
        Field("release[]", "string", "a container"),
        Field("stop", "array", "units stopped (online only)"),
        Field("stop[]", "string", "a unit"),
        Field("disable", "array", "units disabled"),
        Field("disable[]", "string", "a unit"),
        Field("reload", "boolean", "a daemon-reload is due (done online only)"),
        Field("enable", "array", "units enabled"),
        Field("enable[]", "string", "a unit"),
        Field("start", "array", "units started (online only)"),
        Field("start[]", "string", "a unit"),
        Field("notes", "array", "what an admin should know (a drop-in kept, a restart due)"),
        Field("notes[]", "string", "one note"),
        *_FAILED,
    ),
)

GRAPH = Document(
    "graph",
    ("unitgen graph --json NAME...", "unitgen graph --json --all"),
    "The boot-order graph: the containers, dependencies first, and what each one needs.",
    (
        _VERSION,
        Field("containers", "array", "the containers drawn, dependencies first"),
        Field("containers[]", "string", "a container's name"),
        Field("arrows", "array", "from a container to what it needs"),
        Field("arrows[]", "object", "one arrow"),
        Field("arrows[].from", "string", "the container that needs"),
        Field("arrows[].to", "string", "what it needs: a container, a network or a host path"),
        Field("arrows[].kind", "string", "what `to` is: container, network or mount"),
        Field(
            "arrows[].relation",
            "string",
            "link, network, netns, volumes-from, compose, label or mount",
        ),
        Field(
            "arrows[].strength",
            "string",
            "the unit dependency it becomes: BindsTo, Requires, Wants or RequiresMountsFor",
        ),
    ),
)

UPDATE = Document(
    "update",
    ("unitgen update --json", "unitgen update --dry-run --json"),
    "What an image update did to each container (or, with --dry-run, what its registry "
    "offers). Image ids and digests are whole (sha256:...).",
    (
        _VERSION,
        Field("dry_run", "boolean", "true: the registries were asked, nothing was pulled"),
        Field("exit_code", "integer", "the run's exit code: 0, 22 (rolled back) or 23 (failed)"),
        Field("containers", "array", "one element per container, in the order handled"),
        Field("containers[]", "object", "one container"),
        Field("containers[].container", "string", "its name"),
        Field("containers[].unit", "string|null", "the unit that owns it; null: none"),
        Field("containers[].image", "string|null", "its image by name; null: not read"),
        Field(
            "containers[].result",
            "string",
            "updated, unchanged, rolled-back, failed or skipped; with --dry-run "
            "update-available, unchanged, cannot-check, failed or skipped",
        ),
        Field("containers[].why", "string", 'why, or what changed, as the line says it ("")'),
        Field("containers[].previous_id", "string|null", "the image id it ran at the start"),
        Field(
            "containers[].running_id",
            "string|null",
            "the image id it runs at the end; null: unknown (failed)",
        ),
        Field("containers[].offered_id", "string|null", "the id pulled; null: none pulled"),
        Field(
            "containers[].offered_digest",
            "string|null",
            "the registry's digest for the name; null: not known",
        ),
        Field(
            "containers[].running_digest",
            "string|null",
            "--dry-run: the digest of the image it runs, in that registry; null: none",
        ),
    ),
)

DOCUMENTS: tuple[Document, ...] = (
    LIST,
    DRIFT,
    STATUS,
    EXIT_CODES,
    GENERATE,
    PLAN,
    GRAPH,
    UPDATE,
)
