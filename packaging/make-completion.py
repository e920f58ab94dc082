#!/usr/bin/env python3
"""Print unitgen's completion script for a shell (bash, zsh or fish), made from the CLI.

Run from the repository root: PYTHONPATH=. python3 packaging/make-completion.py zsh > _unitgen
"""

import sys

from unitgen.cli.completion import script

sys.stdout.write(script(sys.argv[1]))
