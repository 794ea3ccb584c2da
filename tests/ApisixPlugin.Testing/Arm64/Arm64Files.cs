using ApisixPlugin.Testing.Processes;

namespace ApisixPlugin.Testing.Arm64;

/// <summary>
/// The linux-arm64 bridge and sidecar, cross-published by tests/infra/prepare-arm64.sh with
/// deploy/publish.sh --arch arm64 and cached by source hash. tests/run-all.sh runs it before the
/// suites and passes APISIX_ARM64_BRIDGE_PATH and APISIX_ARM64_SIDECAR_PATH; a plain
/// `dotnet test` runs it here, once per test run. <see cref="Qemu"/> runs them on this machine.
/// </summary>
public static class Arm64Files
{
    public const string BridgeVariable = "APISIX_ARM64_BRIDGE_PATH";
    public const string SidecarVariable = "APISIX_ARM64_SIDECAR_PATH";

    private static readonly Lazy<Task<(string Bridge, string Sidecar)>> Shared = new(PrepareAsync);

    public static Task<(string Bridge, string Sidecar)> GetAsync() => Shared.Value;

    private static async Task<(string Bridge, string Sidecar)> PrepareAsync()
    {
        if (Environment.GetEnvironmentVariable(BridgeVariable) is { Length: > 0 } bridge
            && Environment.GetEnvironmentVariable(SidecarVariable) is { Length: > 0 } sidecar)
        {
            return (bridge, sidecar);
        }

        var result = await ProcessRun.RunAsync("bash", [Path.Combine(RepoPaths.Root, "tests", "infra", "prepare-arm64.sh")], TimeSpan.FromMinutes(25));
        var lines = result.EnsureSuccess().StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 2
            ? (lines[0], lines[1])
            : throw new InvalidOperationException($"prepare-arm64.sh printed {lines.Length} lines, not the bridge and the sidecar: {result.Describe()}");
    }
}
