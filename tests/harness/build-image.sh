#!/bin/sh
# Build unitgen-test/systemd-harness:RELEASE (RELEASE: bookworm, the default, or trixie): a
# Debian root (debootstrap, minbase) that boots systemd as PID 1 inside a container and drives
# the *outer* Docker engine through the bind-mounted socket.
#
# Made and cached by tests/images/debian-root.sh (see there): the tarball is
# ${UNITGEN_CACHE:-/var/cache/unitgen-test}/harness-RELEASE-HASH.tar, HASH covering this file
# and that one. UNITGEN_HARNESS_IMAGE names the image instead. Needs root on Debian.
set -eu

RELEASE=${1:-bookworm}
case $RELEASE in
bookworm | trixie) ;;
*)
    echo "usage: $0 [bookworm|trixie]" >&2
    exit 2
    ;;
esac
# shellcheck source=../images/debian-root.sh
. "$(dirname "$0")/../images/debian-root.sh"
root_setup harness "$RELEASE" "${UNITGEN_HARNESS_IMAGE:-unitgen-test/systemd-harness:$RELEASE}" "$0"
root_up_to_date && exit 0
root_import_cached && exit 0

PKGS="systemd systemd-sysv dbus python3 python3-jinja2 python3-click python3-docker"
PKGS="$PKGS python3-systemd netcat-openbsd procps curl"
# docker.io as on a real host (unitgen's package depends on it), though only its CLI is used
# here: the engine is the host's, reached through the socket, and the inner one is removed
# below. From trixie on the CLI is its own package, only recommended by docker.io.
PKGS="$PKGS docker.io"
[ "$RELEASE" = bookworm ] || PKGS="$PKGS docker-cli"
root_debootstrap "$PKGS"
root_slim
# No inner engine.
root_mask_noise docker.socket containerd.service

root_chroot sh -eu <<'EOF'
# Only the docker CLI is wanted: the engine is the host's.
rm -f /usr/sbin/dockerd /usr/bin/containerd /usr/bin/containerd-shim* /usr/bin/ctr \
    /usr/sbin/runc /usr/bin/runc /usr/sbin/docker-proxy /usr/bin/docker-proxy

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

root_save
