#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian bookworm machine, offline but for
# Debian's and NuGet's registries: Go, etcd, the go-plugin sources, the NativeAOT toolchain (with
# the arm64 cross toolchain and qemu-aarch64-static, to publish and run the arm64 files), and a
# kube-apiserver built from Debian's kubernetes source package (there is no binary package).
# The build takes ~7 minutes cold, so its result is cached outside the work tree and reused.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=cache.sh
source "$repo/tests/infra/cache.sh"
CACHE_DIR="$cache"
KUBE_BIN="$CACHE_DIR/bin/kube-apiserver"
APT_PACKAGES=(golang-go etcd-server etcd-client rsync jq openssl curl util-linux
  golang-github-modern-go-reflect2-dev
  golang-github-hashicorp-go-plugin-dev golang-github-hashicorp-yamux-dev golang-google-grpc-dev
  clang lld zlib1g-dev dpkg-dev
  crossbuild-essential-arm64 qemu-user-static)

log() { echo "[install-deps] $*" >&2; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  ((EUID == 0)) || { log "missing packages (${missing[*]}): run this script as root"; exit 1; }
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ -x "$KUBE_BIN" ]]; then
  log "kube-apiserver cached at $KUBE_BIN"
  exit 0
fi

((EUID == 0)) || { log "kube-apiserver is not built yet at $KUBE_BIN: run this script as root"; exit 1; }
log "building kube-apiserver from Debian's kubernetes source package (one-off, ~7 min)"
mkdir -p "$CACHE_DIR/bin"
work="$CACHE_DIR/src"
rm -rf "$work" && mkdir -p "$work/lists/partial" "$work/cache/archives/partial"
sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$work/src.sources"
apt_src=(-o Dir::Etc::SourceList="$work/src.sources" -o Dir::Etc::SourceParts=/nonexistent
  -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache")
apt-get "${apt_src[@]}" update -qq
(cd "$work" && apt-get "${apt_src[@]}" source --download-only kubernetes >/dev/null)
orig=$(ls "$work"/kubernetes_*.orig.tar.gz | head -n1)
mkdir -p "$work/tree"
tar -xzf "$orig" -C "$work/tree" --strip-components=1

# The vendored reflect2 1.0.1 faults under Go >= 1.18 as soon as a custom resource is created.
vend="$work/tree/vendor/github.com/modern-go/reflect2"
rm -rf "$vend" && mkdir -p "$vend"
find /usr/share/gocode/src/github.com/modern-go/reflect2 -maxdepth 1 -type f \
  \( -name '*.go' -o -name '*.s' \) ! -name '*_test.go' -exec cp {} "$vend/" \;

cd "$work/tree"
mkdir -p .go/src/k8s.io && ln -sfn ../../.. .go/src/k8s.io/kubernetes
GOPATH="$PWD/.go" CGO_ENABLED=0 GOPROXY=off GOFLAGS= make WHAT=cmd/kube-apiserver >"$work/build.log" 2>&1 \
  || { tail -n 40 "$work/build.log" >&2; exit 1; }
install -m 0755 _output/local/bin/linux/amd64/kube-apiserver "$KUBE_BIN"
cd / && rm -rf "$work"
log "kube-apiserver built: $KUBE_BIN"
