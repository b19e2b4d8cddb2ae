#!/usr/bin/env bash
# The consumer test: the packages as a team gets them.
#   1. packs the solution as a release does (`dotnet pack -c Release`) into a temporary feed; any warning fails;
#   2. checks every library package: a .nupkg and a .snupkg, README, LICENSE, release notes, repository commit, and for
#      both lib/net8.0 and lib/net10.0 the assembly, its XML docs and (in the .snupkg) its PDB;
#   3. builds and runs test/Fluxgate.Consumer (a console app on net8.0 and net10.0, and a minimal web app), copied out of
#      the repository and referencing the packages by version from that feed, not the projects.
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
packages=$(cd src && ls -d */ | tr -d /)

step "package contents ($version)"
python3 - "$feed" "$version" $packages <<'PY'
import re, sys, zipfile, pathlib
feed, version, ids = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
problems = []
expected = {f"{i}.{version}.nupkg" for i in ids} | {f"{i}.{version}.snupkg" for i in ids}
found = {p.name for p in feed.iterdir()}
for extra in sorted(found - expected):
    problems.append(f"{extra}: not a library package (only src/* packs)")
for package in ids:
    nupkg, snupkg = feed / f"{package}.{version}.nupkg", feed / f"{package}.{version}.snupkg"
    if not nupkg.exists() or not snupkg.exists():
        problems.append(f"{package}: missing {'.nupkg' if not nupkg.exists() else '.snupkg'}")
        continue
    names = set(zipfile.ZipFile(nupkg).namelist())
    symbols = set(zipfile.ZipFile(snupkg).namelist())
    nuspec = zipfile.ZipFile(nupkg).read(f"{package}.nuspec").decode("utf-8")
    for name in ["README.md", "LICENSE"]:
        if name not in names:
            problems.append(f"{package}: no {name} in the package")
    for tfm in ["net8.0", "net10.0"]:
        for name in [f"lib/{tfm}/{package}.dll", f"lib/{tfm}/{package}.xml"]:
            if name not in names:
                problems.append(f"{package}: no {name}")
        if f"lib/{tfm}/{package}.pdb" not in symbols:
            problems.append(f"{package}: no lib/{tfm}/{package}.pdb in the symbol package")
    for element, pattern in [("readme", r"<readme>README\.md</readme>"), ("license", r'<license type="expression">MIT</license>'),
                             ("release notes", r"<releaseNotes>\s*\S"), ("repository commit", r'<repository [^>]*commit="[0-9a-f]{40}"'),
                             ("project URL", r"<projectUrl>https://"), ("description", r"<description>\s*\S"), ("tags", r"<tags>\s*\S")]:
        if not re.search(pattern, nuspec):
            problems.append(f"{package}: the nuspec has no {element}")
    if "<description>Package Description</description>" in nuspec:
        problems.append(f"{package}: the nuspec has the SDK's placeholder description")
    # SourceLink: every PDB maps its /_/ paths to the repository's raw files at the commit the nuspec names.
    commit = re.search(r'<repository [^>]*commit="([0-9a-f]{40})"', nuspec)
    for tfm in ["net8.0", "net10.0"]:
        pdb = f"lib/{tfm}/{package}.pdb"
        if commit and pdb in symbols:
            link = f'"/_/*":"https://raw.githubusercontent.com/fluxgate-dotnet/fluxgate/{commit.group(1)}/*"'.encode()
            if link not in zipfile.ZipFile(snupkg).read(pdb):
                problems.append(f"{package}: {pdb} has no SourceLink map to the commit {commit.group(1)}")
    print(f"  {package}: {len(names)} files, symbols for net8.0 and net10.0")
if problems:
    print("\n".join("  FAIL " + p for p in problems))
    sys.exit(1)
PY

step "redis-server for the fleet check"
if ! command -v redis-server >/dev/null; then
  bash eng/install-redis.sh
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
mkdir -p "$work/redis"
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work/redis" --daemonize no >"$work/redis/log" 2>&1 &
redis_pid=$!
for attempt in $(seq 1 100); do
  if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then break; fi
  if [ "$attempt" -eq 100 ]; then
    echo "consumer test: redis-server did not answer on port $port:" >&2
    cat "$work/redis/log" >&2
    exit 1
  fi
  sleep 0.1
done
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

if [ "$status" -ne 0 ]; then
  echo "consumer test: a consumer failed (above)" >&2
  exit 1
fi
echo "consumer test: passed ($version)"
