"""unitgen's logger, made on first use (stderr, and the journal where systemd runs).

`logging` costs ~6 ms to import, a twentieth of `unitgen generate NAME`'s whole start-up,
which logs nothing unless asked: debug() returns at once without --debug, and the logger is
only built, with its handlers, when something is to be said.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging


def _never() -> bool:
    return False


_settings = {"debug": False, "quiet": False}
# Whether the journal takes the log too: asked when the logger is made, of systemd
# (host/systemd.py `booted`, which the CLI hands in: the vocabulary asks no host itself).
_journal: list[Callable[[], bool]] = [_never]
_logger: list[logging.Logger] = []


def configure(*, debug: bool, quiet: bool, journal: Callable[[], bool] = _never) -> None:
    """What `unitgen --debug` and `--quiet` ask for, and whether systemd runs (then the
    journal gets the log too); applies when the logger is made."""
    _settings.update(debug=debug, quiet=quiet)
    _journal[:] = [journal]
    _logger.clear()


def get() -> logging.Logger:
    """The "unitgen" logger: to stderr as `unitgen: MESSAGE` (warnings and errors only under
    --quiet), and at level info to the journal where systemd runs."""
    import logging

    if _logger:
        return _logger[0]
    debug, quiet = _settings["debug"], _settings["quiet"]
    logger = logging.getLogger("unitgen")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("unitgen: %(message)s"))
    # --quiet leaves out what is only informational on stderr; the journal still gets it.
    handler.setLevel(logging.WARNING if quiet and not debug else logging.DEBUG)
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if debug else logging.INFO)
    logger.propagate = False
    _logger.append(logger)
    if _journal[0]():
        try:
            from systemd.journal import JournalHandler
        except ImportError:
            return logger
        journal = JournalHandler(SYSLOG_IDENTIFIER="unitgen")
        journal.setLevel(logging.INFO)
        logger.addHandler(journal)
    return logger


def debug(message: str, *args: object) -> None:
    """A step, said only under --debug (nothing is imported otherwise)."""
    if _settings["debug"]:
        get().debug(message, *args)
