# Sourced by every script that caches a build outside the work tree (install-deps.sh,
# prepare-sidecar.sh, goplugin-peer/prepare.sh and bench.sh); the C# side reads the same root in
# tests/ApisixPlugin.Testing/RepoPaths.cs. Needs $repo set to the checkout.
#   $cache: env APISIXPLUGIN_CACHE, else /var/cache/apisixplugin.
#   source_hash <path>...: 16 hex digits of SHA-256 over the source files under the paths
#     (relative to $repo), sorted, each as its path + "\n" + its content. Build outputs (bin/,
#     obj/, .go/) are left out; YAML counts because simulate embeds examples.
cache="${APISIXPLUGIN_CACHE:-/var/cache/apisixplugin}"

source_hash() {
  (cd "$repo" && find "$@" -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.proto' -o -name '*.props' -o -name '*.go' -o -name '*.sh' -o -name '*.yaml' \) \
      -not -path '*/bin/*' -not -path '*/obj/*' -not -path '*/.go/*' | LC_ALL=C sort |
    while IFS= read -r f; do printf '%s\n' "$f"; cat "$f"; done) | sha256sum | cut -c1-16
}
