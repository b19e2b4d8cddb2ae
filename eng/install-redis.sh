#!/usr/bin/env bash
# Installs redis-server when it is missing (eng/install-prerequisites.sh redis); the Redis tests run it.
exec bash "$(dirname "$0")/install-prerequisites.sh" redis
