using ApisixPlugin.Core.Configuration;
using BenchmarkDotNet.Attributes;

namespace ApisixPlugin.Benchmarks.Translation;

/// <summary>
/// PluginConfigurationParser.Parse runs on every call (the configuration travels with each request).
/// Public and unsealed because BenchmarkDotNet generates code that uses it.
/// </summary>
[MemoryDiagnoser]
public class ConfigurationBenchmarks
{
    private const string BuiltInShape = """{"route":{"name":"rollouts-apisix-route","rules":["rollouts-apisix"]}}""";

    private static readonly string TenRoutes =
        $$"""{"routes":[{{string.Join(",", Enumerable.Range(0, 10).Select(i => $$"""{"name":"route-{{i}}","namespace":"team-{{i % 3}}","rules":["a","b","c"]}"""))}}],"clusterDomain":"cluster.local"}""";

    [Benchmark]
    public PluginConfiguration Parse_route() => PluginConfigurationParser.Parse("apisixplugin/apisix", BuiltInShape, "default");

    [Benchmark]
    public PluginConfiguration Parse_routes_10() => PluginConfigurationParser.Parse("apisixplugin/apisix", TenRoutes, "default");
}
