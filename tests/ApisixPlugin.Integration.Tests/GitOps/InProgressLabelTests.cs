using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;

namespace ApisixPlugin.Integration.Tests.GitOps;

/// <summary>The in-progress label on the real API server: written with the weights, only its own key, gone at the end.</summary>
[Collection("sidecar")]
public sealed class InProgressLabelTests(SidecarClusterFixture fx)
{
    private const string Key = "rollouts.apisixplugin.io/in-progress";

    private static Dictionary<string, string> Labels(JsonObject route) =>
        route["metadata"]!["labels"]?.AsObject().ToDictionary(l => l.Key, l => l.Value!.GetValue<string>()) ?? [];

    [Fact]
    public async Task A_rollout_labels_its_route_with_the_first_weight_keeps_every_other_label_and_removes_its_own_at_the_end()
    {
        var ns = await fx.PluginNamespaceAsync("label");
        var source = ApisixRoute();
        source["metadata"]!["labels"] = new JsonObject { ["app.kubernetes.io/instance"] = "shop", ["team"] = "shop" };
        await fx.ApisixRoutes.CreateAsync(ns, source);
        var rollout = Rollout(ns, managedRoutes: "set-header");
        var created = await fx.ApisixRoutes.GetAsync(ns, Route);

        await fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 20 });
        var during = await fx.ApisixRoutes.GetAsync(ns, Route);
        await fx.ApisixRoutes.JsonPatchAsync(ns, Route, [new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels/added-meanwhile", ["value"] = "yes" }]);
        await fx.Sidecar.Client.SetHeaderRouteAsync(ManagedRoutes.ManagedRouteScenario.Header(rollout, "set-header", ("trace", new StringMatch { Exact = "debug" })));
        await fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 0 });
        var atZeroWithHeaderRoute = await fx.ApisixRoutes.GetAsync(ns, Route);
        await fx.Sidecar.Client.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest { Rollout = rollout });
        await fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = rollout, DesiredWeight = 0 });
        var after = await fx.ApisixRoutes.GetAsync(ns, Route);

        // One write carried both the weights and the label: the generation moved once, and the label is there.
        Assert.Equal(created["metadata"]!["generation"]!.GetValue<long>() + 1, during["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal(new Dictionary<string, string> { ["app.kubernetes.io/instance"] = "shop", ["team"] = "shop", [Key] = "rollouts-demo" }, Labels(during));
        Assert.Equal("rollouts-demo", Labels(atZeroWithHeaderRoute)[Key]);
        Assert.Equal(0, WeightsOf(atZeroWithHeaderRoute)[Canary]);
        Assert.Equal(new Dictionary<string, string> { ["app.kubernetes.io/instance"] = "shop", ["team"] = "shop", ["added-meanwhile"] = "yes" }, Labels(after));
    }

    [Fact]
    public async Task A_route_created_without_labels_gets_the_label_map()
    {
        var ns = await fx.PluginNamespaceAsync("label-none");
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());

        await fx.Sidecar.Client.SetWeightAsync(new SetWeightRequest { Rollout = Rollout(ns), DesiredWeight = 10 });

        Assert.Equal(new Dictionary<string, string> { [Key] = "rollouts-demo" }, Labels(await fx.ApisixRoutes.GetAsync(ns, Route)));
    }
}
