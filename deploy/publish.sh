#!/usr/bin/env bash
# Publishes what the image ships, into <outdir>/sidecar and <outdir>/bridge. The Dockerfile runs
# this script and CI runs it too (tests/ApisixPlugin.Deploy.Tests), so both build the same way.
#   sidecar: one NativeAOT file, apisix-plugin (it needs glibc and OpenSSL at run time, which the
#            runtime-deps image has): no JIT and no IL assemblies to map, so it starts in
#            milliseconds and holds about half the memory of the framework-dependent app.
#   bridge:  one fully static NativeAOT file, because the Argo Rollouts controller image it runs
#            in (distroless static) has no libc.
# Both need clang, lld and zlib1g-dev.
# Naming parts publishes only those (the tests time each part on its own); the default is both.
# --arch picks the CPU: x64 or arm64 (Docker's TARGETARCH names amd64 and arm64 are taken too);
# the default is this machine's. For the other CPU than this machine's, it cross-compiles with
# Debian's cross toolchain (crossbuild-essential-arm64 or -amd64, which tests/infra/install-deps.sh
# installs for arm64); that is how CI proves the arm64 files on an x64 machine. The image's build
# stage runs on its target platform, so there the publish is native.
set -euo pipefail

usage() {
  echo "usage: $0 [--arch x64|arm64] <outdir> [sidecar] [bridge]" >&2
  exit 2
}

# rid_arch <name>: the .NET RID's CPU for a name from uname -m, Docker's TARGETARCH or .NET.
rid_arch() {
  case "$1" in
    x64 | amd64 | x86_64) echo x64 ;;
    arm64 | aarch64) echo arm64 ;;
    *) return 1 ;;
  esac
}

host="$(rid_arch "$(uname -m)")" || host=x64
arch="$host"
if [[ "${1:-}" == --arch || "${1:-}" == --arch=* ]]; then
  if [[ "$1" == --arch ]]; then
    (($# >= 2)) || usage
    name="$2"
    shift 2
  else
    name="${1#--arch=}"
    shift
  fi
  arch="$(rid_arch "$name")" || { echo "publish.sh: unknown architecture '$name' (x64, amd64, arm64, aarch64)" >&2; exit 2; }
fi
(($# >= 1)) || usage
out="$1"
shift
parts=("$@")
((${#parts[@]})) || parts=(sidecar bridge)
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rid="linux-$arch"

# Cross-compiling: the linker and objcopy of the target's GNU triple. The static bridge links
# against the cross libc as a sysroot; the sidecar must not (Debian's cross libc.so is a linker
# script naming absolute paths that lld would look for inside the sysroot), and clang finds the
# cross tree by the target triple instead.
sidecar_cross=() bridge_cross=()
if [[ "$arch" != "$host" ]]; then
  triple=$([[ "$arch" == arm64 ]] && echo aarch64-linux-gnu || echo x86_64-linux-gnu)
  command -v "$triple-objcopy" >/dev/null || {
    echo "publish.sh: cross-compiling for $rid needs $triple-objcopy and the $triple libc (apt-get install crossbuild-essential-${arch/x64/amd64})" >&2
    exit 1
  }
  sidecar_cross=(-p:LinkerFlavor=lld "-p:ObjCopyName=$triple-objcopy")
  bridge_cross=("-p:SysRoot=/usr/$triple" "-p:ObjCopyName=$triple-objcopy")
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# publish_aot <outdir> <project> <args...>: dotnet publish, tried a second time if the first fails.
# The NativeAOT compiler (ilc 10.0.12) has been seen to fail once with "BadImageFormatException:
# Read out of bounds" on a framework assembly and then succeed on the same inputs; a real
# compile error fails both times.
# PUBLISH_ARTIFACTS_PATH, when set, keeps bin/ and obj/ there instead of in the checkout (the
# test run publishes beside a build of the same checkout).
publish_aot() {
  local dir=$1
  shift
  local extra=()
  [[ -n "${PUBLISH_ARTIFACTS_PATH:-}" ]] && extra=(--artifacts-path "$PUBLISH_ARTIFACTS_PATH/$(basename "$1")")
  dotnet publish "$@" "${extra[@]}" -o "$dir" || {
    echo "publish.sh: publishing $(basename "$1") failed; trying once more" >&2
    dotnet publish "$@" "${extra[@]}" -o "$dir"
  }
}

for part in "${parts[@]}"; do
  case "$part" in
    sidecar)
      # PublishAot and InvariantGlobalization come from the project. Symbols (.dbg, .pdb, about
      # 90 MB) are not shipped.
      publish_aot "$out/sidecar" "$repo/src/ApisixPlugin.Sidecar" -c Release -r "$rid" \
        -p:CopyOutputSymbolsToPublishDirectory=false "${sidecar_cross[@]}"
      # Fail here, not in a pod, if the entry point is missing.
      test -x "$out/sidecar/apisix-plugin"
      ;;
    bridge)
      # Static linking and the rest come from the project.
      publish_aot "$out/bridge" "$repo/src/ApisixPlugin.Bridge" -c Release -r "$rid" "${bridge_cross[@]}"
      test -x "$out/bridge/apisix-plugin-bridge"
      ;;
    *)
      echo "unknown part '$part' (sidecar, bridge)" >&2
      exit 2
      ;;
  esac
done
