using System.Net;
using System.Text.Json.Nodes;
using ApisixPlugin.Bridge.GoClient.Tests.Support;
using ApisixPlugin.Testing.Routes;
using k8s.Autorest;
using static ApisixPlugin.Bridge.GoClient.Tests.FullPath.RouteScenario;

namespace ApisixPlugin.Bridge.GoClient.Tests.FullPath;

/// <summary>
/// One namespace with the source ApisixRoute (its rule at priority <see cref="SourcePriority"/>),
/// controller runs through the published bridge, and the check of what must be there after each:
/// exactly the expected managed routes, each as a header route of its step, and the source route
/// as it was apart from its weights.
/// </summary>
internal sealed class HeaderRouteWorld(FullPathFixture fx, PeerBinaries peers, string ns, JsonObject sourceSpec)
{
    public const int SourcePriority = 5;

    public string Namespace { get; } = ns;

    /// <summary>The sidecar socket the next runs' bridges forward to (the fixture's sidecar unless a test starts its own).</summary>
    public string Socket { get; set; } = "";

    public static async Task<HeaderRouteWorld> CreateAsync(FullPathFixture fx, PeerBinaries peers, string prefix)
    {
        var ns = await fx.PluginNamespaceAsync(prefix);
        var route = ApisixRoute();
        route["spec"]!["http"]![0]!["priority"] = SourcePriority;
        var created = await fx.ApisixRoutes.CreateAsync(ns, route);
        return new HeaderRouteWorld(fx, peers, ns, created["spec"]!.AsObject()) { Socket = fx.Sidecar.SocketPath };
    }

    public string[] PluginArgs => ["--socket", Socket, "--call-timeout", "20"];

    /// <summary>One controller run (a new bridge process) making the calls of these reconciles; every call must succeed.</summary>
    public async Task<ControllerRun> RunAsync(JsonObject rollout, params JsonObject[][] reconciles)
    {
        var run = await ControllerRun.StartAsync(peers.Go, peers.Bridge, [], PluginArgs, ControllerReconciles.Reconciles(rollout, reconciles));
        Succeeded(run);
        return run;
    }

    /// <summary>Every call answered without error and every VerifyWeight verified, and the bridge left by itself.</summary>
    public static void Succeeded(ControllerRun run)
    {
        Assert.True(run.Calls.Count > 0, run.Process.Describe());
        Assert.All(run.Calls, c => Assert.True(c.Error == "" && c.CallError == "", $"call {c.Index} {c.Method}: {c.Error} {c.CallError}\n{run.Process.Describe()}"));
        Assert.All(run.Calls.Where(c => c.Method == "VerifyWeight"), c => Assert.True(c.Verified == 1, $"call {c.Index} VerifyWeight: {c.Verified}\n{run.Process.Describe()}"));
        Assert.Equal("exit status 0", run.Event("kill").GetProperty("exit").GetString());
    }

    /// <summary>
    /// Exactly the source route and these managed routes exist; each managed route is the header
    /// route of its step (its one rule a copy of the source rule above it in the order of
    /// managedRoutes, matching X-Canary with that value, the canary backend alone at 100), owned by
    /// this Rollout's uid; the source still has its one rule as created, at this canary weight.
    /// Returns the managed routes by name.
    /// </summary>
    public async Task<Dictionary<string, JsonObject>> AssertRoutesAsync(JsonObject rollout, int canaryWeight, params (string Name, string Value)[] expected)
    {
        var names = await RouteNamesAsync(fx, Namespace);
        string[] wanted = [.. expected.Select(e => e.Name).Append(Route).Order(StringComparer.Ordinal)];
        Assert.Equal(wanted, names.Order(StringComparer.Ordinal).ToArray());

        var source = await fx.ApisixRoutes.GetAsync(Namespace, Route);
        Assert.Equal(new Dictionary<string, int> { [Stable] = 100 - canaryWeight, [Canary] = canaryWeight }, Weights(source));
        Assert.Equal(CanonicalJson.Of(WithoutWeights(sourceSpec)), CanonicalJson.Of(WithoutWeights(source["spec"]!.AsObject())));
        Assert.Null(source["metadata"]!["ownerReferences"]);

        var listed = rollout["managedRoutes"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        var uid = rollout["uid"]!.GetValue<string>();
        var result = new Dictionary<string, JsonObject>();
        foreach (var (name, value) in expected)
        {
            var route = await fx.ApisixRoutes.GetAsync(Namespace, name);
            var rule = sourceSpec["http"]![0]!.DeepClone().AsObject();
            rule["name"] = $"{name}-{Rule}";
            rule["priority"] = SourcePriority + listed.Count - listed.IndexOf(name);
            rule["backends"] = new JsonArray(new JsonObject { ["serviceName"] = Canary, ["servicePort"] = 80, ["weight"] = 100 });
            rule["match"]!["exprs"] = new JsonArray(new JsonObject
            {
                ["subject"] = new JsonObject { ["scope"] = "Header", ["name"] = ControllerReconciles.Header },
                ["op"] = "Equal",
                ["value"] = value,
            });
            Assert.Equal(CanonicalJson.Of(new JsonObject { ["http"] = new JsonArray(rule) }), CanonicalJson.Of(route["spec"]));

            var metadata = route["metadata"]!;
            Assert.Equal("apisix-plugin", metadata["labels"]?["app.kubernetes.io/managed-by"]?.GetValue<string>());
            Assert.Equal($"{Namespace}/checkout/{uid}", metadata["annotations"]?["rollouts.apisixplugin.io/owner"]?.GetValue<string>());
            Assert.Equal("header", metadata["annotations"]?["rollouts.apisixplugin.io/managed-kind"]?.GetValue<string>());
            var owner = Assert.Single(metadata["ownerReferences"]!.AsArray())!;
            Assert.Equal(uid, owner["uid"]!.GetValue<string>());
            Assert.True(owner["controller"]!.GetValue<bool>());
            result[name] = route;
        }

        return result;
    }

    /// <summary>What Kubernetes' garbage collector does when the Rollout is deleted (none runs here): its dependents go.</summary>
    public async Task<List<string>> CollectGarbageOfAsync(string uid)
    {
        var deleted = new List<string>();
        foreach (var name in await RouteNamesAsync(fx, Namespace))
        {
            var route = await fx.ApisixRoutes.GetAsync(Namespace, name);
            if (route["metadata"]!["ownerReferences"] is JsonArray owners && owners.Any(o => o!["uid"]!.GetValue<string>() == uid))
            {
                await fx.ApisixRoutes.DeleteAsync(Namespace, name);
                deleted.Add(name);
            }
        }

        return deleted;
    }

    /// <summary>The route, or null when the API server says 404.</summary>
    public async Task<JsonObject?> TryGetAsync(string name)
    {
        try
        {
            return await fx.ApisixRoutes.GetAsync(Namespace, name);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Waits, within <paramref name="timeout"/>, until the route exists.</summary>
    public async Task<JsonObject> WaitForRouteAsync(string name, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await TryGetAsync(name) is { } route)
            {
                return route;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"ApisixRoute {Namespace}/{name} did not appear within {timeout.TotalSeconds} s");
            }
            await Task.Delay(50);
        }
    }

    public static string Uid(JsonObject route) => route["metadata"]!["uid"]!.GetValue<string>();

    public static string ResourceVersion(JsonObject route) => route["metadata"]!["resourceVersion"]!.GetValue<string>();

    public static long Generation(JsonObject route) => route["metadata"]!["generation"]!.GetValue<long>();

    private static JsonObject WithoutWeights(JsonObject spec)
    {
        var copy = spec.DeepClone().AsObject();
        foreach (var rule in copy["http"]!.AsArray())
        {
            foreach (var backend in rule!["backends"]!.AsArray())
            {
                backend!.AsObject().Remove("weight");
            }
        }

        return copy;
    }
}
