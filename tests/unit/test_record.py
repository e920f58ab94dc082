"""The recreate-mode record, from `docker inspect` JSON recorded on a real engine
(tests/fixtures/record-recreate.sh re-records it): one test per rule of what goes into the
create request, the record file's format and its strict reading, and drift phrases."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tests.fakes import FakeEngine, Reply, Request
from unitgen.errors import ForeignUnit, RecordUnreadable
from unitgen.recreate.record import Logs, Record, build, canonical, differences, parse, references
from unitgen.units.names import JOURNAL_UNIT_LABEL, UNIT_LABEL

CONTAINERS: dict[str, dict[str, Any]] = {
    c["Name"].lstrip("/"): c
    for c in json.loads((FIXTURES / "inspect/recreate-containers.json").read_text())
}
IMAGES = {i["Id"]: i for i in json.loads((FIXTURES / "inspect/recreate-images.json").read_text())}
NAMES = {c["Id"]: name for name, c in CONTAINERS.items()}


def inspected(name: str) -> dict[str, Any]:
    """A copy of the recorded inspect of rec-NAME, for a test to change."""
    return copy.deepcopy(CONTAINERS[f"rec-{name}"])


def record_of(data: dict[str, Any], logs: Logs = "keep") -> Record:
    name = data["Name"].lstrip("/")
    return build(data, IMAGES[data["Image"]], NAMES, unit=f"docker-{name}.service", logs=logs)


def create(name: str, logs: Logs = "keep") -> dict[str, Any]:
    return record_of(inspected(name), logs).create_body()


def anonymous(name: str, target: str) -> str:
    mounts = CONTAINERS[f"rec-{name}"]["Mounts"]
    return str(next(m["Name"] for m in mounts if m["Destination"] == target))


# --- what the image supplies is left to it ------------------------------------------------


def test_env_entries_the_image_has_verbatim_are_left_to_the_image() -> None:
    assert create("web")["Env"] == ["X=1", "B=3"]  # A=1 is the image's; B=3 overrides B=2


def test_an_environment_of_the_image_alone_is_left_out() -> None:
    assert "Env" not in create("cmdonly")


def test_labels_the_image_has_with_the_same_value_are_left_to_it() -> None:
    labels = create("web")["Labels"]
    assert "img.one" not in labels
    assert (labels["img.two"], labels["l"]) == ("changed", "1")


def test_cmd_and_entrypoint_both_the_images_are_left_to_it() -> None:
    body = create("web")
    assert "Cmd" not in body and "Entrypoint" not in body


def test_a_command_alone_leaves_the_entrypoint_to_the_image() -> None:
    body = create("cmdonly")
    assert body["Cmd"] == ["trap 'exit 0' TERM; sleep 3601 & wait"]
    assert "Entrypoint" not in body


def test_an_entrypoint_given_keeps_the_command_as_given() -> None:
    body = create("worker")
    assert (body["Entrypoint"], body["Cmd"]) == (
        ["/bin/sh"],
        ["-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
    )


def test_an_entrypoint_the_same_as_the_images_without_a_command_is_kept() -> None:
    """`--entrypoint` alone clears the image's command: left out, the image's would apply."""
    data = inspected("cmdonly")
    data["Config"]["Cmd"] = None
    body = record_of(data).create_body()
    assert (body["Entrypoint"], body["Cmd"]) == (["/bin/sh", "-c"], None)


def test_workdir_user_stop_signal_and_health_check_of_the_image_are_left_to_it() -> None:
    body = create("cmdonly")
    for key in ("WorkingDir", "User", "StopSignal", "Healthcheck", "OnBuild", "ExposedPorts"):
        assert key not in body, key


def test_workdir_user_stop_signal_and_ports_given_are_kept() -> None:
    body = create("web")
    assert (body["WorkingDir"], body["User"], body["StopSignal"]) == ("/tmp", "1000", "SIGINT")
    assert body["ExposedPorts"] == {"80/tcp": {}}  # 8080/tcp is the image's


def test_a_health_check_given_is_kept() -> None:
    assert create("db")["Healthcheck"] == {
        "Interval": 1_000_000_000,
        "Test": ["CMD-SHELL", "test -e /tmp"],
    }


def test_volumes_the_image_declares_are_left_to_it_and_the_containers_own_stay() -> None:
    assert "Volumes" not in create("web")
    assert create("db")["Volumes"] == {"/anon": {}}


# --- what the engine chose is left to it ----------------------------------------------------


def test_a_hostname_that_is_the_containers_id_is_the_engines_and_left_out() -> None:
    assert "Hostname" not in create("db")
    assert create("cache")["Hostname"] == "cachehost"


def test_a_hostname_is_never_recorded_with_another_containers_network() -> None:
    assert "Hostname" not in create("side")  # the engine refuses both; it reports web's h1


def test_a_hostname_on_the_hosts_network_is_the_hosts_and_left_out() -> None:
    assert "Hostname" not in create("hosted")


def test_an_empty_domainname_is_left_out_and_a_given_one_kept() -> None:
    assert "Domainname" not in create("web")
    data = inspected("web")
    data["Config"]["Domainname"] = "example.org"
    assert record_of(data).create_body()["Domainname"] == "example.org"


def test_a_mac_address_is_kept_only_when_given() -> None:
    assert "MacAddress" not in create("web")
    data = inspected("web")
    data["Config"]["MacAddress"] = "02:42:ac:11:00:99"
    assert record_of(data).create_body()["MacAddress"] == "02:42:ac:11:00:99"


def test_swap_twice_the_memory_is_the_engines_and_other_swap_is_kept() -> None:
    assert "MemorySwap" not in create("web")["HostConfig"]
    data = inspected("web")
    data["HostConfig"]["MemorySwap"] = -1
    assert record_of(data).create_body()["HostConfig"]["MemorySwap"] == -1


def test_the_default_shm_size_and_system_paths_are_the_engines() -> None:
    host = create("web")["HostConfig"]
    for key in ("ShmSize", "MaskedPaths", "ReadonlyPaths", "ContainerIDFile"):
        assert key not in host, key


def test_system_paths_left_unmasked_are_kept() -> None:
    data = inspected("web")
    data["HostConfig"]["MaskedPaths"] = data["HostConfig"]["ReadonlyPaths"] = []
    host = record_of(data).create_body()["HostConfig"]
    assert (host["MaskedPaths"], host["ReadonlyPaths"]) == ([], [])


def test_the_rest_of_the_host_config_is_kept_as_the_engine_reported_it() -> None:
    host = create("web")["HostConfig"]
    assert host["Memory"] == 64 * 1024 * 1024 and host["NanoCpus"] == 500_000_000
    assert host["Tmpfs"] == {"/run": "size=1m"} and host["Sysctls"] == {
        "net.core.somaxconn": "1024"
    }
    assert host["PortBindings"] == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}
    assert (host["Init"], host["ReadonlyRootfs"], host["CapAdd"]) == (True, True, ["CAP_NET_ADMIN"])


# --- references by name ---------------------------------------------------------------------


def test_namespaces_of_another_container_are_recorded_by_its_name() -> None:
    host = create("worker")["HostConfig"]
    assert CONTAINERS["rec-worker"]["HostConfig"]["IpcMode"].startswith(
        "container:" + CONTAINERS["rec-db"]["Id"]
    )
    assert (host["IpcMode"], host["PidMode"]) == ("container:rec-db", "container:rec-db")
    assert create("side")["HostConfig"]["NetworkMode"] == "container:rec-web"


def test_volumes_from_a_container_given_by_id_are_recorded_by_its_name() -> None:
    assert CONTAINERS["rec-reader"]["HostConfig"]["VolumesFrom"][0] == CONTAINERS["rec-db"]["Id"]
    assert create("reader")["HostConfig"]["VolumesFrom"] == ["rec-db", "rec-web:ro"]


def test_a_reference_to_a_container_that_is_gone_is_kept_as_it_is() -> None:
    data = inspected("worker")
    body = build(data, IMAGES[data["Image"]], {}, unit="docker-rec-worker.service", logs="keep")
    assert body.create_body()["HostConfig"]["IpcMode"] == data["HostConfig"]["IpcMode"]


def test_links_are_recorded_as_name_and_alias() -> None:
    assert CONTAINERS["rec-linked"]["HostConfig"]["Links"] == ["/rec-cache:/rec-linked/c"]
    assert create("linked")["HostConfig"]["Links"] == ["rec-cache:c"]


def test_references_lists_the_containers_named_by_id() -> None:
    db = CONTAINERS["rec-db"]["Id"]
    assert references(CONTAINERS["rec-worker"]) == [db]
    assert references(CONTAINERS["rec-reader"]) == [db]  # rec-web:ro is a name
    assert references(CONTAINERS["rec-side"]) == [CONTAINERS["rec-web"]["Id"]]
    assert references(CONTAINERS["rec-web"]) == []


# --- volumes ---------------------------------------------------------------------------------


def test_an_anonymous_volume_is_named_in_the_binds_and_stays_declared() -> None:
    body = create("db")
    assert body["HostConfig"]["Binds"] == ["rec-named:/named", f"{anonymous('db', '/anon')}:/anon"]
    assert body["Volumes"] == {"/anon": {}}


def test_an_anonymous_volume_the_image_declares_is_named_too() -> None:
    assert create("web")["HostConfig"]["Binds"] == [
        "/tmp:/bind:ro",
        f"{anonymous('web', '/imgvol')}:/imgvol",
    ]


def test_an_anonymous_volume_of_a_mount_gets_its_name_as_source() -> None:
    mounts = create("db")["HostConfig"]["Mounts"]
    assert mounts == [
        {"Source": anonymous("db", "/mounted"), "Target": "/mounted", "Type": "volume"}
    ]


def test_volumes_from_another_container_are_left_to_volumes_from() -> None:
    assert create("worker")["HostConfig"]["Binds"] is None


def test_a_declared_volume_mounted_read_only_from_another_container_is_named_read_only() -> None:
    """rec-reader's image declares /imgvol, which --volumes-from rec-web:ro mounts: a bind of the
    same volume, read-only, replaces it, as binds replace what --volumes-from brings."""
    assert create("reader")["HostConfig"]["Binds"] == [f"{anonymous('web', '/imgvol')}:/imgvol:ro"]


# --- supervision and logs --------------------------------------------------------------------


def test_the_restart_policy_is_no_since_systemd_supervises() -> None:
    assert CONTAINERS["rec-web"]["HostConfig"]["RestartPolicy"]["Name"] == "always"
    assert create("web")["HostConfig"]["RestartPolicy"] == {"Name": "no", "MaximumRetryCount": 0}


def test_the_unit_is_named_by_both_labels() -> None:
    labels = create("db")["Labels"]
    assert labels[UNIT_LABEL] == labels[JOURNAL_UNIT_LABEL] == "docker-rec-db.service"


def test_journal_logs_go_to_journald_tagged_and_labelled_with_the_unit() -> None:
    assert create("web", logs="journal")["HostConfig"]["LogConfig"] == {
        "Type": "journald",
        "Config": {"tag": "docker-rec-web", "labels": "unitgen.unit,object.systemd.unit"},
    }


def test_kept_logs_keep_the_containers_own_log_config() -> None:
    assert create("web")["HostConfig"]["LogConfig"] == {
        "Type": "json-file",
        "Config": {"max-size": "1m"},
    }


# --- networks --------------------------------------------------------------------------------


def test_the_network_mode_network_is_in_create_without_the_engines_aliases() -> None:
    assert create("web")["NetworkingConfig"] == {
        "EndpointsConfig": {"rec-net1": {"Aliases": ["web", "www"]}}
    }


def test_every_other_network_is_a_connect_with_its_static_address_and_aliases() -> None:
    assert record_of(inspected("web")).connects == (
        (
            "rec-net2",
            '{"EndpointConfig":{"Aliases":["other"],"IPAMConfig":{"IPv4Address":"10.213.7.50"}}}',
        ),
    )


def test_a_container_never_started_has_only_its_own_aliases() -> None:
    assert create("created")["NetworkingConfig"] == {
        "EndpointsConfig": {"rec-net1": {"Aliases": ["fresh"]}}
    }


def test_the_default_network_mode_is_the_bridge_network() -> None:
    assert create("linked")["NetworkingConfig"] == {"EndpointsConfig": {"bridge": {}}}


@pytest.mark.parametrize("name", ["hosted", "side"])
def test_host_and_another_containers_network_have_no_endpoints(name: str) -> None:
    data = inspected(name)
    assert record_of(data).create_body()["NetworkingConfig"] == {"EndpointsConfig": {}}
    assert record_of(data).connects == ()


def test_a_network_mode_given_by_id_is_recorded_by_the_networks_name() -> None:
    data = inspected("web")
    net_id = data["NetworkSettings"]["Networks"]["rec-net1"]["NetworkID"]
    data["HostConfig"]["NetworkMode"] = net_id[:12]
    body = record_of(data).create_body()
    assert body["HostConfig"]["NetworkMode"] == "rec-net1"
    assert list(body["NetworkingConfig"]["EndpointsConfig"]) == ["rec-net1"]


def test_the_record_names_its_container_image_and_image_id() -> None:
    record = record_of(inspected("web"))
    assert (record.container, record.image) == ("rec-web", "unitgen-test/record-fixture:1")
    assert record.image_id == CONTAINERS["rec-web"]["Image"] and record.image_id.startswith(
        "sha256:"
    )


def test_a_gone_image_leaves_nothing_to_the_image() -> None:
    data = inspected("cmdonly")
    body = build(data, {}, NAMES, unit="docker-rec-cmdonly.service", logs="keep").create_body()
    assert body["Entrypoint"] == ["/bin/sh", "-c"] and body["WorkingDir"] == "/srv"


# --- the file --------------------------------------------------------------------------------

WHERE = "/etc/unitgen/recreate/rec-web.json"
HINT = "; rewrite it with `unitgen install --recreate rec-web`"


def web_text() -> str:
    return record_of(inspected("web")).text()


def test_the_file_has_one_member_a_line_in_the_order_the_helper_reads() -> None:
    record = record_of(inspected("web"))
    lines = record.text().split("\n")
    assert lines[:5] == [
        "{",
        '"unitgen-record":1,',
        '"container":"rec-web",',
        '"image":"unitgen-test/record-fixture:1",',
        f'"image-id":"{record.image_id}",',
    ]
    assert lines[5] == f'"create":{record.create},'
    assert lines[6] == f'"connect rec-net2":{record.connects[0][1]}'
    assert lines[7:] == ["}", ""]
    assert json.loads(record.text())["create"] == record.create_body()


def test_the_last_member_has_no_comma_when_there_is_no_connect() -> None:
    lines = record_of(inspected("db")).text().splitlines()
    assert lines[-2].startswith('"create":{') and lines[-2].endswith("}") and lines[-1] == "}"


def test_values_with_newlines_and_non_ascii_stay_on_their_line_in_ascii() -> None:
    data = inspected("db")
    data["Config"]["Env"] = ["MOTD=été\nhiver", 'Q="\\']
    text = record_of(data).text()
    assert text.isascii() and len(text.splitlines()) == 7
    assert "MOTD=\\u00e9t\\u00e9\\nhiver" in text
    assert parse(text, "rec-db.json").create_body()["Env"] == ["MOTD=été\nhiver", 'Q="\\']


@pytest.mark.parametrize("name", sorted(CONTAINERS))
@pytest.mark.parametrize("logs", ["journal", "keep"])
def test_every_record_reads_back_from_its_text(name: str, logs: Logs) -> None:
    record = record_of(copy.deepcopy(CONTAINERS[name]), logs)
    assert parse(record.text(), f"/etc/unitgen/recreate/{name}.json") == record


def test_a_record_spaced_or_ordered_otherwise_inside_its_values_reads_the_same() -> None:
    record = record_of(inspected("web"))
    body = json.dumps(record.create_body(), indent=None)  # ", " and ": ", keys as they come
    text = web_text().replace(record.create, json.dumps(dict(reversed(json.loads(body).items()))))
    assert text != web_text() and parse(text, WHERE) == record


def refused(text: str, where: str = WHERE) -> str:
    with pytest.raises(RecordUnreadable) as caught:
        parse(text, where)
    return str(caught.value)


def test_an_unreadable_record_is_an_edited_file_of_the_unit() -> None:
    assert issubclass(RecordUnreadable, ForeignUnit) and RecordUnreadable.exit_code == 8


# (what is replaced, by what, what the refusal says)
REFUSALS: list[tuple[str, str, str]] = [
    ("{\n", "", "not a line {, a member a line, and a line }"),
    ("record-fixture", "récord", "line 4: a character that is not ASCII"),
    ('"rec-web",', '"rec-web"', "line 3: no comma after a member"),
    ("}}}\n}", "}}},\n}", "line 7: the last member ends with a comma"),
    ('"container"', ' "container"', 'line 3: a line that is not "KEY":VALUE'),
    (
        '"image-id":"',
        '"image-id":',
        "line 5: the value of image-id is not JSON (Expecting value: line 1 column 1 (char 0))",
    ),
    ('"unitgen-record":1', '"unitgen-record":2', "line 2: record version 2, this unitgen reads 1"),
    (
        '"container"',
        '"name"',
        "its members start ['unitgen-record', 'name', 'image', 'image-id', 'create'], "
        "not ['unitgen-record', 'container', 'image', 'image-id', 'create']",
    ),
    ('"rec-web",', '"-web",', "line 3: container '-web' is not a container name"),
    ('"rec-web",', '"rec-db",', "line 3: the record of rec-db, in the file of rec-web"),
    ('"unitgen-test/record-fixture:1",', '"",', "line 4: image '' is not an image name"),
    (
        '"Image":"unitgen-test',
        '"Image":"other',
        "line 6: create is not a create request for image unitgen-test/record-fixture:1",
    ),
    ('{"rec-net1":{', '{"rec-net2":{},"rec-net1":{', "line 6: create names more than one network"),
    ('"connect rec-net2"', '"join rec-net2"', "line 7: 'join rec-net2' is not connect NETWORK"),
    ('"connect rec-net2"', '"connect "', "line 7: 'connect ' is not connect NETWORK"),
    (
        "}}}\n}",
        '}}},\n"connect rec-net2":{"EndpointConfig":{}}\n}',
        "line 8: rec-net2 is connected twice",
    ),
    (
        '{"EndpointConfig":',
        '{"Container":"x","EndpointConfig":',
        'line 7: connect rec-net2 is not {"EndpointConfig":{...}}',
    ),
]


@pytest.mark.parametrize(("old", "new", "problem"), REFUSALS)
def test_a_file_not_in_the_format_is_refused_saying_where_and_how_to_rewrite_it(
    old: str, new: str, problem: str
) -> None:
    text = web_text()
    assert old in text
    at = f"{WHERE}, " if problem.startswith("line ") else f"{WHERE}: "
    expected = f"{at}{problem}: not a record as unitgen writes it{HINT}"
    assert refused(text.replace(old, new, 1)) == expected


def test_an_image_id_that_is_not_a_string_is_refused() -> None:
    text = web_text().replace(f'"{record_of(inspected("web")).image_id}"', "1")
    assert refused(text) == (
        f"{WHERE}, line 5: image-id is not a string: not a record as unitgen writes it{HINT}"
    )


def test_an_empty_file_is_refused() -> None:
    assert refused("").startswith(f"{WHERE}: not a line {{, a member a line, and a line }}")


def test_the_hint_names_the_container_of_the_file_or_says_name() -> None:
    assert refused("", "/etc/unitgen/recreate/db.json").endswith("--recreate db`")
    assert refused("", "<stdin>").endswith("--recreate NAME`")


# --- drift -----------------------------------------------------------------------------------


def test_a_container_as_recorded_has_no_differences_whatever_its_image_id() -> None:
    record = record_of(inspected("web"))
    assert differences(record, replace(record, image_id="sha256:" + "0" * 64)) == []


def test_each_difference_names_its_json_path_and_both_values() -> None:
    live = inspected("web")
    live["HostConfig"]["Memory"], live["HostConfig"]["MemorySwap"] = 268435456, 2 * 268435456
    live["Config"]["Domainname"] = "example.org"
    live["Config"]["Image"] = "unitgen-test/record-fixture:2"
    assert differences(record_of(inspected("web")), record_of(live)) == [
        'image: "unitgen-test/record-fixture:1" -> "unitgen-test/record-fixture:2"',
        'Domainname: (unset) -> "example.org"',
        "HostConfig.Memory: 67108864 -> 268435456",
        'Image: "unitgen-test/record-fixture:1" -> "unitgen-test/record-fixture:2"',
    ]


def test_the_environment_differs_by_variable_name_never_by_value() -> None:
    live = inspected("web")
    live["Config"]["Env"] = ["X=2", "NEW=secret", "A=1"]  # and B=3 gone
    found = differences(record_of(inspected("web")), record_of(live))
    assert found == ["Env.B: removed", "Env.NEW: added", "Env.X: changed"]


def test_networks_connected_or_gone_and_their_settings_are_differences() -> None:
    recorded = record_of(inspected("web"))
    live = inspected("web")
    del live["NetworkSettings"]["Networks"]["rec-net2"]
    assert differences(recorded, record_of(live)) == ["connect rec-net2: removed"]
    assert differences(record_of(live), recorded) == ["connect rec-net2: added"]
    live = inspected("web")
    live["NetworkSettings"]["Networks"]["rec-net2"]["Aliases"] = ["else"]
    assert differences(recorded, record_of(live)) == [
        'connect rec-net2.EndpointConfig.Aliases: ["other"] -> ["else"]'
    ]


def test_canonical_json_is_one_ascii_line_with_sorted_keys() -> None:
    assert canonical({"b": [1, "é\n"], "a": None}) == '{"a":null,"b":[1,"\\u00e9\\n"]}'


# --- what docker_source asks the engine --------------------------------------------------------


def recorded_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, images: bool = True
) -> FakeEngine:
    """A fake engine on a Unix socket answering inspects from the recorded JSON, by name or
    id (images by id, unless IMAGES is false); it remembers what it was asked."""
    engine = FakeEngine(tmp_path / "docker.sock")

    def answer(request: Request) -> Reply:
        kind, ref = request.path.split("/")[1], request.path.split("/")[2]
        if kind == "images" and images and ref in IMAGES:
            return Reply(200, json.dumps(IMAGES[ref]))
        for name, data in CONTAINERS.items():
            if kind == "containers" and ref in (name, data["Id"]):
                return Reply(200, json.dumps(data))
        return Reply(404, json.dumps({"message": f"No such object: {ref}"}))

    engine.serve("GET", "/containers/", answer)
    engine.serve("GET", "/images/", answer)
    monkeypatch.setenv("DOCKER_HOST", f"unix://{engine.socket}")
    return engine.start()


def test_record_of_asks_for_the_container_its_image_by_id_and_the_containers_it_names_by_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unitgen.engine.source import DockerSource

    engine = recorded_engine(tmp_path, monkeypatch)
    record = DockerSource().record_of("rec-worker", unit="docker-rec-worker.service", logs="keep")
    engine.stop()
    # Read at the engine's own API version (the fake's 1.41), which the record carries.
    assert record == replace(record_of(inspected("worker")), api="1.41")
    assert '\n"api":"1.41"\n' in record.text()  # the last member here: no connects
    assert parse(record.text(), "/etc/unitgen/recreate/rec-worker.json") == record
    image = CONTAINERS["rec-worker"]["Image"]
    db = CONTAINERS["rec-db"]["Id"]
    assert [r.path for r in engine.requests if r.path != "/version"] == [
        "/containers/rec-worker/json",
        f"/images/{image}/json",
        f"/containers/{db}/json",
    ]


def test_record_of_a_container_whose_image_is_gone_leaves_nothing_to_the_image(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unitgen.engine.source import DockerSource

    engine = recorded_engine(tmp_path, monkeypatch, images=False)
    record = DockerSource().record_of("rec-cmdonly", unit="docker-rec-cmdonly.service", logs="keep")
    engine.stop()
    assert record.create_body()["WorkingDir"] == "/srv"


def test_a_record_without_an_api_version_is_an_older_unitgens_and_still_reads() -> None:
    old = record_of(inspected("worker"))
    assert '"api"' not in old.text()
    assert parse(old.text(), "/etc/unitgen/recreate/rec-worker.json").api == ""


def test_an_api_member_that_is_not_a_version_is_refused_naming_its_line() -> None:
    text = replace(record_of(inspected("worker")), api="1.41").text().replace('"1.41"', '"new"')
    with pytest.raises(RecordUnreadable, match=r"line 7: api 'new' is not an API version"):
        parse(text, "/etc/unitgen/recreate/rec-worker.json")


def test_the_record_carries_the_login_dockers_cli_would_send_for_its_images_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For the helper's pull at boot, which has no login session to run a credential helper
    in: resolved when the record is written, from $DOCKER_CONFIG's config.json."""
    import base64

    from unitgen.engine.source import DockerSource

    config = tmp_path / "docker-config"
    config.mkdir()
    login = base64.b64encode(b"deploy:s3cret").decode()
    (config / "config.json").write_text(
        json.dumps({"auths": {"https://index.docker.io/v1/": {"auth": login}}})
    )
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    engine = recorded_engine(tmp_path, monkeypatch)
    record = DockerSource().record_of("rec-worker", unit="docker-rec-worker.service", logs="keep")
    engine.stop()
    sent = json.loads(base64.urlsafe_b64decode(record.registry_auth))
    assert (sent["username"], sent["password"]) == ("deploy", "s3cret")
    again = parse(record.text(), "/etc/unitgen/recreate/rec-worker.json")
    assert again.registry_auth == record.registry_auth
    assert record.registry_auth not in repr(record)  # never in a log line or a traceback


def test_without_a_login_for_its_registry_the_record_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unitgen.engine.source import DockerSource

    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "empty"))
    engine = recorded_engine(tmp_path, monkeypatch)
    record = DockerSource().record_of("rec-worker", unit="docker-rec-worker.service", logs="keep")
    engine.stop()
    assert record.registry_auth == "" and '"registry-auth"' not in record.text()
