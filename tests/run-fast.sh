#!/usr/bin/env bash
# The developers' inner loop: the suites that need no cluster and no NativeAOT
# publish, built once in Debug and run in turn; ends with the same totals line as run-all.sh.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_UI_LANGUAGE=en

# The four projects (tests/ApisixPlugin.Fast.slnf): built in one go, then run side by side.
filter=tests/ApisixPlugin.Fast.slnf
passed=0 failed=0 skipped=0
start=$SECONDS
log=$(mktemp)
trap 'rm -f "$log"' EXIT

if ! dotnet build "$filter" --nologo -v quiet >"$log" 2>&1; then
  grep -E 'error' "$log" | sort -u | head -n 40
  echo "FAILED: the build of $filter failed" >&2
  failed=1
else
  dotnet test "$filter" --no-build --nologo -v quiet --logger "console;verbosity=minimal" 2>&1 | tee "$log" |
    grep -E '^(Passed|Failed)!|error|^  Failed |Error Message|^   ' | grep -vE '^   +at ' | head -n 80
  rc=${PIPESTATUS[0]}
  while read -r line; do
    passed=$((passed + $(grep -oP 'Passed:\s*\K[0-9]+' <<<"$line" || echo 0)))
    failed=$((failed + $(grep -oP 'Failed:\s*\K[0-9]+' <<<"$line" || echo 0)))
    skipped=$((skipped + $(grep -oP 'Skipped:\s*\K[0-9]+' <<<"$line" || echo 0)))
  done < <(grep -E '^(Passed|Failed)!' "$log")
  runs=$(grep -cE '^(Passed|Failed)!' "$log")
  ((runs != 4)) && { echo "FAILED: $runs of the 4 test projects reported results" >&2; failed=$((failed + 1)); }
  ((rc != 0 && failed == 0)) && { echo "FAILED: dotnet test exited with $rc" >&2; failed=1; }
fi

echo "fast loop: $((SECONDS - start)) s"
totals="$passed passed, $failed failed"
((skipped > 0)) && totals+=", $skipped skipped"
echo "$totals"
((failed == 0))
