#!/usr/bin/env bash
# What the test suite needs besides npm packages, from Debian's packages: redis-server (the tests
# start and stop their own servers on loopback), docker.io and busybox-static (the container
# image test: a daemon that scripts/start-docker.sh starts, and the shell of the base image the
# test builds), prometheus (promtool checks the compose stack's Prometheus configuration),
# chromium (the admin UI's browser tests drive it headless through playwright-core).
# Installs what is missing; does nothing otherwise.
set -euo pipefail
missing=()
need() { command -v "$1" > /dev/null 2>&1 || missing+=("$2"); }
need redis-server redis-server
need dockerd docker.io
need busybox busybox-static
need promtool prometheus
need chromium chromium
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get > /dev/null 2>&1; then
  echo "missing for the tests: ${missing[*]} (Debian package names): install them with your package manager." >&2
  exit 1
fi
run() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
echo "installing ${missing[*]} (Debian packages) for the tests..."
export DEBIAN_FRONTEND=noninteractive
run apt-get update -qq > /dev/null || true
run apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
# The packages start system services where a service manager runs; the tests start their own
# servers, so stop those if running.
for service in redis-server prometheus prometheus-node-exporter; do
  (run systemctl disable --now "$service" > /dev/null 2>&1 || run service "$service" stop > /dev/null 2>&1) || true
done
command -v redis-server dockerd busybox promtool chromium
