#!/bin/sh
# Set up everything the test suite and the demo need on a Debian 12 machine, as root:
# Debian packages, a running Docker engine, the local test images (Debian 12 and 13 roots
# among them) and the Python venv.
# Idempotent: a second run only checks. `tests/setup.sh --demo` builds only the Debian 12
# harness of the roots below, which is all the demo needs (one debootstrap, not six).
set -eu
cd "$(dirname "$0")/.."

# docker-registry: the image registry `unitgen update`'s tests push to (tests/registry.py);
# apache2-utils: htpasswd, for the bcrypt login file of the full host's registry that wants a
# login (tests/fullhost/test_registry.py).
need_pkgs="docker.io busybox-static debootstrap netcat-openbsd shellcheck python3-venv python3-dev gcc
libsystemd-dev pkg-config util-linux systemd graphviz docker-compose docker-registry apache2-utils zsh"
missing=""
for pkg in $need_pkgs; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    echo "setup: installing$missing"
    apt-get update -qq
    # shellcheck disable=SC2086 # a list of names
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    # The tests serve their own registries on 127.0.0.1; the package's service (port 5000 on
    # every address) is not wanted where systemd would start it.
    case "$missing" in
        *docker-registry*) [ ! -d /run/systemd/system ] || systemctl disable --now docker-registry ;;
    esac
fi

# The engine: started by systemd where it runs, else by hand in the background.
if ! docker info >/dev/null 2>&1; then
    if [ -d /run/systemd/system ]; then
        systemctl start docker
    else
        echo "setup: starting dockerd (log: /var/log/unitgen-dockerd.log)"
        nohup dockerd >/var/log/unitgen-dockerd.log 2>&1 &
    fi
    i=0
    until docker info >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -le 60 ] || { echo "setup: dockerd did not come up" >&2; tail -20 /var/log/unitgen-dockerd.log >&2; exit 1; }
        sleep 1
    done
fi

# Networks that earlier test runs left behind (a harness's network unit recreates a test's
# network after the test removed it): Docker has only ~30 address pools by default. The demo's
# network stays: its containers, stopped when this machine restarts, still need it.
docker network prune -f --filter label=unitgen.test --filter 'label!=unitgen.test=demo' >/dev/null

tests/images/build.sh
# The Debian roots, for Debian 12 and 13: the systemd harness, the full host, and the root the
# Debian 13 package is built in (Debian 12's is built on this machine), and Debian 13 with
# systemd and Podman for the Quadlet export's tests (converted, and booted). Each is imported from
# the cache or built with debootstrap (1.5-4 min each on a fresh machine), side by side: each
# has its own lock.
roots="tests/harness/build-image.sh:bookworm tests/harness/build-image.sh:trixie
tests/fullhost/build-image.sh:bookworm tests/fullhost/build-image.sh:trixie tests/fullhost/build-rootless-image.sh:
tests/images/build-root.sh:trixie tests/quadlet/build-image.sh:"
[ "${1:-}" = --demo ] && roots="tests/harness/build-image.sh:bookworm"
pids=""
for root in $roots; do
    build="${root%%:*} ${root#*:}"
    $build &
    pids="$pids $!"
done
for pid in $pids; do wait "$pid"; done

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c "import unitgen, pytest, systemd, yaml, importlinter" 2>/dev/null; then
    echo "setup: creating .venv"
    /usr/bin/python3 -m venv .venv
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q -e '.[test,systemd]'
fi
echo "setup: ready (docker $(docker version --format '{{.Server.Version}}'), $(.venv/bin/python --version))"
