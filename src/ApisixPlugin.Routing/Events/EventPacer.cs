using System.Globalization;

namespace ApisixPlugin.Routing.Events;

/// <summary>
/// At most one Event per Rollout and reason per <see cref="Window"/>. An Event that comes sooner
/// is held; a later one of the same key replaces it and counts it, and the one held is written
/// when the window ends, so the last word always reaches the Rollout. client-go's event
/// correlator does the like ("combined from similar events"). A controller calling SetWeight in a
/// tight loop (a retry storm, a GitOps tool fighting the weights, a benchmark) then costs one
/// Event write a second per Rollout, not one per call beside every PATCH; a rollout's steps,
/// seconds apart, each still get their own.
/// <para>Pure: the caller passes the time. Not thread-safe: one reader drains the queue.</para>
/// </summary>
public sealed class EventPacer(TimeSpan window)
{
    private readonly Dictionary<(string Rollout, string Reason), DateTimeOffset> _lastWritten = [];
    private readonly Dictionary<(string Rollout, string Reason), Held> _held = [];

    private const int MinimumForgetAt = 256;
    private int _forgetAt = MinimumForgetAt;

    public TimeSpan Window { get; } = window;

    /// <summary>Keys remembered with the time of their last write.</summary>
    public int TrackedCount => _lastWritten.Count;

    /// <summary>Events held until their window ends.</summary>
    public int HeldCount => _held.Count;

    /// <summary>The event to write now, or null when it is held for later.</summary>
    public RolloutEvent? Offer(RolloutEvent offered, DateTimeOffset now)
    {
        var key = (offered.Rollout.Key, offered.Reason);
        if (_held.TryGetValue(key, out var held))
        {
            _held[key] = new Held(offered, held.Combined + 1, held.Since);
            return null;
        }

        if (_lastWritten.TryGetValue(key, out var last) && !WindowEnded(last, now))
        {
            _held[key] = new Held(offered, 0, last);
            return null;
        }

        Forget(now);
        _lastWritten[key] = now;
        return offered;
    }

    /// <summary>The held events whose window has ended, each with what it replaced counted in its message.</summary>
    public IReadOnlyList<RolloutEvent> Due(DateTimeOffset now)
    {
        List<RolloutEvent>? due = null;
        foreach (var (key, held) in _held)
        {
            if (WindowEnded(_lastWritten[key], now))
            {
                (due ??= []).Add(held.Describe());
            }
        }

        foreach (var item in due ?? [])
        {
            var key = (item.Rollout.Key, item.Reason);
            _held.Remove(key);
            _lastWritten[key] = now;
        }

        return due ?? (IReadOnlyList<RolloutEvent>)[];
    }

    /// <summary>
    /// Every held event, due or not, each with what it replaced counted, and none held after: for a
    /// process that is stopping, where the window's end would never come.
    /// </summary>
    public IReadOnlyList<RolloutEvent> TakeAll(DateTimeOffset now)
    {
        var all = _held.Values.Select(held => held.Describe()).ToList();
        foreach (var key in _held.Keys)
        {
            _lastWritten[key] = now;
        }

        _held.Clear();
        return all;
    }

    /// <summary>When the next held event is due, or null when none is held.</summary>
    public DateTimeOffset? NextDue()
    {
        DateTimeOffset? next = null;
        foreach (var key in _held.Keys)
        {
            var due = _lastWritten[key] + Window;
            if (next is null || due < next)
            {
                next = due;
            }
        }

        return next;
    }

    /// <summary>Keys whose window has ended and that hold nothing are not needed: memory stays bounded by the Rollouts of the last window.</summary>
    private void Forget(DateTimeOffset now)
    {
        if (_lastWritten.Count < _forgetAt)
        {
            return;
        }

        foreach (var (key, at) in _lastWritten)
        {
            if (WindowEnded(at, now) && !_held.ContainsKey(key))
            {
                _lastWritten.Remove(key);
            }
        }

        // Twice what is still in its window: a scan costs no more than the keys added since the last.
        _forgetAt = Math.Max(MinimumForgetAt, 2 * _lastWritten.Count);
    }

    // A clock set back puts "now" before the last write: that window is over, or an event would be
    // held until the clock caught up again.
    private bool WindowEnded(DateTimeOffset written, DateTimeOffset now) => now - written >= Window || now < written;

    private sealed record Held(RolloutEvent Latest, int Combined, DateTimeOffset Since)
    {
        public RolloutEvent Describe() => Combined == 0
            ? Latest
            : Latest with { Message = $"(combined with {Combined} earlier {(Combined == 1 ? "event" : "events")} of this kind since {Since.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)}Z) {Latest.Message}" };
    }
}
