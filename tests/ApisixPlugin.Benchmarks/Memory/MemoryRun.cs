using System.Diagnostics;
using ApisixPlugin.Benchmarks.Reporting;
using ApisixPlugin.Benchmarks.Sidecar;
using ApisixPlugin.Protos.V1;
using ApisixPlugin.Testing;
using ApisixPlugin.Testing.Cluster;
using Grpc.Core;

namespace ApisixPlugin.Benchmarks.Memory;

/// <summary>
/// The sidecar serving 200 Rollouts that step at the same time: 200 ApisixRoutes in 4 namespaces,
/// 200 different Rollout messages, each stepping its weight 5 times, all 200 concurrently. The
/// sidecar's resident set is sampled throughout, once per runtime setting to compare.
/// </summary>
internal static class MemoryRun
{
    private const int Rollouts = 200;
    private const int Namespaces = 4;
    private const long TargetKiB = 80 * 1024;
    private static readonly int[] Steps = [10, 20, 30, 40, 50];

    /// <summary>The runtime settings tried, as environment variables of the sidecar process.</summary>
    private static readonly (string Name, Dictionary<string, string> Environment)[] Settings =
    [
        ("as built (runtimeconfig: Server GC)", new()),
        ("DOTNET_gcServer=0", new() { ["DOTNET_gcServer"] = "0" }),
        ("DOTNET_gcServer=0, DOTNET_GCHeapHardLimit=0x3000000 (48 MiB)", new() { ["DOTNET_gcServer"] = "0", ["DOTNET_GCHeapHardLimit"] = "0x3000000" }),
        ("DOTNET_gcServer=0, DOTNET_TieredPGO=0", new() { ["DOTNET_gcServer"] = "0", ["DOTNET_TieredPGO"] = "0" }),
        ("DOTNET_gcServer=0, DOTNET_TieredCompilation=0", new() { ["DOTNET_gcServer"] = "0", ["DOTNET_TieredCompilation"] = "0" }),
    ];

    private sealed record Outcome(string Setting, long IdleKiB, long SampledPeakKiB, long HighWaterKiB, long EndKiB, int Samples, double Seconds, int Calls, int Errors, string? FirstError, int RoutesAtLastStep);

    public static async Task<int> RunAsync(RunOptions options)
    {
        var fixture = new KubeClusterFixture();
        await fixture.InitializeAsync();
        try
        {
            var rollouts = await CreateRoutesAsync(fixture);
            var outcomes = new List<Outcome>();
            foreach (var (name, environment) in Settings)
            {
                outcomes.Add(await MeasureAsync(fixture, options, rollouts, name, environment));
                Console.WriteLine($"{name}: peak {outcomes[^1].HighWaterKiB / 1024.0:0.0} MiB");
            }

            var summary = new SummaryWriter(options.SummaryPath);
            Report(summary, outcomes);
            summary.Flush();
            return outcomes.All(o => o.Errors == 0 && o.RoutesAtLastStep == Rollouts) ? 0 : 1;
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    private static async Task<List<Rollout>> CreateRoutesAsync(KubeClusterFixture fixture)
    {
        var namespaces = new List<string>();
        for (var n = 0; n < Namespaces; n++)
        {
            var ns = await fixture.CreateNamespaceAsync($"team{n}");
            await fixture.GrantAsync(ns, KubeUsers.Plugin, BenchmarkRollouts.PluginPermissions);
            namespaces.Add(ns);
        }

        var rollouts = Enumerable.Range(0, Rollouts)
            .Select(i => BenchmarkRollouts.Rollout(namespaces[i % Namespaces], $"app{i}", $"route-{i}", $"app{i}"))
            .ToList();
        await Parallel.ForEachAsync(Enumerable.Range(0, Rollouts), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, token) =>
            await fixture.ApisixRoutes.CreateAsync(rollouts[i].Namespace, BenchmarkRollouts.Route($"route-{i}", $"app{i}"), token));
        return rollouts;
    }

    private static async Task<Outcome> MeasureAsync(KubeClusterFixture fixture, RunOptions options, List<Rollout> rollouts, string setting, Dictionary<string, string> environment)
    {
        await using var sidecar = await SidecarUnderTest.StartAsync(
            options.SidecarDll ?? SidecarUnderTest.DefaultDll, fixture.KubeconfigFor(KubeUsers.Plugin), environment);
        await Task.Delay(2000);
        var idle = sidecar.ResidentKiB() ?? 0;

        var errors = 0;
        string? firstError = null;
        var stopwatch = Stopwatch.StartNew();
        await using (var sampler = new ResidentSetSampler(sidecar, TimeSpan.FromMilliseconds(10)))
        {
            await Task.WhenAll(rollouts.Select(async rollout =>
            {
                foreach (var weight in Steps)
                {
                    try
                    {
                        await sidecar.Client.SetWeightAsync(BenchmarkRollouts.SetWeight(rollout, weight));
                    }
                    catch (RpcException e)
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, $"{e.StatusCode}: {e.Status.Detail}", null);
                    }
                }
            }));
            stopwatch.Stop();
            await Task.Delay(1000);
            var end = sidecar.ResidentKiB() ?? 0;
            var highWater = HighWaterKiB(sidecar.Pid);
            var atLastStep = await CountAtWeightAsync(fixture, rollouts, Steps[^1]);
            return new Outcome(setting, idle, sampler.PeakKiB, highWater, end, sampler.Samples, stopwatch.Elapsed.TotalSeconds,
                rollouts.Count * Steps.Length, errors, firstError, atLastStep);
        }
    }

    /// <summary>VmHWM: the kernel's own record of the highest resident set, so no short peak between samples is missed.</summary>
    private static long HighWaterKiB(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => long.Parse(l["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture))
            .Single();

    /// <summary>How many of the routes ended at the last step's canary weight (read back as the admin).</summary>
    private static async Task<int> CountAtWeightAsync(KubeClusterFixture fixture, List<Rollout> rollouts, int weight)
    {
        var count = 0;
        foreach (var rollout in rollouts)
        {
            var route = await fixture.ApisixRoutes.GetAsync(rollout.Namespace, $"route-{rollout.Name[3..]}");
            var canary = route["spec"]!["http"]![0]!["backends"]!.AsArray().Single(b => b!["serviceName"]!.GetValue<string>() == rollout.CanaryService);
            count += canary!["weight"]?.GetValue<int>() == weight ? 1 : 0;
        }

        return count;
    }

    private static void Report(SummaryWriter summary, List<Outcome> outcomes)
    {
        summary.Line($"## 3. Memory: the sidecar serving {Rollouts} Rollouts ({Rollouts} ApisixRoutes in {Namespaces} namespaces), each stepping {Steps.Length} times, all concurrently");
        summary.Line();
        summary.Line("Resident set of the sidecar process from /proc/<pid>/status: VmRSS idle (2 s after start), sampled every 10 ms");
        summary.Line("during the load, VmHWM (the kernel's peak since start) and VmRSS 1 s after the load. Target: under 80 MiB.");
        summary.Line();
        summary.Line("| sidecar runtime setting | idle MiB | sampled peak MiB | VmHWM MiB | after MiB | load s | calls | errors | routes at last step | peak < 80 MiB |");
        summary.Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var o in outcomes)
        {
            summary.Line($"| {o.Setting} | {Mib(o.IdleKiB)} | {Mib(o.SampledPeakKiB)} | {Mib(o.HighWaterKiB)} | {Mib(o.EndKiB)} | {SummaryWriter.F(o.Seconds, "0.0")} "
                + $"| {o.Calls} | {o.Errors} | {o.RoutesAtLastStep}/{Rollouts} | {(Math.Max(o.HighWaterKiB, o.SampledPeakKiB) < TargetKiB ? "yes" : "NO")} |");
        }

        foreach (var o in outcomes.Where(o => o.FirstError is not null))
        {
            summary.Line($"- {o.Setting}: first error: {o.FirstError}");
        }

        summary.Line();
    }

    private static string Mib(long kib) => SummaryWriter.F(kib / 1024.0, "0.0");
}
