using System.Text.Json.Nodes;
using ApisixPlugin.Deploy.Tests.Support;

namespace ApisixPlugin.Deploy.Tests.Rendering;

/// <summary>
/// deploy/examples is the getting-started guide with this plugin: the Rollout, the ApisixRoute
/// and the Services must name each other. (The cluster tests apply them to the real CRD.)
/// </summary>
public sealed class ExampleTests
{
    private static readonly JsonObject Rollout = Yaml.LoadFile(DeployPaths.Example("rollout.yaml")).Single();
    private static readonly JsonObject Route = Yaml.LoadFile(DeployPaths.Example("apisixroute.yaml")).Single();
    private static readonly IReadOnlyList<JsonObject> Services = Yaml.LoadFile(DeployPaths.Example("services.yaml"));

    private static JsonObject Canary => Rollout.Path("spec", "strategy", "canary")!.AsObject();

    [Fact]
    public void The_rollout_uses_the_plugin_block_not_the_built_in_router()
    {
        var routing = Canary["trafficRouting"]!.AsObject();

        Assert.Null(routing["apisix"]);
        var plugins = routing["plugins"]!.AsObject();
        Assert.Equal([DeployNames.PluginName], plugins.Select(p => p.Key));
        var route = plugins[DeployNames.PluginName]!["route"]!;
        Assert.Equal(Route.Path("metadata", "name")!.GetValue<string>(), route.Str("name"));
        var ruleNames = Route.Path("spec", "http")!.AsArray().Select(r => r!.Str("name"));
        Assert.Equal(ruleNames, route["rules"].Strings());
    }

    [Fact]
    public void The_route_rule_splits_between_the_rollouts_stable_and_canary_services_without_weights()
    {
        var rule = Assert.Single(Route.Path("spec", "http")!.AsArray())!;
        var backends = rule["backends"]!.AsArray().OfType<JsonObject>().ToList();

        Assert.Equal([Canary.Str("stableService"), Canary.Str("canaryService")], backends.Select(b => b.Str("serviceName")));
        Assert.All(backends, b => Assert.Equal(80, b["servicePort"]!.GetValue<long>()));
        Assert.All(backends, b => Assert.Null(b["weight"]));
        Assert.Equal(["rollouts-demo.apisix.local"], rule.Path("match", "hosts").Strings());
    }

    [Fact]
    public void The_services_exist_on_port_80_and_select_the_rollouts_pods()
    {
        var podLabels = Rollout.Path("spec", "template", "metadata", "labels")!.AsObject();

        Assert.Equal(
            new[] { Canary.Str("stableService"), Canary.Str("canaryService") }.Order(StringComparer.Ordinal),
            Services.Select(s => s.Path("metadata", "name")!.GetValue<string>()).Order(StringComparer.Ordinal));
        foreach (var service in Services)
        {
            Assert.Equal(80, service.Path("spec", "ports")!.AsArray().Single()!["port"]!.GetValue<long>());
            foreach (var (key, value) in service.Path("spec", "selector")!.AsObject())
            {
                Assert.Equal(value!.GetValue<string>(), podLabels[key]?.GetValue<string>());
            }
        }
    }

    [Fact]
    public void The_steps_follow_the_guide_with_the_trace_debug_header_route()
    {
        var steps = Canary["steps"]!.AsArray().Select(s => s!.AsObject()).ToList();

        Assert.Equal(["setWeight", "setHeaderRoute", "pause", "setWeight", "pause", "setWeight", "pause", "setWeight", "pause"],
            steps.Select(s => Assert.Single(s).Key));
        Assert.Equal([20L, 40L, 60L, 80L], steps.Where(s => s.ContainsKey("setWeight")).Select(s => s["setWeight"]!.GetValue<long>()));

        var header = steps[1]["setHeaderRoute"]!;
        Assert.Equal("set-header", header.Str("name"));
        var match = Assert.Single(header["match"]!.AsArray())!;
        Assert.Equal("trace", match.Str("headerName"));
        Assert.Equal("debug", match.Path("headerValue", "exact")?.GetValue<string>());
        Assert.Equal(["set-header"], Canary.Path("trafficRouting", "managedRoutes")!.AsArray().Select(r => r!.Str("name")));
    }
}
