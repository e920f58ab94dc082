"""dh_unitgen (packaging/dh) run by this machine's debhelper on a scratch source package: what
it puts in each maintainer script and misc:Depends, debhelper's -p/-N/--no-act, the lines of
debian/PACKAGE.unitgen it refuses, and that it agrees with unitgen on names and options. What the
snippets do on a machine is tests/fullhost/test_dh_unitgen.py's."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, need
from unitgen import __version__
from unitgen.model import CONTAINER_NAME_RE
from unitgen.units import names

DH = REPO / "packaging/dh"
COMMAND = DH / "dh_unitgen"
CONTROL = """\
Source: src
Maintainer: x <x@example.invalid>
Build-Depends: debhelper-compat (= 13)

Package: web
Architecture: all
Description: web
 web

Package: other
Architecture: all
Description: other
 other
"""
# How the postinst snippet calls unitgen install: --keep-disabled after the first installation.
INSTALL = 'unitgen install ${_dh_unitgen_keep:+"$_dh_unitgen_keep"}'
# What a refused option's message lists.
OPTIONS = (
    "(--after, --logs, --mode, --on-unhealthy, --recreate, --reload-cmd, --reload-signal, "
    "--requires, --restart-sec, --stop-timeout, --wanted-by, --wants)"
)
CHANGELOG = """\
src (1.0) unstable; urgency=medium

  * x

 -- x <x@example.invalid>  Sat, 28 Nov 2026 20:00:00 +0000
"""


@pytest.fixture
def source(tmp_path: Path) -> Path:
    (tmp_path / "debian").mkdir()
    (tmp_path / "debian/control").write_text(CONTROL)
    (tmp_path / "debian/changelog").write_text(CHANGELOG)
    (tmp_path / "debian/web.unitgen").write_text(
        "# comment\nweb1 --stop-timeout=5 --after srv-data.mount\n\ndb1 --recreate\n"
    )
    (tmp_path / "debian/other.unitgen").write_text("other1\n")
    return tmp_path


def dh_unitgen(source: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The checkout's dh_unitgen, its add-on and snippets found as installed ones would be
    (DH_DATAFILES is debhelper's own way to test autoscripts)."""
    need("debhelper", shutil.which("dh_installsystemd") is not None)
    env = {**os.environ, "DH_DATAFILES": str(DH), "PERL5LIB": str(DH)}
    done = subprocess.run(
        [str(COMMAND), *args], cwd=source, env=env, capture_output=True, text=True, check=False
    )
    if check:
        assert done.returncode == 0, done.stderr
    return done


def made(source: Path) -> list[str]:
    return sorted(
        p.name for p in (source / "debian").iterdir() if p.name.endswith(("debhelper", "substvars"))
    )


def test_each_container_gets_its_snippets_and_the_package_depends_on_unitgen(
    source: Path,
) -> None:
    dh_unitgen(source, "-p", "web")
    debian = source / "debian"
    postinst = (debian / "web.postinst.debhelper").read_text()
    assert f"{INSTALL} '--stop-timeout=5' '--after=srv-data.mount' 'web1' 2>&1" in postinst
    assert f"{INSTALL} '--recreate' 'db1' 2>&1" in postinst
    assert postinst.index("'web1'") < postinst.index("'db1'")  # in the file's order
    prerm = (debian / "web.prerm.debhelper").read_text()
    assert "deb-systemd-invoke stop 'docker-web1.service'" in prerm
    postrm = (debian / "web.postrm.debhelper").read_text()
    assert "unitgen uninstall --force 'db1'" in postrm
    # Removal runs in reverse, and the reload comes after every unit has gone.
    assert prerm.index("'docker-db1.service'") < prerm.index("'docker-web1.service'")
    assert postrm.rindex("daemon-reload") > postrm.rindex("uninstall")
    assert (debian / "web.substvars").read_text() == "misc:Depends=unitgen (>= 0.1.0)\n"
    assert "# Automatically added by dh_unitgen/" in postinst


def test_minus_p_and_minus_n_choose_the_packages(source: Path) -> None:
    dh_unitgen(source, "-N", "web")
    assert made(source) == [
        "other.postinst.debhelper",
        "other.postrm.debhelper",
        "other.prerm.debhelper",
        "other.substvars",
    ]


def test_no_act_writes_nothing(source: Path) -> None:
    dh_unitgen(source, "--no-act")
    assert made(source) == []


def test_a_package_without_a_unitgen_file_gets_nothing(source: Path) -> None:
    (source / "debian/other.unitgen").unlink()
    dh_unitgen(source)
    assert not any(name.startswith("other.") for name in made(source))


def test_no_start_is_passed_to_unitgen_install(source: Path) -> None:
    dh_unitgen(source, "-p", "other", "--no-start")
    postinst = (source / "debian/other.postinst.debhelper").read_text()
    assert f"{INSTALL} --no-start  'other1' 2>&1" in postinst


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("web1 --force", f'web1: "--force" is not a generator option of unitgen install {OPTIONS}'),
        (
            "web1 --root=/srv",
            f'web1: "--root=/srv" is not a generator option of unitgen install {OPTIONS}',
        ),
        ("web1 --stop-timeout", "web1: --stop-timeout needs a value"),
        ("web1 --recreate=yes", "web1: --recreate takes no value"),
        ("web1 --after=it's.mount", "web1: --after: a quote cannot be in a value"),
        ("-web1", '"-web1" is not a Docker container name ([a-zA-Z0-9][a-zA-Z0-9_.-]+)'),
        ("web1\nweb1", "web1 is listed twice"),
    ],
)
def test_a_line_unitgen_would_not_take_fails_the_build_naming_it(
    source: Path, line: str, error: str
) -> None:
    (source / "debian/web.unitgen").write_text(line + "\n")
    done = dh_unitgen(source, "-p", "web", check=False)
    assert done.returncode != 0
    assert done.stderr == f"dh_unitgen: error: debian/web.unitgen: {error}\n"


def test_the_snippets_are_shellcheck_clean_in_a_maintainer_script(source: Path) -> None:
    need("shellcheck", shutil.which("shellcheck") is not None)
    dh_unitgen(source, "-p", "web")
    for script in ("postinst", "prerm", "postrm"):
        body = (source / f"debian/web.{script}.debhelper").read_text()
        path = source / script
        path.write_text(f"#!/bin/sh\nset -e\n{body}exit 0\n")
        done = subprocess.run(["shellcheck", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, (script, done.stdout)


def test_the_snippets_call_no_systemctl_but_daemon_reload() -> None:
    """lintian's maintainer-script-calls-systemctl, on the snippets themselves."""
    for snippet in (DH / "autoscripts").iterdir():
        for line in snippet.read_text().splitlines():
            if re.match(r"^(?:.+;)?\s*systemctl\b", line):
                assert "daemon-reload" in line, (snippet.name, line)


def test_dh_unitgen_spells_unitgens_names() -> None:
    text = COMMAND.read_text()
    assert f"my $CONTAINER_PREFIX = '{names.CONTAINER_PREFIX}';" in text
    assert f"qr/^{CONTAINER_NAME_RE}$/;" in text
    snippets = {p.name: p.read_text() for p in (DH / "autoscripts").iterdir()}
    assert f"/{names.UNIT_DIR}/" in snippets["postinst-unitgen"]
    assert f"'[{names.X_SECTION}]'" in snippets["postrm-unitgen"]
    assert f"/{str(names.RECORD_DIR).lstrip('/')}/" in snippets["postrm-unitgen"]


def test_the_options_it_takes_are_unitgen_installs_generator_options() -> None:
    from unitgen.cli.main import all_commands

    install = all_commands()["install"]
    offered = {opt for param in install.params for opt in param.opts if opt.startswith("--")}
    # How unitgen runs, not what the unit gets: not the package's to choose per line.
    how = {"--all", "--dry-run", "--json", "--force", "--no-start", "--keep-disabled"}
    how |= {"--root", "--templates", "--user"}  # a package manages the system's units
    lists = re.findall(
        r"my %(?:WITH_VALUE|FLAG) = map \{ \$_ => 1 \} qw\((.*?)\);", COMMAND.read_text(), re.S
    )
    assert len(lists) == 2
    assert {word for words in lists for word in words.split()} == offered - how


def test_the_unitgen_it_depends_on_is_not_newer_than_this_one() -> None:
    found = re.search(r"my \$UNITGEN_MIN_VERSION = '([0-9.]+)';", COMMAND.read_text())
    assert found is not None
    minimum = tuple(int(x) for x in found.group(1).split("."))
    assert minimum <= tuple(int(x) for x in __version__.split(".")[:3])


def test_the_sequence_runs_it_after_dh_installsystemd() -> None:
    addon = (DH / "Debian/Debhelper/Sequence/unitgen.pm").read_text()
    assert "insert_after('dh_installsystemd', 'dh_unitgen');" in addon


def test_the_man_page_is_valid_pod() -> None:
    need("podchecker", shutil.which("podchecker") is not None)
    done = subprocess.run(["podchecker", str(COMMAND)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
