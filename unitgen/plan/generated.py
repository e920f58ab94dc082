"""What `unitgen generate --output DIR` says beside the files it wrote. Pure.

Units that unitgen writes run its helper (HELPER_PATH), which only `install` and `sync` put in
place. An admin with `podman generate systemd --files` habits copies the files into
/etc/systemd/system and enables them: without the helper they fail at their first start
("Command ... is not executable"), and the container is still under Docker's restart policy,
so two supervisors would fight over it. `sync` fixes both at once for units it finds there."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from unitgen.units.scope import SYSTEM, Scope


def output_note(
    directory: Path,
    written: int,
    containers: Sequence[str],
    *,
    helper_present: bool,
    scope: Scope = SYSTEM,
) -> str:
    """How to use the WRITTEN unit files in DIRECTORY (CONTAINERS: the containers' units);
    SCOPE: whose manager they are for (--user: the user's own directories and commands)."""
    where = "" if helper_present else ", missing here"
    flag = " --user" if scope.user else ""
    return (
        f"wrote {written} units into {directory}. They run {scope.helper}{where}, which "
        f"`unitgen install{flag}` and `unitgen sync{flag}` write: to use these files, copy them "
        f"into {scope.unit_dir} and run `unitgen sync{flag}` (it writes the helper, enables the "
        "units and hands each container over from Docker's restart policy), then "
        f"`{scope.systemctl} start {' '.join(containers)}`; or run `unitgen install{flag}` for "
        "the containers."
    )
