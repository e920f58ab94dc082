"""The helper every unit runs (`helper.sh`, written to names.HELPER_PATH), as data.

Why a file and not inline scripts: `systemctl cat docker-web` then shows three short lines an
admin can read, and the helper itself is one commented, shellchecked program, tested against
a fake engine (tests/unit/test_helper.py). unitgen writes it itself (not the package), so an
install from source and a unit written into an image root work the same way; `apt remove`
keeps it (like the units in /etc), purge removes it after handing every container back.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

HELPER_MODE = 0o755


@cache
def text() -> str:
    return (Path(__file__).resolve().parent / "helper.sh").read_text(encoding="utf-8")


@cache
def digest() -> str:
    """sha256 of the helper this unitgen writes; units record it as HelperHash=."""
    return "sha256:" + hashlib.sha256(text().encode()).hexdigest()


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()
