# Sourced by the scripts that cache builds by their inputs (tests/goplugin-peer/prepare.sh,
# tests/infra/prepare-sidecar.sh). source_hash <path>...: 16 hex digits of SHA-256 over the source
# files under the paths (relative to $repo), sorted, each as its path + "\n" + its content; the
# same key as tests/ApisixPlugin.Bridge.Tests/Support/SourceHash.cs computes for the bridge.
# Build outputs (bin/, obj/, .go/) are left out; YAML counts because simulate embeds examples.
source_hash() {
  (cd "$repo" && find "$@" -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.proto' -o -name '*.props' -o -name '*.go' -o -name '*.sh' -o -name '*.yaml' \) \
      -not -path '*/bin/*' -not -path '*/obj/*' -not -path '*/.go/*' | LC_ALL=C sort |
    while IFS= read -r f; do printf '%s\n' "$f"; cat "$f"; done) | sha256sum | cut -c1-16
}
