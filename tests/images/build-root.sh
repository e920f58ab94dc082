#!/bin/sh
# Build unitgen-test/debbuild:RELEASE (RELEASE: bookworm or trixie): a Debian root (debootstrap,
# minbase) with unitgen's Build-Depends and lintian, in which packaging/build-deb.sh --release
# RELEASE builds the .deb and checks it, whatever Debian the machine itself runs. apt's lists
# are kept (unlike the test images), so that the .deb's dependencies can be resolved there
# against RELEASE's main archive alone.
#
# Made and cached by tests/images/debian-root.sh (see there): the tarball is
# ${UNITGEN_CACHE:-/var/cache/unitgen-test}/debbuild-RELEASE-HASH.tar, HASH covering this file
# and that one. Needs root on Debian.
set -eu

RELEASE=${1:-}
case $RELEASE in
bookworm | trixie) ;;
*)
    echo "usage: $0 bookworm|trixie" >&2
    exit 2
    ;;
esac
# shellcheck source=debian-root.sh
. "$(dirname "$0")/debian-root.sh"
root_setup debbuild "$RELEASE" "unitgen-test/debbuild:$RELEASE" "$0"
root_up_to_date && exit 0
root_import_cached && exit 0

# packaging/debian/control's Build-Depends (and python3-systemd, which the man page's import of
# the CLI wants), build-essential (which dpkg-buildpackage requires from trixie's dpkg 1.22 on,
# as Debian policy always did), dpkg-dev and lintian.
PKGS="build-essential dpkg-dev debhelper dh-python pybuild-plugin-pyproject python3-all python3-setuptools"
PKGS="$PKGS python3-jinja2 python3-click python3-docker python3-systemd lintian"
root_debootstrap "$PKGS"
root_chroot sh -eu <<'EOF'
apt-get clean
rm -f /usr/sbin/policy-rc.d /etc/machine-id
EOF
root_save
