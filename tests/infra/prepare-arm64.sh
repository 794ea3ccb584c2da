#!/usr/bin/env bash
# Cross-publishes the bridge and the sidecar for linux-arm64 with deploy/publish.sh --arch arm64
# (the script the image's build stage runs) into the shared cache, once per source hash, and prints
# two lines: the arm64 bridge file and the arm64 sidecar file. tests/run-all.sh passes them to the
# Deploy suite (APISIX_ARM64_BRIDGE_PATH, APISIX_ARM64_SIDECAR_PATH), which checks their ELF
# headers and runs the bridge under qemu-aarch64-static; run alone, that suite runs this itself.
# Needs crossbuild-essential-arm64 (tests/infra/install-deps.sh). Cold: ~1 minute for the bridge,
# a few for the sidecar; unchanged sources cost nothing.
# Env: APISIXPLUGIN_CACHE (default /var/cache/apisixplugin).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=cache.sh
source "$repo/tests/infra/cache.sh"

bridge_dir="$cache/bridge-arm64/$(source_hash src/ApisixPlugin.Bridge src/ApisixPlugin.GoPlugin src/ApisixPlugin.Contracts protos \
  deploy/publish.sh Directory.Build.props Directory.Packages.props)"
bridge="$bridge_dir/apisix-plugin-bridge"
if [[ ! -x "$bridge" ]]; then
  work="$(mktemp -d /tmp/apisixplugin-bridge-arm64-XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  echo "prepare-arm64.sh: publishing the arm64 bridge (NativeAOT, cross-compiled)" >&2
  PUBLISH_ARTIFACTS_PATH="$work/artifacts" bash "$repo/deploy/publish.sh" --arch arm64 "$work/out" bridge >"$work/publish.log" 2>&1 \
    || { tail -n 40 "$work/publish.log" >&2; echo "prepare-arm64.sh: publishing the arm64 bridge failed" >&2; exit 1; }
  mkdir -p "$bridge_dir"
  mv "$work/out/bridge/apisix-plugin-bridge" "$bridge.tmp-$$" && mv -f "$bridge.tmp-$$" "$bridge"
fi

sidecar="$(bash "$repo/tests/infra/prepare-sidecar.sh" arm64)"

echo "$bridge"
echo "$sidecar"
