"""`unitgen watch` survives the engine going away: it reconnects and replays from the last
event it saw (a fake engine: a real one cannot be restarted under the test suite)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from unitgen.commands import watch
from unitgen.errors import DockerUnavailable, UsageError


class FlakyEngine:
    """First connection: one event, then the engine dies; second: one more event."""

    connections: ClassVar[list[int | None]] = []

    def __init__(self, timeout: int | None = None) -> None:
        pass

    def events(self, since: int | None) -> Iterator[dict[str, Any]]:
        FlakyEngine.connections.append(since)
        if len(FlakyEngine.connections) == 1:
            yield {"time": 1000, "Action": "create", "Actor": {"Attributes": {"name": "web"}}}
            raise DockerUnavailable("following events: cannot reach the Docker engine")
        yield {"time": 1005, "Action": "destroy", "Actor": {"Attributes": {"name": "web"}}}


def test_watch_reconnects_and_replays_from_the_last_event(monkeypatch: pytest.MonkeyPatch) -> None:
    import unitgen.engine.source

    FlakyEngine.connections = []
    monkeypatch.setattr(unitgen.engine.source, "DockerSource", FlakyEngine)
    monkeypatch.setattr(watch, "RECONNECT_SECONDS", 0.0)
    rounds: list[str] = []
    monkeypatch.setattr(watch, "reconcile", lambda connect, report: rounds.append("sync"))
    said: list[str] = []
    nowhere: Any = None  # reconcile is replaced: nothing is ever gathered
    watch.run(
        lambda: nowhere,
        said.append,
        stop=lambda: len(FlakyEngine.connections) >= 2 and len(rounds) >= 4,
    )
    assert FlakyEngine.connections[1] == 1000  # replayed from the last event seen
    assert any("reconnecting" in line for line in said)
    # initial sync, the create, the resync after reconnecting, the destroy
    assert rounds == ["sync", "sync", "sync", "sync"]


class ReplayingEngine:
    """Sends, at each connection, every event since `since`, as the engine does: the event of
    the second asked for comes again when the stream is reopened."""

    connections: ClassVar[list[int | None]] = []
    EVENT: ClassVar[dict[str, Any]] = {
        "time": 1000,
        "timeNano": 1000_000000123,
        "Action": "destroy",
        "Actor": {"ID": "abc", "Attributes": {"name": "job"}},
    }

    def __init__(self, timeout: int | None = None) -> None:
        pass

    def events(self, since: int | None) -> Iterator[dict[str, Any]]:
        ReplayingEngine.connections.append(since)
        yield ReplayingEngine.EVENT


def test_a_sync_that_fails_on_an_event_does_not_replay_it_for_ever(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found on a test machine: a watch whose root had gone reopened the stream, met the same
    destroy again, failed again, and kept the engine at 100% CPU for 40 minutes."""
    import unitgen.engine.source

    ReplayingEngine.connections = []
    monkeypatch.setattr(unitgen.engine.source, "DockerSource", ReplayingEngine)
    syncs: list[str] = []

    def failing(connect: object, report: object) -> None:
        syncs.append("sync")
        if len(syncs) > 1:
            raise UsageError("root /gone is not a directory")

    monkeypatch.setattr(watch, "reconcile", failing)
    nowhere: Any = None  # reconcile is replaced: nothing is ever gathered
    watch.run(lambda: nowhere, lambda _: None, stop=lambda: len(ReplayingEngine.connections) >= 5)
    assert syncs == ["sync", "sync"]  # the first sync, then the destroy once, not once a pass
