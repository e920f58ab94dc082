"""Shell completion (bash, zsh, fish, through click's own): container names from the engine
for the commands that take any container, the containers that have a unit for those that
act on installed units, directories for --root. Imports only click at import time, so
`--help` stays fast; a completion never fails and never prints an error: an engine that is
down or slow (COMPLETION_TIMEOUT) or an unreadable unit directory just offers nothing.

The shells' scripts come from click itself (`_UNITGEN_COMPLETE=bash_source unitgen`, and
zsh_source, fish_source); the Debian package generates them at build time.
"""

from __future__ import annotations

import click
from click.shell_completion import CompletionItem

# Seconds a completion waits for the engine: a person is waiting at the prompt.
COMPLETION_TIMEOUT = 1.0


def _matching(names: list[str], incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(n) for n in names if n.startswith(incomplete)]


def engine_containers(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Every container the engine has (generate, install, adopt)."""
    from unitgen.engine.source import DockerSource
    from unitgen.errors import UnitgenError

    try:
        names = DockerSource(timeout=COMPLETION_TIMEOUT).names()
    except (UnitgenError, OSError, ValueError):
        return []
    return _matching(names, incomplete)


def installed_containers(
    ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """The containers that have a unit in the unit directory (under --root if given before):
    uninstall, diff, drift, status."""
    from unitgen.errors import UnitgenError
    from unitgen.host.inventory import scan
    from unitgen.host.snapshot import resolve_root

    try:
        installed = scan(resolve_root(ctx.params.get("root")))
    except (UnitgenError, OSError):
        return []
    names = sorted({u.container for u in installed.values() if u.container})
    return _matching(names, incomplete)


def directories(
    _ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Let the shell complete directories (--root)."""
    return [CompletionItem(incomplete, type="dir")]


# click before 8.1.4 (Debian 12 has 8.1.3) ends its zsh script with a bare compdef: autoloaded
# from the vendor-completions directory, as a package installs it, the first TAB would only
# register the function and complete nothing. Newer click ends it like this.
_ZSH_AUTOLOAD = """\
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    # autoload from fpath, call function directly
    _unitgen_completion "$@"
else
    # eval/source/. command, register function for later
    compdef _unitgen_completion unitgen
fi
"""


def script(shell: str) -> str:
    """The completion script for SHELL (bash, zsh or fish), as the package installs it."""
    from click.shell_completion import get_completion_class

    from unitgen.cli.main import cli

    complete_class = get_completion_class(shell)
    if complete_class is None:
        raise ValueError(f"no completion for {shell}")
    source = complete_class(cli, {}, "unitgen", "_UNITGEN_COMPLETE").source()
    return autoloadable(source) if shell == "zsh" else source


def autoloadable(zsh_source: str) -> str:
    """click's zsh script, made to complete on the first TAB when autoloaded from fpath."""
    if "loadautofunc" in zsh_source:
        return zsh_source
    return zsh_source.replace("compdef _unitgen_completion unitgen;\n", _ZSH_AUTOLOAD)
