#!/usr/bin/env bash
# Build a minimal Debian root filesystem with debootstrap and import it as a Docker image.
# Usage: bootstrap.sh SUITE TAG LABEL...   (MIRROR in the environment)
# Used by build.sh only when `docker pull debian:SUITE-slim` fails (no registry reachable).
set -euo pipefail
suite=$1 tag=$2; shift 2
: "${MIRROR:?MIRROR must be set (from the apt sources of this machine)}"
if ! command -v debootstrap >/dev/null; then
  echo "    installing debootstrap with apt-get"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
root=$(mktemp -d "${TMPDIR:-/tmp}/lecture-rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
log="${TMPDIR:-/tmp}/lecture-debootstrap-$suite.log"
if ! debootstrap --variant=minbase "$suite" "$root" "$MIRROR" >"$log" 2>&1; then
  tail -20 "$log" >&2; echo "debootstrap failed (log: $log)" >&2; exit 1
fi
# Same trimming as the official -slim images: no package cache, no lists, no docs/man pages.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
       "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
       "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
# No device nodes in the image, as in the registry's images: the engine gives every container its
# own /dev. Left in, they are copied into every image built on this base and tools that unpack it
# as an ordinary user (`singularity pull docker-archive:...`) warn about each one.
rm -rf "${root:?}"/dev/*
mkdir -p "$root"/etc/dpkg/dpkg.cfg.d
printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
  'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' >"$root"/etc/dpkg/dpkg.cfg.d/docker-slim
changes=(--change 'CMD ["/bin/bash"]')
for l in "$@"; do changes+=(--change "LABEL $l"); done
tar --numeric-owner -C "$root" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
