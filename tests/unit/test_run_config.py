"""What `unitgen export` reads from `docker inspect` (RunConfig), without changing spec_hash."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import FIXTURES, seed_graph
from unitgen.engine.specs import spec_from_inspect
from unitgen.model import Device, Endpoint, Mount, PortBinding, RunConfig, Settings

ID = "f5c8351537b5596b4432f2ac793ab77d2ef4b3144eb481edaeed34ccc9353f3d"
VOLUME_ID = "4f1b" * 16


def inspect(**host: Any) -> dict[str, Any]:
    """A container as `docker run` with most export-relevant flags leaves it in inspect."""
    data: dict[str, Any] = {
        "Id": ID,
        "Name": "/web",
        "Image": "sha256:1",
        "Config": {
            "Hostname": "web.example",
            "Domainname": "example",
            "User": "1000:1000",
            "Env": ["PATH=/usr/bin", "EMPTY=", "EQ=a=b"],
            "Cmd": ["nginx", "-g", "daemon off;"],
            "Entrypoint": ["/entry.sh"],
            "Image": "nginx:1",
            "Volumes": {"/anon": {}},
            "WorkingDir": "/srv",
            "Labels": {},
        },
        "HostConfig": {
            "Binds": ["/srv/web:/data:ro,z", "cache:/cache"],
            "NetworkMode": "appnet",
            "PortBindings": {
                "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}],
                "53/udp": [{"HostIp": "", "HostPort": ""}],
            },
            "Links": ["/db:/web/database", "/cache1:/web/cache1"],
            "Devices": [{"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse"}],
            "CapAdd": ["CAP_NET_ADMIN"],
            "CapDrop": ["CAP_MKNOD"],
            "ExtraHosts": ["gw:10.0.0.1"],
            "Tmpfs": {"/run": "size=64m,mode=1777"},
            "ShmSize": 67108864,
            "IpcMode": "private",
            "LogConfig": {"Type": "json-file", "Config": {}},
            "Memory": 536870912,
            "OomScoreAdj": 500,
            **host,
        },
        "Mounts": [
            {"Type": "bind", "Source": "/srv/web", "Destination": "/data", "Mode": "ro,z",
             "RW": False, "Propagation": "rprivate"},
            {"Type": "volume", "Name": "cache", "Destination": "/cache", "Mode": "z", "RW": True},
            {"Type": "volume", "Name": VOLUME_ID, "Destination": "/anon", "Mode": "", "RW": True},
        ],
        "NetworkSettings": {"Networks": {"appnet": {}}},
    }  # fmt: skip
    return data


def test_inspect_becomes_the_run_config_an_export_writes() -> None:
    run = spec_from_inspect(inspect(), {}).run
    assert run == RunConfig(
        command=("nginx", "-g", "daemon off;"),
        entrypoint=("/entry.sh",),
        environment=(("PATH", "/usr/bin"), ("EMPTY", ""), ("EQ", "a=b")),
        ports=(PortBinding(53, "udp"), PortBinding(80, "tcp", "127.0.0.1", "8080")),
        mounts=(
            Mount("volume", "", "/anon"),
            Mount("volume", "cache", "/cache"),
            Mount("bind", "/srv/web", "/data", read_only=True, options=("z",)),
            Mount("tmpfs", "", "/run", options=("size=64m", "mode=1777")),
        ),
        devices=(Device("/dev/fuse", "/dev/fuse", "rwm"),),
        cap_add=("CAP_NET_ADMIN",),
        cap_drop=("CAP_MKNOD",),
        user="1000:1000",
        working_dir="/srv",
        hostname="web.example",
        domainname="example",
        extra_hosts=("gw:10.0.0.1",),
        network_mode="user",
        link_aliases=(("db", "database"),),
        settings=Settings(memory=536870912),
        unexported=(("HostConfig.OomScoreAdj", "500"),),
    )


def test_the_default_hostname_and_a_netns_containers_hostname_are_not_set() -> None:
    data = inspect(NetworkMode="container:" + "ab" * 32)
    data["Config"]["Hostname"] = ID[:12]
    assert spec_from_inspect(data, {}).run.hostname == ""
    data = inspect(NetworkMode="container:db")
    assert spec_from_inspect(data, {}).run.hostname == ""
    assert spec_from_inspect(data, {}).run.network_mode == "container"


def test_mounts_that_volumes_from_brought_are_left_to_volumes_from() -> None:
    data = inspect(VolumesFrom=["data:ro"], Binds=None, Tmpfs=None)
    data["Mounts"].append({"Type": "volume", "Name": VOLUME_ID, "Destination": "/shared"})
    run = spec_from_inspect(data, {}).run
    assert [m.target for m in run.mounts] == ["/anon"]  # Config.Volumes: its own
    assert run.volumes_from_read_only == ("data",)


def test_limits_dns_logging_and_the_like_are_settings_docker_defaults_are_not() -> None:
    data = inspect(
        Privileged=True,
        Dns=["1.1.1.1"],
        NanoCpus=500_000_000,
        Ulimits=[{"Name": "nofile", "Soft": 1024, "Hard": 2048}],
        Sysctls={"net.core.somaxconn": "1024"},
        SecurityOpt=["no-new-privileges"],
        Init=True,
        ShmSize=64 * 1024 * 1024,  # Docker's default
        PidsLimit=-1,  # Docker's "unlimited"
        LogConfig={"Type": "syslog", "Config": {"tag": "web"}},
    )
    data["Config"] |= {"StopSignal": "SIGQUIT", "Tty": True, "OpenStdin": True}
    run = spec_from_inspect(data, {}).run
    assert run.privileged is True
    assert run.settings == Settings(
        memory=536870912,
        nano_cpus=500_000_000,
        ulimits=(("nofile", 1024, 2048),),
        sysctls=(("net.core.somaxconn", "1024"),),
        security_opt=("no-new-privileges",),
        init=True,
        stop_signal="SIGQUIT",
        tty=True,
        stdin_open=True,
        dns=("1.1.1.1",),
        log_driver="syslog",
        log_options=(("tag", "web"),),
    )


def test_a_swap_limit_of_twice_the_memory_is_the_engines_choice_not_a_setting() -> None:
    assert spec_from_inspect(inspect(MemorySwap=2 * 536870912), {}).run.settings.memory_swap == 0
    assert spec_from_inspect(inspect(MemorySwap=-1), {}).run.settings.memory_swap == -1


def test_settings_no_export_writes_are_listed_with_their_values() -> None:
    data = inspect(PidMode="host", CpuQuota=50000, IpcMode="shareable")
    assert spec_from_inspect(data, {}).run.unexported == (
        ("HostConfig.CpuQuota", "50000"),
        ("HostConfig.PidMode", '"host"'),
        ("HostConfig.OomScoreAdj", "500"),
    )


def test_network_aliases_and_static_addresses_are_read_but_not_dockers_own_aliases() -> None:
    data = inspect()
    data["NetworkSettings"]["Networks"]["appnet"] = {
        "Aliases": [ID[:12], "web", "www"],
        "IPAMConfig": {"IPv4Address": "10.1.0.9", "IPv6Address": ""},
    }
    data["NetworkSettings"]["Networks"]["other"] = {"Aliases": ["web"]}
    run = spec_from_inspect(data, {}).run
    assert run.endpoints == (Endpoint("appnet", ("www",), "10.1.0.9"),)


def test_a_health_check_keeps_its_command() -> None:
    spec = seed_graph().containers["seed-healthy"]
    assert spec.health is not None
    assert spec.health.test == ("CMD-SHELL", "test -e /tmp")


def test_the_spec_hash_is_the_one_recorded_in_golden_units_so_installed_units_do_not_drift() -> (
    None
):
    recorded = json.loads((FIXTURES / "inspect/seed-containers.json").read_text())
    names = {c["Id"]: c["Name"].lstrip("/") for c in recorded}
    for data in recorded:
        spec = spec_from_inspect(data, names)
        golden = (FIXTURES / f"golden/docker-{spec.name}.service").read_text()
        assert f"SpecHash={spec.spec_hash}\n" in golden


def test_odd_or_partial_inspect_data_never_breaks_the_units_only_leaves_entries_out() -> None:
    """run_config runs for every container in every command: it must not fail one."""
    data = inspect(
        PortBindings={"80-81/tcp": [{}], "53/udp": None},
        Devices=[{}],
        Ulimits=[{}],
        Tmpfs={"/t": None},
        LogConfig=None,
        Links=None,
    )
    data["Mounts"] = [{"Type": "bind"}, {"Type": "volume"}, {"Type": "npipe", "Destination": "/x"}]
    data["Config"] |= {"Env": None, "Cmd": None, "Labels": None, "Healthcheck": {}}
    data["NetworkSettings"] = {"Networks": {"appnet": None}}
    run = spec_from_inspect(data, {}).run
    assert run.ports == (PortBinding(53, "udp"),)
    assert (run.devices, run.settings.ulimits, run.environment) == ((), (), ())
    assert run.mounts == (Mount("tmpfs", "", "/t"),)
