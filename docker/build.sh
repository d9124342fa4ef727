#!/usr/bin/env bash
# Build the lecture's Docker images (default: all), cached by a hash of their inputs.
#   docker/build.sh                 # everything
#   docker/build.sh sandbox lab     # only these (and what they depend on)
#   docker/build.sh --context DIR TAG   # a deck's own image: DIR holds its Dockerfile; FROM may
#                                       # name one of the images above (built first)
# Each image carries the label org.lecture.hash=<sha256 of its build inputs + its base image ids>;
# an image is rebuilt only when that hash differs from the one on the existing image.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export DOCKER_BUILDKIT=0          # classic builder: same behaviour on every engine, --network host works
START=$SECONDS

ALL=(debian debian-sid sandbox lab lolcow apptainer)
declare -A TAG=(
  [debian]=lecture/debian:bookworm [debian-sid]=lecture/debian:sid
  [sandbox]=lecture/sandbox:latest [lab]=lecture/lab:latest
  [lolcow]=lecture/lolcow:latest [apptainer]=lecture/apptainer:latest )
declare -A DEPS=(
  [debian]="" [debian-sid]="" [sandbox]=debian [lab]=debian
  [lolcow]=debian [apptainer]="debian-sid debian lolcow" )
# Folders (under docker/) whose files are build inputs; the first one is the build context.
declare -A SRC=( [debian]=base [debian-sid]=base [sandbox]=sandbox [lab]="lab examples/dockerfile-example"
                [lolcow]=lolcow [apptainer]=apptainer )
declare -A SUITE=( [debian]=bookworm [debian-sid]=sid )

say()  { printf '[%4ds] %s\n' "$((SECONDS - START))" "$*"; }
die()  { printf 'build.sh: %s\n' "$*" >&2; exit 1; }

usage() { echo "usage: $0 [${ALL[*]}] | --context DIR TAG"; }
case "${1:-}" in -h|--help) usage; exit 0;; esac

command -v docker >/dev/null || die "the docker CLI is not installed"
if ! timeout 20 docker info >/dev/null 2>&1; then
  die "no Docker Engine reachable (docker info failed${DOCKER_HOST:+, DOCKER_HOST=$DOCKER_HOST}). Start one, e.g. 'dockerd >/var/log/dockerd.log 2>&1 &'."
fi

mirror() {
  local m=""
  [[ -r /etc/apt/sources.list.d/debian.sources ]] &&
    m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
  [[ -z $m && -r /etc/apt/sources.list ]] &&
    m=$(awk '$1=="deb"{for(i=2;i<=NF;i++) if($i ~ /^https?:/){print $i; exit}}' /etc/apt/sources.list)
  [[ -n $m ]] || die "cannot find the Debian mirror in this machine's apt sources"
  echo "$m"
}

image_id()    { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
image_label() { docker image inspect -f "{{index .Config.Labels \"$2\"}}" "$1" 2>/dev/null || true; }

input_hash() {
  local name=$1 d
  {
    echo "image:$name tag:${TAG[$name]} suite:${SUITE[$name]:-}"
    (cd "$HERE" && find ${SRC[$name]} -type f ! -name '*.log' -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
    for d in ${DEPS[$name]}; do echo "dep:$d:$(image_id "${TAG[$d]}")"; done
  } | sha256sum | cut -d' ' -f1
}

# docker build with one progress line per Dockerfile step; full log kept on failure.
docker_build() { # name ctx hash
  local name=$1 ctx=$2 hash=$3 log="${TMPDIR:-/tmp}/lecture-build-$1.log"
  local -a args=(build --network host --build-arg "MIRROR=$MIRROR"
                 --label "org.lecture.hash=$hash" -t "${TAG[$name]}" "$ctx")
  if ! docker "${args[@]}" 2>&1 | tee "$log" | while IFS= read -r line; do
        [[ $line == Step\ * ]] && say "  $name: ${line:0:110}"; done; then :; fi
  if [[ ${PIPESTATUS[0]:-0} != 0 ]] || ! grep -q '^Successfully tagged' "$log"; then
    tail -30 "$log" >&2; die "building ${TAG[$name]} failed (full log: $log)"
  fi
}

build_base() { # name hash
  local name=$1 hash=$2 suite=${SUITE[$1]} tag=${TAG[$1]}
  say "$name: trying 'docker pull debian:$suite-slim'"
  if timeout 300 docker pull -q "debian:$suite-slim" >/dev/null 2>&1; then
    local digest; digest=$(docker image inspect -f '{{index .RepoDigests 0}}' "debian:$suite-slim" 2>/dev/null || echo "debian:$suite-slim")
    printf 'FROM debian:%s-slim\nCMD ["/bin/bash"]\n' "$suite" |
      docker build -q --label "org.lecture.hash=$hash" --label "org.lecture.origin=pulled $digest" -t "$tag" - >/dev/null
    say "$name: pulled debian:$suite-slim, tagged $tag"
  else
    say "$name: pull failed (no registry); debootstrap --variant=minbase $suite from $MIRROR"
    MIRROR=$MIRROR "$HERE/base/bootstrap.sh" "$suite" "$tag" \
      "org.lecture.hash=$hash" "org.lecture.origin=\"bootstrapped: debootstrap --variant=minbase $suite\""
  fi
}

build_one() {
  local name=$1 tag=${TAG[$1]} hash have t0=$SECONDS
  hash=$(input_hash "$name")
  have=$(image_label "$tag" org.lecture.hash)
  if [[ $have == "$hash" ]]; then say "$tag: up to date"; return; fi
  say "$tag: building ($([[ -n $have ]] && echo "inputs changed" || echo "not present"))"
  MIRROR=${MIRROR:-$(mirror)}
  local src=(${SRC[$name]})
  if [[ ${src[0]} == base ]]; then
    build_base "$name" "$hash"
  else
    local ctx; ctx=$(mktemp -d "${TMPDIR:-/tmp}/lecture-ctx-$name.XXXXXX")
    cp -a "$HERE/${src[0]}/." "$ctx/"
    if [[ -x $ctx/prepare-context.sh ]]; then   # generated parts of the context (seed tars, .debs)
      say "  $name: preparing build context"
      MIRROR=$MIRROR DOCKER_DIR=$HERE "$ctx/prepare-context.sh" "$ctx" || { rm -rf "$ctx"; die "preparing the context of $tag failed"; }
    fi
    docker_build "$name" "$ctx" "$hash" || { rm -rf "$ctx"; exit 1; }
    rm -rf "$ctx"
  fi
  say "$tag: done in $((SECONDS - t0))s ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
}

# A deck's own image, from a Dockerfile context in the deck folder: the same cache (a hash label
# over the folder's files, the tag and the ids of its FROM images), the same offline build.
build_context() { # dir tag
  local dir=$1 tag=$2 hash have t0=$SECONDS from
  [[ -f $dir/Dockerfile ]] || die "no Dockerfile in $dir"
  hash=$({
    echo "context tag:$tag"
    (cd "$dir" && find . -type f ! -name '*.log' -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
    for from in $(awk 'toupper($1)=="FROM"{print $2}' "$dir/Dockerfile"); do echo "from:$from:$(image_id "$from")"; done
  } | sha256sum | cut -d' ' -f1)
  have=$(image_label "$tag" org.lecture.hash)
  if [[ $have == "$hash" ]]; then say "$tag: up to date"; return; fi
  say "$tag: building from $dir ($([[ -n $have ]] && echo "inputs changed" || echo "not present"))"
  MIRROR=${MIRROR:-$(mirror)}
  TAG[context]=$tag
  docker_build context "$dir" "$hash"
  say "$tag: done in $((SECONDS - t0))s ($(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
}

# The name build.sh knows an image by (lecture/debian:bookworm -> debian), or nothing.
known() { local n=${1#lecture/}; n=${n%:latest}
  [[ $n == debian:bookworm ]] && n=debian; [[ $n == debian:sid ]] && n=debian-sid
  [[ -n ${TAG[$n]:-} ]] && echo "$n"; }

# Order the requested images and their dependencies.
declare -A SEEN=(); ORDER=()
visit() { local n=$1 d; [[ -n ${SEEN[$n]:-} ]] && return; SEEN[$n]=1
  for d in ${DEPS[$n]}; do visit "$d"; done; ORDER+=("$n"); }
MIRROR=""
if [[ ${1:-} == --context ]]; then
  [[ $# -eq 3 ]] || { usage >&2; die "--context needs a folder and a tag"; }
  CTX=$(cd "$2" && pwd) || die "no folder $2"
  for from in $(awk 'toupper($1)=="FROM"{print $2}' "$CTX/Dockerfile" 2>/dev/null); do
    n=$(known "$from") && visit "$n"
  done
  for n in "${ORDER[@]}"; do build_one "$n"; done
  build_context "$CTX" "$3"
  say "all done: ${ORDER[*]} $3"
  exit 0
fi
REQ=("$@"); [[ ${#REQ[@]} -gt 0 ]] || REQ=("${ALL[@]}")
for n in "${REQ[@]}"; do
  k=$(known "$n") || { usage >&2; die "unknown image '$n'"; }
  visit "$k"
done
for n in "${ORDER[@]}"; do build_one "$n"; done
docker image prune -f --filter label=org.lecture.hash >/dev/null 2>&1 || true
say "all done: ${ORDER[*]}"
