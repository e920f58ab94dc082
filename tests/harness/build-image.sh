#!/bin/sh
# Build unitgen-test/systemd-harness:bookworm: a Debian 12 root (debootstrap, minbase) that
# boots systemd as PID 1 inside a container and drives the *outer* Docker engine through the
# bind-mounted socket. No registry is reachable, so the image is made with `docker import`.
#
# Cache: the rootfs tarball is kept in ${UNITGEN_CACHE:-/var/cache/unitgen-test}/harness-HASH.tar
# where HASH is the first 12 hex digits of this file's sha256. An image already labelled
# unitgen.harness.hash=HASH means there is nothing to do; a cached tarball is only imported.
# Any edit to this file therefore rebuilds. Needs root (debootstrap, chroot) on Debian.
set -eu

IMAGE=${UNITGEN_HARNESS_IMAGE:-unitgen-test/systemd-harness:bookworm}
CACHE=${UNITGEN_CACHE:-/var/cache/unitgen-test}
MIRROR=${UNITGEN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
HASH=$(sha256sum "$SELF" | cut -c1-12)
TAR=$CACHE/harness-$HASH.tar
PKGS="systemd systemd-sysv dbus python3 python3-docker python3-jinja2 python3-click"
PKGS="$PKGS python3-systemd docker.io netcat-openbsd procps curl"

# One build at a time (parallel test runs, two shells): the second waits, then finds it done.
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

have=$(docker image inspect -f '{{index .Config.Labels "unitgen.harness.hash"}}' "$IMAGE" 2>/dev/null || true)
if [ "$have" = "$HASH" ]; then
    echo "harness: $IMAGE is up to date (hash $HASH), nothing to do"
    exit 0
fi

import_tar() {
    # `docker import -c` (and commit) refuse STOPSIGNAL, so the metadata goes on in a one-step
    # build FROM the imported root (the legacy builder needs no registry and no buildx).
    base=$(docker import "$1")
    ctx=$(mktemp -d)
    cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $base
ENV container=docker
STOPSIGNAL SIGRTMIN+3
LABEL unitgen.harness.hash=$HASH
CMD ["/lib/systemd/systemd"]
DOCKERFILE
    DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" "$ctx" >/dev/null 2>"$ctx/err" || {
        cat "$ctx/err" >&2
        rm -rf "$ctx"
        exit 1
    }
    rm -rf "$ctx"
}

if [ -f "$TAR" ]; then
    import_tar "$TAR"
    echo "harness: imported $IMAGE from cached $TAR (hash $HASH)"
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

debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
    tail -30 "$work/debootstrap.log" >&2
    exit 1
}

# No service may start while packages install (the chroot shares the host's kernel).
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

chroot "$root" sh -eu <<'EOF'
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/log/*.log \
    /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/lintian \
    /usr/sbin/policy-rc.d
find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
# Only the docker CLI is wanted: the engine is the host's, reached through the socket.
rm -f /usr/sbin/dockerd /usr/bin/containerd /usr/bin/containerd-shim* /usr/bin/ctr \
    /usr/sbin/runc /usr/bin/runc /usr/sbin/docker-proxy /usr/bin/docker-proxy

# systemd generates a machine-id on first boot and keeps it (the root is writable), so the
# journal and unit state stay put across a `docker restart` (the harness's reboot).
rm -f /etc/machine-id /var/lib/dbus/machine-id
# journald keeps the journal on disk so a reboot leaves the previous boot readable.
mkdir -p /var/log/journal

ln -sf /lib/systemd/system/multi-user.target /etc/systemd/system/default.target
# No inner engine; units that cannot work or only make noise in a container.
for u in docker.socket containerd.service \
    systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket \
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

cat >/usr/local/sbin/wait-for-outer-docker <<'SH'
#!/bin/sh
# The harness's docker.service: the engine is the host's, reached through /run/docker.sock.
# Succeed once it answers, so units that Require docker.service can start; fail after ~60 s.
i=0
until docker version >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -ge 120 ]; then
        echo "the outer Docker engine did not answer on /run/docker.sock" >&2
        exit 1
    fi
    sleep 0.5
done
echo "outer Docker engine $(docker version --format '{{.Server.Version}}') is reachable"
SH
chmod 755 /usr/local/sbin/wait-for-outer-docker

cat >/etc/systemd/system/docker.service <<'UNIT'
[Unit]
Description=Outer Docker engine (harness stand-in: the engine runs on the host)
After=network.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/wait-for-outer-docker
TimeoutStartSec=90

[Install]
WantedBy=multi-user.target
UNIT
rm -f /etc/systemd/system/multi-user.target.wants/docker.service \
    /etc/systemd/system/sockets.target.wants/docker.socket \
    /etc/systemd/system/multi-user.target.wants/containerd.service
mkdir -p /etc/systemd/system/multi-user.target.wants
ln -s /etc/systemd/system/docker.service /etc/systemd/system/multi-user.target.wants/docker.service

cat >/usr/local/bin/unitgen <<'SH'
#!/bin/sh
PYTHONPATH=/src exec python3 -m unitgen "$@"
SH
chmod 755 /usr/local/bin/unitgen
echo unitgen-harness >/etc/hostname
EOF

tmp=$TAR.tmp.$$
tar --numeric-owner --xattrs -C "$root" -cf "$tmp" .
mv "$tmp" "$TAR"
import_tar "$TAR"
# Older tarballs of this script are useless now.
for old in "$CACHE"/harness-*.tar; do
    [ "$old" = "$TAR" ] || rm -f "$old"
done
echo "harness: built $IMAGE from debootstrap in $(($(date +%s) - start))s (hash $HASH, cache $TAR)"
