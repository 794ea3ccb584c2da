using ApisixPlugin.Sidecar.Hosting;

namespace ApisixPlugin.Integration.Tests.Host;

/// <summary>
/// When the sidecar collects to give memory back. What it saves is measured, not asserted here:
/// tests/ApisixPlugin.Benchmarks' memory run, beside the sidecar without it.
/// </summary>
public sealed class HeapTrimTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 20, 0, 0, TimeSpan.Zero);
    private const long Limit = HeapTrim.CommittedBytesLimit;

    [Fact]
    public void Under_the_limit_nothing_is_collected()
    {
        Assert.False(HeapTrim.IsDue(Limit, lastTrim: null, Now));
        Assert.False(HeapTrim.IsDue(4L * 1024 * 1024, lastTrim: null, Now));
    }

    [Fact]
    public void Over_the_limit_a_collection_is_due_unless_one_ran_within_the_interval()
    {
        Assert.True(HeapTrim.IsDue(Limit + 1, lastTrim: null, Now));
        Assert.False(HeapTrim.IsDue(Limit + 1, Now - HeapTrim.MinInterval + TimeSpan.FromMilliseconds(1), Now));
        Assert.True(HeapTrim.IsDue(Limit + 1, Now - HeapTrim.MinInterval, Now));
    }

    [Fact]
    public void A_clock_set_back_does_not_stop_collections_until_it_catches_up()
    {
        Assert.True(HeapTrim.IsDue(Limit + 1, Now + TimeSpan.FromHours(1), Now));
    }
}
