#!/usr/bin/env bash
# Publishes what the image ships, into <outdir>/sidecar and <outdir>/bridge. The Dockerfile runs
# this script and CI runs it too (tests/ApisixPlugin.Deploy.Tests), so both build the same way.
#   sidecar: framework-dependent ASP.NET Core app, run as `dotnet apisix-plugin.dll`.
#   bridge:  one fully static NativeAOT file, because the Argo Rollouts controller image it runs
#            in (distroless static) has no libc. Needs clang, lld and zlib1g-dev.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 <outdir>" >&2
  exit 2
fi
out="$1"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet publish "$repo/src/ApisixPlugin.Sidecar" -c Release -o "$out/sidecar"

dotnet publish "$repo/src/ApisixPlugin.Bridge" -c Release -r linux-x64 \
  -p:PublishAot=true -p:StaticExecutable=true -p:LinkerFlavor=lld -p:InvariantGlobalization=true \
  -o "$out/bridge"

# Fail here, not in a pod, if either entry point is missing.
test -f "$out/sidecar/apisix-plugin.dll"
test -x "$out/bridge/apisix-plugin-bridge"
