#!/bin/sh
# Build unitgen-test/fullhost:NAME (NAME: bookworm, the default, trixie or trixie-forky): a Debian root
# (debootstrap, minbase) that boots systemd as PID 1 inside a container and runs ITS OWN Docker
# engine under Debian's docker.service, docker.socket and containerd.service. Stopping and
# starting such a container is a real reboot of both systemd and dockerd.
#
# Made and cached by tests/images/debian-root.sh (see there): the tarball is
# ${UNITGEN_CACHE:-/var/cache/unitgen-test}/fullhost-RELEASE-HASH.tar, HASH covering this file
# and that one. Needs root on Debian.
set -eu

#
# trixie-forky: Debian 13 with the newest engine Debian carries, forky's docker.io, docker-cli,
# containerd and runc, installed with apt's pin (forky's own systemd cannot boot on a cgroup v1
# machine); the packages that install took stay in /opt/forky-engine, so that a test can
# upgrade a Debian 13 host's own engine to them without a download.
NAME=${1:-bookworm}
case $NAME in
bookworm | trixie) RELEASE=$NAME ;;
trixie-forky) RELEASE=trixie ;;
*)
    echo "usage: $0 [bookworm|trixie|trixie-forky]" >&2
    exit 2
    ;;
esac
# shellcheck source=../images/debian-root.sh
. "$(dirname "$0")/../images/debian-root.sh"
KIND=fullhost
[ "$NAME" = "$RELEASE" ] || KIND=fullhost-forky
root_setup "$KIND" "$RELEASE" "unitgen-test/fullhost:$NAME" "$0"
root_up_to_date && exit 0
root_import_cached && exit 0

# iptables and ca-certificates come with docker.io; iproute2 and procps are for the tests' eyes.
PKGS="systemd systemd-sysv dbus docker.io netcat-openbsd python3 python3-jinja2"
PKGS="$PKGS python3-click python3-docker python3-systemd procps iproute2"
# From trixie on the docker CLI is its own package, only recommended by docker.io.
[ "$RELEASE" = bookworm ] || PKGS="$PKGS docker-cli"
root_debootstrap "$PKGS"
# The engine's own package, kept in /opt/engine for `dpkg -i` (what `apt-get install
# --reinstall docker.io` does, without a download; root_slim empties apt's cache).
mkdir -p "$root/opt/engine"
cp "$root"/var/cache/apt/archives/docker.io_*.deb "$root/opt/engine/"
if [ "$NAME" = trixie-forky ]; then
    mount -t proc proc "$root/proc"
    root_chroot sh -eu -s "$MIRROR" >"$work/forky.log" 2>&1 <<'EOF' || {
echo "deb $1 forky main" >/etc/apt/sources.list.d/forky.list
printf 'Package: *\nPin: release n=forky\nPin-Priority: 100\n' >/etc/apt/preferences.d/forky
# The mirror's forky Release file may be past its Valid-Until date.
apt-get -o Acquire::Check-Valid-Until=false update -qq
apt-get clean
set -- docker.io/forky docker-cli/forky containerd/forky runc/forky
apt-get install -y -qq --no-install-recommends --download-only "$@"
mkdir -p /opt/forky-engine
cp /var/cache/apt/archives/*.deb /opt/forky-engine/
apt-get install -y -qq --no-install-recommends "$@"
rm /opt/engine/*.deb && cp /opt/forky-engine/docker.io_*.deb /opt/engine/
dockerd --version
EOF
        tail -30 "$work/forky.log" >&2
        exit 1
    }
    umount "$root/proc"
    tail -1 "$work/forky.log"
fi
root_slim
# docker.service, docker.socket and containerd.service stay as Debian ships them: they are
# what is under test.
# shellcheck disable=SC2119 # no units of its own to mask
root_mask_noise

root_chroot sh -eu <<'EOF'
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

root_save
