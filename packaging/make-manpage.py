#!/usr/bin/env python3
"""Print unitgen(8) in roff, made from the code (unitgen/cli/manpage.py), true to --help.

Run from the repository root: PYTHONPATH=. python3 packaging/make-manpage.py > unitgen.8
"""

import sys

from unitgen.cli.manpage import render

sys.stdout.write(render())
