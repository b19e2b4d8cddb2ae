#!/usr/bin/env bash
# The consumer test: the packages as a team gets them.
#   1. packs the solution as a release does (`dotnet pack -c Release`) into a temporary feed; any warning fails;
#   2. checks every library package (test/Fluxgate.Consumer/Packages): a .nupkg and a .snupkg, README, LICENSE, release notes, repository commit, and for
#      both lib/net8.0 and lib/net10.0 the assembly, its XML docs and (in the .snupkg) its PDB;
#   3. builds and runs test/Fluxgate.Consumer (a console app on net8.0 and net10.0, and a minimal web app), copied out of
#      the repository and referencing the packages by version from that feed, not the projects;
#   4. publishes test/Fluxgate.Consumer/Aot with Native AOT (any trim or AOT warning fails it), runs it, runs the same app
#      on the JIT, and prints the two side by side: binary size, start-up to the first protected call, closed-call time.
# Starts a redis-server of its own on a free loopback port for the fleet check, and stops it. Usage:
#   bash eng/consumer-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

work=$(mktemp -d)
redis_pid=
cleanup() {
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
feed=$work/feed

step() { printf '\n== consumer test: %s\n' "$*"; }

step "dotnet pack -c Release -o <feed>"
dotnet pack -c Release -o "$feed" 2>&1 | tee "$work/pack.log"
if grep -iE ': warning( |:)' "$work/pack.log" | sort -u | grep .; then
  echo "consumer test: packing printed warnings (above)" >&2
  exit 1
fi

version=$(dotnet msbuild src/Fluxgate/Fluxgate.csproj -getProperty:PackageVersion)
# A package is a folder of src/ with a project of its name (src/Shared holds source files the projects include).
packages=$(cd src && for d in */; do d=${d%/}; if [ -f "$d/$d.csproj" ]; then echo "$d"; fi; done)

step "package contents ($version)"
dotnet run --project test/Fluxgate.Consumer/Packages -c Release -- "$feed" "$version" $packages

step "redis-server for the fleet checks, clang and zlib for Native AOT"
bash eng/install-prerequisites.sh redis aot
mkdir -p "$work/redis"
# A random high port, tried again if taken (redis-server then exits at once).
for try in 1 2 3 4 5; do
  port=$((20000 + RANDOM % 40000))
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis" --daemonize no >"$work/redis/log" 2>&1 &
  redis_pid=$!
  for attempt in $(seq 1 100); do
    if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then break 2; fi
    if ! kill -0 "$redis_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; redis_pid=
done
if [ -z "$redis_pid" ]; then
  echo "consumer test: redis-server did not answer on a loopback port:" >&2
  cat "$work/redis/log" >&2
  exit 1
fi
export FLUXGATE_CONSUMER_REDIS="127.0.0.1:$port"

step "consumers, from the feed by version"
# Out of the repository, so that nothing of its build reaches them; a packages folder of their own, so that the packages
# just packed are the ones used. Everything else comes from the machine's cache, through a fallback folder that links
# every package of it except Fluxgate's (the cache may hold an older build of this same version, which NuGet would take
# from a fallback folder before looking at any source).
cp -r test/Fluxgate.Consumer "$work/consumer"
rm -rf "$work/consumer"/*/bin "$work/consumer"/*/obj
cp eng/Net8SelfContained.props "$work/consumer/"
global=$(dotnet nuget locals global-packages --list | sed -E 's/^global-packages: *//; s:/*$::')
mkdir -p "$work/fallback"
for package in "$global"/*; do
  case "$(basename "$package")" in
    fluxgate|fluxgate.*) ;;
    *) ln -s "$package" "$work/fallback/" ;;
  esac
done
restore=(-p:FluxgateVersion="$version" -p:RestoreAdditionalProjectSources="$feed" -p:RestorePackagesPath="$work/packages" -p:RestoreFallbackFolders="$work/fallback")

status=0
for tfm in net10.0 net8.0; do
  echo "-- console ($tfm)"
  timeout 600 dotnet run --project "$work/consumer/Console" -c Release -f "$tfm" "${restore[@]}" || status=1
done
echo "-- web"
timeout 600 dotnet run --project "$work/consumer/Web" -c Release "${restore[@]}" || status=1

echo "-- native AOT: publish"
if timeout 900 dotnet publish "$work/consumer/Aot" -c Release --use-current-runtime -o "$work/aot" "${restore[@]}" 2>&1 | tee "$work/aot.log"; then
  # Warnings are errors in that project; this also catches one a target might print without failing.
  if grep -E 'warning (IL[23][0-9]{3}|NETSDK)' "$work/aot.log" | sort -u | grep .; then
    echo "consumer test: the Native AOT publish printed trim or AOT warnings (above)" >&2
    status=1
  fi
  echo "-- native AOT: run"
  timeout 300 "$work/aot/Fluxgate.Consumer.Aot" aot | tee "$work/aot.out" || status=1
else
  status=1
fi
echo "-- the same app on the JIT"
timeout 600 dotnet publish "$work/consumer/Aot" -c Release -p:PublishAot=false -o "$work/jit" "${restore[@]}" >"$work/jit.log" 2>&1 || { cat "$work/jit.log"; status=1; }
timeout 300 dotnet "$work/jit/Fluxgate.Consumer.Aot.dll" jit | tee "$work/jit.out" || status=1
if [ -f "$work/aot/Fluxgate.Consumer.Aot" ] && [ -f "$work/jit/Fluxgate.Consumer.Aot.dll" ]; then
  aot_size=$(stat -c %s "$work/aot/Fluxgate.Consumer.Aot")
  jit_size=$(du -sb --exclude='*.pdb' "$work/jit" | cut -f1)
  awk -v a="$aot_size" -v j="$jit_size" 'BEGIN { printf "consumer test figures: native AOT binary %.1f MB (self-contained, no runtime needed); JIT app %.1f MB (framework-dependent, needs the .NET runtime)\n", a / 1048576, j / 1048576 }'
  grep -h '^figures' "$work/aot.out" "$work/jit.out" | sed 's/^/consumer test /' || true
fi

if [ "$status" -ne 0 ]; then
  echo "consumer test: a consumer failed (above)" >&2
  exit 1
fi
echo "consumer test: passed ($version)"
