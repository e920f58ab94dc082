"""What `generate --output` says beside the files: how to make them units that can start."""

from __future__ import annotations

from pathlib import Path

from unitgen.plan.generated import output_note


def test_the_note_names_the_missing_helper_and_the_commands_that_make_the_files_start() -> None:
    note = output_note(
        Path("/tmp/u"), 3, ["docker-db.service", "docker-web.service"], helper_present=False
    )
    assert "wrote 3 units into /tmp/u" in note
    assert "/var/lib/unitgen/helper/container-v1, missing here" in note
    assert "copy them into /etc/systemd/system and run `unitgen sync`" in note
    assert "`systemctl start docker-db.service docker-web.service`" in note


def test_with_the_helper_in_place_the_note_does_not_call_it_missing() -> None:
    assert "missing" not in output_note(Path("/u"), 1, ["docker-x.service"], helper_present=True)
