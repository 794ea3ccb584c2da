using ApisixPlugin.Testing.Processes;

namespace ApisixPlugin.Bridge.GoClient.Tests.Support;

/// <summary>
/// The Go peers' folder and the published bridge file, from tests/goplugin-peer/prepare.sh, which
/// builds and caches both by source hash (tests/infra/cache.sh). tests/run-all.sh runs it before the
/// suites and passes GOPLUGIN_PEER_DIR and APISIX_BRIDGE_PATH; a developer's plain `dotnet test`
/// runs it here, once per test run. No publish happens inside `dotnet build`.
/// </summary>
internal static class PreparedFiles
{
    public const string PeerDirVariable = "GOPLUGIN_PEER_DIR";
    public const string BridgeVariable = "APISIX_BRIDGE_PATH";

    private static readonly PreparedByScript Prepared = new(PeerDirVariable, BridgeVariable,
        "tests/goplugin-peer/prepare.sh", TimeSpan.FromMinutes(20), "the peers' folder and the bridge");

    public static async Task<(string PeerDir, string Bridge)> GetAsync() => await Prepared.GetAsync();
}
