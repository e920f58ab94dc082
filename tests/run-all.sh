#!/bin/sh
# Set everything up, then run the whole test suite: pure tests, real-engine tests, real-systemd
# tests (the harness) and the linters. `.ci/run` calls exactly this. Extra arguments go to pytest.
set -eu
cd "$(dirname "$0")/.."
tests/setup.sh
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
