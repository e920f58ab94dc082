"""Every `--json` output is a versioned object that matches its description in
unitgen/schemas.py (the man page's JSON section is made from it): every field emitted is
documented with its type, every required field is emitted, and every documented field is
emitted by at least one of the runs below. Runs are the real command line over the fake
engine (tests/fakes.py) on an image root."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests import update_fakes
from tests.conftest import health_states
from tests.fakes import FakeSource, cli_over, drop_in, image_root, run_cli
from tests.schema_check import problems
from unitgen import schemas
from unitgen.cli.jsonout import plan_json
from unitgen.cli.main import all_commands
from unitgen.model import RestartPolicy
from unitgen.plan.actions import Plan, PolicyChange

# (document, argv, expected exit code); ROOT is replaced by the image root.
RUNS: list[tuple[str, list[str], int]] = [
    ("exit-codes", ["exit-codes", "--json"], 0),
    ("generate", ["generate", "--json", "seed-backend1", "seed-container1"], 6),
    ("generate", ["generate", "--json", "--output", "ROOT/out", "seed-proxy"], 0),
    ("plan", ["install", "--dry-run", "--json", "seed-always", "seed-container1"], 6),
    ("plan", ["install", "--dry-run", "--json", "seed-proxy"], 0),
    ("plan", ["install", "--json", "seed-onfail"], 0),
    ("plan", ["adopt", "--dry-run", "--json"], 0),
    ("plan", ["uninstall", "--dry-run", "--json", "seed-vpn"], 0),
    ("plan", ["uninstall", "--json", "--keep-running", "seed-vpn"], 0),
    ("plan", ["sync", "--dry-run", "--json", "--prune"], 0),
    ("list", ["list", "--json"], 0),
    ("list", ["list", "--json", "--no-docker"], 0),
    ("drift", ["drift", "--json"], 20),
    ("status", ["status", "--json", "seed-vpn"], 0),
    ("status", ["status", "--json", "seed-onfail"], 0),
    ("status", ["status", "--json", "seed-reader"], 0),
    ("status", ["status", "--json", "seed-healthy"], 0),
    ("graph", ["graph", "--json", "seed-container1", "seed-reader", "seed-proxy"], 0),
    ("update", ["update", "--json"], 22),
    ("update", ["update", "--dry-run", "--json", "web"], 0),
]
DOCUMENTS = {d.name: d for d in schemas.DOCUMENTS}
# What only a host where systemd runs plans (policies changed, units stopped and started, a
# hand-back): the pure formatter the command line calls, on such a plan.
ONLINE = Plan(
    policies=[PolicyChange("web", RestartPolicy("always"), RestartPolicy("no"))],
    release=["web"],
    stop=["docker-web.service"],
    start=["docker-db.service"],
)


@pytest.fixture
def host(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> Iterator[FakeSource]:
    """seed-vpn (running, with logs and a drop-in), seed-onfail and seed-healthy (its health
    check failing) installed; seed-vpn's policy set back to `always` behind unitgen's back
    (drift); seed-sidecar's unit orphaned; seed-container1 needs a container that does not
    exist (a left-out closure)."""
    fake = FakeSource()
    cli_over(fake, monkeypatch)
    image_root(tmp_path)
    installed = ["seed-vpn", "seed-onfail", "seed-sidecar", "seed-healthy"]
    argv = ["install", "--root", str(tmp_path), *installed]
    assert run_cli(argv, capsys)[0] == 0
    fake.containers["seed-vpn"] = replace(
        fake.containers["seed-vpn"], running=True, restart_policy=RestartPolicy("always")
    )
    fake.containers["seed-healthy"] = replace(fake.containers["seed-healthy"], running=True)
    fake.states["seed-healthy"] = health_states()["health-failing"]
    fake.log_lines["seed-vpn"] = ["hello"]
    del fake.containers["seed-sidecar"]
    broken = fake.containers["seed-container1"]
    fake.containers["seed-container1"] = replace(
        broken, labels=(*broken.labels, ("unitgen.requires", "no-such"))
    )
    drop_in(tmp_path, "docker-seed-vpn.service")
    # update's own fake (containers its units recreate): web's new image does not come up.
    updates = update_fakes.Host()
    updates.add(update_fakes.spec())
    updates.offer(update_fakes.IMAGE, update_fakes.NEW)
    updates.bad.add(update_fakes.NEW)
    update_fakes.cli_over(updates, tmp_path / "update-state", monkeypatch)
    yield fake


def emitted(document: object, path: str = "") -> Iterator[str]:
    if isinstance(document, dict):
        for key, value in document.items():
            child = f"{path}.{key}" if path else key
            yield child
            yield from emitted(value, child)
    elif isinstance(document, list):
        for value in document:
            yield f"{path}[]"
            yield from emitted(value, f"{path}[]")


def outputs(root: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[tuple[str, object]]:
    yield "plan", json.loads(plan_json(ONLINE, command="uninstall", dry_run=True, online=True))
    for name, argv, expected in RUNS:
        argv = [a.replace("ROOT", str(root)) for a in argv]
        rootless = ("exit-codes", "graph", "update")
        with_root = argv if argv[0] in rootless else [*argv, "--root", str(root)]
        code, out, err = run_cli(with_root, capsys)
        assert code == expected, (argv, out, err)
        yield name, json.loads(out)


def test_every_json_output_matches_its_documented_schema(
    host: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, set[str]] = {name: set() for name in DOCUMENTS}
    for name, document in outputs(tmp_path, capsys):
        assert problems(DOCUMENTS[name], document) == [], (name, document)
        assert isinstance(document, dict) and document["version"] == 1
        seen[name] |= set(emitted(document))
    for name, document in DOCUMENTS.items():
        never = [f.path for f in document.fields if f.path not in seen[name]]
        assert never == [], f"{name}: documented but never emitted by these runs: {never}"


def test_the_checker_finds_an_undocumented_a_mistyped_and_a_missing_field() -> None:
    listed = {"version": 1, "docker": "answered", "docker_error": None, "units": []}
    assert problems(schemas.LIST, listed) == []
    assert problems(schemas.LIST, {**listed, "extra": 1}) == ["extra: emitted, not documented"]
    assert problems(schemas.LIST, {**listed, "docker": None}) == [
        "docker: null, documented as string"
    ]
    del listed["docker_error"]
    assert problems(schemas.LIST, listed) == ["docker_error: documented as required, not emitted"]
    assert problems(schemas.LIST, []) == ["the document is array, not an object"]


def test_every_documented_command_takes_json() -> None:
    for document in schemas.DOCUMENTS:
        for usage in document.commands:
            name = usage.split()[1]
            options = {o for p in all_commands()[name].params for o in getattr(p, "opts", [])}
            assert "--json" in options, usage


def test_every_field_says_what_it_means_and_every_type_is_a_json_type() -> None:
    types = {"string", "integer", "boolean", "array", "object", "null"}
    for document in schemas.DOCUMENTS:
        assert document.field("version") is not None, document.name
        for field in document.fields:
            assert field.meaning and field.types <= types, (document.name, field)


def test_uninstall_dry_run_json_is_the_plan_the_text_form_describes(
    host: FakeSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["uninstall", "--dry-run", "--json", "--root", str(tmp_path), "seed-onfail"]
    code, out, err = run_cli(argv, capsys)
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "version": 1,
        "command": "uninstall",
        "dry_run": True,
        "online": False,
        "empty": False,
        "files": [
            {
                "verb": "remove",
                "path": f"{tmp_path}/etc/systemd/system/docker-seed-onfail.service",
                "unit": "docker-seed-onfail.service",
                "why": "",
                "mode": None,
            }
        ],
        "policies": [],
        "release": [],
        "stop": [],
        "disable": ["docker-seed-onfail.service"],
        "reload": True,
        "enable": [],
        "start": [],
        "notes": [],
        "failed": [],
    }
    text = run_cli([a for a in argv if a != "--json"], capsys)[1]
    assert text == (
        f"remove  {tmp_path}/etc/systemd/system/docker-seed-onfail.service\n"
        f"run     systemctl --root={tmp_path} disable docker-seed-onfail.service\n"
    )


def test_exit_codes_json_lists_every_code_with_its_meaning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(["exit-codes", "--json"], capsys)
    document = json.loads(out)
    assert code == 0 and document["version"] == 1
    assert document["exit_codes"][:2] == [
        {"code": 0, "meaning": "success (also: nothing to do)"},
        {
            "code": 1,
            "meaning": "internal error (rerun with --debug, report it); `unitgen diff`: a unit "
            "differs",
        },
    ]
    assert [e["code"] for e in document["exit_codes"]][-5:] == [20, 21, 22, 23, 130]
