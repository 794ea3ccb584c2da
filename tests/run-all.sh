#!/usr/bin/env bash
# The whole test suite, as README and CI run it: installs what the tests need (cached outside the
# work tree), builds the solution once in Release, runs every test project against that build
# (the integration tests once per ApisixRoute CRD), and ends with one line of totals:
#   N passed, N failed[, N skipped]
# Exit status is non-zero if any test, test run or build failed.
# Env: TEST_VERBOSITY (console logger verbosity, default minimal), TEST_RUN_TIMEOUT (per run, 20m).
# A test may be silent for up to 12 minutes before it counts as hung: the Deploy suite's NativeAOT
# publish of the sidecar, as the image build runs it, took over 5 on a loaded 2-core machine.
set -uo pipefail # no -e: a failing project must not hide the results of the others

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DOTNET_CLI_UI_LANGUAGE=en # the fallback parser below reads English summary lines

RESULTS_DIR="$PWD/artifacts/test-results"
VERBOSITY="${TEST_VERBOSITY:-minimal}"
RUN_TIMEOUT="${TEST_RUN_TIMEOUT:-20m}"

passed=0 failed=0 skipped=0
report=() # one line per step, printed again at the end

section() { printf '\n========== %s ==========\n' "$*"; }
note() { report+=("$(printf '%-40s %s' "$1" "$2")"); }
failure() { # a step that failed outside any test counts as one failed test, with a clear message
  echo "FAILED: $1" >&2
  failed=$((failed + 1))
}

# counter_attr <name> <Counters element>: the attribute's number, 0 when absent.
counter_attr() { grep -oP " $1=\"\K[0-9]+" <<<"$2" || echo 0; }

# Reads the <Counters .../> element of a TRX file: prints "passed failed skipped".
# Skipped tests are only visible as total - executed (their "notExecuted" counter stays 0);
# errors, timeouts and aborts count as failed.
trx_counts() {
  local c
  c=$(grep -o '<Counters [^>]*>' "$1" | head -n1)
  echo "$(counter_attr passed "$c")" \
    "$(($(counter_attr failed "$c") + $(counter_attr error "$c") + $(counter_attr timeout "$c") + $(counter_attr aborted "$c")))" \
    "$(($(counter_attr total "$c") - $(counter_attr executed "$c")))"
}

# Fallback when no TRX was written: the "Passed!/Failed!  - Failed: 1, Passed: 2, Skipped: 0" lines.
console_counts() {
  local p=0 f=0 s=0 line
  while read -r line; do
    p=$((p + $(grep -oP 'Passed:\s*\K[0-9]+' <<<"$line" || echo 0)))
    f=$((f + $(grep -oP 'Failed:\s*\K[0-9]+' <<<"$line" || echo 0)))
    s=$((s + $(grep -oP 'Skipped:\s*\K[0-9]+' <<<"$line" || echo 0)))
  done < <(grep -E '^(Passed|Failed)!' "$1")
  echo "$p $f $s"
}

BUILD_LOG="$RESULTS_DIR/build.log"
build_failed=false

# After a failed solution build MSBuild has still built every project that does not depend on a
# broken one, and printed "  <Project> -> <dll>" for each; those are fresh and worth testing.
built_in_this_build() {
  grep -qE "^  $(basename "$1") -> " "$BUILD_LOG"
}

# run_tests <label> <project dir> [VAR=value ...] [-- dotnet test arguments, e.g. --filter EXPR]
run_tests() {
  local label=$1 project=$2 start=$SECONDS rc log trx p f s vars=() extra=()
  shift 2
  while (($#)); do
    if [[ $1 == -- ]]; then
      shift
      extra=("$@")
      break
    fi
    vars+=("$1")
    shift
  done
  section "$label${vars[*]:+ (${vars[*]})}${extra[*]:+ ${extra[*]}}"
  if $build_failed && ! built_in_this_build "$project"; then
    failure "$label: $project was not built (it or a project it references failed to build; see the build section)"
    note "$label" "BUILD FAILED"
    return
  fi
  local dir="$RESULTS_DIR/$label"
  mkdir -p "$dir"
  log="$dir/console.log"
  env "${vars[@]}" timeout --kill-after=30s "$RUN_TIMEOUT" \
    dotnet test "$project" -c Release --no-build --nologo "${extra[@]}" \
    --logger "trx;LogFileName=$label.trx" --logger "console;verbosity=$VERBOSITY" \
    --results-directory "$dir" --blame-hang-timeout 12m --blame-hang-dump-type none 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  trx="$dir/$label.trx"
  if [[ -f "$trx" ]]; then
    read -r p f s < <(trx_counts "$trx")
  else
    read -r p f s < <(console_counts "$log")
  fi
  if ((rc != 0 && f == 0)); then
    if grep -q 'No test is available' "$log" && ((p == 0)); then
      rc=0 # a project without tests yet counts as 0, not as a failure
    else
      echo "FAILED: $label: dotnet test exited with $rc without reporting a failed test (crash, timeout or missing build; see above)" >&2
      f=1
    fi
  fi
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
  note "$label" "$p passed, $f failed, $s skipped ($((SECONDS - start)) s)"
}

# Two runs in one checkout would build into the same obj/ and bin/ folders: the second waits.
# A lock directory, not flock: dotnet's build servers outlive the run and would inherit a lock fd.
LOCK_DIR="$PWD/artifacts/.run-all.lock"
acquire_lock() {
  local holder waited=false
  mkdir -p "$(dirname "$LOCK_DIR")"
  until mkdir "$LOCK_DIR" 2>/dev/null; do
    holder=$(cat "$LOCK_DIR/pid" 2>/dev/null || true)
    if [[ -n "$holder" ]] && ! kill -0 "$holder" 2>/dev/null; then
      rm -rf "$LOCK_DIR" # left by a run that was killed
      continue
    fi
    $waited || echo "waiting for another tests/run-all.sh in this checkout (pid ${holder:-?}) to finish"
    waited=true
    sleep 5
  done
  echo $$ >"$LOCK_DIR/pid"
  trap 'rm -rf "$LOCK_DIR"' EXIT
  trap 'exit 130' INT TERM
}

acquire_lock
total_start=$SECONDS
rm -rf "$RESULTS_DIR" && mkdir -p "$RESULTS_DIR"

section "dependencies (tests/infra/install-deps.sh)"
start=$SECONDS
if bash tests/infra/install-deps.sh; then
  note "dependencies" "ok ($((SECONDS - start)) s)"
else
  failure "tests/infra/install-deps.sh"
  note "dependencies" "FAILED ($((SECONDS - start)) s)"
fi

section "build (dotnet build ApisixPlugin.sln -c Release)"
start=$SECONDS
if ! command -v dotnet >/dev/null; then
  echo "FAILED: dotnet is not installed (the .NET 10 SDK is required)" >&2
  note "build" "FAILED: no dotnet"
  echo "0 passed, 1 failed"
  exit 1
fi
if dotnet build ApisixPlugin.sln -c Release -nologo -v minimal 2>&1 | tee "$BUILD_LOG"; [[ ${PIPESTATUS[0]} == 0 ]]; then
  note "build" "ok ($((SECONDS - start)) s)"
else
  build_failed=true
  failure "dotnet build ApisixPlugin.sln -c Release (test projects that did build still run below)"
  note "build" "FAILED ($((SECONDS - start)) s)"
fi

section "sidecar as the image ships it (tests/infra/prepare-sidecar.sh: NativeAOT, cached by source hash)"
start=$SECONDS
if sidecar_file=$(bash tests/infra/prepare-sidecar.sh); then
  # The integration and bridge suites start this file instead of the JIT build (SidecarHost).
  export APISIX_SIDECAR_PATH="$sidecar_file"
  echo "sidecar under test: $APISIX_SIDECAR_PATH"
  note "sidecar (NativeAOT)" "ok ($((SECONDS - start)) s)"
else
  failure "tests/infra/prepare-sidecar.sh (the suites that start the sidecar fail without it)"
  note "sidecar (NativeAOT)" "FAILED ($((SECONDS - start)) s)"
  export APISIX_SIDECAR_PATH=/nonexistent/apisix-plugin # so those suites fail, not test the JIT build
fi

section "Go peers and the bridge as the image ships it (tests/goplugin-peer/prepare.sh: NativeAOT, cached by source hash)"
start=$SECONDS
if prepared=$(bash tests/goplugin-peer/prepare.sh) && { read -r peer_dir; read -r bridge_file; } <<<"$prepared"; then
  # The Bridge.GoClient suite runs these instead of preparing them under its hang timeout (PreparedFiles).
  export GOPLUGIN_PEER_DIR="$peer_dir" APISIX_BRIDGE_PATH="$bridge_file"
  echo "Go peers: $GOPLUGIN_PEER_DIR; bridge under test: $APISIX_BRIDGE_PATH"
  note "Go peers and bridge (NativeAOT)" "ok ($((SECONDS - start)) s)"
else
  failure "tests/goplugin-peer/prepare.sh (the Bridge.GoClient suite fails without it)"
  note "Go peers and bridge (NativeAOT)" "FAILED ($((SECONDS - start)) s)"
  export GOPLUGIN_PEER_DIR=/nonexistent APISIX_BRIDGE_PATH=/nonexistent/apisix-plugin-bridge
fi

section "arm64 bridge and sidecar (tests/infra/prepare-arm64.sh: deploy/publish.sh --arch arm64, cached by source hash)"
start=$SECONDS
if prepared=$(bash tests/infra/prepare-arm64.sh) && { read -r arm64_bridge; read -r arm64_sidecar; } <<<"$prepared"; then
  # The Deploy suite checks these files and runs the bridge under qemu-aarch64-static (Release/Arm64Tests).
  export APISIX_ARM64_BRIDGE_PATH="$arm64_bridge" APISIX_ARM64_SIDECAR_PATH="$arm64_sidecar"
  echo "arm64 bridge: $APISIX_ARM64_BRIDGE_PATH; arm64 sidecar: $APISIX_ARM64_SIDECAR_PATH"
  note "arm64 bridge and sidecar (NativeAOT)" "ok ($((SECONDS - start)) s)"
else
  failure "tests/infra/prepare-arm64.sh (the Deploy suite's arm64 tests fail without it)"
  note "arm64 bridge and sidecar (NativeAOT)" "FAILED ($((SECONDS - start)) s)"
  export APISIX_ARM64_BRIDGE_PATH=/nonexistent/apisix-plugin-bridge APISIX_ARM64_SIDECAR_PATH=/nonexistent/apisix-plugin
fi

run_tests Core tests/ApisixPlugin.Core.Tests
run_tests Routing tests/ApisixPlugin.Routing.Tests
run_tests GoPlugin tests/ApisixPlugin.GoPlugin.Tests
run_tests Bridge tests/ApisixPlugin.Bridge.Tests
run_tests Integration-crd-v2 tests/ApisixPlugin.Integration.Tests APISIX_CRD=v2
run_tests Integration-crd-v1.8.4 tests/ApisixPlugin.Integration.Tests APISIX_CRD=v1.8.4
run_tests Deploy tests/ApisixPlugin.Deploy.Tests
run_tests Bridge-GoClient tests/ApisixPlugin.Bridge.GoClient.Tests
# The header route proofs through the bridge depend on the CRD: once more under the 1.x one (the run above has v2).
run_tests Bridge-GoClient-crd-v1.8.4 tests/ApisixPlugin.Bridge.GoClient.Tests APISIX_CRD=v1.8.4 -- --filter 'FullyQualifiedName~HeaderRouteProof'

section "summary (TRX files in ${RESULTS_DIR#"$PWD"/})"
printf '%s\n' "${report[@]}"
printf '%-40s %s\n' "total" "$((SECONDS - total_start)) s"
totals="$passed passed, $failed failed"
((skipped > 0)) && totals+=", $skipped skipped"
echo "$totals"
((failed == 0))
