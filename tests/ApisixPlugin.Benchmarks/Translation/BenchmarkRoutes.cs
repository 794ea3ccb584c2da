using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ApisixPlugin.Core.Configuration;
using ApisixPlugin.Core.Weights;

namespace ApisixPlugin.Benchmarks.Translation;

/// <summary>Which rules of the route a Rollout names.</summary>
public enum ConfiguredRules
{
    /// <summary>Only the last rule: the worst case for finding it.</summary>
    Last,

    /// <summary>Every rule of the route: the worst case for planning.</summary>
    Every,
}

/// <summary>
/// ApisixRoutes of the size a benchmark asks for, shaped like the ones the API server returns
/// (metadata with resourceVersion and managedFields-free annotations, rules with match and two backends).
/// </summary>
internal static class BenchmarkRoutes
{
    public const string Namespace = "bench";
    public const string RouteName = "bench-route";
    public const string Stable = "app-stable";
    public const string Canary = "app-canary";

    public static string RuleName(int index) => $"rule-{index}";

    /// <summary>A route whose rules all send 100% to stable, so any canary weight changes every configured rule.</summary>
    public static JsonObject Route(int ruleCount, string ns = Namespace, string name = RouteName, string stable = Stable, string canary = Canary)
    {
        var http = new JsonArray();
        for (var i = 0; i < ruleCount; i++)
        {
            http.Add(new JsonObject
            {
                ["name"] = RuleName(i),
                ["priority"] = i % 3,
                ["match"] = new JsonObject
                {
                    ["hosts"] = new JsonArray($"app-{i}.example.com"),
                    ["paths"] = new JsonArray($"/api/v{i}/*"),
                    ["methods"] = new JsonArray("GET", "POST"),
                },
                ["backends"] = new JsonArray(
                    new JsonObject { ["serviceName"] = stable, ["servicePort"] = 80, ["weight"] = 100 },
                    new JsonObject { ["serviceName"] = canary, ["servicePort"] = 80, ["weight"] = 0 }),
            });
        }

        return new JsonObject
        {
            ["apiVersion"] = "apisix.apache.org/v2",
            ["kind"] = "ApisixRoute",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["resourceVersion"] = "12345",
                ["generation"] = 3,
                ["uid"] = "8a7c2f2e-0f6d-4a57-9d3e-7d8f4f6c1b11",
                ["labels"] = new JsonObject { ["app"] = "bench" },
                ["annotations"] = new JsonObject { ["team"] = "platform" },
            },
            ["spec"] = new JsonObject { ["http"] = http },
        };
    }

    public static ImmutableArray<string> Rules(int ruleCount, ConfiguredRules configured) => configured switch
    {
        ConfiguredRules.Last => [RuleName(ruleCount - 1)],
        _ => [.. Enumerable.Range(0, ruleCount).Select(RuleName)],
    };

    public static RouteTarget Target(int ruleCount, ConfiguredRules configured) => new(Namespace, RouteName, Rules(ruleCount, configured));

    public static WeightSplit Split(int canaryWeight) => new(Canary, canaryWeight, Stable, 100 - canaryWeight, []);
}
