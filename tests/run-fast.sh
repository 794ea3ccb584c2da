#!/usr/bin/env bash
# The developers' inner loop: the suites that need no cluster and no NativeAOT
# publish, built once in Debug and run in turn; ends with the same totals line as run-all.sh.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_UI_LANGUAGE=en

projects=(tests/ApisixPlugin.Core.Tests tests/ApisixPlugin.Routing.Tests tests/ApisixPlugin.GoPlugin.Tests tests/ApisixPlugin.Bridge.Tests)
passed=0 failed=0 skipped=0
start=$SECONDS

for project in "${projects[@]}"; do
  log=$(mktemp)
  dotnet test "$project" --nologo -v quiet --logger "console;verbosity=minimal" 2>&1 | tee "$log" |
    grep -E '^(Passed|Failed)!|error|^  Failed |Error Message|^   ' | grep -vE '^   +at ' | head -n 60
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^(Passed|Failed)!' "$log" | tail -n1)
  p=$(grep -oP 'Passed:\s*\K[0-9]+' <<<"$line" || echo 0)
  f=$(grep -oP 'Failed:\s*\K[0-9]+' <<<"$line" || echo 0)
  s=$(grep -oP 'Skipped:\s*\K[0-9]+' <<<"$line" || echo 0)
  ((rc != 0 && f == 0)) && { echo "FAILED: $project: dotnet test exited with $rc (build error?)" >&2; f=1; }
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  rm -f "$log"
done

echo "fast loop: $((SECONDS - start)) s"
totals="$passed passed, $failed failed"
((skipped > 0)) && totals+=", $skipped skipped"
echo "$totals"
((failed == 0))
