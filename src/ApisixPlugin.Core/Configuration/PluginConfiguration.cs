using System.Collections.Immutable;

namespace ApisixPlugin.Core.Configuration;

/// <summary>
/// The plugin's block under <c>spec.strategy.canary.trafficRouting.plugins.&lt;plugin name&gt;</c>,
/// validated: every route and rule named, nothing unknown.
/// </summary>
public sealed record PluginConfiguration(ImmutableArray<RouteTarget> Routes, string ClusterDomain)
{
    public const string DefaultClusterDomain = "cluster.local";
}

/// <summary>One ApisixRoute the Rollout steers, and the rules in it whose backends it weighs.</summary>
public sealed record RouteTarget(string Namespace, string Name, ImmutableArray<string> Rules)
{
    public string Key => $"{Namespace}/{Name}";
}
