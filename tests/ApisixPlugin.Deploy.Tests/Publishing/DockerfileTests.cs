using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Publishing;

/// <summary>
/// No Docker engine runs here, so the Dockerfile is held to what the manifests and CI rely on:
/// it builds with deploy/publish.sh (which PublishTests runs), and its final stage is the
/// non-root, read-only-friendly image the manifests expect.
/// </summary>
public sealed class DockerfileTests
{
    private static readonly Dockerfile File = Dockerfile.Load(DeployPaths.Dockerfile);

    [Fact]
    public void The_build_stage_publishes_with_the_script_ci_runs()
    {
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0", File.Build.From, StringComparison.Ordinal);
        var run = Assert.Single(File.Build.All("RUN"), r => r.Contains("publish", StringComparison.Ordinal));
        // TARGETARCH (amd64 or arm64 under BuildKit) picks the runtime; the script's default is the machine's.
        Assert.Equal("bash deploy/publish.sh --arch \"${TARGETARCH:-$(uname -m)}\" /out", run);
        Assert.Contains("TARGETARCH", File.Build.All("ARG"));
        Assert.Contains(File.Build.All("RUN"), r => r.Contains("clang", StringComparison.Ordinal) && r.Contains("lld", StringComparison.Ordinal) && r.Contains("zlib1g-dev", StringComparison.Ordinal));
    }

    [Fact]
    public void The_final_stage_is_the_runtime_deps_10_image_running_as_a_numeric_non_root_user()
    {
        // The sidecar is a NativeAOT file: it needs the native dependencies, not a .NET runtime.
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime-deps:10.0", File.Final.From, StringComparison.Ordinal);
        var user = Assert.Single(File.Final.All("USER"));
        var uid = long.Parse(user.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual(0, uid);
        Assert.DoesNotContain(File.Final.Instructions, i => i.Keyword == "RUN");
    }

    [Fact]
    public void The_final_stage_writes_nothing_to_the_root_filesystem()
    {
        var env = string.Join(' ', File.Final.All("ENV"));

        Assert.Contains("DOTNET_EnableDiagnostics=0", env, StringComparison.Ordinal);
        Assert.Contains("TMPDIR=/tmp", env, StringComparison.Ordinal);
    }

    [Fact]
    public void The_runtime_settings_are_numbers_the_NativeAOT_sidecar_can_read()
    {
        // NativeAOT parses DOTNET_ values digit by digit (hex, no 0x) and ignores a value it cannot
        // parse without a word: DOTNET_GCgen0size=0x400000 was silently dropped (RESULTS.md).
        var settings = string.Join(' ', File.Final.All("ENV")).Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s.StartsWith("DOTNET_", StringComparison.Ordinal) && s.Contains('=', StringComparison.Ordinal))
            .Select(s => s.Split('=', 2))
            .ToList();

        Assert.Contains(settings, s => s[0] == "DOTNET_GCgen0size");
        Assert.All(settings, s => Assert.Matches("^[0-9A-Fa-f]+$", s[1]));
    }

    [Fact]
    public void The_image_holds_the_bridge_where_the_install_step_runs_it_from()
    {
        Assert.Contains($"--from=build /out/bridge/{DeployNames.BridgeFileName} {DeployNames.BridgeInImage}", File.Final.All("COPY"));
        Assert.Contains($"--from=build /out/sidecar/{DeployNames.SidecarFileName} {DeployNames.SidecarInImage}", File.Final.All("COPY"));
    }

    [Fact]
    public async Task The_manifests_args_fit_the_images_entrypoint()
    {
        Assert.Equal($"[\"{DeployNames.SidecarInImage}\"]", Assert.Single(File.Final.All("ENTRYPOINT")));
        var install = await RenderedInstall.RenderAsync(RenderedInstall.Variants.Native);
        var sidecar = install.Container(DeployNames.Sidecar);

        // No command: the entrypoint runs, and the args pick the verb and flags.
        Assert.Null(sidecar["command"]);
        Assert.Equal("serve", sidecar["args"]!.AsArray()[0]!.GetValue<string>());
        var cmd = JsonNode.Parse(Assert.Single(File.Final.All("CMD")))!.AsArray().Select(n => n!.GetValue<string>());
        Assert.Equal(sidecar["args"].Strings(), cmd);
    }
}
