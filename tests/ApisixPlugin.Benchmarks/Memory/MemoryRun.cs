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
    internal const int Rollouts = 200;
    private const int Namespaces = 4;
    private const long TargetKiB = 80 * 1024;
    internal static readonly int[] Steps = [10, 20, 30, 40, 50];

    /// <summary>
    /// The runtime settings tried, as environment variables of the sidecar process, and how many
    /// calls are in flight at once: all 200, or 10 (argo-rollouts' default --rollout-threads, the
    /// most the controller sends at once unless configured otherwise).
    /// </summary>
    private static readonly (string Name, Dictionary<string, string> Environment, int InFlight)[] Settings =
    [
        ("as shipped (image env: DOTNET_GCgen0size=100000, DOTNET_GCRegionSize=100000)", Shipped(), Rollouts),
        ("without the image's DOTNET_GC* (the values compiled into the file, if any)", new(), Rollouts),
        ("--max-api-requests 1", Shipped((ApiRequestLimit, "1")), Rollouts),
        ("--max-api-requests 16", Shipped((ApiRequestLimit, "16")), Rollouts),
        ("--max-api-requests 256 (no limit in effect)", Shipped((ApiRequestLimit, "256")), Rollouts),
        ("DOTNET_gcServer=1 (server GC)", Shipped(("DOTNET_gcServer", "1")), Rollouts),
        ("DOTNET_GCgen0size=0x400000 (NativeAOT ignores it: its parser takes bare hex digits only)", new() { ["DOTNET_GCgen0size"] = "0x400000" }, Rollouts),
        ("as shipped (image env: DOTNET_GCgen0size=100000, DOTNET_GCRegionSize=100000)", Shipped(), 10),
    ];

    /// <summary>The sidecar's --max-api-requests, as the environment variable configuration also reads.</summary>
    private const string ApiRequestLimit = "Sidecar__MaxConcurrentApiRequests";

    /// <summary>The image's environment (Dockerfile ENV) plus the given variables.</summary>
    internal static Dictionary<string, string> Shipped(params (string Name, string Value)[] extra)
    {
        var environment = new Dictionary<string, string> { ["DOTNET_GCgen0size"] = "100000", ["DOTNET_GCRegionSize"] = "100000" };
        foreach (var (name, value) in extra)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>A compared build's rows with its own image environment, when --compare-sidecar gives one, instead of today's.</summary>
    private static Dictionary<string, string> Replaced(Dictionary<string, string> setting, (string Name, string Value)[]? image)
    {
        if (image is null)
        {
            return setting;
        }

        var environment = setting.Where(e => !e.Key.StartsWith("DOTNET_GC", StringComparison.Ordinal)).ToDictionary();
        foreach (var (name, value) in image)
        {
            environment[name] = value;
        }

        return environment;
    }

    private static string Named(string setting, (string Name, string Value)[]? image) => image is null
        ? setting
        : setting.Replace(Settings[0].Name["as shipped ".Length..], $"(image env then: {string.Join(", ", image.Select(e => $"{e.Name}={e.Value}"))})", StringComparison.Ordinal);

    private sealed record Outcome(
        string Setting, int InFlight, long IdleKiB, long IdleAnonKiB, long SampledPeakKiB, long PeakAnonKiB, long HighWaterKiB, long EndKiB,
        int PeakSockets, double Seconds, int Calls, int Errors, string? FirstError, int RoutesAtLastStep,
        MemoryMap? IdleMap, GcFigures IdleGc, MemoryMap? PeakMap, MemoryMap? EndMap, GcFigures EndGc);

    /// <summary>The GC's own figures from the sidecar's /metrics, in bytes; -1 where the build does not export one.</summary>
    private sealed record GcFigures(double TotalMemory, double HeapSize, double Committed, double Fragmented)
    {
        public static async Task<GcFigures> ReadAsync(SidecarUnderTest sidecar)
        {
            var text = await sidecar.MetricsAsync();
            double Value(string name) => text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal)) is { } line
                ? double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture)
                : -1;
            return new GcFigures(Value("dotnet_total_memory_bytes"), Value("dotnet_gc_heap_size_bytes"), Value("dotnet_gc_committed_bytes"), Value("dotnet_gc_fragmented_bytes"));
        }
    }

    public static async Task<int> RunAsync(RunOptions options)
    {
        var fixture = new KubeClusterFixture();
        await fixture.InitializeAsync();
        try
        {
            var rollouts = await CreateRoutesAsync(fixture);
            var outcomes = new List<Outcome>();
            var image = options.SidecarDll ?? SidecarUnderTest.DefaultDll;
            // --quick: only the shipped setting, to check a change without the whole table.
            var settings = (options.Quick ? Settings[..1] : Settings)
                .Concat(options.Tries.Select(t => (Name: t.Label, Environment: Shipped(t.Environment), InFlight: options.TriesInFlight ?? Rollouts)));
            var runs = settings.Select(s => (Binary: image, s.Name, s.Environment, s.InFlight))
                .Concat(options.CompareSidecars.SelectMany(other => new[] { Settings[0], Settings[4] }
                    .Select(s => (Binary: other.Path, Name: $"{other.Label}; {Named(s.Name, other.Environment)}", Environment: Replaced(s.Environment, other.Environment), s.InFlight))));
            var failedToStart = new List<string>();
            foreach (var (binary, name, environment, inFlight) in runs)
            {
                try
                {
                    outcomes.Add(await MeasureAsync(fixture, binary, rollouts, name, environment, inFlight));
                    Console.WriteLine($"{name}: peak {outcomes[^1].HighWaterKiB / 1024.0:0.0} MiB");
                }
                catch (Exception e) when (e is InvalidOperationException or TimeoutException)
                {
                    // One build that does not start must not cost the other rows; the summary names it.
                    var reason = e.Message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("Exception", StringComparison.Ordinal)) ?? e.Message.Split('\n')[0];
                    failedToStart.Add($"- {name} ({binary}): did not start: {reason}");
                    Console.Error.WriteLine(e.Message);
                }
            }

            var summary = new SummaryWriter(options.SummaryPath);
            Report(summary, outcomes);
            failedToStart.ForEach(summary.Line);
            summary.Line();
            summary.Flush();
            return failedToStart.Count == 0 && outcomes.All(o => o.Errors == 0 && o.RoutesAtLastStep == Rollouts) ? 0 : 1;
        }
        finally
        {
            await fixture.DisposeAsync();
        }
    }

    internal static async Task<List<Rollout>> CreateRoutesAsync(KubeClusterFixture fixture)
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

    private static async Task<Outcome> MeasureAsync(KubeClusterFixture fixture, string binary, List<Rollout> rollouts, string setting, Dictionary<string, string> environment, int inFlight)
    {
        await using var sidecar = await SidecarUnderTest.StartAsync(binary, fixture.KubeconfigFor(KubeUsers.Plugin), environment);
        await Task.Delay(2000);
        var idle = sidecar.ResidentKiB() ?? 0;
        var idleAnon = sidecar.StatusKiB("RssAnon") ?? 0;
        var idleMap = MemoryMap.Read(sidecar.Pid);
        var idleGc = await GcFigures.ReadAsync(sidecar);
        var stopwatch = Stopwatch.StartNew();
        await using (var sampler = new ResidentSetSampler(sidecar, TimeSpan.FromMilliseconds(10)))
        {
            var (errors, firstError) = await StepAllAsync(sidecar, rollouts, Steps, inFlight);
            stopwatch.Stop();
            await Task.Delay(1000);
            var end = sidecar.ResidentKiB() ?? 0;
            var highWater = sidecar.StatusKiB("VmHWM") ?? 0;
            var endMap = MemoryMap.Read(sidecar.Pid);
            var endGc = await GcFigures.ReadAsync(sidecar);
            var atLastStep = await CountAtWeightAsync(fixture, rollouts, Steps[^1]);
            return new Outcome(setting, inFlight, idle, idleAnon, sampler.PeakKiB, sampler.PeakAnonKiB, highWater, end, sampler.PeakSockets,
                stopwatch.Elapsed.TotalSeconds, rollouts.Count * Steps.Length, errors, firstError, atLastStep,
                idleMap, idleGc, sampler.PeakMap, endMap, endGc);
        }
    }

    /// <summary>Every Rollout steps through <paramref name="steps"/>, all at once, at most <paramref name="inFlight"/> calls in flight.</summary>
    internal static async Task<(int Errors, string? FirstError)> StepAllAsync(SidecarUnderTest sidecar, List<Rollout> rollouts, int[] steps, int inFlight)
    {
        using var gate = new SemaphoreSlim(inFlight);
        var errors = 0;
        string? firstError = null;
        await Task.WhenAll(rollouts.Select(async rollout =>
        {
            foreach (var weight in steps)
            {
                await gate.WaitAsync();
                try
                {
                    await sidecar.Client.SetWeightAsync(BenchmarkRollouts.SetWeight(rollout, weight));
                }
                catch (RpcException e)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, $"{e.StatusCode}: {e.Status.Detail}", null);
                }
                finally
                {
                    gate.Release();
                }
            }
        }));
        return (errors, firstError);
    }

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
        summary.Line($"## 3. Memory: the sidecar serving {Rollouts} Rollouts ({Rollouts} ApisixRoutes in {Namespaces} namespaces), each stepping {Steps.Length} times, concurrently");
        summary.Line();
        summary.Line("Sidecar process, /proc/<pid>/status: VmRSS idle (2 s after start) and its RssAnon part; during the load VmRSS and");
        summary.Line("RssAnon sampled every 10 ms, open sockets sampled, VmHWM (the kernel's peak resident set since start); VmRSS 1 s after.");
        summary.Line("RssFile = VmRSS - RssAnon is the mapped program file (NativeAOT) or assemblies (JIT): shared, reclaimable. Target: VmRSS under 80 MiB.");
        summary.Line("Every run has the image's DOTNET_EnableDiagnostics=0; \"as shipped\" is the sidecar file as the Dockerfile runs it (by default the NativeAOT publish that --sidecar names).");
        summary.Line();
        summary.Line("| sidecar runtime setting | in flight | idle RSS (anon) MiB | peak RSS MiB | peak anon MiB | VmHWM MiB | after MiB | peak sockets | load s | errors | routes at last step | peak < 80 MiB |");
        summary.Line("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var o in outcomes)
        {
            summary.Line($"| {o.Setting} | {o.InFlight} | {Mib(o.IdleKiB)} ({Mib(o.IdleAnonKiB)}) | {Mib(o.SampledPeakKiB)} | {Mib(o.PeakAnonKiB)} | {Mib(o.HighWaterKiB)} | {Mib(o.EndKiB)} "
                + $"| {o.PeakSockets} | {SummaryWriter.F(o.Seconds, "0.0")} | {o.Errors}/{o.Calls} | {o.RoutesAtLastStep}/{Rollouts} "
                + $"| {(Math.Max(o.HighWaterKiB, o.SampledPeakKiB) < TargetKiB ? "yes" : "NO")} |");
        }

        foreach (var o in outcomes.Where(o => o.FirstError is not null))
        {
            summary.Line($"- {o.Setting}: first error: {o.FirstError}");
        }

        summary.Line();
        summary.Line("What each MiB is, from /proc/<pid>/smaps by mapping (Memory/MemoryMap.cs): the program file's code and read-only data (file pages);");
        summary.Line("program data = its writable data and the anonymous mapping right after it (.bss and the type data NativeAOT writes out at start);");
        summary.Line("GC heap = the GC's reservation (committed regions and its tables); stacks; native = [heap] (malloc) and every other anonymous mapping;");
        summary.Line("libraries = libc, OpenSSL and the rest. idle = 2 s after start; peak = the map read when the sampler saw a new highest VmRSS; after = 1 s after the load.");
        summary.Line("GC's own figures (/metrics): dotnet_total_memory_bytes (GC.GetTotalMemory), and where exported dotnet_gc_heap_size_bytes / dotnet_gc_committed_bytes (GC.GetGCMemoryInfo, as of the last collection).");
        summary.Line();
        summary.Line("| sidecar runtime setting | in flight | when | RSS | code | read-only data | program data | GC heap | stacks | native | libraries | GC total memory | GC heap size / committed |");
        summary.Line("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var o in outcomes)
        {
            foreach (var (when, map, gc) in new[] { ("idle", o.IdleMap, o.IdleGc), ("peak", o.PeakMap, (GcFigures?)null), ("after", o.EndMap, o.EndGc) })
            {
                if (map is null)
                {
                    continue;
                }

                summary.Line($"| {o.Setting} | {o.InFlight} | {when} | {Mib(map.TotalKiB)} | {Mib(map.CodeKiB)} | {Mib(map.ReadOnlyDataKiB)} | {Mib(map.ProgramDataKiB)} | {Mib(map.GcHeapKiB)} "
                    + $"| {Mib(map.StacksKiB)} | {Mib(map.NativeKiB)} | {Mib(map.LibrariesKiB)} | {(gc is null ? "-" : Bytes(gc.TotalMemory))} "
                    + $"| {(gc is null || gc.HeapSize < 0 ? "-" : $"{Bytes(gc.HeapSize)} / {Bytes(gc.Committed)}")} |");
            }
        }

        summary.Line();
    }

    private static string Bytes(double bytes) => bytes < 0 ? "-" : SummaryWriter.F(bytes / 1048576, "0.0");

    private static string Mib(long kib) => SummaryWriter.F(kib / 1024.0, "0.0");
}
