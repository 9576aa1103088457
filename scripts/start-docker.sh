#!/usr/bin/env bash
# Starts a Docker daemon for the container tests (test/e2e/docker-image.test.ts) when none answers:
# as root, with the options this kind of machine allows (no iptables, no bridge: containers use
# host networking; the vfs storage driver, which needs no overlay support). Idempotent: does
# nothing when `docker info` already answers. Exits 1 when no daemon can be had (not root, no
# dockerd), which the tests report as a skip. Its log: ${DOCKERD_LOG:-/tmp/claude-gateway-dockerd.log}.
set -euo pipefail
if docker info > /dev/null 2>&1; then
  exit 0
fi
if ! command -v dockerd > /dev/null 2>&1; then
  echo "start-docker: dockerd is not installed (Debian: apt-get install docker.io)" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "start-docker: dockerd must be started as root here; start a Docker daemon yourself" >&2
  exit 1
fi
log="${DOCKERD_LOG:-/tmp/claude-gateway-dockerd.log}"
exec 9> /tmp/claude-gateway-dockerd.lock
flock 9
if ! docker info > /dev/null 2>&1; then
  setsid nohup dockerd --iptables=false --bridge=none --storage-driver=vfs > "$log" 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    if docker info > /dev/null 2>&1; then break; fi
    sleep 0.5
  done
fi
if ! docker info > /dev/null 2>&1; then
  echo "start-docker: dockerd did not answer within 30 s; see $log" >&2
  tail -n 20 "$log" >&2 || true
  exit 1
fi
