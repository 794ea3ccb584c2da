using ApisixPlugin.Testing;
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

    private static readonly Lazy<Task<(string PeerDir, string Bridge)>> Shared = new(PrepareAsync);

    public static Task<(string PeerDir, string Bridge)> GetAsync() => Shared.Value;

    private static async Task<(string PeerDir, string Bridge)> PrepareAsync()
    {
        if (Environment.GetEnvironmentVariable(PeerDirVariable) is { Length: > 0 } peers
            && Environment.GetEnvironmentVariable(BridgeVariable) is { Length: > 0 } bridge)
        {
            return (peers, bridge);
        }

        var result = await ProcessRun.RunAsync("bash", [Path.Combine(RepoPaths.Root, "tests", "goplugin-peer", "prepare.sh")], TimeSpan.FromMinutes(20));
        var lines = result.EnsureSuccess().StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 2
            ? (lines[0], lines[1])
            : throw new InvalidOperationException($"prepare.sh printed {lines.Length} lines, not the peers' folder and the bridge: {result.Describe()}");
    }
}
