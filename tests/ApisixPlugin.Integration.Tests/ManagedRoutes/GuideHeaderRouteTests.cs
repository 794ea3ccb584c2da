using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;
using static ApisixPlugin.Integration.Tests.ManagedRoutes.ManagedRouteScenario;

namespace ApisixPlugin.Integration.Tests.ManagedRoutes;

/// <summary>
/// The guide's canary steps end to end through the real sidecar: weights, the `set-header` route
/// (as the guide's `kubectl describe apisixroute set-header` shows it), more weights, promotion.
/// </summary>
[Collection("sidecar")]
public sealed class GuideHeaderRouteTests(SidecarClusterFixture fx)
{
    private TrafficRouter.TrafficRouterClient Client => fx.Sidecar.Client;

    [Fact]
    public async Task The_guide_scenario_runs_from_first_weight_to_promotion()
    {
        var ns = await fx.PluginNamespaceAsync("guide-header");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, HeaderRoute);

        Assert.Equal(1, (await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 })).RoutesChanged);
        var sourceBefore = await fx.ApisixRoutes.GetAsync(ns, Route);

        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug"))));

        // The source route is not written by a header step.
        Assert.Equal(ResourceVersion(sourceBefore), ResourceVersion(await fx.ApisixRoutes.GetAsync(ns, Route)));
        var managed = await fx.ApisixRoutes.GetAsync(ns, HeaderRoute);
        AssertLikeTheGuidesDescribe(managed, ns, rollout.Uid);

        foreach (var weight in new[] { 40, 60, 80 })
        {
            var reply = await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = weight });

            // Only the source route moves: the header route keeps the canary alone at 100.
            Assert.Equal(1, reply.RoutesChanged);
            Assert.Equal(new Dictionary<string, int> { [Stable] = 100 - weight, [Canary] = weight }, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, Route)));
            var header = await fx.ApisixRoutes.GetAsync(ns, HeaderRoute);
            Assert.Equal(ResourceVersion(managed), ResourceVersion(header));
        }

        // Promotion: the controller removes the managed routes, then sets the weight back to 0.
        var removed = await Client.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest { Rollout = rollout });
        Assert.Equal(1, removed.RoutesDeleted);
        Assert.Null(await fx.TryGetAsync(ns, HeaderRoute));
        Assert.Equal(new Dictionary<string, int> { [Stable] = 20, [Canary] = 80 }, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, Route)));

        Assert.Equal(1, (await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 0 })).RoutesChanged);

        var source = await fx.ApisixRoutes.GetAsync(ns, Route);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 100, [Canary] = 0 }, WeightsOf(source));
        Assert.Equal([Route], (await fx.SnapshotAsync(ns)).Keys);

        // What the source route carried for its owners is still there.
        Assert.Equal("rollouts-demo", source["metadata"]!["labels"]![GitOpsLabel]!.GetValue<string>());
        Assert.NotNull(source["metadata"]!["annotations"]![LastApplied]);
    }

    private static void AssertLikeTheGuidesDescribe(JsonObject managed, string ns, string uid)
    {
        var metadata = managed["metadata"]!.AsObject();

        // A controller ownerReference to the Rollout, so Kubernetes collects the route with it.
        var owner = Assert.Single(metadata["ownerReferences"]!.AsArray())!;
        Assert.Equal("argoproj.io/v1alpha1", owner["apiVersion"]!.GetValue<string>());
        Assert.Equal("Rollout", owner["kind"]!.GetValue<string>());
        Assert.Equal("rollouts-demo", owner["name"]!.GetValue<string>());
        Assert.Equal(uid, owner["uid"]!.GetValue<string>());
        Assert.True(owner["controller"]!.GetValue<bool>());

        // Marked as managed; nothing of the source's metadata copied (a GitOps tool would prune it).
        var labels = metadata["labels"]!.AsObject();
        Assert.Equal("apisix-plugin", labels[ManagedByLabel]!.GetValue<string>());
        Assert.False(labels.ContainsKey(GitOpsLabel), Json(labels));
        Assert.False(metadata["annotations"]?.AsObject().ContainsKey(LastApplied) ?? false, Json(metadata["annotations"]));

        // The ingress class of the source: without it a 2.x ingress controller ignores the route.
        Assert.Equal(IngressClass, managed["spec"]!["ingressClassName"]!.GetValue<string>());

        var rule = Assert.Single(Rules(managed))!.AsObject();
        Assert.Equal($"{HeaderRoute}-{Rule}", rule["name"]!.GetValue<string>());
        Assert.True(Priority(rule) > SourcePriority, $"priority {Priority(rule)} is not above the source rule's {SourcePriority}");

        // The canary backend alone with weight 100.
        var backend = Assert.Single(rule["backends"]!.AsArray())!;
        Assert.Equal(Canary, backend["serviceName"]!.GetValue<string>());
        Assert.Equal(80, backend["servicePort"]!.GetValue<int>());
        Assert.Equal(100, backend["weight"]!.GetValue<int>());

        // Header trace Equal debug, ANDed onto the source rule's own expr; paths and hosts copied.
        var match = rule["match"]!;
        Assert.Equal(Json(new JsonArray(SourceExpr(), Expr("Header", "trace", "Equal", "debug"))), Json(match["exprs"]));
        Assert.Equal(["/*"], Strings(match["paths"]));
        Assert.Equal(["rollouts-demo.apisix.local"], Strings(match["hosts"]));
        Assert.Equal(ns, metadata["namespace"]!.GetValue<string>());
    }
}
