#!/usr/bin/env bash
# Publishes the sidecar exactly as the image does (deploy/publish.sh: one NativeAOT file) into the
# shared cache, once per source hash, and prints the file's path. tests/run-all.sh passes it to
# the suites as APISIX_SIDECAR_PATH, so the integration and bridge tests run the file that ships,
# not the JIT build. The cold publish takes 3-5 minutes on 2 cores; unchanged sources cost nothing.
# An architecture argument (arm64) publishes for that CPU instead, cross-compiled as publish.sh does
# (tests/infra/prepare-arm64.sh); the default is x64, this machine's.
# Env: APISIXPLUGIN_CACHE (default /var/cache/apisixplugin).
set -euo pipefail

arch="${1:-x64}"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=cache.sh
source "$repo/tests/infra/cache.sh"
hash="$(source_hash src/ApisixPlugin.Sidecar src/ApisixPlugin.Kubernetes src/ApisixPlugin.Routing src/ApisixPlugin.Core src/ApisixPlugin.Contracts protos deploy/examples \
  deploy/publish.sh Directory.Build.props Directory.Packages.props)"
# The x64 folder keeps its name from before there was an arm64 one.
target="$cache/sidecar$([[ "$arch" == x64 ]] || echo "-$arch")/$hash/apisix-plugin"

if [[ ! -x "$target" ]]; then
  work="$(mktemp -d /tmp/apisixplugin-sidecar-publish-XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  echo "prepare-sidecar.sh: publishing the $arch sidecar (NativeAOT, a few minutes)" >&2
  PUBLISH_ARTIFACTS_PATH="$work/artifacts" bash "$repo/deploy/publish.sh" --arch "$arch" "$work/out" sidecar >"$work/publish.log" 2>&1 \
    || { tail -n 40 "$work/publish.log" >&2; echo "prepare-sidecar.sh: publishing the $arch sidecar failed" >&2; exit 1; }
  mkdir -p "$(dirname "$target")"
  mv "$work/out/sidecar/apisix-plugin" "$target.tmp-$$" && mv -f "$target.tmp-$$" "$target"
fi

echo "$target"
