using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using Grpc.Core;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;
using static ApisixPlugin.Integration.Tests.ManagedRoutes.ManagedRouteScenario;

namespace ApisixPlugin.Integration.Tests.ManagedRoutes;

/// <summary>
/// An ApisixRoute that happens to carry a managed route's name but is not this Rollout's is never
/// modified or deleted, and the step says so; clean-up of the Rollout's own routes is idempotent.
/// </summary>
[Collection("sidecar")]
public sealed class OwnershipTests(SidecarClusterFixture fx)
{
    private TrafficRouter.TrafficRouterClient Client => fx.Sidecar.Client;

    public static TheoryData<string> ForeignKinds => ["hand-written", "another rollout's"];

    [Theory]
    [MemberData(nameof(ForeignKinds))]
    public async Task A_foreign_set_header_route_is_left_byte_for_byte_and_the_step_fails_naming_it(string kind)
    {
        var ns = await fx.PluginNamespaceAsync("foreign");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        await fx.ApisixRoutes.CreateAsync(ns, Foreign(kind));
        var rollout = RolloutWith(ns, HeaderRoute);
        var before = await fx.SnapshotAsync(ns);

        var set = await Assert.ThrowsAsync<RpcException>(() => Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug")))).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, set.StatusCode);
        Assert.Contains($"{ns}/{HeaderRoute}", set.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("not owned", set.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await fx.SnapshotAsync(ns));

        // An empty match would delete the route: refused too.
        var clear = await Assert.ThrowsAsync<RpcException>(() => Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute)).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, clear.StatusCode);
        Assert.Contains($"{ns}/{HeaderRoute}", clear.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await fx.SnapshotAsync(ns));

        // The same name as a mirror route: refused the same way.
        var mirror = await Assert.ThrowsAsync<RpcException>(() =>
            Client.SetMirrorRouteAsync(Mirror(rollout, HeaderRoute, 50, new RouteMatch { Path = Prefix("/") })).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, mirror.StatusCode);
        Assert.Equal(before, await fx.SnapshotAsync(ns));

        // Clean-up at the end of the rollout skips it without an error.
        var removed = await Client.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest { Rollout = rollout });
        Assert.Equal(0, removed.RoutesDeleted);
        Assert.Equal(before, await fx.SnapshotAsync(ns));
    }

    [Fact]
    public async Task RemoveManagedRoutes_deletes_the_rollouts_own_routes_once_and_then_nothing()
    {
        var ns = await fx.PluginNamespaceAsync("remove");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, HeaderRoute, MirrorRoute, "never-set");
        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 30 });
        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug"))));
        await Client.SetMirrorRouteAsync(Mirror(rollout, MirrorRoute, null, new RouteMatch { Path = Prefix("/api") }));
        var source = await fx.ApisixRoutes.GetAsync(ns, Route);

        var first = await Client.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest { Rollout = rollout });

        Assert.Equal(2, first.RoutesDeleted);
        var afterFirst = await fx.SnapshotAsync(ns);
        Assert.Equal([Route], afterFirst.Keys);

        // The source's weights are the controller's business: the route is not written.
        Assert.Equal(ResourceVersion(source), ResourceVersion(await fx.ApisixRoutes.GetAsync(ns, Route)));

        var second = await Client.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest { Rollout = rollout });

        Assert.Equal(0, second.RoutesDeleted);
        Assert.Equal(afterFirst, await fx.SnapshotAsync(ns));
    }

    [Fact]
    public async Task RemoveManagedRoutes_leaves_routes_the_Rollout_does_not_list()
    {
        var ns = await fx.PluginNamespaceAsync("unlisted");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, HeaderRoute, "other-header");
        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug"))));
        await Client.SetHeaderRouteAsync(Header(rollout, "other-header", ("trace", Exact("more"))));

        // The Rollout was edited: it no longer lists "other-header".
        rollout.ManagedRoutes.Remove("other-header");
        var removed = await Client.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest { Rollout = rollout });

        Assert.Equal(1, removed.RoutesDeleted);
        Assert.Equal(new[] { "other-header", Route }, (await fx.SnapshotAsync(ns)).Keys);
    }

    [Fact]
    public async Task A_header_route_left_by_the_built_in_router_is_taken_over_without_the_sources_metadata()
    {
        var ns = await fx.PluginNamespaceAsync("migrate");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, HeaderRoute);

        // What argo-rollouts' built-in APISIX router made: a deep copy of the whole source route,
        // labels and annotations included, with an ownerReference to the same Rollout.
        var builtIn = SourceRoute();
        builtIn["metadata"]!["name"] = HeaderRoute;
        builtIn["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "argoproj.io/v1alpha1",
            ["kind"] = "Rollout",
            ["name"] = "rollouts-demo",
            ["uid"] = rollout.Uid,
            ["controller"] = true,
        });
        await fx.ApisixRoutes.CreateAsync(ns, builtIn);

        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug"))));

        var taken = await fx.ApisixRoutes.GetAsync(ns, HeaderRoute);
        var rule = Assert.Single(Rules(taken))!;
        Assert.Equal(Canary, Assert.Single(rule["backends"]!.AsArray())!["serviceName"]!.GetValue<string>());

        // A GitOps tracking label left on it would make Argo CD claim the copy, then prune it.
        var metadata = taken["metadata"]!;
        Assert.False(metadata["labels"]?.AsObject().ContainsKey(GitOpsLabel) ?? false, $"labels {Json(metadata["labels"])}");
        Assert.False(metadata["annotations"]?.AsObject().ContainsKey(LastApplied) ?? false, $"annotations {Json(metadata["annotations"])}");
        Assert.Equal("apisix-plugin", metadata["labels"]?[ManagedByLabel]?.GetValue<string>());
        Assert.Equal("header", metadata["annotations"]?["rollouts.apisixplugin.io/managed-kind"]?.GetValue<string>());
    }

    /// <summary>A route named like the managed route that this Rollout does not own.</summary>
    private static JsonObject Foreign(string kind)
    {
        var route = ApisixRoute(HeaderRoute);
        route["metadata"]!["labels"] = new JsonObject { ["team"] = "payments" };
        route["spec"]!["http"]![0]!["backends"] = new JsonArray(new JsonObject { ["serviceName"] = "payments", ["servicePort"] = 8080 });
        if (kind == "another rollout's")
        {
            // Made by this plugin for a Rollout of the same name that was deleted and re-created (new uid).
            route["metadata"]!["labels"]![ManagedByLabel] = "apisix-plugin";
            route["metadata"]!["annotations"] = new JsonObject { ["rollouts.apisixplugin.io/owner"] = "elsewhere/rollouts-demo/0000-old-uid" };
            route["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
            {
                ["apiVersion"] = "argoproj.io/v1alpha1",
                ["kind"] = "Rollout",
                ["name"] = "rollouts-demo",
                ["uid"] = "0000-old-uid",
                ["controller"] = true,
            });
        }

        return route;
    }
}
