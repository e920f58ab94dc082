#!/bin/sh
# Set everything up, then run the whole test suite: pure tests, real-engine tests, real-systemd
# tests (the harness), the Debian package and the linters; then the systemd tests once more
# against the installed .deb instead of the checkout. `.ci/run` calls exactly this. Extra
# arguments go to the first pytest run.
set -eu
cd "$(dirname "$0")/.."
tests/setup.sh
.venv/bin/python -m pytest -p no:cacheprovider "$@"
echo "== the systemd tests again, against the installed Debian package"
deb=$(packaging/build-deb.sh dist 2>/dev/null | tail -1)
UNITGEN_HARNESS_DEB="$deb" .venv/bin/python -m pytest -p no:cacheprovider -q \
    tests/systemd -k "not chaos"
