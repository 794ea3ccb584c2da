using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using Grpc.Core;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;
using static ApisixPlugin.Integration.Tests.ManagedRoutes.ManagedRouteScenario;

namespace ApisixPlugin.Integration.Tests.ManagedRoutes;

/// <summary>
/// What a managed route copies from its sources and what it does not, where it lives, and that it
/// converges: a hand edit is undone and a repeated step after a weight change writes nothing.
/// </summary>
[Collection("sidecar")]
public sealed class RuleCopyTests(SidecarClusterFixture fx)
{
    private TrafficRouter.TrafficRouterClient Client => fx.Sidecar.Client;

    [Fact]
    public async Task Only_the_configured_rule_is_copied_with_everything_that_decides_which_requests_it_takes()
    {
        var ns = await fx.PluginNamespaceAsync("copy-fields");
        var source = SourceRoute("unconfigured");
        var rule = source["spec"]!["http"]![0]!.AsObject();
        rule["match"]!["methods"] = new JsonArray("GET", "POST");
        rule["match"]!["remoteAddrs"] = new JsonArray("10.0.0.0/8");
        rule["timeout"] = new JsonObject { ["connect"] = "5s", ["read"] = "30s", ["send"] = "30s" };
        rule["websocket"] = true;
        rule["plugin_config_name"] = "shared-plugins";
        rule["plugins"] = new JsonArray(new JsonObject { ["name"] = "limit-count", ["enable"] = true, ["config"] = new JsonObject { ["count"] = 10, ["time_window"] = 60 } });
        rule["authentication"] = new JsonObject { ["enable"] = true, ["type"] = "keyAuth" };
        rule["upstreams"] = new JsonArray(new JsonObject { ["name"] = "external-api", ["weight"] = 10 });
        await fx.ApisixRoutes.CreateAsync(ns, source);
        var stored = RuleNamed(await fx.ApisixRoutes.GetAsync(ns, Route), Rule);
        var rollout = RolloutWith(ns, HeaderRoute);

        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug"))));

        var copy = Assert.Single(Rules(await fx.ApisixRoutes.GetAsync(ns, HeaderRoute)))!.AsObject();
        foreach (var field in new[] { "timeout", "websocket", "plugin_config_name", "plugins", "authentication" })
        {
            Assert.True(Json(stored[field]) == Json(copy[field]), $"{field}: source {Json(stored[field])}, copy {Json(copy[field])}");
        }

        foreach (var field in new[] { "paths", "hosts", "methods", "remoteAddrs" })
        {
            Assert.True(Json(stored["match"]![field]) == Json(copy["match"]![field]), $"match.{field}: source {Json(stored["match"]![field])}, copy {Json(copy["match"]![field])}");
        }

        // upstreams would send the copy's requests somewhere other than its one canary backend.
        Assert.NotNull(stored["upstreams"]);
        Assert.Null(copy["upstreams"]);
    }

    [Fact]
    public async Task A_hand_edit_of_the_managed_routes_spec_is_undone_by_the_next_step()
    {
        var ns = await fx.PluginNamespaceAsync("hand-edit");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, HeaderRoute);
        var step = Header(rollout, HeaderRoute, ("trace", Exact("debug")));
        await Client.SetHeaderRouteAsync(step);
        var written = Json((await fx.ApisixRoutes.GetAsync(ns, HeaderRoute))["spec"]);

        await fx.ApisixRoutes.JsonPatchAsync(ns, HeaderRoute, new JsonArray(
            new JsonObject { ["op"] = "replace", ["path"] = "/spec/http/0/backends/0/weight", ["value"] = 5 }));
        await Client.SetHeaderRouteAsync(step);

        Assert.Equal(written, Json((await fx.ApisixRoutes.GetAsync(ns, HeaderRoute))["spec"]));
    }

    [Fact]
    public async Task A_repeated_mirror_step_after_a_weight_change_writes_nothing()
    {
        var ns = await fx.PluginNamespaceAsync("mirror-repeat");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, MirrorRoute);
        var step = Mirror(rollout, MirrorRoute, 30, new RouteMatch { Path = Prefix("/api") });
        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 });
        await Client.SetMirrorRouteAsync(step);
        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 40 });
        var synced = await fx.ApisixRoutes.GetAsync(ns, MirrorRoute);

        await Client.SetMirrorRouteAsync(step);

        Assert.Equal(ResourceVersion(synced), ResourceVersion(await fx.ApisixRoutes.GetAsync(ns, MirrorRoute)));
    }

    [Fact]
    public async Task A_proxy_mirror_plugin_already_on_the_source_rule_is_replaced_not_doubled()
    {
        var ns = await fx.PluginNamespaceAsync("mirror-own-plugin");
        var source = SourceRoute();
        source["spec"]!["http"]![0]!["plugins"] = new JsonArray(
            new JsonObject { ["name"] = "proxy-mirror", ["enable"] = true, ["config"] = new JsonObject { ["host"] = "http://shadow.example:80" } },
            new JsonObject { ["name"] = "cors", ["enable"] = true });
        await fx.ApisixRoutes.CreateAsync(ns, source);
        var rollout = RolloutWith(ns, MirrorRoute);

        await Client.SetMirrorRouteAsync(Mirror(rollout, MirrorRoute, 50, new RouteMatch { Path = Prefix("/") }));

        var rule = Assert.Single(Rules(await fx.ApisixRoutes.GetAsync(ns, MirrorRoute)))!.AsObject();
        Assert.Equal(["cors", "proxy-mirror"], rule["plugins"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(CanaryHost(ns), MirrorPlugin(rule)!["config"]!["host"]!.GetValue<string>());
    }

    [Fact]
    public async Task Consenting_routes_in_another_namespace_get_the_managed_route_there_owned_by_annotation_and_removed_with_it()
    {
        var rolloutNs = await fx.PluginNamespaceAsync("rollout-home");
        var routeNs = await fx.PluginNamespaceAsync("route-home");
        var source = SourceRoute();
        source["metadata"]!["annotations"]!["rollouts.apisixplugin.io/allow-rollouts-from"] = rolloutNs;
        await fx.ApisixRoutes.CreateAsync(routeNs, source);
        var rollout = Rollout(rolloutNs, $$$"""{"route":{"name":"{{{Route}}}","namespace":"{{{routeNs}}}","rules":["{{{Rule}}}"]}}""", HeaderRoute);

        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug"))));

        var managed = await fx.ApisixRoutes.GetAsync(routeNs, HeaderRoute);
        // ownerReferences cannot point across namespaces; the owner annotation names the Rollout.
        Assert.Null(managed["metadata"]!["ownerReferences"]);
        Assert.Equal($"{rolloutNs}/rollouts-demo/{rollout.Uid}", managed["metadata"]!["annotations"]!["rollouts.apisixplugin.io/owner"]!.GetValue<string>());
        Assert.Empty(await fx.SnapshotAsync(rolloutNs));

        var removed = await Client.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest { Rollout = rollout });

        Assert.Equal(1, removed.RoutesDeleted);
        Assert.Equal([Route], (await fx.SnapshotAsync(routeNs)).Keys);
    }

    [Theory]
    [InlineData("ping", "pong")]
    [InlineData("pong", "ping")]
    public async Task With_ping_pong_the_copies_send_to_the_service_that_is_canary_now(string stable, string canary)
    {
        var ns = await fx.PluginNamespaceAsync("pingpong");
        var source = SourceRoute();
        source["spec"]!["http"]![0]!["backends"] = new JsonArray(
            new JsonObject { ["serviceName"] = "demo-ping", ["servicePort"] = 80 },
            new JsonObject { ["serviceName"] = "demo-pong", ["servicePort"] = 80 });
        await fx.ApisixRoutes.CreateAsync(ns, source);
        var rollout = RolloutWith(ns, HeaderRoute, MirrorRoute);
        rollout.PingPong = new PingPong { PingService = "demo-ping", PongService = "demo-pong", StablePingPong = stable };

        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug"))));
        await Client.SetMirrorRouteAsync(Mirror(rollout, MirrorRoute, null, new RouteMatch { Path = Prefix("/") }));

        var header = Assert.Single(Rules(await fx.ApisixRoutes.GetAsync(ns, HeaderRoute)))!;
        Assert.Equal($"demo-{canary}", Assert.Single(header["backends"]!.AsArray())!["serviceName"]!.GetValue<string>());
        var mirror = Assert.Single(Rules(await fx.ApisixRoutes.GetAsync(ns, MirrorRoute)))!.AsObject();
        Assert.Equal($"http://demo-{canary}.{ns}.svc.cluster.local:80", MirrorPlugin(mirror)!["config"]!["host"]!.GetValue<string>());
    }

    [Fact]
    public async Task Two_configured_routes_share_one_managed_route_with_route_qualified_rule_names()
    {
        var ns = await fx.PluginNamespaceAsync("two-sources");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var second = ApisixRoute("second-route");
        second["spec"]!["ingressClassName"] = IngressClass;
        await fx.ApisixRoutes.CreateAsync(ns, second);
        var rollout = Rollout(ns, $$$"""{"routes":[{"name":"{{{Route}}}","rules":["{{{Rule}}}"]},{"name":"second-route","rules":["{{{Rule}}}"]}]}""", HeaderRoute);

        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug"))));

        var names = Rules(await fx.ApisixRoutes.GetAsync(ns, HeaderRoute)).Select(r => r!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { $"{HeaderRoute}-{Route}-{Rule}", $"{HeaderRoute}-second-route-{Rule}" }.Order(StringComparer.Ordinal), names);
    }

    [Fact]
    public async Task Configured_routes_of_different_ingress_classes_are_InvalidArgument_and_nothing_is_created()
    {
        var ns = await fx.PluginNamespaceAsync("two-classes");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var second = ApisixRoute("second-route");
        second["spec"]!["ingressClassName"] = "apisix-internal";
        await fx.ApisixRoutes.CreateAsync(ns, second);
        var rollout = Rollout(ns, $$$"""{"routes":[{"name":"{{{Route}}}","rules":["{{{Rule}}}"]},{"name":"second-route","rules":["{{{Rule}}}"]}]}""", HeaderRoute);
        var before = await fx.SnapshotAsync(ns);

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug")))).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("ingressClassName", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await fx.SnapshotAsync(ns));
    }
}
