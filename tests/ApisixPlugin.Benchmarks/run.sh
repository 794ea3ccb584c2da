#!/usr/bin/env bash
# Builds the benchmarks in Release and runs all three parts, then prints one summary:
#   1. translation (BenchmarkDotNet), 2. SetWeight end to end against the real kube-apiserver,
#   3. the sidecar's resident memory serving 200 Rollouts.
# Usage: run.sh [--quick] [--trimmed]
#   --quick    BenchmarkDotNet ShortRun and fewer end-to-end calls
#   --trimmed  also publish a trimmed self-contained sidecar (to /tmp, not the repo) and add its
#              memory rows beside the image's `dotnet apisix-plugin.dll`
# Needs what tests/infra/install-deps.sh installs (etcd, the kube-apiserver build); APISIX_CRD
# picks the CRD (v2 default, or v1.8.4) as for the integration tests.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
quick=()
memory_args=()
trimmed=""
for arg in "$@"; do
  case "$arg" in
    --quick) quick=(--quick) ;;
    --trimmed) trimmed="$(mktemp -d /tmp/apisixplugin-trimmed-sidecar.XXXXXX)" ;;
    *) echo "usage: $0 [--quick] [--trimmed]" >&2; exit 2 ;;
  esac
done

dotnet build "$here/ApisixPlugin.Benchmarks.csproj" -c Release -nologo -v quiet
bin="$here/bin/Release/net10.0"
summary="$(mktemp /tmp/apisixplugin-bench-summary.XXXXXX)"
trap 'rm -rf "$summary" ${trimmed:+"$trimmed"}' EXIT

if [[ -n "$trimmed" ]]; then
  # TrimMode=partial trims only assemblies that declare themselves trimmable: a full trim breaks
  # KubernetesClient's kubeconfig loading (YamlDotNet needs the removed constructors). Trim
  # warnings are expected; the memory part checks every route still reaches its last step.
  dotnet publish "$here/../../src/ApisixPlugin.Sidecar" -c Release -r linux-x64 --self-contained \
    -p:PublishTrimmed=true -p:TrimMode=partial -p:TreatWarningsAsErrors=false -nologo -v quiet -o "$trimmed" >/dev/null
  memory_args=(--compare-sidecar "trimmed self-contained publish=$trimmed/apisix-plugin")
fi

failed=()
for part in translation end-to-end memory; do
  echo
  echo "=== $part ==="
  extra=()
  [[ "$part" == memory ]] && extra=("${memory_args[@]}")
  if ! (cd "$bin" && dotnet ApisixPlugin.Benchmarks.dll "$part" "${quick[@]}" "${extra[@]}" --summary "$summary"); then
    failed+=("$part")
  fi
done

echo
echo "=================================== SUMMARY ==================================="
echo "# ApisixPlugin benchmarks ($(date -u '+%Y-%m-%d %H:%M UTC')${quick:+, --quick}${trimmed:+, --trimmed})"
echo
echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); .NET $(dotnet --version); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
cat "$summary"
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "FAILED parts: ${failed[*]}"
  exit 1
fi
