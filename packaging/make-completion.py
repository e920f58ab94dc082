#!/usr/bin/env python3
"""Print unitgen's completion script for a shell (bash, zsh or fish), made from the CLI at
build time (the Debian package installs them), so that it stays true to --help.

Run from the repository root: PYTHONPATH=. python3 packaging/make-completion.py zsh > _unitgen
"""

import sys

from click.shell_completion import get_completion_class

from unitgen.cli.main import cli

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


if __name__ == "__main__":
    sys.stdout.write(script(sys.argv[1]))
