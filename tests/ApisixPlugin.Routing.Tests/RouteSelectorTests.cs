using ApisixPlugin.Core.Errors;
using ApisixPlugin.Core.Rollouts;
using ApisixPlugin.Routing.Tests.Support;
using static ApisixPlugin.Routing.Tests.Support.RouterOnMemory;

namespace ApisixPlugin.Routing.Tests;

/// <summary>routeSelector: the routes whose labels match, found again on every call.</summary>
public sealed class RouteSelectorTests
{
    private const string ByTeam = """{"routeSelector":{"matchLabels":{"team":"shop"}}}""";
    private const string TeamShop = "\"team\": \"shop\"";

    [Fact]
    public async Task SetWeight_steers_every_selected_route_and_leaves_the_others_alone()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", labels: TeamShop);
        router.SeedRoute("api", labels: TeamShop);
        router.SeedRoute("other", labels: "\"team\": \"billing\"");

        var changed = await router.SetWeight.RunAsync(Rollout(ByTeam), 30, [], CancellationToken.None);

        Assert.Equal(2, changed);
        Assert.Equal(30, router.CanaryWeight("web"));
        Assert.Equal(30, router.CanaryWeight("api"));
        Assert.Null(router.CanaryWeight("other"));
        Assert.Equal(1, router.Faults.Lists);
    }

    [Fact]
    public async Task A_route_labelled_between_two_steps_is_steered_from_the_next_call_and_VerifyWeight_covers_it()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", labels: TeamShop);
        var rollout = Rollout(ByTeam);
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        Assert.True((await router.VerifyWeight.RunAsync(rollout, 20, [], CancellationToken.None)).Verified);

        router.SeedRoute("api", labels: TeamShop);
        var before = await router.VerifyWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        await router.SetWeight.RunAsync(rollout, 20, [], CancellationToken.None);
        var after = await router.VerifyWeight.RunAsync(rollout, 20, [], CancellationToken.None);

        Assert.False(before.Verified);
        Assert.Contains("shop/api", before.Detail, StringComparison.Ordinal);
        Assert.Equal(20, router.CanaryWeight("api"));
        Assert.True(after.Verified);
    }

    [Fact]
    public async Task A_selector_that_selects_nothing_is_an_error_naming_it_and_writes_nothing()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", labels: "\"team\": \"billing\"");

        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(Rollout(ByTeam), 20, [], CancellationToken.None));

        Assert.Equal(RouterErrorKind.FailedPrecondition, error.Kind);
        Assert.Contains("routeSelector 'team=shop' in namespace 'shop' selects no ApisixRoute", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, router.Faults.Patches);
    }

    [Fact]
    public async Task The_plugins_own_managed_routes_are_never_selected_even_when_their_labels_match()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", labels: TeamShop);
        router.SeedRoute("leftover", labels: $"{TeamShop}, \"app.kubernetes.io/managed-by\": \"apisix-plugin\"");

        await router.SetWeight.RunAsync(Rollout(ByTeam), 40, [], CancellationToken.None);

        Assert.Equal(40, router.CanaryWeight("web"));
        Assert.Null(router.CanaryWeight("leftover"));
    }

    [Fact]
    public async Task In_another_namespace_the_selector_sees_only_routes_that_consent()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("open", ns: "team-b", labels: TeamShop, annotations: "\"rollouts.apisixplugin.io/allow-rollouts-from\": \"shop\"");
        router.SeedRoute("closed", ns: "team-b", labels: TeamShop);
        var rollout = Rollout("""{"routeSelector":{"namespace":"team-b","matchLabels":{"team":"shop"}}}""");

        await router.SetWeight.RunAsync(rollout, 10, [], CancellationToken.None);

        Assert.Equal(10, router.CanaryWeight("open", "team-b"));
        Assert.Null(router.CanaryWeight("closed", "team-b"));
    }

    [Fact]
    public async Task A_selected_route_without_a_rule_holding_both_backends_fails_the_call_before_any_write()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", labels: TeamShop);
        router.Memory.Seed(System.Text.Json.JsonDocument.Parse("""
            {"apiVersion": "apisix.apache.org/v2", "kind": "ApisixRoute",
             "metadata": {"name": "static", "namespace": "shop", "labels": {"team": "shop"}},
             "spec": {"http": [{"name": "files", "match": {"paths": ["/static/*"]}, "backends": [{"serviceName": "files", "servicePort": 80}]}]}}
            """).RootElement);

        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(Rollout(ByTeam), 20, [], CancellationToken.None));

        Assert.Contains("route shop/static", error.Message, StringComparison.Ordinal);
        Assert.Contains("no rule has both the canary backend 'shop-canary' and the stable backend 'shop-stable'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, router.Faults.Patches);
        Assert.Null(router.CanaryWeight("web"));
    }

    /// <summary>
    /// With routeSelector.rules, a route labelled mid-rollout that lacks the configured rule fails
    /// a step, naming it, but not the abort: weight 0 resets every route that has the rule.
    /// </summary>
    [Fact]
    public async Task A_selected_route_without_the_configured_rule_fails_a_step_but_not_the_reset_to_0()
    {
        using var router = new RouterOnMemory();
        var rollout = Rollout("""{"routeSelector":{"matchLabels":{"team":"shop"},"rules":["web"]}}""");
        router.SeedRoute("web", labels: TeamShop);
        await router.SetWeight.RunAsync(rollout, 30, [], CancellationToken.None);
        router.SeedRoute("api", labels: TeamShop);

        var step = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(rollout, 40, [], CancellationToken.None));
        await router.SetWeight.RunAsync(rollout, 0, [], CancellationToken.None);

        Assert.Contains("api", step.Message, StringComparison.Ordinal);
        Assert.Equal(0, router.CanaryWeight("web"));
        Assert.Null(router.CanaryWeight("api"));
    }

    [Fact]
    public async Task Named_and_selected_routes_together_are_each_steered_once()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", labels: TeamShop);
        router.SeedRoute("api", labels: TeamShop);
        var rollout = Rollout("""{"route":{"name":"web"},"routeSelector":{"matchLabels":{"team":"shop"}}}""");

        var changed = await router.SetWeight.RunAsync(rollout, 50, [], CancellationToken.None);

        Assert.Equal(2, changed);
        Assert.Equal(2, router.Faults.Patches);
        Assert.Equal(50, router.CanaryWeight("api"));
    }

    [Fact]
    public async Task Header_routes_and_their_removal_work_for_selected_routes()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", labels: TeamShop);
        var rollout = Rollout(ByTeam, "set-header");

        await router.SetHeaderRoute.RunAsync(rollout, new Core.Rollouts.HeaderRouteStep("set-header", [new("trace", new("debug"))]), CancellationToken.None);
        var made = router.Memory.All().Select(r => r.Key).ToList();
        var removed = await router.RemoveManagedRoutes.RunAsync(rollout, CancellationToken.None);

        Assert.Equal(["shop/set-header", "shop/web"], made);
        Assert.Equal(1, removed);
        Assert.Equal(["shop/web"], router.Memory.All().Select(r => r.Key));
    }

    [Fact]
    public async Task Experiment_destinations_are_weighed_in_selected_routes_too()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", labels: TeamShop);

        await router.SetWeight.RunAsync(Rollout(ByTeam), 20, [new WeightDestination("shop-exp", "abc", 10)], CancellationToken.None);

        var backends = router.Route("web").FindRule("web")!.Backends.ToDictionary(b => b.ServiceName, b => b.Weight);
        Assert.Equal(new Dictionary<string, int?> { ["shop-stable"] = 70, ["shop-canary"] = 20, ["shop-exp"] = 10 }, backends);
    }

    [Fact]
    public async Task A_route_unlabelled_during_the_rollout_is_still_reset_and_unmarked_when_the_canary_goes_back_to_0()
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", labels: TeamShop);
        router.SeedRoute("api", labels: TeamShop);
        var rollout = Rollout(ByTeam);
        await router.SetWeight.RunAsync(rollout, 30, [], CancellationToken.None);
        await router.Memory.PatchAsync(new Core.Patching.RoutePatch(Namespace, "api", [Core.Patching.PatchOperation.Remove("/metadata/labels/team")]), CancellationToken.None);
        await router.Memory.PatchAsync(new Core.Patching.RoutePatch(Namespace, "web", [Core.Patching.PatchOperation.Remove("/metadata/labels/team")]), CancellationToken.None);

        var changed = await router.SetWeight.RunAsync(rollout, 0, [], CancellationToken.None);

        Assert.Equal(2, changed);
        Assert.Equal(0, router.CanaryWeight("api"));
        Assert.Equal(0, router.CanaryWeight("web"));
        Assert.Empty(router.Route("api").Labels());
        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(rollout, 10, [], CancellationToken.None));
        Assert.Contains("selects no ApisixRoute", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"routeSelector":{"matchExpressions":[{"key":"rollouts.apisixplugin.io/in-progress","operator":"DoesNotExist"}]}}""", "rollouts.apisixplugin.io/in-progress")]
    [InlineData("""{"routeSelector":{"matchLabels":{"app.kubernetes.io/managed-by":"apisix-plugin"}}}""", "app.kubernetes.io/managed-by")]
    public async Task A_selector_on_a_label_the_plugin_writes_is_refused_before_any_read(string config, string key)
    {
        using var router = new RouterOnMemory();
        router.SeedRoute("web", labels: TeamShop);

        var error = await Assert.ThrowsAsync<RouterException>(() => router.SetWeight.RunAsync(Rollout(config), 20, [], CancellationToken.None));

        Assert.Equal(RouterErrorKind.InvalidArgument, error.Kind);
        Assert.Contains($"label '{key}' is one the plugin writes itself", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, router.Faults.Lists + router.Faults.Reads);
    }
}
