#!/usr/bin/env bash
# Rewrites src/*/PublicAPI.Unshipped.txt from the code: every public symbol not in PublicAPI.Shipped.txt, nothing else
# (symbols that were removed disappear too). Run after changing a public API; review the diff like code.
#   bash eng/update-public-api.sh [src/Project ...]
set -euo pipefail
cd "$(dirname "$0")/.."
projects=("$@")
if [ ${#projects[@]} -eq 0 ]; then
  projects=(src/*/)
fi

for project in "${projects[@]}"; do
  project=${project%/}
  file="$project/PublicAPI.Unshipped.txt"
  [ -f "$file" ] || continue
  printf '#nullable enable\n' > "$file"
  dotnet format analyzers "$project" --diagnostics RS0016 --verbosity quiet
  # Keep the file sorted and free of duplicates (one entry per line, whatever the order the fixer wrote them in).
  { head -n 1 "$file"; tail -n +2 "$file" | LC_ALL=C sort -u; } > "$file.tmp" && mv "$file.tmp" "$file"
  echo "updated $file"
done
