using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using ApisixPlugin.Testing.Cluster;
using ApisixPlugin.Testing.Faults;
using static ApisixPlugin.Integration.Tests.Infrastructure.GuideScenario;

namespace ApisixPlugin.Integration.Tests.Weights;

/// <summary>
/// What each SetWeight costs the API server, counted by a proxy in front of the real one: a
/// changing call is its PATCH alone, an unchanged one its GET alone, and a route someone else
/// changed costs the failed PATCH, a GET and the PATCH that lands, with their edit kept. (Events,
/// sent from a queue, are not counted: they never delay a call.)
/// </summary>
[Collection("sidecar")]
public sealed class ApiRequestCountTests(SidecarClusterFixture fx)
{
    private static SetWeightRequest Weight(Rollout rollout, int weight) => new() { Rollout = rollout, DesiredWeight = weight };

    /// <summary>A namespace with the guide's route, and a sidecar that reaches the API server through a counting proxy.</summary>
    private sealed record Counting(string Namespace, FaultProxy Proxy, SidecarProcess Sidecar) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Sidecar.DisposeAsync();
            await Proxy.DisposeAsync();
        }
    }

    private async Task<Counting> CountingAsync(string prefix)
    {
        var ns = await fx.PluginNamespaceAsync(prefix);
        await fx.ApisixRoutes.CreateAsync(ns, ApisixRoute());
        var proxy = await FaultProxy.StartAsync(fx.Server.Url);
        var kubeconfig = proxy.WriteKubeconfig(Directory.CreateTempSubdirectory("count-proxy-").FullName, fx.Server.TokenOf(KubeUsers.Plugin));
        return new Counting(ns, proxy, await SidecarProcess.StartAsync(kubeconfig));
    }

    [Fact]
    public async Task A_changing_SetWeight_is_one_request_even_after_the_ingress_controller_wrote_the_status()
    {
        await using var c = await CountingAsync("requests");
        var (ns, proxy, sidecar, rollout) = (c.Namespace, c.Proxy, c.Sidecar, Rollout(c.Namespace));
        async Task<string[]> RequestsOf(Func<Task> call)
        {
            var before = proxy.Seen.Count;
            await call();
            // Events go out from a queue, at their own time: only the route requests are the call's.
            return [.. proxy.Seen.Skip(before).Where(r => r.Path.Contains("/apisixroutes", StringComparison.Ordinal)).Select(r => r.Method)];
        }

        var first = await RequestsOf(() => sidecar.Client.SetWeightAsync(Weight(rollout, 20)).ResponseAsync);
        await fx.ApisixRoutes.SetStatusAsync(ns, Route, new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "Accepted", ["status"] = "True", ["reason"] = "Accepted", ["message"] = "ok",
                ["observedGeneration"] = 2, ["lastTransitionTime"] = "2026-12-02T00:00:00Z",
            }),
        });
        var changing = await RequestsOf(() => sidecar.Client.SetWeightAsync(Weight(rollout, 40)).ResponseAsync);
        var unchanged = await RequestsOf(() => sidecar.Client.SetWeightAsync(Weight(rollout, 40)).ResponseAsync);
        await fx.ApisixRoutes.JsonPatchAsync(ns, Route,
            [new JsonObject { ["op"] = "add", ["path"] = "/spec/http/0/backends/-", ["value"] = new JsonObject { ["serviceName"] = "someone-elses", ["servicePort"] = 80, ["weight"] = 5 } }]);
        var afterOtherEdit = await RequestsOf(() => sidecar.Client.SetWeightAsync(Weight(rollout, 60)).ResponseAsync);

        Assert.Equal(["GET", "PATCH"], first);
        Assert.Equal(["PATCH"], changing);
        Assert.Equal(["GET"], unchanged);
        Assert.Equal(["PATCH", "GET", "PATCH"], afterOtherEdit);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 40, [Canary] = 60, ["someone-elses"] = 5 }, WeightsOf(await fx.ApisixRoutes.GetAsync(ns, Route)));
    }

    /// <summary>
    /// Adding the in-progress label is guarded by the resourceVersion remembered. When the ingress
    /// controller wrote the status since, that patch is refused once, and sent again after a read:
    /// PATCH, GET, PATCH, with the label and the weight on the route.
    /// </summary>
    [Fact]
    public async Task Adding_the_label_after_the_status_changed_is_refused_once_then_sent_again_after_a_read()
    {
        await using var c = await CountingAsync("label-guard");
        var (ns, proxy, sidecar, rollout) = (c.Namespace, c.Proxy, c.Sidecar, Rollout(c.Namespace));
        await sidecar.Client.SetWeightAsync(Weight(rollout, 20));
        await sidecar.Client.SetWeightAsync(Weight(rollout, 0));
        await fx.ApisixRoutes.AcceptCurrentGenerationAsync(ns, Route);

        var before = proxy.Seen.Count;
        await sidecar.Client.SetWeightAsync(Weight(rollout, 20));
        var requests = proxy.Seen.Skip(before).Where(r => r.Path.Contains("/apisixroutes", StringComparison.Ordinal)).Select(r => r.Method).ToArray();

        Assert.Equal(["PATCH", "GET", "PATCH"], requests);
        var route = await fx.ApisixRoutes.GetAsync(ns, Route);
        Assert.Equal(rollout.Name, route["metadata"]!["labels"]!["rollouts.apisixplugin.io/in-progress"]!.GetValue<string>());
        Assert.Equal(20, WeightsOf(route)[Canary]);
    }

    /// <summary>
    /// Rule names and backend fields in text that .NET's JSON encoder and Go's write with other
    /// bytes (non-ASCII, <c>+ ' `</c>, <c>&lt; &gt; &amp;</c>): the API server compares a patch's
    /// test values by their bytes, so they are sent as Go writes them, and each SetWeight lands in
    /// one PATCH (the first after its GET) instead of failing every test until it is Aborted.
    /// </summary>
    [Fact]
    public async Task Rules_named_in_text_Go_and_dotnet_encode_differently_are_weighted_in_one_patch()
    {
        string[] rules = ["订单-orders", "api+v2 'beta' `x`", "a<b&c>d"];
        await using var c = await CountingAsync("go-text");
        var (ns, proxy, sidecar) = (c.Namespace, c.Proxy, c.Sidecar);
        var route = ApisixRoute("go-text");
        var http = new JsonArray();
        foreach (var rule in rules)
        {
            var json = RuleJson(rule, "/*");
            json["backends"]![0]!["subset"] = "v1+béta<1>";
            http.Add(json);
        }

        route["spec"]!["http"] = http;
        await fx.ApisixRoutes.CreateAsync(ns, route);
        var rollout = Rollout(ns, System.Text.Json.JsonSerializer.Serialize(new { route = new { name = "go-text", rules } }));
        async Task<string[]> RequestsOf(int weight)
        {
            var before = proxy.Seen.Count;
            await sidecar.Client.SetWeightAsync(Weight(rollout, weight));
            return [.. proxy.Seen.Skip(before).Where(r => r.Path.Contains("/apisixroutes/go-text", StringComparison.Ordinal)).Select(r => r.Method)];
        }

        var first = await RequestsOf(20);
        var second = await RequestsOf(40);

        Assert.Equal(["GET", "PATCH"], first);
        Assert.Equal(["PATCH"], second);
        var written = await fx.ApisixRoutes.GetAsync(ns, "go-text");
        Assert.All(rules, rule => Assert.Equal(new Dictionary<string, int> { [Stable] = 60, [Canary] = 40 }, WeightsOf(written, rule)));
        Assert.Equal("v1+béta<1>", written["spec"]!["http"]![0]!["backends"]![0]!["subset"]!.GetValue<string>());
    }

    /// <summary>
    /// Without managed routes a reconcile costs one GET, at a step and fully promoted. Each
    /// managedRoutes name adds one GET: SetWeight looks for the Rollout's mirror routes (and for the
    /// in-progress label at weight 0, for any managed route), except right after
    /// RemoveManagedRoutes found it missing.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_reconcile_costs_one_read_at_a_step_and_when_fully_promoted_and_one_more_per_managed_route(bool withManagedRoute)
    {
        await using var c = await CountingAsync("reconcile");
        var (ns, proxy, sidecar) = (c.Namespace, c.Proxy, c.Sidecar);
        var rollout = withManagedRoute ? Rollout(ns, managedRoutes: "header-route") : Rollout(ns);
        // The calls of one reconcile, in the controller's order (rollout/trafficrouting.go).
        async Task<string[]> ReconcileAsync(int weight, bool fullyPromoted)
        {
            var before = proxy.Seen.Count;
            if (fullyPromoted)
            {
                await sidecar.Client.RemoveManagedRoutesAsync(new RemoveManagedRoutesRequest { Rollout = rollout });
            }

            await sidecar.Client.UpdateHashAsync(new UpdateHashRequest { Rollout = rollout });
            await sidecar.Client.SetWeightAsync(Weight(rollout, weight));
            var verified = await sidecar.Client.VerifyWeightAsync(new VerifyWeightRequest { Rollout = rollout, DesiredWeight = weight });
            Assert.Equal(Verification.Verified, verified.Verification);
            return [.. proxy.Seen.Skip(before).Where(r => r.Path.Contains("/apisixroutes", StringComparison.Ordinal)).Select(r => r.Method)];
        }

        await sidecar.Client.SetWeightAsync(Weight(rollout, 20));
        await fx.ApisixRoutes.AcceptCurrentGenerationAsync(ns, Route);
        var atStep = await ReconcileAsync(20, fullyPromoted: false);
        await sidecar.Client.SetWeightAsync(Weight(rollout, 0));
        await fx.ApisixRoutes.AcceptCurrentGenerationAsync(ns, Route);
        var promoted = await ReconcileAsync(0, fullyPromoted: true);

        Assert.Equal(withManagedRoute ? ["GET", "GET"] : ["GET"], atStep);
        Assert.Equal(withManagedRoute ? ["GET", "GET"] : ["GET"], promoted);
    }
}
