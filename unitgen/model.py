"""Typed, frozen descriptions of containers and networks, as unitgen needs them (pure).

`docker_source` builds these from `docker inspect` (through the pure converters in
`from_inspect`); nothing past them sees a raw Docker dict.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Literal, get_args

from unitgen.errors import UsageError

# Docker's own rule for container names (daemon/names.go).
CONTAINER_NAME_RE = r"[a-zA-Z0-9][a-zA-Z0-9_.-]+"
BUILTIN_NETWORKS = frozenset({"bridge", "host", "none", "default"})


# Docker's restart policy names. A Literal rather than an enum: the names are Docker's own
# strings, written as-is into units and `docker update`, and `RestartPolicy("always")` stays
# the way to spell one while mypy still rejects a name Docker does not have.
PolicyName = Literal["no", "always", "unless-stopped", "on-failure"]
POLICY_NAMES: tuple[PolicyName, ...] = get_args(PolicyName)


@dataclass(frozen=True)
class RestartPolicy:
    """Docker's restart policy: `no`, `always`, `unless-stopped` or `on-failure[:N]`."""

    name: PolicyName = "no"
    max_retries: int = 0

    @classmethod
    def parse(cls, text: str) -> RestartPolicy:
        given, _, count = text.partition(":")
        name = _policy_name(given or "no")
        if name is None:
            raise UsageError(
                f"unknown restart policy {text!r}",
                "use no, always, unless-stopped or on-failure[:N]",
            )
        if count and (name != "on-failure" or not count.isdigit()):
            raise UsageError(f"bad restart policy {text!r}", "only on-failure takes a count")
        return cls(name, int(count or 0))

    def __str__(self) -> str:
        if self.name == "on-failure" and self.max_retries:
            return f"on-failure:{self.max_retries}"
        return self.name

    @property
    def is_off(self) -> bool:
        return self.name == "no"


def _policy_name(text: str) -> PolicyName | None:
    for name in POLICY_NAMES:
        if name == text:
            return name
    return None


@dataclass(frozen=True)
class HealthCheck:
    """A container's HEALTHCHECK, in seconds (Docker's defaults filled in)."""

    interval: float = 30.0
    timeout: float = 30.0
    start_period: float = 0.0
    retries: int = 3
    # Docker's Test: ("CMD-SHELL", command) or ("CMD", argv...). Only exports write it: the
    # units ask the engine for the health status, they never run the check themselves.
    test: tuple[str, ...] = ()

    def worst_case_seconds(self) -> float:
        """How long Docker may take to call a starting container healthy or unhealthy."""
        return self.start_period + self.retries * (self.interval + self.timeout)


class Edge(enum.Enum):
    """Why one unit depends on another; the value names it in README tables and errors."""

    LINK = "link"
    NETNS = "network container:"
    VOLUMES_FROM = "volumes-from"
    NETWORK = "network"
    COMPOSE = "compose depends_on"
    LABEL_REQUIRES = "label unitgen.requires"
    LABEL_AFTER = "label unitgen.after"


@dataclass(frozen=True)
class Dependency:
    kind: Edge
    target: str  # a container name, or for Edge.NETWORK a network name
    detail: str = ""  # e.g. the compose service, for messages


@dataclass(frozen=True)
class NetworkSpec:
    """What it takes to recreate a user-defined network with the same driver and options."""

    name: str
    id: str
    driver: str
    ipam_driver: str = "default"
    subnets: tuple[tuple[str, str, str], ...] = ()  # (subnet, gateway, ip-range)
    options: tuple[tuple[str, str], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    internal: bool = False
    attachable: bool = False
    ipv6: bool = False


@dataclass(frozen=True)
class PortBinding:
    """One published port: `-p [HOST_IP:][HOST_PORT:]PORT/PROTOCOL`."""

    port: int
    protocol: str = "tcp"
    host_ip: str = ""  # every address
    host_port: str = ""  # a port the engine picks; may be a range, e.g. 8000-8010


MountKind = Literal["bind", "volume", "tmpfs"]


@dataclass(frozen=True)
class Mount:
    """A bind mount, a named or anonymous volume, or a tmpfs (`-v`, `--mount`, `--tmpfs`)."""

    kind: MountKind
    source: str  # host path, volume name; "" for an anonymous volume or a tmpfs
    target: str
    read_only: bool = False
    # The rest of Docker's mode: z, Z, nocopy, a propagation (rshared...), or tmpfs options.
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Device:
    host_path: str
    container_path: str
    permissions: str = "rwm"


@dataclass(frozen=True)
class Endpoint:
    """How the container is on one user-defined network, when not just by its name."""

    network: str
    aliases: tuple[str, ...] = ()  # --network-alias (not Docker's or Compose's own)
    ipv4: str = ""  # --ip
    ipv6: str = ""  # --ip6


@dataclass(frozen=True)
class Settings:
    """The rest of what `docker run` was told that exports write: limits, DNS, sysctls,
    ulimits, security options, init, stop signal, TTY, logging. 0, "" or () is Docker's
    default (a setting equal to the default is not written)."""

    memory: int = 0  # bytes, --memory
    memory_reservation: int = 0
    memory_swap: int = 0  # -1: unlimited
    nano_cpus: int = 0  # --cpus, in billionths of a CPU
    cpu_shares: int = 0
    cpuset_cpus: str = ""
    pids_limit: int = 0
    shm_size: int = 0  # bytes; Docker's default (64 MiB) is 0 here
    ulimits: tuple[tuple[str, int, int], ...] = ()  # (name, soft, hard)
    sysctls: tuple[tuple[str, str], ...] = ()
    security_opt: tuple[str, ...] = ()
    init: bool = False
    stop_signal: str = ""
    tty: bool = False
    stdin_open: bool = False
    dns: tuple[str, ...] = ()
    dns_search: tuple[str, ...] = ()
    dns_options: tuple[str, ...] = ()
    log_driver: str = ""  # only when not the engine's likely default, or with options
    log_options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class RunConfig:
    """How the container runs, as far as an export must recreate it (`unitgen export`).

    The units never need these (they start the existing container by name), so none of it is
    in spec_hash beyond what already was: adding a field here changes no unit and no drift.
    Values are Docker's as inspect reports them, image defaults merged in (Env, Cmd, ...).
    """

    command: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    environment: tuple[tuple[str, str], ...] = ()
    ports: tuple[PortBinding, ...] = ()
    mounts: tuple[Mount, ...] = ()
    devices: tuple[Device, ...] = ()
    cap_add: tuple[str, ...] = ()
    cap_drop: tuple[str, ...] = ()
    user: str = ""
    working_dir: str = ""
    hostname: str = ""  # only when set: Docker's default is the id's first 12 digits
    domainname: str = ""
    extra_hosts: tuple[str, ...] = ()  # Docker's "host:ip"
    privileged: bool = False
    read_only: bool = False
    # "bridge" (Docker's default), "host", "none", "container" (see netns_container), or
    # "user" (user-defined networks only: ContainerSpec.networks).
    network_mode: str = "bridge"
    link_aliases: tuple[tuple[str, str], ...] = ()  # (container, alias) when they differ
    volumes_from_read_only: tuple[str, ...] = ()  # the --volumes-from X:ro containers
    settings: Settings = Settings()
    endpoints: tuple[Endpoint, ...] = ()  # only the networks with aliases or addresses
    # Settings the container has (not Docker's default) that no export writes yet, as
    # ("HostConfig.Memory", "536870912"): each export names them, none is dropped silently.
    unexported: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ContainerSpec:
    """Everything unitgen decides on, for one container."""

    name: str
    id: str
    image: str
    image_id: str
    restart_policy: RestartPolicy
    stop_timeout: int
    health: HealthCheck | None
    binds: tuple[str, ...]  # host paths of bind mounts
    links: tuple[str, ...]  # container names
    netns_container: str | None  # --network container:X
    networks: tuple[str, ...]  # user-defined networks, sorted
    volumes_from: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]
    running: bool
    spec_hash: str  # hash of the inspect fields the unit depends on, for drift
    run: RunConfig = RunConfig()
    # What the engine said of it when it was inspected (health, exit code), for `list`: no
    # unit is made from it, and two inspects of one container differ in it with every health
    # check, so it is left out of comparisons.
    state: ContainerState | None = field(default=None, compare=False)

    def label(self, key: str) -> str | None:
        for name, value in self.labels:
            if name == key:
                return value
        return None

    @property
    def compose_project(self) -> str | None:
        return self.label("com.docker.compose.project")

    @property
    def compose_service(self) -> str | None:
        return self.label("com.docker.compose.service")


@dataclass(frozen=True)
class HealthRun:
    """The health check's last run, as the engine logged it (State.Health.Log's last entry)."""

    exit_code: int  # 0 passed, 1 failed; -1 when it could not run or timed out (Docker's)
    output: str  # the last line of what it printed, stripped ("" for nothing)


@dataclass(frozen=True)
class ContainerState:
    """What the engine says about a container now (`unitgen status`, `unitgen list`)."""

    status: str  # created, running, paused, restarting, exited, dead
    health: str | None  # starting, healthy, unhealthy; None without a health check
    restart_count: int  # restarts by Docker's own policy, not systemd's (NRestarts)
    exit_code: int
    tty: bool  # with a TTY the engine's log stream is raw, without it multiplexed
    started_at: str
    finished_at: str
    last_check: HealthRun | None = None  # None: no health check, or it has not run yet


# A unit's ActiveState as systemd reports it, "unknown" when it reports none, and "offline" when
# systemd does not run here (an image root, a chroot): then only the files say anything.
ActiveState = Literal[
    "active",
    "reloading",
    "inactive",
    "failed",
    "activating",
    "deactivating",
    "maintenance",
    "refreshing",
    "unknown",
    "offline",
]
ACTIVE_STATES: frozenset[str] = frozenset(get_args(ActiveState))


def active_state(value: str | None) -> ActiveState:
    """systemd's word for a unit's state, as the ActiveState it is ("unknown" for none)."""
    return value if value in ACTIVE_STATES else "unknown"  # type: ignore[return-value]


@dataclass(frozen=True)
class EngineFacts:
    """What the units must know of the engine's own systemd unit (read at install; the
    defaults are Debian's, for an image root or a system where systemd does not run)."""

    unit: str = "docker.service"
    live_restore: bool = False  # containers outlive an engine restart
    after: frozenset[str] = frozenset()  # the engine unit's After= (its boot ordering)


@dataclass(frozen=True)
class ImageName:
    """An image by name, as a pull and a tag take it: repository and tag."""

    repo: str
    tag: str

    def __str__(self) -> str:
        return f"{self.repo}:{self.tag}"


@dataclass(frozen=True)
class Image:
    """An image the engine has: its id, and the registry digests it is known by."""

    id: str
    repo_digests: tuple[str, ...] = ()

    def digest_for(self, repo: str) -> str | None:
        """The digest of this image in REPO's registry (RepoDigests, `repo@sha256:...`)."""
        for entry in self.repo_digests:
            name, _, digest = entry.partition("@")
            if familiar(name) == familiar(repo):
                return digest
        return None


def familiar(repo: str) -> str:
    """A repository as the engine lists it in RepoDigests: Docker Hub's `docker.io/` and
    `library/` left out (`docker.io/library/nginx` is `nginx`)."""
    for prefix in ("docker.io/", "index.docker.io/"):
        if repo.startswith(prefix):
            repo = repo[len(prefix) :]
            if repo.startswith("library/") and repo.count("/") == 1:
                repo = repo[len("library/") :]
    return repo
