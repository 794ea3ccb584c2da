using ApisixPlugin.Testing.Sidecar;
using System.Text.Json.Nodes;
using ApisixPlugin.Bridge.GoClient.Tests.Support;
using static ApisixPlugin.Bridge.GoClient.Tests.FullPath.RouteScenario;

namespace ApisixPlugin.Bridge.GoClient.Tests.FullPath;

/// <summary>
/// The Go controller runs the published bridge, which forwards to the real sidecar, which writes
/// ApisixRoutes on the real kube-apiserver: what the test reads back is what APISIX would get.
/// </summary>
[Collection(FullPathCollection.Name)]
public sealed class FullPathTests(FullPathFixture fx, PeerBinaries peers)
{
    private Task<ControllerRun> RunAsync(JsonObject scenario, params string[] controllerArgs) =>
        ControllerRun.StartAsync(peers.Go, peers.Bridge, controllerArgs, ["--socket", fx.Sidecar.SocketPath, "--call-timeout", "20"], scenario);

    private static void NoErrors(ControllerRun run) =>
        Assert.All(run.Calls, c => Assert.True(c.Error == "" && c.CallError == "", $"{c.Method}: {c.Error} {c.CallError}\n{run.Process.Describe()}"));

    [Fact]
    public async Task SetWeight_20_puts_canary_20_and_stable_80_on_the_ApisixRoute_and_VerifyWeight_returns_1()
    {
        var ns = await fx.PluginNamespaceAsync("weights");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());

        var run = await RunAsync(Scenario(Rollout(ns), Call("InitPlugin"), Call("VerifyWeight", 20), Call("SetWeight", 20), Call("VerifyWeight", 20)));

        Assert.Equal(0, run.Calls[1].Verified);
        Assert.Equal("", run.Calls[2].Error);
        Assert.Equal("", run.Calls[3].CallError);
        Assert.Equal(1, run.Calls[3].Verified);
        var route = await fx.ApisixRoutes.GetAsync(ns, Route);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 80, [Canary] = 20 }, Weights(route));
        Assert.Equal("exit status 0", run.Event("kill").GetProperty("exit").GetString());
    }

    [Fact]
    public async Task A_Rollout_argument_over_256_KiB_still_sets_the_weight()
    {
        var ns = await fx.PluginNamespaceAsync("big");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());

        var run = await RunAsync(Scenario(Rollout(ns), Call("SetWeight", 35)), "-big");

        NoErrors(run);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 65, [Canary] = 35 }, Weights(await fx.ApisixRoutes.GetAsync(ns, Route)));
    }

    [Fact]
    public async Task A_header_route_creates_a_managed_ApisixRoute_and_RemoveManagedRoutes_deletes_it()
    {
        var ns = await fx.PluginNamespaceAsync("header");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());

        var rollout = Rollout(ns); // one Rollout (one UID) across both controller runs: it owns the managed route
        var create = await RunAsync(Scenario(rollout, Call("SetWeight", 10), HeaderRouteCall(withMatch: true)));
        NoErrors(create);
        var afterCreate = await RouteNamesAsync(fx, ns);
        var managed = Assert.Single(afterCreate, n => n != Route);
        var managedRoute = await fx.ApisixRoutes.GetAsync(ns, managed);
        Assert.Contains("X-Canary", managedRoute.ToJsonString(), StringComparison.Ordinal);

        var remove = await RunAsync(Scenario(rollout.DeepClone().AsObject(), Call("RemoveManagedRoutes")));
        NoErrors(remove);
        Assert.Equal([Route], await RouteNamesAsync(fx, ns));
    }

    [Fact]
    public async Task A_bad_plugin_config_gives_an_RpcError_naming_the_field_and_writes_nothing()
    {
        var ns = await fx.PluginNamespaceAsync("badconfig");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var before = await fx.ApisixRoutes.GetAsync(ns, Route);
        var config = new JsonObject { ["route"] = new JsonObject { ["name"] = Route, ["rulez"] = new JsonArray(Rule) } };

        var run = await RunAsync(Scenario(Rollout(ns, config), Call("SetWeight", 20)));

        var call = run.Call("SetWeight");
        Assert.Equal("", call.CallError);
        Assert.Contains("rulez", call.Error, StringComparison.Ordinal);
        var after = await fx.ApisixRoutes.GetAsync(ns, Route);
        Assert.Equal(before["metadata"]!["resourceVersion"]!.GetValue<string>(), after["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Fifty_concurrent_SetWeight_calls_through_the_sidecar_all_succeed()
    {
        var ns = await fx.PluginNamespaceAsync("concurrent");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());

        var run = await RunAsync(Scenario(Rollout(ns), Call("SetWeight", 40), Call("VerifyWeight", 40)), "-concurrent", "50");

        Assert.Equal(0, run.Event("concurrent").GetProperty("callErrors").GetInt32());
        NoErrors(run);
        Assert.All(run.Calls.Where(c => c.Method == "VerifyWeight"), c => Assert.InRange(c.Verified ?? -1, 0, 1));
        Assert.Equal(new Dictionary<string, int> { [Stable] = 60, [Canary] = 40 }, Weights(await fx.ApisixRoutes.GetAsync(ns, Route)));
    }

    [Fact]
    public async Task The_bridge_reconnects_by_itself_when_the_sidecar_comes_up_after_a_failed_call()
    {
        var ns = await fx.PluginNamespaceAsync("reconnect");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var socket = fx.FreshSocketPath();
        var scenario = Scenario(Rollout(ns),
            Call("SetWeight", 15),
            new JsonObject { ["method"] = "WaitForFile", ["path"] = socket, ["timeoutMs"] = 60_000 },
            Call("SetWeight", 25));

        var controller = ControllerRun.StartAsync(peers.Go, peers.Bridge, [], ["--socket", socket, "--call-timeout", "20"], scenario);
        await using var late = await SidecarHost.StartAsync(socket, fx.KubeconfigFor(ApisixPlugin.Testing.Cluster.KubeUsers.Plugin));
        var run = await controller;

        Assert.Contains("sidecar", run.Calls[0].Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("", run.Calls[1].Error);
        Assert.True(run.Calls[2].Error == "", $"after the sidecar came up: {run.Calls[2].Error}\n{run.Process.Describe()}\nsidecar:\n{late.Output}");
        Assert.Equal(new Dictionary<string, int> { [Stable] = 75, [Canary] = 25 }, Weights(await fx.ApisixRoutes.GetAsync(ns, Route)));
    }
}
