using System.Collections.Immutable;
using System.Text.Json;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Core.Weights;

namespace ApisixPlugin.Core.Tests.Support;

/// <summary>
/// One SetWeight call as the core sees it: the Rollout (with the plugin's configuration block),
/// the desired weight and the additional destinations. It is also the shape of a golden case's
/// call.json, and runs the same path the service runs: parse the configuration, split the
/// weights, plan the patch for the route.
/// </summary>
internal sealed record SetWeightCall(
    RolloutContext Rollout,
    int DesiredWeight,
    ImmutableArray<WeightDestination> Additional)
{
    /// <summary>The key under trafficRouting.plugins in the example Rollout (deploy/examples).</summary>
    public const string PluginName = "apisixplugin/apisix";

    public static RolloutContext DemoRollout(
        string pluginConfigJson,
        int maxTrafficWeight = RolloutContext.DefaultMaxTrafficWeight,
        string canary = "rollout-apisix-canary-canary",
        string stable = "rollout-apisix-canary-stable") =>
        new("default", "rollouts-demo", "3f1c2a9e-0000-4000-8000-000000000001", canary, stable,
            ManagedRoutes: [], PluginName: PluginName, PluginConfigJson: pluginConfigJson, MaxTrafficWeight: maxTrafficWeight);

    public PluginConfiguration Configuration() =>
        PluginConfigurationParser.Parse(PluginName, Rollout.PluginConfigJson, Rollout.Namespace);

    public WeightSplit Split() => WeightSplit.For(Rollout, DesiredWeight, Additional);

    public RouteTarget TargetFor(ApisixRouteSnapshot route) =>
        Configuration().Routes.Single(t => t.Key == route.Key);

    public RoutePatch Plan(ApisixRouteSnapshot route) => WeightPlanner.Plan(route, TargetFor(route), Split());

    /// <summary>Plans, then applies the patch the way the API server would.</summary>
    public (RoutePatch Patch, ApisixRouteSnapshot After) Run(ApisixRouteSnapshot route)
    {
        var patch = Plan(route);
        return (patch, new ApisixRouteSnapshot(JsonPatchApplier.Apply(route.Json, patch.Operations)));
    }

    /// <summary>Reads call.json: {rollout: {namespace, name, uid, canaryService, stableService,
    /// maxTrafficWeight?, plugin: {...}} (see <see cref="RolloutJson"/>), desiredWeight,
    /// additionalDestinations?: [{serviceName, podTemplateHash, weight}]}. Other top-level members
    /// (such as "continues") are the golden runner's, not the call's.</summary>
    public static SetWeightCall FromJson(JsonElement call)
    {
        var rollout = RolloutJson.Read(call.GetProperty("rollout"));

        var additional = call.TryGetProperty("additionalDestinations", out var list)
            ? list.EnumerateArray().Select(d => new WeightDestination(
                d.GetProperty("serviceName").GetString()!,
                d.TryGetProperty("podTemplateHash", out var hash) ? hash.GetString()! : "",
                d.GetProperty("weight").GetInt32())).ToImmutableArray()
            : [];

        return new SetWeightCall(rollout, call.GetProperty("desiredWeight").GetInt32(), additional);
    }
}
