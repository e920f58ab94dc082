"""Image updates (`unitgen update`): given facts, what to do and what to report (pure).

A container takes part when it is labelled `unitgen.auto-update=registry` and its unit owns it
(recreate mode: the label `unitgen.unit=UNIT` on the live container, since that unit creates
the container from its record, which names the image by name). The run pulls the name; a new
id means: restart the unit, wait until the container is up on it, else tag the previous id
back to the name, restart again and remember the new id as rejected. `update/run.py` carries
this out; everything it decides is here, as functions of what it read.

Its memory of one container is here too (`Rejected`): the image ids it rolled back from, so
a later run leaves them alone, and the update under way, so a run cut off before it judged
the new image is finished by the next. One small JSON file per container under STATE_DIR,
written atomically by update/run.py; `apt purge` removes it with /var/lib/unitgen.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from unitgen.errors import UPDATE_FAILED, UPDATE_ROLLED_BACK
from unitgen.model import ContainerSpec, ContainerState, Image, ImageName
from unitgen.units.names import UNIT_LABEL

STATE_DIR = Path("/var/lib/unitgen/update")
REJECTED_KEPT = 20
STATE_VERSION = 1


@dataclass(frozen=True)
class Rejected:
    """The image ids (and their registry digests) an update rolled back from; and the update
    under way, (new id, previous id), written before the unit restarts on the new image, so
    that a run cut off before it could judge it (a reboot, a kill) is finished by the next."""

    ids: tuple[str, ...] = ()
    digests: tuple[str, ...] = ()
    trying: tuple[str, str] | None = None

    def adding(self, image_id: str, digest: str | None) -> Rejected:
        ids = (*(i for i in self.ids if i != image_id), image_id)
        digests = (*(d for d in self.digests if d != digest), *((digest,) if digest else ()))
        return Rejected(ids[-REJECTED_KEPT:], digests[-REJECTED_KEPT:])

    def under_way(self, new_id: str, previous_id: str) -> Rejected:
        return Rejected(self.ids, self.digests, (new_id, previous_id))

    def settled(self) -> Rejected:
        return Rejected(self.ids, self.digests)

    @property
    def empty(self) -> bool:
        return not (self.ids or self.trying)


def state_path(state_dir: Path, container: str) -> Path:
    return state_dir / f"{container}.json"


def state_text(container: str, rejected: Rejected) -> str:
    document = {
        "version": STATE_VERSION,
        "container": container,
        "rejected_ids": list(rejected.ids),
        "rejected_digests": list(rejected.digests),
    }
    if rejected.trying:
        document["trying"] = {"id": rejected.trying[0], "previous_id": rejected.trying[1]}
    return json.dumps(document, indent=2) + "\n"


def parse_state(text: str) -> Rejected:
    """What a state file holds; ValueError when it is not one."""
    document = json.loads(text)
    if not isinstance(document, dict) or document.get("version") != STATE_VERSION:
        raise ValueError("not a version-1 unitgen update state")
    ids, digests = document.get("rejected_ids"), document.get("rejected_digests")
    if not isinstance(ids, list) or not isinstance(digests, list):
        raise ValueError("rejected_ids and rejected_digests must be arrays")
    if not all(isinstance(x, str) for x in [*ids, *digests]):
        raise ValueError("rejected ids and digests must be strings")
    trying = document.get("trying")
    if trying is None:
        return Rejected(tuple(ids), tuple(digests))
    new = trying.get("id") if isinstance(trying, dict) else None
    previous = trying.get("previous_id") if isinstance(trying, dict) else None
    if not (isinstance(new, str) and new and isinstance(previous, str) and previous):
        raise ValueError("trying must hold the strings id and previous_id")
    return Rejected(tuple(ids), tuple(digests), (new, previous))


AUTO_UPDATE_LABEL = "unitgen.auto-update"
REGISTRY = "registry"  # the one policy: the image's own registry, by the name it was run as
DEFAULT_TIMEOUT = 120
# A container counts as up once it has kept running (healthy, with a health check) on the
# wanted image, without restarting, this long: one that crashes a second after it starts
# would otherwise pass for a good update.
STEADY_SECONDS = 5.0

Result = Literal[
    "updated", "unchanged", "rolled-back", "failed", "skipped", "update-available", "cannot-check"
]
UPDATED: Final = "updated"
UNCHANGED: Final = "unchanged"
ROLLED_BACK: Final = "rolled-back"
FAILED: Final = "failed"
SKIPPED: Final = "skipped"
AVAILABLE: Final = "update-available"
CANNOT_CHECK: Final = "cannot-check"
RESULTS = (UPDATED, UNCHANGED, ROLLED_BACK, FAILED, SKIPPED, AVAILABLE, CANNOT_CHECK)
# The results after which the line gives a reason (`skipped: why`); the others say what
# changed in brackets (`updated (a -> b)`).
_WITH_REASON = (FAILED, SKIPPED, CANNOT_CHECK)


@dataclass(frozen=True)
class Target:
    """A container an update acts on."""

    container: str
    unit: str
    image: ImageName
    image_id: str  # what it runs
    health_check: bool


@dataclass(frozen=True)
class Outcome:
    """What became of one container: a result of RESULTS and why, with the ids involved."""

    container: str
    result: Result
    why: str = ""
    unit: str | None = None
    image: str | None = None
    previous_id: str | None = None  # the image id it ran when the run began
    running_id: str | None = None  # the image id it runs when the run ends
    offered_id: str | None = None  # what the registry offered, pulled
    offered_digest: str | None = None  # the registry's digest for the name
    running_digest: str | None = None  # the digest of what it runs, in that registry

    @property
    def line(self) -> str:
        said = self.result.replace("-", " ")
        if not self.why:
            return f"{self.container}: {said}"
        if self.result in _WITH_REASON:
            return f"{self.container}: {said}: {self.why}"
        return f"{self.container}: {said} ({self.why})"


@dataclass(frozen=True)
class Seen:
    """The container and its unit at one look, while an update waits for it."""

    image_id: str | None  # None: there is no container of that name (being recreated)
    state: ContainerState | None = None
    unit_state: str = "unknown"  # the unit's ActiveState


@dataclass(frozen=True)
class Verdict:
    """How a look at the container went: up (on the wanted image), down (it will not come
    up: give up now) or waiting, and why."""

    kind: Literal["up", "down", "waiting"]
    why: str = field(default="")


def short(image_id: str | None) -> str:
    """sha256:0123456789ab: an id or digest as a person reads it."""
    if not image_id:
        return "none"
    algo, _, hexa = image_id.rpartition(":")
    return f"{algo}:{hexa[:12]}" if algo else hexa[:12]


def image_name(ref: str, image_id: str = "") -> ImageName | None:
    """The name REF (a container's Config.Image) pulls, or None: pinned by a digest, or the
    container was made from an image id (IMAGE_ID: what it runs), so no name to pull."""
    if not ref or "@" in ref or ref.startswith("sha256:"):
        return None
    if re.fullmatch(r"[0-9a-f]{4,64}", ref) and image_id.removeprefix("sha256:").startswith(ref):
        return None
    slash, colon = ref.rfind("/"), ref.rfind(":")
    if colon > slash:
        return ImageName(ref[:colon], ref[colon + 1 :])
    return ImageName(ref, "latest")


def select(spec: ContainerSpec, unit_state: str | None = None) -> Target | Outcome:
    """The container as an update Target, or why it is skipped. UNIT_STATE: its unit's
    ActiveState (None for a dry run, which restarts nothing)."""
    policy = spec.label(AUTO_UPDATE_LABEL)
    unit = spec.label(UNIT_LABEL) or None

    def skipped(why: str) -> Outcome:
        running = spec.image_id or None
        return Outcome(spec.name, SKIPPED, why, unit, spec.image, running, running)

    if policy is None:
        return skipped(f"not labelled {AUTO_UPDATE_LABEL}={REGISTRY}")
    if policy != REGISTRY:
        return skipped(
            f"{AUTO_UPDATE_LABEL}={policy} is not a policy unitgen knows (fix: label it "
            f"{AUTO_UPDATE_LABEL}={REGISTRY})"
        )
    if unit is None:
        return skipped(f"not in recreate mode (fix: unitgen install --recreate {spec.name})")
    name = image_name(spec.image, spec.image_id)
    if name is None:
        return skipped(f"its image {spec.image} is pinned by digest or id: no name to pull")
    if unit_state is not None and unit_state != "active":
        return skipped(
            f"{unit} is {unit_state}: an update is checked on a running service "
            f"(fix: systemctl start {unit})"
        )
    return Target(spec.name, unit, name, spec.image_id, spec.health is not None)


_AS_BEFORE = "as before"  # running_id: the id it ran when the run began


def _outcome(
    target: Target,
    result: Result,
    why: str = "",
    *,
    running_id: str | None = _AS_BEFORE,
    offered_id: str | None = None,
    offered_digest: str | None = None,
    running_digest: str | None = None,
) -> Outcome:
    return Outcome(
        target.container,
        result,
        why,
        target.unit,
        str(target.image),
        previous_id=target.image_id,
        running_id=target.image_id if running_id == _AS_BEFORE else running_id,
        offered_id=offered_id,
        offered_digest=offered_digest,
        running_digest=running_digest,
    )


def after_pull(target: Target, pulled: Image, rejected: Rejected) -> Outcome | None:
    """What the pull says: None when the unit is to restart on the new image; else the
    outcome (the same id; or an id rolled back from earlier, which the run tags back away
    from the name, so that no later start of the unit runs it)."""
    if pulled.id == target.image_id:
        why = ""
    elif pulled.id in rejected.ids:
        why = f"{short(pulled.id)} rejected earlier"
    else:
        return None
    digest = pulled.digest_for(target.image.repo)
    return _outcome(target, UNCHANGED, why, offered_id=pulled.id, offered_digest=digest)


def updated(target: Target, pulled: Image) -> Outcome:
    return _outcome(
        target,
        UPDATED,
        f"{short(target.image_id)} -> {short(pulled.id)}",
        running_id=pulled.id,
        offered_id=pulled.id,
        offered_digest=pulled.digest_for(target.image.repo),
    )


def rolled_back(target: Target, pulled: Image, why: str, back_up: str | None) -> Outcome:
    """After the new image failed (WHY) and the previous id was tagged back: BACK_UP is None
    when the container came back up on it, else why it did not (then the run failed)."""
    digest = pulled.digest_for(target.image.repo)
    if back_up is None:
        said = f"to {short(target.image_id)}: {short(pulled.id)} {why}"
        return _outcome(target, ROLLED_BACK, said, offered_id=pulled.id, offered_digest=digest)
    said = (
        f"{short(pulled.id)} {why}; rolled back to {short(target.image_id)}, which did not "
        f"come back either: {back_up} (fix: systemctl status {target.unit})"
    )
    return _outcome(
        target, FAILED, said, running_id=None, offered_id=pulled.id, offered_digest=digest
    )


def failed(target: Target, why: str, *, running_id: str | None = None) -> Outcome:
    return _outcome(target, FAILED, why, running_id=running_id or target.image_id)


def judge(seen: Seen, wanted_id: str, health_check: bool) -> Verdict:
    """Whether the container is up on WANTED_ID: running, healthy when it has a health check,
    its unit active. Exited on that image, or unhealthy, is down: no need to wait longer."""
    if seen.image_id is None or seen.state is None:
        return Verdict("waiting", "there is no container yet")
    state = seen.state
    if seen.image_id != wanted_id:
        return Verdict("waiting", f"the container still runs {short(seen.image_id)}")
    if state.status in ("exited", "dead"):
        return Verdict("down", f"exited with code {state.exit_code}")
    if state.status != "running":
        return Verdict("waiting", f"the container is {state.status}")
    if health_check and state.health == "unhealthy":
        return Verdict("down", "is unhealthy")
    if health_check and state.health != "healthy":
        return Verdict("waiting", f"its health is {state.health or 'unknown'}")
    if seen.unit_state != "active":
        return Verdict("waiting", f"the unit is {seen.unit_state}")
    return Verdict("up")


def checked(
    target: Target,
    running: Image | None,
    offered: str | None,
    problem: str | None,
    rejected: Rejected,
) -> Outcome:
    """--dry-run: the registry's digest for the name (OFFERED; PROBLEM: why it could not be
    asked) against the digest of the image the container runs (RUNNING)."""
    if problem is not None or offered is None:
        return _outcome(target, CANNOT_CHECK, problem or "the registry gave no digest")
    mine = running.digest_for(target.image.repo) if running else None
    result: Result
    if mine is None:
        result, why = (
            CANNOT_CHECK,
            (
                f"{short(target.image_id)} has no digest from {target.image.repo}: it was not "
                "pulled from there (fix: unitgen update, which pulls it)"
            ),
        )
    elif offered == mine:
        result, why = UNCHANGED, ""
    elif offered in rejected.digests:
        result, why = UNCHANGED, f"{short(offered)} rejected earlier"
    else:
        result, why = AVAILABLE, f"{short(mine)} -> {short(offered)}"
    return _outcome(target, result, why, offered_digest=offered, running_digest=mine)


def exit_code(outcomes: list[Outcome]) -> int:
    """0 unless a container failed (or could not be checked): UPDATE_FAILED, or was rolled
    back: UPDATE_ROLLED_BACK (its service runs the previous image)."""
    results = {o.result for o in outcomes}
    if results & {FAILED, CANNOT_CHECK}:
        return UPDATE_FAILED
    if ROLLED_BACK in results:
        return UPDATE_ROLLED_BACK
    return 0


# --- the report -----------------------------------------------------------------------------


def as_json(outcomes: list[Outcome], *, dry_run: bool) -> str:
    """The `update` document (unitgen.schemas.UPDATE)."""
    from unitgen.schemas import VERSION

    containers = [
        {
            "container": o.container,
            "unit": o.unit,
            "image": o.image,
            "result": o.result,
            "why": o.why,
            "previous_id": o.previous_id,
            "running_id": o.running_id,
            "offered_id": o.offered_id,
            "offered_digest": o.offered_digest,
            "running_digest": o.running_digest,
        }
        for o in outcomes
    ]
    document = {
        "version": VERSION,
        "dry_run": dry_run,
        "exit_code": exit_code(outcomes),
        "containers": containers,
    }
    return json.dumps(document, indent=2)
