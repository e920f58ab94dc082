#!/bin/sh
# Build the example package hello-container with dh-unitgen, in a root of a Debian release
# (tests/images/build-root.sh: debootstrap, cached by hash, run with Docker; bookworm unless
# --release says), and check it with lintian (any error or warning fails). Prints its path.
#
# Usage: build.sh [--release bookworm|trixie] [--source DIR] DH_UNITGEN_DEB [OUTDIR]
#   DH_UNITGEN_DEB: dh-unitgen's .deb (packaging/build-deb.sh makes it beside unitgen's);
#   --source DIR: build that copy of this directory instead (tests build a second version);
#   OUTDIR: default dist/.
#
# By hand, on a Debian machine: apt install ./dh-unitgen_*.deb, then dpkg-buildpackage -b here.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
release=bookworm
source=$here
while [ $# -gt 0 ]; do
    case $1 in
    --release) release=$2; shift 2 ;;
    --source) source=$(cd "$2" && pwd); shift 2 ;;
    *) break ;;
    esac
done
dh_deb=${1:?"usage: $0 [--release bookworm|trixie] [--source DIR] DH_UNITGEN_DEB [OUTDIR]"}
dh_deb=$(cd "$(dirname "$dh_deb")" && pwd)/$(basename "$dh_deb")
out=$(mkdir -p "${2:-dist}" && cd "${2:-dist}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
cp -r "$source/debian" "$work/src/debian"
cp "$dh_deb" "$work/"

"$repo/tests/images/build-root.sh" "$release" >&2
# shellcheck disable=SC2016 # expanded by that sh
build='set -e; cd "$1"
dpkg -i ../dh-unitgen_*_all.deb >../install.log 2>&1 || { cat ../install.log >&2; exit 1; }
dpkg-buildpackage -us -uc -b >../build.log 2>&1 || { tail -40 ../build.log >&2; exit 1; }
lintian --fail-on error,warning --info ../hello-container_*_all.deb >&2'
docker run --rm -v "$work:$work" -w "$work" "unitgen-test/debbuild:$release" \
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
    sh -c "$build" sh "$work/src"
deb=$(ls "$work"/hello-container_*_all.deb)
cp "$deb" "$out/"
echo "$out/$(basename "$deb")"
