#!/usr/bin/env bash
# The bridge's speed against a Go go-plugin plugin, in one run: the Go controller (real go-plugin client) calls
#   (a) noopplugin        a Go plugin served by go-plugin that answers at once,
#   (b) the bridge --noop the published NativeAOT bridge answering at once,
#   (c) the bridge through the real sidecar and kube-apiserver (via the Bridge tests' fixture),
# and prints a side-by-side table with the ratios to the Go reference; then (a) and (b) again with
# a Rollout carrying a 64 KiB annotation (the argument is then about 73 KiB of gob), in a second table.
#
#   bench.sh [calls=3000] [starts=20]
# (c) builds the test project under its own artifacts path: a build of the work tree running at
# the same time must not pull files from under it.
# Env: APISIX_BRIDGE_PATH (else the bridge is published once per source hash, as the tests do),
#      BENCH_SKIP_FULL_PATH=1 to leave out (c).
set -euo pipefail

calls="${1:-3000}"
starts="${2:-20}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=../infra/cache.sh
source "$repo/tests/infra/cache.sh"
work="$(mktemp -d /tmp/apisixplugin-bench-XXXXXX)"
trap 'rm -rf "$work"' EXIT

for tool in jq dotnet go; do # go for the peers, dotnet for the bridge and (c)
  command -v "$tool" >/dev/null || { echo "bench.sh: $tool missing (run tests/infra/install-deps.sh)" >&2; exit 1; }
done

{ read -r peers; read -r bridge; } < <("$here/prepare.sh")
[[ -n "${bridge:-}" ]] || { echo "bench.sh: prepare.sh failed" >&2; exit 1; }

echo "bench.sh: (a) Go noopplugin, $calls calls, $starts starts" >&2
"$peers/controller" -plugin "$peers/noopplugin" -bench "$calls" -bench-starts "$starts" 2>/dev/null >"$work/a.json"
echo "bench.sh: (b) bridge --noop" >&2
"$peers/controller" -plugin "$bridge" -bench "$calls" -bench-starts "$starts" -- --noop 2>/dev/null >"$work/b.json"

echo "bench.sh: (a) and (b) with a 64 KiB annotation" >&2
"$peers/controller" -plugin "$peers/noopplugin" -bench "$calls" -bench-starts 1 -big -big-bytes 65536 2>/dev/null >"$work/a64.json"
"$peers/controller" -plugin "$bridge" -bench "$calls" -bench-starts 1 -big -big-bytes 65536 -- --noop 2>/dev/null >"$work/b64.json"

full="null"
if [[ "${BENCH_SKIP_FULL_PATH:-0}" != 1 ]]; then
  echo "bench.sh: (c) bridge -> sidecar -> kube-apiserver (starts a cluster)" >&2
  full_calls=$(( calls < 1000 ? calls : 1000 ))
  if BENCH_FULL_PATH_OUT="$work/c.json" BENCH_CALLS="$full_calls" APISIX_BRIDGE_PATH="$bridge" GOPLUGIN_PEER_DIR="$peers" \
      APISIX_SHARED_DIR="${APISIX_SHARED_DIR:-$repo/../shared}" \
      dotnet test "$repo/tests/ApisixPlugin.Bridge.GoClient.Tests" --artifacts-path "$cache/bench-artifacts" --filter "FullyQualifiedName~FullPathBenchmarkTests" >"$work/c.log" 2>&1 \
      && [[ -s "$work/c.json" ]]; then
    full="$(cat "$work/c.json")"
  else
    echo "bench.sh: (c) failed; last lines of its log:" >&2
    tail -n 20 "$work/c.log" >&2
  fi
fi

jq -rn --slurpfile a "$work/a.json" --slurpfile b "$work/b.json" --argjson c "$full" '
  def r(x): if x == null then "-" else (x * 100 | round / 100 | tostring) end;
  def ratio(x; y): if x == null or y == null or y == 0 then "-" else r(x / y) end;
  $a[0] as $go | $b[0] as $br | $c as $full |
  def row(name; f): [name, r($go | f), r($br | f), ratio($br | f; $go | f), r($full | f), ratio($full | f; $go | f)];
  ( ["metric", "(a) Go noop", "(b) bridge --noop", "b/a", "(c) bridge+sidecar", "c/a"],
    row("median per call (us)"; .medianUs),
    row("p99 per call (us)"; .p99Us),
    row("calls/s sequential"; .callsPerSec),
    row("calls/s 8 parallel"; .parallelCallsPerSec),
    row("exec -> handshake line (ms, median)"; .handshakeLineMs.median),
    row("exec -> client ready (ms, median)"; .clientReadyMs.median),
    row("RSS after calls (KiB)"; .rssKiB),
    row("peak RSS (KiB)"; .peakRssKiB) ) | @tsv' | column -t -s $'\t'
echo
jq -rn --slurpfile a "$work/a64.json" --slurpfile b "$work/b64.json" '
  def r(x): if x == null then "-" else (x * 100 | round / 100 | tostring) end;
  def ratio(x; y): if x == null or y == null or y == 0 then "-" else r(x / y) end;
  $a[0] as $go | $b[0] as $br |
  def row(name; f): [name, r($go | f), r($br | f), ratio($br | f; $go | f)];
  ( ["64 KiB annotation (argument \($go.argumentBytes) bytes)", "(a) Go noop", "(b) bridge --noop", "b/a"],
    row("median per call (us)"; .medianUs),
    row("p99 per call (us)"; .p99Us),
    row("calls/s sequential"; .callsPerSec),
    row("calls/s 8 parallel"; .parallelCallsPerSec),
    row("RSS after calls (KiB)"; .rssKiB),
    row("peak RSS (KiB)"; .peakRssKiB) ) | @tsv' | column -t -s $'\t'
echo
# Targets (issue 14): per-call median at most 0.8x the Go plugin's, resident memory at most the Go plugin's.
jq -rn --slurpfile a "$work/a.json" --slurpfile b "$work/b.json" --slurpfile a64 "$work/a64.json" --slurpfile b64 "$work/b64.json" '
  def verdict(x; limit): if x <= limit then "met" else "NOT met" end;
  def line(name; go; br):
    "\(name): median \(br.medianUs / go.medianUs * 100 | round / 100)x the Go plugin (target <= 0.8: \(verdict(br.medianUs / go.medianUs; 0.8))), "
    + "peak RSS \(br.peakRssKiB) KiB vs \(go.peakRssKiB) (\(verdict(br.peakRssKiB; go.peakRssKiB))), "
    + "RSS after \(br.rssKiB) KiB vs \(go.rssKiB) (\(verdict(br.rssKiB; go.rssKiB)))";
  line("small Rollout"; $a[0]; $b[0]), line("64 KiB annotation"; $a64[0]; $b64[0])'
echo
echo "calls: $(jq -r .calls "$work/a.json") per target (c: $(jq -rn --argjson c "$full" '$c.calls // "-"')), method $(jq -r .method "$work/a.json"), argument $(jq -r .argumentBytes "$work/a.json") bytes of gob with type definitions; errors a=$(jq -r .callErrors "$work/a.json") b=$(jq -r .callErrors "$work/b.json") c=$(jq -rn --argjson c "$full" '$c.callErrors // "-"')"
echo "bridge: $bridge"
echo "raw:"
cat "$work/a.json" "$work/b.json" "$work/a64.json" "$work/b64.json"
[[ "$full" == null ]] || echo "$full"
