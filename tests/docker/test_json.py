"""Against a real Docker engine: every `--json` document matches its description in
unitgen/schemas.py, as the fake-engine runs of tests/unit/test_json.py do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.docker.run import unitgen
from tests.fakes import image_root
from tests.schema_check import problems
from tests.topology import Topology
from unitgen import schemas

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]


def test_the_json_of_a_real_engine_matches_the_documented_schemas(tmp_path: Path) -> None:
    topo = Topology()
    try:
        net = topo.network("net")
        web = topo.create("web", "--network", net, "--restart", "always")
        root = str(image_root(tmp_path))
        assert unitgen("install", "--root", root, web).returncode == 0
        runs = [
            ("generate", ["generate", "--json", web], 0),
            ("plan", ["install", "--dry-run", "--json", "--root", root, web], 0),
            ("plan", ["uninstall", "--dry-run", "--json", "--root", root, web], 0),
            ("list", ["list", "--json", "--root", root], 0),
            ("drift", ["drift", "--json", "--root", root, web], 0),
            ("status", ["status", "--json", "--root", root, web], 0),
            ("exit-codes", ["exit-codes", "--json"], 0),
        ]
        documents = {d.name: d for d in schemas.DOCUMENTS}
        for name, argv, expected in runs:
            done = unitgen(*argv)
            assert done.returncode == expected, (argv, done.stderr)
            document = json.loads(done.stdout)
            assert problems(documents[name], document) == [], (argv, document)
        listed = json.loads(unitgen("list", "--json", "--root", root).stdout)
        assert listed["docker"] == "answered"
        assert [(u["kind"], u["docker"]) for u in listed["units"]] == [
            ("container", "stopped"),
            ("network", "present"),
        ]
        # The engine gone (a socket nobody listens on): the same units, Docker unknown, exit 21.
        gone = {"DOCKER_HOST": f"unix://{tmp_path}/no.sock"}
        done = unitgen("list", "--json", "--root", root, env=gone)
        assert done.returncode == 21, done.stderr
        assert [(u["unit"], u["docker"]) for u in json.loads(done.stdout)["units"]] == [
            (f"docker-{web}.service", "unknown"),
            (f"unitgen-network-{net}.service", "unknown"),
        ]
    finally:
        topo.remove()
