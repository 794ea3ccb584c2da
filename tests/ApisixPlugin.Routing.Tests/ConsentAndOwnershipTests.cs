using ApisixPlugin.Core.Access;
using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Routing.Tests.Support;
using static ApisixPlugin.Routing.Tests.Support.RouterOnMemory;

namespace ApisixPlugin.Routing.Tests;

/// <summary>Who may change what, decided before anything is written: a route's consent across namespaces, a managed route's owner.</summary>
public sealed class ConsentAndOwnershipTests
{
    private static string Payments(string ns) => """{"route":{"name":"payments","namespace":"NS"}}""".Replace("NS", ns, StringComparison.Ordinal);

    [Fact]
    public async Task Every_call_on_a_route_in_another_namespace_without_consent_is_PermissionDenied_and_writes_nothing()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("payments", ns: "team-b");
        var rollout = Rollout(Payments("team-b"), "evil-header");
        var header = new HeaderRouteStep("evil-header", [new("x-any", new(Regex: ".*"))]);

        var calls = new Func<Task>[]
        {
            () => router.SetWeight.RunAsync(rollout, 100, [], CancellationToken.None),
            () => router.VerifyWeight.RunAsync(rollout, 100, [], CancellationToken.None),
            () => router.SetHeaderRoute.RunAsync(rollout, header, CancellationToken.None),
        };
        foreach (var call in calls)
        {
            var error = await Assert.ThrowsAsync<RouterException>(call);
            Assert.Equal(RouterErrorKind.PermissionDenied, error.Kind);
        }

        Assert.Equal(0, router.Faults.Patches + router.Faults.Creates);
        Assert.Single(router.Memory.All());
    }

    [Fact]
    public async Task A_consenting_route_in_another_namespace_is_steered_and_the_managed_route_goes_next_to_it()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("payments", ns: "team-b", annotations: "\"rollouts.apisixplugin.io/allow-rollouts-from\": \"shop\"");
        var rollout = Rollout(Payments("team-b"), "set-header");

        await router.SetWeight.RunAsync(rollout, 10, [], CancellationToken.None);
        await router.SetHeaderRoute.RunAsync(rollout, new HeaderRouteStep("set-header", [new("trace", new("debug"))]), CancellationToken.None);

        Assert.Equal(10, router.CanaryWeight("payments", "team-b"));
        Assert.Equal(["team-b/payments", "team-b/set-header"], router.Memory.All().Select(r => r.Key));
    }

    [Fact]
    public async Task The_operators_allowlist_refuses_before_any_read()
    {
        using var router = new RouterOnMemory(RouteNamespacePolicy.AllowingTargetsIn(["team-c"]));
        router.SeedRoute("payments", ns: "team-b", annotations: "\"rollouts.apisixplugin.io/allow-rollouts-from\": \"*\"");

        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(Rollout(Payments("team-b")), 10, [], CancellationToken.None));

        Assert.Equal(RouterErrorKind.PermissionDenied, error.Kind);
        Assert.Equal(0, router.Faults.Reads);
    }

    [Fact]
    public async Task A_managed_route_name_taken_by_a_route_the_Rollout_does_not_own_is_never_changed_or_deleted()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("shop");
        router.SeedRoute("set-header");
        var rollout = Rollout("""{"route":{"name":"shop"}}""", "set-header");
        var before = router.Memory.All().Select(r => r.Json.GetRawText()).ToList();

        var error = await Assert.ThrowsAsync<RouterException>(() =>
            router.SetHeaderRoute.RunAsync(rollout, new HeaderRouteStep("set-header", [new("trace", new("debug"))]), CancellationToken.None));
        var removed = await router.RemoveManagedRoutes.RunAsync(rollout, CancellationToken.None);

        Assert.Equal(RouterErrorKind.FailedPrecondition, error.Kind);
        Assert.Contains("shop/set-header", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, removed);
        Assert.Equal(before, router.Memory.All().Select(r => r.Json.GetRawText()));
    }

    [Fact]
    public async Task Removal_deletes_the_Rollouts_own_routes_once_and_records_events_only_for_changes()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("shop");
        var rollout = Rollout("""{"route":{"name":"shop"}}""", "set-header");
        var step = new HeaderRouteStep("set-header", [new("trace", new("debug"))]);

        await router.SetHeaderRoute.RunAsync(rollout, step, CancellationToken.None);
        await router.SetHeaderRoute.RunAsync(rollout, step, CancellationToken.None);
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);

        Assert.Equal(1, await router.RemoveManagedRoutes.RunAsync(rollout, CancellationToken.None));
        Assert.Equal(0, await router.RemoveManagedRoutes.RunAsync(rollout, CancellationToken.None));
        Assert.Equal(["HeaderRouteSet", "WeightUpdated", "ManagedRoutesRemoved"], router.Events.All.Select(e => e.Reason));
        Assert.Equal("managed ApisixRoutes deleted: shop/set-header", router.Events.All[^1].Message);
        Assert.Equal(["shop/shop"], router.Memory.All().Select(r => r.Key));
    }

    /// <summary>
    /// SetWeight reads the Rollout's mirror route, then writes it. A route made again under that
    /// name in between, by someone else and with the same rules, is not written: the patch tests
    /// the uid read, and the read after the refusal finds the route is not this Rollout's.
    /// </summary>
    [Fact]
    public async Task A_mirror_route_made_again_by_someone_else_between_read_and_write_is_not_weighted()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web");
        var rollout = Rollout("""{"route":{"name":"web","rules":["web"]}}""", "web-mirror");
        await router.SetMirrorRoute.RunAsync(rollout, new MirrorRouteStep("web-mirror",
            [new MirrorMatch(null, new StringMatch(Prefix: "/"), System.Collections.Immutable.ImmutableSortedDictionary<string, StringMatch>.Empty)], 50), CancellationToken.None);
        var swapped = false;
        router.Faults.AfterRead = (ns, name) =>
        {
            if (name != "web-mirror" || swapped)
            {
                return;
            }

            swapped = true;
            var mine = router.Route("web-mirror");
            router.Memory.DeleteAsync(mine, CancellationToken.None).GetAwaiter().GetResult();
            var theirs = System.Text.Json.Nodes.JsonNode.Parse(mine.Json.GetRawText())!.AsObject();
            var metadata = theirs["metadata"]!.AsObject();
            foreach (var field in new[] { "uid", "resourceVersion", "ownerReferences", "annotations", "labels", "generation" })
            {
                metadata.Remove(field);
            }

            router.Memory.CreateAsync(ns, Core.Json.JsonElements.ToElement(theirs), CancellationToken.None).GetAwaiter().GetResult();
        };

        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(rollout, 30, [], CancellationToken.None));

        Assert.True(swapped);
        Assert.Contains("mirror route shop/web-mirror: deleted or taken over", error.Message, StringComparison.Ordinal);
        Assert.NotEqual(30, router.Route("web-mirror").Rules().Single().Backends.Single(b => b.ServiceName == Canary).Weight);
    }
}
