using System.Collections.Immutable;

namespace ApisixPlugin.Core.Traffic;

/// <summary>
/// What is known of the Services a route's backends name, in the route's namespace: present,
/// absent, or not known (not read, or the read was refused). Only an absent Service changes the split.
/// </summary>
public sealed record KnownServices(ImmutableHashSet<string> Present, ImmutableHashSet<string> Absent)
{
    /// <summary>Nothing read: every backend counts as served (a simulation has no cluster).</summary>
    public static readonly KnownServices NotRead = new([], []);

    /// <summary>True or false when read, null when not known.</summary>
    public bool? Exists(string service) =>
        Present.Contains(service) ? true : Absent.Contains(service) ? false : null;
}
