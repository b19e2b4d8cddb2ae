#!/usr/bin/env bash
# Mutation testing of src/Fluxgate with Stryker.NET (a local dotnet tool, see .config/dotnet-tools.json).
# One command from the repository root:   bash tools/mutation/run.sh
# The report lands in StrykerOutput/reports/mutation-report.{html,json}; the score is printed at the end.
# Not run in CI: it takes about 15 minutes on 2 cores. See docs/reliability.md for the last figures.
# The run fails (exit code 1) when the mutation score is below 90% (thresholds.break in stryker-config.json).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
dotnet tool restore >/dev/null
cd src/Fluxgate
# The slow suites (torture) are filtered out by the config; the model-based run keeps its 10,000 programs.
dotnet stryker --config-file "$root/tools/mutation/stryker-config.json" --output "$root/StrykerOutput" "$@"
