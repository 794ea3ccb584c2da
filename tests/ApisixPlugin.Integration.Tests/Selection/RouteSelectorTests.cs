using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using ApisixPlugin.Testing.Cluster;
using Grpc.Core;
using k8s.Models;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;

namespace ApisixPlugin.Integration.Tests.Selection;

/// <summary>routeSelector through the real sidecar: the API server's own label selection (a list request), under real RBAC.</summary>
[Collection("sidecar")]
public sealed class RouteSelectorTests(SidecarClusterFixture fx)
{
    private const string ByTeam = """{"routeSelector":{"matchLabels":{"team":"shop"},"matchExpressions":[{"key":"tier","operator":"NotIn","values":["internal"]}]}}""";

    private static JsonObject Labelled(string name, string team, string? tier = null)
    {
        var route = ApisixRoute(name);
        var labels = new JsonObject { ["team"] = team };
        if (tier is not null)
        {
            labels["tier"] = tier;
        }

        route["metadata"]!["labels"] = labels;
        return route;
    }

    [Fact]
    public async Task SetWeight_steers_what_the_selector_selects_now_and_VerifyWeight_checks_the_same()
    {
        var ns = await fx.PluginNamespaceAsync("selector");
        await fx.ApisixRoutes.CreateAsync(ns, Labelled("web", "shop"));
        await fx.ApisixRoutes.CreateAsync(ns, Labelled("admin", "shop", tier: "internal"));
        await fx.ApisixRoutes.CreateAsync(ns, Labelled("billing", "billing"));
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute("api"));
        var rollout = Rollout(ns, ByTeam);

        var first = await fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 });
        await fx.ApisixRoutes.JsonPatchAsync(ns, "api", [new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels", ["value"] = new JsonObject { ["team"] = "shop" } }]);
        var beforeNextStep = await fx.Sidecar.Client.VerifyWeightAsync(new VerifyWeightRequest { Rollout = rollout, DesiredWeight = 20 });
        var second = await fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 });
        var verified = await fx.Sidecar.Client.VerifyWeightAsync(new VerifyWeightRequest { Rollout = rollout, DesiredWeight = 20 });

        Assert.Equal(1, first.RoutesChanged);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 80, [Canary] = 20 }, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, "web"), Rule));
        Assert.Equal(new Dictionary<string, int> { [Stable] = 100, [Canary] = 100 }, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, "admin"), Rule));
        Assert.Equal(new Dictionary<string, int> { [Stable] = 100, [Canary] = 100 }, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, "billing"), Rule));
        Assert.Equal(Verification.NotVerified, beforeNextStep.Verification);
        Assert.Equal(1, second.RoutesChanged);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 80, [Canary] = 20 }, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, "api"), Rule));
        Assert.Equal(Verification.Verified, verified.Verification);
    }

    [Fact]
    public async Task A_selector_that_selects_nothing_is_FailedPrecondition_naming_it()
    {
        var ns = await fx.PluginNamespaceAsync("selector-none");
        await fx.ApisixRoutes.CreateAsync(ns, Labelled("web", "billing"));
        var before = await fx.ApisixRoutes.GetAsync(ns, "web");

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = Rollout(ns, ByTeam), DesiredWeight = 20 }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains($"routeSelector 'team=shop,tier notin (internal)' in namespace '{ns}' selects no ApisixRoute", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before.ToJsonString(), (await fx.ApisixRoutes.GetAsync(ns, "web")).ToJsonString());
    }

    [Fact]
    public async Task Without_the_list_permission_the_call_is_PermissionDenied_naming_the_verb_and_nothing_is_written()
    {
        var ns = await fx.CreateNamespaceAsync("selector-rbac");
        await fx.GrantAsync(ns, KubeUsers.Plugin,
            [new V1PolicyRule { ApiGroups = ["apisix.apache.org"], Resources = ["apisixroutes"], Verbs = ["get", "patch", "create", "delete"] }]);
        await fx.ApisixRoutes.CreateAsync(ns, Labelled("web", "shop"));

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = Rollout(ns, ByTeam), DesiredWeight = 20 }).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains($"may not list apisixroutes in namespace '{ns}'", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 100, [Canary] = 100 }, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, "web"), Rule));
    }

    [Fact]
    public async Task Header_routes_are_made_next_to_selected_routes_and_removed_with_them()
    {
        var ns = await fx.PluginNamespaceAsync("selector-header");
        await fx.ApisixRoutes.CreateAsync(ns, Labelled("web", "shop"));
        var rollout = Rollout(ns, ByTeam, "set-header");
        await fx.Sidecar.Client.SetHeaderRouteAsync(ManagedRoutes.ManagedRouteScenario.Header(rollout, "set-header", ("trace", new StringMatch { Exact = "debug" })));
        var managed = await fx.ApisixRoutes.GetAsync(ns, "set-header");
        await fx.Sidecar.Client.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest { Rollout = rollout });

        Assert.Contains("trace", managed.ToJsonString(), StringComparison.Ordinal);
        var gone = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => fx.ApisixRoutes.GetAsync(ns, "set-header"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.Response.StatusCode);
    }
}
