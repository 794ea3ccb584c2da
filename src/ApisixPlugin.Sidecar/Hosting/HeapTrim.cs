namespace ApisixPlugin.Sidecar.Hosting;

/// <summary>
/// Gives memory back during bursts: when the GC has committed more than
/// <see cref="CommittedBytesLimit"/>, one aggressive collection (which decommits what it frees),
/// at most once per <see cref="MinInterval"/>. What the sidecar keeps live is small next to what
/// the GC commits during a burst of calls: garbage in older generations and emptied regions it
/// would give back only later (tests/ApisixPlugin.Benchmarks/RESULTS.md, which also gives what the
/// pauses cost a burst). A heap that is live past the limit is collected once a second, no more.
/// </summary>
internal sealed class HeapTrim : BackgroundService
{
    public const long CommittedBytesLimit = 16L * 1024 * 1024;
    public static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;

    public HeapTrim(TimeProvider time) => _time = time;

    /// <summary>Whether to collect now: over the limit, and the last trim long enough ago.</summary>
    public static bool IsDue(long committedBytes, DateTimeOffset? lastTrim, DateTimeOffset now) =>
        committedBytes > CommittedBytesLimit && (lastTrim is not { } last || now - last >= MinInterval || now < last);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        DateTimeOffset? lastTrim = null;
        using var timer = new PeriodicTimer(CheckInterval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var now = _time.GetUtcNow();
            if (IsDue(GC.GetGCMemoryInfo().TotalCommittedBytes, lastTrim, now))
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                lastTrim = now;
            }
        }
    }
}
