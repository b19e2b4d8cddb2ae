#!/usr/bin/env bash
# Installs the Debian packages the tests and the consumer test need, when they are missing. One script for all of them:
#   bash eng/install-prerequisites.sh            everything below
#   bash eng/install-prerequisites.sh redis      redis-server: the Redis tests start servers of their own on loopback
#   bash eng/install-prerequisites.sh chromium   chromium (and fonts): the dashboard's browser tests drive it headless
#   bash eng/install-prerequisites.sh aot        clang and zlib1g-dev: the consumer test publishes a Native AOT app
# Needs root (CI runs as root). No service is left running: the packages' own services are kept from starting
# (policy-rc.d) while they install.
set -euo pipefail

wanted=("$@")
if [ ${#wanted[@]} -eq 0 ]; then
  wanted=(redis chromium aot)
fi

packages=()
for item in "${wanted[@]}"; do
  case "$item" in
    redis) command -v redis-server >/dev/null 2>&1 || packages+=(redis-server) ;;
    chromium) { command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; } || packages+=(chromium fonts-dejavu-core) ;;
    aot)
      command -v clang >/dev/null 2>&1 || packages+=(clang)
      [ -e /usr/include/zlib.h ] || packages+=(zlib1g-dev)
      ;;
    *) echo "install-prerequisites: unknown item '$item' (redis, chromium, aot)" >&2; exit 2 ;;
  esac
done

if [ ${#packages[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "missing: ${packages[*]}; installing them needs root: sudo apt-get install -y ${packages[*]}" >&2
  exit 1
fi

echo "Installing ${packages[*]} (Debian packages)..."
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  # Removed however the script ends: left behind, it would keep every service of the machine from starting.
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
