using ApisixPlugin.Benchmarks.Sidecar;

namespace ApisixPlugin.Benchmarks.Memory;

/// <summary>Reads the sidecar's VmRSS, RssAnon and open sockets every few milliseconds while a load runs and keeps the highest.</summary>
internal sealed class ResidentSetSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _mappedAtKiB;

    public ResidentSetSampler(SidecarUnderTest sidecar, TimeSpan interval)
    {
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                if (sidecar.ResidentKiB() is { } kib)
                {
                    // The map is read only at a new high by 256 KiB or more: reading smaps costs CPU the load needs.
                    if (kib >= _mappedAtKiB + 256)
                    {
                        PeakMap = MemoryMap.Read(sidecar.Pid) ?? PeakMap;
                        _mappedAtKiB = kib;
                    }

                    PeakKiB = Math.Max(PeakKiB, kib);
                    PeakAnonKiB = Math.Max(PeakAnonKiB, sidecar.StatusKiB("RssAnon") ?? 0);
                    PeakSockets = Math.Max(PeakSockets, sidecar.OpenSockets());
                    Samples++;
                }

                try
                {
                    await Task.Delay(interval, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
    }

    public long PeakKiB { get; private set; }

    /// <summary>What the resident set was made of at (about) its highest.</summary>
    public MemoryMap? PeakMap { get; private set; }

    /// <summary>The highest RssAnon seen: the part of the resident set that is the process's own memory.</summary>
    public long PeakAnonKiB { get; private set; }

    public int PeakSockets { get; private set; }

    public int Samples { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
