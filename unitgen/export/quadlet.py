"""Containers -> Podman Quadlet files (pure): `unitgen export --format quadlet`.

`NAME.container` per container and `NET.network` per user-defined network (NetworkName=NET,
so Podman's network keeps Docker's name). `Network=NET.network` makes Quadlet itself add
Requires=/After= on `NET-network.service`; the dependencies between containers are written in
[Unit] with the strength unitgen's own units give them (render.REQUIREMENT: BindsTo= for a
shared network namespace, Requires= for unitgen.requires, Wants= for the rest), on
`NAME.service`, the unit Quadlet generates from `NAME.container`. Keys used need Podman 5.0
(Entrypoint=, Notify=healthy); Debian 13 has 5.4, Debian 12's 4.3 has no Quadlet.

Escaping follows how Quadlet reads each key (podman's pkg/systemd/parser and quadlet.go):
- Exec=, Environment=, Label=, PodmanArgs= are split into words, unquoted and C-unescaped, so
  a word is written bare when it is plain, else double-quoted with C escapes.
- AddDevice=, AddCapability=, DropCapability= are split and unquoted without escapes.
- Every other key is read verbatim (trailing space trimmed, a trailing backslash continues the
  line, newer Quadlets strip one pair of surrounding quotes): a value that would read
  differently is not written, and said so.
Everything ends up in the generated ExecStart=, where systemd expands `%` specifiers and `$`
variables, and Quadlet escapes neither: each `%` is written `%%` and each `$` `$$`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from unitgen.errors import UnsafeValue
from unitgen.export.common import (
    Chosen,
    Export,
    Policies,
    chosen_of,
    cpus,
    header,
    labels,
    policy,
    port_spec,
    seconds,
    selection,
    unexported,
)
from unitgen.graph import Graph
from unitgen.model import ContainerSpec, NetworkSpec
from unitgen.options import UnitOptions
from unitgen.units.render import REQUIREMENT
from unitgen.units.restart import restart_settings
from unitgen.units.unitfile import exec_line

_PLAIN_WORD = re.compile(r"[A-Za-z0-9_./:=,+@-]+")
_C_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}
# An image pull may take minutes; Podman's documentation recommends this for Quadlet units.
START_TIMEOUT = "900"
PODMAN = "/usr/bin/podman"
# Docker's IPAM driver "default" is Podman's default too.
_DEFAULT_IPAM = ("default", "")


class _File:
    """A Quadlet file being written: sections in order, and what could not go in."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sections: dict[str, list[str]] = {}
        self.warnings: list[str] = []

    def add(self, section: str, key: str, value: str) -> None:
        self.sections.setdefault(section, []).append(f"{key}={value}")

    def raw(self, section: str, key: str, value: str) -> None:
        """A key Quadlet reads verbatim."""
        problem = _raw_problem(value)
        if problem:
            self.warnings.append(f"{self.name}: {key}={json.dumps(value)} {problem}")
            return
        self.add(section, key, _specifiers(value))

    def words(self, section: str, key: str, words: Sequence[str]) -> None:
        """A key Quadlet splits into words, unquoting and C-unescaping each."""
        if any("\0" in word for word in words):
            self.warnings.append(f"{self.name}: {key}= has a NUL character, not writable")
            return
        self.add(section, key, " ".join(_word(word) for word in words))

    def text(self, warnings: Sequence[str], names: Sequence[str], source: str) -> str:
        head = header("Podman Quadlet, Podman 5.0 or later", names, warnings, source)
        out = [_comment(line) for line in head]
        for section, lines in self.sections.items():
            out += ["", f"[{section}]", *lines]
        return "\n".join(out) + "\n"


def _comment(line: str) -> str:
    return "# " + "".join(f"\\x{ord(c):02x}" if ord(c) < 0x20 or c == "\x7f" else c for c in line)


def _specifiers(value: str) -> str:
    return value.replace("%", "%%").replace("$", "$$")


def _raw_problem(value: str) -> str:
    if re.search(r"[\x00-\x1f\x7f]", value):
        return "has a control character, which a verbatim key cannot hold"
    if value != value.strip(" \t"):
        return "has leading or trailing blanks, which Quadlet trims"
    if value.endswith("\\"):
        return "ends in a backslash, which continues the line"
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return "is in double quotes, which newer Quadlets strip"
    return ""


def _word(word: str) -> str:
    if _PLAIN_WORD.fullmatch(word):
        return word
    out = "".join(
        _C_ESCAPES.get(c, f"\\x{ord(c):02x}" if ord(c) < 0x20 or c == "\x7f" else c) for c in word
    )
    return f'"{_specifiers(out)}"'


def _strv(file: _File, key: str, value: str) -> None:
    """A key split on blanks and unquoted (either quote), backslashes kept: one value per
    line, in double quotes when it has a blank or a single quote."""
    if re.search(r'[\x00-\x1f\x7f"\\]', value):
        file.warnings.append(f"{file.name}: {key}={json.dumps(value)} cannot be written")
    else:
        quoted = f'"{value}"' if re.search(r"[ ']", value) else value
        file.add("Container", key, _specifiers(quoted))


def qualified_image(image: str) -> str:
    """The image as Docker means it, with its registry: Podman would search its configured
    registries for a short name (and Quadlet warns about one); Docker always means Docker Hub.
    Docker's rule (distribution/reference): a first component with a `.` or `:`, or
    `localhost`, is a registry."""
    if image.startswith("sha256:"):
        return image
    first, slash, _ = image.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return image
    return f"docker.io/{image}" if slash else f"docker.io/library/{image}"


def _unit(file: _File, graph: Graph, spec: ContainerSpec) -> None:
    file.add("Unit", "Description", f"{spec.name} (exported from Docker by unitgen)")
    for dep in graph.container_deps(spec.name):
        file.add("Unit", REQUIREMENT[dep.kind], f"{dep.target}.service")
        file.add("Unit", "After", f"{dep.target}.service")


def _network(file: _File, spec: ContainerSpec) -> None:
    if spec.netns_container is not None:
        file.add("Container", "Network", f"container:{spec.netns_container}")
    elif spec.run.network_mode in ("host", "none"):
        file.add("Container", "Network", spec.run.network_mode)
    elif spec.run.network_mode == "user":
        endpoints = {ep.network: ep for ep in spec.run.endpoints}
        for net in spec.networks:
            ep = endpoints.get(net)
            options = [f"alias={alias}" for alias in ep.aliases] if ep else []
            options += [f"ip={ep.ipv4}"] if ep and ep.ipv4 else []
            options += [f"ip6={ep.ipv6}"] if ep and ep.ipv6 else []
            if any("," in option for option in options):
                file.warnings.append(f"{spec.name}: network {net} options {options} have a ','")
                options = []
            suffix = ":" + ",".join(options) if options else ""
            file.raw("Container", "Network", f"{net}.network{suffix}")


def _mounts(file: _File, spec: ContainerSpec) -> None:
    for mount in spec.run.mounts:
        mode = ",".join((["ro"] if mount.read_only else []) + list(mount.options))
        where = f"{spec.name}: mount {mount.source or '(anonymous)'}:{mount.target}"
        if mount.kind == "tmpfs":
            file.raw("Container", "Tmpfs", f"{mount.target}:{mode}" if mode else mount.target)
        elif ":" in mount.source + mount.target:
            file.warnings.append(f"{where} has a colon, which Volume= splits on")
        elif "$" in mount.source and mount.source.startswith("/"):
            # Quadlet copies the path into RequiresMountsFor=, where $$ is not unescaped.
            file.warnings.append(f"{where} has a $, which Quadlet cannot pass on")
        elif mount.kind == "volume" and mount.source.endswith((".volume", ".artifact")):
            # Quadlet takes such a name for one of its own .volume or .artifact units.
            file.warnings.append(f"{where}: Quadlet reads the name as a unit of its own")
        elif not mount.source:
            if mode:
                file.warnings.append(f"{where} loses mode {mode}")
            file.raw("Container", "Volume", mount.target)
        else:
            parts = [mount.source, mount.target, *([mode] if mode else [])]
            file.raw("Container", "Volume", ":".join(parts))


def _health(file: _File, spec: ContainerSpec) -> None:
    health = spec.health
    if health is None or not health.test:
        return
    kind, *argv = health.test
    if kind == "CMD" and len(argv) == 1:
        file.warnings.append(f"{spec.name}: health check {json.dumps(argv)} runs in a shell")
    command = argv if kind == "CMD" else health.test
    file.raw("Container", "HealthCmd", json.dumps(command))
    file.add("Container", "HealthInterval", seconds(health.interval))
    file.add("Container", "HealthTimeout", seconds(health.timeout))
    file.add("Container", "HealthRetries", str(health.retries))
    file.add("Container", "HealthStartPeriod", seconds(health.start_period))
    # Active means healthy, as in unitgen's own units: what needs it starts after that.
    file.add("Container", "Notify", "healthy")


def _health_and_reload(file: _File, spec: ContainerSpec, options: UnitOptions) -> None:
    """HealthOnFailure= takes unitgen's words (Podman restarts the container itself on
    `restart`; `kill` leaves it to systemd). A reload is written as the ExecReload= that
    Quadlet 5.5's ReloadSignal=/ReloadCmd= make: Debian 13's Podman 5.4 refuses those keys,
    and with them the whole file."""
    if options.on_unhealthy not in (None, "none"):
        if spec.health is None or not spec.health.test:
            file.warnings.append(f"{spec.name}: on-unhealthy without a health check")
        else:
            file.add("Container", "HealthOnFailure", str(options.on_unhealthy))
    what = f"container {spec.name}: reload"
    if options.reload_signal:
        argv = [PODMAN, "kill", f"--signal={options.reload_signal}", spec.name]
        file.add("Service", "ExecReload", exec_line(argv, what))
    elif options.reload_argv:
        argv = [PODMAN, "exec", spec.name, *options.reload_argv]
        file.add("Service", "ExecReload", exec_line(argv, what))


def _container(graph: Graph, spec: ContainerSpec, policies: Policies | None) -> _File:
    run = spec.run
    file = _File(spec.name)
    _unit(file, graph, spec)
    file.raw("Container", "ContainerName", spec.name)
    file.raw("Container", "Image", qualified_image(spec.image))
    _network(file, spec)
    for port in run.ports:
        file.raw("Container", "PublishPort", port_spec(port))
    _mounts(file, spec)
    for name, value in run.environment:
        file.words("Container", "Environment", [f"{name}={value}"])
    for name, value in labels(spec):
        if "=" in name:  # Quadlet cuts a label at its first "="
            file.warnings.append(f"{spec.name}: label {json.dumps(name)} has a '='")
        else:
            file.words("Container", "Label", [f"{name}={value}"])
    if run.entrypoint is not None:
        file.raw("Container", "Entrypoint", json.dumps(list(run.entrypoint)))
    if run.command is not None:
        if ";" in run.command:
            file.warnings.append(f"{spec.name}: Exec= with a lone ';' (systemd's separator)")
        else:
            file.words("Container", "Exec", run.command)
    for device in run.devices:
        value = f"{device.host_path}:{device.container_path}:{device.permissions}"
        _strv(file, "AddDevice", value)
    for cap in run.cap_add:
        _strv(file, "AddCapability", cap)
    for cap in run.cap_drop:
        _strv(file, "DropCapability", cap)
    for key, value in (("User", run.user), ("WorkingDir", run.working_dir)):
        if value:
            file.raw("Container", key, value)
    if run.hostname:
        file.raw("Container", "HostName", run.hostname)
    if run.domainname:
        file.warnings.append(f"{spec.name}: domain name {run.domainname} (Podman has none)")
    if run.read_only:
        file.add("Container", "ReadOnly", "true")
    _health(file, spec)
    _podman_args(file, spec)
    _service(file, spec, policies)
    return file


# Podman's log drivers; Docker's json-file is an alias of k8s-file there.
_PODMAN_LOG_DRIVERS = ("json-file", "k8s-file", "journald", "none", "passthrough")


def _settings(file: _File, spec: ContainerSpec) -> list[str]:
    """Quadlet keys of Podman 5.0 for what has one; the `podman run` options for the rest
    (Memory=, StopSignal=, LogOpt= came in 5.2 to 5.5)."""
    s = spec.run.settings
    for key, number in (("PidsLimit", s.pids_limit), ("ShmSize", s.shm_size)):
        if number:
            file.add("Container", key, str(number))
    for key, items in (("DNS", s.dns), ("DNSSearch", s.dns_search), ("DNSOption", s.dns_options)):
        for item in items:
            file.raw("Container", key, item)
    for name, value in s.sysctls:
        _strv(file, "Sysctl", f"{name}={value}")
    for name, soft, hard in s.ulimits:
        file.add("Container", "Ulimit", f"{name}={soft}:{hard}")
    if s.init:
        file.add("Container", "RunInit", "true")
    if s.log_driver and s.log_driver not in _PODMAN_LOG_DRIVERS:
        file.warnings.append(f"{spec.name}: log driver {s.log_driver} (Podman has none)")
    elif s.log_driver:
        file.raw("Container", "LogDriver", s.log_driver)
    numbers = (
        ("--memory", s.memory),
        ("--memory-reservation", s.memory_reservation),
        ("--memory-swap", s.memory_swap),
        ("--cpu-shares", s.cpu_shares),
    )
    args = [f"{flag}={number}" for flag, number in numbers if number]
    args += [f"--cpus={cpus(s.nano_cpus)}"] if s.nano_cpus else []
    args += [f"--cpuset-cpus={s.cpuset_cpus}"] if s.cpuset_cpus else []
    args += [f"--stop-signal={s.stop_signal}"] if s.stop_signal else []
    args += [f"--security-opt={option}" for option in s.security_opt]
    args += [f"--log-opt={name}={value}" for name, value in s.log_options]
    return args + [flag for flag, on in (("--tty", s.tty), ("--interactive", s.stdin_open)) if on]


def _podman_args(file: _File, spec: ContainerSpec) -> None:
    """What Quadlet has no key for but `podman run` takes."""
    run = spec.run
    args = _settings(file, spec)
    args += [f"--add-host={host}" for host in run.extra_hosts]
    ro = run.volumes_from_read_only
    args += [
        f"--volumes-from={n}:ro" if n in ro else f"--volumes-from={n}" for n in spec.volumes_from
    ]
    if run.privileged:
        args.append("--privileged")
    if spec.stop_timeout != 10:
        args.append(f"--stop-timeout={spec.stop_timeout}")
    for arg in args:
        file.words("Container", "PodmanArgs", [arg])
    for source in spec.volumes_from:
        file.warnings.append(
            f"{spec.name}: volumes from {source}: Quadlet removes {source}'s container when "
            "it stops (--rm), and with it what it shares; move the data to a named volume"
        )
    for target, alias in [(n, dict(run.link_aliases).get(n, n)) for n in spec.links]:
        file.warnings.append(f"{spec.name}: link to {target} as {alias} (Podman has no links)")


def _service(file: _File, spec: ContainerSpec, policies: Policies | None) -> None:
    unit_settings, service_settings = restart_settings(policy(spec, policies))
    for key, value in unit_settings:
        file.add("Unit", key, value)
    for key, value in service_settings:
        file.add("Service", key, value)
    file.add("Service", "TimeoutStartSec", START_TIMEOUT)
    file.add("Install", "WantedBy", "multi-user.target")


def _network_file(net: NetworkSpec) -> _File:
    file = _File(f"network {net.name}")
    file.add("Unit", "Description", f"network {net.name} (exported from Docker by unitgen)")
    file.raw("Network", "NetworkName", net.name)
    if net.driver in ("bridge", "macvlan", "ipvlan"):
        file.add("Network", "Driver", net.driver)
    else:
        file.warnings.append(f"network {net.name}: driver {net.driver} (Podman has none)")
    if net.ipam_driver not in _DEFAULT_IPAM:
        file.warnings.append(f"network {net.name}: IPAM driver {net.ipam_driver}")
    # Quadlet pairs the Nth Gateway= (IPRange=) with the Nth Subnet=: all or none is safe.
    gateways = [gateway for _, gateway, _ in net.subnets]
    ranges = [ip_range for _, _, ip_range in net.subnets]
    for what, given in (("gateways", gateways), ("IP ranges", ranges)):
        if any(given) and not all(given):
            file.warnings.append(f"network {net.name}: {what} of only some subnets")
    for subnet, gateway, ip_range in net.subnets:
        file.raw("Network", "Subnet", subnet)
        if all(gateways):
            file.raw("Network", "Gateway", gateway)
        if all(ranges):
            file.raw("Network", "IPRange", ip_range)
    for key, flag in (("Internal", net.internal), ("IPv6", net.ipv6)):
        if flag:
            file.add("Network", key, "true")
    for name, value in net.options:
        file.warnings.append(f"network {net.name}: option {name}={value} (Docker's, not Podman's)")
    for name, value in net.labels:
        file.words("Network", "Label", [f"{name}={value}"])
    return file


def export_quadlet(
    graph: Graph,
    names: Sequence[str] | None,
    policies: Policies | None,
    chosen: Chosen | None = None,
) -> Export:
    """The Quadlet files for NAMES and what they need (every container when None)."""
    order, left_out = selection(graph, names)
    networks = sorted({net for name in order for net in graph.containers[name].networks})
    for net in networks:
        if f"{net}-network" in graph.containers:
            raise UnsafeValue(
                f"container {net}-network and network {net} would both be "
                f"{net}-network.service under Quadlet",
                "rename one of them, or export without it",
            )
    files: dict[str, str] = {}
    warnings: list[str] = left_out  # on stderr only: no file is theirs
    for net in networks:
        file = _network_file(graph.networks[net])
        warnings += file.warnings
        files[f"{net}.network"] = file.text(file.warnings, [net], "network")
    for name in order:
        spec = graph.containers[name]
        file = _container(graph, spec, policies)
        _health_and_reload(file, spec, chosen_of(spec, chosen))
        mine = unexported(spec) + file.warnings
        warnings += mine
        files[f"{name}.container"] = file.text(mine, [name], "container")
    return Export(files, warnings)
