using ApisixPlugin.Core.Routes;

namespace ApisixPlugin.Core.Tests.Support;

/// <summary>Small ApisixRoutes written out as JSON, shaped like the guide's route.</summary>
internal static class TestRoutes
{
    public const string Name = "rollouts-apisix-route";
    public const string Key = "default/" + Name;
    public const string Rule = "rollouts-apisix";
    public const string Stable = "rollout-apisix-canary-stable";
    public const string Canary = "rollout-apisix-canary-canary";

    /// <summary>The Rollout's plugin block for <see cref="Name"/> and the given rules.</summary>
    public static string Config(params string[] rules) =>
        "{\"route\":{\"name\":\"" + Name + "\",\"rules\":[" + string.Join(",", rules.Select(r => $"\"{r}\"")) + "]}}";

    public static string Backend(string service, int? weight = null, string port = "80") =>
        weight is { } w
            ? $$"""{"serviceName":"{{service}}","servicePort":{{port}},"weight":{{w}}}"""
            : $$"""{"serviceName":"{{service}}","servicePort":{{port}}}""";

    public static string HttpRule(string name, params string[] backends) =>
        $$"""{"name":"{{name}}","match":{"paths":["/*"]},"backends":[{{string.Join(",", backends)}}]}""";

    /// <summary>A route with the given spec.http rules (JSON objects) and optional extra metadata members.</summary>
    public static ApisixRouteSnapshot Route(IEnumerable<string> rules, string metadataExtra = "", string rest = "") =>
        ApisixRouteSnapshot.Parse($$"""
            {
              "apiVersion": "apisix.apache.org/v2",
              "kind": "ApisixRoute",
              "metadata": {"name": "{{Name}}", "namespace": "default", "uid": "6b0c8f2e-5d1a-4c1e-9a57-2f8d3c4b1a01",
                           "resourceVersion": "4711", "generation": 3{{metadataExtra}}},
              "spec": {"http": [{{string.Join(",", rules)}}]}{{rest}}
            }
            """);

    /// <summary>The guide's route: one rule, stable and canary at the given weights.</summary>
    public static ApisixRouteSnapshot Guide(int stable = 100, int canary = 0, string metadataExtra = "", string rest = "") =>
        Route([HttpRule(Rule, Backend(Stable, stable), Backend(Canary, canary))], metadataExtra, rest);

    public static SetWeightCall Call(int weight, string? config = null, int max = 100, params (string Service, int Weight)[] additional) =>
        new(SetWeightCall.DemoRollout(config ?? Config(Rule), max, Canary, Stable), weight,
            [.. additional.Select(a => new Rollouts.WeightDestination(a.Service, "hash-" + a.Service, a.Weight))]);
}
