#!/bin/sh
# Build unitgen's Debian packages and check them with lintian (any error or warning fails):
# unitgen, and dh-unitgen (the debhelper add-on, packaging/dh) from the same source.
#
# Usage: packaging/build-deb.sh [--release bookworm|trixie] [OUTDIR]   (default: dist/)
# Both .debs go to OUTDIR; prints dh-unitgen's path, then unitgen's last. Without --release it builds on this machine (Debian 12 or 13),
# installing the Build-Depends it lacks. With --release it builds inside a root of that
# Debian release (tests/images/build-root.sh: debootstrap, cached by hash, run with Docker)
# from the same source, and also asks that release's apt whether the .deb's dependencies
# resolve from its main archive alone.
#
# By hand, the same: install the Build-Depends of packaging/debian/control, then in a copy of
# the tree: `ln -s packaging/debian debian` and, with a clean PATH so that a venv's or pyenv's
# python3 is not picked up instead of Debian's,
#   env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=$HOME dpkg-buildpackage -us -uc -b
set -eu
cd "$(dirname "$0")/.."
release=""
if [ "${1:-}" = --release ]; then
    release=${2:?"usage: $0 [--release bookworm|trixie] [OUTDIR]"}
    shift 2
fi
out=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$work/unitgen-0.1.0"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents {} "$src/"
cp -r packaging/debian "$src/debian"

# The build, lintian and (in a release's root) apt's resolution, run by sh in the build
# directory, with the clean environment dpkg-buildpackage should see.
# shellcheck disable=SC2016 # expanded by that sh
build='set -e; cd "$1"; (dpkg-buildpackage -us -uc -b >../build.log 2>&1 || { tail -40 ../build.log >&2; exit 1; })
lintian --fail-on error,warning --info ../unitgen_*_all.deb ../dh-unitgen_*_all.deb >&2'
# --simulate: nothing is installed, but apt must find every dependency in the release.
# shellcheck disable=SC2016 # expanded by that sh
resolve='cd "$1" && apt-get install --simulate --no-install-recommends ../unitgen_*_all.deb ../dh-unitgen_*_all.deb >../apt.log 2>&1 ||
    { cat ../apt.log >&2; exit 1; }'

if [ -z "$release" ]; then
    # build-essential: dpkg-buildpackage requires it from Debian 13's dpkg 1.22 on.
    deps="build-essential dpkg-dev debhelper dh-python pybuild-plugin-pyproject python3-all python3-setuptools
python3-jinja2 python3-click python3-docker python3-systemd lintian"
    missing=""
    for pkg in $deps; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
    done
    if [ -n "$missing" ]; then
        apt-get update -qq
        # shellcheck disable=SC2086 # a list of names
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    fi
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$HOME" LC_ALL=C.UTF-8 sh -c "$build" sh "$src"
else
    tests/images/build-root.sh "$release" >&2
    docker run --rm -v "$work:$work" -w "$work" "unitgen-test/debbuild:$release" \
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
        sh -c "$build
$resolve" sh "$src"
fi
for deb in "$work"/dh-unitgen_*_all.deb "$work"/unitgen_*_all.deb; do
    cp "$deb" "$out/"
    echo "$out/$(basename "$deb")"
done
