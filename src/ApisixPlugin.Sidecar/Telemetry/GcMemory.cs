using System.Runtime;
using Prometheus;

namespace ApisixPlugin.Sidecar.Telemetry;

/// <summary>
/// What the GC itself says it holds, on /metrics beside the process's resident set (the
/// resident set alone cannot tell the GC heap from the program file or native memory):
/// dotnet_gc_heap_size_bytes, dotnet_gc_committed_bytes and dotnet_gc_fragmented_bytes, as of
/// the last collection (GC.GetGCMemoryInfo). And once the sidecar serves, one aggressive
/// collection: start-up leaves garbage (host building, configuration, the option checks) in
/// regions the GC would otherwise keep committed until load comes, which is most of the idle
/// heap (tests/ApisixPlugin.Benchmarks/RESULTS.md, the memory block of 2026-12-02).
/// </summary>
internal sealed class GcMemory : IHostedService
{
    private static readonly Gauge HeapSize = Metrics.CreateGauge(
        "dotnet_gc_heap_size_bytes", "Bytes in the GC heap after the last collection (live objects and fragmentation).");

    private static readonly Gauge Committed = Metrics.CreateGauge(
        "dotnet_gc_committed_bytes", "Bytes the GC had committed from the OS at the last collection.");

    private static readonly Gauge Fragmented = Metrics.CreateGauge(
        "dotnet_gc_fragmented_bytes", "Free space inside the GC heap at the last collection.");

    private readonly IHostApplicationLifetime _lifetime;
    private CancellationTokenRegistration _started;

    public GcMemory(IHostApplicationLifetime lifetime)
    {
        _lifetime = lifetime;
        Metrics.DefaultRegistry.AddBeforeCollectCallback(() =>
        {
            var info = GC.GetGCMemoryInfo();
            HeapSize.Set(info.HeapSizeBytes);
            Committed.Set(info.TotalCommittedBytes);
            Fragmented.Set(info.FragmentedBytes);
        });
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _started = _lifetime.ApplicationStarted.Register(static () =>
        {
            GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _started.Dispose();
        return Task.CompletedTask;
    }
}
