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

    private static readonly PreparedByScript Prepared = new(BridgeVariable, SidecarVariable,
        "tests/infra/prepare-arm64.sh", TimeSpan.FromMinutes(25), "the bridge and the sidecar");

    public static async Task<(string Bridge, string Sidecar)> GetAsync() => await Prepared.GetAsync();
}
