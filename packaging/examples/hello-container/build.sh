#!/bin/sh
# Build the example package hello-container into OUTDIR (default: dist/); prints its path.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here" "$work/hello-container-1.0"
rm -f "$work/hello-container-1.0/build.sh"
(cd "$work/hello-container-1.0" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$HOME" \
    dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || { tail -30 "$work/build.log" >&2; exit 1; }
cp "$work"/hello-container_1.0_all.deb "$out/"
echo "$out/hello-container_1.0_all.deb"
