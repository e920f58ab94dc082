# Shared by the scripts that make a Debian root into a test image (tests/harness/build-image.sh,
# tests/fullhost/build-image.sh, tests/images/build-root.sh); sourced, not run. Each of them:
#
#   . "$(dirname "$0")/../images/debian-root.sh"
#   root_setup KIND RELEASE IMAGE "$0"   # KIND names the cache files and the image's hash label
#   root_up_to_date && exit 0            # the image already carries this hash
#   root_import_cached && exit 0         # a cached tarball of this hash: only imported
#   root_debootstrap "$PKGS"             # minbase root in $root, PKGS installed, no service run
#   root_slim                            # in the chroot: no docs, no apt lists, no machine-id
#   root_mask_noise [UNIT...]            # mask what cannot work in a container (and UNITs)
#   ... its own chroot steps ...
#   root_save                            # tar it into the cache, import it, prune the cache
#
# The image is made with `docker import` (no registry is reachable) and cached in
# ${UNITGEN_CACHE:-/var/cache/unitgen-test}/KIND-RELEASE-HASH.tar, where HASH is the first 12
# hex digits of the sha256 of the calling script followed by this file: an edit of either
# rebuilds. Needs root (debootstrap, chroot) on Debian.
# shellcheck shell=sh

ROOT_LIB=$(cd "$(dirname "$0")/../images" && pwd)/debian-root.sh
CACHE=${UNITGEN_CACHE:-/var/cache/unitgen-test}
MIRROR=${UNITGEN_DEBIAN_MIRROR:-http://deb.debian.org/debian}

# root_setup KIND RELEASE IMAGE SCRIPT: names, hash, and the build lock of KIND and RELEASE.
root_setup() {
    KIND=$1
    RELEASE=$2
    IMAGE=$3
    self=$(cd "$(dirname "$4")" && pwd)/$(basename "$4")
    HASH=$(cat "$self" "$ROOT_LIB" | sha256sum | cut -c1-12)
    TAR=$CACHE/$KIND-$RELEASE-$HASH.tar
    LABEL=unitgen.$KIND.hash
    START=$(date +%s)
    # One build of an image at a time (parallel test runs, two shells): the second waits, then
    # finds it done. Other kinds and releases have their own locks and build alongside.
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.$KIND-$RELEASE.lock"
    flock 9
}

# root_up_to_date: the image is there and made from this hash.
root_up_to_date() {
    have=$(docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$IMAGE" 2>/dev/null || true)
    if [ "$have" = "$HASH" ]; then
        echo "$KIND: $IMAGE is up to date (hash $HASH), nothing to do"
        return 0
    fi
    return 1
}

# root_import_cached: import the cached tarball of this hash, if there is one.
root_import_cached() {
    [ -f "$TAR" ] || return 1
    root_import
    echo "$KIND: imported $IMAGE from cached $TAR (hash $HASH)"
}

# root_import: $TAR -> $IMAGE, with systemd as its command and the hash as a label.
root_import() {
    # The image this one replaces (only if it is one of ours), removed once the tag has moved:
    # every edit of a script would otherwise leave a few hundred MB behind.
    old=$(docker image inspect -f "{{.Id}} {{index .Config.Labels \"$LABEL\"}}" "$IMAGE" \
        2>/dev/null || true)
    case $old in *" "?*) old=${old%% *} ;; *) old="" ;; esac
    # `docker import -c` (and commit) refuse STOPSIGNAL, so the metadata goes on in a one-step
    # build FROM the imported root (the legacy builder needs no registry and no buildx).
    base=$(docker import "$TAR")
    ctx=$(mktemp -d)
    cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $base
ENV container=docker
STOPSIGNAL SIGRTMIN+3
LABEL $LABEL=$HASH unitgen.$KIND.release=$RELEASE
CMD ["/lib/systemd/systemd"]
DOCKERFILE
    DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" "$ctx" >/dev/null 2>"$ctx/err" || {
        cat "$ctx/err" >&2
        rm -rf "$ctx"
        exit 1
    }
    rm -rf "$ctx"
    # Still in use by a container: then it stays, dangling, until that one is removed.
    if [ -n "$old" ]; then docker rmi "$old" >/dev/null 2>&1 || true; fi
    # Used now: root_save's pruning goes by this time.
    touch "$TAR"
}

# root_debootstrap PKGS: a minbase root of $RELEASE in $root with PKGS installed.
root_debootstrap() {
    if ! command -v debootstrap >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
    fi
    work=$(mktemp -d "$CACHE/build.XXXXXX")
    root=$work/root
    trap root_cleanup EXIT
    trap 'exit 130' INT TERM
    debootstrap --variant=minbase "$RELEASE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
        tail -30 "$work/debootstrap.log" >&2
        exit 1
    }
    # No service may start while packages install (the chroot shares the host's kernel and,
    # without this, docker.io's postinst would start a second dockerd on the build machine).
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    mount -t proc proc "$root/proc"
    root_chroot sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $1" \
        >"$work/apt.log" 2>&1 || {
        tail -30 "$work/apt.log" >&2
        exit 1
    }
    umount "$root/proc"
}

root_cleanup() {
    # Never leave a chroot's /proc mounted, then drop the half-built tree.
    if mountpoint -q "$root/proc" 2>/dev/null; then umount -l "$root/proc" || true; fi
    rm -rf "$work"
}

# root_chroot CMD...: run CMD in the root with a clean environment (and RELEASE in it).
root_chroot() {
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
        RELEASE="$RELEASE" "$@"
}

# root_slim: what a test image does not need (docs, apt's lists and caches, the policy-rc.d of
# the build), and no machine-id: systemd makes one at first boot and keeps it (the root is
# writable), so the journal and unit state stay put across a reboot (docker stop, docker start).
root_slim() {
    root_chroot sh -eu <<'EOF'
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/*.log \
    /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/lintian \
    /usr/sbin/policy-rc.d
find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
rm -f /etc/machine-id /var/lib/dbus/machine-id
# journald keeps the journal on disk so a reboot leaves the previous boot readable.
mkdir -p /var/log/journal
EOF
}

# root_mask_noise [UNIT...]: boot to multi-user.target, with the units that cannot work or only
# make noise in a container masked, and UNITs too.
root_mask_noise() {
    root_chroot sh -eu -s "$@" <<'EOF'
ln -sf /lib/systemd/system/multi-user.target /etc/systemd/system/default.target
for u in "$@" systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
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
EOF
}

# root_save: tar the root into the cache, import it as $IMAGE, prune the cache.
root_save() {
    tmp=$TAR.tmp.$$
    tar --numeric-owner --xattrs -C "$root" -cf "$tmp" .
    mv "$tmp" "$TAR"
    root_import
    # Tarballs of other hashes (older versions of the scripts) go once unused for a day, not at
    # once: another checkout on this machine may still be importing its own.
    find "$CACHE" -maxdepth 1 -name "$KIND-$RELEASE-*.tar" ! -name "$(basename "$TAR")" \
        -mtime +0 -delete
    echo "$KIND: built $IMAGE from debootstrap in $(($(date +%s) - START))s (hash $HASH, cache $TAR)"
}
