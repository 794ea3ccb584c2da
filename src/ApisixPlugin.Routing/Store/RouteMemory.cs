using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Routing.Store;

/// <summary>
/// The routes as the plugin last read or wrote them, the least recently used forgotten first, so
/// that a changing SetWeight can be planned without a read: its patch then tests everything the
/// plan rested on (<see cref="Core.Weights.RecalledRouteGuard"/>: the object, every steered
/// rule's backends, the label), so a route someone changed since makes the write fail and be
/// planned again from a read. Memory is never trusted to say "nothing to do": an unchanged plan
/// is confirmed by a read, so an external weight change is not mistaken for the split being there.
/// </summary>
public sealed class RouteMemory
{
    public const int DefaultCapacity = 512;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _index = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, DateTimeOffset> _absentAt = new(StringComparer.Ordinal);
    // Reads in flight whose miss may be remembered, by key: a route made or seen while one is in
    // flight takes its entry away, so that read's late "not found" is not remembered over it.
    private readonly Dictionary<string, long> _absenceReads = new(StringComparer.Ordinal);
    private long _lastAbsenceRead;

    /// <param name="capacity">How many routes are remembered at most; 0 turns memory off.</param>
    /// <param name="time">When a route was seen is kept, for <see cref="RecallFresh"/>.</param>
    public RouteMemory(int capacity = DefaultCapacity, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        Capacity = capacity;
        _time = time ?? TimeProvider.System;
    }

    private sealed record Entry(ApisixRouteSnapshot Route, DateTimeOffset SeenAt);

    /// <summary>
    /// How old a read may be for a call that follows it to answer from it: the calls of one
    /// controller reconcile come within milliseconds of each other, and a read a moment later
    /// would see the same. Only ever used where no write rests on it.
    /// </summary>
    public static readonly TimeSpan RecentEnough = TimeSpan.FromSeconds(1);

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _index.Count;
            }
        }
    }

    public ApisixRouteSnapshot? Recall(string key) => RecallEntry(key)?.Route;

    /// <summary>The route only if it was read or written within <paramref name="maxAge"/>.</summary>
    public ApisixRouteSnapshot? RecallFresh(string key, TimeSpan maxAge) =>
        RecallEntry(key) is { } entry && IsWithin(_time.GetUtcNow() - entry.SeenAt, maxAge) ? entry.Route : null;

    private Entry? RecallEntry(string key)
    {
        lock (_lock)
        {
            if (!_index.TryGetValue(key, out var node))
            {
                return null;
            }

            _recency.Remove(node);
            _recency.AddFirst(node);
            return node.Value;
        }
    }

    /// <summary>
    /// Keeps <paramref name="route"/> unless what is remembered is newer: two calls on one route can
    /// finish in either order, and the older answer must not replace the newer one.
    /// </summary>
    public void Remember(ApisixRouteSnapshot route)
    {
        if (Capacity == 0)
        {
            return;
        }

        var entry = new Entry(route, _time.GetUtcNow());
        lock (_lock)
        {
            _absentAt.Remove(route.Key);
            _absenceReads.Remove(route.Key);
            if (_index.TryGetValue(route.Key, out var node))
            {
                if (IsOlder(route, node.Value.Route))
                {
                    return;
                }

                _recency.Remove(node);
                node.Value = entry;
                _recency.AddFirst(node);
                return;
            }

            _index[route.Key] = _recency.AddFirst(entry);
            if (_index.Count > Capacity)
            {
                var last = _recency.Last!;
                _recency.RemoveLast();
                _index.Remove(last.Value.Route.Key);
            }
        }
    }

    public void Forget(string key)
    {
        lock (_lock)
        {
            _absentAt.Remove(key);
            _absenceReads.Remove(key);
            if (_index.Remove(key, out var node))
            {
                _recency.Remove(node);
            }
        }
    }

    /// <summary>
    /// A read of <paramref name="key"/> begins whose miss may be remembered: pass what this returns
    /// to <see cref="RememberAbsent"/> or <see cref="EndAbsenceRead"/>.
    /// </summary>
    public long BeginAbsenceRead(string key)
    {
        lock (_lock)
        {
            var read = ++_lastAbsenceRead;
            if (Capacity > 0)
            {
                _absenceReads[key] = read;
            }

            return read;
        }
    }

    /// <summary>A read begun with <see cref="BeginAbsenceRead"/> ended without a miss to remember (found, or failed).</summary>
    public void EndAbsenceRead(string key, long read)
    {
        lock (_lock)
        {
            if (_absenceReads.TryGetValue(key, out var current) && current == read)
            {
                _absenceReads.Remove(key);
            }
        }
    }

    /// <summary>
    /// The read begun as <paramref name="read"/> found no route under <paramref name="key"/> (a
    /// managed route not made yet, or removed). Not remembered when the route was made or seen
    /// while the read was in flight, or a later read of it began. Bounded like the routes: when
    /// full, the answers older than <see cref="RecentEnough"/> go.
    /// </summary>
    public void RememberAbsent(string key, long read)
    {
        if (Capacity == 0)
        {
            return;
        }

        var now = _time.GetUtcNow();
        lock (_lock)
        {
            if (!_absenceReads.TryGetValue(key, out var current) || current != read)
            {
                return;
            }

            _absenceReads.Remove(key);
            if (_absentAt.Count >= Capacity)
            {
                foreach (var (stale, at) in _absentAt)
                {
                    if (!IsWithin(now - at, RecentEnough))
                    {
                        _absentAt.Remove(stale);
                    }
                }
            }

            if (_absentAt.Count < Capacity)
            {
                _absentAt[key] = now;
            }
        }
    }

    /// <summary>Whether a read within <paramref name="maxAge"/> found no route under <paramref name="key"/>, and none was made by this plugin since.</summary>
    public bool WasAbsentWithin(string key, TimeSpan maxAge)
    {
        lock (_lock)
        {
            return _absentAt.TryGetValue(key, out var at) && IsWithin(_time.GetUtcNow() - at, maxAge);
        }
    }

    // A clock set back makes an age negative: that answer is of unknown age, so not recent.
    private static bool IsWithin(TimeSpan age, TimeSpan maxAge) => age >= TimeSpan.Zero && age <= maxAge;

    /// <summary>
    /// resourceVersions are opaque, but the API server's are etcd revisions, integers that grow
    /// across objects (a route re-created under its name too); anything else counts as newer.
    /// </summary>
    private static bool IsOlder(ApisixRouteSnapshot candidate, ApisixRouteSnapshot kept) =>
        ulong.TryParse(candidate.ResourceVersion, out var a) && ulong.TryParse(kept.ResourceVersion, out var b) && a < b;
}
