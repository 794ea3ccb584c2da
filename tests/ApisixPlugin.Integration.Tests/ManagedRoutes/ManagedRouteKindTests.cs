using ApisixPlugin.Protos.V1;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;
using static ApisixPlugin.Integration.Tests.ManagedRoutes.ManagedRouteScenario;

namespace ApisixPlugin.Integration.Tests.ManagedRoutes;

/// <summary>
/// One managedRoutes name used first by a setMirrorRoute step and later by a setHeaderRoute step
/// (or the other way round): the route must then behave as what the last step made it, since
/// SetWeight keeps mirror routes' splits in step and leaves header routes alone.
/// </summary>
[Collection("sidecar")]
public sealed class ManagedRouteKindTests(SidecarClusterFixture fx)
{
    private const string Shared = "canary-route";
    private const string KindAnnotation = "rollouts.apisixplugin.io/managed-kind";

    private TrafficRouter.TrafficRouterClient Client => fx.Sidecar.Client;

    [Fact]
    public async Task A_mirror_route_turned_header_route_is_left_alone_by_SetWeight()
    {
        var ns = await fx.PluginNamespaceAsync("mirror-to-header");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, Shared);
        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 });
        await Client.SetMirrorRouteAsync(Mirror(rollout, Shared, 50, new RouteMatch { Path = Prefix("/api") }));

        await Client.SetHeaderRouteAsync(Header(rollout, Shared, ("trace", Exact("debug"))));
        var reply = await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 40 });

        Assert.Equal(1, reply.RoutesChanged);
        var route = await fx.ApisixRoutes.GetAsync(ns, Shared);
        Assert.Equal("header", route["metadata"]!["annotations"]![KindAnnotation]!.GetValue<string>());
        Assert.Equal(new Dictionary<string, int> { [Canary] = 100 }, WeightsOf(route, $"{Shared}-{Rule}"));
    }

    [Fact]
    public async Task A_header_route_turned_mirror_route_follows_SetWeight()
    {
        var ns = await fx.PluginNamespaceAsync("header-to-mirror");
        await fx.ApisixRoutes.CreateAsync(ns, SourceRoute());
        var rollout = RolloutWith(ns, Shared);
        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 });
        await Client.SetHeaderRouteAsync(Header(rollout, Shared, ("trace", Exact("debug"))));

        await Client.SetMirrorRouteAsync(Mirror(rollout, Shared, 50, new RouteMatch { Path = Prefix("/api") }));
        var reply = await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 40 });

        Assert.Equal(2, reply.RoutesChanged);
        var route = await fx.ApisixRoutes.GetAsync(ns, Shared);
        Assert.Equal("mirror", route["metadata"]!["annotations"]![KindAnnotation]!.GetValue<string>());
        Assert.Equal(new Dictionary<string, int> { [Stable] = 60, [Canary] = 40 }, WeightsOf(route, $"{Shared}-{Rule}"));
    }
}
