"""What `unitgen generate --output DIR` says beside the files it wrote. Pure.

Units that unitgen writes run its helper (HELPER_PATH), which only `install` and `sync` put in
place. An admin with `podman generate systemd --files` habits copies the files into
/etc/systemd/system and enables them: without the helper they fail at their first start
("Command ... is not executable"), and the container is still under Docker's restart policy,
so two supervisors would fight over it. `sync` fixes both at once for units it finds there."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from unitgen.units.names import HELPER_PATH


def output_note(
    directory: Path, written: int, containers: Sequence[str], *, helper_present: bool
) -> str:
    """How to use the WRITTEN unit files in DIRECTORY (CONTAINERS: the containers' units)."""
    where = "" if helper_present else ", missing here"
    return (
        f"wrote {written} units into {directory}. They run {HELPER_PATH}{where}, which "
        "`unitgen install` and `unitgen sync` write: to use these files, copy them into "
        "/etc/systemd/system and run `unitgen sync` (it writes the helper, enables the units "
        "and hands each container over from Docker's restart policy), then "
        f"`systemctl start {' '.join(containers)}`; or run `unitgen install` for the containers."
    )
