#!/usr/bin/env bash
# Builds the Go peers and publishes the bridge into the shared caches, once per source hash, and
# prints two lines: the peers' folder and the bridge file. Used by bench.sh, by tests/run-all.sh
# before the suites (so that the 4-5 minute cold NativeAOT publish never runs under a test's hang
# timeout), and by the Bridge.GoClient suite itself when run alone. Keys: tests/infra/cache.sh.
# Env: APISIX_BRIDGE_PATH (use this file, publish nothing), APISIXPLUGIN_CACHE.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../infra/cache.sh
source "$repo/tests/infra/cache.sh"

peers="$cache/goplugin-peer/$(source_hash tests/goplugin-peer/src tests/goplugin-peer/build.sh)"
if [[ ! -x "$peers/gobdump" ]]; then
  "$here/build.sh" "$peers.building-$$" >/dev/null
  mv -T "$peers.building-$$" "$peers" 2>/dev/null || rm -rf "$peers.building-$$"
fi

bridge="${APISIX_BRIDGE_PATH:-}"
if [[ -z "$bridge" ]]; then
  bridge_dir="$cache/bridge/$(source_hash src/ApisixPlugin.Bridge src/ApisixPlugin.GoPlugin src/ApisixPlugin.Contracts protos Directory.Build.props Directory.Packages.props)"
  bridge="$bridge_dir/apisix-plugin-bridge"
  if [[ ! -x "$bridge" ]]; then
    work="$(mktemp -d /tmp/apisixplugin-bridge-publish-XXXXXX)"
    trap 'rm -rf "$work"' EXIT
    echo "prepare.sh: publishing the bridge (NativeAOT, a few minutes)" >&2
    DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet publish "$repo/src/ApisixPlugin.Bridge" -c Release -r linux-x64 \
      --artifacts-path "$work/artifacts" -o "$work/bridge" >"$work/publish.log" 2>&1 \
      || { tail -n 30 "$work/publish.log" >&2; echo "prepare.sh: publishing the bridge failed" >&2; exit 1; }
    mkdir -p "$bridge_dir"
    mv "$work/bridge/apisix-plugin-bridge" "$bridge.tmp-$$" && mv -f "$bridge.tmp-$$" "$bridge"
  fi
fi
[[ -x "$bridge" ]] || { echo "prepare.sh: $bridge is not an executable file" >&2; exit 1; }

echo "$peers"
echo "$bridge"
