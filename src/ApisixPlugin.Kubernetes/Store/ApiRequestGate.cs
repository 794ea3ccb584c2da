namespace ApisixPlugin.Kubernetes.Store;

/// <summary>
/// At most <see cref="Limit"/> requests to the API server at a time; the others wait their turn.
/// When 200 Rollouts step at once, each request in flight holds connection buffers and a response
/// being parsed, which is most of the sidecar's memory under load, while the API server answers
/// no faster for being asked 200 times at once: with the gate a burst finishes sooner and peaks
/// lower (the figures are in tests/ApisixPlugin.Benchmarks/RESULTS.md). client-go's default
/// QPS/burst limits play the same part in Go controllers.
/// </summary>
public sealed class ApiRequestGate : IDisposable
{
    public const int DefaultLimit = 4;

    private readonly SemaphoreSlim _slots;

    public ApiRequestGate(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
        _slots = new SemaphoreSlim(limit, limit);
    }

    public int Limit { get; }

    /// <summary>Waits for a free slot; dispose the result to give it back.</summary>
    public async ValueTask<Slot> EnterAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(_slots);
    }

    public void Dispose() => _slots.Dispose();

    public readonly struct Slot(SemaphoreSlim slots) : IDisposable
    {
        public void Dispose() => slots.Release();
    }
}
