"""Shell completion through click's protocol, as the shells' scripts run it: the containers
with a unit for commands on installed units, the engine's containers for the others
(nothing, and no error, when the engine is down or hangs), directories for --root; and the
bash script itself, sourced into bash."""

from __future__ import annotations

import json
import os
import runpy
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, need
from tests.fakes import FakeEngine, FakeSource, Reply, host
from unitgen.commands import manage

# The build-time half (the shells' scripts) lives beside the packaging that runs it.
_MAKE_COMPLETION = runpy.run_path(str(REPO / "packaging/make-completion.py"))
autoloadable: Callable[[str], str] = _MAKE_COMPLETION["autoloadable"]
script: Callable[[str], str] = _MAKE_COMPLETION["script"]

ENV = {"PATH": os.environ["PATH"], "PYTHONPATH": str(REPO)}


def complete(words: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """What `unitgen WORDS<TAB>` asks the program (bash's protocol): the last word is the one
    being completed ("" after a trailing space)."""
    cword = len(shlex.split(words)) - (0 if words.endswith(" ") else 1)
    return subprocess.run(
        [sys.executable, "-m", "unitgen"],
        capture_output=True,
        text=True,
        check=False,
        timeout=20,
        env={
            **ENV,
            "_UNITGEN_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(cword),
            **(env or {}),
        },
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """seed-backend1 (with its network's unit) and seed-onfail installed under tmp_path."""
    source = FakeSource()
    todo = manage.plan_install(host(tmp_path), source, ["seed-backend1", "seed-onfail"])
    manage.apply(host(tmp_path), source, todo, lambda _: None)
    return tmp_path


@pytest.fixture
def engine() -> Iterator[FakeEngine]:
    # A short socket path: sun_path holds 108 bytes, pytest's tmp_path can be longer.
    directory = Path(os.environ.get("TMPDIR", "/tmp")) / f"ug-complete-{os.getpid()}"
    directory.mkdir(exist_ok=True)
    fake = FakeEngine(directory / "docker.sock").start()
    yield fake
    fake.stop()
    fake.socket.unlink(missing_ok=True)
    directory.rmdir()


@pytest.mark.parametrize("command", ["uninstall", "status", "drift", "diff"])
def test_commands_on_installed_units_complete_the_containers_that_have_one(
    root: Path, command: str
) -> None:
    done = complete(f"unitgen {command} --root {root} seed-")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "plain,seed-backend1\nplain,seed-onfail\n"
    assert complete(f"unitgen {command} --root {root} seed-o").stdout == "plain,seed-onfail\n"


@pytest.mark.parametrize("command", ["generate", "install", "adopt"])
def test_commands_on_any_container_complete_the_engines_containers(
    engine: FakeEngine, command: str
) -> None:
    listed = [{"Id": f"id{i}", "Names": [f"/{name}"]} for i, name in enumerate(["web2", "web1"])]
    engine.on("GET", "/containers/json", Reply(200, json.dumps([*listed, {"Id": "x"}])))
    done = complete(f"unitgen {command} w", {"DOCKER_HOST": f"unix://{engine.socket}"})
    assert (done.returncode, done.stdout, done.stderr) == (0, "plain,web1\nplain,web2\n", "")


def test_with_the_engine_down_completion_offers_nothing_and_says_nothing(tmp_path: Path) -> None:
    done = complete("unitgen install ", {"DOCKER_HOST": f"unix://{tmp_path}/no.sock"})
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")


def test_a_hung_engine_is_given_up_on_and_offers_nothing(engine: FakeEngine) -> None:
    never = threading.Event()
    engine.on("GET", "/containers/json", Reply(0, hang_up=True, after=never))
    try:
        done = complete("unitgen install ", {"DOCKER_HOST": f"unix://{engine.socket}"})
    finally:
        never.set()
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")


def test_an_unreadable_or_absent_root_offers_nothing(tmp_path: Path) -> None:
    done = complete(f"unitgen uninstall --root {tmp_path}/absent ")
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "", "")


def test_root_and_templates_complete_directories() -> None:
    assert complete("unitgen install --root /e").stdout == "dir,/e\n"
    assert complete("unitgen list --templates /e").stdout == "dir,/e\n"


def test_the_bash_script_completes_in_bash(root: Path, tmp_path: Path) -> None:
    script = subprocess.run(
        [sys.executable, "-m", "unitgen"],
        capture_output=True,
        text=True,
        check=True,
        env={**ENV, "_UNITGEN_COMPLETE": "bash_source"},
    ).stdout
    bin_dir = tmp_path / "bin-unitgen"
    bin_dir.mkdir()
    (bin_dir / "unitgen").write_text(f'#!/bin/sh\nexec {sys.executable} -m unitgen "$@"\n')
    (bin_dir / "unitgen").chmod(0o755)
    shell = (
        f"{script}\nCOMP_WORDS=(unitgen uninstall --root {root} seed-o); COMP_CWORD=4\n"
        "_unitgen_completion unitgen; printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    done = subprocess.run(
        ["bash", "-c", shell],
        capture_output=True,
        text=True,
        check=False,
        env={**ENV, "PATH": f"{bin_dir}:{ENV['PATH']}"},
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "seed-onfail\n", "")


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        ("bash", "complete -o nosort -F _unitgen_completion unitgen"),
        ("zsh", "#compdef unitgen"),
        ("fish", "complete --no-files --command unitgen"),
    ],
)
def test_the_packaged_scripts_are_clicks_for_unitgen(shell: str, marker: str) -> None:
    source = script(shell)
    assert marker in source and "_UNITGEN_COMPLETE" in source


# An interactive zsh on a pseudo-terminal (zsh/zpty), the packaged script in its fpath as
# Debian installs it (vendor-completions), compinit, then "unitgen exit-c" and one TAB.
_ZSH_DRIVER = r"""
zmodload zsh/zpty
zpty z 'TERM=dumb zsh -f -i'
zpty -w z "PS1='> '; fpath=($1 \$fpath); PATH=$2:\$PATH; autoload -Uz compinit; compinit -u -D"
zpty -w -n z $'unitgen exit-c\t'
sleep 2
zpty -w z $'\x03'
zpty -r -t z out
zpty -r -t z more
print -r -- "$out$more"
zpty -d z
"""


def first_tab(script_text: str, tmp_path: Path) -> str:
    """What an interactive zsh shows after one TAB on `unitgen exit-c`, completion loaded
    from an fpath directory holding SCRIPT_TEXT as _unitgen."""
    fpath = tmp_path / "vendor-completions"
    fpath.mkdir(parents=True)
    (fpath / "_unitgen").write_text(script_text)
    done = subprocess.run(
        ["zsh", "-f", "-c", _ZSH_DRIVER, "zsh", str(fpath), str(Path(sys.executable).parent)],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
        env={**ENV, "HOME": str(tmp_path)},
    )
    return done.stdout.rsplit("> ", 1)[-1]


def test_the_zsh_script_completes_on_the_first_tab_when_autoloaded_from_fpath(
    tmp_path: Path,
) -> None:
    """Debian 12's click 8.1.3 ends its zsh script with a bare compdef: autoloaded from
    vendor-completions, the first TAB would only register the function (the control below
    shows that happening in a real zsh)."""
    need("zsh", shutil.which("zsh") is not None)
    shown = first_tab(script("zsh"), tmp_path / "fixed")
    assert "unitgen exit-codes" in shown, shown
    packaged = script("zsh")
    bare = packaged[: packaged.index("if [[ $zsh_eval_context[-1] == loadautofunc ]]")]
    control = first_tab(bare + "compdef _unitgen_completion unitgen;\n", tmp_path / "bare")
    assert "exit-codes" not in control, control
    old_click = "_unitgen_completion() {\n    :\n}\n\ncompdef _unitgen_completion unitgen;\n"
    fixed = autoloadable(old_click)
    assert fixed.endswith(
        "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n"
        "    # autoload from fpath, call function directly\n"
        '    _unitgen_completion "$@"\n'
        "else\n"
        "    # eval/source/. command, register function for later\n"
        "    compdef _unitgen_completion unitgen\n"
        "fi\n"
    )
    assert autoloadable(fixed) == fixed
    assert "loadautofunc" in script("zsh")
