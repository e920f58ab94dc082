"""What `unitgen update` asks of the real engine, against a real registry (tests/registry.py):
pulls (the engine's errors, HTTP ones and those inside the pull's stream), registry digests
without a pull, tags; and `unitgen update --dry-run` end to end. Restarting units needs
systemd: tests/systemd/test_update.py."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import need
from tests.docker.run import unitgen
from tests.registry import GOOD, Registry
from tests.schema_check import problems
from tests.topology import Topology, docker
from unitgen import schemas
from unitgen.engine.source import DockerSource
from unitgen.errors import EngineFailed
from unitgen.host.systemd import booted
from unitgen.model import ImageName
from unitgen.update.decide import AUTO_UPDATE_LABEL, image_name

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("docker_engine")]


@pytest.fixture
def app(registry: Registry, topo: Topology) -> Iterator[ImageName]:
    """A repository of this test's own in the registry, with version 1 pushed."""
    name = ImageName(f"{registry.host}/{topo.prefix}", "1")
    registry.publish(topo.prefix, "1", GOOD, "1")
    yield name
    registry.forget(str(name))


def test_a_pull_downloads_the_registrys_image_and_knows_its_digest(
    registry: Registry, app: ImageName
) -> None:
    pushed = docker("image", "inspect", "--format", "{{.Id}}", str(app))
    registry.forget(str(app))
    source = DockerSource()
    assert source.image(str(app)) is None
    source.pull(app, timeout=60)
    pulled = source.image(str(app))
    assert pulled is not None and pulled.id == pushed
    digest = source.registry_digest(app)
    assert digest is not None and pulled.digest_for(app.repo) == digest


def test_the_registrys_digest_moves_when_a_new_build_is_pushed(
    registry: Registry, app: ImageName
) -> None:
    source = DockerSource()
    before = source.registry_digest(app)
    registry.publish(app.repo.rpartition("/")[2], "1", GOOD, "2")
    after = source.registry_digest(app)
    assert before and after and before != after


def test_a_tag_the_registry_lacks_is_the_engines_own_words(
    registry: Registry, app: ImageName
) -> None:
    source = DockerSource()
    missing = ImageName(app.repo, "nope")
    with pytest.raises(EngineFailed, match=r"^pulling .*:nope: Docker said: .*manifest unknown"):
        source.pull(missing, timeout=60)
    with pytest.raises(EngineFailed, match=r"^asking the registry for .*:nope: Docker said: "):
        source.registry_digest(missing)


def test_a_registry_that_is_not_there_is_the_engines_own_words() -> None:
    source = DockerSource()
    gone = ImageName("127.0.0.1:9/app", "1")  # port 9 (discard): nothing listens
    with pytest.raises(EngineFailed, match="connection refused"):
        source.pull(gone, timeout=60)
    with pytest.raises(EngineFailed, match="connection refused"):
        source.registry_digest(gone)


def test_a_layer_that_fails_half_way_is_the_error_in_the_pulls_stream(
    registry: Registry, app: ImageName
) -> None:
    """The engine has answered 200 and begun its stream when a layer download fails: the
    failure is a message with an `error` member, not an HTTP status."""
    # The layer `docker commit` adds (/app/run) must be this image's own: the app fixture's
    # version 1 is byte for byte every other test's, and a layer the engine still holds for
    # them is not downloaded at all. The base layer is shared and stays.
    repo = app.repo.partition("/")[2]
    registry.publish(repo, app.tag, GOOD, f"1 of {repo}")
    own = registry.layers(repo, app.tag)[-1].removeprefix("sha256:")
    registry.forget(str(app))
    shutil.rmtree(registry.blobs() / "sha256" / own[:2] / own)
    with pytest.raises(EngineFailed, match=r"^pulling .*: Docker said: unknown blob$"):
        DockerSource().pull(app, timeout=60)


def test_a_tag_points_the_name_at_the_image_id(registry: Registry, app: ImageName) -> None:
    source = DockerSource()
    other = registry.build(registry.name("other-" + app.repo.rpartition("/")[2], "x"), GOOD, "x")
    source.tag(other, app)
    assert docker("image", "inspect", "--format", "{{.Id}}", str(app)) == other


def test_the_container_as_update_reads_it(
    registry: Registry, app: ImageName, topo: Topology
) -> None:
    name = topo.create(
        "web",
        "--label",
        f"{AUTO_UPDATE_LABEL}=registry",
        "--label",
        f"unitgen.unit=docker-{topo.n('web')}.service",
        image=str(app),
        cmd=(),
    )
    found = DockerSource().container_now(name)
    assert found is not None
    spec, state = found
    assert image_name(spec.image, spec.image_id) == app
    assert spec.image_id == docker("image", "inspect", "--format", "{{.Id}}", str(app))
    assert state.status == "created"
    assert name in DockerSource().labelled(AUTO_UPDATE_LABEL)


def test_update_dry_run_says_unchanged_then_update_available_then_cannot_check(
    registry: Registry, app: ImageName, topo: Topology
) -> None:
    opted_in = ("--label", f"{AUTO_UPDATE_LABEL}=registry")
    owned = ("--label", f"unitgen.unit=docker-{topo.n('web')}.service")
    web = topo.create("web", *opted_in, *owned, image=str(app), cmd=())
    plain = topo.create("plain", *opted_in, image=str(app), cmd=())
    # The image was built here, then pushed: it has the registry's digest, as a pulled one has.
    done = unitgen("update", "--dry-run", web, plain)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        f"{web}: unchanged",
        f"{plain}: skipped: not in recreate mode (fix: unitgen install --recreate {plain})",
    ]
    registry.publish(topo.prefix, "1", GOOD, "2")
    done = unitgen("update", "--dry-run", "--json", web)
    assert problems(schemas.UPDATE, json.loads(done.stdout)) == []
    (found,) = json.loads(done.stdout)["containers"]
    assert (done.returncode, found["result"]) == (0, "update-available")
    assert found["offered_digest"] != found["running_digest"]
    registry.stop()
    try:
        done = unitgen("update", "--dry-run", web)
    finally:
        registry.resume()
    assert done.returncode == 23
    assert done.stdout.startswith(f"{web}: cannot check: asking the registry for {app}: ")


def test_update_without_a_running_systemd_is_refused_and_changes_nothing(
    registry: Registry, app: ImageName, topo: Topology
) -> None:
    # On a host where systemd runs, the update would restart its units: this proof needs one
    # without (CI's machine); the one rule decides whether that is a skip or a failure.
    need("a machine where systemd is not running", not booted())
    web = topo.create(
        "web",
        "--label",
        f"{AUTO_UPDATE_LABEL}=registry",
        "--label",
        f"unitgen.unit=docker-{topo.n('web')}.service",
        image=str(app),
        cmd=(),
    )
    done = unitgen("update", web)
    assert (done.returncode, done.stdout) == (9, "")
    assert done.stderr == (
        "unitgen: unitgen update restarts units, and systemd is not running here; run it on "
        "the booted host; --dry-run only asks the registries\n"
    )
