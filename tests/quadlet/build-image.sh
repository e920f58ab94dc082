#!/bin/sh
# Build unitgen-test/quadlet:trixie: a Debian 13 root (debootstrap, minbase) with podman, whose
# Quadlet generator (/usr/libexec/podman/quadlet, Podman 5.4) judges the files
# `unitgen export --format quadlet` writes: `quadlet -dryrun` converts them or says why not.
# Debian 12's Podman 4.3 has no Quadlet. No registry is reachable, so the image is made with
# `docker import`; nothing runs Podman itself (the generator only reads files).
#
# Cache: the rootfs tarball is kept in ${UNITGEN_CACHE:-/var/cache/unitgen-test}/quadlet-HASH.tar
# where HASH is the first 12 hex digits of this file's sha256. An image already labelled
# unitgen.quadlet.hash=HASH means there is nothing to do; a cached tarball is only imported.
# Needs root (debootstrap, chroot) on Debian.
set -eu

IMAGE=${UNITGEN_QUADLET_IMAGE:-unitgen-test/quadlet:trixie}
CACHE=${UNITGEN_CACHE:-/var/cache/unitgen-test}
MIRROR=${UNITGEN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
HASH=$(sha256sum "$SELF" | cut -c1-12)
TAR=$CACHE/quadlet-$HASH.tar

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock-quadlet"
flock 9

have=$(docker image inspect -f '{{index .Config.Labels "unitgen.quadlet.hash"}}' "$IMAGE" 2>/dev/null || true)
if [ "$have" = "$HASH" ]; then
    echo "quadlet: $IMAGE is up to date (hash $HASH), nothing to do"
    exit 0
fi

import_tar() {
    base=$(docker import "$1")
    ctx=$(mktemp -d)
    printf 'FROM %s\nLABEL unitgen.quadlet.hash=%s\n' "$base" "$HASH" >"$ctx/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" "$ctx" >/dev/null 2>"$ctx/err" || {
        cat "$ctx/err" >&2
        rm -rf "$ctx"
        exit 1
    }
    rm -rf "$ctx"
}

if [ -f "$TAR" ]; then
    import_tar "$TAR"
    echo "quadlet: imported $IMAGE from cached $TAR (hash $HASH)"
    exit 0
fi

start=$(date +%s)
if ! command -v debootstrap >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
work=$(mktemp -d "$CACHE/build-quadlet.XXXXXX")
root=$work/root
cleanup() {
    if mountpoint -q "$root/proc" 2>/dev/null; then umount -l "$root/proc" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

debootstrap --variant=minbase trixie "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
    tail -30 "$work/debootstrap.log" >&2
    exit 1
}
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends podman" \
    >"$work/apt.log" 2>&1 || {
    tail -30 "$work/apt.log" >&2
    exit 1
}
umount "$root/proc"
chroot "$root" sh -eu <<'SH'
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* \
    /usr/share/info/* /usr/sbin/policy-rc.d
test -x /usr/libexec/podman/quadlet
SH

tmp=$TAR.tmp.$$
tar --numeric-owner --xattrs -C "$root" -cf "$tmp" .
mv "$tmp" "$TAR"
import_tar "$TAR"
for old in "$CACHE"/quadlet-*.tar; do
    [ "$old" = "$TAR" ] || rm -f "$old"
done
echo "quadlet: built $IMAGE from debootstrap in $(($(date +%s) - start))s (hash $HASH, cache $TAR)"
