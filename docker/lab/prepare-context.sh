#!/usr/bin/env bash
# Adds the demo files of /root/demo (docker/examples/dockerfile-example) and the seed of the inner engine to the build context: lecture/debian:bookworm as a docker save tar.
set -euo pipefail
ctx=$1
mkdir -p "$ctx/seed"
docker save lecture/debian:bookworm -o "$ctx/seed/lecture-debian-bookworm.tar"
echo "lecture-debian-bookworm.tar lecture/debian:bookworm" >"$ctx/seed/images"
mkdir -p "$ctx/demo"
cp -a "$DOCKER_DIR/examples/dockerfile-example" "$ctx/demo/"
