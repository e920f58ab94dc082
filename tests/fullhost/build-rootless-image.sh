#!/bin/sh
# Build unitgen-test/fullhost:trixie-rootless: the Debian 13 full host of build-image.sh (systemd
# as PID 1, its own engine under docker.service) that can also run a rootless Docker engine
# for a user: rootlesskit, uidmap (newuidmap/newgidmap), slirp4netns and dbus-user-session
# beside docker.io, whose /usr/share/docker.io/contrib has dockerd-rootless.sh and
# dockerd-rootless-setuptool.sh; and a user `rl` (uid 1000) with subordinate ids in /etc/subuid
# and /etc/subgid (useradd gives them). The rootless engine itself is set up by the test, as
# the user, with the setuptool (tests/fullhost/test_rootless.py).
#
# Its own script (not a NAME of build-image.sh), so that the other full-host images keep their
# hash and their cache. Made and cached by tests/images/debian-root.sh. Needs root on Debian.
#
# What the host container needs at run time (tests/fullhost/__init__.py ROOTLESS_FLAGS):
# /dev/net/tun (slirp4netns makes the engine's tap device there; opened as the user, so this
# image's tmpfiles.d makes it 0666 at each boot, as udev would) and a /proc without Docker's
# masked paths (--security-opt systempaths=unconfined): the kernel lets a user namespace mount
# a new proc only where no proc mount has parts covered ("mount proc:/proc ... operation not
# permitted" from runc otherwise).
set -eu
RELEASE=trixie
# shellcheck source=../images/debian-root.sh
. "$(dirname "$0")/../images/debian-root.sh"
root_setup fullhost-rootless "$RELEASE" "unitgen-test/fullhost:trixie-rootless" "$0"
root_up_to_date && exit 0
root_import_cached && exit 0

PKGS="systemd systemd-sysv dbus docker.io docker-cli netcat-openbsd python3 python3-jinja2"
PKGS="$PKGS python3-click python3-docker python3-systemd procps iproute2"
PKGS="$PKGS rootlesskit uidmap slirp4netns dbus-user-session"
root_debootstrap "$PKGS"
root_slim
# shellcheck disable=SC2119 # no units of its own to mask
root_mask_noise

root_chroot sh -eu <<'EOF2'
mkdir -p /etc/docker
echo '{"storage-driver": "vfs"}' >/etc/docker/daemon.json
# As build-image.sh's trixie: docker 26 cannot disable IPv6 through a read-only /proc/sys.
mkdir -p /etc/systemd/system/docker.service.d
cat >/etc/systemd/system/docker.service.d/ipv6.conf <<'UNIT'
[Service]
Environment=DOCKER_ALLOW_IPV6_ON_IPV4_INTERFACE=1
UNIT
# udev is masked in a container: the tun device passed in keeps the outer 0600.
echo 'z /dev/net/tun 0666 - - -' >/etc/tmpfiles.d/unitgen-tun.conf
useradd --create-home --shell /bin/sh --uid 1000 rl
grep -q '^rl:' /etc/subuid && grep -q '^rl:' /etc/subgid
echo unitgen-fullhost >/etc/hostname
EOF2

root_save
