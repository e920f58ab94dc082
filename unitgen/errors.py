"""One error hierarchy; `cli.main` turns it into exit codes (the library never exits)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class UnitgenError(Exception):
    """Base of every error unitgen reports: what went wrong, where, and how to fix it."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}; {self.hint}" if self.hint else self.message


class UsageError(UnitgenError):
    """The command line asks for something that makes no sense."""

    exit_code = 2


class DockerUnavailable(UnitgenError):
    """The Docker engine cannot be reached."""

    exit_code = 3


class ContainerNotFound(UnitgenError):
    """A container (or a container a dependency names) does not exist."""

    exit_code = 4


class PermissionDenied(UnitgenError):
    """The Docker socket or a unit directory refused us."""

    exit_code = 5


class DependencyError(UnitgenError):
    """The dependency graph is unusable: a cycle, or a label naming nothing."""

    exit_code = 6


class UnsafeValue(UnitgenError):
    """A value from a container cannot be written into a unit safely."""

    exit_code = 7


class ForeignUnit(UnitgenError):
    """A unit file exists that unitgen did not make, or that was edited by hand."""

    exit_code = 8


class RecordUnreadable(ForeignUnit):
    """A recreate-mode record (names.RECORD_DIR) is not in the format unitgen writes: edited
    by hand, cut short, or written by another version. The exit code of an edited unit."""


class SystemdFailed(UnitgenError):
    """systemctl reported an error."""

    exit_code = 9


class WriteFailed(UnitgenError):
    """A unit file could not be written or removed."""

    exit_code = 10


class MissingProgram(UnitgenError):
    """A program the units run is not installed on the target system."""

    exit_code = 11


class LockTimeout(UnitgenError):
    """Another unitgen run held the lock for longer than we wait (lock.WAIT_SECONDS)."""

    exit_code = 12


class EngineFailed(UnitgenError):
    """The Docker engine was reached and answered with an error (a 500, a 409 conflict): a
    fault of the engine or of the container's state, not of unitgen. (engine/sdk.py makes it
    from the docker SDK's APIError and from an answer that is malformed.)"""

    exit_code = 13


class TemplateError(UnitgenError):
    """A template override is broken: it adds or drops directives, or loses [X-Unitgen]."""

    exit_code = 14


class Failed(Protocol):
    """A container left out of a run, and why (plan/actions.py's Failure)."""

    @property
    def container(self) -> str: ...
    @property
    def exit_code(self) -> int: ...


class PartlyDone(UnitgenError):
    """Some containers could not be handled; the rest were. Exits with the first one's code."""

    def __init__(self, failed: Sequence[Failed]) -> None:
        names = ", ".join(f"{f.container} (exit {f.exit_code})" for f in failed)
        super().__init__(
            f"{len(failed)} container(s) left out: {names}",
            "each is explained above; the others were done",
        )
        self.exit_code = failed[0].exit_code
        self.failed = list(failed)


INTERRUPTED = 130
"""Ctrl-C (SIGINT): the shell's own 128 + 2."""
DRIFT_FOUND = 20
"""`unitgen drift` found drift. Not an error: the report is the result."""
DOCKER_UNKNOWN = 21
"""`unitgen list` listed the units, but the engine did not answer: their Docker state is
`unknown`. Not an error: what systemd and the unit files say is shown."""
DIFF_FOUND = 1
"""`unitgen diff` found a unit that differs, as diff(1) says it. Not an error."""
UPDATE_ROLLED_BACK = 22
"""`unitgen update` rolled a container back: the new image did not come up, its service runs
the previous one. Not an error of unitgen's: the report says which, and why."""
UPDATE_FAILED = 23
"""`unitgen update` could not update or check a container (a pull failed, a container did
not come back even on its previous image, --dry-run could not ask the registry); other
containers were still done. Worse than UPDATE_ROLLED_BACK, which it wins over."""


EXIT_CODES: dict[int, str] = {
    0: "success (also: nothing to do)",
    1: "internal error (rerun with --debug, report it); `unitgen diff`: a unit differs",
    UsageError.exit_code: "bad command line (also: a malformed container name or id, an "
    "ambiguous id prefix)",
    DockerUnavailable.exit_code: "Docker engine unreachable",
    ContainerNotFound.exit_code: "container not found",
    PermissionDenied.exit_code: "permission denied (Docker socket or unit directory)",
    DependencyError.exit_code: "dependency cycle or unresolvable dependency",
    UnsafeValue.exit_code: "a container value cannot be written into a unit safely",
    ForeignUnit.exit_code: "unit exists and was not made by unitgen, or was edited (use --force)",
    SystemdFailed.exit_code: "systemctl failed",
    WriteFailed.exit_code: "a unit file could not be written or removed",
    MissingProgram.exit_code: "a program the units need is missing (e.g. netcat-openbsd)",
    LockTimeout.exit_code: "another unitgen run holds the lock (it waited 5 minutes)",
    EngineFailed.exit_code: "the Docker engine answered with an error",
    TemplateError.exit_code: "a template override is broken (adds or drops directives)",
    DRIFT_FOUND: "drift found (`unitgen drift`): the units and Docker disagree",
    DOCKER_UNKNOWN: "listed without Docker (`unitgen list`): the engine did not answer",
    UPDATE_ROLLED_BACK: "`unitgen update` rolled a container back to its previous image",
    UPDATE_FAILED: "`unitgen update` could not update or check a container",
    INTERRUPTED: "interrupted (Ctrl-C)",
}
