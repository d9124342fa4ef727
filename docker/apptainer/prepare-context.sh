#!/usr/bin/env bash
# Generated parts of the build context:
#  - lolcow.tar, debian-bookworm.tar: `docker save` of lecture/lolcow and lecture/debian:bookworm,
#    converted to SIF files inside the image build;
#  - debs/: the Debian packages fortune-mod, cowsay, lolcat and what they need on top of the bookworm
#    base, so that singularity-example.def can "apt-get install" them without a network.
set -euo pipefail
ctx=$1
docker save lecture/lolcow:latest -o "$ctx/lolcow.tar"
docker save lecture/debian:bookworm -o "$ctx/debian-bookworm.tar"
chmod 644 "$ctx/lolcow.tar" "$ctx/debian-bookworm.tar"   # readable by the student in the image
mkdir -p "$ctx/debs"
docker run --rm --network host -e MIRROR="$MIRROR" -v "$ctx/debs:/out" lecture/debian:bookworm bash -euc '
  mkdir /tmp/apt.d; echo "deb $MIRROR bookworm main" >/tmp/apt.list
  A="-o Dir::Etc::SourceList=/tmp/apt.list -o Dir::Etc::SourceParts=/tmp/apt.d"
  apt-get $A update -qq
  apt-get $A install -y -qq --download-only --no-install-recommends fortune-mod fortunes-min cowsay lolcat >/dev/null
  cp /var/cache/apt/archives/*.deb /out/; chmod 644 /out/*.deb'
