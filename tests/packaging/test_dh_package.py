"""dh-unitgen, the debhelper add-on built from unitgen's source: it builds lintian-clean beside
unitgen (packaging/build-deb.sh fails otherwise), ships what debhelper looks for where it looks,
and the example package built with it (lintian-clean too) has dh_unitgen's snippets in its
maintainer scripts and depends on unitgen."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytestmark = [pytest.mark.deb]


def field(deb: Path, name: str) -> str:
    return subprocess.run(
        ["dpkg-deb", "-f", str(deb), name], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_dh_unitgen_ships_the_command_its_man_page_the_sequence_and_the_snippets(
    dh_deb: Path,
) -> None:
    files = subprocess.run(
        ["dpkg-deb", "-c", str(dh_deb)], capture_output=True, text=True, check=True
    ).stdout
    for path in (
        "./usr/bin/dh_unitgen",
        "./usr/share/man/man1/dh_unitgen.1.gz",
        "./usr/share/perl5/Debian/Debhelper/Sequence/unitgen.pm",
        "./usr/share/debhelper/autoscripts/postinst-unitgen",
        "./usr/share/debhelper/autoscripts/prerm-unitgen",
        "./usr/share/debhelper/autoscripts/postrm-unitgen",
        "./usr/share/debhelper/autoscripts/postrm-unitgen-reload",
    ):
        assert path in files, path
    assert field(dh_deb, "Architecture") == "all"
    assert field(dh_deb, "Provides") == "dh-sequence-unitgen"
    assert "debhelper" in field(dh_deb, "Depends").split(", ")


def test_the_example_built_with_it_depends_on_unitgen_and_has_its_snippets(
    example: Path, tmp_path: Path
) -> None:
    assert field(example, "Depends").split(", ")[0] == "unitgen (>= 0.1.0)"
    subprocess.run(["dpkg-deb", "-e", str(example), str(tmp_path)], check=True)
    postinst = (tmp_path / "postinst").read_text()
    # The package's own part (creating its container) first, then dh_unitgen's.
    assert postinst.index("docker create") < postinst.index("'--stop-timeout=5' 'hello-web'")
    assert "deb-systemd-invoke stop 'docker-hello-web.service'" in (tmp_path / "prerm").read_text()
    postrm = (tmp_path / "postrm").read_text()
    assert postrm.index("unitgen uninstall --force 'hello-web'") < postrm.index("docker rm -f")
