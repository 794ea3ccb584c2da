#!/usr/bin/env bash
# Builds the Go peers (controller, noopplugin, gobdump) into <outdir> with Debian's Go and
# go-plugin sources, in GOPATH mode and offline. Go's build cache makes rebuilds cheap; every
# failure is fatal and loud.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 <outdir>" >&2
  exit 64
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$1"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

command -v go >/dev/null || { echo "build.sh: go not found (run tests/infra/install-deps.sh)" >&2; exit 1; }
[[ -d /usr/share/gocode/src/github.com/hashicorp/go-plugin ]] \
  || { echo "build.sh: golang-github-hashicorp-go-plugin-dev missing (run tests/infra/install-deps.sh)" >&2; exit 1; }

export GO111MODULE=off GOFLAGS= GOPROXY=off CGO_ENABLED=0
export GOPATH="$here:/usr/share/gocode"
# A root user's default cache may sit on a HOME that is not writable in CI; keep it stable.
export GOCACHE="${GOCACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/go-build}"

for cmd in controller noopplugin gobdump; do
  go build -trimpath -o "$out/$cmd.tmp" "goplugin-peer/cmd/$cmd"
  mv -f "$out/$cmd.tmp" "$out/$cmd"
done
echo "$out"
