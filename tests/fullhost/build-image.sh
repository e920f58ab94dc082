#!/bin/sh
# Build unitgen-test/fullhost:RELEASE (RELEASE: bookworm, the default, or trixie): a Debian root
# (debootstrap, minbase) that boots systemd as PID 1 inside a container and runs ITS OWN Docker
# engine under Debian's docker.service, docker.socket and containerd.service. Stopping and
# starting such a container is a real reboot of both systemd and dockerd. No registry is
# reachable, so the image is made with `docker import`.
#
# Cache: the rootfs tarball is kept in ${UNITGEN_CACHE:-/var/cache/unitgen-test} as
# fullhost-RELEASE-HASH.tar where HASH is the first 12 hex digits of this file's sha256. An image
# already labelled unitgen.fullhost.hash=HASH means there is nothing to do; a cached tarball is
# only imported. Any edit to this file therefore rebuilds. Needs root (debootstrap, chroot).
set -eu

RELEASE=${1:-bookworm}
case $RELEASE in
bookworm | trixie) ;;
*)
    echo "usage: $0 [bookworm|trixie]" >&2
    exit 2
    ;;
esac
IMAGE=unitgen-test/fullhost:$RELEASE
CACHE=${UNITGEN_CACHE:-/var/cache/unitgen-test}
MIRROR=${UNITGEN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
HASH=$(sha256sum "$SELF" | cut -c1-12)
TAR=$CACHE/fullhost-$RELEASE-$HASH.tar
# iptables and ca-certificates come with docker.io; iproute2 and procps are for the tests' eyes.
PKGS="systemd systemd-sysv dbus docker.io netcat-openbsd python3 python3-docker python3-jinja2"
PKGS="$PKGS python3-click python3-systemd procps iproute2"
# From trixie on the docker CLI is its own package, only recommended by docker.io.
[ "$RELEASE" = bookworm ] || PKGS="$PKGS docker-cli"

# One build of a release at a time (parallel test runs, two shells): the second waits, then
# finds it done. Other releases and the light harness have their own locks and build alongside.
mkdir -p "$CACHE"
exec 9>"$CACHE/.fullhost-$RELEASE.lock"
flock 9

have=$(docker image inspect -f '{{index .Config.Labels "unitgen.fullhost.hash"}}' "$IMAGE" 2>/dev/null || true)
if [ "$have" = "$HASH" ]; then
    echo "fullhost: $IMAGE is up to date (hash $HASH), nothing to do"
    exit 0
fi

import_tar() {
    # The image this one replaces (only if it is one of ours), removed once the tag has moved:
    # every edit of this script would otherwise leave ~400 MB behind.
    old=$(docker image inspect -f '{{.Id}} {{index .Config.Labels "unitgen.fullhost.hash"}}' \
        "$IMAGE" 2>/dev/null || true)
    case $old in *" "?*) old=${old%% *} ;; *) old="" ;; esac
    # `docker import -c` (and commit) refuse STOPSIGNAL, so the metadata goes on in a one-step
    # build FROM the imported root (the legacy builder needs no registry and no buildx).
    base=$(docker import "$1")
    ctx=$(mktemp -d)
    cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $base
ENV container=docker
STOPSIGNAL SIGRTMIN+3
LABEL unitgen.fullhost.hash=$HASH unitgen.fullhost.release=$RELEASE
CMD ["/lib/systemd/systemd"]
DOCKERFILE
    DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" "$ctx" >/dev/null 2>"$ctx/err" || {
        cat "$ctx/err" >&2
        rm -rf "$ctx"
        exit 1
    }
    rm -rf "$ctx"
    # Still in use by a host container: then it stays, dangling, until that one is removed.
    if [ -n "$old" ]; then docker rmi "$old" >/dev/null 2>&1 || true; fi
}

if [ -f "$TAR" ]; then
    import_tar "$TAR"
    echo "fullhost: imported $IMAGE from cached $TAR (hash $HASH)"
    exit 0
fi

start=$(date +%s)
if ! command -v debootstrap >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi
work=$(mktemp -d "$CACHE/build.XXXXXX")
root=$work/root
cleanup() {
    # Never leave a chroot's /proc mounted, then drop the half-built tree.
    if mountpoint -q "$root/proc" 2>/dev/null; then umount -l "$root/proc" || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

debootstrap --variant=minbase "$RELEASE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
    tail -30 "$work/debootstrap.log" >&2
    exit 1
}

# No service may start while packages install (the chroot shares the host's kernel and, without
# this, docker.io's postinst would start a second dockerd on the build machine).
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mount -t proc proc "$root/proc"
# shellcheck disable=SC2086
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $PKGS" \
    >"$work/apt.log" 2>&1 || {
    tail -30 "$work/apt.log" >&2
    exit 1
}
umount "$root/proc"

chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin RELEASE="$RELEASE" sh -eu <<'EOF'
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/*.log \
    /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/lintian \
    /usr/sbin/policy-rc.d
find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

# systemd generates a machine-id on first boot and keeps it (the root is writable), so the
# journal and unit state stay put across a reboot (docker stop, docker start).
rm -f /etc/machine-id /var/lib/dbus/machine-id
# journald keeps the journal on disk so a reboot leaves the previous boot readable.
mkdir -p /var/log/journal

ln -sf /lib/systemd/system/multi-user.target /etc/systemd/system/default.target
# Units that cannot work or only make noise in a container. docker.service, docker.socket and
# containerd.service stay as Debian ships them: they are what is under test.
for u in systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
    systemd-udev-trigger.service systemd-udev-settle.service \
    getty@.service getty.target console-getty.service serial-getty@.service \
    systemd-networkd-wait-online.service systemd-timesyncd.service \
    systemd-networkd.service systemd-networkd.socket systemd-network-generator.service \
    systemd-firstboot.service systemd-remount-fs.service \
    sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount \
    sys-fs-fuse-connections.mount dev-hugepages.mount \
    systemd-modules-load.service kmod-static-nodes.service modprobe@.service \
    systemd-hwdb-update.service systemd-sysctl.service systemd-binfmt.service \
    proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount \
    e2scrub_reap.service e2scrub_all.timer apt-daily.timer apt-daily-upgrade.timer \
    fstrim.timer man-db.timer dpkg-db-backup.timer; do
    ln -sf /dev/null "/etc/systemd/system/$u"
done

# overlay2 on the outer engine's overlay2 may fail; vfs is slow to write but always works, and
# it keeps the images and containers in the host container's own filesystem, so they survive
# its reboots like a real disk.
mkdir -p /etc/docker
echo '{"storage-driver": "vfs"}' >/etc/docker/daemon.json

if [ "$RELEASE" = trixie ]; then
    # docker 26 disables IPv6 on each container's interface through /proc/sys, which is
    # read-only in a container; without this it refuses to start any container.
    mkdir -p /etc/systemd/system/docker.service.d
    cat >/etc/systemd/system/docker.service.d/ipv6.conf <<'UNIT'
[Service]
Environment=DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1
UNIT
fi

echo unitgen-fullhost >/etc/hostname
EOF

tmp=$TAR.tmp.$$
tar --numeric-owner --xattrs -C "$root" -cf "$tmp" .
mv "$tmp" "$TAR"
import_tar "$TAR"
# Older tarballs of this script for this release are useless now.
for old in "$CACHE"/fullhost-"$RELEASE"-*.tar; do
    [ "$old" = "$TAR" ] || rm -f "$old"
done
echo "fullhost: built $IMAGE from debootstrap in $(($(date +%s) - start))s (hash $HASH, cache $TAR)"
