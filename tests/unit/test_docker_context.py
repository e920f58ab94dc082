"""Which engine: DOCKER_HOST, else the Docker CLI's current context (DOCKER_CONTEXT, else what
`docker context use` wrote into config.json), else /run/docker.sock; a context whose host is
not a Unix socket is refused as such a DOCKER_HOST is. The context store is laid out as the
Docker CLI writes it (contexts/meta/SHA256(NAME)/meta.json)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from unitgen.engine.sdk import DEFAULT_SOCKET, socket_path
from unitgen.errors import UsageError


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Docker CLI configuration directory, as DOCKER_CONFIG."""
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    monkeypatch.delenv("DOCKER_CONTEXT", raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path))
    (tmp_path / "config.json").write_text("{}")
    return tmp_path


def context(config: Path, name: str, host: str) -> None:
    """What `docker context create NAME --docker host=HOST` leaves behind."""
    meta = config / "contexts/meta" / hashlib.sha256(name.encode()).hexdigest()
    meta.mkdir(parents=True)
    (meta / "meta.json").write_text(
        json.dumps(
            {
                "Name": name,
                "Metadata": {"Description": name},
                "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}},
            }
        )
    )


def use(config: Path, name: str) -> None:
    """What `docker context use NAME` writes."""
    (config / "config.json").write_text(json.dumps({"currentContext": name}))


def test_without_a_context_the_default_socket(config: Path) -> None:
    assert socket_path() == DEFAULT_SOCKET
    use(config, "default")
    assert socket_path() == DEFAULT_SOCKET


def test_the_context_docker_context_use_chose_names_the_socket(config: Path) -> None:
    context(config, "rootless", "unix:///run/user/1000/docker.sock")
    use(config, "rootless")
    assert socket_path() == "/run/user/1000/docker.sock"


def test_docker_context_wins_over_config_and_docker_host_over_both(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context(config, "one", "unix:///run/one.sock")
    context(config, "two", "unix:///run/two.sock")
    use(config, "one")
    monkeypatch.setenv("DOCKER_CONTEXT", "two")
    assert socket_path() == "/run/two.sock"
    monkeypatch.setenv("DOCKER_HOST", "unix:///run/host.sock")
    assert socket_path() == "/run/host.sock"


def test_a_context_on_another_machine_is_refused_in_one_line(config: Path) -> None:
    context(config, "far", "ssh://admin@far")
    use(config, "far")
    with pytest.raises(UsageError) as caught:
        socket_path()
    assert (
        caught.value.message == "the Docker context far's host ssh://admin@far is not a Unix socket"
    )
    assert "docker context use" in str(caught.value.hint)


def test_a_context_that_does_not_exist_is_said_with_how_to_list_them(config: Path) -> None:
    use(config, "gone")
    with pytest.raises(UsageError, match=r"the Docker context gone .* does not exist") as caught:
        socket_path()
    assert "docker context ls" in str(caught.value.hint)


def test_an_unreadable_config_is_no_context(config: Path) -> None:
    (config / "config.json").write_text("{not json")
    assert socket_path() == DEFAULT_SOCKET
