#!/usr/bin/env bash
# Add gVisor to this machine's Docker Engine, so the audience's sandboxes run under it:
#   sudo bash scripts/add-gvisor.sh
# 1. installs gVisor's runtime (Debian/Ubuntu package `runsc`) if it is missing;
# 2. merges {"runtimes": {"runsc": {"path": ..., "runtimeArgs": ["--network=none"]}}} into
#    /etc/docker/daemon.json (every other setting there is kept);
# 3. reloads a running engine with SIGHUP (runtimes reload without a restart: running
#    containers are untouched), or leaves the file for the engine's next start.
# Then restart the lecture server: it says at start-up which wall the sandboxes have.
# `--network=none`: gVisor's own network stack is not used (sandboxes have no network), and
# runsc refuses to start in the host's network namespace without it.
set -euo pipefail

CONFIG=${DOCKER_DAEMON_JSON:-/etc/docker/daemon.json}
PIDFILE=${DOCKER_PIDFILE:-/var/run/docker.pid}

if ! command -v runsc >/dev/null; then
  echo "installing runsc (gVisor)…"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends runsc
fi
RUNSC=$(command -v runsc)

mkdir -p "$(dirname "$CONFIG")"
# Merge, never overwrite: keep whatever else the engine is configured with.
node - "$CONFIG" "$RUNSC" <<'JS'
const { existsSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const [file, path] = process.argv.slice(2);
const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
let config;
try {
  config = text ? JSON.parse(text) : {};
} catch (error) {
  console.error(`${file} is not valid JSON (${error.message}); fix it first, nothing was changed.`);
  process.exit(1);
}
const wanted = { path, runtimeArgs: ['--network=none'] };
if (JSON.stringify(config.runtimes?.runsc) === JSON.stringify(wanted)) {
  console.log(`${file} already registers runsc`);
} else {
  config.runtimes = { ...config.runtimes, runsc: wanted };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(config, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  console.log(`registered runsc in ${file}`);
}
JS

# The host's engine: the pid in its pidfile (`pidof dockerd` would also list engines nested in
# containers, such as the lecture's Docker lab).
if command -v systemctl >/dev/null && systemctl is-active --quiet docker 2>/dev/null; then
  systemctl reload docker
elif [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  kill -HUP "$(cat "$PIDFILE")"
else
  echo "no running Docker Engine found: it loads runsc when it starts"
  exit 0
fi
for _ in $(seq 1 20); do
  if docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; then
    echo "the Docker Engine has runsc: docker run --rm --runtime=runsc --network none IMAGE uname -r"
    exit 0
  fi
  sleep 0.5
done
echo "the Docker Engine did not load runsc; see its log" >&2
exit 1
