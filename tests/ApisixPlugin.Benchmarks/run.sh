#!/usr/bin/env bash
# Builds the benchmarks in Release and runs all four parts, then prints one summary:
#   1. translation (BenchmarkDotNet), 2. SetWeight end to end against the real kube-apiserver,
#   3. the sidecar's resident memory serving 200 Rollouts: the NativeAOT file the image ships
#      (tests/infra/prepare-sidecar.sh), with the JIT build's rows beside it in the same run,
#   4. the controller's view: API requests per reconcile for 1 and 200 Rollouts, beside the built-in.
# Usage: run.sh [--quick]
#   --quick    BenchmarkDotNet ShortRun, fewer end-to-end calls, only the shipped memory setting
# Needs what tests/infra/install-deps.sh installs (etcd, the kube-apiserver build); APISIX_CRD
# picks the CRD (v2 default, or v1.8.4) as for the integration tests.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
quick=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick=(--quick) ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
  esac
done

dotnet build "$here/ApisixPlugin.Benchmarks.csproj" -c Release -nologo -v quiet
bin="$here/bin/Release/net10.0"
summary="$(mktemp /tmp/apisixplugin-bench-summary.XXXXXX)"
trap 'rm -rf "$summary"' EXIT

sidecar="$(bash "$here/../infra/prepare-sidecar.sh")"
memory_args=(--sidecar "$sidecar" --compare-sidecar "JIT build (dotnet apisix-plugin.dll)=$bin/apisix-plugin.dll")

failed=()
for part in translation end-to-end memory controller-view; do
  echo
  echo "=== $part ==="
  extra=()
  [[ "$part" == memory ]] && extra=("${memory_args[@]}")
  [[ "$part" == end-to-end || "$part" == controller-view ]] && extra=(--sidecar "$sidecar")
  if ! (cd "$bin" && dotnet ApisixPlugin.Benchmarks.dll "$part" "${quick[@]}" "${extra[@]}" --summary "$summary"); then
    failed+=("$part")
  fi
done

echo
echo "=================================== SUMMARY ==================================="
echo "# ApisixPlugin benchmarks ($(date -u '+%Y-%m-%d %H:%M UTC')${quick:+, --quick})"
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); .NET $(dotnet --version); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
cat "$summary"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED parts: ${failed[*]}"
  exit 1
fi
