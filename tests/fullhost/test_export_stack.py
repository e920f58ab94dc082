"""`unitgen export --format stack` deployed for real: in a full host whose own engine is made a
one-node swarm, the stack file of two containers becomes two services with the containers'
settings, and Swarm runs them."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.conftest import TEST_IMAGE
from tests.fullhost import FullHost
from tests.topology import SERVE, wait_for

pytestmark = [pytest.mark.fullhost, pytest.mark.docker]


@pytest.fixture
def swarm(fullhost: FullHost) -> Iterator[FullHost]:
    """The module's host, its engine a one-node swarm with an attachable overlay network."""
    fullhost.docker("swarm", "init", "--advertise-addr", "127.0.0.1")
    fullhost.docker("network", "create", "--driver", "overlay", "--attachable", "appnet")
    try:
        yield fullhost
    finally:
        fullhost.sh("docker ps -aq | xargs -r docker rm -f >/dev/null", check=False)
        fullhost.docker("swarm", "leave", "--force", check=False)


def test_the_exported_stack_deploys_as_services_with_the_containers_settings(
    swarm: FullHost,
) -> None:
    unitgen = swarm.install_unitgen()
    swarm.docker(
        "create", "--name", "db", "--network", "appnet", "-e", "X=$HOME \"q\"",
        "--health-cmd", "true", "--health-interval", "1s", "--restart", "always",
        TEST_IMAGE, *SERVE,
    )  # fmt: skip
    swarm.docker(
        "create", "--name", "web", "--network", "appnet", "--label", "unitgen.requires=db",
        "--restart", "on-failure:2", "--memory", "64m", "-p", "8080:80", "--init",
        TEST_IMAGE, *SERVE,
    )  # fmt: skip
    done = swarm.run(unitgen, "export", "--format", "stack", "--output", "/root/out", "web")
    assert done.stderr == (
        "unitgen: not exported: web: depends on db (Swarm starts services in no order)\n"
        "unitgen: wrote stack.yaml into /root/out\n"
    )
    swarm.docker("rm", "-f", "db", "web")
    swarm.docker("stack", "deploy", "-c", "/root/out/stack.yaml", "app")

    def running() -> bool:
        states = swarm.docker("service", "ps", "app_db", "app_web", "--format", "{{.CurrentState}}")
        return all(line.startswith("Running") for line in states.splitlines())

    wait_for(running, timeout=90, what="both services to run")
    web = json.loads(swarm.docker("service", "inspect", "app_web"))[0]["Spec"]
    task = web["TaskTemplate"]
    assert task["RestartPolicy"]["Condition"] == "on-failure"
    assert task["RestartPolicy"]["MaxAttempts"] == 2
    assert task["Resources"]["Limits"]["MemoryBytes"] == 64 * 2**20
    assert task["ContainerSpec"]["Init"] is True
    assert task["ContainerSpec"]["Labels"]["unitgen.requires"] == "db"
    assert web["EndpointSpec"]["Ports"][0] | {"PublishMode": "host"} == {
        "Protocol": "tcp",
        "TargetPort": 80,
        "PublishedPort": 8080,
        "PublishMode": "host",
    }
    db = json.loads(swarm.docker("service", "inspect", "app_db"))[0]["Spec"]
    assert db["TaskTemplate"]["ContainerSpec"]["Env"] == ['X=$HOME "q"']
