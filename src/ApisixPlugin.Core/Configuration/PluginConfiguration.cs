using System.Collections.Immutable;

namespace ApisixPlugin.Core.Configuration;

/// <summary>
/// The plugin's block under <c>spec.strategy.canary.trafficRouting.plugins.&lt;plugin name&gt;</c>,
/// validated: every route and rule named, nothing unknown. <see cref="Routes"/> are the routes
/// named in the block; <see cref="Selector"/>, when set, adds the routes whose labels match.
/// </summary>
public sealed record PluginConfiguration(ImmutableArray<RouteTarget> Routes, string ClusterDomain, RouteSelector? Selector = null)
{
    public const string DefaultClusterDomain = "cluster.local";

    /// <summary>Every namespace the Rollout's routes can be in: where managed routes are made and looked for.</summary>
    public IEnumerable<string> RouteNamespaces =>
        Routes.Select(r => r.Namespace).Concat(Selector is { } s ? [s.Namespace] : []).Distinct(StringComparer.Ordinal);
}

/// <summary>One ApisixRoute the Rollout steers, and the rules in it whose backends it weighs.</summary>
public sealed record RouteTarget(string Namespace, string Name, ImmutableArray<string> Rules)
{
    public string Key => $"{Namespace}/{Name}";
}
