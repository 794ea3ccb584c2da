using System.Text.Json.Nodes;
using ApisixPlugin.Bridge.GoClient.Tests.Support;
using static ApisixPlugin.Bridge.GoClient.Tests.FullPath.RouteScenario;

namespace ApisixPlugin.Bridge.GoClient.Tests.FullPath;

/// <summary>
/// routeSelector and the in-progress label as the controller meets them: the Go client through
/// the published bridge and the sidecar, on the real API server.
/// </summary>
[Collection(FullPathCollection.Name)]
public sealed class RouteSelectorFullPathTests(FullPathFixture fx, PeerBinaries peers)
{
    private const string InProgress = "rollouts.apisixplugin.io/in-progress";

    private Task<ControllerRun> RunAsync(JsonObject scenario) =>
        ControllerRun.StartAsync(peers.Go, peers.Bridge, [], ["--socket", fx.Sidecar.SocketPath, "--call-timeout", "20"], scenario);

    [Fact]
    public async Task A_selected_route_gets_the_weight_and_the_label_and_loses_the_label_when_the_rollout_ends()
    {
        var ns = await fx.PluginNamespaceAsync("selector");
        var route = ApisixRoute();
        route["metadata"]!["labels"] = new JsonObject { ["app"] = "checkout" };
        await fx.ApisixRoutes.CreateAsync(ns, route);
        var rollout = Rollout(ns, new JsonObject { ["routeSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "checkout" } } });

        var step = await RunAsync(Scenario(rollout, Call("SetWeight", 25), Call("VerifyWeight", 25)));
        var during = await fx.ApisixRoutes.GetAsync(ns, Route);
        var end = await RunAsync(Scenario(rollout.DeepClone().AsObject(), Call("RemoveManagedRoutes"), Call("SetWeight", 0)));
        var after = await fx.ApisixRoutes.GetAsync(ns, Route);

        Assert.All(step.Calls.Concat(end.Calls), c => Assert.True(c.Error == "" && c.CallError == "", $"{c.Method}: {c.Error} {c.CallError}"));
        Assert.Equal(1, step.Calls[1].Verified);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 75, [Canary] = 25 }, Weights(during));
        Assert.Equal("checkout", during["metadata"]!["labels"]![InProgress]!.GetValue<string>());
        Assert.Null(after["metadata"]!["labels"]![InProgress]);
        Assert.Equal("checkout", after["metadata"]!["labels"]!["app"]!.GetValue<string>());
    }
}
