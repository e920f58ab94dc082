#!/bin/sh
# Build the local test image unitgen-test/busybox:latest from Debian's busybox-static.
# No registry is reachable here, so every test image is made with `docker import`.
set -eu
IMAGE=${1:-unitgen-test/busybox:latest}
if docker image inspect "$IMAGE" >/dev/null 2>&1; then exit 0; fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/data"
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'nogroup:x:65534:' >"$root/etc/group"
tar -C "$root" -c . | docker import -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
echo "built $IMAGE"
