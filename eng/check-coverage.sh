#!/usr/bin/env bash
# Holds the core library's coverage to a floor: reads the Cobertura report the core's tests wrote (coverlet, see
# test/Fluxgate.Tests/coverage.runsettings) and fails when lines or branches are below it.
#   bash eng/check-coverage.sh [report.xml...]
# The floor is what the suite reaches, rounded down; raise it when the suite does.
set -euo pipefail
cd "$(dirname "$0")/.."

min_lines=98
min_branches=96

# One report per target framework of the core's tests (net8.0 and net10.0): every one must reach the floor.
if [ $# -gt 0 ]; then
  reports=("$@")
else
  mapfile -t reports < <(ls test/Fluxgate.Tests/TestResults/*/coverage.cobertura.xml 2>/dev/null || true)
fi
if [ ${#reports[@]} -eq 0 ] || [ ! -f "${reports[0]}" ]; then
  echo "coverage: no report found (run dotnet test test/Fluxgate.Tests first)" >&2
  exit 1
fi
if [ $# -eq 0 ] && [ ${#reports[@]} -lt 2 ]; then
  echo "coverage: ${#reports[@]} report(s) found, one per target framework (net8.0, net10.0) expected" >&2
  exit 1
fi

status=0
for report in "${reports[@]}"; do
  root=$(grep -m 1 -o '<coverage [^>]*>' "$report")
  lines=$(sed -nE 's/.* line-rate="([0-9.]+)".*/\1/p' <<<"$root")
  branches=$(sed -nE 's/.* branch-rate="([0-9.]+)".*/\1/p' <<<"$root")
  awk -v l="$lines" -v b="$branches" -v ml="$min_lines" -v mb="$min_branches" -v r="$report" 'BEGIN {
    printf "coverage of src/Fluxgate: %.2f%% lines (floor %d%%), %.2f%% branches (floor %d%%) in %s\n", l * 100, ml, b * 100, mb, r
    if (l * 100 < ml || b * 100 < mb) { print "coverage: below the floor" > "/dev/stderr"; exit 1 }
  }' || status=1
done
exit "$status"
