"""The README's first command: see demo/run.sh."""
