"""Shell completion (bash, zsh, fish, through click's own): container names from the engine
for the commands that take any container, the containers that have a unit for those that
act on installed units, directories for --root. Imports only click at import time, so
`--help` stays fast; a completion never fails and never prints an error: an engine that is
down or slow (COMPLETION_TIMEOUT) or an unreadable unit directory just offers nothing.

The shells' scripts come from click itself (`_UNITGEN_COMPLETE=bash_source unitgen`, and
zsh_source, fish_source); the Debian package makes them at build time
(packaging/make-completion.py).
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
