#!/usr/bin/env bash
# Publishes what the image ships, into <outdir>/sidecar and <outdir>/bridge. The Dockerfile runs
# this script and CI runs it too (tests/ApisixPlugin.Deploy.Tests), so both build the same way.
#   sidecar: one NativeAOT file, apisix-plugin (it needs glibc and OpenSSL at run time, which the
#            runtime-deps image has): no JIT and no IL assemblies to map, so it starts in
#            milliseconds and holds about half the memory of the framework-dependent app.
#   bridge:  one fully static NativeAOT file, because the Argo Rollouts controller image it runs
#            in (distroless static) has no libc.
# Both need clang, lld and zlib1g-dev.
# Naming parts publishes only those (the tests time each part on its own); the default is both.
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 <outdir> [sidecar] [bridge]" >&2
  exit 2
fi
out="$1"
shift
parts=("$@")
((${#parts[@]})) || parts=(sidecar bridge)
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# publish_aot <outdir> <project> <args...>: dotnet publish, tried a second time if the first fails.
# The NativeAOT compiler (ilc 10.0.12) has been seen to fail once with "BadImageFormatException:
# Read out of bounds" on a framework assembly and then succeed on the same inputs; a real
# compile error fails both times.
# PUBLISH_ARTIFACTS_PATH, when set, keeps bin/ and obj/ there instead of in the checkout (the
# test run publishes beside a build of the same checkout).
publish_aot() {
  local dir=$1
  shift
  local extra=()
  [[ -n "${PUBLISH_ARTIFACTS_PATH:-}" ]] && extra=(--artifacts-path "$PUBLISH_ARTIFACTS_PATH/$(basename "$1")")
  dotnet publish "$@" "${extra[@]}" -o "$dir" || {
    echo "publish.sh: publishing $(basename "$1") failed; trying once more" >&2
    dotnet publish "$@" "${extra[@]}" -o "$dir"
  }
}

for part in "${parts[@]}"; do
  case "$part" in
    sidecar)
      # PublishAot and InvariantGlobalization come from the project. Symbols (.dbg, .pdb, about
      # 90 MB) are not shipped.
      publish_aot "$out/sidecar" "$repo/src/ApisixPlugin.Sidecar" -c Release -r linux-x64 \
        -p:CopyOutputSymbolsToPublishDirectory=false
      # Fail here, not in a pod, if the entry point is missing.
      test -x "$out/sidecar/apisix-plugin"
      ;;
    bridge)
      # Static linking and the rest come from the project.
      publish_aot "$out/bridge" "$repo/src/ApisixPlugin.Bridge" -c Release -r linux-x64
      test -x "$out/bridge/apisix-plugin-bridge"
      ;;
    *)
      echo "unknown part '$part' (sidecar, bridge)" >&2
      exit 2
      ;;
  esac
done
