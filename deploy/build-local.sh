#!/usr/bin/env bash
# Build and run the CPU service image with neither a Docker engine nor a registry:
# a Debian bookworm base made with debootstrap and imported into podman, the image built
# with buildah (--isolation chroot) from the same Dockerfile, run with podman (runc).
#
#   deploy/build-local.sh build            # base (cached) + image localhost/gesture:local
#   deploy/build-local.sh run [PORT]       # start it on the host network (default 8000)
#   deploy/build-local.sh stop [PORT]
#   deploy/build-local.sh podman ARGS...  # podman with the same configuration
#
# Needs root and Debian's buildah, podman, runc and debootstrap. Behind a TLS-inspecting
# proxy the host's CA bundle ($CA_BUNDLE) is mounted into the build for pip.
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${GESTURE_BUILD_CACHE:-/var/cache/gesture-build}
BASE_IMAGE=localhost/gesture-base:bookworm
IMAGE=${IMAGE:-localhost/gesture:local}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$CACHE"
if [ -z "${CONTAINERS_CONF:-}" ]; then
    export CONTAINERS_CONF="$CACHE/containers.conf"
    # containers may not ask for more open files or processes than this shell may have
    nofile="$(ulimit -Hn)"; [ "$nofile" = unlimited ] && nofile=65536
    # (higher process limits than this were refused here even under the shell's own limit)
    nproc="$(ulimit -Hu)"; { [ "$nproc" = unlimited ] || [ "$nproc" -gt 4096 ]; } && nproc=4096
    cat > "$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
fi

base() {
    if podman image exists "$BASE_IMAGE"; then return; fi
    if [ ! -x "$CACHE/rootfs/usr/bin/python3" ]; then
        rm -rf "$CACHE/rootfs.partial"
        debootstrap --variant=minbase --include=python3,python3-pip,ca-certificates,libusb-1.0-0 \
            bookworm "$CACHE/rootfs.partial" "$MIRROR"
        rm -rf "$CACHE/rootfs" && mv "$CACHE/rootfs.partial" "$CACHE/rootfs"
    fi
    tar -C "$CACHE/rootfs" -c . | podman import - "$BASE_IMAGE"
}

build() {
    base
    buildah bud --isolation chroot --layers --format docker --target service \
        --build-arg BASE="$BASE_IMAGE" --build-arg PIP_CERT=/run/host-ca.crt \
        --volume "$CA_BUNDLE:/run/host-ca.crt:ro" \
        -t "$IMAGE" -f Dockerfile .
}

case "${1:-build}" in
    build) build ;;
    run)
        port=${2:-8000}
        podman run -d --rm --network host --name "gesture-$port" -e GESTURE_PORT="$port" "$IMAGE" ;;
    stop)
        podman stop -t 20 "gesture-${2:-8000}" ;;
    podman)
        shift
        podman "$@" ;;
    *) echo "usage: $0 build | run [PORT] | stop [PORT] | podman ARGS..." >&2; exit 2 ;;
esac
