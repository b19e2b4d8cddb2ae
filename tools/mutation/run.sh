#!/usr/bin/env bash
# Mutation testing of src/Fluxgate with Stryker.NET (a local dotnet tool, see .config/dotnet-tools.json). Not run in CI.
#
#   bash tools/mutation/run.sh                  the routine run: mutants of the source files changed since main (Stryker's
#                                               --since), plus those the changed tests cover; minutes for a usual change
#   bash tools/mutation/run.sh --since <ref>    the same against another commit, e.g. --since HEAD~3
#   bash tools/mutation/run.sh --part 1|2       half of the full run: 1 = Breaker/ and Listeners/, 2 = everything else
#   bash tools/mutation/run.sh --full           the full run, both halves at once (docs/reliability.md has its time)
#
# Further arguments go to Stryker. The report lands in StrykerOutput/reports/mutation-report.{html,json}; the run fails
# (exit code 1) when the score of what it tested is below 90% (thresholds.break in stryker-config.json). Record the full
# run's figures and explain its survivors in docs/reliability.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

mode=(--since:main)
case "${1:-}" in
  --full) mode=(); shift ;;
  --since) mode=("--since:${2:?--since needs a commit}"); shift 2 ;;
  --part)
    case "${2:-}" in
      1) mode=(--mutate "**/Breaker/**/*.cs" --mutate "**/Listeners/**/*.cs") ;;
      2) mode=(--mutate "**/*.cs" --mutate "!**/Breaker/**/*.cs" --mutate "!**/Listeners/**/*.cs") ;;
      *) echo "--part takes 1 or 2" >&2; exit 2 ;;
    esac
    shift 2
    ;;
esac

# The routine run on main itself, with nothing changed, would test no mutant and pass: say so instead.
if [ "${mode[*]-}" = "--since:main" ] && [ "$(git rev-parse HEAD)" = "$(git rev-parse main 2>/dev/null)" ] \
   && [ -z "$(git status --porcelain -- src test)" ]; then
  echo "Nothing changed since main: pass --since <commit> (e.g. --since HEAD~3), --part 1|2 or --full." >&2
  exit 2
fi

dotnet tool restore >/dev/null
cd src/Fluxgate
# The slow suites (torture) are filtered out by the config; the model-based run keeps its 10,000 programs.
dotnet stryker --config-file "$root/tools/mutation/stryker-config.json" --output "$root/StrykerOutput" ${mode[@]+"${mode[@]}"} "$@"
