using System.Diagnostics.Tracing;
using ApisixPlugin.Benchmarks.Reporting;
using ApisixPlugin.Benchmarks.Sidecar;
using ApisixPlugin.Testing;
using ApisixPlugin.Testing.Cluster;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace ApisixPlugin.Benchmarks.Memory;

/// <summary>
/// What the sidecar allocates under the memory run's load, and where: the JIT build (a NativeAOT
/// file is published without EventSource, so it has no event stream) runs the same 200 Rollouts'
/// steps once to warm up, then again under an EventPipe session with the GC's allocation ticks
/// (one event per about 100 KB allocated, with the type and the stack). The peak resident set is
/// the GC's committed memory between collections, so it follows from how fast garbage is made.
/// </summary>
internal static class AllocationRun
{
    /// <summary>Who allocated: the first frame from the top of the stack in one of these, so a string built by our code counts as ours.</summary>
    private static readonly string[] Owners =
    [
        "ApisixPlugin.Core.", "ApisixPlugin.Routing.", "ApisixPlugin.Kubernetes.", "ApisixPlugin.Sidecar.", "ApisixPlugin.Protos.",
        "k8s.", "System.Text.Json.", "System.Net.Http.", "Microsoft.AspNetCore.", "Grpc.", "Serilog.", "Prometheus.", "Google.Protobuf.",
    ];

    public static async Task<int> RunAsync(RunOptions options)
    {
        var dll = options.SidecarDll ?? SidecarUnderTest.DefaultDll;
        if (!dll.EndsWith(".dll", StringComparison.Ordinal))
        {
            Console.Error.WriteLine("allocations: --sidecar must name the JIT build (apisix-plugin.dll): a NativeAOT file has no event stream");
            return 2;
        }

        var fixture = new KubeClusterFixture();
        await fixture.InitializeAsync();
        var trace = Path.Combine(Path.GetTempPath(), $"apisixplugin-allocations-{Environment.ProcessId}.nettrace");
        try
        {
            var rollouts = await MemoryRun.CreateRoutesAsync(fixture);
            var environment = MemoryRun.Shipped(("DOTNET_EnableDiagnostics", "1"));
            await using var sidecar = await SidecarUnderTest.StartAsync(dll, fixture.KubeconfigFor(KubeUsers.Plugin), environment);
            var warmUp = await MemoryRun.StepAllAsync(sidecar, rollouts, [5], MemoryRun.Rollouts);

            using var session = new DiagnosticsClient(sidecar.Pid).StartEventPipeSession(
                [new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, (long)ClrTraceEventParser.Keywords.GC)], requestRundown: true);
            (int Errors, string? FirstError) load;
            await using (var file = File.Create(trace))
            {
                var copy = session.EventStream.CopyToAsync(file);
                load = await MemoryRun.StepAllAsync(sidecar, rollouts, MemoryRun.Steps, MemoryRun.Rollouts);
                await session.StopAsync(CancellationToken.None);
                await copy;
            }

            var calls = rollouts.Count * MemoryRun.Steps.Length;
            var errors = warmUp.Errors + load.Errors;
            Report(new SummaryWriter(options.SummaryPath), Read(trace), calls, errors, load.FirstError ?? warmUp.FirstError);
            return errors == 0 ? 0 : 1;
        }
        finally
        {
            File.Delete(trace);
            File.Delete(Path.ChangeExtension(trace, ".etlx"));
            await fixture.DisposeAsync();
        }
    }

    private sealed record Tally(long Bytes, int Collections, Dictionary<string, long> ByType, Dictionary<string, long> ByOwner);

    private static Tally Read(string trace)
    {
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(trace));
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        var byOwner = new Dictionary<string, long>(StringComparer.Ordinal);
        long bytes = 0;
        var collections = 0;
        foreach (var e in log.Events)
        {
            if (e is GCStartTraceData)
            {
                collections++;
            }

            if (e is not GCAllocationTickTraceData tick)
            {
                continue;
            }

            bytes += tick.AllocationAmount64;
            Add(byType, tick.TypeName ?? "?", tick.AllocationAmount64);
            Add(byOwner, Owner(e.CallStack()), tick.AllocationAmount64);
        }

        return new Tally(bytes, collections, byType, byOwner);
    }

    private static string Owner(TraceCallStack? stack)
    {
        for (var frame = stack; frame is not null; frame = frame.Caller)
        {
            var method = frame.CodeAddress.FullMethodName ?? "";
            if (Owners.FirstOrDefault(o => method.StartsWith(o, StringComparison.Ordinal)) is { } owner)
            {
                return owner.TrimEnd('.');
            }
        }

        return "other (runtime, thread pool)";
    }

    private static void Add(Dictionary<string, long> tally, string key, long bytes) => tally[key] = tally.GetValueOrDefault(key) + bytes;

    private static void Report(SummaryWriter summary, Tally tally, int calls, int errors, string? firstError)
    {
        string MiB(long bytes) => SummaryWriter.F(bytes / 1048576.0, "0.0");
        string Share(long bytes) => SummaryWriter.F(100.0 * bytes / Math.Max(tally.Bytes, 1), "0.0");
        summary.Line($"## Allocations: the JIT sidecar serving {MemoryRun.Rollouts} Rollouts stepping {MemoryRun.Steps.Length} times, all in flight, after one warm-up step");
        summary.Line();
        summary.Line($"{calls} calls, {errors} errors{(firstError is null ? "" : $" (first: {firstError})")}; sampled allocations {MiB(tally.Bytes)} MiB, "
            + $"{SummaryWriter.F(tally.Bytes / 1024.0 / calls, "0.0")} KiB per call; {tally.Collections} collections during the load.");
        summary.Line();
        summary.Line("| allocated by (first frame from the top in) | MiB | share % |");
        summary.Line("|---|---:|---:|");
        foreach (var (owner, bytes) in tally.ByOwner.OrderByDescending(o => o.Value))
        {
            summary.Line($"| {owner} | {MiB(bytes)} | {Share(bytes)} |");
        }

        summary.Line();
        summary.Line("| type (the 12 largest) | MiB | share % |");
        summary.Line("|---|---:|---:|");
        foreach (var (type, bytes) in tally.ByType.OrderByDescending(t => t.Value).Take(12))
        {
            summary.Line($"| `{type}` | {MiB(bytes)} | {Share(bytes)} |");
        }

        summary.Line();
        summary.Flush();
    }
}
