"""`--user` (README, "Rootless Docker"): a user's own manager and rootless engine. The paths
and the units are checked here, against systemd-analyze's user mode and a faked systemctl;
a real user manager with a real rootless engine is tests/fullhost/test_rootless.py."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pytest

from tests.fakes import FakeSource, cli_over, run_cli
from unitgen.graph import Graph
from unitgen.host import systemd
from unitgen.model import EngineFacts
from unitgen.units import helper
from unitgen.units.hardening import HARDENING
from unitgen.units.render import Renderer, RenderOptions
from unitgen.units.scope import SYSTEM, USER_HARDENING, Scope, foreign_socket, user_scope
from unitgen.units.unitfile import UnitFile

HOME = "/home/rl"


def scope_of(**environ: str) -> Scope:
    return user_scope(environ, uid=1000, user_name="rl", home=HOME)


def test_a_users_places_follow_the_xdg_variables() -> None:
    scope = scope_of(
        XDG_CONFIG_HOME="/cfg", XDG_DATA_HOME="/data", XDG_RUNTIME_DIR="/run/user/1000"
    )
    assert scope.unit_dir == PurePosixPath("/cfg/systemd/user")
    assert scope.helper == PurePosixPath("/data/unitgen/helper/container-v1")
    assert scope.record_dir == PurePosixPath("/cfg/unitgen/recreate")
    assert scope.default_socket == "/run/user/1000/docker.sock"
    assert scope.drop_in_dirs == (
        PurePosixPath("/cfg/systemd/user"),
        PurePosixPath("/run/user/1000/systemd/user"),
    )
    assert scope.target == "default.target"


def test_without_xdg_variables_or_with_relative_ones_a_user_gets_the_home_defaults() -> None:
    for environ in ({}, {"XDG_CONFIG_HOME": "cfg", "XDG_DATA_HOME": "", "XDG_RUNTIME_DIR": "x"}):
        scope = scope_of(**environ)
        assert scope.unit_dir == PurePosixPath(f"{HOME}/.config/systemd/user")
        assert scope.helper == PurePosixPath(f"{HOME}/.local/share/unitgen/helper/container-v1")
        assert scope.record_dir == PurePosixPath(f"{HOME}/.config/unitgen/recreate")
        assert scope.default_socket == "/run/user/1000/docker.sock"


def test_the_system_scope_keeps_every_place_it_had() -> None:
    assert SYSTEM.unit_dir == PurePosixPath("/etc/systemd/system")
    assert SYSTEM.helper == PurePosixPath("/var/lib/unitgen/helper/container-v1")
    assert SYSTEM.record_dir == PurePosixPath("/etc/unitgen/recreate")
    assert SYSTEM.default_socket == "/run/docker.sock"
    assert SYSTEM.target == "multi-user.target"
    assert SYSTEM.hardening == HARDENING


def test_a_users_sandbox_keeps_only_what_an_unprivileged_manager_applies() -> None:
    keys = {key for key, _ in USER_HARDENING}
    # Mount namespaces (an implicit PrivateUsers= in a user manager), capabilities, BPF: gone;
    # ProtectHome= would hide the helper in the user's home.
    for gone in (
        "ProtectHome",
        "ProtectSystem",
        "PrivateTmp",
        "CapabilityBoundingSet",
        "IPAddressDeny",
        "DevicePolicy",
        "PrivateNetwork",
        "ProtectKernelModules",
    ):
        assert gone not in keys
    assert {"NoNewPrivileges", "SystemCallFilter", "RestrictAddressFamilies"} <= keys
    assert set(USER_HARDENING) <= set(HARDENING)


def _render(scope: Scope, engine: EngineFacts, name: str = "seed-proxy") -> dict[str, str]:
    source = FakeSource()
    graph = Graph.build(*source.closure([name]))
    renderer = Renderer(
        RenderOptions(
            docker_socket=scope.default_socket, scope=scope, engine=engine, system_templates=None
        )
    )
    units = {
        renderer.container(
            graph.containers[n], graph, graph.containers[n].restart_policy
        ).name: renderer.container(
            graph.containers[n], graph, graph.containers[n].restart_policy
        ).text
        for n in graph.containers
    }
    units.update(
        {renderer.network(net).name: renderer.network(net).text for net in graph.networks.values()}
    )
    return units


def test_a_users_units_are_wanted_by_default_target_and_its_engine_and_run_its_helper() -> None:
    scope = scope_of(XDG_RUNTIME_DIR="/run/user/1000")
    units = _render(scope, EngineFacts("docker.service"))
    proxy = UnitFile.parse(units["docker-seed-proxy.service"])
    assert proxy.get("Install", "WantedBy") == "default.target docker.service"
    assert "multi-user.target" not in units["docker-seed-proxy.service"]
    assert proxy.get_all("Service", "Environment")[0] == (
        "DOCKER_HOST=unix:///run/user/1000/docker.sock"
    )
    # The helper's back-off and crash marks in the user's runtime directory, not root's /run.
    assert "UNITGEN_RUN_DIR=%t/unitgen" in proxy.get_all("Service", "Environment")
    helper_path = f"{HOME}/.local/share/unitgen/helper/container-v1"
    assert proxy.get("Service", "ExecStart") == f"{helper_path} run seed-proxy"
    assert proxy.get("X-Unitgen", "Helper") == helper_path
    assert "Requires=docker.service" in units["docker-seed-proxy.service"]
    keys = dict(HARDENING)
    for text in units.values():
        unit = UnitFile.parse(text)
        sandbox = [(k, v) for sec, k, v in unit.directives() if sec == "Service" and k in keys]
        assert sandbox == list(USER_HARDENING)


def test_a_users_units_for_an_engine_outside_its_manager_name_no_engine_unit() -> None:
    """The system engine's socket made reachable: the user's manager cannot see docker.service,
    and a Requires= on it would fail every start."""
    units = _render(scope_of(), EngineFacts(""))
    for text in units.values():
        assert "docker.service" not in text
    proxy = UnitFile.parse(units["docker-seed-proxy.service"])
    assert proxy.get("Install", "WantedBy") == "default.target"
    assert proxy.get("X-Unitgen", "Engine") is None


def test_recreate_mode_records_of_a_user_are_in_its_config_directory() -> None:
    from unitgen.options import UnitOptions

    scope = scope_of(XDG_CONFIG_HOME="/cfg")
    source = FakeSource()
    graph = Graph.build(*source.closure(["seed-healthy"]))
    spec = graph.containers["seed-healthy"]
    renderer = Renderer(RenderOptions(scope=scope, system_templates=None))
    text = renderer.container(spec, graph, spec.restart_policy, UnitOptions(mode="recreate")).text
    assert "run seed-healthy /cfg/unitgen/recreate/seed-healthy.json" in text


def test_every_user_unit_passes_systemd_analyze_user_verify(tmp_path: Path) -> None:
    units = tmp_path / "units"
    units.mkdir()
    copy = tmp_path / "helper/container-v1"
    copy.parent.mkdir()
    copy.write_text(helper.text())
    copy.chmod(0o755)
    scope = user_scope({}, uid=os.getuid(), user_name="rl", home=str(tmp_path))
    # rootless Docker's own unit, as dockerd-rootless-setuptool.sh writes it (shortened)
    (units / "docker.service").write_text(
        "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=default.target\n"
    )
    for name, text in _render(scope, EngineFacts("docker.service"), "seed-compose-web-1").items():
        (units / name).write_text(text.replace(str(scope.helper), str(copy)))
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    done = subprocess.run(
        [
            "systemd-analyze",
            "--user",
            "verify",
            "--man=no",
            "--recursive-errors=yes",
            *sorted(str(p) for p in units.glob("*-seed-*.service")),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SYSTEMD_UNIT_PATH": f"{units}:", "XDG_RUNTIME_DIR": str(runtime)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_a_system_unit_on_a_users_engine_socket_is_refused() -> None:
    assert foreign_socket(SYSTEM, "/run/user/1000/docker.sock") is not None
    assert foreign_socket(SYSTEM, "/run/docker.sock") is None
    assert foreign_socket(scope_of(), "/run/docker.sock") is None  # a user's units may reach it


def test_the_engine_of_a_users_units_is_a_service_of_that_users_manager_only() -> None:
    scope = scope_of()
    rootless = "0::/user.slice/user-1000.slice/user@1000.service/app.slice/docker.service\n"
    system = "0::/system.slice/docker.service\n"
    other = "0::/user.slice/user-1001.slice/user@1001.service/app.slice/docker.service\n"
    hybrid = (
        "1:name=systemd:/user.slice/user-1000.slice/user@1000.service/app.slice/"
        "docker.service\n0::/user.slice\n"
    )
    assert systemd.unit_of_cgroup(rootless, scope) == "docker.service"
    assert systemd.unit_of_cgroup(hybrid, scope) == "docker.service"
    assert systemd.unit_of_cgroup(system, scope) is None
    assert systemd.unit_of_cgroup(other, scope) is None
    assert systemd.unit_of_cgroup(system) == "docker.service"


# The CLI in the user scope, with systemctl faked: what it would run is recorded.


@dataclass
class UserHost:
    home: Path
    runtime: Path
    linger: Path
    calls: list[list[str]] = field(default_factory=list)
    # Drop-ins found in the runtime directory at each `systemctl --user stop`.
    at_stop: list[list[str]] = field(default_factory=list)

    @property
    def units(self) -> Path:
        return self.home / ".config/systemd/user"

    def linger_on(self) -> None:
        self.linger.mkdir(exist_ok=True)
        (self.linger / os.environ.get("USER", "root")).touch()


@pytest.fixture
def user_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[UserHost]:
    """A user with a running manager (its private socket is there) and lingering off; the
    fake engine; systemctl --user recorded, not run."""
    import pwd

    name = pwd.getpwuid(os.geteuid()).pw_name
    made = UserHost(tmp_path / "home", tmp_path / "runtime", tmp_path / "linger")
    (made.runtime / "systemd").mkdir(parents=True)
    (made.runtime / "systemd/private").touch()
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "DOCKER_HOST", "DOCKER_CONTEXT", "DPKG_ROOT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(made.home))
    monkeypatch.setenv("USER", name)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(made.runtime))
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker-config"))
    monkeypatch.setattr(systemd, "LINGER_DIR", made.linger)
    monkeypatch.setattr(systemd, "booted", lambda: True)

    def run(self: systemd.Systemctl, *args: str) -> str:
        assert self.scope.user, "a --user run called the system's systemctl"
        self.require_manager(args[0])
        made.calls.append(list(args))
        if args[0] == "stop":
            made.at_stop.append(
                sorted(str(p.relative_to(made.runtime)) for p in made.runtime.rglob("*.conf"))
            )
        return ""

    monkeypatch.setattr(systemd.Systemctl, "_run", run)
    # The machine's own netcat is what the units need; the fake engine answers for Docker.
    monkeypatch.setattr("unitgen.host.snapshot.REQUIRED_PROGRAMS", ())
    cli_over(FakeSource(), monkeypatch)
    yield made


def test_install_user_writes_into_the_users_own_directories_and_runs_systemctl_user(
    user_host: UserHost, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run_cli(["install", "--user", "seed-healthy"], capsys)
    assert code == 0, err
    unit = user_host.units / "docker-seed-healthy.service"
    assert "WantedBy=default.target\n" in unit.read_text()  # the fake engine is no user service
    helper_file = user_host.home / ".local/share/unitgen/helper/container-v1"
    assert helper_file.read_text() == helper.text()
    assert [c[0] for c in user_host.calls] == [
        "list-sockets",
        "show",
        "daemon-reload",
        "reenable",
        "start",
    ]
    assert not any(Path(p).is_relative_to("/etc") for p in map(str, user_host.home.rglob("*")))


def test_install_user_without_lingering_says_what_to_run_and_never_claims_survival(
    user_host: UserHost, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["install", "--user", "seed-healthy"], capsys)
    said = out + err
    assert code == 0, err
    user = os.environ["USER"]
    assert f"lingering is off for {user}" in said
    assert f"run `loginctl enable-linger {user}`" in said
    assert "do not come back after a reboot" in said
    code, out, err = run_cli(["drift", "--user"], capsys)
    assert code == 20
    assert "linger-off" in out and f"loginctl enable-linger {user}" in out


def test_with_lingering_on_install_says_nothing_of_it_and_drift_finds_no_linger_off(
    user_host: UserHost, capsys: pytest.CaptureFixture[str]
) -> None:
    user_host.linger_on()
    code, out, err = run_cli(["install", "--user", "seed-healthy"], capsys)
    assert code == 0, err
    assert "lingering is off" not in out + err
    code, out, err = run_cli(["drift", "--user", "seed-healthy"], capsys)
    assert "linger-off" not in out


def test_uninstall_keep_running_user_stops_the_unit_with_a_runtime_drop_in_then_removes_it(
    user_host: UserHost, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["install", "--user", "seed-healthy"], capsys)[0] == 0
    user_host.calls.clear()
    code, _out, err = run_cli(["uninstall", "--user", "--keep-running", "seed-healthy"], capsys)
    assert code == 0, err
    verbs = [c[0] for c in user_host.calls]
    assert verbs.index("daemon-reload") < verbs.index("stop")
    drop_in = "systemd/user/docker-seed-healthy.service.d/50-unitgen-release.conf"
    assert user_host.at_stop == [[drop_in]]
    assert not (user_host.runtime / drop_in).parent.exists()
    assert not (user_host.units / "docker-seed-healthy.service").exists()


def test_user_with_root_is_refused(
    user_host: UserHost, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _out, err = run_cli(
        ["install", "--user", "--root", str(tmp_path), "seed-healthy"], capsys
    )
    assert code == 2
    assert err.startswith("unitgen: --user works on the running system's user manager")


def test_user_without_its_manager_running_is_refused_before_anything_is_written(
    user_host: UserHost, capsys: pytest.CaptureFixture[str]
) -> None:
    (user_host.runtime / "systemd/private").unlink()
    code, _out, err = run_cli(["install", "--user", "seed-healthy"], capsys)
    assert code == 9
    assert "the user manager of" in err and "loginctl enable-linger" in err
    assert not user_host.units.exists()
    # what only looks still works
    assert run_cli(["list", "--user"], capsys)[0] == 0


def test_system_units_for_a_users_engine_socket_are_refused(
    user_host: UserHost, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///run/user/1000/docker.sock")
    code, _out, err = run_cli(["list"], capsys)
    assert code == 2
    assert "is a user's (rootless Docker)" in err and "--user" in err


def test_every_command_that_reads_or_writes_units_takes_user() -> None:
    from unitgen.cli.main import all_commands

    for name in (
        "generate",
        "install",
        "uninstall",
        "list",
        "drift",
        "status",
        "diff",
        "sync",
        "adopt",
        "watch",
        "graph",
        "export",
        "update",
    ):
        flags = {o for p in all_commands()[name].params for o in getattr(p, "opts", [])}
        assert "--user" in flags, name


def test_the_commands_that_only_look_work_in_the_user_scope(
    user_host: UserHost, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run_cli(["install", "--user", "seed-healthy"], capsys)[0] == 0
    code, out, err = run_cli(["list", "--user"], capsys)
    assert code == 0, err
    assert "docker-seed-healthy.service" in out
    code, out, err = run_cli(["diff", "--user", "seed-healthy"], capsys)
    assert (code, out) == (0, ""), err
    code, out, err = run_cli(["status", "--user", "seed-healthy"], capsys)
    assert code == 0, err
    assert str(user_host.units / "docker-seed-healthy.service") in out
    code, out, err = run_cli(["graph", "--user", "seed-proxy"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["export", "--user", "--format", "compose", "seed-healthy"], capsys)
    assert code == 0, err
    code, out, err = run_cli(["generate", "--user", "seed-healthy"], capsys)
    assert code == 0, err
    assert "WantedBy=default.target" in out


def test_generate_output_user_says_the_users_directories_and_commands(
    user_host: UserHost, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _out, err = run_cli(
        ["generate", "--user", "--output", str(tmp_path / "out"), "seed-healthy"], capsys
    )
    assert code == 0, err
    assert f"copy them into {user_host.units} and run `unitgen sync --user`" in err
    assert "`systemctl --user start docker-seed-healthy.service`" in err


def test_drift_fixes_of_a_users_units_say_user(user_host: UserHost) -> None:
    from unitgen.drift import compare

    found = compare.Finding(
        compare.Kind.STALE,
        "web",
        "docker-web.service",
        "stale",
        "unitgen sync; systemctl restart X",
    )
    assert compare.user_scoped([found])[0].fix == "unitgen sync --user; systemctl --user restart X"


def test_a_users_runs_lock_in_its_runtime_directory_and_roots_in_run_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unitgen.host import lock

    monkeypatch.delenv("UNITGEN_LOCK", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert lock.lock_path() == tmp_path / "unitgen.lock"
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    assert lock.lock_path() == Path("/run/lock/unitgen.lock")


def test_adopt_and_sync_work_in_the_user_scope(
    user_host: UserHost, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(["adopt", "--user", "seed-always"], capsys)
    assert code == 0, err
    assert (user_host.units / "docker-seed-always.service").is_file()
    assert "Docker restart policy of seed-always: always -> no" in err
    user_host.calls.clear()
    code, _, err = run_cli(["sync", "--user"], capsys)
    assert code == 0, err
    assert all(c[0] in ("list-sockets", "show") for c in user_host.calls)  # nothing to change
