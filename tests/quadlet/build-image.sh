#!/bin/sh
# Build unitgen-test/quadlet:trixie: a Debian 13 root (debootstrap, minbase) with Podman 5.4 and
# systemd, for two uses of the files `unitgen export --format quadlet` writes:
# - `docker run --rm IMAGE /usr/libexec/podman/quadlet -dryrun`: Podman's Quadlet generator
#   converts them or says why not (tests/docker/test_export_quadlet.py);
# - booted (its command is systemd, as PID 1): the files go in /etc/containers/systemd,
#   `systemctl daemon-reload` runs the generator, and the units it makes start real Podman
#   containers (tests/fullhost/test_export_quadlet_boot.py).
# Debian 12's Podman 4.3 has no Quadlet. Podman stores with vfs (overlay on the outer engine's
# overlay may fail) and runs crun, with netavark and aardvark-dns for its networks.
#
# Made and cached by tests/images/debian-root.sh (see there): the tarball is
# ${UNITGEN_CACHE:-/var/cache/unitgen-test}/quadlet-trixie-HASH.tar, HASH covering this file and
# that one. UNITGEN_QUADLET_IMAGE names the image instead. Needs root on Debian.
set -eu

RELEASE=trixie
# shellcheck source=../images/debian-root.sh
. "$(dirname "$0")/../images/debian-root.sh"
root_setup quadlet "$RELEASE" "${UNITGEN_QUADLET_IMAGE:-unitgen-test/quadlet:trixie}" "$0"
root_up_to_date && exit 0
root_import_cached && exit 0

# What Debian's podman only recommends, a booted host needs: netavark and aardvark-dns (its
# networks and their DNS), catatonit (--init), nftables/iptables (netavark's firewall).
PKGS="systemd systemd-sysv dbus podman crun conmon netavark aardvark-dns catatonit"
PKGS="$PKGS nftables iptables iproute2 procps"
root_debootstrap "$PKGS"
root_slim
# shellcheck disable=SC2119 # no units of its own to mask
root_mask_noise

root_chroot sh -eu <<'SH'
test -x /usr/libexec/podman/quadlet
mkdir -p /etc/containers/systemd
cat >/etc/containers/storage.conf <<'CONF'
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
CONF
# No registry is reachable: a short name resolves to docker.io, where the test's images are
# loaded under that name, and nothing asks which registry to use.
cat >/etc/containers/registries.conf.d/99-unitgen-test.conf <<'CONF'
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"
CONF
# Docker gives the host a read-only /proc/sys, where netavark sets its networks' sysctls
# (ip_forward, the bridge's and each container's interface): /proc/sys/net, which is the host's
# own network namespace's, is made writable at boot, the rest stays read-only.
cat >/etc/systemd/system/proc-sys-net-writable.service <<'UNIT'
[Unit]
Description=Writable /proc/sys/net for netavark (Docker gives a read-only /proc/sys)
DefaultDependencies=no
Before=sysinit.target
ConditionPathIsReadWrite=!/proc/sys/net

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/mount --bind /proc/sys/net /proc/sys/net
ExecStart=/bin/mount -o remount,bind,rw /proc/sys/net

[Install]
WantedBy=sysinit.target
UNIT
mkdir -p /etc/systemd/system/sysinit.target.wants
ln -s ../proc-sys-net-writable.service /etc/systemd/system/sysinit.target.wants/
echo unitgen-quadlet >/etc/hostname
SH

root_save
