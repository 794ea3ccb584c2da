using System.Globalization;
using System.Text.Json;
using ApisixPlugin.Bridge.GoClient.Tests.Support;
using static ApisixPlugin.Bridge.GoClient.Tests.FullPath.RouteScenario;
using ApisixPlugin.Testing.Processes;

namespace ApisixPlugin.Bridge.GoClient.Tests.FullPath;

/// <summary>
/// The controller's benchmark mode through the whole path. As a test it checks that a long run of
/// calls stays error-free; tests/goplugin-peer/bench.sh runs it with BENCH_FULL_PATH_OUT set to
/// collect the numbers for its table (the cluster set-up lives here, in the fixture).
/// </summary>
[Collection(FullPathCollection.Name)]
public sealed class FullPathBenchmarkTests(FullPathFixture fx, PeerBinaries peers)
{
    [Fact]
    public async Task Hundreds_of_sequential_SetWeight_calls_through_the_sidecar_succeed_and_report_latency()
    {
        var calls = int.TryParse(Environment.GetEnvironmentVariable("BENCH_CALLS"), CultureInfo.InvariantCulture, out var n) ? n : 300;
        var ns = await fx.PluginNamespaceAsync("bench");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());

        var run = await ProcessRun.RunAsync(peers.Go.Controller,
            ["-plugin", peers.Bridge, "-bench", calls.ToString(CultureInfo.InvariantCulture), "-bench-starts", "3", "-scenario", "-",
             "--", "--socket", fx.Sidecar.SocketPath],
            TimeSpan.FromMinutes(10), stdin: Scenario(Rollout(ns)).ToJsonString());

        Assert.True(run.ExitCode == 0, run.Describe());
        using var summary = JsonDocument.Parse(run.StdOut.Trim());
        Assert.True(summary.RootElement.GetProperty("callErrors").GetInt32() == 0, run.StdOut);
        Assert.True(summary.RootElement.GetProperty("medianUs").GetDouble() > 0, run.StdOut);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 80, [Canary] = 20 }, Weights(await fx.ApisixRoutes.GetAsync(ns, Route)));

        var output = Environment.GetEnvironmentVariable("BENCH_FULL_PATH_OUT");
        if (!string.IsNullOrEmpty(output))
        {
            await File.WriteAllTextAsync(output, run.StdOut);
        }
    }
}
