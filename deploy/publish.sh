#!/usr/bin/env bash
# Publishes what the image ships, into <outdir>/sidecar and <outdir>/bridge. The Dockerfile runs
# this script and CI runs it too (tests/ApisixPlugin.Deploy.Tests), so both build the same way.
#   sidecar: framework-dependent ASP.NET Core app, run as `dotnet apisix-plugin.dll`.
#   bridge:  one fully static NativeAOT file, because the Argo Rollouts controller image it runs
#            in (distroless static) has no libc. Needs clang, lld and zlib1g-dev.
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

for part in "${parts[@]}"; do
  case "$part" in
    sidecar)
      dotnet publish "$repo/src/ApisixPlugin.Sidecar" -c Release -o "$out/sidecar"
      # Fail here, not in a pod, if the entry point is missing.
      test -f "$out/sidecar/apisix-plugin.dll"
      ;;
    bridge)
      dotnet publish "$repo/src/ApisixPlugin.Bridge" -c Release -r linux-x64 \
        -p:PublishAot=true -p:StaticExecutable=true -p:LinkerFlavor=lld -p:InvariantGlobalization=true \
        -o "$out/bridge"
      test -x "$out/bridge/apisix-plugin-bridge"
      ;;
    *)
      echo "unknown part '$part' (sidecar, bridge)" >&2
      exit 2
      ;;
  esac
done
