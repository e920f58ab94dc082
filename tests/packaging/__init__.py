"""Building the packages the packaging and full-host tests install: unitgen's and dh-unitgen's
(packaging/build-deb.sh, both from one source) and the example package built with dh-unitgen
(packaging/examples/hello-container/build.sh), in a second version too."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import REPO

EXAMPLE = REPO / "packaging/examples/hello-container"


def build(script: str, out: Path, *options: str) -> Path:
    """Run a build script of the repository (its lintian fails on any error or warning); the
    path it printed last."""
    done = subprocess.run(
        [str(REPO / script), *options, str(out)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return Path(done.stdout.strip().splitlines()[-1])


def unitgen_deb(release: str, out: Path) -> Path:
    """unitgen's .deb: $UNITGEN_HARNESS_DEB when that names one (run-all.sh builds it once for
    a release's phase), else built for RELEASE: bookworm on this machine, any other in that
    release's build root (packaging/build-deb.sh --release). dh-unitgen's is beside it."""
    from tests.harness import DEB_ENV

    given = os.environ.get(DEB_ENV)
    if given:
        return Path(given)
    options = () if release == "bookworm" else ("--release", release)
    return build("packaging/build-deb.sh", out, *options)


def dh_unitgen_deb(unitgen: Path) -> Path:
    """dh-unitgen's .deb, which build-deb.sh puts beside unitgen's."""
    (found,) = unitgen.parent.glob("dh-unitgen_*_all.deb")
    return found


def example_deb(
    release: str,
    dh_deb: Path,
    out: Path,
    *,
    version: str | None = None,
    unitgen_line: str | None = None,
) -> Path:
    """hello-container built with dh-unitgen in RELEASE's build root; with VERSION, as that
    version (a changelog entry on top), and with UNITGEN_LINE as its
    debian/hello-container.unitgen."""
    options = ["--release", release]
    if version or unitgen_line:
        source = out / f"source-{version}"
        shutil.copytree(EXAMPLE / "debian", source / "debian")
        if version:
            changelog = source / "debian/changelog"
            entry = (
                f"hello-container ({version}) unstable; urgency=medium\n\n"
                f"  * Version {version}, for the upgrade tests.\n\n"
                " -- unitgen developers <dev@unitgen.invalid>  Sun, 29 Nov 2026 20:00:00 +0000\n\n"
            )
            changelog.write_text(entry + changelog.read_text())
        if unitgen_line:
            (source / "debian/hello-container.unitgen").write_text(unitgen_line + "\n")
        options += ["--source", str(source)]
    return build("packaging/examples/hello-container/build.sh", out, *options, str(dh_deb))
