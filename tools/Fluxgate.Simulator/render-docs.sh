#!/usr/bin/env bash
# Regenerates the pictures and figures of docs/simulator.md with the simulator itself.
# Run from anywhere: bash tools/Fluxgate.Simulator/render-docs.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
dotnet build tools/Fluxgate.Simulator -c Release -v quiet >/dev/null
for scenario in hard-outage flapping slow-brownout partial-failure traffic-burst fleet-outage; do
  out="$(mktemp -d)"
  dotnet run --no-build -c Release --project tools/Fluxgate.Simulator -- "$scenario" --out "$out" >/dev/null
  cp "$out/chart.svg" "docs/images/simulator-$scenario.svg"
  cp "$out/summary.md" "docs/images/simulator-$scenario.md"
  rm -rf "$out"
done
echo "docs/images/simulator-*.svg and .md rewritten"
