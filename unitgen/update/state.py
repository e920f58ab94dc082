"""`unitgen update`'s memory of one container (pure): the image ids it rolled back from, so
a later run leaves them alone, and the update under way, so a run cut off before it judged
the new image is finished by the next. One small JSON file per container under STATE_DIR,
written atomically by updater.py; `apt purge` removes it with /var/lib/unitgen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

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
