using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Json;
using ApisixPlugin.Core.Patching;
using ApisixPlugin.Core.Routes;
using ApisixPlugin.Routing.Store;
using ApisixPlugin.Routing.Tests.Support;
using static ApisixPlugin.Routing.Tests.Support.RouterOnMemory;

namespace ApisixPlugin.Routing.Tests;

/// <summary>
/// A changing SetWeight planned from the route as last seen: one request, the patch's tests
/// guarding it; a plan that changes nothing is confirmed by a read, so nobody's edit is missed.
/// </summary>
public sealed class RouteMemoryTests
{
    private const string Web = """{"route":{"name":"web"}}""";

    /// <summary>An edit by someone else, straight into the store (the plugin does not see it).</summary>
    private static void EditCanaryWeight(RouterOnMemory router, int weight, string ns = Namespace) =>
        router.Memory.PatchAsync(new RoutePatch(ns, "web", [PatchOperation.Replace("/spec/http/0/backends/1/weight", JsonElements.Number(weight))]), CancellationToken.None)
            .GetAwaiter().GetResult();

    [Fact]
    public async Task A_changing_SetWeight_after_the_first_costs_its_patch_alone()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web");
        var rollout = Rollout(Web);
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        var (reads, patches) = (router.Faults.Reads, router.Faults.Patches);

        await router.SetWeight.RunAsync(rollout, 40, [], CancellationToken.None);

        Assert.Equal(40, router.CanaryWeight("web"));
        Assert.Equal(reads, router.Faults.Reads);
        Assert.Equal(patches + 1, router.Faults.Patches);
    }

    [Fact]
    public async Task A_SetWeight_that_memory_calls_unchanged_reads_and_undoes_an_external_weight_change()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web");
        var rollout = Rollout(Web);
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        EditCanaryWeight(router, 50);
        var reads = router.Faults.Reads;

        var changed = await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);

        Assert.Equal(1, changed);
        Assert.Equal(reads + 1, router.Faults.Reads);
        Assert.Equal(20, router.CanaryWeight("web"));
    }

    [Fact]
    public async Task A_route_changed_since_it_was_remembered_is_planned_again_from_a_read_and_the_other_edit_is_kept()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web");
        var rollout = Rollout(Web);
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        await router.Memory.PatchAsync(new RoutePatch(Namespace, "web",
            [PatchOperation.Add("/spec/http/0/backends/-", JsonElements.ToElement(new System.Text.Json.Nodes.JsonObject { ["serviceName"] = "someone-elses", ["servicePort"] = 80, ["weight"] = 7 }))]),
            CancellationToken.None);
        var (reads, patches) = (router.Faults.Reads, router.Faults.Patches);

        await router.SetWeight.RunAsync(rollout, 40, [], CancellationToken.None);

        var backends = router.Route("web").FindRule("web")!.Backends.ToDictionary(b => b.ServiceName, b => b.Weight);
        Assert.Equal(new Dictionary<string, int?> { ["shop-stable"] = 60, ["shop-canary"] = 40, ["someone-elses"] = 7 }, backends);
        Assert.Equal(reads + 1, router.Faults.Reads);
        Assert.Equal(patches + 2, router.Faults.Patches);
    }

    [Fact]
    public async Task A_consent_withdrawn_since_the_route_was_remembered_refuses_the_call_and_writes_nothing()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", ns: "team-b", annotations: "\"rollouts.apisixplugin.io/allow-rollouts-from\": \"shop\"");
        var rollout = Rollout("""{"route":{"name":"web","namespace":"team-b"}}""");
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        await router.Memory.PatchAsync(new RoutePatch("team-b", "web",
            [PatchOperation.Replace("/metadata/annotations/rollouts.apisixplugin.io~1allow-rollouts-from", JsonElements.String("billing"))]), CancellationToken.None);

        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(rollout, 40, [], CancellationToken.None));

        Assert.Equal(RouterErrorKind.PermissionDenied, error.Kind);
        Assert.Equal(20, router.CanaryWeight("web", "team-b"));
    }

    [Fact]
    public async Task With_memory_off_every_SetWeight_reads()
    {
        using var router = new RouterOnMemory(routeMemory: new RouteMemory(0));
        router.SeedRoute("web");
        var rollout = Rollout(Web);

        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        await router.SetWeight.RunAsync(rollout, 40, [], CancellationToken.None);

        Assert.Equal(2, router.Faults.Reads);
    }

    [Fact]
    public void The_least_recently_used_route_is_forgotten_first_and_an_older_answer_never_replaces_a_newer_one()
    {
        static ApisixRouteSnapshot Route(string name, string rv) =>
            ApisixRouteSnapshot.Parse($$$"""{"metadata": {"name": "{{{name}}}", "namespace": "shop", "uid": "u-{{{name}}}", "resourceVersion": "{{{rv}}}"}}""");
        var memory = new RouteMemory(2);

        memory.Remember(Route("a", "5"));
        memory.Remember(Route("b", "6"));
        _ = memory.Recall("shop/a");
        memory.Remember(Route("c", "7"));
        memory.Remember(Route("a", "4"));

        Assert.Equal(2, memory.Count);
        Assert.Null(memory.Recall("shop/b"));
        Assert.Equal("5", memory.Recall("shop/a")!.ResourceVersion);
        Assert.NotNull(memory.Recall("shop/c"));
    }

    [Fact]
    public async Task A_remembered_route_deleted_since_fails_the_call_naming_it()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web");
        var rollout = Rollout(Web);
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        await router.Memory.DeleteAsync(router.Route("web"), CancellationToken.None);

        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(rollout, 40, [], CancellationToken.None));

        Assert.Equal(RouterErrorKind.FailedPrecondition, error.Kind);
        Assert.Contains("no ApisixRoute named 'web' in namespace 'shop'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Rollout_with_two_routes_reads_both_so_one_gone_writes_nothing_to_the_other()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web");
        router.SeedRoute("api");
        var rollout = Rollout("""{"routes":[{"name":"web"},{"name":"api"}]}""");
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        await router.Memory.DeleteAsync(router.Route("api"), CancellationToken.None);
        var patches = router.Faults.Patches;

        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(rollout, 40, [], CancellationToken.None));

        Assert.Contains("shop/api", error.Message, StringComparison.Ordinal);
        Assert.Equal(patches, router.Faults.Patches);
        Assert.Equal(20, router.CanaryWeight("web"));
    }

    /// <summary>The ingress controller's acceptance of the route's current generation, as 2.x writes it.</summary>
    private static void Accept(RouterOnMemory router)
    {
        var generation = router.Route("web").Generation;
        router.Memory.PatchAsync(new RoutePatch(Namespace, "web", [PatchOperation.Add("/status", JsonElements.ToElement(new System.Text.Json.Nodes.JsonObject
        {
            ["conditions"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
            {
                ["type"] = "Accepted", ["status"] = "True", ["reason"] = "Accepted", ["observedGeneration"] = generation,
            }),
        }))]), CancellationToken.None).GetAwaiter().GetResult();
    }

    [Fact]
    public async Task VerifyWeight_right_after_a_SetWeight_that_read_an_accepted_route_needs_no_read_of_its_own()
    {
        var time = new ManualTime();
        using var router = new RouterOnMemory(routeMemory: new RouteMemory(16, time));
        router.SeedRoute("web");
        var rollout = Rollout(Web);
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        Accept(router);

        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        var reads = router.Faults.Reads;
        var verified = await router.VerifyWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        var readsAfterFirstVerify = router.Faults.Reads;
        time.Now += TimeSpan.FromSeconds(2);
        var later = await router.VerifyWeight.RunAsync(rollout, 20, [], CancellationToken.None);

        Assert.True(verified.Verified);
        Assert.Equal(reads, readsAfterFirstVerify);
        Assert.True(later.Verified);
        Assert.Equal(reads + 1, router.Faults.Reads);
    }

    /// <summary>
    /// Only a 2.x Accepted condition at the route's generation lets VerifyWeight answer from
    /// SetWeight's read. Without a status, or with 1.x's ResourcesAvailable (which carries no
    /// generation), it reads, though the read it could use is a moment old.
    /// </summary>
    [Theory]
    [InlineData(null)]
    [InlineData("ResourcesAvailable")]
    public async Task VerifyWeight_reads_a_route_without_status_or_with_the_1x_condition(string? condition)
    {
        var time = new ManualTime();
        using var router = new RouterOnMemory(routeMemory: new RouteMemory(16, time));
        router.SeedRoute("web");
        var rollout = Rollout(Web);
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        if (condition is not null)
        {
            await router.Memory.PatchAsync(new RoutePatch(Namespace, "web", [PatchOperation.Add("/status", JsonElements.ToElement(new System.Text.Json.Nodes.JsonObject
            {
                ["conditions"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["type"] = condition, ["status"] = "True", ["reason"] = "SyncSuccessfully" }),
            }))]), CancellationToken.None);
        }

        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        var reads = router.Faults.Reads;
        var verified = await router.VerifyWeight.RunAsync(rollout, 20, [], CancellationToken.None);

        Assert.True(verified.Verified);
        Assert.Equal(reads + 1, router.Faults.Reads);
    }

    [Fact]
    public async Task VerifyWeight_after_a_write_reads_because_the_new_generation_is_not_accepted_yet()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web");
        var rollout = Rollout(Web);
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        Accept(router);
        await router.SetWeight.RunAsync(rollout, 40, [], CancellationToken.None);
        var reads = router.Faults.Reads;

        var verification = await router.VerifyWeight.RunAsync(rollout, 40, [], CancellationToken.None);

        Assert.False(verification.Verified);
        Assert.Equal(reads + 1, router.Faults.Reads);
    }

    [Fact]
    public async Task A_rule_renamed_since_the_route_was_remembered_is_planned_from_a_read_not_failed()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web");
        await router.SetWeight.RunAsync(Rollout(Web), 20, [], CancellationToken.None);
        await router.Memory.PatchAsync(new RoutePatch(Namespace, "web", [PatchOperation.Replace("/spec/http/0/name", JsonElements.String("web-main"))]), CancellationToken.None);

        await router.SetWeight.RunAsync(Rollout("""{"route":{"name":"web","rules":["web-main"]}}"""), 40, [], CancellationToken.None);

        Assert.Equal(40, router.Route("web").FindRule("web-main")!.Backends.Single(b => b.ServiceName == Canary).Weight);
    }

    [Fact]
    public async Task A_patch_that_only_removes_the_label_still_sets_back_a_weight_someone_changed()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web");
        var rollout = Rollout(Web, "set-header");
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        await router.SetHeaderRoute.RunAsync(rollout, new Core.Rollouts.HeaderRouteStep("set-header", [new("trace", new("debug"))]), CancellationToken.None);
        await router.SetWeight.RunAsync(rollout, 0, [], CancellationToken.None);
        EditCanaryWeight(router, 50);
        await router.RemoveManagedRoutes.RunAsync(rollout, CancellationToken.None);

        await router.SetWeight.RunAsync(rollout, 0, [], CancellationToken.None);

        Assert.Equal(0, router.CanaryWeight("web"));
        Assert.Null(router.Route("web").Label(Core.GitOps.InProgressLabel.DefaultKey));
    }

    [Fact]
    public async Task A_route_holding_an_experiment_record_is_always_read()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web");
        var rollout = Rollout(Web);
        await router.SetWeight.RunAsync(rollout, 20, [new Core.Rollouts.WeightDestination("shop-exp", "abc", 10)], CancellationToken.None);
        var reads = router.Faults.Reads;

        await router.SetWeight.RunAsync(rollout, 30, [new Core.Rollouts.WeightDestination("shop-exp", "abc", 10)], CancellationToken.None);

        Assert.Equal(reads + 1, router.Faults.Reads);
    }
    [Fact]
    public async Task SetWeight_right_after_RemoveManagedRoutes_found_the_managed_route_missing_does_not_read_it_again()
    {
        var time = new ManualTime();
        using var router = new RouterOnMemory(routeMemory: new RouteMemory(16, time));
        router.SeedRoute("web");
        var rollout = Rollout(Web, "web-header");
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        var reads = router.Faults.Reads;

        await router.RemoveManagedRoutes.RunAsync(rollout, CancellationToken.None);
        await router.SetWeight.RunAsync(rollout, 0, [], CancellationToken.None);
        var readsInTheReconcile = router.Faults.Reads - reads;
        time.Now += TimeSpan.FromSeconds(2);
        await router.SetWeight.RunAsync(rollout, 0, [], CancellationToken.None);

        // RemoveManagedRoutes' read of web-header; SetWeight changed web from memory.
        Assert.Equal(1, readsInTheReconcile);
        Assert.Equal(0, router.CanaryWeight("web"));
        Assert.Null(router.Route("web").Label(Core.GitOps.InProgressLabel.DefaultKey));
        // Two seconds on, the miss is too old to answer for: web-header and web are read.
        Assert.Equal(reads + 3, router.Faults.Reads);
    }

    [Fact]
    public async Task A_managed_route_this_sidecar_makes_after_a_miss_is_read_by_the_next_SetWeight()
    {
        var time = new ManualTime();
        using var router = new RouterOnMemory(routeMemory: new RouteMemory(16, time));
        router.SeedRoute("web");
        var rollout = Rollout(Web, "web-mirror");
        await router.RemoveManagedRoutes.RunAsync(rollout, CancellationToken.None);

        await router.SetMirrorRoute.RunAsync(rollout, new Core.Rollouts.MirrorRouteStep("web-mirror",
            [new Core.Rollouts.MirrorMatch(null, new Core.Rollouts.StringMatch(Prefix: "/"), System.Collections.Immutable.ImmutableSortedDictionary<string, Core.Rollouts.StringMatch>.Empty)], 50), CancellationToken.None);
        await router.SetWeight.RunAsync(rollout, 30, [], CancellationToken.None);

        var mirrored = Assert.Single(router.Route("web-mirror").Rules());
        Assert.Equal(30, mirrored.Backends.Single(b => b.ServiceName == Canary).Weight);
    }

    [Fact]
    public void A_miss_answered_after_the_route_was_made_or_seen_meanwhile_is_not_remembered()
    {
        static ApisixRouteSnapshot Route(string name) =>
            ApisixRouteSnapshot.Parse($$$"""{"metadata": {"name": "{{{name}}}", "namespace": "shop", "uid": "u-{{{name}}}", "resourceVersion": "9"}}""");
        var memory = new RouteMemory(16);

        // An abandoned call's RemoveManagedRoutes reads; a SetMirrorRoute makes the route before the "not found" arrives.
        var made = memory.BeginAbsenceRead("shop/mirror");
        memory.Forget("shop/mirror");
        memory.RememberAbsent("shop/mirror", made);
        var seen = memory.BeginAbsenceRead("shop/seen");
        memory.Remember(Route("seen"));
        memory.RememberAbsent("shop/seen", seen);
        // Two reads of one key overlap: only the later one's answer counts.
        var first = memory.BeginAbsenceRead("shop/twice");
        var second = memory.BeginAbsenceRead("shop/twice");
        memory.RememberAbsent("shop/twice", first);
        var plain = memory.BeginAbsenceRead("shop/plain");
        memory.RememberAbsent("shop/plain", plain);

        Assert.False(memory.WasAbsentWithin("shop/mirror", RouteMemory.RecentEnough));
        Assert.False(memory.WasAbsentWithin("shop/seen", RouteMemory.RecentEnough));
        Assert.False(memory.WasAbsentWithin("shop/twice", RouteMemory.RecentEnough));
        memory.RememberAbsent("shop/twice", second);
        Assert.True(memory.WasAbsentWithin("shop/twice", RouteMemory.RecentEnough));
        Assert.True(memory.WasAbsentWithin("shop/plain", RouteMemory.RecentEnough));
    }

    [Fact]
    public void A_clock_set_back_makes_a_remembered_miss_and_a_remembered_read_too_old_to_answer_for()
    {
        var time = new ManualTime();
        var memory = new RouteMemory(16, time);
        memory.Remember(ApisixRouteSnapshot.Parse("""{"metadata": {"name": "web", "namespace": "shop", "uid": "u", "resourceVersion": "3"}}"""));
        memory.RememberAbsent("shop/gone", memory.BeginAbsenceRead("shop/gone"));

        time.Now -= TimeSpan.FromMinutes(5);

        Assert.False(memory.WasAbsentWithin("shop/gone", RouteMemory.RecentEnough));
        Assert.Null(memory.RecallFresh("shop/web", RouteMemory.RecentEnough));
        Assert.NotNull(memory.Recall("shop/web"));
    }
}
