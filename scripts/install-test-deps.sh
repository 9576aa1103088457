#!/usr/bin/env bash
# What the test suite needs besides npm packages: a real redis-server (Debian package), which the
# tests start and stop themselves on loopback. Installs it when missing; does nothing otherwise.
set -euo pipefail
if command -v redis-server > /dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get > /dev/null 2>&1; then
  echo "redis-server is missing: install Redis 7 with your package manager (Debian/Ubuntu: apt-get install redis-server)." >&2
  exit 1
fi
run() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
echo "installing redis-server (Debian package) for the tests..."
export DEBIAN_FRONTEND=noninteractive
run apt-get update -qq > /dev/null || true
run apt-get install -y -qq redis-server > /dev/null
# The package starts a system service; the tests start their own server, so stop it if running.
(run systemctl disable --now redis-server > /dev/null 2>&1 || run service redis-server stop > /dev/null 2>&1) || true
command -v redis-server
