using System.Collections.Immutable;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Weights;
using BenchmarkDotNet.Attributes;

namespace ApisixPlugin.Benchmarks.Translation;

/// <summary>
/// One SetWeight's translation of a route, for the plugin and for the built-in router's algorithm.
/// <list type="bullet">
/// <item><see cref="Plan"/>: WeightPlanner.Plan on an already parsed route (what the target names).</item>
/// <item><see cref="ParsePlanSerialize"/>: route text in, JSON Patch bytes out: the plugin's whole per-call CPU work.</item>
/// <item><see cref="Parse"/>: only ApisixRouteSnapshot.Parse, the part of the whole that does not depend on the planner.</item>
/// <item><see cref="BuiltInStyle"/>: route text in, full-object PUT body out: the built-in's per-call CPU work.</item>
/// </list>
/// Public and unsealed because BenchmarkDotNet generates code that uses it.
/// </summary>
[MemoryDiagnoser]
public class TranslationBenchmarks
{
    private string _routeJson = "";
    private ApisixRouteSnapshot _route = null!;
    private RouteTarget _target = null!;
    private ImmutableArray<string> _rules;
    private WeightSplit _split = null!;

    [Params(1, 50, 500)]
    public int Rules { get; set; }

    [Params(ConfiguredRules.Last, ConfiguredRules.Every)]
    public ConfiguredRules Configured { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _routeJson = BenchmarkRoutes.Route(Rules).ToJsonString();
        _route = ApisixRouteSnapshot.Parse(_routeJson);
        _target = BenchmarkRoutes.Target(Rules, Configured);
        _rules = _target.Rules;
        _split = BenchmarkRoutes.Split(20);

        // A benchmark of a translation that silently does nothing would be meaningless.
        var patch = WeightPlanner.Plan(_route, _target, _split);
        // Per changed rule: test name, test backends, replace backends; no annotation without experiments.
        var expectedOperations = 3 * _rules.Length;
        if (patch.Operations.Length != expectedOperations)
        {
            throw new InvalidOperationException($"expected {expectedOperations} patch operations, got {patch.Operations.Length}: {patch}");
        }
    }

    [Benchmark]
    public RoutePatch Plan() => WeightPlanner.Plan(_route, _target, _split);

    [Benchmark]
    public byte[] ParsePlanSerialize() => WeightPlanner.Plan(ApisixRouteSnapshot.Parse(_routeJson), _target, _split).ToJsonPatch();

    /// <summary>Only parsing the route text: the floor under <see cref="ParsePlanSerialize"/>.</summary>
    [Benchmark]
    public ApisixRouteSnapshot Parse() => ApisixRouteSnapshot.Parse(_routeJson);

    [Benchmark(Baseline = true)]
    public byte[] BuiltInStyle() =>
        BuiltInStyleTranslation.Translate(_routeJson, _rules, BenchmarkRoutes.Canary, BenchmarkRoutes.Stable, 20);
}
