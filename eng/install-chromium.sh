#!/usr/bin/env bash
# Installs chromium (and fonts) when it is missing (eng/install-prerequisites.sh chromium); the dashboard's browser tests
# (test/Fluxgate.AspNetCore.Tests) drive it headless through Playwright's ExecutablePath.
exec bash "$(dirname "$0")/install-prerequisites.sh" chromium
