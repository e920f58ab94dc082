"""unitgen's own Debian package: it builds, lintian has nothing to say, and installed into the
systemd harness (Debian 12's python3-docker 5.0.3, click, jinja2, python3-systemd; or Debian
13's with UNITGEN_HARNESS_RELEASE=trixie) it manages a real container; purge removes the units
it made and nothing else."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import REPO
from tests.topology import SERVE, Topology, inspect

if TYPE_CHECKING:
    from tests.harness import Harness

pytestmark = [
    pytest.mark.deb,
    pytest.mark.systemd,
    pytest.mark.docker,
    pytest.mark.usefixtures("docker_engine"),
]


@pytest.fixture(scope="module")
def box(harness: Harness, deb: Path) -> Harness:
    """The harness with unitgen's .deb installed instead of the checkout (into /root: from
    trixie on a booted system has a tmpfs at /tmp, which docker cp does not see)."""
    subprocess.run(["docker", "cp", str(deb), f"{harness.name}:/root/unitgen.deb"], check=True)
    harness.sh("rm -f /usr/local/bin/unitgen && dpkg -i /root/unitgen.deb")
    return harness


def test_the_package_ships_the_cli_man_page_completions_readme_and_one_copy_of_the_templates(
    deb: Path,
) -> None:
    from tests.harness import harness_release

    files = subprocess.run(
        ["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    # debhelper puts units in /usr/lib from 13.11.8 on (trixie), in /lib before (bookworm).
    units = (
        "./lib/systemd/system" if harness_release() == "bookworm" else "./usr/lib/systemd/system"
    )
    for path in (
        "./usr/bin/unitgen",
        "./usr/share/man/man8/unitgen.8.gz",
        "./usr/share/bash-completion/completions/unitgen",
        "./usr/share/zsh/vendor-completions/_unitgen",
        "./usr/share/fish/vendor_completions.d/unitgen.fish",
        "./usr/share/doc/unitgen/README.md.gz",
        "./etc/unitgen/templates/README",
        f"{units}/unitgen-watch.service",
        f"{units}/unitgen-update.service",
        f"{units}/unitgen-update.timer",
    ):
        assert path in files, path
    # The built-in templates only where unitgen reads them: inside its Python package.
    templates = [line.split()[-1] for line in files.splitlines() if line.endswith(".j2")]
    assert sorted(templates) == [
        "./usr/lib/python3/dist-packages/unitgen/templates/container.service.j2",
        "./usr/lib/python3/dist-packages/unitgen/templates/network.service.j2",
    ]


def test_the_man_page_documents_every_command() -> None:
    page = subprocess.run(
        ["python3", str(REPO / "packaging/make-manpage.py")],
        cwd=REPO,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    from unitgen.cli.main import all_commands

    for name in all_commands():
        assert f".SS unitgen {name} " in page, name


def autopkgtests() -> list[tuple[str, str]]:
    """(name, command) of each stanza of debian/tests/control, as autopkgtest runs them."""
    control = (REPO / "packaging/debian/tests/control").read_text()
    found = []
    for stanza in control.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line)
        if "Test-Command" in fields:
            found.append(("command", fields["Test-Command"]))
        for name in fields.get("Tests", "").split():
            found.append((name, f"/root/debian-tests/{name}"))
    return found


def test_the_autopkgtests_pass_against_the_installed_package(box: Harness) -> None:
    subprocess.run(
        ["docker", "cp", str(REPO / "packaging/debian/tests"), f"{box.name}:/root/debian-tests"],
        check=True,
    )
    # busybox-static is one of the real-engine test's Depends; the harness has no mirror.
    subprocess.run(["docker", "cp", "/bin/busybox", f"{box.name}:/bin/busybox"], check=True)
    tests = autopkgtests()
    assert [name for name, _ in tests] == ["command", "real-engine"]
    for name, command in tests:
        done = box.sh(command, check=False)
        assert done.returncode == 0, (name, done.stdout, done.stderr)


def test_the_installed_completion_offers_the_engines_containers_and_the_installed_ones(
    box: Harness,
) -> None:
    """Through the bash script the package ships, with Debian's own click."""
    topo = Topology()
    try:
        web = topo.create("web")
        root = "/tmp/completion-root"
        box.sh(f"mkdir -p {root}/bin && ln -sf /bin/nc.openbsd {root}/bin/nc.openbsd")
        box.run("unitgen", "install", "--root", root, web)

        def complete(*words: str) -> list[str]:
            script = (
                ". /usr/share/bash-completion/completions/unitgen; "
                f"COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}; "
                "_unitgen_completion unitgen; printf '%s\\n' \"${COMPREPLY[@]}\""
            )
            return box.run("bash", "-c", script).stdout.split()

        assert web in complete("unitgen", "install", topo.prefix)
        assert complete("unitgen", "uninstall", "--root", root, topo.prefix) == [web]
        # Built with Debian 12's click, the zsh script still completes on the first TAB.
        box.run("grep", "-q", "loadautofunc", "/usr/share/zsh/vendor-completions/_unitgen")
    finally:
        topo.remove()


def test_the_installed_package_manages_a_real_container_and_purge_hands_it_back_running(
    box: Harness,
) -> None:
    assert "unitgen, version 0.1.0" in box.run("unitgen", "--version").stdout
    for unit in ("unitgen-watch.service", "unitgen-update.timer"):
        enabled = box.run("systemctl", "is-enabled", unit, check=False).stdout.strip()
        assert (unit, enabled) == (unit, "disabled")
    assert box.show("unitgen-update.timer", "ActiveState")["ActiveState"] == "inactive"
    topo = Topology()
    try:
        web = topo.create("web", "--restart", "always", cmd=SERVE)
        box.run("unitgen", "install", web)
        assert inspect(web, "{{.State.Running}} {{.HostConfig.RestartPolicy.Name}}") == "true no"
        started = inspect(web, "{{.State.StartedAt}}")
        foreign = "/etc/systemd/system/docker-foreign.service"
        box.sh(f"printf '[Service]\\nExecStart=/bin/true\\n' > {foreign}")
        box.sh("dpkg --purge unitgen")
        left = box.sh("ls /etc/systemd/system; ls /etc/unitgen /var/lib/unitgen 2>&1 || true")
        assert f"docker-{web}.service" not in left.stdout
        assert "docker-foreign.service" in left.stdout
        assert left.stdout.count("No such file") == 2
        # Handed back, not taken down: the same run of the container, Docker's policy again.
        assert inspect(web, "{{.State.Running}} {{.HostConfig.RestartPolicy.Name}}") == (
            "true always"
        )
        assert inspect(web, "{{.State.StartedAt}}") == started
        assert box.show(f"docker-{web}.service", "ActiveState")["ActiveState"] == "inactive"
    finally:
        topo.remove()
