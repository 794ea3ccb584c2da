using System.Text.Json.Nodes;
using ApisixPlugin.Protos.V1;
using Google.Protobuf;

namespace ApisixPlugin.Integration.Tests.Infrastructure;

/// <summary>The Argo Rollouts APISIX guide's objects, as test data.</summary>
public static class GuideScenario
{
    public const string Route = "rollouts-apisix-route";
    public const string Rule = "rollouts-apisix";
    public const string Stable = "rollout-apisix-canary-stable";
    public const string Canary = "rollout-apisix-canary-canary";
    public const string PluginName = "apisixplugin/apisix";

    public static JsonObject ApisixRoute(string name = Route, params string[] extraRules)
    {
        var http = new JsonArray(RuleJson(Rule, "/*"));
        foreach (var rule in extraRules)
        {
            http.Add(RuleJson(rule, $"/{rule}/*"));
        }

        return new JsonObject
        {
            ["apiVersion"] = "apisix.apache.org/v2",
            ["kind"] = "ApisixRoute",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject { ["http"] = http },
        };
    }

    public static JsonObject RuleJson(string name, string path) => new()
    {
        ["name"] = name,
        ["match"] = new JsonObject
        {
            ["hosts"] = new JsonArray("rollouts-demo.apisix.local"),
            ["paths"] = new JsonArray(path),
        },
        ["backends"] = new JsonArray(
            new JsonObject { ["serviceName"] = Stable, ["servicePort"] = 80 },
            new JsonObject { ["serviceName"] = Canary, ["servicePort"] = 80 }),
    };

    public static Rollout Rollout(string ns, string config = $$$"""{"route":{"name":"{{{Route}}}","rules":["{{{Rule}}}"]}}""", params string[] managedRoutes)
    {
        var rollout = new Rollout
        {
            Namespace = ns,
            Name = "rollouts-demo",
            Uid = Guid.NewGuid().ToString(),
            CanaryService = Canary,
            StableService = Stable,
            PluginName = PluginName,
            PluginConfig = ByteString.CopyFromUtf8(config),
        };
        rollout.ManagedRoutes.AddRange(managedRoutes);
        return rollout;
    }

    /// <summary>The weight of each backend of a rule, by service name (absent weight = APISIX's 100).</summary>
    public static Dictionary<string, int> WeightsOf(JsonObject route, string rule = Rule) =>
        route["spec"]!["http"]!.AsArray()
            .Single(r => r!["name"]!.GetValue<string>() == rule)!["backends"]!.AsArray()
            .ToDictionary(b => b!["serviceName"]!.GetValue<string>(), b => b!["weight"]?.GetValue<int>() ?? 100);
}
