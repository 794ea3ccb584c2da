using System.Text.Json;
using System.Text.Json.Nodes;
using ApisixPlugin.Testing;
using k8s;

namespace ApisixPlugin.Bridge.GoClient.Tests.FullPath;

/// <summary>The ApisixRoute a Rollout steers and the controller scenarios that drive it.</summary>
internal static class RouteScenario
{
    public const string Route = "checkout-route";
    public const string Rule = "main";
    public const string Stable = "checkout-stable";
    public const string Canary = "checkout-canary";
    public const string HeaderRoute = "checkout-header";

    public static JsonObject ApisixRoute() => new()
    {
        ["apiVersion"] = "apisix.apache.org/v2",
        ["kind"] = "ApisixRoute",
        ["metadata"] = new JsonObject { ["name"] = Route },
        ["spec"] = new JsonObject
        {
            ["http"] = new JsonArray(new JsonObject
            {
                ["name"] = Rule,
                ["match"] = new JsonObject { ["hosts"] = new JsonArray("shop.example.com"), ["paths"] = new JsonArray("/*") },
                ["backends"] = new JsonArray(
                    new JsonObject { ["serviceName"] = Stable, ["servicePort"] = 80 },
                    new JsonObject { ["serviceName"] = Canary, ["servicePort"] = 80, ["weight"] = 0 }),
            }),
        },
    };

    /// <summary>The Rollout fields the Go controller fills into its full v1alpha1 Rollout.</summary>
    public static JsonObject Rollout(string ns, JsonNode? pluginConfig = null) => new()
    {
        ["namespace"] = ns,
        ["name"] = "checkout",
        ["uid"] = Guid.NewGuid().ToString(),
        ["canaryService"] = Canary,
        ["stableService"] = Stable,
        ["managedRoutes"] = new JsonArray(HeaderRoute),
        ["pluginConfig"] = pluginConfig ?? new JsonObject { ["route"] = new JsonObject { ["name"] = Route, ["rules"] = new JsonArray(Rule) } },
    };

    public static JsonObject Scenario(JsonObject rollout, params JsonObject[] calls) => new()
    {
        ["rollout"] = rollout,
        ["calls"] = new JsonArray([.. calls]),
    };

    public static JsonObject Call(string method, int? weight = null)
    {
        var call = new JsonObject { ["method"] = method };
        if (weight is not null)
        {
            call["desiredWeight"] = weight;
        }
        return call;
    }

    public static JsonObject HeaderRouteCall(bool withMatch) => new()
    {
        ["method"] = "SetHeaderRoute",
        ["headerRoute"] = new JsonObject
        {
            ["name"] = HeaderRoute,
            ["match"] = withMatch
                ? new JsonArray(new JsonObject { ["headerName"] = "X-Canary", ["headerValue"] = new JsonObject { ["exact"] = "yes" } })
                : new JsonArray(),
        },
    };

    /// <summary>serviceName -> effective weight of the rule's backends (omitted weight means 100).</summary>
    public static Dictionary<string, int> Weights(JsonObject route) =>
        route["spec"]!["http"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == Rule)!["backends"]!.AsArray()
            .ToDictionary(b => b!["serviceName"]!.GetValue<string>(), b => b!["weight"]?.GetValue<int>() ?? 100);

    /// <summary>Names of every ApisixRoute in the namespace.</summary>
    public static async Task<List<string>> RouteNamesAsync(KubeClusterFixture fx, string ns)
    {
        var list = await fx.Admin.CustomObjects.ListNamespacedCustomObjectAsync("apisix.apache.org", "v2", ns, "apisixroutes");
        var node = JsonNode.Parse(JsonSerializer.Serialize(list))!;
        return [.. node["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).Order()];
    }
}
