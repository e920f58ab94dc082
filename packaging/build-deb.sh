#!/bin/sh
# Build unitgen's Debian package on Debian 12 and check it with lintian.
#
# By hand, the same: install the Build-Depends of packaging/debian/control, then in a copy of
# the tree: `ln -s packaging/debian debian` and, with a clean PATH so that a venv's or pyenv's
# python3 is not picked up instead of Debian's,
#   env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=$HOME dpkg-buildpackage -us -uc -b
# Usage: packaging/build-deb.sh [OUTDIR]   (default: dist/); prints the .deb's path last.
set -eu
cd "$(dirname "$0")/.."
out=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)

deps="dpkg-dev debhelper dh-python pybuild-plugin-pyproject python3-all python3-setuptools
python3-jinja2 python3-click python3-systemd lintian"
missing=""
for pkg in $deps; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src="$work/unitgen-0.1.0"
mkdir -p "$src"
git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents {} "$src/"
cp -r packaging/debian "$src/debian"
(cd "$src" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$HOME" LC_ALL=C.UTF-8 \
    dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || { tail -40 "$work/build.log" >&2; exit 1; }
deb=$(ls "$work"/unitgen_*_all.deb)
cp "$deb" "$out/"
deb="$out/$(basename "$deb")"
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin lintian --fail-on error,warning --info "$deb" >&2
echo "$deb"
