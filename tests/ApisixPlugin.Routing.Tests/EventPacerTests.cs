using System.Collections.Immutable;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Routing.Events;

namespace ApisixPlugin.Routing.Tests;

/// <summary>One Event per Rollout and reason per window; the last word always written, with what it replaced counted.</summary>
public sealed class EventPacerTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    private static RolloutEvent Weight(string rollout, int canary, string ns = "shop") =>
        new(new RolloutContext(ns, rollout, "uid", "canary", "stable", ImmutableArray<string>.Empty, "p", "{}"), false, "WeightUpdated", $"canary={canary}");

    private static RolloutEvent Header(string rollout) =>
        Weight(rollout, 0) with { Reason = "HeaderRouteSet", Message = "header" };

    [Fact]
    public void The_first_event_of_a_key_is_written_at_once()
    {
        var pacer = new EventPacer(Window);

        Assert.Equal("canary=10", pacer.Offer(Weight("web", 10), T0)?.Message);
        Assert.Null(pacer.NextDue());
    }

    [Fact]
    public void Events_a_window_apart_are_each_written()
    {
        var pacer = new EventPacer(Window);
        pacer.Offer(Weight("web", 10), T0);

        Assert.NotNull(pacer.Offer(Weight("web", 20), T0 + Window));
        Assert.NotNull(pacer.Offer(Weight("web", 30), T0 + Window + Window));
    }

    [Fact]
    public void Within_the_window_the_last_event_is_held_and_written_when_the_window_ends_counting_what_it_replaced()
    {
        var pacer = new EventPacer(Window);
        pacer.Offer(Weight("web", 10), T0);

        Assert.Null(pacer.Offer(Weight("web", 20), T0.AddMilliseconds(100)));
        Assert.Null(pacer.Offer(Weight("web", 30), T0.AddMilliseconds(200)));
        Assert.Null(pacer.Offer(Weight("web", 40), T0.AddMilliseconds(300)));

        Assert.Equal(T0 + Window, pacer.NextDue());
        Assert.Empty(pacer.Due(T0.AddMilliseconds(999)));
        var written = Assert.Single(pacer.Due(T0 + Window));
        Assert.Equal("(combined with 2 earlier events of this kind since 10:00:00.000Z) canary=40", written.Message);
        Assert.Equal(0, pacer.HeldCount);
        Assert.Null(pacer.NextDue());
    }

    [Fact]
    public void On_stop_every_held_event_is_taken_before_its_window_ends_and_none_is_held_after()
    {
        var pacer = new EventPacer(Window);
        pacer.Offer(Weight("web", 10), T0);
        pacer.Offer(Header("web"), T0);
        pacer.Offer(Weight("web", 20), T0.AddMilliseconds(100));
        pacer.Offer(Weight("web", 30), T0.AddMilliseconds(200));
        pacer.Offer(Header("web"), T0.AddMilliseconds(300));

        var taken = pacer.TakeAll(T0.AddMilliseconds(400));

        Assert.Equal(
            ["(combined with 1 earlier event of this kind since 10:00:00.000Z) canary=30", "header"],
            taken.Select(e => e.Message).Order(StringComparer.Ordinal));
        Assert.Equal(0, pacer.HeldCount);
        Assert.Null(pacer.NextDue());
        Assert.Empty(pacer.TakeAll(T0.AddMilliseconds(500)));
    }

    [Fact]
    public void A_single_held_event_is_written_unchanged()
    {
        var pacer = new EventPacer(Window);
        pacer.Offer(Weight("web", 10), T0);
        pacer.Offer(Weight("web", 20), T0.AddMilliseconds(500));

        Assert.Equal("canary=20", Assert.Single(pacer.Due(T0 + Window)).Message);
    }

    [Fact]
    public void A_held_event_written_starts_a_new_window()
    {
        var pacer = new EventPacer(Window);
        pacer.Offer(Weight("web", 10), T0);
        pacer.Offer(Weight("web", 20), T0.AddMilliseconds(500));
        pacer.Due(T0 + Window);

        Assert.Null(pacer.Offer(Weight("web", 30), T0 + Window + TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public void Rollouts_namespaces_and_reasons_are_paced_apart()
    {
        var pacer = new EventPacer(Window);
        pacer.Offer(Weight("web", 10), T0);

        Assert.NotNull(pacer.Offer(Weight("api", 10), T0));
        Assert.NotNull(pacer.Offer(Weight("web", 10, ns: "other"), T0));
        Assert.NotNull(pacer.Offer(Header("web"), T0));
    }

    [Fact]
    public void Keys_of_ended_windows_are_forgotten_so_memory_follows_the_Rollouts_of_the_last_window()
    {
        var pacer = new EventPacer(Window);
        for (var i = 0; i < 1000; i++)
        {
            pacer.Offer(Weight($"web-{i}", 10), T0.AddMilliseconds(i * 10));
        }

        Assert.True(pacer.TrackedCount <= 257, $"{pacer.TrackedCount} keys tracked");
        Assert.NotNull(pacer.Offer(Weight("web-0", 20), T0.AddSeconds(11)));
    }

    [Fact]
    public void A_clock_set_back_ends_the_window_instead_of_holding_events_until_it_catches_up()
    {
        var pacer = new EventPacer(Window);
        pacer.Offer(Weight("web", 10), T0);
        Assert.Null(pacer.Offer(Weight("web", 20), T0.AddMilliseconds(100)));
        var setBack = T0 - TimeSpan.FromHours(1);

        Assert.Equal("canary=20", Assert.Single(pacer.Due(setBack)).Message);
        // The next window runs from the time as the clock now says it.
        Assert.Null(pacer.Offer(Weight("web", 30), setBack.AddMilliseconds(1)));
        Assert.Equal("canary=30", Assert.Single(pacer.Due(setBack + Window)).Message);
    }
}
