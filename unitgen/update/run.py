"""`unitgen update` carried out: the reads, pulls, tags, restarts and waits around the
decisions of unitgen.update.decide. The engine and systemd are handed in (DockerSource and
Systemctl by `connect`), and so are the clock and the pause, so that every path, rollback
included, is tested without a host.

One container at a time, each under the lock that install and sync take: its image is pulled
by name; a new id restarts its unit (queued, `--no-block`) and is watched until the container
is up on it within the timeout, then for STEADY_SECONDS more; otherwise the previous id is
tagged back to the name, the new one is remembered as rejected (before the second restart,
so that a run killed half way still knows it) and the unit restarts again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from unitgen.errors import (
    DockerUnavailable,
    EngineFailed,
    PermissionDenied,
    SystemdFailed,
    UnitgenError,
)
from unitgen.model import ContainerSpec, ContainerState, Image, ImageName
from unitgen.units.names import UNIT_LABEL
from unitgen.units.scope import SYSTEM, Scope
from unitgen.update.decide import (
    AUTO_UPDATE_LABEL,
    DEFAULT_TIMEOUT,
    FAILED,
    STATE_DIR,
    STEADY_SECONDS,
    Outcome,
    Rejected,
    Seen,
    Target,
    after_pull,
    checked,
    failed,
    judge,
    parse_state,
    rolled_back,
    select,
    short,
    state_path,
    state_text,
    updated,
)


class Engine(Protocol):
    """What an update asks of the engine (DockerSource)."""

    def resolve(self, ref: str) -> str | None: ...
    def container_now(self, ref: str) -> tuple[ContainerSpec, ContainerState] | None: ...
    def labelled(self, label: str) -> list[str]: ...
    def image(self, ref: str) -> Image | None: ...
    def pull(self, name: ImageName, timeout: float | None) -> None: ...
    def tag(self, image_id: str, name: ImageName) -> None: ...
    def registry_digest(self, name: ImageName) -> str | None: ...


class Units(Protocol):
    """What an update asks of systemd (Systemctl)."""

    online: bool

    def active_states(self, units: Sequence[str]) -> Mapping[str, str]: ...
    def restart_queued(self, unit: str) -> None: ...


def connect(scope: Scope = SYSTEM) -> tuple[Engine, Units]:
    """This host's engine and systemd (SCOPE: the system's, or a user's own manager and
    rootless engine)."""
    from unitgen.engine.source import DockerSource
    from unitgen.host.systemd import Systemctl, is_online

    root = Path("/")
    online = is_online(root, scope)
    return (
        DockerSource(default_socket=scope.default_socket),
        Systemctl(root, online=online, scope=scope),
    )


def _quiet(_line: str) -> None:
    pass


@dataclass
class Updater:
    engine: Engine
    units: Units
    timeout: float = DEFAULT_TIMEOUT
    state_dir: Path = STATE_DIR
    steady: float = STEADY_SECONDS
    poll: float = 0.5
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    report: Callable[[str], None] = field(default=_quiet)

    def names(self, refs: Sequence[str]) -> list[str]:
        """The containers REFS name (names, ids, id prefixes); none: every container labelled
        unitgen.auto-update, whatever the value (a wrong one is reported, not ignored)."""
        if refs:
            from unitgen.engine.refs import resolve

            return resolve(refs, self.engine)
        return self.engine.labelled(AUTO_UPDATE_LABEL)

    def run(self, names: Sequence[str], *, dry_run: bool) -> list[Outcome]:
        if not dry_run and not self.units.online:
            raise SystemdFailed(
                "unitgen update restarts units, and systemd is not running here",
                "run it on the booted host; --dry-run only asks the registries",
            )
        return [self.one(name, dry_run=dry_run) for name in names]

    def one(self, name: str, *, dry_run: bool) -> Outcome:
        """One container, whatever happens to it: an error of its own is its outcome; an
        engine that cannot be reached at all ends the run."""
        try:
            found = self.engine.container_now(name)
            if found is None:
                return Outcome(name, FAILED, "the container is gone")
            spec, _ = found
            unit = spec.label(UNIT_LABEL)
            state = None if dry_run or not unit else self.units.active_states([unit])[unit]
            chosen = select(spec, state)
            if isinstance(chosen, Outcome):
                return chosen
            rejected = self._rejected(chosen.container)
            return self._check(chosen, rejected) if dry_run else self._update(chosen, rejected)
        except (DockerUnavailable, PermissionDenied):
            raise
        except UnitgenError as exc:
            return Outcome(name, FAILED, str(exc))

    def _check(self, target: Target, rejected: Rejected) -> Outcome:
        running = self.engine.image(target.image_id)
        try:
            offered = self.engine.registry_digest(target.image)
        except EngineFailed as exc:
            return checked(target, running, None, str(exc), rejected)
        return checked(target, running, offered, None, rejected)

    def _update(self, target: Target, rejected: Rejected) -> Outcome:
        from unitgen.host.lock import exclusive

        with exclusive(self.report):
            if rejected.trying and rejected.trying[0] == target.image_id:
                return self._resume(target, rejected, *rejected.trying)
            rejected = rejected.settled()  # one cut off after its rollback: nothing to finish
            self.report(f"{target.container}: pulling {target.image}")
            try:
                self.engine.pull(target.image, self.timeout)
            except EngineFailed as exc:
                return failed(target, str(exc))
            pulled = self.engine.image(str(target.image))
            if pulled is None:
                return failed(target, f"{target.image} is not there after the pull")
            done = after_pull(target, pulled, rejected)
            if done is not None:
                if pulled.id != target.image_id:  # rejected earlier: keep it off the name
                    self.engine.tag(target.image_id, target.image)
                return done
            return self._restart(target, pulled, rejected)

    def _restart(self, target: Target, pulled: Image, rejected: Rejected) -> Outcome:
        self.report(f"{target.container}: restarting {target.unit} on {short(pulled.id)}")
        self._remember(target.container, rejected.under_way(pulled.id, target.image_id))
        self.units.restart_queued(target.unit)
        why = self._wait(target, pulled.id)
        if why is None:
            self._remember(target.container, rejected)
            return updated(target, pulled)
        return self._roll_back(target, pulled, why, rejected)

    def _resume(self, target: Target, rejected: Rejected, new: str, previous: str) -> Outcome:
        """The container runs NEW, which a run cut off was trying: judge it as that run would
        have, then keep it or roll back to PREVIOUS, the image it ran before."""
        self.report(f"{target.container}: finishing an update to {short(new)} that was cut off")
        pulled = self.engine.image(new) or Image(new)
        before = replace(target, image_id=previous)
        why = self._wait(target, new)
        if why is None:
            self._remember(target.container, rejected.settled())
            return updated(before, pulled)
        return self._roll_back(before, pulled, why, rejected)

    def _roll_back(self, target: Target, pulled: Image, why: str, rejected: Rejected) -> Outcome:
        """PULLED failed (WHY): tag TARGET's image id back to the name and restart on it."""
        self.report(
            f"{target.container}: {short(pulled.id)} {why}; "
            f"rolling back to {short(target.image_id)}"
        )
        digest = pulled.digest_for(target.image.repo)
        self._remember(target.container, rejected.adding(pulled.id, digest))
        self.engine.tag(target.image_id, target.image)
        self.units.restart_queued(target.unit)
        return rolled_back(target, pulled, why, self._wait(target, target.image_id))

    def _wait(self, target: Target, wanted: str) -> str | None:
        """None once the container is up on WANTED (within the timeout) and has stayed up,
        not restarted, for `steady` seconds more; else why not."""
        deadline = self.clock() + self.timeout
        up_since: tuple[str, float] | None = None  # (StartedAt, when first seen up)
        last = "nothing seen yet"
        while True:
            seen = self._look(target)
            verdict = judge(seen, wanted, target.health_check)
            now = self.clock()
            if verdict.kind == "down":
                return verdict.why
            if verdict.kind == "up" and seen.state is not None:
                if up_since is None or up_since[0] != seen.state.started_at:
                    up_since = (seen.state.started_at, now)
                if now - up_since[1] >= self.steady:
                    return None
            else:
                up_since, last = None, verdict.why
                if now >= deadline:
                    return f"was not up within {self.timeout:g} s ({last})"
            self.sleep(self.poll)

    def _look(self, target: Target) -> Seen:
        try:
            state = self.units.active_states([target.unit]).get(target.unit, "unknown")
            found = self.engine.container_now(target.container)
        except UnitgenError as exc:  # an engine restarting, a busy systemd: look again
            return Seen(None, None, f"unknown ({exc})")
        if found is None:
            return Seen(None, None, state)
        spec, container = found
        return Seen(spec.image_id, container, state)

    def _rejected(self, container: str) -> Rejected:
        path = state_path(self.state_dir, container)
        try:
            return parse_state(path.read_text())
        except FileNotFoundError:
            return Rejected()
        except (OSError, ValueError) as exc:
            raise UnitgenError(
                f"cannot read {path}: {exc}",
                "remove it (the image ids rolled back from so far are then forgotten)",
            ) from exc

    def _remember(self, container: str, rejected: Rejected) -> None:
        """Write what REJECTED holds; nothing to hold removes the file."""
        from unitgen.host.apply import atomic_write_many, remove

        path = state_path(self.state_dir, container)
        if rejected.empty:
            remove(path)
            return
        atomic_write_many([(path, state_text(container, rejected))])
