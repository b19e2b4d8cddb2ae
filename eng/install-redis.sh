#!/usr/bin/env bash
# Installs redis-server (the Debian package) when it is missing, for the Redis tests, which start servers of their own
# on free loopback ports. Needs root (CI runs as root). The package's own service is kept from starting (policy-rc.d),
# so nothing is left running.
#   bash eng/install-redis.sh
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "redis-server is missing and installing it needs root: sudo apt-get install -y redis-server" >&2
  exit 1
fi

echo "Installing redis-server (Debian package) for the Redis tests..."
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  # Removed however the script ends: left behind, it would keep every service of the machine from starting.
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
