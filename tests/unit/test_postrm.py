"""postrm is shell (it runs when unitgen may be gone): its names must be unitgen's own."""

from __future__ import annotations

import re

from tests.conftest import REPO
from unitgen.units import names

POSTRM = REPO / "packaging/debian/postrm"


def postrm_names() -> dict[str, str]:
    """The NAME=value lines of postrm's names block (before its first `if`)."""
    head = POSTRM.read_text().split("\nif ", 1)[0]
    return dict(re.findall(r"^([A-Z_]+)=(\S+)$", head, re.M))


def test_postrm_uses_the_names_unitgen_writes() -> None:
    assert postrm_names() == {
        "UNIT_DIR": str(names.UNIT_DIR),
        "CONTAINER_PREFIX": names.CONTAINER_PREFIX,
        "NETWORK_PREFIX": names.NETWORK_PREFIX,
        "X_SECTION": names.X_SECTION,
        "CONTAINER_KEY": names.CONTAINER_KEY,
        "POLICY_KEY": names.POLICY_KEY,
        "HELPER_PATH": str(names.HELPER_PATH),
        "CACHE_DIR": str(names.CACHE_DIR),
        "RECORD_DIR": str(names.RECORD_DIR),
    }


def test_postrm_spells_no_name_outside_its_names_block() -> None:
    body = POSTRM.read_text().split("\nif ", 1)[1]
    for value in postrm_names().values():
        assert value not in body, f"postrm spells {value!r}: use its variable"
