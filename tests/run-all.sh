#!/bin/sh
# Set everything up, then run the whole test suite: pure tests, real-engine tests, real-systemd
# tests (the harness), the Debian package and the linters, all on Debian 12; then the systemd
# tests once more against the installed .deb instead of the checkout; then, on Debian 13, the
# .deb built there (with dh-unitgen beside it) and the packaging, systemd, full-host smoke,
# handover, recreate-mode, registry-login and dh-unitgen tests against it; then that .deb on
# Debian 13 hosts with forky's engine (the newest Debian carries), and the upgrade to it.
# `.ci/run` calls exactly this. Extra arguments go to the first pytest run.
set -eu
cd "$(dirname "$0")/.."

# packaging/build-deb.sh ARGS, its log kept quiet unless it fails; the .deb's path. A failed
# build stops the run here: the phase after it would test the checkout instead.
build_deb() {
    log=$(mktemp)
    if ! packaging/build-deb.sh "$@" >"$log" 2>&1; then
        cat "$log" >&2
        rm -f "$log"
        exit 1
    fi
    tail -1 "$log"
    rm -f "$log"
}

tests/setup.sh
# The engine upgrade needs Debian 13's host: it runs in the last phase, with Debian 13's .deb.
.venv/bin/python -m pytest -p no:cacheprovider --ignore=tests/fullhost/test_engine_upgrade.py "$@"
echo "== the systemd tests again, against the installed Debian package"
deb=$(build_deb dist)
UNITGEN_HARNESS_DEB="$deb" .venv/bin/python -m pytest -p no:cacheprovider -q \
    tests/systemd -k "not chaos"
echo "== Debian 13: the packages built there, then the packaging, systemd, full-host smoke,"
echo "   handover, recreate-mode, registry-login, health and dh-unitgen tests against them in"
echo "   Debian 13's harness and full host"
deb=$(build_deb --release trixie dist/trixie)
UNITGEN_HARNESS_RELEASE=trixie UNITGEN_FULLHOST_RELEASE=trixie UNITGEN_HARNESS_DEB="$deb" \
    .venv/bin/python -m pytest -p no:cacheprovider -q \
    tests/packaging tests/systemd tests/fullhost/test_fullhost_smoke.py \
    tests/fullhost/test_handover.py tests/fullhost/test_recreate.py \
    tests/fullhost/test_registry.py tests/fullhost/test_health_reload.py \
    tests/fullhost/test_dh_unitgen.py -k "not chaos"
echo "== Debian 13 with the newest engine Debian carries (forky's docker.io 28.5): full-host"
echo "   smoke, handover, recreate-mode, invariant and health tests, and the upgrade from 26.1"
echo "   to it"
UNITGEN_FULLHOST_RELEASE=trixie-forky UNITGEN_HARNESS_DEB="$deb" \
    .venv/bin/python -m pytest -p no:cacheprovider -q \
    tests/fullhost/test_fullhost_smoke.py tests/fullhost/test_handover.py \
    tests/fullhost/test_recreate.py tests/fullhost/test_invariant.py \
    tests/fullhost/test_health_reload.py tests/fullhost/test_engine_upgrade.py
