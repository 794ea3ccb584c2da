using System.Collections.Immutable;

namespace ApisixPlugin.Core.Rollouts;

/// <summary>Argo's StringMatch: exactly one of the three is set.</summary>
public sealed record StringMatch(string? Exact = null, string? Prefix = null, string? Regex = null);

/// <summary>One header condition of a setHeaderRoute step.</summary>
public sealed record HeaderMatch(string HeaderName, StringMatch Value);

/// <summary>A setHeaderRoute step: no match removes the managed route.</summary>
public sealed record HeaderRouteStep(string Name, ImmutableArray<HeaderMatch> Matches);

/// <summary>One match entry of a setMirrorRoute step: all present conditions must hold.</summary>
public sealed record MirrorMatch(
    StringMatch? Method,
    StringMatch? Path,
    ImmutableSortedDictionary<string, StringMatch> Headers);

/// <summary>A setMirrorRoute step: no match removes the managed route; no percentage means 100.</summary>
public sealed record MirrorRouteStep(string Name, ImmutableArray<MirrorMatch> Matches, int? Percentage);
