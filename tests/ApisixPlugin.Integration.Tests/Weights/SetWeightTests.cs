using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using ApisixPlugin.Testing.Cluster;
using Grpc.Core;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;

namespace ApisixPlugin.Integration.Tests.Weights;

/// <summary>SetWeight and VerifyWeight through the real sidecar against the real API server and CRD.</summary>
[Collection("sidecar")]
public sealed class SetWeightTests(SidecarClusterFixture fx)
{
    private TrafficRouter.TrafficRouterClient Client => fx.Sidecar.Client;

    [Fact]
    public async Task The_guides_weight_steps_reach_the_ApisixRoute_and_verify()
    {
        var ns = await fx.PluginNamespaceAsync("guide");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var rollout = Rollout(ns);

        foreach (var weight in new[] { 20, 40, 60, 80 })
        {
            var reply = await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = weight });
            Assert.Equal(1, reply.RoutesChanged);

            var route = await fx.ApisixRoutes.GetAsync(ns, Route);
            Assert.Equal(new Dictionary<string, int> { [Stable] = 100 - weight, [Canary] = weight }, WeightsOf(route));

            var verify = await Client.VerifyWeightAsync(new VerifyWeightRequest { Rollout = rollout, DesiredWeight = weight });
            Assert.Equal(Verification.Verified, verify.Verification);
        }
    }

    [Fact]
    public async Task A_second_identical_call_writes_nothing()
    {
        var ns = await fx.PluginNamespaceAsync("noop");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var rollout = Rollout(ns);
        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 30 });
        var before = await fx.ApisixRoutes.GetAsync(ns, Route);

        var reply = await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 30 });

        Assert.Equal(0, reply.RoutesChanged);
        var after = await fx.ApisixRoutes.GetAsync(ns, Route);
        Assert.Equal(before["metadata"]!["resourceVersion"]!.GetValue<string>(), after["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Experiment_destinations_are_added_with_the_stable_port_and_removed_when_gone()
    {
        var ns = await fx.PluginNamespaceAsync("experiment");
        var source = ApisixRoute();
        source["spec"]!["http"]![0]!["backends"]!.AsArray().Add(new JsonObject { ["serviceName"] = "someone-elses", ["servicePort"] = 8080, ["weight"] = 5 });
        await fx.ApisixRoutes.CreateAsync(ns, source);
        var rollout = Rollout(ns);

        var request = new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 };
        request.AdditionalDestinations.Add(new WeightDestination { ServiceName = "exp-a", Weight = 10 });
        await Client.SetWeightAsync(request);

        var route = await fx.ApisixRoutes.GetAsync(ns, Route);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 70, [Canary] = 20, ["someone-elses"] = 5, ["exp-a"] = 10 }, WeightsOf(route));
        var added = route["spec"]!["http"]![0]!["backends"]!.AsArray().Single(b => b!["serviceName"]!.GetValue<string>() == "exp-a")!;
        Assert.Equal(80, added["servicePort"]!.GetValue<int>());

        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 40 });

        route = await fx.ApisixRoutes.GetAsync(ns, Route);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 60, [Canary] = 40, ["someone-elses"] = 5 }, WeightsOf(route));
    }

    [Fact]
    public async Task Several_routes_in_the_routes_list_are_all_set()
    {
        var ns = await fx.PluginNamespaceAsync("routes");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute("first", "api"));
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute("second"));
        var rollout = Rollout(ns, $$$"""{"routes":[{"name":"first","rules":["{{{Rule}}}","api"]},{"name":"second","rules":["{{{Rule}}}"]}]}""");

        var reply = await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 25 });

        Assert.Equal(2, reply.RoutesChanged);
        Assert.Equal(25, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, "first"), "api")[Canary]);
        Assert.Equal(25, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, "first"))[Canary]);
        Assert.Equal(75, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, "second"))[Stable]);
    }

    [Fact]
    public async Task MaxTrafficWeight_makes_weights_relative_to_it()
    {
        var ns = await fx.PluginNamespaceAsync("maxweight");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var rollout = Rollout(ns);
        rollout.MaxTrafficWeight = 1000;

        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 5 });

        Assert.Equal(new Dictionary<string, int> { [Stable] = 995, [Canary] = 5 }, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, Route)));
    }

    [Fact]
    public async Task VerifyWeight_waits_for_the_ingress_controller_to_accept_the_current_generation()
    {
        var ns = await fx.PluginNamespaceAsync("verify");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var rollout = Rollout(ns);
        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 });
        var generation = (await fx.ApisixRoutes.GetAsync(ns, Route))["metadata"]!["generation"]!.GetValue<long>();
        var verify = new VerifyWeightRequest { Rollout = rollout, DesiredWeight = 20 };

        await fx.ApisixRoutes.SetStatusAsync(ns, Route, Status("Accepted", "False", generation, "InvalidSpec"));
        var rejected = await Client.VerifyWeightAsync(verify);
        Assert.Equal(Verification.NotVerified, rejected.Verification);
        Assert.Contains("InvalidSpec", rejected.Detail, StringComparison.Ordinal);

        await fx.ApisixRoutes.SetStatusAsync(ns, Route, Status("Accepted", "True", generation - 1, "Accepted"));
        var stale = await Client.VerifyWeightAsync(verify);
        Assert.Equal(Verification.NotVerified, stale.Verification);
        Assert.Contains($"generation {generation - 1}", stale.Detail, StringComparison.Ordinal);

        await fx.ApisixRoutes.SetStatusAsync(ns, Route, Status("Accepted", "True", generation, "Accepted"));
        Assert.Equal(Verification.Verified, (await Client.VerifyWeightAsync(verify)).Verification);

        var other = await Client.VerifyWeightAsync(new VerifyWeightRequest { Rollout = rollout, DesiredWeight = 40 });
        Assert.Equal(Verification.NotVerified, other.Verification);
        Assert.Contains($"'{Canary}' has weight 20, want 40", other.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyWeight_accepts_a_1x_ResourcesAvailable_condition_and_rejects_a_false_one()
    {
        var ns = await fx.PluginNamespaceAsync("verify1x");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var rollout = Rollout(ns);
        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 });
        var verify = new VerifyWeightRequest { Rollout = rollout, DesiredWeight = 20 };

        await fx.ApisixRoutes.SetStatusAsync(ns, Route, Status("ResourcesAvailable", "False", 1, "ResourceSyncAborted"));
        Assert.Equal(Verification.NotVerified, (await Client.VerifyWeightAsync(verify)).Verification);

        await fx.ApisixRoutes.SetStatusAsync(ns, Route, Status("ResourcesAvailable", "True", 1, "ResourcesSynced"));
        Assert.Equal(Verification.Verified, (await Client.VerifyWeightAsync(verify)).Verification);
    }

    [Fact]
    public async Task A_route_in_a_namespace_the_plugin_may_not_read_is_PermissionDenied()
    {
        var ns = await fx.PluginNamespaceAsync("allowed");
        var forbidden = await fx.CreateNamespaceAsync("forbidden");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        await fx.ApisixRoutes.CreateAsync(forbidden, ApisixRoute());
        var rollout = Rollout(ns, $$$"""{"routes":[{"name":"{{{Route}}}"},{"name":"{{{Route}}}","namespace":"{{{forbidden}}}"}]}""");
        var before = (await fx.ApisixRoutes.GetAsync(ns, Route)).ToJsonString();

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 50 }).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains($"{forbidden}/{Route}", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, (await fx.ApisixRoutes.GetAsync(ns, Route)).ToJsonString());
    }

    private static JsonObject Status(string type, string status, long generation, string reason) => new()
    {
        ["conditions"] = new JsonArray(new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["reason"] = reason,
            ["message"] = reason,
            ["observedGeneration"] = generation,
            ["lastTransitionTime"] = "2026-11-25T00:00:00Z",
        }),
    };
}
