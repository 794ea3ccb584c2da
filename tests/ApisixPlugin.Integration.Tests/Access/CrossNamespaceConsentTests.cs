using System.Text.Json.Nodes;
using ApisixPlugin.Integration.Tests.ManagedRoutes;
using ApisixPlugin.Protos.V1;
using ApisixPlugin.Testing.Cluster;
using Grpc.Core;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;
using static ApisixPlugin.Integration.Tests.ManagedRoutes.ManagedRouteScenario;

namespace ApisixPlugin.Integration.Tests.Access;

/// <summary>
/// One controller serves many teams, and the sidecar writes with one ClusterRole. A Rollout in
/// team-a that names team-b's route must not move team-b's traffic unless that route consents
/// (annotation rollouts.apisixplugin.io/allow-rollouts-from), and the operator's
/// --route-namespaces narrows that further. Refused calls write nothing and name no rule or backend
/// of the other namespace.
/// </summary>
[Collection("sidecar")]
public sealed class CrossNamespaceConsentTests(SidecarClusterFixture fx)
{
    private const string Consent = "rollouts.apisixplugin.io/allow-rollouts-from";
    private const string Payments = "payments";
    private const string PaymentsRule = "payments-all";
    private const string PaymentsStable = "payments";
    private const string PaymentsCanary = "payments-canary";

    private TrafficRouter.TrafficRouterClient Client => fx.Sidecar.Client;

    /// <summary>team-b's route: the stable backend at 100 and the canary at 100, as in the report.</summary>
    private static JsonObject PaymentsRoute(string? allowFrom)
    {
        var route = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = Payments },
            ["spec"] = new JsonObject
            {
                ["http"] = new JsonArray(new JsonObject
                {
                    ["name"] = PaymentsRule,
                    ["match"] = new JsonObject { ["paths"] = new JsonArray("/*") },
                    ["backends"] = new JsonArray(
                        new JsonObject { ["serviceName"] = PaymentsStable, ["servicePort"] = 80, ["weight"] = 100 },
                        new JsonObject { ["serviceName"] = PaymentsCanary, ["servicePort"] = 80, ["weight"] = 100 }),
                }),
            },
        };
        if (allowFrom is not null)
        {
            route["metadata"]!["annotations"] = new JsonObject { [Consent] = allowFrom };
        }

        return route;
    }

    private static Rollout TeamARollout(string teamA, string teamB, params string[] managedRoutes)
    {
        var rollout = Rollout(teamA, $$$"""{"routes":[{"name":"{{{Payments}}}","namespace":"{{{teamB}}}","rules":["{{{PaymentsRule}}}"]}]}""", managedRoutes);
        rollout.CanaryService = PaymentsCanary;
        rollout.StableService = PaymentsStable;
        return rollout;
    }

    private static void AssertRefused(RpcException error, string teamA, string teamB)
    {
        Assert.True(StatusCode.PermissionDenied == error.StatusCode, $"{error.StatusCode}: {error.Status.Detail}");
        Assert.Contains($"rollout {teamA}/rollouts-demo", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"route {teamB}/{Payments}", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(Consent, error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(PaymentsRule, error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(PaymentsCanary, error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("team-elsewhere")]
    public async Task Without_consent_no_call_changes_the_other_namespaces_routes(string? allowFrom)
    {
        var teamA = await fx.PluginNamespaceAsync("team-a");
        var teamB = await fx.PluginNamespaceAsync("team-b");
        await fx.ApisixRoutes.CreateAsync(teamB, PaymentsRoute(allowFrom));
        var rollout = TeamARollout(teamA, teamB, "evil-header", "evil-mirror");
        var before = await fx.SnapshotAsync(teamB);

        AssertRefused(await Assert.ThrowsAsync<RpcException>(() =>
            Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 100 }).ResponseAsync), teamA, teamB);
        AssertRefused(await Assert.ThrowsAsync<RpcException>(() =>
            Client.SetHeaderRouteAsync(Header(rollout, "evil-header", ("x-any", Regex(".*")))).ResponseAsync), teamA, teamB);
        AssertRefused(await Assert.ThrowsAsync<RpcException>(() =>
            Client.SetMirrorRouteAsync(Mirror(rollout, "evil-mirror", 100, new RouteMatch { Path = Prefix("/") })).ResponseAsync), teamA, teamB);
        AssertRefused(await Assert.ThrowsAsync<RpcException>(() =>
            Client.VerifyWeightAsync(new VerifyWeightRequest { Rollout = rollout, DesiredWeight = 100 }).ResponseAsync), teamA, teamB);

        Assert.Equal(before, await fx.SnapshotAsync(teamB));
        Assert.Empty(await fx.SnapshotAsync(teamA));
    }

    [Fact]
    public async Task A_missing_route_in_another_namespace_is_refused_like_one_without_consent()
    {
        var teamA = await fx.PluginNamespaceAsync("team-a");
        var teamB = await fx.PluginNamespaceAsync("team-b");
        var rollout = TeamARollout(teamA, teamB);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 10 }).ResponseAsync);

        AssertRefused(error, teamA, teamB);
    }

    [Theory]
    [InlineData("{0}")]
    [InlineData("team-x, {0}")]
    [InlineData("*")]
    public async Task A_route_that_names_the_Rollouts_namespace_is_steered_and_gets_its_managed_route(string allowFrom)
    {
        var teamA = await fx.PluginNamespaceAsync("team-a");
        var teamB = await fx.PluginNamespaceAsync("team-b");
        await fx.ApisixRoutes.CreateAsync(teamB, PaymentsRoute(string.Format(System.Globalization.CultureInfo.InvariantCulture, allowFrom, teamA)));
        var rollout = TeamARollout(teamA, teamB, HeaderRoute);

        await Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 30 });
        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug"))));

        var route = await fx.ApisixRoutes.GetAsync(teamB, Payments);
        Assert.Equal(new Dictionary<string, int> { [PaymentsStable] = 70, [PaymentsCanary] = 30 }, WeightsOf(route, PaymentsRule));
        Assert.NotNull(await fx.TryGetAsync(teamB, HeaderRoute));
        Assert.Equal(Verification.Verified,
            (await Client.VerifyWeightAsync(new VerifyWeightRequest { Rollout = rollout, DesiredWeight = 30 })).Verification);
        Assert.Equal(1, (await Client.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest { Rollout = rollout })).RoutesDeleted);
    }

    [Fact]
    public async Task Consent_withdrawn_stops_the_next_call_and_clean_up_still_removes_the_Rollouts_own_route()
    {
        var teamA = await fx.PluginNamespaceAsync("team-a");
        var teamB = await fx.PluginNamespaceAsync("team-b");
        await fx.ApisixRoutes.CreateAsync(teamB, PaymentsRoute(teamA));
        var rollout = TeamARollout(teamA, teamB, HeaderRoute);
        await Client.SetHeaderRouteAsync(Header(rollout, HeaderRoute, ("trace", Exact("debug"))));

        await fx.ApisixRoutes.JsonPatchAsync(teamB, Payments, new JsonArray(
            new JsonObject { ["op"] = "remove", ["path"] = "/metadata/annotations/rollouts.apisixplugin.io~1allow-rollouts-from" }));
        var before = await fx.ApisixRoutes.GetAsync(teamB, Payments);

        AssertRefused(await Assert.ThrowsAsync<RpcException>(() =>
            Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 50 }).ResponseAsync), teamA, teamB);
        Assert.Equal(before.ToJsonString(), (await fx.ApisixRoutes.GetAsync(teamB, Payments)).ToJsonString());

        Assert.Equal(1, (await Client.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest { Rollout = rollout })).RoutesDeleted);
        Assert.Null(await fx.TryGetAsync(teamB, HeaderRoute));
    }

    [Fact]
    public async Task The_operators_route_namespaces_refuse_a_consenting_route_outside_them()
    {
        var teamA = await fx.PluginNamespaceAsync("team-a");
        var teamB = await fx.PluginNamespaceAsync("team-b");
        var teamC = await fx.PluginNamespaceAsync("team-c");
        await fx.ApisixRoutes.CreateAsync(teamB, PaymentsRoute("*"));
        await fx.ApisixRoutes.CreateAsync(teamC, PaymentsRoute("*"));
        await using var narrowed = await SidecarProcess.StartAsync(fx.KubeconfigFor(KubeUsers.Plugin), "--route-namespaces", $"{teamC}, unrelated");
        var before = await fx.SnapshotAsync(teamB);

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            narrowed.Client.SetWeightAsync(new SetWeightRequest { Rollout = TeamARollout(teamA, teamB), DesiredWeight = 40 }).ResponseAsync);
        await narrowed.Client.SetWeightAsync(new SetWeightRequest { Rollout = TeamARollout(teamA, teamC), DesiredWeight = 40 });

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("--route-namespaces", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await fx.SnapshotAsync(teamB));
        Assert.Equal(40, WeightsOf(await fx.ApisixRoutes.GetAsync(teamC, Payments), PaymentsRule)[PaymentsCanary]);
    }
}
