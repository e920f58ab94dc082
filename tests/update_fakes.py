"""A fake engine, registry and systemd for `unitgen update` (unitgen/update/run.py): containers
made by their units from the image a name points to, images that come up or do not, and a
clock that only moves when the updater pauses. Shared by the unit tests of the updater, its
command line and its JSON document."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from tests.conftest import seed_graph
from unitgen.errors import EngineFailed
from unitgen.model import ContainerSpec, ContainerState, Image, ImageName
from unitgen.units.names import UNIT_LABEL
from unitgen.update.decide import AUTO_UPDATE_LABEL
from unitgen.update.run import Updater

OLD = "sha256:" + "a" * 64
NEW = "sha256:" + "b" * 64
NEWER = "sha256:" + "c" * 64
IMAGE = "127.0.0.1:5000/app:1"


def digest(image_id: str) -> str:
    """The registry digest the fake gives an image id."""
    return "sha256:" + image_id[-1] * 63 + "d"


def spec(
    name: str = "web",
    *,
    policy: str | None = "registry",
    unit: str | None = "docker-web.service",
    image: str = IMAGE,
    image_id: str = OLD,
    health: bool = False,
) -> ContainerSpec:
    """A container as update reads it, from a recorded seed container (seed-healthy has a
    health check, seed-vpn none)."""
    base = seed_graph().containers["seed-healthy" if health else "seed-vpn"]
    labels = {AUTO_UPDATE_LABEL: policy, UNIT_LABEL: unit}
    return replace(
        base,
        name=name,
        image=image,
        image_id=image_id,
        labels=tuple((k, v) for k, v in labels.items() if v is not None),
        running=True,
    )


@dataclass
class Host:
    """The engine (containers, images, a registry) and systemd, in one fake. A unit's restart
    recreates its container from the image its name points to now; an image id in `bad`
    exits at once (or turns unhealthy, with a health check), one in `flaky` a little later;
    `never` is an id whose container never starts (the unit keeps failing)."""

    containers: dict[str, ContainerSpec] = field(default_factory=dict)
    images: dict[str, Image] = field(default_factory=dict)  # by name and by id
    registry: dict[str, Image] = field(default_factory=dict)  # by name
    pull_errors: dict[str, str] = field(default_factory=dict)
    registry_errors: dict[str, str] = field(default_factory=dict)
    bad: set[str] = field(default_factory=set)
    never: set[str] = field(default_factory=set)
    flaky: set[str] = field(default_factory=set)  # up for its first 3 looks, then exits
    looks: int = 0  # since the last start
    unit_states: dict[str, str] = field(default_factory=dict)
    owned: dict[str, ContainerSpec] = field(default_factory=dict)  # unit -> its container
    online: bool = True
    calls: list[str] = field(default_factory=list)
    now: float = 0.0
    starts: int = 0

    def add(self, container: ContainerSpec) -> None:
        self.containers[container.name] = container
        image = self.images.get(container.image_id) or Image(
            container.image_id, (f"127.0.0.1:5000/app@{digest(container.image_id)}",)
        )
        self.images[container.image_id] = image
        self.images.setdefault(container.image, image)
        unit = container.label(UNIT_LABEL)
        if unit:
            self.unit_states[unit] = "active"
            self.owned[unit] = container

    def offer(self, name: str, image_id: str) -> None:
        """The registry now has IMAGE_ID under NAME."""
        self.registry[name] = Image(image_id, (f"127.0.0.1:5000/app@{digest(image_id)}",))

    # --- the engine -----------------------------------------------------------------------

    def resolve(self, ref: str) -> str | None:
        return ref if ref in self.containers else None

    def container_now(self, ref: str) -> tuple[ContainerSpec, ContainerState] | None:
        found = self.containers.get(ref)
        if found is None:
            return None
        self.looks += 1
        bad = found.image_id in self.bad or (found.image_id in self.flaky and self.looks > 3)
        health = None
        if found.health is not None:
            health = "unhealthy" if bad else "healthy"
        state = ContainerState(
            status="exited" if bad and found.health is None else "running",
            health=health,
            restart_count=0,
            exit_code=1 if bad else 0,
            tty=False,
            started_at=f"start-{self.starts}",
            finished_at="",
        )
        return found, state

    def labelled(self, label: str) -> list[str]:
        return sorted(n for n, c in self.containers.items() if c.label(label) is not None)

    def image(self, ref: str) -> Image | None:
        return self.images.get(ref)

    def pull(self, name: ImageName, timeout: float | None) -> None:
        self.calls.append(f"pull {name}")
        if str(name) in self.pull_errors:
            raise EngineFailed(f"pulling {name}: Docker said: {self.pull_errors[str(name)]}")
        offered = self.registry[str(name)]
        self.images[str(name)] = self.images[offered.id] = offered

    def tag(self, image_id: str, name: ImageName) -> None:
        self.calls.append(f"tag {image_id[:13]} {name}")
        self.images[str(name)] = self.images[image_id]

    def registry_digest(self, name: ImageName) -> str | None:
        if str(name) in self.registry_errors:
            raise EngineFailed(f"asking the registry for {name}: {self.registry_errors[str(name)]}")
        return digest(self.registry[str(name)].id)

    # --- systemd ----------------------------------------------------------------------------

    def active_states(self, units: Sequence[str]) -> dict[str, str]:
        return {u: self.unit_states.get(u, "inactive") for u in units}

    def restart_queued(self, unit: str) -> None:
        """The unit removes its container and creates it again from its record, which names
        the image by name: the container runs whatever id the name points to now."""
        self.calls.append(f"restart {unit}")
        made = self.owned[unit]
        now = self.images[made.image].id
        self.starts += 1
        self.looks = 0
        if now in self.never:
            self.containers.pop(made.name, None)
            self.unit_states[unit] = "activating"
        else:
            self.containers[made.name] = replace(made, image_id=now)
            self.unit_states[unit] = "failed" if now in self.bad else "active"

    # --- time -------------------------------------------------------------------------------

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def updater(host: Host, state_dir: Path, timeout: float = 120) -> Updater:
    return Updater(
        host, host, timeout=timeout, state_dir=state_dir, clock=host.clock, sleep=host.sleep
    )


def cli_over(host: Host, state_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`unitgen update` run from now on in the test works on HOST, keeps its state in
    STATE_DIR and waits on HOST's clock."""
    from unitgen.update import run as module

    monkeypatch.setattr(module, "connect", lambda *_scope: (host, host))
    made = functools.partial(Updater, state_dir=state_dir, clock=host.clock, sleep=host.sleep)
    monkeypatch.setattr(module, "Updater", made)
