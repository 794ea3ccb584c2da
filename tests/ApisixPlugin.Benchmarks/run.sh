#!/usr/bin/env bash
# Builds the benchmarks in Release and runs all three parts, then prints one summary:
#   1. translation (BenchmarkDotNet), 2. SetWeight end to end against the real kube-apiserver,
#   3. the sidecar's resident memory serving 200 Rollouts.
# Usage: run.sh [--quick]   (--quick: BenchmarkDotNet ShortRun and fewer end-to-end calls)
# Needs what tests/infra/install-deps.sh installs (etcd, the kube-apiserver build); APISIX_CRD
# picks the CRD (v2 default, or v1.8.4) as for the integration tests.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
quick=()
if [[ "${1:-}" == "--quick" ]]; then
  quick=(--quick)
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--quick]" >&2
  exit 2
fi

dotnet build "$here/ApisixPlugin.Benchmarks.csproj" -c Release -nologo -v quiet
bin="$here/bin/Release/net10.0"
summary="$(mktemp /tmp/apisixplugin-bench-summary.XXXXXX)"
trap 'rm -f "$summary"' EXIT

failed=()
for part in translation end-to-end memory; do
  echo
  echo "=== $part ==="
  if ! (cd "$bin" && dotnet ApisixPlugin.Benchmarks.dll "$part" "${quick[@]}" --summary "$summary"); then
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
